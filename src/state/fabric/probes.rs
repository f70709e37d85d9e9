//! Health checks: readiness and liveness failures (`Unhealthy` events) grouped per workload, with the probe's
//! target from the pod template and the last failure message.

use std::collections::BTreeMap;

use super::{Finding, Kind, World};
use crate::model::Health;
use crate::model::events::WarningEvent;
use crate::model::pods::PodRow;
use crate::state::triage::{TriageRow, WARNING_WINDOW};

/// The kubelet's event for a failed probe.
pub const UNHEALTHY: &str = "Unhealthy";

/// The workload a pod belongs to: a ReplicaSet's pods are their Deployment's (the ReplicaSet's name is the
/// Deployment's plus the pod-template hash).
fn workload_of(p: &PodRow) -> (String, String) {
    match &p.owner {
        Some((kind, name)) if kind == "ReplicaSet" => match p.labels.get("pod-template-hash") {
            Some(hash) => ("Deployment".into(), name.strip_suffix(&format!("-{hash}")).unwrap_or(name).to_string()),
            None => (kind.clone(), name.clone()),
        },
        Some((kind, name)) => (kind.clone(), name.clone()),
        None => ("Pod".into(), p.id.name.clone()),
    }
}

fn api_kind(kind: &str) -> Kind {
    let (label, api_version, kind) = match kind {
        "Deployment" => ("deployment", "apps/v1", "Deployment"),
        "StatefulSet" => ("statefulset", "apps/v1", "StatefulSet"),
        "DaemonSet" => ("daemonset", "apps/v1", "DaemonSet"),
        "ReplicaSet" => ("replicaset", "apps/v1", "ReplicaSet"),
        "Job" => ("job", "batch/v1", "Job"),
        _ => ("pod", "v1", "Pod"),
    };
    Kind { label, api_version, kind }
}

/// A workload's pods failing a probe, each with its latest event.
type Failing<'a> = Vec<(&'a PodRow, &'a WarningEvent)>;

pub fn lines(failures: &BTreeMap<String, WarningEvent>, world: &World<'_>, now: i64) -> Vec<TriageRow> {
    let mut groups: BTreeMap<(String, String, String), Failing<'_>> = BTreeMap::new();
    for (uid, e) in failures {
        let Some(p) = world.pods.get(uid).filter(|p| !p.finished()) else { continue };
        if now - e.last > WARNING_WINDOW {
            continue;
        }
        let (kind, name) = workload_of(p);
        groups.entry((p.id.namespace.clone(), kind, name)).or_default().push((p, e));
    }
    groups
        .into_iter()
        .filter_map(|((namespace, kind, name), failing)| {
            let (_, last) = failing.iter().max_by_key(|(_, e)| e.last)?;
            let times: i32 = failing.iter().map(|(_, e)| e.count).sum();
            let workload = world
                .workloads
                .all()
                .find(|w| w.kind.as_str() == kind && w.id.namespace == namespace && w.id.name == name);
            let probe = workload.map(|w| w.probes.as_slice()).unwrap_or_default();
            let liveness = last.message.starts_with("Liveness");
            let target = probe
                .iter()
                .find(|p| p.starts_with(if liveness { "liveness" } else { "readiness" }))
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            let finding = Finding {
                problem: if liveness { "LivenessFailing" } else { "ReadinessFailing" },
                why: format!("{} pods failed ×{times}{target}: {}", failing.len(), last.message),
                // A failing liveness probe restarts containers; a failing readiness one takes pods out of
                // their Services.
                severity: if liveness { Health::Error } else { Health::Warn },
                weight: 65,
                since: failing.iter().map(|(_, e)| e.last).min().unwrap_or(now),
            };
            let id = crate::model::ObjectId {
                namespace: namespace.clone(),
                name: name.clone(),
                uid: workload.map(|w| w.id.uid.clone()).unwrap_or_default(),
            };
            let mut line = finding.line(format!("probe/{namespace}/{kind}/{name}"), api_kind(&kind), &id);
            line.object = workload.map(|w| w.object_ref());
            Some(line)
        })
        .collect()
}
