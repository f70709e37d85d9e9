//! A manifest's objects against the cluster's: missing, drifted (a field the manifest sets holds another value
//! live), unhealthy (in step with the manifest, but its status says it is not serving: replicas not ready, a job
//! failed, a claim unbound), healthy, or unreadable (the reason, a 403 naming the verb). Pure; the fetching is in
//! `effects/helm.rs`.

use serde_json::Value;

use crate::model::Health;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LiveState {
    Missing,
    Drifted,
    Unhealthy,
    Unreadable,
    Healthy,
}

impl LiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Missing => "missing",
            LiveState::Drifted => "drifted",
            LiveState::Unhealthy => "unhealthy",
            LiveState::Unreadable => "unreadable",
            LiveState::Healthy => "healthy",
        }
    }

    pub fn health(self) -> Health {
        match self {
            LiveState::Missing | LiveState::Unhealthy => Health::Error,
            LiveState::Drifted | LiveState::Unreadable => Health::Warn,
            LiveState::Healthy => Health::Ok,
        }
    }
}

/// How the object is known in its view (apiVersion, kind, namespace, name) and how it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub state: LiveState,
    pub why: String,
}

/// The fields the manifest sets whose live value differs, as `path: manifest → live`, at most `limit` of them. The
/// server's additions (defaults, status, its metadata) are not drift; a list is compared item by item.
pub fn drift(manifest: &Value, live: &Value, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    compare("", manifest, live, &mut out, limit);
    out
}

fn compare(path: &str, want: &Value, have: &Value, out: &mut Vec<String>, limit: usize) {
    if out.len() >= limit {
        return;
    }
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => {
            for (key, value) in w {
                // The manifest rarely names its namespace; the apply puts the release's there.
                if path == ".metadata" && key == "namespace" {
                    continue;
                }
                let inner = format!("{path}.{key}");
                match h.get(key) {
                    Some(live) => compare(&inner, value, live, out, limit),
                    None if value.is_null() || empty(value) => {}
                    None => out.push(format!("{}: {} → (absent)", &inner[1..], short(value))),
                }
            }
        }
        (Value::Array(w), Value::Array(h)) if w.len() == h.len() => {
            for (i, (a, b)) in w.iter().zip(h).enumerate() {
                compare(&format!("{path}[{i}]"), a, b, out, limit);
            }
        }
        (Value::Array(w), Value::Array(h)) => {
            out.push(format!("{}: {} items → {}", path.trim_start_matches('.'), w.len(), h.len()))
        }
        (w, h) if same_scalar(w, h) => {}
        (w, h) => out.push(format!("{}: {} → {}", path.trim_start_matches('.'), short(w), short(h))),
    }
}

/// Why a live object is not serving, from its status, for the kinds a chart's health hangs on.
pub fn unhealthy(live: &Value) -> Option<String> {
    let status = &live["status"];
    let count = |v: &Value| v.as_i64().unwrap_or(0);
    match live["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            let (want, ready) = (live["spec"]["replicas"].as_i64().unwrap_or(1), count(&status["readyReplicas"]));
            (ready < want).then(|| format!("{ready} of {want} replicas ready"))
        }
        "DaemonSet" => {
            let (want, ready) = (count(&status["desiredNumberScheduled"]), count(&status["numberReady"]));
            (ready < want).then(|| format!("{ready} of {want} pods ready"))
        }
        "Job" => status["conditions"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == "Failed" && c["status"] == "True")
            .map(|c| format!("failed: {}", c["message"].as_str().or(c["reason"].as_str()).unwrap_or("")))
            .map(|why| why.trim_end_matches(": ").to_string()),
        "PersistentVolumeClaim" => {
            let phase = status["phase"].as_str().unwrap_or("Pending");
            (phase != "Bound").then(|| format!("claim {phase}"))
        }
        _ => None,
    }
}

fn empty(value: &Value) -> bool {
    value.as_object().is_some_and(|m| m.is_empty()) || value.as_array().is_some_and(|a| a.is_empty())
}

/// `8080` and `"8080"` are one value to YAML's writers and the API server's readers.
fn same_scalar(a: &Value, b: &Value) -> bool {
    a == b || (scalar_text(a).is_some() && scalar_text(a) == scalar_text(b))
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 40 { format!("{}…", text.chars().take(39).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drift_is_what_the_manifest_sets_and_the_cluster_changed() {
        let manifest = json!({"kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "web:2.4.0",
                "ports": [{"containerPort": "8080"}]}]}}}});
        let mut live = manifest.clone();
        live["metadata"]["namespace"] = json!("ml");
        live["metadata"]["uid"] = json!("u");
        live["status"] = json!({"replicas": 2});
        live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(8080);
        live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
        assert!(drift(&manifest, &live, 5).is_empty(), "{:?}", drift(&manifest, &live, 5));
        live["spec"]["replicas"] = json!(5);
        live["spec"]["template"]["spec"]["containers"][0]["image"] = json!("web:2.4.1");
        live["metadata"]["labels"] = json!({});
        assert_eq!(
            drift(&manifest, &live, 5),
            [
                "metadata.labels.app: web → (absent)",
                "spec.replicas: 2 → 5",
                "spec.template.spec.containers[0].image: web:2.4.0 → web:2.4.1"
            ]
        );
        assert_eq!(drift(&manifest, &live, 1).len(), 1);
    }

    #[test]
    fn unhealthy_says_what_is_not_ready() {
        let deploy = json!({"kind": "Deployment", "spec": {"replicas": 2}, "status": {"readyReplicas": 0}});
        assert_eq!(unhealthy(&deploy).as_deref(), Some("0 of 2 replicas ready"));
        let ready = json!({"kind": "Deployment", "spec": {"replicas": 2}, "status": {"readyReplicas": 2}});
        assert_eq!(unhealthy(&ready), None);
        let job = json!({"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}});
        assert_eq!(unhealthy(&job).as_deref(), Some("failed: BackoffLimitExceeded"));
        assert_eq!(
            unhealthy(&json!({"kind": "PersistentVolumeClaim", "status": {}})).as_deref(),
            Some("claim Pending")
        );
        assert_eq!(unhealthy(&json!({"kind": "ConfigMap"})), None);
    }
}
