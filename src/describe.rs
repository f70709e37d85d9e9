//! Renders objects as kubectl describe (1.32) prints them: sections and field order per kind (each kind's view in
//! `views/` picks its printer); text only, no IO.

pub(crate) mod account;
pub(crate) mod apps;
pub(crate) mod batch;
pub(crate) mod config;
mod container;
pub(crate) mod endpoints;
pub(crate) mod generic;
mod gosort;
pub(crate) mod network;
pub(crate) mod node;
pub(crate) mod pod;
mod quantity;
pub(crate) mod scaling;
pub(crate) mod service;
pub(crate) mod storage;
mod tabwriter;
mod text;
pub(crate) mod workload;

#[cfg(test)]
mod tests;

use serde_json::Value;

/// What describe needs besides the object: fetched by the caller.
pub struct Related<'a> {
    /// Events in the object's namespace (or all); those about the object are picked out here.
    pub events: &'a [Value],
    /// For a Node: the pods with `spec.nodeName` equal to it (terminated ones are dropped here); for a ReplicaSet,
    /// StatefulSet or DaemonSet: the pods its selector matches (see [`pod_selector`]); for a PersistentVolumeClaim:
    /// the pods of its namespace.
    pub pods: &'a [Value],
    /// For a Deployment: its ReplicaSets; for a Service: its Endpoints or EndpointSlices; for an Ingress: the
    /// EndpointSlices and Services of its namespace.
    pub owned: &'a [Value],
    /// For a Node: its Lease in `kube-node-lease`.
    pub lease: Option<&'a Value>,
    /// For a ServiceAccount: the Secrets of its namespace, `None` when they could not be listed.
    pub secrets: Option<&'a [Value]>,
}

/// The label selector (`-l` text) of a workload's `spec.selector`, to list the pods describe counts for it.
pub fn pod_selector(obj: &Value) -> String {
    text::format_selector(text::at(obj, &["spec", "selector"]))
}

/// The `kubectl describe` text for `obj` (by its kind's view), with ages measured at `now` (unix seconds) and times
/// printed in UTC.
pub fn describe(obj: &Value, related: &Related, now: i64) -> String {
    let events = text::events_for(obj, related.events);
    crate::views::of_object(obj).describe(obj, related, &events, now)
}
