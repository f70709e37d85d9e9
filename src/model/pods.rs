//! Pod → PodRow: ready count, kubectl's status reason, restarts, node, GPU requests, the owner to drill into.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::{GPU, Health, ObjectId, created, labels, unix};
use crate::sanitize::clean;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodRow {
    pub id: ObjectId,
    pub ready: (usize, usize),
    /// kubectl's STATUS column: Running, CrashLoopBackOff, ImagePullBackOff, Completed, OOMKilled…
    pub status: String,
    pub health: Health,
    pub restarts: i32,
    pub last_restart: Option<i64>,
    pub created: i64,
    pub node: String,
    pub gpus: u32,
    /// Scheduler or container message explaining a bad status (FailedScheduling text, pull error).
    pub why: String,
    pub labels: BTreeMap<String, String>,
    /// (kind, name) of the controlling owner.
    pub owner: Option<(String, String)>,
    /// It has an emptyDir volume, whose data goes with the pod.
    pub empty_dir: bool,
    /// The PersistentVolumeClaims the pod mounts (an ephemeral volume's claim is `POD-VOLUME`).
    pub claims: Vec<String>,
    /// Container names, for the logs view's container picker.
    pub containers: Vec<String>,
    /// The container ports the pod declares, by name (empty when unnamed) and number: what a Service's
    /// `targetPort` must find.
    pub ports: Vec<(Arc<str>, i32)>,
    /// (CPU millicores, memory bytes) from metrics.k8s.io, when the cluster serves it.
    pub usage: Option<(u64, u64)>,
    /// Mean utilization (percent) of the GPUs DCGM says the pod holds.
    pub gpu_util: Option<u32>,
    /// Each container's image as the spec names it, and the digest it runs (`imageID`) once started.
    pub images: Vec<(Arc<str>, Option<Arc<str>>)>,
    /// The image a container waits to pull (ErrImagePull, ImagePullBackOff).
    pub pull_image: Option<String>,
    /// What the image's registry says about `pull_image`, once asked.
    pub registry: Option<String>,
}

impl PodRow {
    /// A pod whose containers have all stopped for good: it holds no GPUs any more.
    pub fn finished(&self) -> bool {
        matches!(self.status.as_str(), "Completed" | "Error" | "Failed" | "Succeeded")
    }

    pub fn from_pod(pod: &Pod) -> Self {
        Self::from_pod_interned(pod, &mut Interner::default())
    }

    /// As `from_pod`, sharing image names and digests with the rows built before through `interner`.
    pub fn from_pod_interned(pod: &Pod, interner: &mut Interner) -> Self {
        let statuses = pod.status.as_ref().and_then(|s| s.container_statuses.clone()).unwrap_or_default();
        let declared = pod.spec.as_ref().map(|s| s.containers.len()).unwrap_or(0);
        let ready = statuses.iter().filter(|c| c.ready).count();
        let restarts = statuses.iter().map(|c| c.restart_count).sum();
        let last_restart = statuses
            .iter()
            .filter_map(|c| c.last_state.as_ref()?.terminated.as_ref()?.finished_at.as_ref().map(unix))
            .max();
        let (status, why) = status_and_why(pod, &statuses);
        let gpus = pod
            .spec
            .as_ref()
            .map(|s| {
                s.containers
                    .iter()
                    .filter_map(|c| {
                        let r = c.resources.as_ref()?;
                        let q = r.limits.as_ref().and_then(|l| l.get(GPU)).or_else(|| r.requests.as_ref()?.get(GPU))?;
                        q.0.parse::<u32>().ok()
                    })
                    .sum()
            })
            .unwrap_or(0);
        let owner = pod
            .metadata
            .owner_references
            .as_ref()
            .and_then(|refs| refs.iter().find(|r| r.controller == Some(true)))
            .map(|r| (clean(&r.kind), clean(&r.name)));
        PodRow {
            id: ObjectId::of(&pod.metadata),
            ready: (ready, declared.max(statuses.len())),
            health: health_of(&status),
            status,
            restarts,
            last_restart,
            created: created(&pod.metadata),
            node: clean(pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).unwrap_or_default()),
            gpus,
            why,
            labels: labels(&pod.metadata),
            owner,
            claims: claims(pod),
            empty_dir: pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| v.empty_dir.is_some()),
            containers: pod.spec.iter().flat_map(|s| s.containers.iter().map(|c| clean(&c.name))).collect(),
            ports: ports(pod, interner),
            usage: None,
            gpu_util: None,
            images: images(pod, &statuses, interner),
            pull_image: statuses
                .iter()
                .find(|c| {
                    let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.as_deref());
                    matches!(waiting, Some("ErrImagePull" | "ImagePullBackOff"))
                })
                .map(|c| clean(&c.image)),
            registry: None,
        }
    }
}

/// The claims `pod` mounts: named ones, and the claim Kubernetes creates for each ephemeral volume.
fn claims(pod: &Pod) -> Vec<String> {
    let volumes = pod.spec.iter().flat_map(|s| s.volumes.iter().flatten());
    volumes
        .filter_map(|v| match (&v.persistent_volume_claim, &v.ephemeral) {
            (Some(claim), _) => Some(clean(&claim.claim_name)),
            (None, Some(_)) => Some(clean(&format!("{}-{}", pod.metadata.name.as_deref().unwrap_or_default(), v.name))),
            (None, None) => None,
        })
        .collect()
}

/// The container ports the pod declares, names shared through `interner`.
fn ports(pod: &Pod, interner: &mut Interner) -> Vec<(Arc<str>, i32)> {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    let declared = containers.flat_map(|c| c.ports.iter().flatten());
    declared.map(|p| (interner.intern(&clean(p.name.as_deref().unwrap_or_default())), p.container_port)).collect()
}

/// Each container's image, with the digest its status reports (`imageID` ends in `@sha256:…`).
fn images(pod: &Pod, statuses: &[ContainerStatus], interner: &mut Interner) -> Vec<(Arc<str>, Option<Arc<str>>)> {
    let containers = pod.spec.iter().flat_map(|s| s.containers.iter());
    containers
        .map(|c| {
            let image = interner.intern(&clean(c.image.as_deref().unwrap_or_default()));
            let status = statuses.iter().find(|s| s.name == c.name);
            let digest = status.and_then(|s| s.image_id.rsplit_once('@')).map(|(_, d)| clean(d));
            (image, digest.filter(|d| d.starts_with("sha256:")).map(|d| interner.intern(&d)))
        })
        .collect()
}

/// One shared copy of each image name and digest: 50,000 pods name a few hundred, and a row per pod would
/// otherwise carry its own.
#[derive(Debug, Default)]
pub struct Interner(HashSet<Arc<str>>);

/// Past this many distinct strings (digests of many builds over a long session) the interner starts over; rows
/// keep what they hold.
const INTERNED_MAX: usize = 100_000;

impl Interner {
    pub fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        if self.0.len() >= INTERNED_MAX {
            self.0.clear();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(shared.clone());
        shared
    }
}

/// The status text kubectl prints, and the message behind it when something is wrong.
fn status_and_why(pod: &Pod, statuses: &[ContainerStatus]) -> (String, String) {
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.clone()).unwrap_or_else(|| "Pending".into());
    if pod.metadata.deletion_timestamp.is_some() {
        return ("Terminating".into(), String::new());
    }
    let mut reason = status.and_then(|s| s.reason.clone()).unwrap_or_else(|| phase.clone());
    let mut why = String::new();
    // The last container with a waiting or terminated reason wins, as in kubectl's printPod.
    for c in statuses.iter().rev() {
        let Some(state) = &c.state else { continue };
        if let Some(w) = state.waiting.as_ref().and_then(|w| w.reason.as_ref().map(|r| (r, &w.message))) {
            reason = w.0.clone();
            why = w.1.clone().unwrap_or_default();
        } else if let Some(t) = &state.terminated {
            reason = t.reason.clone().unwrap_or_else(|| format!("ExitCode:{}", t.exit_code));
        }
    }
    if reason == "CrashLoopBackOff" {
        // What killed the last instance is what an operator needs (OOMKilled, Error, exit code).
        if let Some(t) = statuses.iter().find_map(|c| c.last_state.as_ref()?.terminated.as_ref()) {
            why = format!("last exit: {} (code {})", t.reason.as_deref().unwrap_or("Error"), t.exit_code);
        }
    }
    if phase == "Pending" && statuses.is_empty() {
        let unschedulable = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled" && c.status == "False"));
        if let Some(c) = unschedulable {
            why = c.message.clone().unwrap_or_default();
        }
    }
    (clean(&reason), clean(&why))
}

fn health_of(status: &str) -> Health {
    match status {
        "Running" => Health::Ok,
        "Completed" | "Succeeded" => Health::Done,
        "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" => Health::Pending,
        s if s.starts_with("Init:") && !s.contains("Err") && !s.contains("BackOff") => Health::Pending,
        "NotReady" => Health::Warn,
        _ => Health::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "p\u{1b}[2J", "namespace": "ml", "uid": "u1", "creationTimestamp": "2026-11-25T08:00:00Z",
                "labels": {"app": "web"}, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "r", "controller": true}]},
            "spec": {"nodeName": "gpu-1", "containers": [{"name": "c", "image": "i", "resources": {"limits": {"nvidia.com/gpu": "2"}}}]},
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn image_names_and_digests_are_shared_between_rows_and_pulls_are_noticed() {
        let pulling = json!({"phase": "Pending", "containerStatuses": [{"name": "c", "image": "i", "ready": false,
            "restartCount": 0, "imageID": "", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "m"}}}]});
        let running = json!({"phase": "Running", "containerStatuses": [{"name": "c", "image": "i", "ready": true,
            "restartCount": 0, "imageID": format!("docker.io/library/i@sha256:{}", "a".repeat(64)),
            "state": {"running": {"startedAt": "2026-11-25T08:00:05Z"}}}]});
        let mut interner = Interner::default();
        let (a, b) = (
            PodRow::from_pod_interned(&pod(running.clone()), &mut interner),
            PodRow::from_pod_interned(&pod(running), &mut interner),
        );
        assert!(Arc::ptr_eq(&a.images[0].0, &b.images[0].0), "one copy of the image name");
        let (da, db) = (a.images[0].1.clone().unwrap(), b.images[0].1.clone().unwrap());
        assert!(Arc::ptr_eq(&da, &db) && da.starts_with("sha256:aaaa"));
        assert_eq!(a.pull_image, None);
        let stuck = PodRow::from_pod_interned(&pod(pulling), &mut interner);
        assert_eq!((stuck.pull_image.as_deref(), stuck.images[0].1.clone()), (Some("i"), None));
    }

    #[test]
    fn running_pod_row() {
        let row = PodRow::from_pod(&pod(json!({"phase": "Running", "containerStatuses": [
            {"name": "c", "image": "i", "imageID": "", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T08:00:05Z"}}}]})));
        assert_eq!(row.id.name, "p", "escape sequences stripped");
        assert_eq!((row.ready, row.status.as_str(), row.health), ((1, 1), "Running", Health::Ok));
        assert_eq!(row.gpus, 2);
        assert_eq!(row.owner, Some(("ReplicaSet".into(), "web-abc".into())));
    }

    #[test]
    fn crashloop_names_the_last_exit() {
        let row = PodRow::from_pod(&pod(json!({"phase": "Running", "containerStatuses": [
            {"name": "c", "image": "i", "imageID": "", "ready": false, "restartCount": 7,
             "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
             "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-11-25T09:00:00Z"}}}]})));
        assert_eq!((row.status.as_str(), row.health, row.restarts), ("CrashLoopBackOff", Health::Error, 7));
        assert_eq!(row.why, "last exit: OOMKilled (code 137)");
        assert!(row.last_restart.is_some());
    }

    #[test]
    fn pending_pod_explains_scheduling() {
        let row = PodRow::from_pod(&pod(
            json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/12 nodes are available: 5 Insufficient nvidia.com/gpu."}]}),
        ));
        assert_eq!((row.status.as_str(), row.health), ("Pending", Health::Pending));
        assert!(row.why.contains("Insufficient nvidia.com/gpu"));
    }
}
