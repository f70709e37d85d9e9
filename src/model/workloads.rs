//! Deployments, statefulsets and jobs → WorkloadRow: ready/desired, completions, duration, GPUs per pod.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{GPU, Health, ObjectId, created, unix};
use crate::event::{ObjectKind, ObjectRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    Job,
}

impl WorkloadKind {
    /// The kind as the console addresses objects (describe, YAML, jumps from triage).
    pub fn object_kind(self) -> ObjectKind {
        match self {
            WorkloadKind::Deployment => ObjectKind::Deployment,
            WorkloadKind::StatefulSet => ObjectKind::StatefulSet,
            WorkloadKind::Job => ObjectKind::Job,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::Job => "Job",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadRow {
    pub id: ObjectId,
    pub kind: WorkloadKind,
    pub ready: i32,
    pub desired: i32,
    /// Jobs: "succeeded/completions"; empty for the others.
    pub completions: String,
    /// Jobs: start → completion (or now); None for the others.
    pub started: Option<i64>,
    pub finished: Option<i64>,
    pub status: String,
    pub health: Health,
    pub gpus_per_pod: u32,
    /// The template's readiness and liveness probes, as `readiness http-get :8000/health`.
    pub probes: Vec<String>,
    pub created: i64,
    /// The pod selector, to drill into the workload's pods.
    pub selector: std::collections::BTreeMap<String, String>,
    /// What `s` changes: spec.replicas, or a job's spec.parallelism.
    pub scale: i32,
    /// metadata.generation and status.observedGeneration: a rollout is done only once the controller caught up.
    pub generation: i64,
    pub observed: i64,
    /// Replicas on the current template, and all replicas (old ones included).
    pub updated: i32,
    pub current: i32,
    /// Where a Deployment's or StatefulSet's rollout stands.
    pub rollout: RolloutState,
}

/// Where a rollout stands, as the controller's status says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RolloutState {
    #[default]
    Settled,
    Paused,
    /// Under way: when it last progressed (0 when the status does not say), and the seconds it may go without
    /// progress (a Deployment's `progressDeadlineSeconds`; StatefulSets have none).
    Rolling {
        since: i64,
        deadline: Option<i64>,
    },
    /// The deployment controller gave up: `Progressing` False, `ProgressDeadlineExceeded`, with its message.
    DeadlineExceeded {
        message: String,
        since: i64,
    },
}

impl RolloutState {
    fn of_deployment(d: &Deployment) -> RolloutState {
        let progressing = d
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref()?.iter().find(|c| c.type_.as_deref() == Some("Progressing")));
        let since = |t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| t.map_or(0, unix);
        match progressing {
            _ if d.spec.paused == Some(true) => RolloutState::Paused,
            Some(c) if c.reason.as_deref() == Some("ProgressDeadlineExceeded") => RolloutState::DeadlineExceeded {
                message: crate::sanitize::clean(c.message.as_deref().unwrap_or_default()),
                since: since(c.last_transition_time.as_ref()),
            },
            // kube's controller sets NewReplicaSetAvailable once the rollout completes, and keeps it.
            Some(c) if c.reason.as_deref() != Some("NewReplicaSetAvailable") => RolloutState::Rolling {
                since: since(c.last_update_time.as_ref()),
                deadline: Some(i64::from(d.spec.progress_deadline_seconds.unwrap_or(600))),
            },
            _ => RolloutState::Settled,
        }
    }

    fn of_statefulset(s: &StatefulSet) -> RolloutState {
        let Some(status) = s.status.as_ref() else { return RolloutState::Settled };
        let want = s.spec.replicas.unwrap_or(1);
        let revisions_differ = status.update_revision.is_some() && status.update_revision != status.current_revision;
        if revisions_differ || status.updated_replicas.unwrap_or(0) < want {
            RolloutState::Rolling { since: 0, deadline: None }
        } else {
            RolloutState::Settled
        }
    }
}

/// Rollout counters from a deployment's or statefulset's status.
struct RolloutCounts {
    observed: i64,
    updated: i32,
    current: i32,
}

fn gpus(template: &PodTemplateSpec) -> u32 {
    template
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .filter_map(|c| c.resources.as_ref()?.limits.as_ref()?.get(GPU)?.0.parse::<u32>().ok())
                .sum()
        })
        .unwrap_or(0)
}

fn replica_health(ready: i32, desired: i32) -> (String, Health) {
    match (ready, desired) {
        (r, d) if r >= d => ("Ready".into(), Health::Ok),
        (0, _) => ("Unavailable".into(), Health::Error),
        _ => ("Degraded".into(), Health::Warn),
    }
}

impl WorkloadRow {
    /// The workload as an object reference: what enter jumps to and describe shows.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind.object_kind(),
            namespace: self.id.namespace.clone(),
            name: self.id.name.clone(),
            uid: self.id.uid.clone(),
        }
    }

    pub fn from_deployment(d: &Deployment) -> Self {
        let status = d.status.as_ref();
        let rollout = RolloutCounts {
            observed: status.and_then(|s| s.observed_generation).unwrap_or(0),
            updated: status.and_then(|s| s.updated_replicas).unwrap_or(0),
            current: status.and_then(|s| s.replicas).unwrap_or(0),
        };
        let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let spec = &d.spec;
        let kind = WorkloadKind::Deployment;
        let mut row =
            WorkloadRow::replicated(kind, &d.metadata, spec.replicas, ready, rollout, &spec.template, &spec.selector);
        row.rollout = RolloutState::of_deployment(d);
        row
    }

    pub fn from_statefulset(s: &StatefulSet) -> Self {
        let status = s.status.as_ref();
        let rollout = RolloutCounts {
            observed: status.and_then(|s| s.observed_generation).unwrap_or(0),
            updated: status.and_then(|s| s.updated_replicas).unwrap_or(0),
            current: status.map_or(0, |s| s.replicas),
        };
        let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let spec = &s.spec;
        let kind = WorkloadKind::StatefulSet;
        let mut row =
            WorkloadRow::replicated(kind, &s.metadata, spec.replicas, ready, rollout, &spec.template, &spec.selector);
        row.rollout = RolloutState::of_statefulset(s);
        row
    }

    /// Deployments and statefulsets: ready of desired replicas.
    fn replicated(
        kind: WorkloadKind,
        meta: &ObjectMeta,
        replicas: Option<i32>,
        ready: i32,
        rollout: RolloutCounts,
        template: &PodTemplateSpec,
        selector: &LabelSelector,
    ) -> Self {
        let desired = replicas.unwrap_or(1);
        let (status, health) = replica_health(ready, desired);
        WorkloadRow {
            id: ObjectId::of(meta),
            kind,
            ready,
            desired,
            completions: String::new(),
            started: None,
            finished: None,
            status,
            health,
            gpus_per_pod: gpus(template),
            probes: probes(template),
            created: created(meta),
            selector: selector.match_labels.clone().unwrap_or_default(),
            scale: desired,
            generation: meta.generation.unwrap_or(0),
            observed: rollout.observed,
            updated: rollout.updated,
            current: rollout.current,
            rollout: RolloutState::Settled,
        }
    }

    pub fn from_job(j: &Job) -> Self {
        let spec = j.spec.as_ref();
        let status = j.status.as_ref();
        let completions = spec.and_then(|s| s.completions).unwrap_or(1);
        let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
        let active = status.and_then(|s| s.active).unwrap_or(0);
        let condition = |kind: &str| {
            status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
        };
        let (text, health) = if condition("Failed") {
            ("Failed", Health::Error)
        } else if condition("Complete") {
            ("Complete", Health::Done)
        } else if spec.and_then(|s| s.suspend).unwrap_or(false) {
            ("Suspended", Health::Pending)
        } else {
            ("Running", Health::Ok)
        };
        WorkloadRow {
            id: ObjectId::of(&j.metadata),
            kind: WorkloadKind::Job,
            ready: status.and_then(|s| s.ready).unwrap_or(0),
            desired: active,
            completions: format!("{succeeded}/{completions}"),
            started: status.and_then(|s| s.start_time.as_ref()).map(unix),
            finished: status.and_then(|s| s.completion_time.as_ref()).map(unix),
            status: text.into(),
            health,
            gpus_per_pod: spec.map(|s| gpus(&s.template)).unwrap_or(0),
            probes: spec.map(|s| probes(&s.template)).unwrap_or_default(),
            created: created(&j.metadata),
            selector: spec.and_then(|s| s.selector.as_ref()?.match_labels.clone()).unwrap_or_default(),
            scale: spec.and_then(|s| s.parallelism).unwrap_or(1),
            generation: j.metadata.generation.unwrap_or(0),
            observed: 0,
            updated: active,
            current: active,
            rollout: RolloutState::Settled,
        }
    }
}

/// Each container's readiness and liveness probe, as kubectl describe names its target.
fn probes(template: &PodTemplateSpec) -> Vec<String> {
    let containers = template.spec.iter().flat_map(|s| s.containers.iter());
    let mut out = Vec::new();
    for c in containers {
        for (kind, probe) in [("readiness", &c.readiness_probe), ("liveness", &c.liveness_probe)] {
            let Some(p) = probe else { continue };
            let port = |p: &k8s_openapi::apimachinery::pkg::util::intstr::IntOrString| match p {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
            };
            let target = match (&p.http_get, &p.tcp_socket, &p.grpc, &p.exec) {
                (Some(h), ..) => format!("http-get :{}{}", port(&h.port), h.path.as_deref().unwrap_or("/")),
                (_, Some(t), ..) => format!("tcp-socket :{}", port(&t.port)),
                (_, _, Some(g), _) => format!("grpc :{}", g.port),
                (_, _, _, Some(e)) => {
                    format!("exec [{}]", e.command.iter().flatten().cloned().collect::<Vec<_>>().join(" "))
                }
                _ => continue,
            };
            out.push(crate::sanitize::clean(&format!("{kind} {target}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_and_deployment_rows() {
        let job: Job = serde_json::from_value(json!({"metadata": {"name": "ft", "namespace": "ml", "uid": "j"},
            "spec": {"completions": 4, "template": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "8"}}}]}}},
            "status": {"succeeded": 1, "active": 3, "startTime": "2026-11-25T08:00:00Z", "conditions": []}}))
        .unwrap();
        let row = WorkloadRow::from_job(&job);
        assert_eq!((row.completions.as_str(), row.status.as_str(), row.gpus_per_pod), ("1/4", "Running", 8));
        let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "web", "uid": "d"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": []}}},
            "status": {"readyReplicas": 1}})).unwrap();
        let row = WorkloadRow::from_deployment(&d);
        assert_eq!((row.ready, row.desired, row.health), (1, 3, Health::Warn));
        assert_eq!(row.selector.get("app").map(String::as_str), Some("web"));
    }
}
