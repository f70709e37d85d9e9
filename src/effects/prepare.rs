//! What a session needs started first, and removed after: the node shell's privileged Job on a node (it removes itself
//! by its deadline and TTL if the console dies), and an ephemeral debug container added to a pod as `kubectl debug`
//! adds one.

use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::apply::FIELD_MANAGER;
use crate::model::mutation::MutationError;
use crate::model::session::{Cleanup, Entry, NodeShell, Session};

/// How long a new container may take to start before the session gives up (an image pull, a full node).
const START_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(300);

/// The label that finds a node shell's pods, and says what they are to anyone listing them.
pub const NODE_SHELL_LABEL: &str = "gpudeck.io/node-shell";

/// The Job the node shell runs in: on that node, in the host's PID, network and IPC namespaces, privileged,
/// tolerating every taint (a cordoned or broken node is the usual one). Its container only waits; each session enters
/// the host with `nsenter` into PID 1. The deadline and `ttlSecondsAfterFinished` remove it and its pod when the
/// console cannot (a crash, a lost SSH link).
pub fn node_shell_job(node: &str, shell: &NodeShell) -> Value {
    let labels = json!({NODE_SHELL_LABEL: node, "app.kubernetes.io/managed-by": "gpudeck"});
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": "gpudeck-node-shell-", "namespace": shell.namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": shell.ttl_seconds,
            "ttlSecondsAfterFinished": 0,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "nodeName": node,
                    "hostPID": true,
                    "hostNetwork": true,
                    "hostIPC": true,
                    "restartPolicy": "Never",
                    "terminationGracePeriodSeconds": 0,
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [{
                        "name": "shell",
                        "image": shell.image,
                        "command": ["sleep", shell.ttl_seconds.to_string()],
                        "securityContext": {"privileged": true},
                    }],
                },
            },
        },
    })
}

/// The command that turns the node shell's container into a shell on the host.
pub fn host_shell() -> Vec<String> {
    ["nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--", "sh", "-l"]
        .map(str::to_string)
        .to_vec()
}

/// Creates the node shell's Job and waits for its pod to run; the session deletes the Job when it ends.
pub async fn start_node_shell(client: &Client, node: &str, shell: &NodeShell) -> Result<Session, String> {
    let jobs: Api<Job> = Api::namespaced(client.clone(), &shell.namespace);
    let job: Job = serde_json::from_value(node_shell_job(node, shell)).map_err(|e| e.to_string())?;
    let params = PostParams { field_manager: Some(FIELD_MANAGER.into()), ..PostParams::default() };
    let created = jobs
        .create(&params, &job)
        .await
        .map_err(|e| MutationError::from_kube(e, "create", "jobs.batch", &shell.namespace).to_string())?;
    let name = created.metadata.name.unwrap_or_default();
    let cleanup = Cleanup::DeleteJob { namespace: shell.namespace.clone(), name: name.clone() };
    let pods: Api<Pod> = Api::namespaced(client.clone(), &shell.namespace);
    let selector = ListParams::default().labels(&format!("batch.kubernetes.io/job-name={name}"));
    let started = tokio::time::Instant::now();
    let pod = loop {
        let listed = pods.list(&selector).await;
        let running = listed.as_ref().ok().and_then(|l| {
            l.items.iter().find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")).cloned()
        });
        if let Some(pod) = running {
            break pod;
        }
        if started.elapsed() > START_TIMEOUT {
            let why = match listed {
                Err(e) => MutationError::from_kube(e, "list", "pods", &shell.namespace).to_string(),
                Ok(l) => l.items.first().map_or("no pod was created".into(), waiting_reason),
            };
            finish(client, &cleanup).await;
            return Err(format!("the node shell did not start in {}s: {why}", START_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    };
    Ok(Session {
        namespace: shell.namespace.clone(),
        pod: pod.metadata.name.unwrap_or_default(),
        container: Some("shell".into()),
        entry: Entry::Exec(host_shell()),
        cleanup,
        label: Some(format!("node shell {node}")),
    })
}

/// Why a pod is not running yet, in the kubelet's or the scheduler's words.
fn waiting_reason(pod: &Pod) -> String {
    let status = pod.status.as_ref();
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| c.state.as_ref()?.waiting.as_ref())
        .map(|w| format!("{}: {}", w.reason.as_deref().unwrap_or("Waiting"), w.message.as_deref().unwrap_or("")))
        .next();
    let condition = || {
        status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.status == "False")
            .map(|c| format!("{}: {}", c.reason.as_deref().unwrap_or(&c.type_), c.message.as_deref().unwrap_or("")))
    };
    let phase = || status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into());
    waiting.or_else(condition).unwrap_or_else(phase)
}

/// `:debug`: an ephemeral container in the pod (sharing the target container's process namespace when given), then
/// attached to once it runs, as `kubectl debug -it --image IMAGE --target CONTAINER` does.
pub async fn start_debug(
    client: &Client,
    namespace: &str,
    pod: &str,
    image: &str,
    target: Option<&str>,
) -> Result<Session, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let existing =
        pods.get(pod).await.map_err(|e| MutationError::from_kube(e, "get", "pods", namespace).to_string())?;
    let taken: Vec<String> = existing
        .spec
        .as_ref()
        .and_then(|s| s.ephemeral_containers.as_ref())
        .into_iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    let name = (0..).map(|n| format!("debugger-{n}")).find(|n| !taken.contains(n)).unwrap_or_default();
    let mut container = json!({
        "name": name,
        "image": image,
        "stdin": true,
        "tty": true,
        "terminationMessagePolicy": "File",
    });
    if let Some(target) = target {
        container["targetContainerName"] = json!(target);
    }
    let patch = json!({"spec": {"ephemeralContainers": [container]}});
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    pods.patch_ephemeral_containers(pod, &params, &Patch::Strategic(patch))
        .await
        .map_err(|e| MutationError::from_kube(e, "patch", "pods/ephemeralcontainers", namespace).to_string())?;
    let started = tokio::time::Instant::now();
    loop {
        let now = pods.get(pod).await.map_err(|e| MutationError::from_kube(e, "get", "pods", namespace).to_string())?;
        let state = now
            .status
            .as_ref()
            .and_then(|s| s.ephemeral_container_statuses.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.name == name)
            .and_then(|c| c.state.clone());
        match state {
            Some(s) if s.running.is_some() => break,
            Some(s) if s.terminated.is_some() => {
                return Err(format!("debug container {name} exited before it could be attached"));
            }
            _ if started.elapsed() > START_TIMEOUT => {
                return Err(format!("debug container {name} did not start in {}s", START_TIMEOUT.as_secs()));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
    Ok(Session {
        namespace: namespace.to_string(),
        pod: pod.to_string(),
        container: Some(name),
        entry: Entry::Attach,
        cleanup: Cleanup::Keep,
        label: None,
    })
}

/// What is left when a session ends is removed: the node shell's Job, with its pod (background propagation).
pub async fn finish(client: &Client, cleanup: &Cleanup) -> Option<String> {
    match cleanup {
        Cleanup::Keep => None,
        Cleanup::DeleteJob { namespace, name } => {
            let jobs: Api<Job> = Api::namespaced(client.clone(), namespace);
            let params = DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::background() };
            jobs.delete(name, &params).await.err().map(|e| {
                format!(
                    "node shell job {name} was not deleted: {}",
                    MutationError::from_kube(e, "delete", "jobs.batch", namespace)
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_shell_job_is_pinned_privileged_and_removes_itself() {
        let shell = NodeShell { image: "busybox:1.36".into(), namespace: "kube-system".into(), ttl_seconds: 3600 };
        let job = node_shell_job("gpu-0001", &shell);
        let pod = &job["spec"]["template"]["spec"];
        assert_eq!(pod["nodeName"], "gpu-0001");
        assert_eq!((pod["hostPID"].clone(), pod["hostNetwork"].clone()), (json!(true), json!(true)));
        assert_eq!(pod["containers"][0]["securityContext"]["privileged"], true);
        assert_eq!(pod["tolerations"], json!([{"operator": "Exists"}]));
        assert_eq!(job["spec"]["activeDeadlineSeconds"], 3600);
        assert_eq!(job["spec"]["ttlSecondsAfterFinished"], 0);
        assert_eq!(job["metadata"]["namespace"], "kube-system");
        // The typed Job accepts it (a field misspelt here would be dropped silently by the API).
        let typed: Job = serde_json::from_value(job.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap()["spec"]["template"]["spec"]["hostIPC"], true);
    }
}
