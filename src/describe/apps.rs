//! `kubectl describe` for ReplicaSets, StatefulSets and DaemonSets: counts, the pods they control, the template.

use super::pod::controller_of;
use super::quantity;
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, events_block, format_labels, format_selector, go_list, int, int_or_string, label_selector,
    labels_block, labels_block_indented, list, rfc1123z, s,
};
use super::workload::{conditions_block, pod_template};
use serde_json::Value;

/// `getPodStatusForController`: of `pods` (those matching the selector), the ones this object controls, by phase.
fn pods_status(obj: &Value, pods: &[Value]) -> String {
    let uid = s(obj, &["metadata", "uid"]);
    let mut counts = [0usize; 4];
    for pod in pods {
        let controlled = list(pod, &["metadata", "ownerReferences"])
            .iter()
            .any(|r| at(r, &["controller"]).as_bool() == Some(true) && s(r, &["uid"]) == uid);
        if !controlled {
            continue;
        }
        let slot = match s(pod, &["status", "phase"]) {
            "Running" => 0,
            "Pending" => 1,
            "Succeeded" => 2,
            "Failed" => 3,
            _ => continue,
        };
        counts[slot] += 1;
    }
    let [running, waiting, succeeded, failed] = counts;
    format!("Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n")
}

fn controlled_by(w: &mut Out, obj: &Value) {
    let owner = controller_of(obj);
    if !owner.is_empty() {
        w.w(0, &format!("Controlled By:\t{owner}\n"));
    }
}

pub(crate) fn describe_replica_set(rs: &Value, pods: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(rs, &["metadata"]);
    let spec = at(rs, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    w.w(0, &format!("Selector:\t{}\n", label_selector(at(spec, &["selector"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    controlled_by(&mut w, rs);
    let desired = at(spec, &["replicas"]).as_i64().unwrap_or(1);
    w.w(0, &format!("Replicas:\t{} current / {desired} desired\n", int(rs, &["status", "replicas"])));
    w.w(0, &pods_status(rs, pods));
    pod_template(&mut w, at(spec, &["template"]));
    conditions_block(&mut w, list(rs, &["status", "conditions"]));
    events_block(&mut w, events, now);
    w.finish()
}

pub(crate) fn describe_stateful_set(ss: &Value, pods: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(ss, &["metadata"]);
    let spec = at(ss, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    w.w(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(at(meta, &["creationTimestamp"]))));
    w.w(0, &format!("Selector:\t{}\n", format_selector(at(spec, &["selector"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    let desired = at(spec, &["replicas"]).as_i64().unwrap_or(1);
    w.w(0, &format!("Replicas:\t{desired} desired | {} total\n", int(ss, &["status", "replicas"])));
    let strategy = at(spec, &["updateStrategy"]);
    w.w(0, &format!("Update Strategy:\t{}\n", s(strategy, &["type"])));
    // kubectl shows MaxUnavailable only beside a partition.
    let partition = at(strategy, &["rollingUpdate", "partition"]);
    if !partition.is_null() {
        w.w(1, &format!("Partition:\t{}\n", int(strategy, &["rollingUpdate", "partition"])));
        let max = at(strategy, &["rollingUpdate", "maxUnavailable"]);
        if !max.is_null() {
            w.w(1, &format!("MaxUnavailable:\t{}\n", int_or_string(max)));
        }
    }
    w.w(0, &pods_status(ss, pods));
    pod_template(&mut w, at(spec, &["template"]));
    claim_templates(&mut w, list(spec, &["volumeClaimTemplates"]));
    events_block(&mut w, events, now);
    w.finish()
}

/// `describeVolumeClaimTemplates`: labels and annotations both as plain label lists.
fn claim_templates(w: &mut Out, templates: &[Value]) {
    if templates.is_empty() {
        w.w(0, "Volume Claims:\t<none>\n");
        return;
    }
    w.w(0, "Volume Claims:\n");
    for pvc in templates {
        let meta = at(pvc, &["metadata"]);
        let spec = at(pvc, &["spec"]);
        w.w(1, &format!("Name:\t{}\n", s(meta, &["name"])));
        let class = match at(meta, &["annotations", "volume.beta.kubernetes.io/storage-class"]).as_str() {
            Some(c) => c,
            None => s(spec, &["storageClassName"]),
        };
        w.w(1, &format!("StorageClass:\t{class}\n"));
        labels_block_indented(w, "  ", "Labels", at(meta, &["labels"]));
        labels_block_indented(w, "  ", "Annotations", at(meta, &["annotations"]));
        let storage = at(spec, &["resources", "requests", "storage"]);
        let capacity = if storage.is_null() { "<default>".to_string() } else { quantity::canonical_json(storage) };
        w.w(1, &format!("Capacity:\t{capacity}\n"));
        w.w(1, &format!("Access Modes:\t{}\n", go_list(list(spec, &["accessModes"]))));
    }
}

pub(crate) fn describe_daemon_set(ds: &Value, pods: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(ds, &["metadata"]);
    let spec = at(ds, &["spec"]);
    let status = at(ds, &["status"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Selector:\t{}\n", format_selector(at(spec, &["selector"]))));
    w.w(0, &format!("Node-Selector:\t{}\n", format_labels(at(spec, &["template", "spec", "nodeSelector"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    for (title, key) in [
        ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
        ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
        ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
        ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ] {
        w.w(0, &format!("{title}: {}\n", int(status, &[key])));
    }
    w.w(0, &pods_status(ds, pods));
    pod_template(&mut w, at(spec, &["template"]));
    events_block(&mut w, events, now);
    w.finish()
}
