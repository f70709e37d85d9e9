//! PersistentVolumeClaims, PersistentVolumes and the kubelet's stats summary → what triage judges storage by:
//! binding, capacity, the class asked for, and how full each mounted claim is. At the edge; no IO.

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};
use serde::Deserialize;

use super::{ObjectId, bytes, created};
use crate::sanitize::clean;

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimFacts {
    pub id: ObjectId,
    /// Pending, Bound or Lost.
    pub phase: String,
    pub class: Option<String>,
    /// What is bound (status.capacity), else what was asked (spec.resources.requests), in bytes.
    pub capacity: Option<u64>,
    /// `RWO,ROX`, as kubectl prints them.
    pub access_modes: String,
    pub volume: String,
    pub created: i64,
}

impl ClaimFacts {
    pub fn from_claim(c: &PersistentVolumeClaim) -> Self {
        let spec = c.spec.as_ref();
        let status = c.status.as_ref();
        let bound = status.and_then(|s| s.capacity.as_ref()).and_then(|m| m.get("storage"));
        let asked = spec.and_then(|s| s.resources.as_ref()?.requests.as_ref()?.get("storage"));
        let modes = spec.and_then(|s| s.access_modes.as_ref()).into_iter().flatten().map(|m| access_mode(m));
        ClaimFacts {
            id: ObjectId::of(&c.metadata),
            phase: clean(status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending")),
            class: spec.and_then(|s| s.storage_class_name.as_deref()).map(clean),
            capacity: bound.or(asked).and_then(|q| bytes(&q.0)),
            access_modes: modes.collect::<Vec<_>>().join(","),
            volume: clean(spec.and_then(|s| s.volume_name.as_deref()).unwrap_or_default()),
            created: created(&c.metadata),
        }
    }
}

/// kubectl's short access modes.
fn access_mode(mode: &str) -> String {
    match mode {
        "ReadWriteOnce" => "RWO".into(),
        "ReadOnlyMany" => "ROX".into(),
        "ReadWriteMany" => "RWX".into(),
        "ReadWriteOncePod" => "RWOP".into(),
        other => clean(other),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeFacts {
    pub id: ObjectId,
    /// Available, Bound, Released or Failed.
    pub phase: String,
    /// The claim it was bound to, as `namespace/name`.
    pub claim: Option<String>,
    pub reclaim: String,
    /// Why it failed (`status.message`).
    pub message: String,
    pub created: i64,
}

impl VolumeFacts {
    pub fn from_volume(v: &PersistentVolume) -> Self {
        let spec = v.spec.as_ref();
        let status = v.status.as_ref();
        let claim = spec.and_then(|s| s.claim_ref.as_ref()).map(|r| {
            format!(
                "{}/{}",
                clean(r.namespace.as_deref().unwrap_or_default()),
                clean(r.name.as_deref().unwrap_or_default())
            )
        });
        VolumeFacts {
            id: ObjectId::of(&v.metadata),
            phase: clean(status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending")),
            claim,
            reclaim: clean(spec.and_then(|s| s.persistent_volume_reclaim_policy.as_deref()).unwrap_or("Retain")),
            message: clean(status.and_then(|s| s.message.as_deref()).unwrap_or_default()),
            created: created(&v.metadata),
        }
    }
}

/// How full one mounted claim is, as the kubelet of the node it is mounted on reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeUsage {
    pub used: u64,
    pub capacity: u64,
}

impl VolumeUsage {
    pub fn percent(self) -> u64 {
        (self.used * 100).checked_div(self.capacity).unwrap_or(0)
    }
}

/// Each mounted claim's usage, keyed `(namespace, claim)`.
pub type ClaimUsage = Vec<((String, String), VolumeUsage)>;

/// The parts of the kubelet's `/stats/summary` this reads (it is large: containers, networks, filesystems).
#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    pods: Vec<PodStats>,
}

#[derive(Deserialize)]
struct PodStats {
    #[serde(default)]
    volume: Vec<VolumeStats>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VolumeStats {
    pvc_ref: Option<ClaimRef>,
    used_bytes: Option<u64>,
    capacity_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct ClaimRef {
    name: String,
    namespace: String,
}

/// Each claim's usage in one node's stats summary, keyed `(namespace, claim)`; a claim two pods mount once.
pub fn claim_usage(summary: &[u8]) -> Result<ClaimUsage, String> {
    let summary: Summary = serde_json::from_slice(summary).map_err(|e| format!("stats summary does not parse: {e}"))?;
    let mut out: Vec<((String, String), VolumeUsage)> = Vec::new();
    for v in summary.pods.iter().flat_map(|p| &p.volume) {
        let (Some(claim), Some(used), Some(capacity)) = (&v.pvc_ref, v.used_bytes, v.capacity_bytes) else { continue };
        let key = (clean(&claim.namespace), clean(&claim.name));
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, VolumeUsage { used, capacity }));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_gives_each_mounted_claim_once_and_skips_other_volumes() {
        let summary = serde_json::json!({"node": {"nodeName": "n1"}, "pods": [
            {"podRef": {"name": "a", "namespace": "ml", "uid": "1"}, "volume": [
                {"name": "data", "pvcRef": {"name": "ckpt", "namespace": "ml"}, "usedBytes": 93, "capacityBytes": 100},
                {"name": "kube-api-access", "usedBytes": 12, "capacityBytes": 100}]},
            {"podRef": {"name": "b", "namespace": "ml", "uid": "2"}, "volume": [
                {"name": "data", "pvcRef": {"name": "ckpt", "namespace": "ml"}, "usedBytes": 93, "capacityBytes": 100}]}]});
        let usage = claim_usage(summary.to_string().as_bytes()).unwrap();
        assert_eq!(usage, [(("ml".into(), "ckpt".into()), VolumeUsage { used: 93, capacity: 100 })]);
        assert_eq!(usage[0].1.percent(), 93);
        assert!(claim_usage(b"<html>").unwrap_err().starts_with("stats summary does not parse"));
    }

    #[test]
    fn a_claim_reports_what_is_bound_else_what_was_asked() {
        let claim: PersistentVolumeClaim = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "scratch", "namespace": "ml", "uid": "c1"},
            "spec": {"accessModes": ["ReadWriteOnce", "ReadOnlyMany"], "storageClassName": "fast-nvme",
                "resources": {"requests": {"storage": "2Ti"}}},
            "status": {"phase": "Pending"}}))
        .unwrap();
        let facts = ClaimFacts::from_claim(&claim);
        assert_eq!(facts.capacity, Some(2 * 1099511627776));
        assert_eq!((facts.phase.as_str(), facts.access_modes.as_str()), ("Pending", "RWO,ROX"));
        assert_eq!(facts.class.as_deref(), Some("fast-nvme"));
    }
}
