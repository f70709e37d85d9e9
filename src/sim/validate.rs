//! Object validation the apiserver does before storing: names, labels, type checks and per-kind rules; pure.

use serde_json::Value;

use super::error::ApiError;
use super::object;
use super::resources::{self, ResourceId};
use super::scale::json_type;
use crate::selector::{LabelSelector, is_qualified_name};

/// Checks an object about to be stored: 400 for values of the wrong JSON type (what Go's decoder rejects),
/// 422 with one cause per problem otherwise.
pub fn check(res: ResourceId, obj: &Value) -> Result<(), ApiError> {
    let resource = resources::get(res);
    let name = object::name(obj);
    check_types(res, obj)?;
    let mut causes: Vec<(String, String)> = Vec::new();
    let dns_label = matches!(res, resources::NAMESPACES | resources::SERVICES);
    if name.is_empty() {
        causes.push(("metadata.name".into(), "Required value: name or generateName is required".into()));
    } else if let Some(why) = if dns_label { dns1123_label(name) } else { dns1123_subdomain(name) } {
        causes.push(("metadata.name".into(), format!("Invalid value: \"{name}\": {why}")));
    }
    for (k, v) in object::string_map(&obj["metadata"]["labels"]) {
        if LabelSelector::parse(&format!("{k}={v}")).is_err() || (!v.is_empty() && !is_qualified_name(&v)) {
            causes.push(("metadata.labels".to_string(), format!("Invalid value: \"{v}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")));
        }
    }
    match res {
        resources::PODS => pod_spec(&obj["spec"], "spec", &mut causes),
        resources::DEPLOYMENTS | resources::STATEFULSETS | resources::REPLICASETS => workload(obj, &mut causes),
        resources::JOBS => job(obj, &mut causes),
        resources::CRDS => super::crd::validate(obj, &mut causes),
        _ => {}
    }
    if causes.is_empty() { Ok(()) } else { Err(ApiError::invalid(resource, name, &causes)) }
}

/// The Go decoder's message for a field of the wrong type.
fn type_error(go_type: &str, field: &str, want: &str, got: &Value) -> ApiError {
    ApiError::bad_request(format!(
        "json: cannot unmarshal {} into Go struct field {go_type}.{field} of type {want}",
        json_type(got)
    ))
}

fn check_types(res: ResourceId, obj: &Value) -> Result<(), ApiError> {
    let meta = &obj["metadata"];
    if !meta.is_object() {
        return Err(type_error("ObjectMeta", "metadata", "v1.ObjectMeta", meta));
    }
    for field in ["labels", "annotations"] {
        let v = &meta[field];
        if !v.is_null() && !v.as_object().is_some_and(|m| m.values().all(Value::is_string)) {
            return Err(type_error("ObjectMeta", &format!("metadata.{field}"), "map[string]string", v));
        }
    }
    if matches!(res, resources::DEPLOYMENTS | resources::STATEFULSETS | resources::REPLICASETS) {
        let r = &obj["spec"]["replicas"];
        if !r.is_null() && !r.is_i64() {
            return Err(type_error("DeploymentSpec", "spec.replicas", "int32", r));
        }
    }
    if res == resources::CONFIGMAPS {
        let d = &obj["data"];
        if !d.is_null() && !d.as_object().is_some_and(|m| m.values().all(Value::is_string)) {
            return Err(type_error("ConfigMap", "data", "map[string]string", d));
        }
    }
    Ok(())
}

fn pod_spec(spec: &Value, at: &str, causes: &mut Vec<(String, String)>) {
    let containers = spec["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    if containers.is_empty() {
        causes.push((format!("{at}.containers"), "Required value".into()));
    }
    for (i, c) in containers.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or_default();
        if name.is_empty() {
            causes.push((format!("{at}.containers[{i}].name"), "Required value".into()));
        } else if let Some(why) = dns1123_label(name) {
            causes.push((format!("{at}.containers[{i}].name"), format!("Invalid value: \"{name}\": {why}")));
        }
        if c["image"].as_str().unwrap_or_default().trim().is_empty() {
            causes.push((format!("{at}.containers[{i}].image"), "Required value".into()));
        }
    }
}

fn workload(obj: &Value, causes: &mut Vec<(String, String)>) {
    let spec = &obj["spec"];
    if let Some(r) = spec["replicas"].as_i64().filter(|r| *r < 0) {
        causes.push(("spec.replicas".into(), format!("Invalid value: {r}: must be greater than or equal to 0")));
    }
    let selector = object::string_map(&spec["selector"]["matchLabels"]);
    if selector.is_empty() && spec["selector"]["matchExpressions"].is_null() {
        causes.push(("spec.selector".into(), "Required value".into()));
    } else {
        let labels = object::string_map(&spec["template"]["metadata"]["labels"]);
        if !LabelSelector::from_map(&selector).matches(&labels) {
            causes.push((
                "spec.template.metadata.labels".into(),
                "Invalid value: `selector` does not match template `labels`".into(),
            ));
        }
    }
    pod_spec(&spec["template"]["spec"], "spec.template.spec", causes);
}

fn job(obj: &Value, causes: &mut Vec<(String, String)>) {
    let spec = &obj["spec"]["template"]["spec"];
    match spec["restartPolicy"].as_str() {
        Some("Never" | "OnFailure") => {}
        other => causes.push((
            "spec.template.spec.restartPolicy".into(),
            format!("Unsupported value: \"{}\": supported values: \"OnFailure\", \"Never\"", other.unwrap_or_default()),
        )),
    }
    for field in ["completions", "parallelism", "backoffLimit"] {
        if let Some(n) = obj["spec"][field].as_i64().filter(|n| *n < 0) {
            causes.push((format!("spec.{field}"), format!("Invalid value: {n}: must be greater than or equal to 0")));
        }
    }
    pod_spec(spec, "spec.template.spec", causes);
}

/// None when `s` is a valid DNS-1123 label, else the reason.
pub fn dns1123_label(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    (!ok).then_some("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character")
}

/// None when `s` is a valid DNS-1123 subdomain, else the reason.
pub fn dns1123_subdomain(s: &str) -> Option<&'static str> {
    let ok = !s.is_empty() && s.len() <= 253 && s.split('.').all(|part| dns1123_label(part).is_none());
    (!ok).then_some("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(replicas: Value, labels: Value) -> Value {
        json!({"metadata": {"name": "web"}, "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    }

    #[test]
    fn accepts_a_valid_deployment_and_rejects_bad_ones() {
        assert!(check(resources::DEPLOYMENTS, &deploy(json!(2), json!({"app": "web"}))).is_ok());
        let e = check(resources::DEPLOYMENTS, &deploy(json!(-1), json!({"app": "db"}))).unwrap_err();
        assert_eq!(e.code, 422);
        let fields: Vec<&str> = e.details.as_ref().unwrap()["causes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["spec.replicas", "spec.template.metadata.labels"]);
        let t = check(resources::DEPLOYMENTS, &deploy(json!("three"), json!({"app": "web"}))).unwrap_err();
        assert_eq!(
            (t.code, t.message.as_str()),
            (400, "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32")
        );
    }

    #[test]
    fn names_and_pods() {
        let bad = json!({"metadata": {"name": "Bad_Name"}, "spec": {"containers": []}});
        let e = check(resources::PODS, &bad).unwrap_err();
        let causes = e.details.unwrap()["causes"].as_array().unwrap().len();
        assert_eq!(causes, 2);
        assert!(check(resources::CONFIGMAPS, &json!({"metadata": {"name": "a.b-c"}})).is_ok());
        assert!(check(resources::NAMESPACES, &json!({"metadata": {"name": "a.b"}})).is_err());
        assert_eq!(
            check(resources::CONFIGMAPS, &json!({"metadata": {"name": "x"}, "data": {"n": 1}})).unwrap_err().code,
            400
        );
        let job = json!({"metadata": {"name": "j"}, "spec": {"template": {"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "i"}]}}}});
        assert_eq!(check(resources::JOBS, &job).unwrap_err().code, 422);
    }
}
