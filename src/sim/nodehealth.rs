//! How a node's health is told: the kubelet's node status posts (a heartbeat every five minutes, Ready again when
//! it comes back) and kube-controller-manager 1.32's node lifecycle controller (a silent node's conditions go
//! Unknown, the condition taints follow the conditions, pods on an unready node are marked not ready); pure.

use serde_json::{Value, json};

use super::clock;
use super::object;

/// The kubelet's `nodeStatusReportFrequency`: with leases, status is posted this often unless it changes.
pub const STATUS_REPORT_S: f64 = 300.0;
/// `--node-monitor-period`: how often the node lifecycle controller looks at every node.
pub const MONITOR_PERIOD_S: f64 = 5.0;
/// `--node-startup-grace-period`: how long a registered node may go without any status at all.
const STARTUP_GRACE_S: f64 = 60.0;

pub const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
const NOT_READY: &str = "node.kubernetes.io/not-ready";
/// The conditions the kubelet reports and the node lifecycle controller sets Unknown when it goes silent.
const CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
/// (condition, status) → the NoSchedule taint it calls for (nodeConditionToTaintKeyStatusMap).
const CONDITION_TAINTS: [(&str, &str, &str); 6] = [
    ("Ready", "False", NOT_READY),
    ("Ready", "Unknown", UNREACHABLE),
    ("MemoryPressure", "True", "node.kubernetes.io/memory-pressure"),
    ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
    ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
    ("NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"),
];

/// The kubelet's reason and message for a condition it reports as `status`.
fn kubelet_words(kind: &str, status: &str) -> (&'static str, &'static str) {
    match (kind, status) {
        ("Ready", _) => ("KubeletReady", "kubelet is posting ready status"),
        ("MemoryPressure", "True") => ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
        ("MemoryPressure", _) => ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "True") => ("KubeletHasDiskPressure", "kubelet has disk pressure"),
        ("DiskPressure", _) => ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "True") => ("KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
        _ => ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    }
}

fn conditions(node: &Value) -> &[Value] {
    node["status"]["conditions"].as_array().map_or(&[], Vec::as_slice)
}

fn condition<'a>(node: &'a Value, kind: &str) -> Option<&'a Value> {
    conditions(node).iter().find(|c| c["type"] == kind)
}

/// The status of the node's Ready condition ("True", "False", "Unknown"), None when no kubelet ever posted one.
pub fn ready_status(node: &Value) -> Option<&str> {
    condition(node, "Ready").and_then(|c| c["status"].as_str())
}

fn time_of(c: &Value, field: &str) -> Option<f64> {
    c[field].as_str().and_then(clock::parse_rfc3339)
}

/// What a running kubelet posts at `now`, or None when nothing is due: every condition it reports back in its own
/// words after the node lifecycle controller marked them Unknown, otherwise a heartbeat every five minutes.
pub fn kubelet_status(node: &Value, now: f64) -> Option<Value> {
    let returning = conditions(node).iter().any(|c| c["status"] == "Unknown");
    let heartbeat = condition(node, "Ready").and_then(|c| time_of(c, "lastHeartbeatTime"));
    if !returning && heartbeat.is_some_and(|h| now - h < STATUS_REPORT_S) {
        return None;
    }
    let at = clock::rfc3339(now as i64);
    let mut next = node.clone();
    if let Some(list) = next["status"]["conditions"].as_array_mut() {
        for c in list.iter_mut().filter(|c| CONDITIONS.contains(&c["type"].as_str().unwrap_or_default())) {
            let kind = c["type"].as_str().unwrap_or_default().to_string();
            if c["status"] == "Unknown" {
                let status = if kind == "Ready" { "True" } else { "False" };
                let (reason, message) = kubelet_words(&kind, status);
                c["status"] = json!(status);
                c["reason"] = json!(reason);
                c["message"] = json!(message);
                c["lastTransitionTime"] = json!(at);
            }
            c["lastHeartbeatTime"] = json!(at);
        }
    }
    Some(next)
}

/// The node lifecycle controller's verdict on one node at `now`: its conditions set Unknown when its kubelet has
/// been silent (no lease renewal, no status) for longer than `grace`, or never posted status within the startup
/// grace period; None when the node stays as it is.
pub fn monitor(node: &Value, lease_renewed: Option<f64>, now: f64, grace: f64) -> Option<Value> {
    let at = clock::rfc3339(now as i64);
    let mut next = node.clone();
    match condition(node, "Ready") {
        None => {
            let created = node["metadata"]["creationTimestamp"].as_str().and_then(clock::parse_rfc3339)?;
            if now - created <= STARTUP_GRACE_S {
                return None;
            }
            let list = object::obj_mut(&mut next, "status").entry("conditions").or_insert(json!([]));
            let list = list.as_array_mut()?;
            for kind in CONDITIONS {
                if !list.iter().any(|c| c["type"] == kind) {
                    list.push(json!({"type": kind, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                        "message": "Kubelet never posted node status.", "lastHeartbeatTime": node["metadata"]["creationTimestamp"],
                        "lastTransitionTime": at}));
                }
            }
        }
        Some(ready) if ready["status"] == "Unknown" => return None,
        Some(ready) => {
            let probed =
                [time_of(ready, "lastHeartbeatTime"), lease_renewed].into_iter().flatten().fold(f64::MIN, f64::max);
            if now - probed <= grace {
                return None;
            }
            for c in next["status"]["conditions"].as_array_mut().into_iter().flatten() {
                if CONDITIONS.contains(&c["type"].as_str().unwrap_or_default()) && c["status"] != "Unknown" {
                    c["status"] = json!("Unknown");
                    c["reason"] = json!("NodeStatusUnknown");
                    c["message"] = json!("Kubelet stopped posting node status.");
                    c["lastTransitionTime"] = json!(at);
                }
            }
        }
    }
    Some(next)
}

/// The node with the taints its conditions call for: NoSchedule per condition (taintNodeByCondition) and the
/// NoExecute not-ready or unreachable taint of an unready node, each added with its time; taints no condition
/// manages are kept as they are. None when they already match.
pub fn with_condition_taints(node: &Value, now: f64) -> Option<Value> {
    let status = |kind: &str| condition(node, kind).and_then(|c| c["status"].as_str()).unwrap_or_default();
    let mut wanted: Vec<(&str, &str)> = CONDITION_TAINTS
        .iter()
        .filter(|(kind, s, _)| status(kind) == *s)
        .map(|(_, _, key)| (*key, "NoSchedule"))
        .collect();
    match status("Ready") {
        "False" => wanted.push((NOT_READY, "NoExecute")),
        "Unknown" => wanted.push((UNREACHABLE, "NoExecute")),
        _ => {}
    }
    let managed = |t: &Value| {
        let key = t["key"].as_str().unwrap_or_default();
        CONDITION_TAINTS.iter().any(|(_, _, k)| *k == key)
    };
    let current = node["spec"]["taints"].as_array().cloned().unwrap_or_default();
    let has = |key: &str, effect: &str| current.iter().any(|t| t["key"] == key && t["effect"] == effect);
    let mut taints: Vec<Value> = current
        .iter()
        .filter(|t| !managed(t) || wanted.iter().any(|(k, e)| t["key"] == *k && t["effect"] == *e))
        .cloned()
        .collect();
    let at = clock::rfc3339(now as i64);
    for (key, effect) in &wanted {
        if !has(key, effect) {
            taints.push(json!({"key": key, "effect": effect, "timeAdded": at}));
        }
    }
    if taints == current {
        return None;
    }
    let mut next = node.clone();
    let spec = object::obj_mut(&mut next, "spec");
    if taints.is_empty() {
        spec.remove("taints");
    } else {
        spec.insert("taints".into(), Value::Array(taints));
    }
    Some(next)
}

/// A pod on an unready node with its Ready condition set False (MarkPodsNotReady); None when it is not Ready.
pub fn pod_not_ready(pod: &Value, now: f64) -> Option<Value> {
    set_pod_ready(pod, "False", now)
}

/// A pod whose containers are ready made Ready again once its node's kubelet is back; None otherwise.
pub fn pod_ready_again(pod: &Value, now: f64) -> Option<Value> {
    let containers_ready = pod["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "ContainersReady" && c["status"] == "True"));
    if !containers_ready || pod["status"]["phase"] != "Running" {
        return None;
    }
    set_pod_ready(pod, "True", now)
}

fn set_pod_ready(pod: &Value, status: &str, now: f64) -> Option<Value> {
    let mut next = pod.clone();
    let ready = next["status"]["conditions"].as_array_mut()?.iter_mut().find(|c| c["type"] == "Ready")?;
    if ready["status"] == status {
        return None;
    }
    ready["status"] = json!(status);
    ready["lastTransitionTime"] = json!(clock::rfc3339(now as i64));
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(ready: &str, heartbeat: &str) -> Value {
        let cond = |kind: &str, status: &str| {
            json!({"type": kind, "status": status, "reason": "r", "message": "m",
            "lastHeartbeatTime": heartbeat, "lastTransitionTime": "2026-11-01T00:00:00Z"})
        };
        json!({"metadata": {"name": "cpu-01", "creationTimestamp": "2026-11-01T00:00:00Z"},
            "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]},
            "status": {"conditions": [cond("MemoryPressure", "False"), cond("DiskPressure", "True"), cond("PIDPressure", "False"), cond("Ready", ready)]}})
    }

    /// 2026-11-24T08:55:00Z
    const NOW: f64 = 1_795_510_500.0;

    #[test]
    fn a_silent_node_goes_unknown_after_the_grace_period_with_unreachable_taints() {
        let healthy = node("True", "2026-11-24T08:54:00Z");
        // The heartbeat is a minute old but the lease was renewed 5 s ago.
        assert!(monitor(&healthy, Some(NOW - 5.0), NOW, 50.0).is_none());
        let lost = monitor(&healthy, Some(NOW - 51.0), NOW, 50.0).unwrap();
        for c in lost["status"]["conditions"].as_array().unwrap() {
            assert_eq!(c["status"], "Unknown");
            assert_eq!(c["reason"], "NodeStatusUnknown");
            assert_eq!(c["message"], "Kubelet stopped posting node status.");
            assert_eq!(c["lastTransitionTime"], "2026-11-24T08:55:00Z");
            assert_eq!(c["lastHeartbeatTime"], "2026-11-24T08:54:00Z");
        }
        assert!(monitor(&lost, None, NOW + 60.0, 50.0).is_none());
        let tainted = with_condition_taints(&lost, NOW).unwrap();
        let taints: Vec<(&str, &str)> = tainted["spec"]["taints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["key"].as_str().unwrap(), t["effect"].as_str().unwrap()))
            .collect();
        // Disk pressure is no longer known, so its taint goes.
        assert_eq!(taints, [("nvidia.com/gpu", "NoSchedule"), (UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")]);
        assert!(with_condition_taints(&tainted, NOW + 5.0).is_none());
    }

    #[test]
    fn the_kubelet_heartbeats_every_five_minutes_and_reports_again_after_a_restart() {
        let fresh = node("True", "2026-11-24T08:54:00Z");
        assert!(kubelet_status(&fresh, NOW).is_none());
        let posted = kubelet_status(&fresh, NOW + 300.0).unwrap();
        assert_eq!(posted["status"]["conditions"][3]["lastHeartbeatTime"], "2026-11-24T09:00:00Z");
        assert_eq!(posted["status"]["conditions"][3]["lastTransitionTime"], "2026-11-01T00:00:00Z");
        let lost = monitor(&fresh, None, NOW + 120.0, 50.0).unwrap();
        let back = kubelet_status(&lost, NOW + 130.0).unwrap();
        let ready = &back["status"]["conditions"][3];
        assert_eq!((&ready["status"], &ready["reason"]), (&json!("True"), &json!("KubeletReady")));
        assert_eq!(back["status"]["conditions"][1]["reason"], "KubeletHasNoDiskPressure");
        let untainted = with_condition_taints(&back, NOW + 130.0);
        assert!(untainted.is_none(), "no condition calls for a taint the node does not have yet");
    }

    #[test]
    fn a_node_that_never_posted_status_goes_unknown_after_startup_grace() {
        let bare = json!({"metadata": {"name": "n", "creationTimestamp": "2026-11-24T08:54:30Z"}});
        assert!(monitor(&bare, None, NOW, 50.0).is_none());
        let unknown = monitor(&bare, None, NOW + 60.0, 50.0).unwrap();
        assert_eq!(ready_status(&unknown), Some("Unknown"));
        assert_eq!(unknown["status"]["conditions"][0]["reason"], "NodeStatusNeverUpdated");
    }

    #[test]
    fn pods_lose_and_regain_readiness_with_their_node() {
        let pod = json!({"status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "x"},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": "x"}]}});
        let down = pod_not_ready(&pod, NOW).unwrap();
        assert_eq!(down["status"]["conditions"][0]["status"], "False");
        assert_eq!(down["status"]["conditions"][1]["status"], "True");
        assert!(pod_not_ready(&down, NOW).is_none());
        assert_eq!(pod_ready_again(&down, NOW).unwrap()["status"]["conditions"][0]["status"], "True");
    }
}
