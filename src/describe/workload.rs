//! `kubectl describe deployment` and the pod-template block, with old/new ReplicaSets picked as kubectl does.

use super::container::containers_block;
use super::pod::{topology_spread, volumes_block};
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, events_block, format_selector, int, int_or_string, labels_block, list, parse_time, rfc1123z,
    s, tolerations_block,
};
use serde_json::Value;

pub(crate) fn describe_deployment(d: &Value, owned: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(d, &["metadata"]);
    let spec = at(d, &["spec"]);
    let status = at(d, &["status"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    w.w(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(at(meta, &["creationTimestamp"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, &format!("Selector:\t{}\n", format_selector(at(spec, &["selector"]))));
    let desired = at(spec, &["replicas"]).as_i64().unwrap_or(1);
    w.w(
        0,
        &format!(
            "Replicas:\t{desired} desired | {} updated | {} total | {} available | {} unavailable\n",
            int(status, &["updatedReplicas"]),
            int(status, &["replicas"]),
            int(status, &["availableReplicas"]),
            int(status, &["unavailableReplicas"])
        ),
    );
    w.w(0, &format!("StrategyType:\t{}\n", s(spec, &["strategy", "type"])));
    w.w(0, &format!("MinReadySeconds:\t{}\n", int(spec, &["minReadySeconds"])));
    let ru = at(spec, &["strategy", "rollingUpdate"]);
    if !ru.is_null() {
        w.w(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                int_or_string(at(ru, &["maxUnavailable"])),
                int_or_string(at(ru, &["maxSurge"]))
            ),
        );
    }
    pod_template(&mut w, at(spec, &["template"]));
    conditions_block(&mut w, list(status, &["conditions"]));
    let (old, new) = replica_sets(d, owned);
    if !old.is_empty() || new.is_some() {
        w.w(0, &format!("OldReplicaSets:\t{}\n", rs_list(&old)));
        w.w(0, &format!("NewReplicaSet:\t{}\n", rs_list(&new.into_iter().collect::<Vec<_>>())));
    }
    events_block(&mut w, events, now);
    w.finish()
}

/// The `Type  Status  Reason` conditions table of Deployments and ReplicaSets; nothing when there are none.
pub(super) fn conditions_block(w: &mut Out, conditions: &[Value]) {
    if conditions.is_empty() {
        return;
    }
    w.w(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.w(1, "----\t------\t------\n");
    for c in conditions {
        w.w(1, &format!("{} \t{}\t{}\n", s(c, &["type"]), s(c, &["status"]), s(c, &["reason"])));
    }
}

/// `DescribePodTemplate`.
pub(super) fn pod_template(w: &mut Out, template: &Value) {
    w.w(0, "Pod Template:\n");
    if template.is_null() {
        w.w(1, "<unset>");
        return;
    }
    let meta = at(template, &["metadata"]);
    let spec = at(template, &["spec"]);
    labels_block(w, "  Labels", at(meta, &["labels"]));
    if at(meta, &["annotations"]).as_object().is_some_and(|m| !m.is_empty()) {
        annotations_block(w, "  Annotations", at(meta, &["annotations"]));
    }
    let sa = s(spec, &["serviceAccountName"]);
    if !sa.is_empty() {
        w.w(1, &format!("Service Account:\t{sa}\n"));
    }
    let init = list(spec, &["initContainers"]);
    if !init.is_empty() {
        containers_block(w, "Init Containers", init, &[], None, "  ");
    }
    containers_block(w, "Containers", list(spec, &["containers"]), &[], None, "  ");
    volumes_block(w, list(spec, &["volumes"]), "  ");
    topology_spread(w, list(spec, &["topologySpreadConstraints"]), "  ");
    let pc = s(spec, &["priorityClassName"]);
    if !pc.is_empty() {
        w.w(1, &format!("Priority Class Name:\t{pc}\n"));
    }
    labels_block(w, "  Node-Selectors", at(spec, &["nodeSelector"]));
    tolerations_block(w, "  Tolerations", list(spec, &["tolerations"]));
}

/// `name (3/3 replicas created)`, comma-joined, `<none>` when empty.
fn rs_list(sets: &[&Value]) -> String {
    if sets.is_empty() {
        return "<none>".to_string();
    }
    sets.iter()
        .map(|rs| {
            let replicas = at(rs, &["spec", "replicas"]).as_i64().unwrap_or(1);
            format!(
                "{} ({}/{replicas} replicas created)",
                s(rs, &["metadata", "name"]),
                int(rs, &["status", "replicas"])
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// All old ReplicaSets and the new one: those the deployment controls, oldest first (then by name); the new one
/// is the first whose pod template equals the deployment's ignoring `pod-template-hash`.
fn replica_sets<'a>(d: &Value, owned: &'a [Value]) -> (Vec<&'a Value>, Option<&'a Value>) {
    let uid = s(d, &["metadata", "uid"]);
    let name = s(d, &["metadata", "name"]);
    let mut controlled: Vec<&Value> = owned
        .iter()
        .filter(|rs| {
            list(rs, &["metadata", "ownerReferences"]).iter().any(|r| {
                r.get("controller").and_then(Value::as_bool) == Some(true)
                    && if uid.is_empty() {
                        s(r, &["kind"]) == "Deployment" && s(r, &["name"]) == name
                    } else {
                        s(r, &["uid"]) == uid
                    }
            })
        })
        .collect();
    controlled.sort_by(|a, b| {
        let t = |x: &Value| parse_time(at(x, &["metadata", "creationTimestamp"])).unwrap_or(i128::MIN);
        t(a).cmp(&t(b)).then_with(|| s(a, &["metadata", "name"]).cmp(s(b, &["metadata", "name"])))
    });
    let want = normalized_template(at(d, &["spec", "template"]));
    let new = controlled.iter().copied().find(|rs| normalized_template(at(rs, &["spec", "template"])) == want);
    let old = controlled
        .into_iter()
        .filter(|rs| {
            new.is_none_or(|n| {
                let rs_uid = s(rs, &["metadata", "uid"]);
                !std::ptr::eq(*rs, n) && (rs_uid.is_empty() || rs_uid != s(n, &["metadata", "uid"]))
            })
        })
        .collect();
    (old, new)
}

/// A template for semantic comparison: `pod-template-hash` dropped, and null/empty values (which Go's semantic
/// equality treats as absent) removed.
fn normalized_template(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        labels.remove("pod-template-hash");
    }
    prune(&mut t);
    t
}

fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                prune(child);
            }
            m.retain(|_, c| !is_empty(c));
        }
        Value::Array(a) => a.iter_mut().for_each(prune),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}
