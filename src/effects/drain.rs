//! A drain as kubectl runs it: cordon the nodes, then evict every pod at once through the Eviction API (or delete
//! it, with `--disable-eviction`), asking again every 5 s while a budget refuses until `--timeout`, and follow each
//! pod until it is gone. Every step is reported; the last report is `Finished`.

use std::time::Duration;

use futures_util::future::join_all;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::apply::FIELD_MANAGER;
use super::operate::{budget, evict};
use crate::event::{Data, Event};
use crate::model::drain::{Budget, DrainOptions, DrainStep, DrainUpdate, Evictee, RETRY_AFTER};
use crate::model::mutation::MutationError;

/// How often a terminating pod is looked at.
const FOLLOW_EVERY: Duration = Duration::from_secs(1);

/// The PodDisruptionBudgets of `namespaces` (policy/v1).
pub async fn load_budgets(client: &Client, namespaces: &[String]) -> Result<Vec<Budget>, String> {
    let mut budgets = Vec::new();
    for ns in namespaces {
        let path = format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets");
        let request = http::Request::get(&path).body(Vec::new()).map_err(|e| e.to_string())?;
        let list: Value = client
            .request(request)
            .await
            .map_err(|e| MutationError::from_kube(e, "list", "poddisruptionbudgets.policy", ns).to_string())?;
        budgets.extend(list["items"].as_array().into_iter().flatten().filter_map(Budget::from_object));
    }
    Ok(budgets)
}

pub async fn drain(
    client: Client,
    nodes: Vec<String>,
    pods: Vec<Evictee>,
    options: DrainOptions,
    generation: u64,
    tx: UnboundedSender<Event>,
) {
    let send = |update: DrainUpdate| {
        let _ = tx.send(Event::Data(Data::Drain { generation, update }));
    };
    let api: Api<Node> = Api::all(client.clone());
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    for node in &nodes {
        let cordon = Patch::Merge(json!({"spec": {"unschedulable": true}}));
        if let Err(e) = api.patch(node, &params, &cordon).await {
            send(DrainUpdate::Cordoned(Err(MutationError::from_kube(e, "patch", "nodes", "").to_string())));
            return;
        }
    }
    send(DrainUpdate::Cordoned(Ok(())));
    join_all(pods.iter().map(|pod| {
        let client = client.clone();
        let options = &options;
        async move {
            let step = |step: DrainStep| send(DrainUpdate::Pod { uid: pod.uid.clone(), step });
            run_one(&client, pod, options, step).await;
        }
    }))
    .await;
    send(DrainUpdate::Finished);
}

/// Evicts (or deletes) one pod and follows it until it is gone, reporting each step.
async fn run_one(client: &Client, pod: &Evictee, options: &DrainOptions, step: impl Fn(DrainStep)) {
    let api: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let deadline = Instant::now() + Duration::from_secs(options.timeout.max(0) as u64);
    let delete = DeleteParams { grace_period_seconds: options.grace.map(|g| g as u32), ..DeleteParams::default() };
    loop {
        let sent = if options.disable_eviction {
            api.delete(&pod.name, &delete).await.map(drop)
        } else {
            evict(client, &pod.namespace, &pod.name, options.grace).await
        };
        match sent {
            Ok(()) => break,
            Err(kube::Error::Api(status)) if status.code == 404 => return step(DrainStep::Gone),
            Err(kube::Error::Api(status)) if status.code == 429 => {
                let why = budget(&status);
                if Instant::now() + RETRY_AFTER > deadline {
                    return step(DrainStep::Failed(format!("gave up after {}s: {why}", options.timeout)));
                }
                step(DrainStep::Waiting(why));
                tokio::time::sleep(RETRY_AFTER).await;
            }
            Err(e) => {
                let (verb, resource) =
                    if options.disable_eviction { ("delete", "pods") } else { ("create", "pods/eviction") };
                return step(DrainStep::Failed(
                    MutationError::from_kube(e, verb, resource, &pod.namespace).to_string(),
                ));
            }
        }
    }
    step(DrainStep::Evicting);
    loop {
        match api.get_opt(&pod.name).await {
            // Gone, or replaced by a pod of the same name (a StatefulSet's).
            Ok(None) => return step(DrainStep::Gone),
            Ok(Some(p)) if p.metadata.uid.as_deref() != Some(pod.uid.as_str()) => return step(DrainStep::Gone),
            Ok(Some(_)) if Instant::now() >= deadline => {
                return step(DrainStep::Failed(format!("still terminating after {}s", options.timeout)));
            }
            Ok(Some(_)) => tokio::time::sleep(FOLLOW_EVERY).await,
            Err(e) => {
                return step(DrainStep::Failed(MutationError::from_kube(e, "get", "pods", &pod.namespace).to_string()));
            }
        }
    }
}
