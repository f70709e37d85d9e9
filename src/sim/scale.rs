//! The autoscaling/v1 Scale view of deployments, statefulsets and replicasets; pure.

use serde_json::{Value, json};

use super::error::ApiError;
use super::object;
use super::resources::ResourceType;

/// Renders the `scale` subresource of a workload.
pub fn to_scale(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": obj["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector_text(&obj["spec"]["selector"])},
    })
}

/// `app=web,tier=gpu` from a LabelSelector's matchLabels (what Scale.status.selector carries).
pub fn selector_text(selector: &Value) -> String {
    object::string_map(&selector["matchLabels"]).iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// Reads spec.replicas from a (patched) Scale and checks it.
pub fn replicas(resource: &ResourceType, name: &str, scale: &Value) -> Result<i64, ApiError> {
    match &scale["spec"]["replicas"] {
        Value::Number(n) => match n.as_i64() {
            Some(r) if r >= 0 => Ok(r),
            _ => Err(ApiError::invalid(
                resource,
                name,
                &[("spec.replicas".into(), format!("Invalid value: {n}: must be greater than or equal to 0"))],
            )),
        },
        Value::Null => Ok(0),
        other => Err(ApiError::bad_request(format!(
            "json: cannot unmarshal {} into Go struct field ScaleSpec.spec.replicas of type int32",
            json_type(other)
        ))),
    }
}

/// The Go decoder's name for a JSON value's type, for its error messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{self, DEPLOYMENTS};

    #[test]
    fn scale_view_and_replicas_checks() {
        let d = json!({"metadata": {"name": "web", "namespace": "a", "uid": "u", "resourceVersion": "5"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "tier": "gpu"}}}, "status": {"replicas": 2}});
        let s = to_scale(&d);
        assert_eq!(s["spec"]["replicas"], 3);
        assert_eq!(s["status"], json!({"replicas": 2, "selector": "app=web,tier=gpu"}));
        let r = resources::get(DEPLOYMENTS);
        assert_eq!(replicas(r, "web", &json!({"spec": {"replicas": 5}})).unwrap(), 5);
        assert_eq!(replicas(r, "web", &json!({"spec": {"replicas": -1}})).unwrap_err().code, 422);
        assert_eq!(replicas(r, "web", &json!({"spec": {"replicas": "x"}})).unwrap_err().code, 400);
    }
}
