//! The ControllerRevision table, as kube-apiserver 1.32's printers.go prints it; no IO.

use serde_json::{Value, json};

use super::{AGE, Column, NAME, age, column, list, name};

pub const CONTROLLER_REVISION_COLUMNS: &[Column] = &[
    NAME,
    column("Controller", "string", "Controller of the object"),
    Column {
        name: "Revision",
        kind: "integer",
        format: "",
        description: "Revision indicates the revision of the state represented by Data.",
        priority: 0,
    },
    AGE,
];

/// `daemonset.apps/kube-proxy` for the controlling owner (formatResourceName with its kind), `<none>` without one.
fn controller(obj: &Value) -> String {
    let Some(owner) = list(obj, "/metadata/ownerReferences").iter().find(|r| r["controller"] == true) else {
        return "<none>".into();
    };
    let kind = owner["kind"].as_str().unwrap_or_default().to_lowercase();
    let group = owner["apiVersion"].as_str().and_then(|v| v.split_once('/')).map(|(g, _)| g).unwrap_or_default();
    let name = owner["name"].as_str().unwrap_or_default();
    if group.is_empty() { format!("{kind}/{name}") } else { format!("{kind}.{group}/{name}") }
}

pub fn controller_revision_cells(obj: &Value, now: i64) -> Vec<Value> {
    vec![name(obj), json!(controller(obj)), json!(obj["revision"].as_i64().unwrap_or(0)), age(obj, now)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_name_their_controller() {
        let cr = json!({"metadata": {"name": "kube-proxy-abc", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy", "controller": true}]}, "revision": 2});
        assert_eq!(controller_revision_cells(&cr, 0)[1..3], [json!("daemonset.apps/kube-proxy"), json!(2)]);
        assert_eq!(controller(&json!({"metadata": {}})), "<none>");
    }
}
