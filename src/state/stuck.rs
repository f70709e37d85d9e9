//! Stuck rollouts in triage: a Deployment whose controller gave up (`ProgressDeadlineExceeded`) or that has not
//! progressed for its deadline without the controller saying so, and a StatefulSet whose rolling update waits on a
//! pod that is not ready — each a line saying what its new pods are stuck on and offering `:undo`. Judged once a
//! second, and only when some rollout is under way; the pods looked at are those already in triage.

use std::collections::{HashMap, HashSet};

use super::State;
use super::table::Delta;
use super::triage::TriageRow;
use crate::event::{ObjectKind, ObjectRef};
use crate::model::Health;
use crate::model::pods::PodRow;
use crate::model::workloads::{RolloutState, WorkloadKind, WorkloadRow};

/// The triage lines' keys: apart from the workload's own line and its events'.
const KEY: &str = "rollout/";

#[derive(Debug, Default)]
pub struct StuckRollouts {
    /// Workloads with a line now, by uid.
    lined: HashSet<String>,
    judged_at: i64,
}

impl State {
    pub(super) fn judge_rollouts(&mut self) {
        if self.stuck.judged_at == self.now {
            return;
        }
        self.stuck.judged_at = self.now;
        let rolling: Vec<&WorkloadRow> = self
            .workloads
            .all()
            .filter(|w| matches!(w.rollout, RolloutState::Rolling { .. } | RolloutState::DeadlineExceeded { .. }))
            .collect();
        if rolling.is_empty() && self.stuck.lined.is_empty() {
            return;
        }
        // The pods triage already holds are the broken ones: grouped by (namespace, owner).
        let mut broken: HashMap<(&str, &str), Vec<&PodRow>> = HashMap::new();
        for line in self.triage.all().filter(|l| l.kind == "pod") {
            let Some(pod) = line.object.as_ref().and_then(|o| self.pods.get(&o.uid)) else { continue };
            if let Some((_, owner)) = &pod.owner {
                broken.entry((pod.id.namespace.as_str(), owner.as_str())).or_default().push(pod);
            }
        }
        let mut lines = Delta::default();
        let mut lined = HashSet::new();
        for w in rolling {
            let pods = stuck_pods(w, &broken);
            if let Some(line) = stuck_line(w, &pods, self.now) {
                lined.insert(w.id.uid.clone());
                lines.upserts.push(line);
            }
        }
        for gone in self.stuck.lined.difference(&lined) {
            lines.deletes.push(format!("{KEY}{gone}"));
        }
        self.stuck.lined = lined;
        self.triage.apply(lines);
    }
}

/// The workload's broken pods: a Deployment's from its ReplicaSets (`NAME-HASH`), a StatefulSet's its own.
fn stuck_pods<'a>(w: &WorkloadRow, broken: &HashMap<(&str, &str), Vec<&'a PodRow>>) -> Vec<&'a PodRow> {
    let namespace = w.id.namespace.as_str();
    let mut pods: Vec<&PodRow> = broken
        .iter()
        .filter(|((ns, owner), _)| {
            *ns == namespace
                && match w.kind {
                    WorkloadKind::Deployment => owner.rsplit_once('-').is_some_and(|(name, _)| name == w.id.name),
                    _ => *owner == w.id.name,
                }
        })
        .flat_map(|(_, pods)| pods.iter().copied())
        .filter(|p| p.owner.as_ref().is_some_and(|(k, _)| k == owner_kind(w.kind)))
        .collect();
    pods.sort_by(|a, b| a.id.name.cmp(&b.id.name));
    pods
}

fn owner_kind(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "ReplicaSet",
        WorkloadKind::StatefulSet => "StatefulSet",
        WorkloadKind::Job => "Job",
    }
}

/// What the pods are stuck on: `2 pods ImagePullBackOff: <why>`.
fn pods_reason(pods: &[&PodRow]) -> Option<String> {
    let first = pods.first()?;
    let count = pods.iter().filter(|p| p.status == first.status).count();
    let noun = if count == 1 { format!("pod {}", first.id.name) } else { format!("{count} pods") };
    let why = first.registry.as_deref().unwrap_or(first.why.as_str());
    Some(if why.is_empty() { format!("{noun} {}", first.status) } else { format!("{noun} {}: {why}", first.status) })
}

fn stuck_line(w: &WorkloadRow, pods: &[&PodRow], now: i64) -> Option<TriageRow> {
    let reason = pods_reason(pods);
    let (problem, why, since) = match (&w.rollout, w.kind) {
        (RolloutState::DeadlineExceeded { message, since }, _) => {
            let on = reason.map_or(String::new(), |r| format!(" new pods: {r};"));
            ("RolloutStuck", format!("{message}{on} :undo goes back to the previous revision"), *since)
        }
        (RolloutState::Rolling { since, deadline: Some(deadline) }, _) if *since > 0 && now - since > *deadline => {
            let on = reason.map_or(String::new(), |r| format!(": {r}"));
            let why = format!(
                "no progress for {} (deadline {deadline}s) and the controller has not said so{on}; :undo goes back",
                crate::model::age(now - since)
            );
            ("RolloutStalled", why, *since)
        }
        (RolloutState::Rolling { .. }, WorkloadKind::StatefulSet) => {
            let reason = reason?;
            let why = format!(
                "{} of {} updated; the rolling update waits on {reason}; :undo goes back",
                w.updated, w.desired
            );
            ("RolloutBlocked", why, pods.iter().map(|p| p.created).min().unwrap_or(w.created))
        }
        _ => return None,
    };
    let kind = match w.kind {
        WorkloadKind::Deployment => ObjectKind::Deployment,
        WorkloadKind::StatefulSet => ObjectKind::StatefulSet,
        WorkloadKind::Job => ObjectKind::Job,
    };
    let mut id = w.id.clone();
    id.uid = format!("{KEY}{}", w.id.uid);
    Some(TriageRow {
        id,
        object: Some(ObjectRef {
            kind,
            namespace: w.id.namespace.clone(),
            name: w.id.name.clone(),
            uid: w.id.uid.clone(),
        }),
        address: None,
        kind: w.kind.as_str().to_lowercase(),
        problem: problem.into(),
        why,
        severity: Health::Error,
        weight: 75,
        since,
    })
}
