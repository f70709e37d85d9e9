//! A manifest's objects against the cluster's: missing, drifted (a field the manifest sets holds another value
//! live), in sync, or unreadable (the reason, a 403 naming the verb). Pure; the fetching is in `effects/helm.rs`.

use serde_json::Value;

use crate::model::Health;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LiveState {
    Missing,
    Drifted,
    Unreadable,
    InSync,
}

impl LiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Missing => "missing",
            LiveState::Drifted => "drifted",
            LiveState::Unreadable => "unreadable",
            LiveState::InSync => "in sync",
        }
    }

    pub fn health(self) -> Health {
        match self {
            LiveState::Missing => Health::Error,
            LiveState::Drifted | LiveState::Unreadable => Health::Warn,
            LiveState::InSync => Health::Ok,
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
}
