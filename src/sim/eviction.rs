//! The pods/eviction subresource (policy/v1 and v1beta1 Eviction) with kube-apiserver's PodDisruptionBudget rules:
//! terminal, pending and terminating pods go at once, one budget is checked and decremented, several are a 500.

use std::sync::Arc;

use serde_json::{Value, json};

use super::api::Ctx;
use super::clock;
use super::deletion::{self, DeleteOptions};
use super::disruption;
use super::error::ApiError;
use super::http::{self, Reply};
use super::object::{self, Stored};
use super::resources;
use super::routes::Target;
use super::store::{self, Key};
use super::world::World;

/// What the disruption budget's status may record before the controller catches up (MaxDisruptedPodSize).
const MAX_DISRUPTED_PODS: usize = 2000;
/// How often a write that lost a race is tried again (EvictionsRetry has 20 steps).
const RETRIES: usize = 20;
const VIOLATES: &str = "Cannot evict pod as it would violate the pod's disruption budget.";

pub fn evict(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let body = super::write::decode(ctx, false)?;
    if let Some(v) = body["apiVersion"].as_str().filter(|v| !matches!(*v, "policy/v1" | "policy/v1beta1")) {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({v}) does not match the expected API version (policy/v1)"
        )));
    }
    if let Some(k) = body["kind"].as_str().filter(|k| *k != "Eviction") {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({k}) does not match the expected kind (Eviction)"
        )));
    }
    let name = target.name.clone().unwrap_or_default();
    if body["metadata"]["name"].as_str().unwrap_or_default() != name {
        return Err(ApiError::bad_request("name in URL does not match name in Eviction object"));
    }
    let opts = DeleteOptions::parse(&body["deleteOptions"], &ctx.query)?;
    let key: Key = (resources::PODS, target.namespace.clone().unwrap_or_default(), name);
    run(world, &key, &opts)?;
    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201});
    Ok(http::json(201, &status))
}

fn get_pod(world: &World, key: &Key) -> Result<Arc<Stored>, ApiError> {
    world.store.get(key).ok_or_else(|| ApiError::not_found(resources::get(resources::PODS), &key.2))
}

fn phase(pod: &Value) -> &str {
    pod["status"]["phase"].as_str().unwrap_or_default()
}

/// A terminal, pending or terminating pod disrupts nothing more by going: no budget is consulted (canIgnorePDB).
fn can_ignore_budget(pod: &Stored, value: &Value) -> bool {
    matches!(phase(value), "Succeeded" | "Failed" | "Pending") || pod.terminating
}

/// The eviction itself, once the request is understood.
pub fn run(world: &World, key: &Key, opts: &DeleteOptions) -> Result<(), ApiError> {
    let retry_conflicts = opts.precondition_rv.is_none();
    let mut pod = get_pod(world, key)?;
    for attempt in 0..RETRIES {
        let value = pod.value();
        if !can_ignore_budget(&pod, &value) {
            break;
        }
        let mut pinned = opts.clone();
        // Pin the version, so the pod cannot have turned ready since (shouldEnforceResourceVersion).
        let terminal = matches!(phase(&value), "Succeeded" | "Failed") || pod.terminating;
        if !terminal && pinned.precondition_rv.is_none() {
            pinned.precondition_rv = Some(pod.rv.to_string());
        }
        match deletion::delete(world, key, &pinned) {
            Ok(_) => return Ok(()),
            Err(e) if e.reason == "Conflict" && retry_conflicts && attempt + 1 < RETRIES => pod = get_pod(world, key)?,
            Err(e) => return Err(e),
        }
    }
    let value = pod.value();
    if can_ignore_budget(&pod, &value) {
        return Err(ApiError::conflict(resources::get(resources::PODS), &key.2));
    }
    let budgets = budgets_for(world, &key.1, &value);
    if budgets.len() > 1 {
        return Err(ApiError::failure(
            500,
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ));
    }
    let mut pin_version = false;
    if let Some(budget) = budgets.first() {
        let pdb = budget.value();
        let status = &pdb["status"];
        let healthy = status["currentHealthy"].as_i64().unwrap_or(0);
        let desired = status["desiredHealthy"].as_i64().unwrap_or(0);
        let always_allow = pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow";
        // An unready pod is not among the healthy ones: taking it costs the budget nothing, if it is met.
        if !pod.ready && (always_allow || (healthy >= desired && desired > 0)) {
            pin_version = true;
        } else {
            check_and_decrement(
                world,
                &(resources::PDBS, key.1.clone(), object::name(&pdb).to_string()),
                &key.2,
                opts.dry_run,
            )?;
        }
    }
    let mut final_opts = opts.clone();
    if pin_version {
        final_opts.precondition_rv = Some(pod.rv.to_string());
    }
    match deletion::delete(world, key, &final_opts) {
        Err(e) if e.reason == "Conflict" && pin_version && retry_conflicts => {
            let name = budgets.first().map(|b| object::name(&b.value()).to_string()).unwrap_or_default();
            Err(still_processing(&name))
        }
        other => other.map(|_| ()),
    }
}

/// The budgets in the namespace whose selector picks the pod; an empty or missing selector picks none here.
fn budgets_for(world: &World, ns: &str, pod: &Value) -> Vec<Arc<Stored>> {
    let (_, objects) = world.store.snapshot();
    objects
        .range(store::range(resources::PDBS, Some(ns)))
        .filter(|(_, b)| {
            let selector = b.value()["spec"]["selector"].clone();
            let empty = selector.as_object().is_none_or(|s| {
                s.get("matchLabels").and_then(Value::as_object).is_none_or(|m| m.is_empty())
                    && s.get("matchExpressions").and_then(Value::as_array).is_none_or(|m| m.is_empty())
            });
            !empty && disruption::selects(&selector, pod)
        })
        .map(|(_, b)| b.clone())
        .collect()
}

fn still_processing(name: &str) -> ApiError {
    ApiError::too_many_requests(
        VIOLATES,
        "DisruptionBudget",
        format!("The disruption budget {name} is still being processed by the server."),
        10,
    )
}

/// Takes one disruption from the budget, recording the pod as disrupted, or refuses with 429.
fn check_and_decrement(world: &World, key: &Key, pod_name: &str, dry_run: bool) -> Result<(), ApiError> {
    let resource = resources::get(resources::PDBS);
    for _ in 0..RETRIES {
        let stored = world.store.get(key).ok_or_else(|| ApiError::not_found(resource, &key.2))?;
        let mut pdb = stored.value();
        let status = &pdb["status"];
        let allowed = status["disruptionsAllowed"].as_i64().unwrap_or(0);
        if status["observedGeneration"].as_i64().unwrap_or(0) < pdb["metadata"]["generation"].as_i64().unwrap_or(0) {
            return Err(still_processing(&key.2));
        }
        if allowed < 0 {
            return Err(ApiError::forbidden_because(resource, &key.2, "pdb disruptions allowed is negative"));
        }
        if status["disruptedPods"].as_object().is_some_and(|m| m.len() > MAX_DISRUPTED_PODS) {
            return Err(ApiError::forbidden_because(
                resource,
                &key.2,
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            ));
        }
        if allowed == 0 {
            let cause = format!(
                "The disruption budget {} needs {} healthy pods and has {} currently",
                key.2,
                status["desiredHealthy"].as_i64().unwrap_or(0),
                status["currentHealthy"].as_i64().unwrap_or(0)
            );
            return Err(ApiError::too_many_requests(VIOLATES, "DisruptionBudget", cause, 0));
        }
        if dry_run {
            return Ok(());
        }
        let now = clock::rfc3339(clock::now());
        let generation = pdb["metadata"]["generation"].as_i64().unwrap_or(1);
        let next_status = object::obj_mut(&mut pdb, "status");
        next_status.insert("disruptionsAllowed".into(), json!(allowed - 1));
        if allowed == 1 {
            next_status.insert(
                "conditions".into(),
                json!([{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods", "message": "",
                    "lastTransitionTime": now, "observedGeneration": generation}]),
            );
        }
        object::obj_mut(&mut pdb["status"], "disruptedPods").insert(pod_name.to_string(), json!(now));
        match world.store.replace(resources::PDBS, pdb, stored.rv) {
            Ok(_) => return Ok(()),
            Err(e) if e.reason == "Conflict" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::failure(504, format!("couldn't update PodDisruptionBudget \"{}\" due to conflicts", key.2)))
}

#[cfg(test)]
mod tests;
