//! The layer under the pods → what triage judges nodes by besides their conditions: which DaemonSet is the CNI
//! (by its name, or by installing into `/etc/cni/net.d`), and when each kubelet last renewed its Lease. At the
//! edge; no IO.

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::coordination::v1::Lease;

use super::ObjectId;
use crate::sanitize::clean;

/// Where CNI plugins write their network configuration on the host.
const CNI_CONFIG_DIR: &str = "/etc/cni/net.d";

/// The DaemonSets of the CNIs operators meet, by the name their manifests give them, and the plugin's name.
const KNOWN_CNIS: &[(&str, &str)] = &[
    ("calico-node", "calico"),
    ("kube-flannel-ds", "flannel"),
    ("kube-flannel", "flannel"),
    ("weave-net", "weave"),
    ("cilium", "cilium"),
    ("aws-node", "aws-vpc-cni"),
    ("canal", "canal"),
    ("kube-router", "kube-router"),
    ("antrea-agent", "antrea"),
];

/// A DaemonSet, and the network plugin it installs if it is the cluster's CNI.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSetFacts {
    pub id: ObjectId,
    /// calico, flannel… or the DaemonSet's name when only its hostPath says it is a CNI; None for other agents.
    pub cni: Option<String>,
    /// While a rolling update is under way: (nodes running the current template, nodes that should).
    pub rolling: Option<(i32, i32)>,
}

impl DaemonSetFacts {
    pub fn from_daemonset(d: &DaemonSet) -> Self {
        let id = ObjectId::of(&d.metadata);
        let known = KNOWN_CNIS.iter().find(|(name, _)| id.name == *name).map(|(_, plugin)| plugin.to_string());
        let volumes = d.spec.template.spec.as_ref().and_then(|s| s.volumes.as_ref());
        let installs = volumes
            .into_iter()
            .flatten()
            .any(|v| v.host_path.as_ref().is_some_and(|h| h.path.trim_end_matches('/').ends_with(CNI_CONFIG_DIR)));
        let cni = known.or_else(|| installs.then(|| id.name.clone()));
        let rolling = d.status.as_ref().and_then(|s| {
            let updated = s.updated_number_scheduled.unwrap_or(0);
            (updated < s.desired_number_scheduled).then_some((updated, s.desired_number_scheduled))
        });
        DaemonSetFacts { id, cni, rolling }
    }
}

/// A kubelet's heartbeat: the Lease named after its node in `kube-node-lease`.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaseFacts {
    pub id: ObjectId,
    /// The node it is the heartbeat of (the Lease's name).
    pub node: String,
    /// `spec.renewTime` in unix seconds; None before the first renewal.
    pub renewed: Option<i64>,
    /// `spec.leaseDurationSeconds` (the kubelet sets 40).
    pub duration: i64,
}

impl LeaseFacts {
    pub fn from_lease(l: &Lease) -> Self {
        let spec = l.spec.as_ref();
        let id = ObjectId::of(&l.metadata);
        LeaseFacts {
            node: clean(&id.name),
            id,
            renewed: spec.and_then(|s| s.renew_time.as_ref()).map(|t| t.0.as_second()),
            duration: spec.and_then(|s| s.lease_duration_seconds).map_or(40, i64::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn daemonset(name: &str, host_path: &str) -> DaemonSet {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "kube-system", "uid": "d1"},
            "spec": {"selector": {"matchLabels": {"k8s-app": name}}, "template": {"metadata": {"labels": {"k8s-app": name}},
                "spec": {"containers": [{"name": "agent", "image": "x"}],
                    "volumes": [{"name": "cni", "hostPath": {"path": host_path}}]}}}}))
        .unwrap()
    }

    #[test]
    fn a_cni_is_known_by_name_or_by_installing_into_the_cni_config_dir() {
        let cni = |name, path| DaemonSetFacts::from_daemonset(&daemonset(name, path)).cni;
        assert_eq!(cni("calico-node", "/var/lib/calico").as_deref(), Some("calico"));
        assert_eq!(cni("acme-net", "/etc/cni/net.d/").as_deref(), Some("acme-net"));
        assert_eq!(cni("kube-proxy", "/run/xtables.lock"), None);
    }
}
