//! create, update, patch (merge, JSON, strategic, server-side apply), delete with cascade; dry-run on every write.

use std::sync::Arc;

use serde_json::{Value, json};

use super::api::Ctx;
use super::apply::{self, ApplyError};
use super::deletion::{self, DeleteOptions};
use super::error::ApiError;
use super::http::{self, Reply};
use super::object::{self, Stored};
use super::resources::{self, ResourceType};
use super::routes::Target;
use super::store::Key;
use super::world::World;
use super::{clock, defaults, ephemeral, patch, protobuf, read, scale, validate};

/// How often a patch is retried when another writer got in between read and write.
const MAX_RETRIES: usize = 8;

/// Parses a request body as JSON, or YAML when the content type says so.
pub fn decode(ctx: &Ctx, yaml_ok: bool) -> Result<Value, ApiError> {
    let media = ctx.content_type.split(';').next().unwrap_or_default().trim();
    if media == protobuf::MEDIA_TYPE {
        return protobuf::decode(&ctx.body);
    }
    let text =
        std::str::from_utf8(&ctx.body).map_err(|_| ApiError::bad_request("the request body is not valid UTF-8"))?;
    let value: Value = match media {
        ""
        | "application/json"
        | "application/merge-patch+json"
        | "application/strategic-merge-patch+json"
        | "application/json-patch+json" => {
            serde_json::from_str(text).map_err(|e| ApiError::bad_request(format!("error decoding JSON body: {e}")))?
        }
        "application/yaml" | "application/apply-patch+yaml" if yaml_ok || media == "application/yaml" => {
            serde_saphyr::from_str(text).map_err(|e| ApiError::bad_request(format!("error decoding YAML body: {e}")))?
        }
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    Ok(value)
}

/// Checks apiVersion/kind against the URL (filling them when absent) and the namespace against the URL.
fn check_identity(resource: &ResourceType, target: &Target, obj: &mut Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(format!("the body must be a JSON object, not {}", scale::json_type(obj))));
    }
    let want = resource.api_version();
    match obj["apiVersion"].as_str() {
        None => obj["apiVersion"] = json!(want),
        Some(v) if v != want => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({want})"
            )));
        }
        Some(_) => {}
    }
    match obj["kind"].as_str() {
        None => obj["kind"] = json!(resource.kind),
        Some(k) if k != resource.kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                resource.kind
            )));
        }
        Some(_) => {}
    }
    if !obj["metadata"].is_object() && !obj["metadata"].is_null() {
        return Err(ApiError::bad_request(format!(
            "json: cannot unmarshal {} into Go struct field .metadata of type v1.ObjectMeta",
            scale::json_type(&obj["metadata"])
        )));
    }
    let meta = object::obj_mut(obj, "metadata");
    if resource.namespaced {
        let url_ns = target.namespace.clone().unwrap_or_default();
        match meta.get("namespace").and_then(Value::as_str) {
            Some(ns) if !ns.is_empty() && ns != url_ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                meta.insert("namespace".into(), json!(url_ns));
            }
        }
    } else {
        meta.remove("namespace");
    }
    if let (Some(url_name), Some(body_name)) = (&target.name, meta.get("name").and_then(Value::as_str))
        && url_name != body_name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
        )));
    }
    Ok(())
}

fn manager(ctx: &Ctx) -> String {
    ctx.query.get("fieldManager").filter(|m| !m.is_empty()).unwrap_or(&ctx.agent).to_string()
}

fn created(obj: &Arc<Stored>) -> Reply {
    http::respond(201, http::JSON, obj.json.clone())
}

/// A namespaced write needs its namespace to exist (and not be terminating).
fn require_namespace(world: &World, resource: &ResourceType, ns: &str) -> Result<(), ApiError> {
    if resource.namespaced && world.store.get(&(resources::NAMESPACES, String::new(), ns.to_string())).is_none() {
        return Err(ApiError::not_found(resources::get(resources::NAMESPACES), ns));
    }
    Ok(())
}

/// Identity fields the server owns on create; dry-run objects get them too so clients see the real shape.
fn fill_create_metadata(world: &World, obj: &mut Value) {
    let uid = world.store.new_uid();
    let meta = object::obj_mut(obj, "metadata");
    for field in ["resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "generation"] {
        meta.remove(field);
    }
    meta.insert("uid".into(), json!(uid));
    meta.insert("creationTimestamp".into(), json!(clock::rfc3339(clock::now())));
    meta.insert("generation".into(), json!(1));
}

pub fn create(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    if target.subresource.is_some() || resource.is_metrics() {
        return Err(ApiError::method_not_allowed("POST"));
    }
    let mut obj = decode(ctx, false)?;
    check_identity(resource, target, &mut obj)?;
    let meta = object::obj_mut(&mut obj, "metadata");
    let has_name = meta.get("name").and_then(Value::as_str).is_some_and(|n| !n.is_empty());
    if !has_name && let Some(prefix) = meta.get("generateName").and_then(Value::as_str).map(str::to_string) {
        let suffix = super::rng::Rng::new(super::rng::hash(&world.store.new_uid())).suffix(5);
        meta.insert("name".into(), json!(format!("{prefix}{suffix}")));
    }
    defaults::apply(target.res, &mut obj);
    validate::check(target.res, &obj)?;
    require_namespace(world, resource, object::namespace(&obj))?;
    let key: Key = (target.res, object::namespace(&obj).to_string(), object::name(&obj).to_string());
    if world.store.get(&key).is_some() {
        return Err(ApiError::already_exists(resource, &key.2));
    }
    apply::record_update(None, &mut obj, &manager(ctx), &clock::rfc3339(clock::now()));
    patch::drop_empty_maps(&mut obj);
    if ctx.query.dry_run() {
        fill_create_metadata(world, &mut obj);
        return Ok(http::json(201, &obj));
    }
    Ok(created(&world.store.create(target.res, obj)?))
}

pub fn update(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    let body = decode(ctx, false)?;
    let current = read::fetch(world, target)?;
    let old = current.value();
    let mut new = match target.subresource.as_deref() {
        Some("scale") => {
            with_replicas(&old, scale::replicas(resource, target.name.as_deref().unwrap_or_default(), &body)?)
        }
        Some("status") => {
            let mut body = body;
            check_identity(resource, target, &mut body)?;
            with_status(&old, &body)
        }
        Some("ephemeralcontainers") => ephemeral::with_ephemeral_containers(&old, &body, &current_name(target))?,
        _ => {
            let mut body = body;
            check_identity(resource, target, &mut body)?;
            let mut new = if status_is_separate(target) { with_status(&body, &old) } else { body };
            keep_server_metadata(&old, &mut new);
            new
        }
    };
    let expected = match new["metadata"]["resourceVersion"].as_str() {
        Some(rv) => rv.parse::<u64>().map_err(|_| ApiError::bad_request(format!("invalid resourceVersion: {rv}")))?,
        None => current.rv,
    };
    if expected != current.rv {
        return Err(ApiError::conflict(resource, &current_name(target)));
    }
    finish_write(target, &old, &mut new)?;
    if ctx.query.dry_run() || unchanged(&old, &new) {
        return Ok(http::json(200, &respond_view(target, if ctx.query.dry_run() { &new } else { &old })));
    }
    let stored = world.store.replace(target.res, new, current.rv)?;
    Ok(written(world, target, stored))
}

/// A write that changes nothing but managedFields timestamps is not stored, as kube-apiserver skips it: the
/// resourceVersion stays, and watchers see no event.
fn unchanged(old: &Value, new: &Value) -> bool {
    let without_times = |v: &Value| {
        let mut v = v.clone();
        if let Some(entries) = v["metadata"]["managedFields"].as_array_mut() {
            for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
                entry.remove("time");
            }
        }
        v
    };
    without_times(old) == without_times(new)
}

/// The answer to a stored update or patch. A write that took the last finalizer off an object being deleted
/// removes it; the client still gets the object as written.
fn written(world: &World, target: &Target, stored: Arc<Stored>) -> Reply {
    let key = (target.res, object::namespace(&stored.value()).to_string(), current_name(target));
    let shown = respond_view(target, &stored.value());
    deletion::after_write(world, &key, stored);
    http::json(200, &shown)
}

fn current_name(target: &Target) -> String {
    target.name.clone().unwrap_or_default()
}

/// What a write answers with: the Scale view for `/scale`, else the object.
fn respond_view(target: &Target, obj: &Value) -> Value {
    if target.subresource.as_deref() == Some("scale") { scale::to_scale(obj) } else { obj.clone() }
}

fn with_replicas(old: &Value, replicas: i64) -> Value {
    let mut new = old.clone();
    object::obj_mut(&mut new, "spec").insert("replicas".into(), json!(replicas));
    new
}

/// Writes to the main resource leave status alone, except on a custom resource whose CRD declares no status
/// subresource: there status is just another field.
fn status_is_separate(target: &Target) -> bool {
    resources::custom(target.res).is_none()
        || resources::get(target.res).subresources.iter().any(|s| s.name == "status")
}

/// `base` with the status of `status_from` (the main resource ignores status writes; /status ignores the rest).
fn with_status(base: &Value, status_from: &Value) -> Value {
    let mut out = base.clone();
    match status_from.get("status") {
        Some(s) => out["status"] = s.clone(),
        None => {
            if let Some(map) = out.as_object_mut() {
                map.remove("status");
            }
        }
    }
    out
}

/// uid, creationTimestamp, generation and managedFields are the server's, whatever the client sent.
fn keep_server_metadata(old: &Value, new: &mut Value) {
    let old_meta = &old["metadata"];
    let meta = object::obj_mut(new, "metadata");
    for field in
        ["uid", "creationTimestamp", "generation", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"]
    {
        match old_meta.get(field) {
            Some(v) => meta.insert(field.into(), v.clone()),
            None => meta.remove(field),
        };
    }
}

/// Shared tail of update and patch: identity must not change, generation follows spec, validation, managedFields.
fn finish_write(target: &Target, old: &Value, new: &mut Value) -> Result<(), ApiError> {
    let resource = resources::get(target.res);
    if old["metadata"]["deletionTimestamp"].is_string() {
        deletion::keep_deletion_stamp(old, new).map_err(|message| {
            ApiError::invalid(resource, &current_name(target), &[("metadata.finalizers".into(), message)])
        })?;
    }
    for (field, path) in [
        ("metadata.name", "/metadata/name"),
        ("metadata.namespace", "/metadata/namespace"),
        ("metadata.uid", "/metadata/uid"),
    ] {
        if new.pointer(path) != old.pointer(path) {
            let shown = new.pointer(path).cloned().unwrap_or(Value::Null);
            return Err(ApiError::invalid(
                resource,
                &current_name(target),
                &[(field.into(), format!("Invalid value: {shown}: field is immutable"))],
            ));
        }
    }
    if new["spec"] != old["spec"] {
        let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
        object::obj_mut(new, "metadata").insert("generation".into(), json!(generation));
    }
    validate::check(target.res, new)?;
    patch::drop_empty_maps(new);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PatchKind {
    Json,
    Merge,
    Strategic,
    Apply,
}

pub fn patch(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    let kind = match ctx.content_type.split(';').next().unwrap_or_default().trim() {
        "application/json-patch+json" => PatchKind::Json,
        "application/merge-patch+json" => PatchKind::Merge,
        "application/strategic-merge-patch+json" => PatchKind::Strategic,
        "application/apply-patch+yaml" => PatchKind::Apply,
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    let body = decode(ctx, true)?;
    let now = clock::rfc3339(clock::now());
    let field_manager = manager(ctx);
    if kind == PatchKind::Apply && ctx.query.get("fieldManager").is_none_or(str::is_empty) {
        return Err(ApiError::invalid_kind(
            "PatchOptions.meta.k8s.io",
            "",
            &[("fieldManager".into(), "Required value: is required for apply patch".into())],
        ));
    }
    for _ in 0..MAX_RETRIES {
        let Some(current) =
            world.store.get(&(target.res, target.namespace.clone().unwrap_or_default(), current_name(target)))
        else {
            if kind == PatchKind::Apply && target.subresource.is_none() {
                return apply_create(world, ctx, target, body, &now);
            }
            return Err(ApiError::not_found(resource, &current_name(target)));
        };
        let old = current.value();
        // An apply that names a resourceVersion is an optimistic lock on it, as for any patch.
        if kind == PatchKind::Apply
            && body["metadata"]["resourceVersion"].as_str().is_some_and(|rv| rv != current.rv.to_string())
        {
            return Err(ApiError::conflict(resource, &current_name(target)));
        }
        let mut new = match target.subresource.as_deref() {
            Some("scale") => {
                let mut view = scale::to_scale(&old);
                patch_value(kind, &mut view, &body, ctx, &field_manager, &now, resource, target)?;
                with_replicas(&old, scale::replicas(resource, &current_name(target), &view)?)
            }
            Some("status") => {
                let mut patched = old.clone();
                patch_value(kind, &mut patched, &body, ctx, &field_manager, &now, resource, target)?;
                with_status(&old, &patched)
            }
            Some("ephemeralcontainers") => {
                let mut patched = old.clone();
                patch_value(kind, &mut patched, &body, ctx, &field_manager, &now, resource, target)?;
                ephemeral::with_ephemeral_containers(&old, &patched, &current_name(target))?
            }
            _ => {
                let mut patched = old.clone();
                patch_value(kind, &mut patched, &body, ctx, &field_manager, &now, resource, target)?;
                if status_is_separate(target) { with_status(&patched, &old) } else { patched }
            }
        };
        if new["metadata"]["resourceVersion"] != old["metadata"]["resourceVersion"] {
            // A patch that carries metadata.resourceVersion is an optimistic lock (kubectl apply/diff send one).
            return Err(ApiError::conflict(resource, &current_name(target)));
        }
        finish_write(target, &old, &mut new)?;
        if kind != PatchKind::Apply {
            apply::record_update(Some(&old), &mut new, &field_manager, &now);
        }
        if ctx.query.dry_run() {
            return Ok(http::json(200, &respond_view(target, &new)));
        }
        if unchanged(&old, &new) {
            return Ok(http::json(200, &respond_view(target, &old)));
        }
        match world.store.replace(target.res, new, current.rv) {
            Ok(stored) => return Ok(written(world, target, stored)),
            Err(e) if e.reason == "Conflict" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(resource, &current_name(target)))
}

#[allow(clippy::too_many_arguments)]
fn patch_value(
    kind: PatchKind,
    target_value: &mut Value,
    body: &Value,
    ctx: &Ctx,
    manager: &str,
    now: &str,
    resource: &ResourceType,
    target: &Target,
) -> Result<(), ApiError> {
    match kind {
        PatchKind::Json => patch::json_patch(target_value, body)
            .map_err(|e| ApiError::invalid(resource, &current_name(target), &[(String::new(), e.to_string())])),
        PatchKind::Merge => {
            if !body.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            patch::merge_patch(target_value, body);
            Ok(())
        }
        PatchKind::Strategic => {
            patch::strategic_merge_patch(target_value, body).map_err(|e| ApiError::bad_request(e.to_string()))
        }
        PatchKind::Apply => {
            let mut applied = body.clone();
            check_identity(resource, target, &mut applied)?;
            *target_value =
                apply::server_side_apply(Some(target_value), &applied, manager, ctx.query.flag("force"), now)
                    .map_err(|e| apply_error(resource, &current_name(target), e))?;
            Ok(())
        }
    }
}

fn apply_error(resource: &ResourceType, name: &str, e: ApplyError) -> ApiError {
    match e {
        ApplyError::Conflicts(conflicts) => {
            let message = ApplyError::Conflicts(conflicts.clone()).to_string();
            let causes: Vec<(String, String)> = conflicts.into_iter().map(|c| (c.manager, c.field)).collect();
            ApiError::apply_conflict(resource, name, message, &causes)
        }
        ApplyError::Invalid(message) => ApiError::invalid(resource, name, &[(String::new(), message)]),
    }
}

/// Server-side apply of an object that does not exist yet: a create owned by the applying manager.
fn apply_create(world: &Arc<World>, ctx: &Ctx, target: &Target, body: Value, now: &str) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    let mut applied = body;
    check_identity(resource, target, &mut applied)?;
    let mut obj = apply::server_side_apply(None, &applied, &manager(ctx), ctx.query.flag("force"), now)
        .map_err(|e| apply_error(resource, &current_name(target), e))?;
    defaults::apply(target.res, &mut obj);
    validate::check(target.res, &obj)?;
    require_namespace(world, resource, object::namespace(&obj))?;
    patch::drop_empty_maps(&mut obj);
    if ctx.query.dry_run() {
        fill_create_metadata(world, &mut obj);
        return Ok(http::json(201, &obj));
    }
    Ok(created(&world.store.create(target.res, obj)?))
}

pub fn delete(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    if target.subresource.is_some() {
        return Err(ApiError::method_not_allowed("DELETE"));
    }
    let opts = delete_options(ctx)?;
    read::fetch(world, target)?;
    let key = (target.res, target.namespace.clone().unwrap_or_default(), current_name(target));
    let outcome = deletion::delete(world, &key, &opts)?;
    Ok(http::respond(200, http::JSON, outcome.object().json.clone()))
}

/// DeleteOptions from the body (JSON or protobuf) and the query.
fn delete_options(ctx: &Ctx) -> Result<DeleteOptions, ApiError> {
    let body: Value = if ctx.body.is_empty() { json!({}) } else { decode(ctx, false)? };
    DeleteOptions::parse(&body, &ctx.query)
}

pub fn delete_collection(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    let filter = read::Filter::from_query(ctx, target.res)?;
    let opts = delete_options(ctx)?;
    let (rv, objects) = world.store.snapshot();
    let keys: Vec<Key> = objects
        .range(super::store::range(target.res, target.namespace.as_deref()))
        .filter(|(k, o)| filter.matches(k, o))
        .map(|(k, _)| k.clone())
        .collect();
    let mut gone = Vec::new();
    for key in keys {
        // Gone meanwhile: a collection delete skips what is not found, as the apiserver does.
        if let Ok(outcome) = deletion::delete(world, &key, &opts) {
            gone.push(outcome.object().clone());
        }
    }
    Ok(http::respond(200, http::JSON, read::list_bytes(resource, &rv.to_string(), None, &gone)))
}
