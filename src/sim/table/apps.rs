//! Tables for Deployments, ReplicaSets, StatefulSets, DaemonSets and ControllerRevisions, as kube-apiserver 1.32's
//! printers.go prints them; no IO.

use serde_json::{Value, json};

use super::{
    AGE, CONTAINERS, Column, IMAGES, InvalidSelector, NAME, TEMPLATE_CONTAINERS, age, at, column, container_cells,
    format_label_selector, format_labels, int, label_selector, list, name, wide,
};

const READY_PODS_DESC: &str = "Number of the pod with ready state";
const NODE_SELECTOR_DESC: &str = "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";

pub const DEPLOYMENT_COLUMNS: &[Column] = &[
    NAME,
    column("Ready", "string", READY_PODS_DESC),
    column(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    column(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
    ),
];

pub const REPLICA_SET_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    column(
        "Current",
        "integer",
        "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    column("Ready", "integer", "The number of ready replicas for this replica set."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

pub const STATEFUL_SET_COLUMNS: &[Column] =
    &[NAME, column("Ready", "string", READY_PODS_DESC), AGE, CONTAINERS, IMAGES];

pub const DAEMON_SET_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    column(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    column(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
    ),
    column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    column(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    column("Node Selector", "string", NODE_SELECTOR_DESC),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

/// spec.replicas, which apps/v1 defaults to 1.
fn desired_replicas(obj: &Value) -> i64 {
    at(obj, "/spec/replicas").as_i64().unwrap_or(1)
}

pub fn deployment_cells(deployment: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(deployment, TEMPLATE_CONTAINERS);
    // printDeployment prints the raw selector string: empty rather than "<none>".
    let selector =
        label_selector(at(deployment, "/spec/selector")).unwrap_or_else(|InvalidSelector| "<invalid>".to_string());
    vec![
        name(deployment),
        format!("{}/{}", int(deployment, "/status/readyReplicas"), desired_replicas(deployment)).into(),
        int(deployment, "/status/updatedReplicas").into(),
        int(deployment, "/status/availableReplicas").into(),
        age(deployment, now),
        names,
        images,
        selector.into(),
    ]
}

pub fn replica_set_cells(replica_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(replica_set, TEMPLATE_CONTAINERS);
    vec![
        name(replica_set),
        desired_replicas(replica_set).into(),
        int(replica_set, "/status/replicas").into(),
        int(replica_set, "/status/readyReplicas").into(),
        age(replica_set, now),
        names,
        images,
        format_label_selector(at(replica_set, "/spec/selector")).into(),
    ]
}

pub fn stateful_set_cells(stateful_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(stateful_set, TEMPLATE_CONTAINERS);
    vec![
        name(stateful_set),
        format!("{}/{}", int(stateful_set, "/status/readyReplicas"), desired_replicas(stateful_set)).into(),
        age(stateful_set, now),
        names,
        images,
    ]
}

pub fn daemon_set_cells(daemon_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(daemon_set, TEMPLATE_CONTAINERS);
    vec![
        name(daemon_set),
        int(daemon_set, "/status/desiredNumberScheduled").into(),
        int(daemon_set, "/status/currentNumberScheduled").into(),
        int(daemon_set, "/status/numberReady").into(),
        int(daemon_set, "/status/updatedNumberScheduled").into(),
        int(daemon_set, "/status/numberAvailable").into(),
        format_labels(at(daemon_set, "/spec/template/spec/nodeSelector")).into(),
        age(daemon_set, now),
        names,
        images,
        format_label_selector(at(daemon_set, "/spec/selector")).into(),
    ]
}

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
