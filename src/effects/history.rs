//! A workload's rollout history read from the API server (the workload, then the ReplicaSets or
//! ControllerRevisions it controls), each image's provenance from its registry, and the writes `:undo`, `:pause`
//! and `:resume` make, as kubectl makes them.

use kube::Client;
use serde_json::{Value, json};

use super::registry::RegistryClient;
use crate::event::{Data, ObjectAddress};
use crate::model::history::ops::{HistoryData, HistoryEffect, Provenance, UndoReview};
use crate::model::history::{History, Rollout, RolloutPatch, template_yaml, undo_patch};
use crate::model::mutation::MutationError;
use crate::model::registry::{ImageRef, RegistryError};

const MANAGER: &str = super::apply::FIELD_MANAGER;

pub async fn run(client: Client, registry: RegistryClient, effect: HistoryEffect) -> Data {
    let data = match effect {
        HistoryEffect::Load { target, generation } => {
            HistoryData::Loaded { generation, result: read(&client, &target).await.map(|(h, ..)| h) }
        }
        HistoryEffect::Provenance { image, running } => {
            let found = provenance(&registry, &image, running.as_deref()).await;
            HistoryData::Provenance { image, running, found }
        }
        HistoryEffect::Undo { target, revision, dry_run: true, generation, .. } => {
            HistoryData::Reviewed { generation, result: review(&client, &target, revision).await }
        }
        HistoryEffect::Undo { target, revision, dry_run: false, expect, .. } => HistoryData::Written {
            what: format!("undo {} to revision {revision}", target.title()),
            result: undo(&client, &target, revision, expect.as_deref()).await,
        },
        HistoryEffect::Pause { target, paused } => HistoryData::Written {
            what: format!("{} {}", if paused { "pause" } else { "resume" }, target.title()),
            result: pause(&client, &target, paused).await,
        },
    };
    Data::History(data)
}

fn rollout_of(target: &ObjectAddress) -> Result<Rollout, String> {
    Rollout::of(&target.kind).ok_or_else(|| format!("{} has no rollout history", target.title()))
}

fn object_path(target: &ObjectAddress, rollout: Rollout) -> String {
    let plural = rollout.resource().trim_end_matches(".apps");
    format!("/apis/apps/v1/namespaces/{}/{plural}/{}", target.namespace, target.name)
}

async fn get(client: &Client, path: &str, verb: &str, resource: &str, namespace: &str) -> Result<Value, String> {
    let request = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| MutationError::from_kube(e, verb, resource, namespace).to_string())
}

/// The workload, its history, and the objects holding each revision (as listed).
async fn read(client: &Client, target: &ObjectAddress) -> Result<(History, Value, Vec<Value>), String> {
    let rollout = rollout_of(target)?;
    let ns = target.namespace.as_str();
    let owner = get(client, &object_path(target, rollout), "get", rollout.resource(), ns).await?;
    // kubectl lists by the workload's selector too, then keeps what the workload controls.
    let selector: Vec<String> = owner["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    let plural = rollout.holders().trim_end_matches(".apps");
    let path = crate::model::api_url(
        &format!("/apis/apps/v1/namespaces/{ns}/{plural}"),
        &[("labelSelector", selector.join(","))],
    );
    let list = get(client, &path, "list", rollout.holders(), ns).await?;
    let holders: Vec<Value> = list["items"].as_array().cloned().unwrap_or_default();
    let history = match rollout {
        Rollout::Deployment => History::of_deployment(&owner, &holders),
        kind => History::of_controller_revisions(&owner, kind, &holders),
    };
    Ok((history, owner, holders))
}

/// The patch for `revision`, and the holder it came from.
async fn prepare(client: &Client, target: &ObjectAddress, revision: i64) -> Result<(History, RolloutPatch), String> {
    let (history, owner, holders) = read(client, target).await?;
    let chosen = history.undo_target(Some(revision))?.clone();
    let holder = holders
        .iter()
        .find(|h| h["metadata"]["name"].as_str() == Some(chosen.holder.as_str()))
        .ok_or_else(|| format!("{} is gone", chosen.holder))?;
    let patch = undo_patch(history.kind, &owner, holder, &chosen);
    Ok((history, patch))
}

async fn send(client: &Client, target: &ObjectAddress, patch: &RolloutPatch, dry_run: bool) -> Result<Value, String> {
    let rollout = rollout_of(target)?;
    let mut query = vec![("fieldManager", MANAGER.to_string())];
    if dry_run {
        query.push(("dryRun", "All".into()));
    }
    let path = crate::model::api_url(&object_path(target, rollout), &query);
    let body = serde_json::to_vec(patch.body()).map_err(|e| e.to_string())?;
    let request = http::Request::patch(path)
        .header(http::header::CONTENT_TYPE, patch.content_type())
        .body(body)
        .map_err(|e| e.to_string())?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| MutationError::from_kube(e, "patch", rollout.resource(), &target.namespace).to_string())
}

/// The server-side dry-run of the undo: the template the server would keep, diffed against the one now.
async fn review(client: &Client, target: &ObjectAddress, revision: i64) -> Result<UndoReview, String> {
    let (history, patch) = prepare(client, target, revision).await?;
    let answer = send(client, target, &patch, true).await?;
    let diff = crate::diff::unified(&template_yaml(&history.template), &template_yaml(&answer["spec"]["template"]));
    Ok(UndoReview { revision, resource_version: history.resource_version, diff })
}

async fn undo(client: &Client, target: &ObjectAddress, revision: i64, expect: Option<&str>) -> Result<String, String> {
    let (history, patch) = prepare(client, target, revision).await?;
    if expect.is_some_and(|rv| rv != history.resource_version) {
        return Err(format!("{} changed since the review: :undo again to see what it does now", target.title()));
    }
    send(client, target, &patch, false).await?;
    Ok(format!("rolled back to revision {revision}"))
}

/// `kubectl rollout pause|resume`: only a Deployment has `spec.paused`.
async fn pause(client: &Client, target: &ObjectAddress, paused: bool) -> Result<String, String> {
    let verb = if paused { "pause" } else { "resume" };
    if rollout_of(target)? != Rollout::Deployment {
        return Err(format!("{}s cannot {verb}: only a Deployment's rollout pauses", target.kind.to_lowercase()));
    }
    let owner =
        get(client, &object_path(target, Rollout::Deployment), "get", "deployments.apps", &target.namespace).await?;
    if (owner["spec"]["paused"] == true) == paused {
        return Ok(format!("already {verb}d"));
    }
    let patch = RolloutPatch::Strategic(json!({"spec": {"paused": paused}}));
    send(client, target, &patch, false).await?;
    Ok(format!("{verb}d"))
}

/// The digest the image's tag names now and the OCI labels of the build that runs (else of the tag's).
async fn provenance(registry: &RegistryClient, image: &str, running: Option<&str>) -> Provenance {
    let mut found =
        Provenance { tag: Err(String::new()), tag_gone: false, commit: None, source: None, version: None, built: None };
    let parsed = match ImageRef::parse(image) {
        Ok(parsed) => parsed,
        Err(why) => {
            found.tag = Err(why);
            return found;
        }
    };
    let (host, repository) = (parsed.registry.as_str(), parsed.repository.as_str());
    let by_tag = registry.manifest(host, repository, parsed.reference()).await;
    found.tag = match &by_tag {
        Ok(detail) => Ok(detail.digest.clone()),
        Err(e) => Err(e.to_string()),
    };
    found.tag_gone = matches!(&by_tag, Err(RegistryError::NotFound { .. }));
    let detail = match (running, &by_tag) {
        (Some(digest), Ok(detail)) if detail.digest == digest => Some(detail.clone()),
        (Some(digest), _) => registry.manifest(host, repository, digest).await.ok(),
        (None, Ok(detail)) => Some(detail.clone()),
        (None, Err(_)) => None,
    };
    let Some(detail) = detail else { return found };
    let config = detail
        .platforms
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .find(|p| p.platform.starts_with("linux/amd64"))
        .or_else(|| detail.platforms.iter().find_map(|p| p.as_ref().ok()))
        .and_then(|p| p.config.as_ref().ok());
    if let Some(config) = config {
        let label = |key: &str| config.labels.get(&format!("org.opencontainers.image.{key}")).cloned();
        found.commit = label("revision");
        found.source = label("source");
        found.version = label("version");
        found.built = label("created").or_else(|| config.created.clone()).map(|c| crate::model::helm::unix(&c));
    }
    found
}
