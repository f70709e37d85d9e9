//! Helm's release records through the API, with no helm binary: one release's records decoded whole, its
//! manifest's live objects compared with it, a rollback (a dry-run, then the apply and the records Helm 3 writes)
//! and an unlock.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::{Api, Client};
use serde_json::Value;

use super::apply;
use crate::event::Data;
use crate::model::helm::live::{self, LiveObject, LiveState};
use crate::model::helm::ops::{HelmData, HelmEffect, ReleaseRef};
use crate::model::helm::{self, Storage, release};
use crate::model::mutation::{DocOutcome, MutationError};

/// How many drifted fields an object's line names.
const DRIFT_SHOWN: usize = 3;

pub async fn run(client: Client, effect: HelmEffect) -> Data {
    let data = match effect {
        HelmEffect::Records { release, generation } => {
            HelmData::Records { generation, result: records(&client, &release).await.map(|(r, _)| r) }
        }
        HelmEffect::Objects { documents, generation } => {
            HelmData::Objects { generation, result: Ok(objects(&client, &documents).await) }
        }
        HelmEffect::Rollback { release, target, expect_latest, dry_run: true, generation } => {
            HelmData::Reviewed { generation, result: review(&client, &release, target, expect_latest).await }
        }
        HelmEffect::Rollback { release, target, expect_latest, dry_run: false, .. } => HelmData::Written {
            what: format!("rollback {} to revision {target}", release.title()),
            result: rollback(&client, &release, target, expect_latest).await,
        },
        HelmEffect::Unlock { release, revision } => HelmData::Written {
            what: format!("helm-unlock {} revision {revision}", release.title()),
            result: unlock(&client, &release, revision).await,
        },
    };
    Data::Helm(data)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The release's records, oldest first, with each one's resourceVersion (a rewrite is made against it).
async fn records(client: &Client, r: &ReleaseRef) -> Result<(Vec<Value>, BTreeMap<i64, String>), String> {
    let selector = format!("owner=helm,name={}", r.name);
    let params = ListParams::default().labels(&selector);
    let refused = |resource: &str| {
        let (resource, namespace) = (resource.to_string(), r.namespace.clone());
        move |e| MutationError::from_kube(e, "list", &resource, &namespace).to_string()
    };
    let payloads: Vec<(Vec<u8>, String)> = match r.storage {
        Storage::Secret => {
            let list = Api::<Secret>::namespaced(client.clone(), &r.namespace)
                .list(&params)
                .await
                .map_err(refused("secrets"))?;
            list.items
                .into_iter()
                .map(|s| {
                    let payload = s.data.and_then(|mut d| d.remove("release")).map(|b| b.0).unwrap_or_default();
                    (payload, s.metadata.resource_version.unwrap_or_default())
                })
                .collect()
        }
        Storage::ConfigMap => {
            let list = Api::<ConfigMap>::namespaced(client.clone(), &r.namespace)
                .list(&params)
                .await
                .map_err(refused("configmaps"))?;
            list.items
                .into_iter()
                .map(|m| {
                    let payload = m.data.and_then(|mut d| d.remove("release")).unwrap_or_default();
                    (payload.into_bytes(), m.metadata.resource_version.unwrap_or_default())
                })
                .collect()
        }
        Storage::Tiller => return Err("a Helm 2 (Tiller) release: Helm 3 does not read it".into()),
    };
    let mut out = Vec::new();
    let mut versions = BTreeMap::new();
    for (payload, resource_version) in payloads {
        // An unreadable revision is left out here; the history still lists it with why.
        if let Ok(record) = helm::record(&payload) {
            versions.insert(release::revision(&record), resource_version);
            out.push(record);
        }
    }
    out.sort_by_key(release::revision);
    Ok((out, versions))
}

/// Each document's live object, and how it stands against the manifest.
async fn objects(client: &Client, documents: &[Value]) -> Vec<LiveObject> {
    let mut out = Vec::new();
    for doc in documents {
        let field = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let (api_version, kind, name) =
            (field(&doc["apiVersion"]), field(&doc["kind"]), field(&doc["metadata"]["name"]));
        let namespace = field(&doc["metadata"]["namespace"]);
        let fetched = match apply::target(client, &api_version, &kind, &namespace).await {
            Ok(t) => {
                t.api.get_opt(&name).await.map_err(|e| MutationError::from_kube(e, "get", &t.resource, &t.namespace))
            }
            Err(e) => Err(e),
        };
        let (state, why) = match fetched {
            Ok(None) => (LiveState::Missing, "not in the cluster".to_string()),
            Ok(Some(object)) => {
                let live = serde_json::to_value(object).unwrap_or_default();
                let drifted = live::drift(doc, &live, DRIFT_SHOWN);
                match live::unhealthy(&live) {
                    _ if !drifted.is_empty() => (LiveState::Drifted, drifted.join("; ")),
                    Some(why) => (LiveState::Unhealthy, why),
                    None => (LiveState::Healthy, String::new()),
                }
            }
            Err(e) => (LiveState::Unreadable, e.to_string()),
        };
        let clean = |s: &str| crate::sanitize::clean(s);
        let (kind, namespace, name) = (clean(&kind), clean(&namespace), clean(&name));
        out.push(LiveObject { api_version: clean(&api_version), kind, namespace, name, state, why: clean(&why) });
    }
    out
}

/// The revision's manifest as documents, each in the release's namespace unless its kind is cluster-scoped.
async fn documents(client: &Client, record: &Value, namespace: &str) -> Result<Vec<Value>, String> {
    let lines: Vec<String> = release::manifest(record).lines().map(String::from).collect();
    let checked = crate::manifest::check(&lines, &Default::default());
    if let Some(p) = checked.problems.first() {
        return Err(format!("its manifest does not parse at line {}: {}", p.at(), p.message));
    }
    let mut out = Vec::new();
    for parsed in checked.documents {
        let mut doc = parsed.value;
        let (api_version, kind) =
            (doc["apiVersion"].as_str().unwrap_or_default(), doc["kind"].as_str().unwrap_or_default());
        let ns = doc["metadata"]["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(namespace).to_string();
        let target = apply::target(client, api_version, kind, &ns).await.map_err(|e| e.to_string())?;
        if !target.namespace.is_empty() {
            doc["metadata"]["namespace"] = Value::String(target.namespace);
        }
        out.push(doc);
    }
    Ok(out)
}

/// The target revision and the latest, checking nobody acted on the release since the review.
async fn plan(
    client: &Client,
    r: &ReleaseRef,
    target: i64,
    expect_latest: i64,
) -> Result<(Vec<Value>, BTreeMap<i64, String>), String> {
    let (records, versions) = records(client, r).await?;
    let latest = release::latest(&records).map_or(0, release::revision);
    if latest != expect_latest {
        return Err(format!(
            "its latest revision is now {latest}, not {expect_latest}: look again before rolling back"
        ));
    }
    release::find(&records, target).ok_or_else(|| format!("revision {target} can no longer be read"))?;
    Ok((records, versions))
}

async fn review(client: &Client, r: &ReleaseRef, target: i64, expect_latest: i64) -> Result<Vec<DocOutcome>, String> {
    let (records, _) = plan(client, r, target, expect_latest).await?;
    let record = release::find(&records, target).ok_or("no target")?;
    let mut out = Vec::new();
    for doc in documents(client, record, &r.namespace).await? {
        out.push(apply::apply_one(client, &doc, true, true, &[], None).await);
    }
    Ok(out)
}

/// As Helm 3's rollback: the new revision recorded `pending-rollback`, the target's manifest applied (objects only
/// the current revision has are deleted), then the new revision `deployed` (or `failed`, with why) and the
/// deployed and latest revisions `superseded`. Hooks are not run.
async fn rollback(client: &Client, r: &ReleaseRef, target: i64, expect_latest: i64) -> Result<String, String> {
    let (records, versions) = plan(client, r, target, expect_latest).await?;
    let plan = release::rollback(&records, target, now())?;
    let new_revision = release::revision(&plan.new);
    let pending = release::with_status(&plan.new, "pending-rollback", None);
    write(client, r, &pending, None).await?;
    let applied = apply_target(client, r, &records, target).await;
    let new_version = records_version(client, r, new_revision).await;
    if let Err(why) = applied {
        let failed = release::with_status(&plan.new, "failed", Some(&format!("Rollback \"{}\" failed: {why}", r.name)));
        write(client, r, &failed, new_version.as_deref()).await?;
        return Err(why);
    }
    for old in &plan.superseded {
        write(client, r, old, versions.get(&release::revision(old)).map(String::as_str)).await?;
    }
    write(client, r, &plan.new, new_version.as_deref()).await?;
    Ok(format!("revision {new_revision} deployed (hooks were not run)"))
}

/// Applies the target's documents and deletes what only the latest revision's manifest has.
async fn apply_target(client: &Client, r: &ReleaseRef, records: &[Value], target: i64) -> Result<(), String> {
    let wanted = documents(client, release::find(records, target).ok_or("no target")?, &r.namespace).await?;
    let current = match release::latest(records) {
        Some(latest) => documents(client, latest, &r.namespace).await.unwrap_or_default(),
        None => Vec::new(),
    };
    for doc in &wanted {
        let outcome = apply::apply_one(client, doc, false, true, &[], None).await;
        if let Err(e) = outcome.result {
            return Err(format!("{}: {e}", outcome.title));
        }
    }
    let key = |d: &Value| {
        let m = &d["metadata"];
        (d["apiVersion"].clone(), d["kind"].clone(), m["namespace"].clone(), m["name"].clone())
    };
    for doc in current.iter().filter(|c| !wanted.iter().any(|w| key(w) == key(c))) {
        let (api_version, kind) =
            (doc["apiVersion"].as_str().unwrap_or_default(), doc["kind"].as_str().unwrap_or_default());
        let t = apply::target(client, api_version, kind, doc["metadata"]["namespace"].as_str().unwrap_or_default())
            .await
            .map_err(|e| e.to_string())?;
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        match t.api.delete(name, &DeleteParams::background()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(e) => return Err(MutationError::from_kube(e, "delete", &t.resource, &t.namespace).to_string()),
        }
    }
    Ok(())
}

/// The resourceVersion of a revision's record just written.
async fn records_version(client: &Client, r: &ReleaseRef, revision: i64) -> Option<String> {
    let name = helm::record_name(&r.name, revision);
    match r.storage {
        Storage::Secret => Api::<Secret>::namespaced(client.clone(), &r.namespace).get(&name).await.ok()?.metadata,
        _ => Api::<ConfigMap>::namespaced(client.clone(), &r.namespace).get(&name).await.ok()?.metadata,
    }
    .resource_version
}

async fn unlock(client: &Client, r: &ReleaseRef, revision: i64) -> Result<String, String> {
    let (records, versions) = records(client, r).await?;
    let latest = release::latest(&records).ok_or("no readable revision")?;
    if release::revision(latest) != revision || !release::status(latest).starts_with("pending-") {
        let status = release::status(latest);
        return Err(format!(
            "its latest revision is now {} ({status}); nothing was changed",
            release::revision(latest)
        ));
    }
    let was = release::status(latest).to_string();
    let description = format!("Marked failed by gpudeck :helm-unlock: {was} had no helm process behind it");
    let failed = release::with_status(latest, "failed", Some(&description));
    write(client, r, &failed, versions.get(&revision).map(String::as_str)).await?;
    Ok(format!("{was} → failed; helm upgrade or rollback may run again"))
}

/// Writes a record as Helm's driver does: created when `resource_version` is None, else replaced at that version
/// (a conflict means someone else wrote it meanwhile).
async fn write(client: &Client, r: &ReleaseRef, record: &Value, resource_version: Option<&str>) -> Result<(), String> {
    let revision = release::revision(record);
    let labels = helm::record_labels(&r.name, release::status(record), revision, now());
    let metadata = ObjectMeta {
        name: Some(helm::record_name(&r.name, revision)),
        namespace: Some(r.namespace.clone()),
        labels: Some(labels),
        resource_version: resource_version.map(String::from),
        ..Default::default()
    };
    let payload = helm::encode(record);
    let post = PostParams::default();
    let (verb, resource) = (if resource_version.is_some() { "update" } else { "create" }, r.storage.as_str());
    let refused = |e| MutationError::from_kube(e, verb, &format!("{resource}s"), &r.namespace).to_string();
    match r.storage {
        Storage::Secret => {
            let api = Api::<Secret>::namespaced(client.clone(), &r.namespace);
            let secret = Secret {
                metadata,
                type_: Some(helm::SECRET_TYPE.into()),
                data: Some([("release".to_string(), ByteString(payload.into_bytes()))].into()),
                ..Default::default()
            };
            let name = helm::record_name(&r.name, revision);
            if resource_version.is_some() {
                api.replace(&name, &post, &secret).await
            } else {
                api.create(&post, &secret).await
            }
            .map(|_| ())
            .map_err(refused)
        }
        Storage::ConfigMap => {
            let api = Api::<ConfigMap>::namespaced(client.clone(), &r.namespace);
            let map =
                ConfigMap { metadata, data: Some([("release".to_string(), payload)].into()), ..Default::default() };
            let name = helm::record_name(&r.name, revision);
            if resource_version.is_some() {
                api.replace(&name, &post, &map).await
            } else {
                api.create(&post, &map).await
            }
            .map(|_| ())
            .map_err(refused)
        }
        Storage::Tiller => Err("Helm 2 records are not written".into()),
    }
}
