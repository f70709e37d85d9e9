//! Watch streams: synthetic ADDED from a snapshot or a replay from a resourceVersion, live changes filtered by
//! selectors, bookmarks, and 410 as an ERROR event (never an HTTP 410, which would wedge kube-rs watchers).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::Response;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, sleep_until};

use super::api::Ctx;
use super::error::ApiError;
use super::http::{self, Reply, Wanted};
use super::read::{self, Filter, IncludeObject};
use super::resources;
use super::routes::Target;
use super::store::{Change, ChangeKind, Signal, WatchStart};
use super::world::World;

/// How often an idle watch that asked for bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

struct Watch {
    filter: Filter,
    namespace: Option<String>,
    table: Option<IncludeObject>,
    bookmarks: bool,
    tx: mpsc::Sender<Bytes>,
}

pub fn watch(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    if resource.is_metrics() || target.subresource.is_some() {
        return Err(ApiError::method_not_allowed("WATCH"));
    }
    let mut filter = Filter::from_query(ctx, target.res)?;
    if let Some(name) = &target.name {
        // `GET .../pods/NAME?watch=true` watches that one object.
        filter.fields.0.push(crate::selector::FieldTerm {
            field: "metadata.name".into(),
            value: name.clone(),
            negated: false,
        });
    }
    let rv = match ctx.query.get("resourceVersion").unwrap_or_default() {
        "" | "0" => None,
        v => Some(v.parse::<u64>().map_err(|_| ApiError::bad_request(format!("invalid resource version: {v}")))?),
    };
    let initial_events = ctx.query.flag("sendInitialEvents");
    let timeout = ctx.query.number("timeoutSeconds")?;
    let drop_after = world.faults.drop_watches_after_s();
    let limit = [timeout, (drop_after > 0).then_some(drop_after)].into_iter().flatten().min();
    let (tx, rx) = mpsc::channel(256);
    let w = Watch {
        filter,
        namespace: target.namespace.clone(),
        table: (ctx.wanted == Wanted::Table).then(|| read::include_object(ctx)),
        bookmarks: ctx.query.flag("allowWatchBookmarks"),
        tx,
    };
    let start = world.store.watch_from(if initial_events { None } else { rv });
    tokio::spawn(run(w, start, rv.unwrap_or(0), initial_events, limit.map(Duration::from_secs)));
    let mut resp = Response::new(http::streaming(rx));
    resp.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(http::JSON));
    Ok(resp)
}

async fn run(w: Watch, start: Result<WatchStart, ApiError>, from: u64, initial_events: bool, limit: Option<Duration>) {
    let deadline = limit.map(|d| Instant::now() + d);
    let (mut rx, mut last_rv) = match start {
        Err(gone) => {
            let _ = w.tx.send(event_line("ERROR", &gone.status())).await;
            return;
        }
        Ok(WatchStart::Snapshot(rv, objects, rx)) => {
            for (key, obj) in objects.range(super::store::range(w.filter.res, w.namespace.as_deref())) {
                if w.filter.matches(key, obj) && w.send("ADDED", &obj.value()).await.is_err() {
                    return;
                }
            }
            if initial_events && w.send_bookmark(rv, true).await.is_err() {
                return;
            }
            (rx, rv)
        }
        Ok(WatchStart::Replay(changes, rx)) => {
            let mut last = from;
            for change in changes {
                last = change.rv();
                if w.forward(&change).await.is_err() {
                    return;
                }
            }
            (rx, last)
        }
    };
    let mut next_bookmark = Instant::now() + BOOKMARK_EVERY;
    loop {
        let wake = deadline.map_or(next_bookmark, |d| d.min(next_bookmark));
        tokio::select! {
            signal = rx.recv() => match signal {
                Ok(Signal::Change(change)) => {
                    if change.rv() <= last_rv {
                        continue;
                    }
                    last_rv = change.rv();
                    if w.forward(&change).await.is_err() {
                        return;
                    }
                }
                Ok(Signal::Expire) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    let gone = ApiError::gone(format!("too old resource version: {last_rv}"));
                    let _ = w.tx.send(event_line("ERROR", &gone.status())).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = sleep_until(wake) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return;
                }
                if w.bookmarks && w.send_bookmark(last_rv, false).await.is_err() {
                    return;
                }
                next_bookmark = Instant::now() + BOOKMARK_EVERY;
            }
            () = w.tx.closed() => return,
        }
    }
}

impl Watch {
    /// Sends a change if it concerns this watch; an object leaving the selector becomes DELETED, entering it ADDED.
    async fn forward(&self, change: &Change) -> Result<(), ()> {
        let (res, ns, _) = &change.key;
        if *res != self.filter.res || self.namespace.as_ref().is_some_and(|n| n != ns) {
            return Ok(());
        }
        let now = self.filter.matches(&change.key, &change.object);
        let before = change.previous.as_ref().is_some_and(|p| self.filter.matches(&change.key, p));
        let kind = match change.kind {
            ChangeKind::Added if now => "ADDED",
            ChangeKind::Deleted if before || now => "DELETED",
            ChangeKind::Modified if now && before => "MODIFIED",
            ChangeKind::Modified if now => "ADDED",
            ChangeKind::Modified if before => "DELETED",
            _ => return Ok(()),
        };
        match self.table {
            Some(_) => self.send(kind, &change.object.value()).await,
            // Plain JSON watches splice the stored bytes: no parse per event per watcher.
            None => self.tx.send(raw_event_line(kind, &change.object.json)).await.map_err(|_| ()),
        }
    }

    async fn send(&self, kind: &str, obj: &Value) -> Result<(), ()> {
        let object = match self.table {
            Some(include) => read::table_doc(
                self.filter.res,
                std::slice::from_ref(obj),
                obj["metadata"]["resourceVersion"].as_str().unwrap_or_default(),
                None,
                include,
            ),
            None => obj.clone(),
        };
        self.tx.send(event_line(kind, &object)).await.map_err(|_| ())
    }

    async fn send_bookmark(&self, rv: u64, initial_events_end: bool) -> Result<(), ()> {
        let resource = resources::get(self.filter.res);
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": resource.kind, "apiVersion": resource.api_version(), "metadata": meta});
        self.tx.send(event_line("BOOKMARK", &object)).await.map_err(|_| ())
    }
}

fn raw_event_line(kind: &str, object_json: &[u8]) -> Bytes {
    let mut line = Vec::with_capacity(object_json.len() + 32);
    line.extend_from_slice(br#"{"type":""#);
    line.extend_from_slice(kind.as_bytes());
    line.extend_from_slice(br#"","object":"#);
    line.extend_from_slice(object_json);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}
