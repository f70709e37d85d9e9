//! The triage pane: everything broken now, ranked worst first, one line of "why" each, derived from the other panes.

use super::table::{Column, Delta, Row, SortKey};
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::workloads::{WorkloadKind, WorkloadRow};
use crate::model::{Health, ObjectId, age};

/// Which pane `enter` jumps to for a triage line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Pod,
    Node,
    Workload,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriageRow {
    pub id: ObjectId,
    pub target: Target,
    pub kind: &'static str,
    pub problem: String,
    pub why: String,
    pub severity: Health,
    /// Rank inside a severity: problems that bite harder sort first (CrashLoop before Pending…).
    pub weight: i64,
    pub since: i64,
}

const COLUMNS: &[Column] = &[
    Column::new("SEVERITY", 8, 0),
    Column::new("KIND", 4, 2),
    Column::new("NAMESPACE", 12, 3),
    Column::new("NAME", 30, 0),
    Column::new("PROBLEM", 17, 0),
    Column::new("AGE", 4, 1),
    Column::new("WHY", 0, 0),
];

impl Row for TriageRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self, now: i64) -> Vec<String> {
        let severity = match self.severity {
            Health::Error => "error",
            Health::Warn => "warning",
            _ => "pending",
        };
        vec![
            severity.into(),
            self.kind.into(),
            self.id.namespace.clone(),
            self.id.name.clone(),
            self.problem.clone(),
            age(now - self.since),
            self.why.clone(),
        ]
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            1 => SortKey::Text(self.kind),
            2 => SortKey::Text(&self.id.namespace),
            3 => SortKey::Text(&self.id.name),
            4 => SortKey::Text(&self.problem),
            5 => SortKey::Num(now - self.since),
            6 => SortKey::Text(&self.why),
            // Worst first: severity, then weight.
            _ => SortKey::Num(-(self.severity as i64) * 1000 - self.weight),
        }
    }

    fn health(&self) -> Health {
        self.severity
    }

    fn search_text(&self) -> String {
        format!("{} {}/{} {} {}", self.kind, self.id.namespace, self.id.name, self.problem, self.why)
    }
}

fn pod_weight(status: &str) -> i64 {
    match status {
        "CrashLoopBackOff" => 90,
        "OOMKilled" => 85,
        "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => 80,
        "Error" => 60,
        "Pending" => 50,
        _ => 40,
    }
}

/// Ranks what is broken across pods, nodes and workloads.
pub fn derive<'a>(
    pods: impl Iterator<Item = &'a PodRow>,
    nodes: impl Iterator<Item = &'a NodeRow>,
    workloads: impl Iterator<Item = &'a WorkloadRow>,
) -> Vec<TriageRow> {
    pods.filter_map(pod_line).chain(nodes.filter_map(node_line)).chain(workloads.filter_map(workload_line)).collect()
}

/// Records an object's new triage line, or its removal when it is no longer broken.
pub fn track(delta: &mut Delta<TriageRow>, uid: &str, line: Option<TriageRow>) {
    match line {
        Some(line) => delta.upserts.push(line),
        None => delta.deletes.push(uid.to_string()),
    }
}

/// A crash-looping, failing, OOMKilled or unschedulable pod.
pub fn pod_line(p: &PodRow) -> Option<TriageRow> {
    let pending_long = p.status == "Pending" && !p.why.is_empty();
    if !(matches!(p.health, Health::Error | Health::Warn) || pending_long) {
        return None;
    }
    let why = if p.why.is_empty() && p.restarts > 0 { format!("{} restarts", p.restarts) } else { p.why.clone() };
    Some(TriageRow {
        id: p.id.clone(),
        target: Target::Pod,
        kind: "pod",
        problem: p.status.clone(),
        why,
        severity: if pending_long { Health::Warn } else { p.health },
        weight: pod_weight(&p.status) + i64::from(p.restarts.min(9)),
        since: p.last_restart.unwrap_or(p.created),
    })
}

/// A NotReady node or one under pressure.
pub fn node_line(n: &NodeRow) -> Option<TriageRow> {
    if n.health == Health::Ok {
        return None;
    }
    let problem = if n.status.starts_with("Ready") { n.pressure.join(",") } else { n.status.clone() };
    Some(TriageRow {
        id: n.id.clone(),
        target: Target::Node,
        kind: "node",
        problem: if problem.is_empty() { n.status.clone() } else { problem },
        why: n.taints.iter().filter(|t| t.starts_with("node.kubernetes.io/")).cloned().collect::<Vec<_>>().join(" "),
        severity: n.health,
        weight: 95,
        since: n.created,
    })
}

/// A failed job.
pub fn workload_line(w: &WorkloadRow) -> Option<TriageRow> {
    if w.kind != WorkloadKind::Job || w.health != Health::Error {
        return None;
    }
    Some(TriageRow {
        id: w.id.clone(),
        target: Target::Workload,
        kind: "job",
        problem: "Failed".into(),
        why: format!("{} completions", w.completions),
        severity: Health::Error,
        weight: 70,
        since: w.finished.or(w.started).unwrap_or(w.created),
    })
}
