//! The pods/ephemeralcontainers subresource: a write keeps only its `spec.ephemeralContainers`; containers may be
//! added but never changed or removed, and names stay unique across the pod (kube-apiserver's validation). The
//! kubelet's start of each new container is recorded in `status.ephemeralContainerStatuses` at once.

use serde_json::{Value, json};

use super::clock;
use super::error::ApiError;
use super::resources;

fn invalid(pod: &str, field: String, message: String) -> ApiError {
    ApiError::invalid(resources::get(resources::PODS), pod, &[(field, message)])
}

/// The stored pod after a write of `written` (the whole pod, as the client sent or the patch made it) to its
/// ephemeral containers.
pub fn with_ephemeral_containers(old: &Value, written: &Value, pod: &str) -> Result<Value, ApiError> {
    let listed = |v: &Value, field: &str| v["spec"][field].as_array().cloned().unwrap_or_default();
    let (before, after) = (listed(old, "ephemeralContainers"), listed(written, "ephemeralContainers"));
    for existing in &before {
        let name = existing["name"].as_str().unwrap_or_default();
        match after.iter().find(|c| c["name"] == existing["name"]) {
            None => {
                return Err(invalid(
                    pod,
                    "spec.ephemeralContainers".into(),
                    format!("Forbidden: existing ephemeral containers \"{name}\" may not be removed"),
                ));
            }
            Some(now) if now != existing => {
                return Err(invalid(
                    pod,
                    "spec.ephemeralContainers".into(),
                    format!("Forbidden: existing ephemeral containers \"{name}\" may not be changed"),
                ));
            }
            Some(_) => {}
        }
    }
    let regular: Vec<Value> = [listed(old, "containers"), listed(old, "initContainers")].concat();
    for (i, added) in after.iter().enumerate().filter(|(_, c)| !before.iter().any(|b| b["name"] == c["name"])) {
        let name = added["name"].as_str().unwrap_or_default();
        if name.is_empty() {
            return Err(invalid(pod, format!("spec.ephemeralContainers[{i}].name"), "Required value".into()));
        }
        if added["image"].as_str().is_none_or(str::is_empty) {
            return Err(invalid(pod, format!("spec.ephemeralContainers[{i}].image"), "Required value".into()));
        }
        if regular.iter().any(|c| c["name"] == name) {
            return Err(invalid(
                pod,
                format!("spec.ephemeralContainers[{i}].name"),
                format!("Duplicate value: \"{name}\""),
            ));
        }
        if let Some(target) = added["targetContainerName"].as_str()
            && !old["spec"]["containers"].as_array().into_iter().flatten().any(|c| c["name"] == target)
        {
            return Err(invalid(
                pod,
                format!("spec.ephemeralContainers[{i}].targetContainerName"),
                format!("Not found: \"{target}\""),
            ));
        }
    }
    let mut pod_now = old.clone();
    pod_now["spec"]["ephemeralContainers"] = json!(after);
    let mut statuses = old["status"]["ephemeralContainerStatuses"].as_array().cloned().unwrap_or_default();
    let started = clock::rfc3339(clock::now());
    for c in &after {
        if !statuses.iter().any(|s| s["name"] == c["name"]) {
            let name = c["name"].as_str().unwrap_or_default();
            statuses.push(json!({
                "name": name,
                "image": c["image"],
                "imageID": "",
                "containerID": format!("containerd://{:016x}", super::rng::hash(&format!("{pod}/{name}"))),
                "ready": false,
                "restartCount": 0,
                "state": {"running": {"startedAt": started}},
                "lastState": {},
            }));
        }
    }
    if after.is_empty() {
        if let Some(spec) = pod_now["spec"].as_object_mut() {
            spec.remove("ephemeralContainers");
        }
    } else {
        pod_now["status"]["ephemeralContainerStatuses"] = json!(statuses);
    }
    Ok(pod_now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Value {
        json!({"metadata": {"name": "web"}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}, "status": {}})
    }

    fn with(containers: Value) -> Value {
        let mut p = pod();
        p["spec"]["ephemeralContainers"] = containers;
        p
    }

    #[test]
    fn an_added_container_is_started_and_kept() {
        let added = json!([{"name": "debugger-0", "image": "busybox", "targetContainerName": "main"}]);
        let out = with_ephemeral_containers(&pod(), &with(added.clone()), "web").unwrap();
        assert_eq!(out["spec"]["ephemeralContainers"], added);
        let status = &out["status"]["ephemeralContainerStatuses"][0];
        assert_eq!(status["name"], "debugger-0");
        assert!(status["state"]["running"]["startedAt"].is_string());
    }

    #[test]
    fn existing_containers_cannot_change_or_go_and_names_are_unique() {
        let old = with_ephemeral_containers(&pod(), &with(json!([{"name": "d", "image": "busybox"}])), "web").unwrap();
        let message =
            |r: Result<Value, ApiError>| r.unwrap_err().status()["message"].as_str().unwrap_or_default().to_string();
        assert!(message(with_ephemeral_containers(&old, &pod(), "web")).contains("may not be removed"));
        let changed = with(json!([{"name": "d", "image": "alpine"}]));
        assert!(message(with_ephemeral_containers(&old, &changed, "web")).contains("may not be changed"));
        let clash = with(json!([{"name": "main", "image": "busybox"}]));
        assert!(message(with_ephemeral_containers(&pod(), &clash, "web")).contains("Duplicate value: \"main\""));
        let stray = with(json!([{"name": "d", "image": "busybox", "targetContainerName": "nope"}]));
        assert!(message(with_ephemeral_containers(&pod(), &stray, "web")).contains("Not found: \"nope\""));
    }
}
