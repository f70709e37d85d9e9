//! Deletion as kube-apiserver's generic store and the garbage collector do it: DeleteOptions, graceful pod
//! deletion, finalizers, and Background/Foreground/Orphan propagation to owned objects.

use std::sync::Arc;

use serde_json::{Value, json};

use super::clock;
use super::error::ApiError;
use super::http::Query;
use super::object::{self, Stored};
use super::resources::{self, ResourceId};
use super::store::{self, Key};
use super::world::World;

/// The garbage collector's finalizers (metav1.FinalizerOrphanDependents, FinalizerDeleteDependents).
pub const ORPHAN: &str = "orphan";
pub const FOREGROUND: &str = "foregroundDeletion";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

/// metav1.DeleteOptions, from the body and the query (the query wins, as the apiserver decodes it last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeleteOptions {
    pub grace_period: Option<i64>,
    /// None: the object's own finalizers decide, else the resource's default (Background).
    pub propagation: Option<Propagation>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

impl DeleteOptions {
    pub fn parse(body: &Value, query: &Query) -> Result<Self, ApiError> {
        let mut opts = DeleteOptions {
            grace_period: body["gracePeriodSeconds"].as_i64(),
            propagation: None,
            precondition_uid: body["preconditions"]["uid"].as_str().map(str::to_string),
            precondition_rv: body["preconditions"]["resourceVersion"].as_str().map(str::to_string),
            dry_run: body["dryRun"].as_array().is_some_and(|d| d.iter().any(|v| v == "All")) || query.dry_run(),
        };
        if let Some(orphan) = body["orphanDependents"].as_bool() {
            opts.propagation = Some(if orphan { Propagation::Orphan } else { Propagation::Background });
        }
        if let Some(p) = body["propagationPolicy"].as_str() {
            opts.propagation = Some(propagation(p)?);
        }
        if let Some(p) = query.get("propagationPolicy").filter(|p| !p.is_empty()) {
            opts.propagation = Some(propagation(p)?);
        }
        if let Some(g) = query.get("gracePeriodSeconds").filter(|g| !g.is_empty()) {
            let parsed = g.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("invalid value for gracePeriodSeconds: \"{g}\": must be an integer"))
            })?;
            opts.grace_period = Some(parsed);
        }
        Ok(opts)
    }
}

fn propagation(p: &str) -> Result<Propagation, ApiError> {
    match p {
        "Background" => Ok(Propagation::Background),
        "Foreground" => Ok(Propagation::Foreground),
        "Orphan" => Ok(Propagation::Orphan),
        other => Err(ApiError::invalid_kind(
            "DeleteOptions",
            "",
            &[(
                "propagationPolicy".into(),
                format!("Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
            )],
        )),
    }
}

/// What a delete request did: the object left storage, or it stays, terminating, until grace or finalizers end.
#[derive(Debug)]
pub enum Outcome {
    Removed(Arc<Stored>),
    Pending(Arc<Stored>),
}

impl Outcome {
    pub fn object(&self) -> &Arc<Stored> {
        match self {
            Outcome::Removed(o) | Outcome::Pending(o) => o,
        }
    }
}

fn finalizers(obj: &Value) -> Vec<String> {
    obj["metadata"]["finalizers"]
        .as_array()
        .map(|f| f.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn set_finalizers(obj: &mut Value, list: &[String]) {
    let meta = object::obj_mut(obj, "metadata");
    if list.is_empty() {
        meta.remove("finalizers");
    } else {
        meta.insert("finalizers".into(), json!(list));
    }
}

fn bump_generation(obj: &mut Value) {
    if let Some(g) = obj["metadata"]["generation"].as_i64().filter(|g| *g > 0) {
        obj["metadata"]["generation"] = json!(g + 1);
    }
}

/// The grace period a pod's deletion gets (the pod strategy's CheckGracefulDelete): the request's, else the pod's
/// terminationGracePeriodSeconds; 0 for a pod never scheduled or already finished; negative means 1.
pub fn pod_grace(pod: &Value, requested: Option<i64>) -> i64 {
    let period = requested.or_else(|| pod["spec"]["terminationGracePeriodSeconds"].as_i64()).unwrap_or(0);
    let unscheduled = pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty);
    let finished = matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
    if unscheduled || finished {
        0
    } else if period < 0 {
        1
    } else {
        period
    }
}

/// What rest.BeforeDelete decides for a graceful kind (pods).
enum Graceful {
    /// Stamp the object with this (possibly shortened) deletion; the grace period in seconds.
    Stamp(Value, i64),
    /// A longer or equal grace was asked of an object already terminating: nothing changes.
    AlreadyPending,
    /// Not graceful: delete now, unless finalizers hold it.
    No,
}

fn before_delete(res: ResourceId, obj: &Value, opts: &DeleteOptions, now: f64) -> Graceful {
    if res != resources::PODS {
        return Graceful::No;
    }
    let meta = &obj["metadata"];
    if let Some(deleted) = meta["deletionTimestamp"].as_str().and_then(clock::parse_rfc3339) {
        let current = meta["deletionGracePeriodSeconds"].as_i64().unwrap_or(0);
        if current == 0 {
            return Graceful::No;
        }
        return match opts.grace_period {
            // Only a shorter grace period may be given; it counts from the first request.
            Some(p) if p < current => {
                let mut next = obj.clone();
                let at = deleted - current as f64 + p.max(0) as f64;
                next["metadata"]["deletionTimestamp"] = json!(clock::rfc3339(at.floor() as i64));
                next["metadata"]["deletionGracePeriodSeconds"] = json!(p.max(0));
                Graceful::Stamp(next, p.max(0))
            }
            _ => Graceful::AlreadyPending,
        };
    }
    let grace = pod_grace(obj, opts.grace_period);
    let mut next = obj.clone();
    next["metadata"]["deletionTimestamp"] = json!(clock::rfc3339((now + grace as f64).floor() as i64));
    next["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    bump_generation(&mut next);
    Graceful::Stamp(next, grace)
}

/// Finalizers after the request's propagation policy (deletionFinalizersForGarbageCollection).
fn gc_finalizers(current: &[String], policy: Option<Propagation>) -> Vec<String> {
    let Some(policy) = policy else { return current.to_vec() };
    let mut out: Vec<String> = current.iter().filter(|f| *f != ORPHAN && *f != FOREGROUND).cloned().collect();
    match policy {
        Propagation::Orphan => out.push(ORPHAN.into()),
        Propagation::Foreground => out.push(FOREGROUND.into()),
        Propagation::Background => {}
    }
    out
}

/// Deletes one object as the apiserver's store does, then lets the garbage collector act on its dependents.
pub fn delete(world: &World, key: &Key, opts: &DeleteOptions) -> Result<Outcome, ApiError> {
    let resource = resources::get(key.0);
    let current = world.store.get(key).ok_or_else(|| ApiError::not_found(resource, &key.2))?;
    if opts.precondition_uid.as_deref().is_some_and(|u| u != current.uid)
        || opts.precondition_rv.as_deref().is_some_and(|rv| rv != current.rv.to_string())
    {
        return Err(ApiError::conflict(resource, &key.2));
    }
    let now = clock::now_f64();
    let old = current.value();
    let (mut next, graceful) = match before_delete(key.0, &old, opts, now) {
        Graceful::AlreadyPending => return Ok(Outcome::Pending(current)),
        Graceful::Stamp(next, grace) => (next, Some(grace)),
        Graceful::No => (old.clone(), None),
    };
    // Once deletion has started, DeleteOptions no longer change finalizers.
    let wanted = if old["metadata"]["deletionTimestamp"].is_string() {
        finalizers(&old)
    } else {
        gc_finalizers(&finalizers(&old), opts.propagation)
    };
    set_finalizers(&mut next, &wanted);
    if graceful.is_none() && !wanted.is_empty() {
        mark_as_deleting(&mut next, now);
    }
    let keep = !wanted.is_empty() || graceful.is_some_and(|g| g > 0);
    if opts.dry_run {
        let shown = Arc::new(Stored::new(key.0, &next, current.rv));
        return Ok(if keep { Outcome::Pending(shown) } else { Outcome::Removed(current) });
    }
    if !keep {
        return remove(world, key, Some(current.rv)).map(Outcome::Removed);
    }
    let stored = if next == old { current } else { world.store.replace(key.0, next, current.rv)? };
    Ok(collect(world, key, stored))
}

/// markAsDeleting: a kind without graceful deletion held by finalizers gets deletionTimestamp now and grace 0.
fn mark_as_deleting(obj: &mut Value, now: f64) {
    let meta = &obj["metadata"];
    let existing = meta["deletionTimestamp"].as_str().and_then(clock::parse_rfc3339);
    if existing.is_none() {
        bump_generation(obj);
    }
    if existing.is_none_or(|t| t > now) {
        obj["metadata"]["deletionTimestamp"] = json!(clock::rfc3339(now.floor() as i64));
    }
    obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
}

/// The garbage collector's part for an object being deleted with its orphan or foreground finalizer: orphan
/// the dependents, or delete them and wait. Returns the object as it then stands.
fn collect(world: &World, key: &Key, stored: Arc<Stored>) -> Outcome {
    let held = finalizers(&stored.value());
    if held.iter().any(|f| f == ORPHAN) {
        for dep in dependents(world, key, &stored.uid) {
            orphan(world, &dep, &stored.uid);
        }
        return drop_finalizer(world, key, ORPHAN).unwrap_or(Outcome::Pending(stored));
    }
    if held.iter().any(|f| f == FOREGROUND) {
        let opts = DeleteOptions { propagation: Some(Propagation::Foreground), ..Default::default() };
        for dep in dependents(world, key, &stored.uid) {
            // Gone already through another path: nothing to wait for.
            let _ = delete(world, &dep, &opts);
        }
        return release_foreground(world, key).unwrap_or(Outcome::Pending(stored));
    }
    Outcome::Pending(stored)
}

/// Removes `finalizer` from a terminating object, and the object itself once none are left.
fn drop_finalizer(world: &World, key: &Key, finalizer: &str) -> Option<Outcome> {
    for _ in 0..8 {
        let current = world.store.get(key)?;
        let mut next = current.value();
        let remaining: Vec<String> = finalizers(&next).into_iter().filter(|f| f != finalizer).collect();
        set_finalizers(&mut next, &remaining);
        match world.store.replace(key.0, next, current.rv) {
            Ok(stored) => return Some(after_write(world, key, stored)),
            Err(e) if e.reason == "Conflict" => continue,
            Err(_) => return None,
        }
    }
    None
}

/// A foreground deletion ends when the owner has no dependents left: the collector drops its finalizer.
fn release_foreground(world: &World, key: &Key) -> Option<Outcome> {
    let owner = world.store.get(key)?;
    if !finalizers(&owner.value()).iter().any(|f| f == FOREGROUND) {
        return None;
    }
    if !dependents(world, key, &owner.uid).is_empty() {
        return Some(Outcome::Pending(owner));
    }
    drop_finalizer(world, key, FOREGROUND)
}

/// An update of an object being deleted keeps its deletionTimestamp and grace period (rest.BeforeUpdate) and
/// may remove finalizers but not add any (ValidateNoNewFinalizers); Err is the field error.
pub fn keep_deletion_stamp(old: &Value, new: &mut Value) -> Result<(), String> {
    let had = finalizers(old);
    let mut extra: Vec<String> = finalizers(new).into_iter().filter(|f| !had.contains(f)).collect();
    if !extra.is_empty() {
        extra.sort();
        extra.dedup();
        let quoted: Vec<String> = extra.iter().map(|f| format!("{f:?}")).collect();
        return Err(format!(
            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
            quoted.join(", ")
        ));
    }
    let meta = object::obj_mut(new, "metadata");
    meta.insert("deletionTimestamp".into(), old["metadata"]["deletionTimestamp"].clone());
    if let Some(grace) = old["metadata"].get("deletionGracePeriodSeconds") {
        meta.entry("deletionGracePeriodSeconds").or_insert(grace.clone());
    }
    Ok(())
}

/// After any write: an object being deleted whose last finalizer went, and whose grace is over, is removed
/// (the store's shouldDeleteDuringUpdate).
pub fn after_write(world: &World, key: &Key, stored: Arc<Stored>) -> Outcome {
    if !stored.terminating {
        return Outcome::Pending(stored);
    }
    let value = stored.value();
    let grace = value["metadata"]["deletionGracePeriodSeconds"].as_i64().unwrap_or(0);
    if !finalizers(&value).is_empty() || grace != 0 {
        return Outcome::Pending(stored);
    }
    match remove(world, key, Some(stored.rv)) {
        Ok(gone) => Outcome::Removed(gone),
        Err(_) => Outcome::Pending(stored),
    }
}

/// The kubelet is done with a terminating pod: it deletes it with grace 0, which finalizers may still hold.
pub fn kubelet_done(world: &World, key: &Key, rv: u64) -> Result<(), ApiError> {
    let current = world.store.get(key).ok_or_else(|| ApiError::not_found(resources::get(key.0), &key.2))?;
    if current.rv != rv {
        return Err(ApiError::conflict(resources::get(key.0), &key.2));
    }
    let mut pod = current.value();
    if finalizers(&pod).is_empty() {
        return remove(world, key, Some(rv)).map(|_| ());
    }
    pod["metadata"]["deletionGracePeriodSeconds"] = json!(0);
    world.store.replace(key.0, pod, rv).map(|_| ())
}

/// Takes the object out of storage; its dependents go in the background, and an owner waiting on it in the
/// foreground is released when it was the last.
pub fn remove(world: &World, key: &Key, expected_rv: Option<u64>) -> Result<Arc<Stored>, ApiError> {
    let gone = world.store.delete(key, expected_rv)?;
    if key.0 == resources::NAMESPACES {
        purge_namespace(world, &key.2);
        return Ok(gone);
    }
    for dep in dependents(world, key, &gone.uid) {
        // Removed meanwhile by someone else: nothing left to do.
        let _ = delete(world, &dep, &DeleteOptions::default());
    }
    let value = gone.value();
    for owner in owners(world, &value) {
        let _ = release_foreground(world, &owner);
    }
    Ok(gone)
}

/// A namespace's contents go with it (the namespace controller's work, done at once).
fn purge_namespace(world: &World, ns: &str) {
    let (_, objects) = world.store.snapshot();
    for res in world.store.catalog().ids() {
        for (key, _) in objects.range(store::range(res, Some(ns))) {
            let _ = world.store.delete(key, None);
        }
    }
}

/// Objects whose controller owner is `uid`: in the owner's namespace, or anywhere for a cluster-scoped owner.
pub fn dependents(world: &World, owner: &Key, uid: &str) -> Vec<Key> {
    let (_, objects) = world.store.snapshot();
    let ns = (!owner.1.is_empty()).then_some(owner.1.as_str());
    let mut out = Vec::new();
    for res in world.store.catalog().ids() {
        for (key, obj) in objects.range(store::range(res, ns)) {
            if obj.owner_uid.as_deref() == Some(uid) {
                out.push(key.clone());
            }
        }
    }
    out
}

/// The keys of an object's owners that still exist.
fn owners(world: &World, obj: &Value) -> Vec<Key> {
    let catalog = world.store.catalog();
    let ns = object::namespace(obj);
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let res = catalog.by_kind(r["apiVersion"].as_str()?, r["kind"].as_str()?)?;
            let owner_ns = if resources::get(res).namespaced { ns.to_string() } else { String::new() };
            Some((res, owner_ns, r["name"].as_str()?.to_string()))
        })
        .collect()
}

/// Drops the ownerReferences to `owner_uid` from a dependent (the collector's orphaning).
fn orphan(world: &World, key: &Key, owner_uid: &str) {
    for _ in 0..8 {
        let Some(current) = world.store.get(key) else { return };
        let mut next = current.value();
        let Some(refs) = next["metadata"]["ownerReferences"].as_array_mut() else { return };
        refs.retain(|r| r["uid"] != owner_uid);
        if refs.is_empty()
            && let Some(meta) = next["metadata"].as_object_mut()
        {
            meta.remove("ownerReferences");
        }
        match world.store.replace(key.0, next, current.rv) {
            Err(e) if e.reason == "Conflict" => continue,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests;
