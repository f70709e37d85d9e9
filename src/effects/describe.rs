//! `d`: fetches an object, its events and what its view asks for beside it (`views::Fetch`: a node's pods and Lease,
//! a Deployment's ReplicaSets, the pods a workload selects, an Ingress's backends…), then renders it natively. Related lists that fail are left out (the section shows none), as kubectl does; only the object itself
//! must be readable.

use kube::Client;
use serde_json::Value;

use super::apply;
use crate::event::ObjectAddress;
use crate::model::mutation::MutationError;
use crate::views::Fetch;

pub async fn describe(client: &Client, address: &ObjectAddress, now: i64) -> Result<String, MutationError> {
    let obj = apply::fetch_value(client, address).await?;
    let name = address.name.as_str();
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
    let in_ns = |plural: &str| namespaced_path("/api/v1", &ns, plural);
    // kubectl selects events by the involved object's name, namespace and kind; describe keeps those with its uid.
    let events = items(client, &in_ns("events"), &[("fieldSelector", format!("involvedObject.name={name}"))]).await;
    let (mut pods, mut owned, mut lease, mut secrets) = (Vec::new(), Vec::new(), None, None);
    let slices = namespaced_path("/apis/discovery.k8s.io/v1", &ns, "endpointslices");
    for fetch in crate::views::of_object(&obj).fetches() {
        match fetch {
            Fetch::PodsOnNode => {
                pods = items(client, "/api/v1/pods", &[("fieldSelector", format!("spec.nodeName={name}"))]).await
            }
            Fetch::NodeLease => {
                let path = format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}");
                lease = get(client, &path).await;
            }
            Fetch::ReplicaSets => {
                owned = items(client, &namespaced_path("/apis/apps/v1", &ns, "replicasets"), &[]).await
            }
            Fetch::EndpointSlices => {
                let selector = [("labelSelector", format!("kubernetes.io/service-name={name}"))];
                owned = items(client, &slices, &selector).await;
                if owned.is_empty() {
                    owned.extend(get(client, &format!("{}/{name}", in_ns("endpoints"))).await);
                }
            }
            Fetch::SelectedPods => {
                let selector = [("labelSelector", crate::describe::pod_selector(&obj))];
                pods = items(client, &in_ns("pods"), &selector).await;
            }
            Fetch::NamespacePods => pods = items(client, &in_ns("pods"), &[]).await,
            Fetch::Backends => {
                owned = items(client, &slices, &[]).await;
                owned.extend(items(client, &in_ns("services"), &[]).await);
            }
            // Unlike the other lists, a refused one must be told apart from an empty one: only a listed namespace
            // can say that a referenced Secret is missing.
            Fetch::NamespaceSecrets => secrets = list(client, &in_ns("secrets"), &[]).await,
        }
    }
    let related = crate::describe::Related {
        events: &events,
        pods: &pods,
        owned: &owned,
        lease: lease.as_ref(),
        secrets: secrets.as_deref(),
    };
    Ok(crate::describe::describe(&obj, &related, now))
}

fn namespaced_path(base: &str, ns: &str, plural: &str) -> String {
    if ns.is_empty() { format!("{base}/{plural}") } else { format!("{base}/namespaces/{ns}/{plural}") }
}

/// A list's items, or none when the list fails (a kind the cluster does not serve, a 403).
async fn items(client: &Client, path: &str, query: &[(&str, String)]) -> Vec<Value> {
    list(client, path, query).await.unwrap_or_default()
}

/// A list's items, `None` when the list fails.
async fn list(client: &Client, path: &str, query: &[(&str, String)]) -> Option<Vec<Value>> {
    match get(client, &crate::model::api_url(path, query)).await {
        Some(Value::Object(mut list)) => match list.remove("items") {
            Some(Value::Array(items)) => Some(items),
            _ => Some(Vec::new()),
        },
        _ => None,
    }
}

async fn get(client: &Client, path: &str) -> Option<Value> {
    let request = http::Request::get(path).body(Vec::new()).ok()?;
    match client.request::<Value>(request).await {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::debug!("describe: {path}: {e}");
            None
        }
    }
}
