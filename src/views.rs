//! The kinds the console knows by name, one module each: what `d` fetches and prints for it and what `enter` does on
//! its rows. Every other kind gets the generic view (the server's columns, the generic describe). Registering a
//! view is one line in `REGISTERED`.

mod accounts;
mod apps;
mod batch;
mod config;
mod crds;
mod deployments;
mod namespaces;
mod network;
mod nodes;
mod pods;
mod policy;
mod services;
mod storage;

use serde_json::Value;

use crate::describe::Related;
use crate::model::ObjectId;
use crate::model::pods::PodRow;
use crate::model::table::ResourceRow;
use crate::state::fabric::Fabric;
use crate::state::table::Table;

/// What the console knows beyond the server's columns, for the columns a view adds.
pub struct Known<'a> {
    pub fabric: &'a Fabric,
    pub pods: &'a Table<PodRow>,
    pub now: i64,
}

/// A column a view adds before the server's AGE, from what triage knows (a Service's endpoints, a claim's usage,
/// a certificate's expiry); an empty cell where it knows nothing.
pub struct Derived {
    pub title: &'static str,
    pub cell: fn(&Known<'_>, &ObjectId) -> String,
}

/// What `describe` must fetch besides the object and the events about it (the IO lives in `effects/describe.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// The pods bound to the node (`spec.nodeName`).
    PodsOnNode,
    /// The node's Lease in `kube-node-lease` (its heartbeat).
    NodeLease,
    /// The ReplicaSets in the object's namespace (a Deployment's are picked out by owner).
    ReplicaSets,
    /// The Service's EndpointSlices, or its Endpoints where the cluster serves no slices.
    EndpointSlices,
    /// The pods the object's `spec.selector` picks in its namespace (a ReplicaSet's, a DaemonSet's…).
    SelectedPods,
    /// Every pod of the object's namespace (a claim's users are picked out of them).
    NamespacePods,
    /// The namespace's Services and EndpointSlices (an Ingress's backends).
    Backends,
    /// The namespace's Secrets, told apart from a refused list (a ServiceAccount's references).
    NamespaceSecrets,
}

/// What `enter` does on a row of the generic view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    /// Run this `:` command (a CRD opens its objects: `:trainjobs.kubeflow.org`).
    Command(String),
    /// Make the row's namespace the one in view.
    Namespace,
    /// The pods the row's label selector picks (a Service, a ReplicaSet, a DaemonSet…).
    SelectedPods,
    /// The pods that mount the row's PersistentVolumeClaim.
    PodsUsingClaim,
    /// Describe the row.
    Describe,
}

pub trait View: Sync {
    /// The API group ("" for core) and kind this view is for.
    fn kind(&self) -> (&'static str, &'static str);

    /// What `d` needs fetched besides the object and its events.
    fn fetches(&self) -> &'static [Fetch] {
        &[]
    }

    /// The columns this view adds to the server's.
    fn columns(&self) -> &'static [Derived] {
        &[]
    }

    /// `kubectl describe`'s text for `obj`; `events` are those about it.
    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        let _ = related;
        crate::describe::generic::describe_generic(obj, events, now)
    }

    /// What `enter` on `row` does: the pods it selects when it has a selector, else describe.
    fn drill(&self, row: &ResourceRow) -> Drill {
        if row.selector.is_some() { Drill::SelectedPods } else { Drill::Describe }
    }
}

/// The view of a kind whose knowledge is its describe printer and what the printer needs fetched: most kinds.
pub struct Printed {
    pub group: &'static str,
    pub kind: &'static str,
    pub columns: &'static [Derived],
    pub fetches: &'static [Fetch],
    pub print: fn(&Value, &Related, &[&Value], i64) -> String,
}

impl View for Printed {
    fn kind(&self) -> (&'static str, &'static str) {
        (self.group, self.kind)
    }

    fn fetches(&self) -> &'static [Fetch] {
        self.fetches
    }

    fn columns(&self) -> &'static [Derived] {
        self.columns
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        (self.print)(obj, related, events, now)
    }
}

/// The views, one line each.
const REGISTERED: &[&dyn View] = &[
    &pods::PODS,
    &nodes::NODES,
    &deployments::DEPLOYMENTS,
    &services::SERVICES,
    &config::CONFIG_MAPS,
    &config::SECRETS,
    &namespaces::Namespaces,
    &crds::CustomResourceDefinitions,
    &apps::REPLICA_SETS,
    &apps::STATEFUL_SETS,
    &apps::DAEMON_SETS,
    &batch::JOBS,
    &batch::CRON_JOBS,
    &storage::PersistentVolumeClaims,
    &storage::PERSISTENT_VOLUMES,
    &storage::STORAGE_CLASSES,
    &network::ENDPOINTS,
    &network::ENDPOINT_SLICES,
    &network::INGRESSES,
    &network::NETWORK_POLICIES,
    &policy::HORIZONTAL_POD_AUTOSCALERS,
    &policy::POD_DISRUPTION_BUDGETS,
    &accounts::SERVICE_ACCOUNTS,
];

/// Any kind without a view of its own.
struct Generic;

impl View for Generic {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "")
    }
}

/// The view of `kind` in API `group` ("" for core), or the generic one.
pub fn of(group: &str, kind: &str) -> &'static dyn View {
    REGISTERED.iter().copied().find(|v| v.kind() == (group, kind)).unwrap_or(&Generic)
}

/// The view of an object, by its `apiVersion` and `kind`.
pub fn of_object(obj: &Value) -> &'static dyn View {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    of(group_of(api_version), obj["kind"].as_str().unwrap_or_default())
}

/// `apps` of `apps/v1`; "" of `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(group, _)| group).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_view_and_unknown_kinds_are_generic() {
        for (i, view) in REGISTERED.iter().enumerate() {
            let kind = view.kind();
            assert!(REGISTERED[i + 1..].iter().all(|v| v.kind() != kind), "{kind:?} registered twice");
            assert_eq!(of(kind.0, kind.1).kind(), kind);
        }
        assert_eq!(of("kubeflow.org", "PyTorchJob").kind(), ("", ""));
        assert_eq!(of("apps", "Pod").kind(), ("", ""), "a kind is looked up within its group");
        assert_eq!(
            of_object(&serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment"})).kind(),
            ("apps", "Deployment")
        );
    }
}
