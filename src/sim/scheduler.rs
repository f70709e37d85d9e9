//! The simulated scheduler: picks a node for a pod from taints, tolerations, node selectors and free GPUs, or says
//! why none fits in kube-scheduler's words; pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::object;

/// What the scheduler needs to know about one node.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub ready: bool,
    pub unschedulable: bool,
    /// (key, value, effect) of NoSchedule/NoExecute taints.
    pub taints: Vec<(String, String, String)>,
    pub gpu_allocatable: u32,
    pub gpu_used: u32,
}

impl NodeView {
    pub fn from_node(node: &Value, gpu_used: u32) -> Self {
        let taints = node["spec"]["taints"]
            .as_array()
            .map(|ts| {
                ts.iter()
                    .filter(|t| matches!(t["effect"].as_str(), Some("NoSchedule" | "NoExecute")))
                    .map(|t| {
                        let s = |f: &str| t[f].as_str().unwrap_or_default().to_string();
                        (s("key"), s("value"), s("effect"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ready = node["status"]["conditions"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
        NodeView {
            name: object::name(node).to_string(),
            labels: object::string_map(&node["metadata"]["labels"]),
            ready,
            unschedulable: node["spec"]["unschedulable"].as_bool().unwrap_or(false),
            taints,
            gpu_allocatable: node["status"]["allocatable"][object::GPU]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            gpu_used,
        }
    }
}

/// The taint the node lifecycle controller puts on a cordoned node.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

/// A node with the unschedulable taint matching its spec.unschedulable (taintNodeByCondition), or None when it
/// already matches.
pub fn with_cordon_taint(node: &Value) -> Option<Value> {
    let cordoned = node["spec"]["unschedulable"].as_bool().unwrap_or(false);
    let taints = node["spec"]["taints"].as_array().cloned().unwrap_or_default();
    let has = taints.iter().any(|t| t["key"] == UNSCHEDULABLE_TAINT);
    if cordoned == has {
        return None;
    }
    let mut next = node.clone();
    let mut kept: Vec<Value> = taints.into_iter().filter(|t| t["key"] != UNSCHEDULABLE_TAINT).collect();
    if cordoned {
        kept.push(serde_json::json!({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule",
            "timeAdded": super::clock::rfc3339(super::clock::now())}));
    }
    let spec = object::obj_mut(&mut next, "spec");
    if kept.is_empty() {
        spec.remove("taints");
    } else {
        spec.insert("taints".into(), Value::Array(kept));
    }
    Some(next)
}

fn tolerates(tolerations: &[Value], (key, value, effect): &(String, String, String)) -> bool {
    tolerations.iter().any(|t| {
        let t_key = t["key"].as_str().unwrap_or_default();
        let exists = t["operator"].as_str() == Some("Exists");
        let key_ok = (exists && t_key.is_empty()) || t_key == key;
        let value_ok = exists || t["value"].as_str().unwrap_or_default() == value;
        let effect_ok = t["effect"].as_str().is_none_or(|e| e.is_empty() || e == effect);
        key_ok && value_ok && effect_ok
    })
}

/// The node for `pod`, or the FailedScheduling message.
pub fn place(pod: &Value, nodes: &[NodeView]) -> Result<String, String> {
    let gpus = object::gpu_request(&pod["spec"]);
    let tolerations = pod["spec"]["tolerations"].as_array().map(Vec::as_slice).unwrap_or_default();
    let selector = object::string_map(&pod["spec"]["nodeSelector"]);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut fits: Vec<&NodeView> = Vec::new();
    // The NodeUnschedulable plugin lets through pods that tolerate the cordon's taint (DaemonSet pods do).
    let cordon = (UNSCHEDULABLE_TAINT.to_string(), String::new(), "NoSchedule".to_string());
    let ignores_cordon = tolerates(tolerations, &cordon);
    for node in nodes {
        let reason = if node.unschedulable && !ignores_cordon {
            Some("node(s) were unschedulable".to_string())
        } else if let Some(t) = node.taints.iter().find(|t| !tolerates(tolerations, t)) {
            Some(format!("node(s) had untolerated taint {{{}: {}}}", t.0, t.1))
        } else if !node.ready {
            Some("node(s) were not ready".to_string())
        } else if selector.iter().any(|(k, v)| node.labels.get(k) != Some(v)) {
            Some("node(s) didn't match Pod's node affinity/selector".to_string())
        } else if gpus > node.gpu_allocatable.saturating_sub(node.gpu_used) {
            Some(format!("Insufficient {}", object::GPU))
        } else {
            None
        };
        match reason {
            Some(r) => *reasons.entry(r).or_default() += 1,
            None => fits.push(node),
        }
    }
    // GPU pods go where most GPUs are free (spreading load); others spread by name so placement is stable.
    let best = if gpus > 0 {
        fits.iter().max_by_key(|n| (n.gpu_allocatable - n.gpu_used, std::cmp::Reverse(n.name.clone()))).copied()
    } else if fits.is_empty() {
        None
    } else {
        let h = super::rng::hash(object::name(pod)) as usize;
        Some(fits[h % fits.len()])
    };
    best.map(|n| n.name.clone()).ok_or_else(|| {
        let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let total = nodes.len();
        let gpu_short = reasons.get(&format!("Insufficient {}", object::GPU)).copied().unwrap_or(0);
        format!(
            "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {}{} Preemption is not helpful for scheduling.",
            parts.join(", "),
            if gpu_short > 0 { format!("{gpu_short} No preemption victims found for incoming pod, ") } else { String::new() },
            total - gpu_short
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, gpus: u32, used: u32, taint: bool, ready: bool) -> NodeView {
        NodeView {
            name: name.into(),
            labels: BTreeMap::new(),
            ready,
            unschedulable: false,
            taints: if taint { vec![("nvidia.com/gpu".into(), "present".into(), "NoSchedule".into())] } else { vec![] },
            gpu_allocatable: gpus,
            gpu_used: used,
        }
    }

    fn gpu_pod(n: u32, tolerate: bool) -> Value {
        let tol = if tolerate {
            json!([{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
        } else {
            json!([])
        };
        json!({"metadata": {"name": "p"}, "spec": {"tolerations": tol, "containers": [{"resources": {"limits": {"nvidia.com/gpu": n.to_string()}}}]}})
    }

    #[test]
    fn gpu_pods_need_toleration_and_free_gpus() {
        let nodes = [node("g1", 8, 6, true, true), node("g2", 8, 1, true, true), node("c1", 0, 0, false, true)];
        assert_eq!(place(&gpu_pod(4, true), &nodes), Ok("g2".into()));
        let msg = place(&gpu_pod(8, true), &nodes).unwrap_err();
        assert!(msg.starts_with("0/3 nodes are available: 3 Insufficient nvidia.com/gpu."), "{msg}");
        let msg = place(&gpu_pod(1, false), &nodes).unwrap_err();
        assert!(msg.contains("2 node(s) had untolerated taint {nvidia.com/gpu: present}"), "{msg}");
        assert!(msg.contains("1 Insufficient nvidia.com/gpu"), "{msg}");
    }

    #[test]
    fn cordoned_nodes_take_only_pods_that_tolerate_the_cordon() {
        let mut cordoned = node("c1", 0, 0, false, true);
        cordoned.unschedulable = true;
        let nodes = [cordoned, node("g1", 8, 0, true, true)];
        let pod = json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "c"}]}});
        let msg = place(&pod, &nodes).unwrap_err();
        assert!(msg.starts_with("0/2 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 1 node(s) were unschedulable."), "{msg}");
        let daemon =
            json!({"metadata": {"name": "d"}, "spec": {"tolerations": crate::sim::daemonset::automatic_tolerations()}});
        assert_eq!(place(&daemon, &nodes), Ok("c1".into()));
        let node_doc = json!({"metadata": {"name": "c1"}, "spec": {"unschedulable": true}});
        let tainted = with_cordon_taint(&node_doc).unwrap();
        assert_eq!(tainted["spec"]["taints"][0]["key"], UNSCHEDULABLE_TAINT);
        assert!(with_cordon_taint(&tainted).is_none());
        let mut uncordoned = tainted.clone();
        uncordoned["spec"].as_object_mut().unwrap().remove("unschedulable");
        assert!(with_cordon_taint(&uncordoned).unwrap()["spec"].get("taints").is_none());
    }

    #[test]
    fn cpu_pods_avoid_tainted_and_not_ready_nodes() {
        let nodes = [node("g1", 8, 0, true, true), node("c1", 0, 0, false, false), node("c2", 0, 0, false, true)];
        let pod = json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "c"}]}});
        assert_eq!(place(&pod, &nodes), Ok("c2".into()));
    }
}
