//! In-cluster validation IO: create the validator Job, wait for its pod to start (saying why it waits), and label a
//! validated node. The verdict itself is read by the state from the pod's log stream.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::apply::FIELD_MANAGER;
use crate::event::{Data, Event};
use crate::model::mutation::MutationError;
use crate::model::validation::Step;
use crate::sanitize::clean;

/// How often the Job's pod is looked for.
const POLL: Duration = Duration::from_secs(1);
/// A pod not started by then (no free GPU, a slow pull) ends the run; the Job is left for the operator to inspect.
const PATIENCE: Duration = Duration::from_secs(300);
/// Waiting reasons after which a container never starts without someone changing the pod.
const STUCK: [&str; 5] =
    ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"];

/// Cordons `cordon` first when given, creates the Job and reports each step of run `run` until its pod runs (or
/// cannot).
pub async fn create_and_follow(
    client: Client,
    run: u64,
    job: Value,
    cordon: Option<String>,
    tx: UnboundedSender<Event>,
) {
    let send = |step: Step| tx.send(Event::Data(Data::Validation { run, step })).is_ok();
    if let Some(node) = cordon {
        let patch = Patch::Merge(serde_json::json!({"spec": {"unschedulable": true}}));
        let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
        match Api::<Node>::all(client.clone()).patch(&node, &params, &patch).await {
            Ok(_) => send(Step::Cordoned),
            Err(e) => {
                let why = MutationError::from_kube(e, "patch", "nodes", "").to_string();
                send(Step::Failed(format!("cordon: {why}")));
                return;
            }
        };
    }
    let namespace = job["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
    let name = match create(&client, &namespace, job).await {
        Ok(name) => name,
        Err(why) => {
            send(Step::Failed(why));
            return;
        }
    };
    if send(Step::Created { job: name.clone() }) {
        let last = wait_for_pod(&client, &namespace, &name, &send).await;
        send(last);
    }
}

/// POSTs the Job; its name (the server completes `generateName`), or why it was refused.
async fn create(client: &Client, namespace: &str, job: Value) -> Result<String, String> {
    let job: Job = serde_json::from_value(job).map_err(|e| format!("the job is malformed: {e}"))?;
    let params = PostParams { field_manager: Some(FIELD_MANAGER.into()), ..PostParams::default() };
    let created = Api::<Job>::namespaced(client.clone(), namespace)
        .create(&params, &job)
        .await
        .map_err(|e| MutationError::from_kube(e, "create", "jobs.batch", namespace).to_string())?;
    Ok(created.metadata.name.unwrap_or_default())
}

/// Polls the Job's pods until one has started; reports a new waiting reason as it appears.
async fn wait_for_pod(client: &Client, namespace: &str, job: &str, send: &impl Fn(Step) -> bool) -> Step {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let selector = ListParams::default().labels(&format!("job-name={job}"));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut said = String::new();
    loop {
        let list = match pods.list(&selector).await {
            Ok(list) => list,
            Err(e) => return Step::Failed(format!("listing the job's pods: {}", clean(&e.to_string()))),
        };
        for pod in &list.items {
            match progress(pod) {
                Progress::Started(name) => return Step::Started { pod: name },
                Progress::Stuck(why) => return Step::Failed(why),
                Progress::Waiting(why) if why != said => {
                    if !send(Step::Waiting(why.clone())) {
                        return Step::Failed("the console stopped listening".into());
                    }
                    said = why;
                }
                Progress::Waiting(_) => {}
            }
        }
        if tokio::time::Instant::now() >= deadline {
            let last = if said.is_empty() { String::new() } else { format!(" (last: {said})") };
            return Step::Failed(format!("job {namespace}/{job}: no pod started in {} s{last}", PATIENCE.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Progress {
    /// Running or finished: its log can be read.
    Started(String),
    Waiting(String),
    Stuck(String),
}

fn progress(pod: &Pod) -> Progress {
    let name = clean(pod.metadata.name.as_deref().unwrap_or_default());
    let status = pod.status.as_ref();
    if status.and_then(|s| s.phase.as_deref()).is_some_and(|p| p != "Pending") {
        return Progress::Started(name);
    }
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref())
        .find(|w| w.reason.as_deref().is_some_and(|r| STUCK.contains(&r)));
    if let Some(w) = waiting {
        let reason = w.reason.as_deref().unwrap_or_default();
        return Progress::Stuck(clean(&format!("pod {name}: {reason}: {}", w.message.as_deref().unwrap_or_default())));
    }
    let unschedulable = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False");
    match unschedulable {
        Some(c) => Progress::Waiting(clean(&format!(
            "pod {name} is not scheduled: {}",
            c.message.as_deref().unwrap_or_default()
        ))),
        None => Progress::Waiting(format!("pod {name} is starting")),
    }
}

/// Sets one label on a node (a merge patch: the node's other labels stay).
pub async fn label_node(client: &Client, node: &str, label: &str, value: &str) -> Result<(), MutationError> {
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    let patch = Patch::Merge(json!({"metadata": {"labels": {label: value}}}));
    Api::<Node>::all(client.clone())
        .patch(node, &params, &patch)
        .await
        .map(drop)
        .map_err(|e| MutationError::from_kube(e, "patch", "nodes", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "v-1"}, "status": status})).unwrap()
    }

    #[test]
    fn pods_are_started_waiting_or_stuck() {
        assert_eq!(progress(&pod(json!({"phase": "Running"}))), Progress::Started("v-1".into()));
        assert_eq!(progress(&pod(json!({"phase": "Failed"}))), Progress::Started("v-1".into()), "its log says why");
        let unschedulable = pod(json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "message": "0/12 nodes are available: 1 Insufficient nvidia.com/gpu."}]}));
        assert_eq!(
            progress(&unschedulable),
            Progress::Waiting(
                "pod v-1 is not scheduled: 0/12 nodes are available: 1 Insufficient nvidia.com/gpu.".into()
            )
        );
        let pulling = pod(
            json!({"phase": "Pending", "containerStatuses": [{"name": "validator", "image": "x", "imageID": "",
            "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ErrImagePull", "message": "not found"}}}]}),
        );
        assert_eq!(progress(&pulling), Progress::Stuck("pod v-1: ErrImagePull: not found".into()));
    }
}
