//! Stuck rollouts in triage: a Deployment whose controller gave up (`ProgressDeadlineExceeded`) or that has not
//! progressed for its deadline without the controller saying so, and a StatefulSet or DaemonSet whose rolling update
//! waits on a pod that is not ready — each a line saying what its new pods are stuck on and offering `:undo`. Judged once a
//! second, and only when some rollout is under way; the pods looked at are those already in triage.

use std::collections::{HashMap, HashSet};

use super::State;
use super::table::Delta;
use super::triage::TriageRow;
use crate::event::ObjectAddress;
use crate::model::nodelayer::DaemonSetFacts;
use crate::model::pods::PodRow;
use crate::model::workloads::{RolloutState, WorkloadKind, WorkloadRow};
use crate::model::{Health, ObjectId};

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
        let daemonsets: Vec<_> = self.fabric.rolling_daemonsets().collect();
        if rolling.is_empty() && daemonsets.is_empty() && self.stuck.lined.is_empty() {
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
            let pods = stuck_pods(&w.id, owner_kind(w.kind), &broken);
            if let Some(line) = stuck_line(w, &pods, self.now) {
                lined.insert(w.id.uid.clone());
                lines.upserts.push(line);
            }
        }
        for d in daemonsets {
            let pods = stuck_pods(&d.id, "DaemonSet", &broken);
            if let (Some(reason), Some((updated, desired))) = (pods_reason(&pods), d.rolling) {
                lined.insert(d.id.uid.clone());
                lines.upserts.push(daemonset_line(d, updated, desired, &reason, &pods));
            }
        }
        for gone in self.stuck.lined.difference(&lined) {
            lines.deletes.push(format!("{KEY}{gone}"));
        }
        self.stuck.lined = lined;
        self.triage.apply(lines);
    }
}

/// The workload's broken pods, owned as `owner_kind`: a Deployment's by its ReplicaSets (`NAME-HASH`), the
/// others' by the workload itself.
fn stuck_pods<'a>(
    workload: &ObjectId,
    owner_kind: &str,
    broken: &HashMap<(&str, &str), Vec<&'a PodRow>>,
) -> Vec<&'a PodRow> {
    let mut pods: Vec<&PodRow> = broken
        .iter()
        .filter(|((ns, owner), _)| {
            *ns == workload.namespace
                && match owner_kind {
                    "ReplicaSet" => owner.rsplit_once('-').is_some_and(|(name, _)| name == workload.name),
                    _ => *owner == workload.name,
                }
        })
        .flat_map(|(_, pods)| pods.iter().copied())
        .filter(|p| p.owner.as_ref().is_some_and(|(k, _)| k == owner_kind))
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

/// A DaemonSet's rolling update waiting on a pod that is not ready: no pane lists DaemonSets, so enter opens its view.
fn daemonset_line(d: &DaemonSetFacts, updated: i32, desired: i32, reason: &str, pods: &[&PodRow]) -> TriageRow {
    let mut id = d.id.clone();
    id.uid = format!("{KEY}{}", d.id.uid);
    TriageRow {
        id,
        object: None,
        address: Some(ObjectAddress {
            api_version: "apps/v1".into(),
            kind: "DaemonSet".into(),
            namespace: d.id.namespace.clone(),
            name: d.id.name.clone(),
        }),
        kind: "daemonset".into(),
        problem: "RolloutBlocked".into(),
        why: format!("{updated} of {desired} nodes updated; the rolling update waits on {reason}; :undo goes back"),
        severity: Health::Error,
        weight: 75,
        since: pods.iter().map(|p| p.created).min().unwrap_or(0),
    }
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
    let mut id = w.id.clone();
    id.uid = format!("{KEY}{}", w.id.uid);
    Some(TriageRow {
        id,
        object: Some(w.object_ref()),
        address: None,
        kind: w.kind.as_str().to_lowercase(),
        problem: problem.into(),
        why,
        severity: Health::Error,
        weight: 75,
        since,
    })
}
