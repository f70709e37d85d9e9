//! Node → NodeRow: readiness and pressure, roles, pool and GPU product, versions, taints, GPU allocatable.

use k8s_openapi::api::core::v1::Node;

use super::{GPU, Health, ObjectId, created, labels};
use crate::sanitize::clean;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeRow {
    pub id: ObjectId,
    /// Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned.
    pub status: String,
    pub health: Health,
    /// Conditions other than Ready that are True (DiskPressure, MemoryPressure, PIDPressure…).
    pub pressure: Vec<String>,
    pub roles: String,
    /// The pool label, else the instance type.
    pub pool: String,
    pub gpu_product: String,
    pub gpu_capacity: u32,
    pub gpu_allocatable: u32,
    /// Allocatable CPU (millicores) and memory (bytes), the denominators of the use percentages.
    pub cpu_allocatable: u64,
    pub mem_allocatable: u64,
    pub created: i64,
    pub kubelet: String,
    pub runtime: String,
    pub taints: Vec<String>,
    /// `linux/amd64`: what images pulled here must be built for (empty when the node does not say).
    pub platform: String,
    /// The last validation's verdict (`pass`, `fail`), from the `gpudeck.io/validated` label.
    pub validated: Option<String>,
}

/// The label a validation's verdict sets on the node: `pass` or `fail`.
pub const VALIDATED_LABEL: &str = "gpudeck.io/validated";

const POOL_LABELS: [&str; 3] = ["gpudeck.io/pool", "cloud.google.com/gke-nodepool", "eks.amazonaws.com/nodegroup"];

impl NodeRow {
    pub fn from_node(node: &Node) -> Self {
        let labels = labels(&node.metadata);
        let status = node.status.as_ref();
        let conditions = status.and_then(|s| s.conditions.clone()).unwrap_or_default();
        let ready = conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status.as_str());
        let mut text = match ready {
            Some("True") => "Ready".to_string(),
            Some("False") => "NotReady".to_string(),
            _ => "Unknown".to_string(),
        };
        let cordoned = node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false);
        if cordoned {
            text.push_str(",SchedulingDisabled");
        }
        let pressure: Vec<String> =
            conditions.iter().filter(|c| c.type_ != "Ready" && c.status == "True").map(|c| clean(&c.type_)).collect();
        let health = match (ready, pressure.is_empty(), cordoned) {
            (Some("True"), true, false) => Health::Ok,
            (Some("True"), _, _) => Health::Warn,
            _ => Health::Error,
        };
        let mut roles: Vec<&str> = labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
            .chain(labels.get("kubernetes.io/role").map(String::as_str))
            .collect();
        roles.sort_unstable();
        roles.dedup();
        let pool = POOL_LABELS
            .iter()
            .find_map(|l| labels.get(*l))
            .or_else(|| labels.get("node.kubernetes.io/instance-type"))
            .cloned()
            .unwrap_or_default();
        let info = status.and_then(|s| s.node_info.as_ref());
        let taints = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_ref())
            .map(|ts| ts.iter().map(|t| clean(&format!("{}:{}", t.key, t.effect))).collect())
            .unwrap_or_default();
        NodeRow {
            validated: labels.get(VALIDATED_LABEL).cloned(),
            id: ObjectId::of(&node.metadata),
            status: text,
            health,
            pressure,
            roles: if roles.is_empty() { "<none>".into() } else { roles.join(",") },
            pool,
            gpu_product: labels.get("nvidia.com/gpu.product").cloned().unwrap_or_default(),
            gpu_capacity: status
                .and_then(|s| s.capacity.as_ref())
                .and_then(|a| a.get(GPU))
                .and_then(|q| q.0.parse().ok())
                .unwrap_or(0),
            gpu_allocatable: status
                .and_then(|s| s.allocatable.as_ref())
                .and_then(|a| a.get(GPU))
                .and_then(|q| q.0.parse().ok())
                .unwrap_or(0),
            cpu_allocatable: status
                .and_then(|s| s.allocatable.as_ref())
                .and_then(|a| a.get("cpu"))
                .and_then(|q| super::cpu_milli(&q.0))
                .unwrap_or(0),
            mem_allocatable: status
                .and_then(|s| s.allocatable.as_ref())
                .and_then(|a| a.get("memory"))
                .and_then(|q| super::bytes(&q.0))
                .unwrap_or(0),
            created: created(&node.metadata),
            kubelet: clean(info.map(|i| i.kubelet_version.as_str()).unwrap_or_default()),
            runtime: clean(info.map(|i| i.container_runtime_version.as_str()).unwrap_or_default()),
            taints,
            platform: match info.map(|i| (i.operating_system.as_str(), i.architecture.as_str())) {
                Some((os, arch)) if !os.is_empty() && !arch.is_empty() => clean(&format!("{os}/{arch}")),
                _ => String::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gpu_node_with_pressure_and_taint() {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": "gpu-1", "uid": "n1", "labels": {"gpudeck.io/pool": "h100", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "node-role.kubernetes.io/worker": ""}},
            "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}], "unschedulable": true},
            "status": {"capacity": {"nvidia.com/gpu": "8"}, "allocatable": {"nvidia.com/gpu": "7"}, "conditions": [
                {"type": "DiskPressure", "status": "True"}, {"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.32.4", "containerRuntimeVersion": "containerd://1.7.27", "machineID": "", "systemUUID": "", "bootID": "",
                    "kernelVersion": "", "osImage": "", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}
        }))
        .unwrap();
        let row = NodeRow::from_node(&node);
        assert_eq!(row.status, "Ready,SchedulingDisabled");
        assert_eq!(row.health, Health::Warn);
        assert_eq!(row.pressure, ["DiskPressure"]);
        assert_eq!((row.roles.as_str(), row.pool.as_str(), row.gpu_allocatable), ("worker", "h100", 7));
        assert_eq!(row.gpu_capacity, 8, "a GPU the device plugin marks unhealthy leaves allocatable, not capacity");
        assert_eq!(row.taints, ["nvidia.com/gpu:NoSchedule"]);
        assert_eq!(row.kubelet, "v1.32.4");
    }
}
