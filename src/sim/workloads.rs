//! Reconcilers for deployments, replicasets, statefulsets and jobs: from an owner and the pods it owns to the
//! creates, updates, deletions and events that converge them; pure (the controller loop applies the actions).

mod rollout;

pub use rollout::{REVISION, deployment_rolling};
use rollout::{annotate_new_set, progressing, revision_of};
use std::sync::Arc;

use serde_json::{Value, json};

use super::clock;
use super::kubelet::EventSpec;
use super::object::{self, Stored};
use super::resources::{self, ResourceId};
use super::rng::{self, Rng};
use super::store::Key;

#[derive(Debug)]
pub enum Action {
    Create(ResourceId, Value),
    /// Replace if still at this resourceVersion.
    Update(ResourceId, Value, u64),
    /// Start graceful termination of a pod (the kubelet removes it after the grace period).
    Terminate(Key),
    /// Delete an object and what it owns (a CronJob's old Jobs).
    Delete(Key),
    Event(Value, EventSpec),
}

fn event(owner: &Value, warning: bool, reason: &'static str, message: String, component: &'static str) -> Action {
    Action::Event(owner.clone(), EventSpec { warning, reason, message, component })
}

/// A pod owned by `owner`, stamped from `template`.
pub fn pod_from_template(
    owner: &Value,
    res: ResourceId,
    name: &str,
    template: &Value,
    extra_labels: &[(&str, String)],
) -> Value {
    let mut labels = template["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    for (k, v) in extra_labels {
        labels[*k] = json!(v);
    }
    let mut pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": object::namespace(owner), "labels": labels,
            "ownerReferences": [owner_ref(owner, res)],
        },
        "spec": template["spec"].clone(),
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    });
    if let Some(a) = template["metadata"]["annotations"].as_object().filter(|a| !a.is_empty()) {
        pod["metadata"]["annotations"] = Value::Object(a.clone());
    }
    super::defaults::apply(resources::PODS, &mut pod);
    pod
}

/// A pod stamped from the owner's `spec.template`, and the SuccessfulCreate event the controller records for it.
fn create_pod(
    owner: &Value,
    res: ResourceId,
    pod_name: &str,
    extra_labels: &[(&str, String)],
    message: String,
    component: &'static str,
) -> [Action; 2] {
    [
        event(owner, false, "SuccessfulCreate", message, component),
        Action::Create(
            resources::PODS,
            pod_from_template(owner, res, pod_name, &owner["spec"]["template"], extra_labels),
        ),
    ]
}

fn owner_ref(owner: &Value, res: ResourceId) -> Value {
    json!({"apiVersion": resources::get(res).api_version(), "kind": resources::get(res).kind, "name": object::name(owner),
           "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true})
}

/// Pods counted as the owner's: not finished, not terminating.
fn active(pods: &[(Key, Arc<Stored>)]) -> Vec<&(Key, Arc<Stored>)> {
    pods.iter().filter(|(_, p)| !p.terminating && !matches!(phase(p), "Succeeded" | "Failed")).collect()
}

fn phase(pod: &Stored) -> &str {
    pod.field(resources::PODS, "status.phase").unwrap_or_default()
}

fn replicas(obj: &Value) -> i64 {
    obj["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
}

fn generation(obj: &Value) -> i64 {
    obj["metadata"]["generation"].as_i64().unwrap_or(1)
}

/// Writes `status` into `obj` if it changed (ignoring the object's other fields); returns the update action.
fn status_update(res: ResourceId, obj: &Value, rv: u64, status: Value) -> Option<Action> {
    (obj["status"] != status).then(|| {
        let mut next = obj.clone();
        next["status"] = status;
        Action::Update(res, next, rv)
    })
}

/// Keeps a condition's lastTransitionTime when its status did not change, so unchanged objects stay unchanged.
fn condition(existing: &Value, kind: &str, status: bool, reason: &str, message: &str, now: &str) -> Value {
    let s = if status { "True" } else { "False" };
    let prior = existing
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == kind && c["status"] == s && c["reason"] == reason));
    let since = prior.and_then(|c| c["lastTransitionTime"].as_str()).unwrap_or(now);
    json!({"type": kind, "status": s, "reason": reason, "message": message, "lastTransitionTime": since, "lastUpdateTime": since})
}

/// Creates or removes pods so a ReplicaSet has spec.replicas, and reports what it sees in status.
pub fn reconcile_replicaset(rs: &Value, rv: u64, pods: &[(Key, Arc<Stored>)], rng: &mut Rng) -> Vec<Action> {
    let mut actions = Vec::new();
    let live = active(pods);
    let want = replicas(rs) as usize;
    let name = object::name(rs);
    if live.len() < want {
        let hash = object::string_map(&rs["metadata"]["labels"]).get("pod-template-hash").cloned().unwrap_or_default();
        for _ in live.len()..want {
            let pod_name = format!("{name}-{}", rng.suffix(5));
            let mut extra = vec![];
            if !hash.is_empty() {
                extra.push(("pod-template-hash", hash.clone()));
            }
            let message = format!("Created pod: {pod_name}");
            actions.extend(create_pod(rs, resources::REPLICASETS, &pod_name, &extra, message, "replicaset-controller"));
        }
    } else if live.len() > want {
        // Not-ready pods go first, then the newest.
        let mut doomed: Vec<&&(Key, Arc<Stored>)> = live.iter().collect();
        doomed.sort_by_key(|(_, p)| (p.ready, std::cmp::Reverse(p.rv)));
        for (key, _) in doomed.into_iter().take(live.len() - want) {
            actions.push(event(
                rs,
                false,
                "SuccessfulDelete",
                format!("Deleted pod: {}", key.2),
                "replicaset-controller",
            ));
            actions.push(Action::Terminate(key.clone()));
        }
    }
    let ready = live.iter().filter(|(_, p)| p.ready).count();
    let status = json!({
        "replicas": live.len(), "fullyLabeledReplicas": live.len(), "readyReplicas": ready,
        "availableReplicas": ready, "observedGeneration": generation(rs),
    });
    actions.extend(status_update(resources::REPLICASETS, rs, rv, status));
    actions
}

/// The pod-template-hash: a stable function of the pod template.
pub fn template_hash(template: &Value) -> String {
    let mut canonical = template.clone();
    drop_unset(&mut canonical);
    Rng::new(rng::hash(&canonical.to_string())).suffix(10)
}

/// Removes nulls and empty maps, as decoding into kube's Go types does: a template a client sends back with
/// `creationTimestamp: null` (kubectl's rollout undo) is the template it read.
fn drop_unset(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(drop_unset);
            map.retain(|_, v| !v.is_null() && !v.as_object().is_some_and(|m| m.is_empty()));
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unset),
        _ => {}
    }
}

/// maxSurge and maxUnavailable resolved against `want`, as the deployment controller does: a percentage rounds up
/// for surge and down for unavailable, and both zero would stall, so unavailable becomes 1.
fn rolling_limits(d: &Value, want: i64) -> (i64, i64) {
    let strategy = &d["spec"]["strategy"];
    let resolve = |v: &Value, default: &str, round_up: bool| -> i64 {
        let text = match v {
            Value::Number(n) => return n.as_i64().unwrap_or(0).max(0),
            Value::String(s) => s.as_str(),
            _ => default,
        };
        let percent = text.trim_end_matches('%').parse::<i64>().unwrap_or(25).max(0);
        if round_up { (want * percent + 99) / 100 } else { want * percent / 100 }
    };
    let surge = resolve(&strategy["rollingUpdate"]["maxSurge"], "25%", true);
    let unavailable = resolve(&strategy["rollingUpdate"]["maxUnavailable"], "25%", false);
    if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
}

/// Rolls a Deployment onto the ReplicaSet of its current template, within maxSurge and maxUnavailable; a paused
/// one is left where it is.
pub fn reconcile_deployment(d: &Value, rv: u64, rses: &[(Value, u64)], now: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    let name = object::name(d);
    let want = replicas(d);
    let paused = d["spec"]["paused"] == true;
    let hash = template_hash(&d["spec"]["template"]);
    let is_current = |rs: &Value| object::string_map(&rs["metadata"]["labels"]).get("pod-template-hash") == Some(&hash);
    let scale = |rs: &Value, rv: u64, to: i64, actions: &mut Vec<Action>| {
        let from = replicas(rs);
        if from != to {
            let mut next = rs.clone();
            next["spec"]["replicas"] = json!(to);
            let dir = if to > from { "up" } else { "down" };
            actions.push(event(
                d,
                false,
                "ScalingReplicaSet",
                format!("Scaled {dir} replica set {} from {from} to {to}", object::name(rs)),
                "deployment-controller",
            ));
            actions.push(Action::Update(resources::REPLICASETS, next, rv));
        }
    };
    // A rolling update: the new ReplicaSet grows within maxSurge, old ones shrink only as far as maxUnavailable
    // allows (unhealthy old pods first); each ReplicaSet's status change runs this again. Recreate empties the old
    // ones before the new one grows.
    let available = |rs: &Value| rs["status"]["availableReplicas"].as_i64().unwrap_or(0);
    let old_replicas: i64 = rses.iter().filter(|(rs, _)| !is_current(rs)).map(|(rs, _)| replicas(rs)).sum();
    let old_pods: i64 = rses
        .iter()
        .filter(|(rs, _)| !is_current(rs))
        .map(|(rs, _)| rs["status"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    let recreate = d["spec"]["strategy"]["type"] == "Recreate";
    let (surge, unavailable) = rolling_limits(d, want);
    let total: i64 = rses.iter().map(|(rs, _)| replicas(rs)).sum();
    let new_target = |current: i64| match (old_replicas + old_pods, recreate) {
        (0, _) => want,
        (_, true) => 0,
        _ => want.min(current + (want + surge - total).max(0)),
    };
    // As the controller does, one sync either grows the new set or shrinks old ones, never both.
    let growth = rses
        .iter()
        .find(|(rs, _)| is_current(rs))
        .map_or(new_target(0), |(rs, _)| new_target(replicas(rs)) - replicas(rs));
    let others_max = rses.iter().filter(|(rs, _)| !is_current(rs)).filter_map(|(rs, _)| revision_of(rs)).max();
    let mut revision = None;
    match rses.iter().find(|(rs, _)| is_current(rs)) {
        Some((rs, rs_rv)) => {
            let mut next = rs.clone();
            annotate_new_set(d, &mut next, others_max.unwrap_or(0), want, surge);
            revision = revision_of(&next);
            let target = if paused { replicas(rs) } else { new_target(replicas(rs)) };
            if target != replicas(rs) {
                scale(&next, *rs_rv, target, &mut actions);
            } else if next != *rs {
                actions.push(Action::Update(resources::REPLICASETS, next, *rs_rv));
            }
        }
        // Paused: a new template waits for the resume.
        None if paused => {}
        None => {
            let next_revision = others_max.unwrap_or(0) + 1;
            revision = Some(next_revision);
            let rs_name = format!("{name}-{hash}");
            let mut template = d["spec"]["template"].clone();
            template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            let mut selector = d["spec"]["selector"].clone();
            selector["matchLabels"]["pod-template-hash"] = json!(hash);
            let first = new_target(0);
            let mut rs = json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": rs_name, "namespace": object::namespace(d), "labels": template["metadata"]["labels"],
                    "annotations": {}, "ownerReferences": [owner_ref(d, resources::DEPLOYMENTS)]},
                "spec": {"replicas": first, "selector": selector, "template": template},
            });
            annotate_new_set(d, &mut rs, next_revision - 1, want, surge);
            actions.push(event(
                d,
                false,
                "ScalingReplicaSet",
                format!("Scaled up replica set {rs_name} from 0 to {first}"),
                "deployment-controller",
            ));
            actions.push(Action::Create(resources::REPLICASETS, rs));
        }
    }
    let old_sets: Vec<&(Value, u64)> = rses.iter().filter(|(rs, _)| !is_current(rs)).collect();
    let mut keep: Vec<i64> = old_sets.iter().map(|(rs, _)| replicas(rs)).collect();
    if recreate {
        keep.iter_mut().for_each(|k| *k = 0);
    } else if growth <= 0 {
        let min_available = want - unavailable;
        let new_unavailable =
            rses.iter().find(|(rs, _)| is_current(rs)).map_or(0, |(rs, _)| replicas(rs) - available(rs));
        let mut unhealthy_budget = total - min_available - new_unavailable.max(0);
        for ((rs, _), k) in old_sets.iter().zip(keep.iter_mut()) {
            let remove = (*k - available(rs)).max(0).min(unhealthy_budget.max(0));
            *k -= remove;
            unhealthy_budget -= remove;
        }
        let mut budget = rses.iter().map(|(rs, _)| available(rs)).sum::<i64>() - min_available;
        for k in keep.iter_mut() {
            let remove = (*k).min(budget.max(0));
            *k -= remove;
            budget -= remove;
        }
    }
    for ((rs, rs_rv), k) in old_sets.iter().zip(keep).filter(|_| !paused) {
        scale(rs, *rs_rv, k, &mut actions);
    }
    let sum = |field: &str| rses.iter().map(|(rs, _)| rs["status"][field].as_i64().unwrap_or(0)).sum::<i64>();
    let updated =
        rses.iter().find(|(rs, _)| is_current(rs)).map_or(0, |(rs, _)| rs["status"]["replicas"].as_i64().unwrap_or(0));
    let available = sum("availableReplicas");
    let conds = &d["status"]["conditions"];
    let available_cond = if available >= want {
        condition(conds, "Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
    } else {
        condition(
            conds,
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
        )
    };
    let rs_name = format!("{name}-{hash}");
    let counts = ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"];
    let before: Vec<i64> = counts.iter().map(|c| d["status"][c].as_i64().unwrap_or(0)).collect();
    let after = [sum("replicas"), updated, sum("readyReplicas"), available];
    // A step of the rollout, as kube's controller counts one: a set created or scaled (each scale makes its
    // event), more pods updated, ready or available, or fewer on old sets. A count that fell (a pod crashed) or a
    // set's annotations rewritten is no progress.
    let old = |counts: &[i64]| counts[0] - counts[1];
    let stepped = actions.iter().any(|a| matches!(a, Action::Create(..)));
    let progressed = stepped || (1..4).any(|i| after[i] > before[i]) || old(&after) < old(&before);
    let progressing = progressing(d, &rs_name, updated == want && available >= want, progressed, now);
    let status = json!({
        "observedGeneration": generation(d), "replicas": sum("replicas"), "updatedReplicas": updated,
        "readyReplicas": sum("readyReplicas"), "availableReplicas": available,
        "unavailableReplicas": (want - available).max(0), "conditions": [available_cond, progressing],
    });
    // The Deployment carries its current revision, as `kubectl rollout history` and `undo` read it.
    let mut next = d.clone();
    if let Some(revision) = revision {
        object::obj_mut(&mut next["metadata"], "annotations").insert(REVISION.into(), json!(revision.to_string()));
    }
    next["status"] = status;
    if next != *d {
        actions.push(Action::Update(resources::DEPLOYMENTS, next, rv));
    }
    actions
}

/// Keeps pods `{name}-0 … {name}-(n-1)` in existence.
pub fn reconcile_statefulset(sts: &Value, rv: u64, owned: &[(Key, Arc<Stored>)]) -> Vec<Action> {
    let mut actions: Vec<Action> = super::daemonset::revision_action(sts, "StatefulSet", owned).into_iter().collect();
    let pods: Vec<(Key, Arc<Stored>)> = owned.iter().filter(|(k, _)| k.0 == resources::PODS).cloned().collect();
    let pods = &pods[..];
    let name = object::name(sts);
    let want = replicas(sts);
    let live = active(pods);
    let revision = format!("{name}-{}", template_hash(&sts["spec"]["template"]));
    let ordinal = |pod_name: &str| pod_name.strip_prefix(&format!("{name}-")).and_then(|o| o.parse::<i64>().ok());
    for i in 0..want {
        let pod_name = format!("{name}-{i}");
        if !pods.iter().any(|(k, _)| k.2 == pod_name) {
            let extra = [
                ("statefulset.kubernetes.io/pod-name", pod_name.clone()),
                ("controller-revision-hash", revision.clone()),
                ("apps.kubernetes.io/pod-index", i.to_string()),
            ];
            let message = format!("create Pod {pod_name} in StatefulSet {name} successful");
            actions.extend(create_pod(
                sts,
                resources::STATEFULSETS,
                &pod_name,
                &extra,
                message,
                "statefulset-controller",
            ));
        }
    }
    let delete = |key: &Key, actions: &mut Vec<Action>| {
        let message = format!("delete Pod {} in StatefulSet {name} successful", key.2);
        actions.push(event(sts, false, "SuccessfulDelete", message, "statefulset-controller"));
        actions.push(Action::Terminate(key.clone()));
    };
    for (key, _) in live.iter().filter(|(k, _)| ordinal(&k.2).is_none_or(|o| o >= want)) {
        delete(key, &mut actions);
    }
    // RollingUpdate, OrderedReady: once every wanted pod is up and ready, the highest ordinal still on an older
    // revision is deleted; the loop above re-creates it on the current one when it is gone.
    let on_revision = |p: &Stored| p.labels.get("controller-revision-hash") == Some(&revision);
    let rolling = sts["spec"]["updateStrategy"]["type"] != "OnDelete";
    let settled = live.len() as i64 == want && live.iter().all(|(_, p)| p.ready);
    let stale =
        live.iter().filter(|(k, p)| !on_revision(p) && ordinal(&k.2).is_some()).max_by_key(|(k, _)| ordinal(&k.2));
    if let (true, true, Some((key, _))) = (rolling, settled, stale) {
        delete(key, &mut actions);
    }
    let ready = live.iter().filter(|(_, p)| p.ready).count();
    let updated = live.iter().filter(|(_, p)| on_revision(p)).count();
    let current_revision = if updated == live.len() {
        revision.clone()
    } else {
        sts["status"]["currentRevision"].as_str().unwrap_or(&revision).to_string()
    };
    let status = json!({
        "observedGeneration": generation(sts), "replicas": live.len(), "readyReplicas": ready, "currentReplicas": if updated == live.len() { updated } else { live.len() - updated },
        "updatedReplicas": updated, "availableReplicas": ready, "currentRevision": current_revision, "updateRevision": revision,
        "collisionCount": 0,
    });
    actions.extend(status_update(resources::STATEFULSETS, sts, rv, status));
    actions
}

/// When a finished Job finished: its Complete or Failed condition's transition.
fn finished_at(job: &Value) -> Option<f64> {
    job["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| matches!(c["type"].as_str(), Some("Complete" | "Failed")) && c["status"] == "True")
        .and_then(|c| clock::parse_rfc3339(c["lastTransitionTime"].as_str()?))
}

/// Whether the Job controller must look at this Job as time passes, not only when something changes: it has an
/// `activeDeadlineSeconds` or a `ttlSecondsAfterFinished`.
pub fn job_is_timed(job: &Value) -> bool {
    job["spec"]["activeDeadlineSeconds"].is_i64() || job["spec"]["ttlSecondsAfterFinished"].is_i64()
}

/// Runs a Job's pods to `completions`, failing it past `backoffLimit` or its `activeDeadlineSeconds`; a finished
/// Job with `ttlSecondsAfterFinished` is deleted with its pods once that has passed (the TTL-after-finished
/// controller).
pub fn reconcile_job(job: &Value, rv: u64, pods: &[(Key, Arc<Stored>)], rng: &mut Rng, now: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    let name = object::name(job);
    let uid = job["metadata"]["uid"].as_str().unwrap_or_default().to_string();
    let spec = &job["spec"];
    let now_s = clock::parse_rfc3339(now);
    if let (Some(ttl), Some(done), Some(at)) = (spec["ttlSecondsAfterFinished"].as_i64(), finished_at(job), now_s)
        && done + ttl as f64 <= at
    {
        let key = (resources::JOBS, object::namespace(job).to_string(), name.to_string());
        return vec![Action::Delete(key)];
    }
    let finished = finished_at(job).is_some();
    let overdue = match (spec["activeDeadlineSeconds"].as_i64(), job["status"]["startTime"].as_str(), now_s) {
        (Some(deadline), Some(start), Some(at)) => {
            clock::parse_rfc3339(start).is_some_and(|s| s + deadline as f64 <= at)
        }
        _ => false,
    };
    let completions = spec["completions"].as_i64().unwrap_or(1);
    let parallelism = spec["parallelism"].as_i64().unwrap_or(1);
    let backoff_limit = spec["backoffLimit"].as_i64().unwrap_or(6);
    let live = active(pods);
    let succeeded = pods.iter().filter(|(_, p)| phase(p) == "Succeeded").count() as i64;
    let failed = pods.iter().filter(|(_, p)| phase(p) == "Failed").count() as i64;
    let mut status = job["status"].clone();
    if !status.is_object() {
        status = json!({});
    }
    if status["startTime"].is_null() {
        status["startTime"] = json!(now);
    }
    let mut conditions: Vec<Value> = status["conditions"].as_array().cloned().unwrap_or_default();
    let mut active_count = live.len() as i64;
    if !finished {
        if succeeded >= completions {
            conditions.push(json!({"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}));
            conditions.push(json!({"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}));
            status["completionTime"] = json!(now);
            actions.push(event(job, false, "Completed", "Job completed".into(), "job-controller"));
        } else if failed > backoff_limit || overdue {
            let (reason, message) = if overdue {
                ("DeadlineExceeded", "Job was active longer than specified deadline")
            } else {
                ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            };
            conditions.push(json!({"type": "FailureTarget", "status": "True", "reason": reason, "message": message, "lastProbeTime": now, "lastTransitionTime": now}));
            conditions.push(json!({"type": "Failed", "status": "True", "reason": reason, "message": message, "lastProbeTime": now, "lastTransitionTime": now}));
            actions.push(event(job, true, reason, message.into(), "job-controller"));
            for (key, _) in &live {
                actions.push(Action::Terminate(key.clone()));
            }
            active_count = 0;
        } else {
            let want = parallelism.min(completions - succeeded) - active_count;
            for _ in 0..want.max(0) {
                let pod_name = format!("{name}-{}", rng.suffix(5));
                let extra = [
                    ("batch.kubernetes.io/controller-uid", uid.clone()),
                    ("batch.kubernetes.io/job-name", name.to_string()),
                    ("controller-uid", uid.clone()),
                    ("job-name", name.to_string()),
                ];
                let message = format!("Created pod: {pod_name}");
                actions.extend(create_pod(job, resources::JOBS, &pod_name, &extra, message, "job-controller"));
                active_count += 1;
            }
        }
    }
    status["active"] = json!(active_count);
    status["succeeded"] = json!(succeeded);
    status["failed"] = json!(failed);
    status["ready"] = json!(live.iter().filter(|(_, p)| p.ready).count());
    status["terminating"] = json!(pods.iter().filter(|(_, p)| p.terminating).count());
    status["uncountedTerminatedPods"] = json!({});
    if !conditions.is_empty() {
        status["conditions"] = json!(conditions);
    }
    let mut next = job.clone();
    if next["spec"]["selector"].is_null() {
        next["spec"]["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}});
    }
    if next["status"] != status || next["spec"] != job["spec"] {
        next["status"] = status;
        actions.push(Action::Update(resources::JOBS, next, rv));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored_pod(name: &str, ready: bool, phase: &str) -> (Key, Arc<Stored>) {
        let v = json!({"metadata": {"name": name, "namespace": "a", "uid": name},
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}});
        ((resources::PODS, "a".into(), name.into()), Arc::new(Stored::new(resources::PODS, &v, 1)))
    }

    /// A deployment of `want` replicas on template image `image`, and a ReplicaSet of another template with
    /// `replicas` replicas of which `available` are available.
    fn rolling(want: i64, image: &str, old: (i64, i64), new: Option<(i64, i64)>) -> Vec<Action> {
        let template = |image: &str| json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": image}]}});
        let d = json!({"metadata": {"name": "web", "namespace": "a", "uid": "d1", "generation": 2},
            "spec": {"replicas": want, "selector": {"matchLabels": {"app": "web"}}, "template": template(image),
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}});
        // The annotations the controller wrote on each set (revision, the replica counts it scaled for).
        let set = |name: &str, hash: String, revision: i64, (replicas, available): (i64, i64)| {
            let annotations = json!({REVISION: revision.to_string(), "deployment.kubernetes.io/desired-replicas": want.to_string(),
                "deployment.kubernetes.io/max-replicas": (want + (want * 25 + 99) / 100).to_string()});
            json!({"metadata": {"name": name, "namespace": "a", "uid": name, "labels": {"pod-template-hash": hash}, "annotations": annotations},
                "spec": {"replicas": replicas}, "status": {"replicas": replicas, "availableReplicas": available}})
        };
        let mut rses = vec![(set("web-old", template_hash(&template("old")), 1, old), 1)];
        if let Some(new) = new {
            rses.push((set("web-new", template_hash(&template(image)), 2, new), 1));
        }
        reconcile_deployment(&d, 1, &rses, "2026-11-30T00:00:00Z")
    }

    /// Each ReplicaSet's replicas after the actions, by name.
    fn scaled(actions: &[Action]) -> Vec<(String, i64)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Create(resources::REPLICASETS, rs) | Action::Update(resources::REPLICASETS, rs, _) => {
                    Some((object::name(rs).chars().take(7).collect(), replicas(rs)))
                }
                _ => None,
            })
            .collect()
    }

    fn updated_deployment(actions: &[Action]) -> Option<&Value> {
        actions.iter().find_map(|a| match a {
            Action::Update(resources::DEPLOYMENTS, d, _) => Some(d),
            _ => None,
        })
    }

    fn progressing_reason(d: &Value) -> &str {
        let cs = d["status"]["conditions"].as_array().unwrap();
        cs.iter().find(|c| c["type"] == "Progressing").unwrap()["reason"].as_str().unwrap()
    }

    #[test]
    fn paused_deployments_wait_and_an_old_template_comes_back_as_the_newest_revision() {
        let template = |image: &str| json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": image}]}});
        let mut d = json!({"metadata": {"name": "web", "namespace": "a", "uid": "d1", "generation": 3,
                "annotations": {"kubernetes.io/change-cause": "undo to 1", "kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"replicas": 2, "paused": true, "selector": {"matchLabels": {"app": "web"}}, "template": template("v1")}});
        let set = |name: &str, image: &str, revision: &str, replicas: i64| {
            json!({"metadata": {"name": name, "namespace": "a", "uid": name,
                    "labels": {"pod-template-hash": template_hash(&template(image))},
                    "annotations": {REVISION: revision}},
                "spec": {"replicas": replicas}, "status": {"replicas": replicas, "availableReplicas": replicas, "readyReplicas": replicas}})
        };
        // Paused on a template whose set is gone: nothing is created or scaled.
        let only_v2 = [(set("web-v2", "v2", "2", 2), 1)];
        let actions = reconcile_deployment(&d, 1, &only_v2, "2026-11-30T00:00:00Z");
        assert!(!actions.iter().any(|a| matches!(a, Action::Create(..) | Action::Update(resources::REPLICASETS, ..))));
        assert_eq!(progressing_reason(updated_deployment(&actions).unwrap()), "DeploymentPaused");

        // Resumed with revision 1's template: its set is reused as revision 3, the history kept, the cause copied.
        d["spec"]["paused"] = json!(false);
        d["status"] = updated_deployment(&actions).unwrap()["status"].clone();
        let both = [(set("web-v1", "v1", "1", 0), 1), (set("web-v2", "v2", "2", 2), 1)];
        let actions = reconcile_deployment(&d, 1, &both, "2026-11-30T00:00:01Z");
        let reused = actions
            .iter()
            .find_map(|a| match a {
                Action::Update(resources::REPLICASETS, rs, _) if object::name(rs) == "web-v1" => Some(rs),
                _ => None,
            })
            .unwrap();
        let annotations = &reused["metadata"]["annotations"];
        assert_eq!(
            (annotations[REVISION].as_str(), annotations[rollout::REVISION_HISTORY].as_str()),
            (Some("3"), Some("1"))
        );
        assert_eq!(annotations["kubernetes.io/change-cause"], "undo to 1");
        assert!(annotations.get("kubectl.kubernetes.io/last-applied-configuration").is_none());
        let written = updated_deployment(&actions).unwrap();
        assert_eq!(written["metadata"]["annotations"][REVISION], "3");
        assert_eq!(progressing_reason(written), "DeploymentResumed");
    }

    #[test]
    fn a_rollout_without_progress_runs_out_of_its_deadline() {
        let template =
            json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "v9"}]}});
        let hash = template_hash(&template);
        let rs = json!({"metadata": {"name": "web-x", "namespace": "a", "uid": "r", "labels": {"pod-template-hash": hash},
                "annotations": {REVISION: "1", "deployment.kubernetes.io/desired-replicas": "2", "deployment.kubernetes.io/max-replicas": "3"}},
            "spec": {"replicas": 2}, "status": {"replicas": 2}});
        let mut d = json!({"metadata": {"name": "web", "namespace": "a", "uid": "d1", "generation": 1, "annotations": {REVISION: "1"}},
            "spec": {"replicas": 2, "progressDeadlineSeconds": 60, "selector": {"matchLabels": {"app": "web"}}, "template": template},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 0, "availableReplicas": 0}});
        let step = |d: &Value, at: &str| {
            let actions = reconcile_deployment(d, 1, &[(rs.clone(), 1)], at);
            updated_deployment(&actions).cloned().unwrap_or_else(|| d.clone())
        };
        d = step(&d, "2026-11-30T00:00:00Z");
        assert_eq!(progressing_reason(&d), "ReplicaSetUpdated");
        assert!(deployment_rolling(&d));
        assert_eq!(progressing_reason(&step(&d, "2026-11-30T00:00:59Z")), "ReplicaSetUpdated", "within the deadline");
        d = step(&d, "2026-11-30T00:01:01Z");
        assert_eq!(progressing_reason(&d), "ProgressDeadlineExceeded");
        assert!(!deployment_rolling(&d));
        assert_eq!(step(&d, "2026-11-30T00:05:00Z"), d, "it stays so, and writes nothing more");
    }

    #[test]
    fn a_rolling_update_stays_within_surge_and_unavailability() {
        // 8 wanted: surge 2, unavailable 2 (a minimum of 6 available).
        let set = |name: &str, n: i64| (name.to_string(), n);
        let created = scaled(&rolling(8, "new", (8, 8), None));
        assert_eq!(created.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [2], "the new set starts at the surge");
        // At 10 pods it cannot grow; 2 old may go (8 available, 6 the minimum), whether or not the new are ready.
        assert_eq!(scaled(&rolling(8, "new", (8, 8), Some((2, 0)))), [set("web-old", 6)]);
        // Then the new set grows by the room made, and so on.
        assert_eq!(scaled(&rolling(8, "new", (6, 6), Some((2, 2)))), [set("web-new", 4)]);
        assert_eq!(scaled(&rolling(8, "new", (6, 6), Some((4, 4)))), [set("web-old", 2)], "10 available, 6 needed");
        // Unhealthy old pods go first, within what the new set's unready pods leave.
        assert_eq!(scaled(&rolling(8, "new", (8, 3), Some((2, 0)))), [set("web-old", 6)]);
        // Done: the old set empties once the new one has them all.
        assert_eq!(scaled(&rolling(8, "new", (2, 2), Some((8, 8)))), [set("web-old", 0)]);
    }

    fn rs(replicas: i64) -> Value {
        json!({"metadata": {"name": "web-abc", "namespace": "a", "uid": "rs1", "generation": 2, "labels": {"app": "web", "pod-template-hash": "abc"}},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    }

    #[test]
    fn replicaset_scales_up_and_down() {
        let mut rng = Rng::new(1);
        let pods = vec![stored_pod("web-abc-1", true, "Running")];
        let up = reconcile_replicaset(&rs(3), 5, &pods, &mut rng);
        let created: Vec<&Value> =
            up.iter().filter_map(|a| if let Action::Create(_, v) = a { Some(v) } else { None }).collect();
        assert_eq!(created.len(), 2);
        assert_eq!(created[0]["metadata"]["ownerReferences"][0]["uid"], "rs1");
        assert_eq!(created[0]["metadata"]["labels"]["pod-template-hash"], "abc");
        let pods = vec![
            stored_pod("a1", true, "Running"),
            stored_pod("a2", false, "Running"),
            stored_pod("a3", true, "Succeeded"),
        ];
        let down = reconcile_replicaset(&rs(1), 5, &pods, &mut rng);
        let doomed: Vec<&str> =
            down.iter().filter_map(|a| if let Action::Terminate(k) = a { Some(k.2.as_str()) } else { None }).collect();
        assert_eq!(doomed, ["a2"]);
        let status = down
            .iter()
            .find_map(|a| if let Action::Update(_, v, _) = a { Some(v["status"].clone()) } else { None })
            .unwrap();
        assert_eq!(status["replicas"], 2);
        assert_eq!(status["readyReplicas"], 1);
    }

    #[test]
    fn deployment_creates_a_replicaset_then_scales_it() {
        let d = json!({"metadata": {"name": "web", "namespace": "a", "uid": "d1"}, "spec": {"replicas": 2,
            "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let first = reconcile_deployment(&d, 1, &[], "now");
        let rs = first.iter().find_map(|a| if let Action::Create(_, v) = a { Some(v.clone()) } else { None }).unwrap();
        assert_eq!(rs["spec"]["replicas"], 2);
        assert!(rs["metadata"]["name"].as_str().unwrap().starts_with("web-"));
        assert_eq!(
            rs["spec"]["selector"]["matchLabels"]["pod-template-hash"],
            rs["metadata"]["labels"]["pod-template-hash"]
        );
        let mut d5 = d.clone();
        d5["spec"]["replicas"] = json!(5);
        let second = reconcile_deployment(&d5, 2, &[(rs, 7)], "now");
        assert!(second.iter().any(|a| matches!(a, Action::Event(_, e) if e.message.contains("from 2 to 5"))));
    }

    #[test]
    fn job_completes_and_fails() {
        let mut rng = Rng::new(1);
        let job = json!({"metadata": {"name": "j", "namespace": "a", "uid": "j1"}, "spec": {"completions": 2, "parallelism": 2, "backoffLimit": 1,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}});
        let start = reconcile_job(&job, 1, &[], &mut rng, "t0");
        assert_eq!(start.iter().filter(|a| matches!(a, Action::Create(..))).count(), 2);
        let done = reconcile_job(
            &job,
            1,
            &[stored_pod("j-1", false, "Succeeded"), stored_pod("j-2", false, "Succeeded")],
            &mut rng,
            "t1",
        );
        let status = done
            .iter()
            .find_map(|a| if let Action::Update(_, v, _) = a { Some(v["status"].clone()) } else { None })
            .unwrap();
        assert_eq!(status["succeeded"], 2);
        assert!(status["conditions"].as_array().unwrap().iter().any(|c| c["type"] == "Complete"));
        let failed = reconcile_job(
            &job,
            1,
            &[stored_pod("j-1", false, "Failed"), stored_pod("j-2", false, "Failed")],
            &mut rng,
            "t1",
        );
        assert!(failed.iter().any(|a| matches!(a, Action::Event(_, e) if e.reason == "BackoffLimitExceeded")));
    }

    #[test]
    fn a_job_past_its_deadline_fails_and_a_finished_one_goes_after_its_ttl() {
        let mut rng = Rng::new(1);
        let job = json!({"metadata": {"name": "j", "namespace": "a", "uid": "j1"},
            "spec": {"activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 0,
                "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}},
            "status": {"startTime": "2026-12-01T00:00:00Z"}});
        assert!(job_is_timed(&job));
        let running = [stored_pod("j-1", true, "Running")];
        let early = reconcile_job(&job, 1, &running, &mut rng, "2026-12-01T00:00:59Z");
        assert!(!early.iter().any(|a| matches!(a, Action::Terminate(_))), "before the deadline the pod runs on");
        let late = reconcile_job(&job, 1, &running, &mut rng, "2026-12-01T00:01:00Z");
        assert!(late.iter().any(|a| matches!(a, Action::Event(_, e) if e.reason == "DeadlineExceeded")));
        assert!(late.iter().any(|a| matches!(a, Action::Terminate(k) if k.2 == "j-1")), "its pod is stopped");
        let failed =
            late.iter().find_map(|a| if let Action::Update(_, v, _) = a { Some(v.clone()) } else { None }).unwrap();
        let gone = reconcile_job(&failed, 2, &[], &mut rng, "2026-12-01T00:01:00Z");
        assert!(matches!(gone.as_slice(), [Action::Delete(k)] if k.2 == "j"), "ttl 0 deletes it at once: {gone:?}");
        let untimed = json!({"spec": {"template": {}}});
        assert!(!job_is_timed(&untimed));
    }
}
