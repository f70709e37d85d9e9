//! A Deployment's rollout bookkeeping, as kube's deployment controller keeps it: the revision annotations on it and
//! its ReplicaSets, the annotations a new set inherits, and the Progressing condition (paused, resumed, deadline).

use serde_json::{Value, json};

use crate::sim::object;

/// The revision annotation the deployment controller keeps on a Deployment and its ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub(super) const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// Annotations of a Deployment the controller does not copy to its ReplicaSets (its own, and kubectl's copy).
const NOT_COPIED: [&str; 6] = [
    REVISION,
    REVISION_HISTORY,
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "kubectl.kubernetes.io/last-applied-configuration",
    "deprecated.deployment.rollback.to",
];

pub(super) fn revision_of(rs: &Value) -> Option<i64> {
    rs["metadata"]["annotations"][REVISION].as_str()?.parse().ok()
}

/// The new ReplicaSet's annotations as the controller sets them: the Deployment's own (its change-cause), the
/// replica counts, and its revision — bumped past every other set's when an old template comes back (an undo),
/// the revision it had kept in the history annotation.
pub(super) fn annotate_new_set(d: &Value, rs: &mut Value, others_max: i64, want: i64, surge: i64) {
    let annotations = object::obj_mut(&mut rs["metadata"], "annotations");
    if let Some(own) = d["metadata"]["annotations"].as_object() {
        for (k, v) in own.iter().filter(|(k, _)| !NOT_COPIED.contains(&k.as_str())) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    annotations.insert("deployment.kubernetes.io/desired-replicas".into(), json!(want.to_string()));
    annotations.insert("deployment.kubernetes.io/max-replicas".into(), json!((want + surge).to_string()));
    let current = annotations.get(REVISION).and_then(Value::as_str).and_then(|r| r.parse::<i64>().ok());
    if current.is_none_or(|r| r <= others_max) {
        if let Some(old) = current {
            let history = annotations.get(REVISION_HISTORY).and_then(Value::as_str).filter(|h| !h.is_empty());
            let history = history.map_or(old.to_string(), |h| format!("{h},{old}"));
            annotations.insert(REVISION_HISTORY.into(), json!(history));
        }
        annotations.insert(REVISION.into(), json!((others_max + 1).to_string()));
    }
}

/// Whether the controller must look at a Deployment again without a change to it: a rollout under way, whose
/// progress deadline may pass.
pub fn deployment_rolling(d: &Value) -> bool {
    let conditions = d["status"]["conditions"].as_array();
    let progressing = conditions.and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"));
    progressing.is_some_and(|c| matches!(c["reason"].as_str(), Some("ReplicaSetUpdated" | "DeploymentResumed")))
}

/// The Progressing condition as kube's controller keeps it: Unknown while paused and just resumed; True while
/// the new ReplicaSet progresses (its lastUpdateTime moves with each step) and once it is available; False with
/// ProgressDeadlineExceeded when no step happened for `progressDeadlineSeconds`.
pub(super) fn progressing(d: &Value, rs_name: &str, complete: bool, progressed: bool, now: &str) -> Value {
    let prior = d["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing"));
    let prior_reason = prior.and_then(|c| c["reason"].as_str()).unwrap_or("");
    let seconds = |t: Option<&str>| t.and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.as_second());
    let last_update = prior.and_then(|c| c["lastUpdateTime"].as_str());
    let deadline = d["spec"]["progressDeadlineSeconds"].as_i64().unwrap_or(600);
    let stalled = match (seconds(last_update), seconds(Some(now))) {
        (Some(at), Some(now)) => !progressed && now - at > deadline,
        _ => false,
    };
    let (status, reason, message) = if d["spec"]["paused"] == true {
        ("Unknown", "DeploymentPaused", "Deployment is paused".to_string())
    } else if prior_reason == "DeploymentPaused" {
        ("Unknown", "DeploymentResumed", "Deployment is resumed".to_string())
    } else if complete {
        ("True", "NewReplicaSetAvailable", format!("ReplicaSet \"{rs_name}\" has successfully progressed."))
    } else if stalled || (prior_reason == "ProgressDeadlineExceeded" && !progressed) {
        ("False", "ProgressDeadlineExceeded", format!("ReplicaSet \"{rs_name}\" has timed out progressing."))
    } else {
        ("True", "ReplicaSetUpdated", format!("ReplicaSet \"{rs_name}\" is progressing."))
    };
    let same = prior.is_some_and(|c| c["status"] == status);
    let transition = if same { prior.and_then(|c| c["lastTransitionTime"].as_str()).unwrap_or(now) } else { now };
    let kept = prior_reason == reason && !progressed;
    let update = if kept { last_update.unwrap_or(now) } else { now };
    json!({"type": "Progressing", "status": status, "reason": reason, "message": message,
        "lastTransitionTime": transition, "lastUpdateTime": update})
}
