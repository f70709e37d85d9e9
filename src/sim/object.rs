//! A stored object: its compact JSON plus the few fields indexed for selectors and ownership; metadata helpers.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value;

use super::resources::{self, ResourceId};

/// What the store keeps per object. JSON is kept serialized (a 50k-pod cluster in `Value`s would not fit the
/// memory budget), with what selectors and controllers read extracted once at write time.
#[derive(Debug)]
pub struct Stored {
    pub json: Bytes,
    pub rv: u64,
    pub uid: String,
    pub labels: BTreeMap<String, String>,
    /// uid of the controller owner reference, for the replica/job controllers and cascading delete.
    pub owner_uid: Option<String>,
    /// Values of the resource's selectable fields, in the order of `ResourceType::fields`.
    pub fields: Vec<String>,
    /// `nvidia.com/gpu` a pod asks for (0 for everything else): the scheduler and DCGM read it for every pod.
    pub gpus: u32,
    /// Millicores a pod's `sim.gpudeck.io/cpu-usage` annotation fixes its CPU usage at (0: the seeded model).
    pub cpu_usage: u32,
    /// The object's Ready condition is True (pods and nodes).
    pub ready: bool,
    /// metadata.deletionTimestamp is set.
    pub terminating: bool,
}

impl Stored {
    /// Indexes and serializes a value whose metadata.resourceVersion is already set.
    pub fn new(res: ResourceId, value: &Value, rv: u64) -> Self {
        let meta = &value["metadata"];
        let labels = string_map(&meta["labels"]);
        let owner_uid = meta["ownerReferences"].as_array().and_then(|refs| {
            refs.iter()
                .find(|r| r["controller"].as_bool() == Some(true))
                .and_then(|r| r["uid"].as_str())
                .map(str::to_string)
        });
        let fields = resources::get(res).fields.iter().map(|(_, path)| scalar_text(value.pointer(path))).collect();
        Stored {
            json: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            rv,
            uid: meta["uid"].as_str().unwrap_or_default().to_string(),
            labels,
            owner_uid,
            fields,
            gpus: gpu_request(&value["spec"]),
            cpu_usage: meta["annotations"][super::metrics::CPU_USAGE]
                .as_str()
                .and_then(crate::model::cpu_milli)
                .map_or(0, |m| m.min(u64::from(u32::MAX)) as u32),
            ready: value["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True")),
            terminating: meta["deletionTimestamp"].is_string(),
        }
    }

    /// Parses the stored JSON back into a value.
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// The value of a selectable field label (name and namespace come from the key).
    pub fn field(&self, res: ResourceId, label: &str) -> Option<&str> {
        resources::get(res).fields.iter().position(|(name, _)| *name == label).map(|i| self.fields[i].as_str())
    }
}

/// Sum of `nvidia.com/gpu` over a pod spec's containers (limits, else requests; extended resources need both equal).
pub fn gpu_request(pod_spec: &Value) -> u32 {
    let Some(containers) = pod_spec["containers"].as_array() else { return 0 };
    containers.iter().map(container_gpus).sum()
}

/// `nvidia.com/gpu` one container asks for (limits, else requests).
pub fn container_gpus(container: &Value) -> u32 {
    let r = &container["resources"];
    let q = if r["limits"][GPU].is_null() { &r["requests"][GPU] } else { &r["limits"][GPU] };
    match q {
        Value::Number(n) => n.as_u64().unwrap_or(0) as u32,
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

pub const GPU: &str = "nvidia.com/gpu";

/// Text of a scalar the way field selectors compare it ("" when absent).
fn scalar_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A `{string: string}` JSON map as a BTreeMap (other values are skipped).
pub fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

pub fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn namespace(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or_default()
}

/// Ensures `v[key]` is an object and returns it mutably (creating or replacing a non-object).
pub fn obj_mut<'a>(v: &'a mut Value, key: &str) -> &'a mut serde_json::Map<String, Value> {
    if !v[key].is_object() {
        v[key] = Value::Object(serde_json::Map::new());
    }
    match &mut v[key] {
        Value::Object(map) => map,
        _ => unreachable!("just made an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::PODS;
    use serde_json::json;

    #[test]
    fn indexes_labels_owner_and_fields() {
        let pod = json!({
            "metadata": {"name": "p", "uid": "u1", "labels": {"app": "web", "n": 3},
                "ownerReferences": [{"uid": "rs1", "controller": true}]},
            "spec": {"nodeName": "node-1", "containers": [{"resources": {"limits": {"nvidia.com/gpu": "2"}}}, {"resources": {"requests": {"nvidia.com/gpu": 1}}}]},
            "status": {"phase": "Running"}
        });
        let s = Stored::new(PODS, &pod, 9);
        assert_eq!(s.labels.get("app").map(String::as_str), Some("web"));
        assert!(!s.labels.contains_key("n"));
        assert_eq!(s.owner_uid.as_deref(), Some("rs1"));
        assert_eq!(s.field(PODS, "spec.nodeName"), Some("node-1"));
        assert_eq!(s.field(PODS, "status.podIP"), Some(""));
        assert_eq!(s.gpus, 3);
        assert_eq!(s.value(), pod);
    }
}
