//! A live generic view of any resource: the server's own Table (list in pages, then watch from its
//! resourceVersion with the same Accept, as `kubectl get -w` does), rows built at the edge and sent at most four
//! times a second. A 410 relists; a refused cluster-wide list narrows to the namespace in view.

use std::time::Duration;

use futures_util::StreamExt;
use kube::Client;
use kube::core::WatchEvent;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::kube::Pending;
use crate::event::{BrowseUpdate, Data, Event, Listing};
use crate::manifest::KnownResource;
use crate::model::mutation::MutationError;
use crate::model::table::{Columns, ResourceRow, ServerTable};

/// Server-side printing first, then a plain list: kubectl's own Accept for `get`.
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
/// Objects per list page, as kubectl asks.
const PAGE: usize = 500;
const FLUSH_EVERY: Duration = Duration::from_millis(250);
/// Watches end after this and are renewed from the last resourceVersion (kube-rs's watcher does the same).
const WATCH_SECONDS: u32 = 290;
const RETRY_AFTER: Duration = Duration::from_secs(3);

pub fn spawn(client: Client, listing: Listing, generation: u64, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        let send = |update: BrowseUpdate| tx.send(Event::Data(Data::Browse { generation, update })).is_ok();
        let mut scope: Option<String> = None;
        loop {
            let ended = match list(&client, &listing, &mut scope, &send).await {
                Ok((columns, version)) => watch(&client, &listing, scope.as_deref(), &columns, version, &send).await,
                Err(Failure::Narrowed) => continue,
                Err(Failure::Failed(why)) => Err(why),
            };
            match ended {
                // 410 Gone: the watch fell too far behind; list again at once.
                Ok(()) => {}
                Err(why) => {
                    if !send(BrowseUpdate::Failed(why)) {
                        return;
                    }
                    tokio::time::sleep(RETRY_AFTER).await;
                }
            }
            if tx.is_closed() {
                return;
            }
        }
    })
    .abort_handle()
}

enum Failure {
    /// The cluster-wide list was refused; the next try lists the namespace.
    Narrowed,
    Failed(String),
}

/// `services`, `deployments.apps`: the resource as RBAC and kubectl name it.
fn resource_name(resource: &KnownResource) -> String {
    match resource.group() {
        "" => resource.plural.clone(),
        group => format!("{}.{group}", resource.plural),
    }
}

/// A GET of `path` asking for a Table; query values are encoded (selectors carry `=` and `,`, continue tokens `+`).
fn request(path: String, query: &[(&str, String)]) -> Result<http::Request<Vec<u8>>, String> {
    http::Request::get(crate::model::api_url(&path, query))
        .header(http::header::ACCEPT, TABLE_ACCEPT)
        .body(Vec::new())
        .map_err(|e| e.to_string())
}

fn refused(error: kube::Error, verb: &str, resource: &KnownResource, scope: Option<&str>) -> String {
    MutationError::from_kube(error, verb, &resource_name(resource), scope.unwrap_or_default()).to_string()
}

/// Lists every page; the first page replaces the view, the rest add to it. Returns the columns and the
/// resourceVersion to watch from.
async fn list(
    client: &Client,
    listing: &Listing,
    scope: &mut Option<String>,
    send: &impl Fn(BrowseUpdate) -> bool,
) -> Result<(Columns, String), Failure> {
    let mut token = String::new();
    let mut columns: Option<Columns> = None;
    loop {
        let mut query = vec![("limit", PAGE.to_string())];
        if let Some(fields) = &listing.field_selector {
            query.push(("fieldSelector", fields.clone()));
        }
        if !token.is_empty() {
            query.push(("continue", token.clone()));
        }
        let req = request(listing.resource.list_path(scope.as_deref()), &query).map_err(Failure::Failed)?;
        let table = match client.request::<ServerTable>(req).await {
            Ok(table) => table,
            Err(kube::Error::Api(status))
                if status.code == 403
                    && scope.is_none()
                    && listing.resource.namespaced
                    && listing.namespace.is_some() =>
            {
                *scope = listing.namespace.clone();
                let why = refused(kube::Error::Api(status), "list", &listing.resource, None);
                let ns = scope.as_deref().unwrap_or_default();
                send(BrowseUpdate::Note(format!("{why} at the cluster scope; listing namespace {ns}")));
                return Err(Failure::Narrowed);
            }
            Err(e) => return Err(Failure::Failed(refused(e, "list", &listing.resource, scope.as_deref()))),
        };
        let first = columns.is_none();
        let cols = columns.get_or_insert_with(|| {
            Columns::from_definitions(&table.column_definitions, listing.resource.namespaced && scope.is_none())
        });
        let rows: Vec<ResourceRow> = table.rows.into_iter().map(|r| cols.row(r)).collect();
        token = table.metadata.continue_token;
        let complete = token.is_empty();
        let update = BrowseUpdate::Listed {
            columns: cols.names.clone(),
            delta: crate::model::Delta { reset: first, upserts: rows, deletes: Vec::new() },
            complete,
        };
        if !send(update) {
            return Err(Failure::Failed("the console closed".into()));
        }
        if complete {
            return Ok((columns.unwrap_or_default(), table.metadata.resource_version));
        }
    }
}

/// Follows changes from `version` until the server ends the watch with 410 (Ok: relist) or fails (Err). A watch
/// the server simply closes is renewed from the last resourceVersion seen.
async fn watch(
    client: &Client,
    listing: &Listing,
    scope: Option<&str>,
    columns: &Columns,
    mut version: String,
    send: &impl Fn(BrowseUpdate) -> bool,
) -> Result<(), String> {
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut query = vec![
            ("watch", "true".to_string()),
            ("resourceVersion", version.clone()),
            ("timeoutSeconds", WATCH_SECONDS.to_string()),
        ];
        if let Some(fields) = &listing.field_selector {
            query.push(("fieldSelector", fields.clone()));
        }
        let req = request(listing.resource.list_path(scope), &query)?;
        let mut events = client
            .request_events::<ServerTable>(req)
            .await
            .map_err(|e| refused(e, "watch", &listing.resource, scope))?
            .boxed();
        let mut pending: Pending<ResourceRow> = Pending::default();
        loop {
            tokio::select! {
                event = events.next() => match event {
                    None => break,
                    Some(Ok(WatchEvent::Added(table) | WatchEvent::Modified(table))) => {
                        for row in table.rows {
                            version.clone_from(&row.object.metadata.resource_version);
                            let row = columns.row(row);
                            pending.upserts.insert(row.id.uid.clone(), row);
                        }
                    }
                    Some(Ok(WatchEvent::Deleted(table))) => {
                        for row in table.rows {
                            version.clone_from(&row.object.metadata.resource_version);
                            let uid = columns.row(row).id.uid;
                            pending.upserts.remove(&uid);
                            pending.deletes.push(uid);
                        }
                    }
                    Some(Ok(WatchEvent::Bookmark(mark))) => version = mark.metadata.resource_version,
                    Some(Ok(WatchEvent::Error(status))) if status.code == 410 => {
                        flush_pending(&mut pending, send);
                        return Ok(());
                    }
                    Some(Ok(WatchEvent::Error(status))) => {
                        flush_pending(&mut pending, send);
                        return Err(crate::sanitize::clean(&status.message));
                    }
                    Some(Err(e)) => {
                        flush_pending(&mut pending, send);
                        return Err(crate::sanitize::clean(&e.to_string()));
                    }
                },
                _ = flush.tick() => {
                    if !flush_pending(&mut pending, send) {
                        return Err("the console closed".into());
                    }
                }
            }
        }
        if !flush_pending(&mut pending, send) {
            return Err("the console closed".into());
        }
    }
}

/// Sends what changed since the last flush; false once the console is gone.
fn flush_pending(pending: &mut Pending<ResourceRow>, send: &impl Fn(BrowseUpdate) -> bool) -> bool {
    pending.is_empty() || send(BrowseUpdate::Changed(pending.take()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_encoded() {
        let req = request("/api/v1/events".into(), &[("fieldSelector", "type=Warning,a!=b".into())]).unwrap();
        assert_eq!(req.uri().to_string(), "/api/v1/events?fieldSelector=type%3DWarning%2Ca%21%3Db");
        assert_eq!(req.headers()[http::header::ACCEPT], TABLE_ACCEPT);
        assert_eq!(crate::model::api_url("/api/v1/pods", &[]), "/api/v1/pods");
        let paged = crate::model::api_url("/api/v1/pods", &[("limit", "500".into()), ("continue", "a+b/c=".into())]);
        assert_eq!(paged, "/api/v1/pods?limit=500&continue=a%2Bb%2Fc%3D");
    }
}
