//! Server-side apply of any kind discovery knows: fetch an object cleaned for editing, dry-run or apply each
//! document (field manager gpudeck) and say what it changed, as a diff of the live object and the result.

use kube::api::{DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{self, ApiCapabilities, ApiResource, Scope};
use kube::{Api, Client};
use serde_json::Value;

use crate::diff;
use crate::event::ObjectAddress;
use crate::manifest;
use crate::model::mutation::{Change, DocOutcome, MutationError};

/// The field manager gpudeck applies as: its fields are its own, and others' are conflicts.
pub const FIELD_MANAGER: &str = "gpudeck";

/// An API for one kind in one namespace, and how to name it in messages (`deployments.apps`).
pub(super) struct Target {
    pub api: Api<DynamicObject>,
    pub resource: String,
    pub namespace: String,
}

pub(super) async fn target(
    client: &Client,
    api_version: &str,
    kind: &str,
    namespace: &str,
) -> Result<Target, MutationError> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (resource, caps): (ApiResource, ApiCapabilities) = discovery::pinned_kind(client, &gvk).await.map_err(|e| {
        MutationError::Other(format!("{kind} in {api_version}: {}", crate::sanitize::clean(&e.to_string())))
    })?;
    let name = if group.is_empty() { resource.plural.clone() } else { format!("{}.{group}", resource.plural) };
    let (api, namespace) = if caps.scope == Scope::Namespaced {
        // No namespace in the manifest: the context's, as kubectl does.
        let ns = if namespace.is_empty() { client.default_namespace() } else { namespace };
        (Api::namespaced_with(client.clone(), ns, &resource), ns.to_string())
    } else {
        (Api::all_with(client.clone(), &resource), String::new())
    };
    Ok(Target { api, resource: name, namespace })
}

/// The live object as JSON, any kind discovery knows.
pub async fn fetch_value(client: &Client, address: &ObjectAddress) -> Result<Value, MutationError> {
    let t = target(client, &address.api_version, &address.kind, &address.namespace).await?;
    let object =
        t.api.get(&address.name).await.map_err(|e| MutationError::from_kube(e, "get", &t.resource, &t.namespace))?;
    serde_json::to_value(object).map_err(|e| MutationError::Other(e.to_string()))
}

fn to_yaml(value: &Value) -> Result<String, MutationError> {
    serde_saphyr::to_string(value).map_err(|e| MutationError::Other(e.to_string()))
}

/// The object's YAML without status and server-set fields, as the editor opens it.
pub async fn fetch_for_edit(client: &Client, address: &ObjectAddress) -> Result<String, MutationError> {
    to_yaml(&manifest::clean_for_edit(fetch_value(client, address).await?))
}

/// The object's YAML as the YAML view shows it: all of it but managedFields. A Secret also loses the
/// last-applied annotation, which would show its data in the clear past the masking.
pub async fn fetch_yaml(client: &Client, address: &ObjectAddress) -> Result<String, MutationError> {
    let mut value = fetch_value(client, address).await?;
    if let Some(meta) = value["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    if value["kind"] == "Secret"
        && let Some(annotations) = value["metadata"]["annotations"].as_object_mut()
    {
        annotations.remove(manifest::LAST_APPLIED);
    }
    to_yaml(&value)
}

/// Applies one document (a dry-run when `dry_run`): what it would change or did change, or why it was refused.
/// `created_namespaces` are those earlier documents of the same run create: in a dry-run they do not exist yet,
/// so an object in one is shown as created rather than refused. `reviewed` is what a dry-run saw of the live
/// object: if it has changed since, nothing is applied.
pub async fn apply_one(
    client: &Client,
    document: &Value,
    dry_run: bool,
    force: bool,
    created_namespaces: &[String],
    reviewed: Option<u64>,
) -> DocOutcome {
    let title = manifest::title_of(document);
    let result = match apply_document(client, document, dry_run, force, reviewed).await {
        Err(MutationError::NamespaceMissing(ns)) if dry_run && created_namespaces.contains(&ns) => Ok(Change {
            verb: "created",
            diff: diff::unified("", &manifest::comparable_yaml(Some(document))),
            seen: manifest::content_version(None),
        }),
        other => other,
    };
    DocOutcome { title, result }
}

async fn apply_document(
    client: &Client,
    document: &Value,
    dry_run: bool,
    force: bool,
    reviewed: Option<u64>,
) -> Result<Change, MutationError> {
    let api_version = document["apiVersion"].as_str().unwrap_or_default();
    let kind = document["kind"].as_str().unwrap_or_default();
    let name = document["metadata"]["name"].as_str().unwrap_or_default();
    let t = target(client, api_version, kind, document["metadata"]["namespace"].as_str().unwrap_or_default()).await?;
    let refused = |verb: &str| {
        let (resource, namespace) = (t.resource.clone(), t.namespace.clone());
        let verb = verb.to_string();
        move |e| MutationError::from_kube(e, &verb, &resource, &namespace)
    };
    let live = t.api.get_opt(name).await.map_err(refused("get"))?;
    let live = live.map(|o| serde_json::to_value(o).unwrap_or_default());
    let seen = manifest::content_version(live.as_ref());
    if reviewed.is_some_and(|r| r != seen) {
        return Err(MutationError::Changed);
    }
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = dry_run;
    params.force = force;
    let mut body = document.clone();
    if !t.namespace.is_empty() {
        body["metadata"]["namespace"] = Value::String(t.namespace.clone());
    }
    let result = t.api.patch(name, &params, &Patch::Apply(&body)).await.map_err(refused("patch"))?;
    let result = serde_json::to_value(&result).unwrap_or_default();
    let verb = match &live {
        None => "created",
        Some(l) if l["metadata"]["resourceVersion"] == result["metadata"]["resourceVersion"] => "unchanged",
        Some(_) => "configured",
    };
    let diff = diff::unified(&manifest::comparable_yaml(live.as_ref()), &manifest::comparable_yaml(Some(&result)));
    Ok(Change { verb, diff, seen })
}
