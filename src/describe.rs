//! Renders objects as kubectl describe (1.32) prints them: sections and field order per kind; text only, no IO.

mod account;
mod apps;
mod batch;
mod config;
mod container;
mod endpoints;
mod generic;
mod gosort;
mod network;
mod node;
mod pod;
mod quantity;
mod scaling;
mod service;
mod storage;
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

/// The `kubectl describe` text for `obj`, with ages measured at `now` (unix seconds) and times printed in UTC.
pub fn describe(obj: &Value, related: &Related, now: i64) -> String {
    let events = text::events_for(obj, related.events);
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    match obj.get("kind").and_then(Value::as_str).unwrap_or("") {
        "Pod" => pod::describe_pod(obj, &events, now),
        "Node" => node::describe_node(obj, related.pods, related.lease, &events, now),
        "Deployment" => workload::describe_deployment(obj, related.owned, &events, now),
        "ReplicaSet" => apps::describe_replica_set(obj, related.pods, &events, now),
        "StatefulSet" => apps::describe_stateful_set(obj, related.pods, &events, now),
        "DaemonSet" => apps::describe_daemon_set(obj, related.pods, &events, now),
        "Job" => batch::describe_job(obj, &events, now),
        "CronJob" => batch::describe_cron_job(obj, &events, now),
        "Service" => service::describe_service(obj, related.owned, &events, now),
        "Endpoints" => endpoints::describe_endpoints(obj, &events, now),
        "EndpointSlice" => endpoints::describe_endpoint_slice(obj, &events, now),
        "Ingress" if api_version == "networking.k8s.io/v1" => {
            network::describe_ingress(obj, related.owned, &events, now)
        }
        "NetworkPolicy" => network::describe_network_policy(obj),
        "PersistentVolumeClaim" => storage::describe_pvc(obj, related.pods, &events, now),
        "PersistentVolume" => {
            storage::describe_pv(obj, &events, now).unwrap_or_else(|| generic::describe_generic(obj, &events, now))
        }
        "StorageClass" => storage::describe_storage_class(obj, &events, now),
        // kubectl reads autoscaling/v2 whatever version was asked for; a v1 object has another shape.
        "HorizontalPodAutoscaler" if api_version == "autoscaling/v2" => scaling::describe_hpa(obj, &events, now),
        "PodDisruptionBudget" => scaling::describe_pdb(obj, &events, now),
        "ServiceAccount" => account::describe_service_account(obj, related.secrets, &events, now),
        "ConfigMap" => config::describe_config_map(obj, &events, now),
        "Secret" => config::describe_secret(obj),
        _ => generic::describe_generic(obj, &events, now),
    }
}
