//! Renders objects as kubectl describe (1.32) prints them: sections and field order per kind; text only, no IO.

mod config;
mod container;
mod generic;
mod gosort;
mod node;
mod pod;
mod quantity;
mod service;
mod tabwriter;
mod text;
mod workload;

#[cfg(test)]
mod tests;

use serde_json::Value;

/// What describe needs besides the object: fetched by the caller.
pub struct Related<'a> {
    /// Events in the object's namespace (or all); those about the object are picked out here.
    pub events: &'a [Value],
    /// For a Node: the pods with `spec.nodeName` equal to it (terminated ones are dropped here).
    pub pods: &'a [Value],
    /// For a Deployment: its ReplicaSets; for a Service: its Endpoints or EndpointSlices.
    pub owned: &'a [Value],
    /// For a Node: its Lease in `kube-node-lease`.
    pub lease: Option<&'a Value>,
}

/// The `kubectl describe` text for `obj`, with ages measured at `now` (unix seconds) and times printed in UTC.
pub fn describe(obj: &Value, related: &Related, now: i64) -> String {
    let events = text::events_for(obj, related.events);
    match obj.get("kind").and_then(Value::as_str).unwrap_or("") {
        "Pod" => pod::describe_pod(obj, &events, now),
        "Node" => node::describe_node(obj, related.pods, related.lease, &events, now),
        "Deployment" => workload::describe_deployment(obj, related.owned, &events, now),
        "Service" => service::describe_service(obj, related.owned, &events, now),
        "ConfigMap" => config::describe_config_map(obj, &events, now),
        "Secret" => config::describe_secret(obj),
        _ => generic::describe_generic(obj, &events, now),
    }
}
