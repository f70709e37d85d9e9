//! The kubelet's node Lease in `kube-node-lease`: the object its lease controller creates (owned by its Node, held
//! by the node's name, no acquireTime) and each renewal's new renewTime; pure.

use serde_json::{Value, json};

use super::clock;
use super::object;

pub const NAMESPACE: &str = "kube-node-lease";
/// The kubelet's `--node-lease-duration-seconds` default.
pub const DURATION_S: i64 = 40;
/// The kubelet renews a quarter of the way through the lease.
pub const RENEW_INTERVAL_S: f64 = DURATION_S as f64 / 4.0;
/// `wait.JitterUntil`'s factor on the renew interval.
pub const RENEW_JITTER: f64 = 0.04;

/// The Lease a node's kubelet holds, last renewed at `renewed` (unix seconds).
pub fn for_node(node: &Value, renewed: f64) -> Value {
    let name = object::name(node);
    json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": NAMESPACE,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}]},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": DURATION_S, "renewTime": clock::rfc3339_micros(renewed)},
    })
}

/// The lease renewed at `at`.
pub fn renewed(lease: &Value, at: f64) -> Value {
    let mut next = lease.clone();
    object::obj_mut(&mut next, "spec").insert("renewTime".into(), json!(clock::rfc3339_micros(at)));
    next
}

/// When the lease was last renewed.
pub fn renew_time(lease: &Value) -> Option<f64> {
    lease["spec"]["renewTime"].as_str().and_then(clock::parse_rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_lease_is_held_by_its_node_and_renews_in_microseconds() {
        let node = json!({"metadata": {"name": "gpu-1", "uid": "n-1"}});
        let lease = for_node(&node, 1_795_510_500.25);
        assert_eq!(
            lease["metadata"]["ownerReferences"][0],
            json!({"apiVersion": "v1", "kind": "Node", "name": "gpu-1", "uid": "n-1"})
        );
        assert_eq!(lease["spec"]["holderIdentity"], "gpu-1");
        assert_eq!(lease["spec"]["renewTime"], "2026-11-24T08:55:00.250000Z");
        assert!(lease["spec"].get("acquireTime").is_none(), "the kubelet never sets acquireTime");
        let later = renewed(&lease, 1_795_510_510.5);
        assert_eq!(renew_time(&later), Some(1_795_510_510.5));
    }
}
