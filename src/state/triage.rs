//! The triage pane: everything broken now, ranked worst first, one line of "why" each, derived from the other panes.

use std::collections::{HashMap, HashSet};

use super::table::{Column, Delta, Row, SortKey};
use crate::event::{ObjectAddress, ObjectKind, ObjectRef};
use crate::model::cell::Cell;
use crate::model::events::WarningEvent;
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::workloads::{WorkloadKind, WorkloadRow};
use crate::model::{Health, ObjectId};

/// Lines about Warning events are keyed apart from the object's own line (both may exist while they swap).
const EVENT_KEY: &str = "event/";

/// How long a Warning event stays a triage line after it last happened.
pub const WARNING_WINDOW: i64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct TriageRow {
    /// The namespace and name shown; `uid` is the line's own key.
    pub id: ObjectId,
    /// What enter jumps to and describe shows; `None` for kinds no pane lists (a ReplicaSet's FailedCreate).
    pub object: Option<ObjectRef>,
    /// What `d`, `y` and `enter` address when no pane lists the kind (a Service, a claim…): enter opens the
    /// kind's view with the object selected.
    pub address: Option<ObjectAddress>,
    pub kind: String,
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

    fn cells(&self) -> Vec<Cell> {
        let severity = match self.severity {
            Health::Error => "error",
            Health::Warn => "warning",
            _ => "pending",
        };
        vec![
            Cell::Text(severity.into()),
            Cell::text(self.kind.clone()),
            Cell::text(self.id.namespace.clone()),
            Cell::text(self.id.name.clone()),
            Cell::text(self.problem.clone()),
            Cell::SinceMinutes(self.since),
            Cell::text(self.why.clone()),
        ]
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            1 => SortKey::Text(&self.kind),
            2 => SortKey::Text(&self.id.namespace),
            3 => SortKey::Text(&self.id.name),
            4 => SortKey::Text(&self.problem),
            5 => SortKey::Num(now - self.since),
            6 => SortKey::Text(&self.why),
            // Worst first: severity, then weight; then by name, so a restart changes its line but moves nothing.
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

/// Ranks what is broken across pods, nodes and workloads; recent Warning events add a line for objects that have
/// none of their own.
pub fn derive<'a>(
    pods: impl Iterator<Item = &'a PodRow>,
    nodes: impl Iterator<Item = &'a NodeRow>,
    workloads: impl Iterator<Item = &'a WorkloadRow>,
    warnings: &Warnings,
    now: i64,
) -> Vec<TriageRow> {
    let mut lines: Vec<TriageRow> = pods
        .filter_map(|p| pod_line(p, now))
        .chain(nodes.filter_map(node_line))
        .chain(workloads.filter_map(workload_line))
        .collect();
    let own: HashSet<String> = lines.iter().map(|l| l.id.uid.clone()).collect();
    lines.extend(warnings.latest_per_object().filter(|e| !own.contains(&e.object.uid)).map(event_line));
    lines
}

/// Records an object's own triage line, or its removal when it is no longer broken; its latest Warning event stands
/// in for it while it has none.
pub fn track(delta: &mut Delta<TriageRow>, uid: &str, own: Option<TriageRow>, warnings: &Warnings) {
    let event_key = format!("{EVENT_KEY}{uid}");
    match own {
        Some(line) => {
            delta.upserts.push(line);
            delta.deletes.push(event_key);
        }
        None => {
            delta.deletes.push(uid.to_string());
            match warnings.latest_alone(uid) {
                Some(e) => delta.upserts.push(event_line(e)),
                None => delta.deletes.push(event_key),
            }
        }
    }
}

/// Removes a deleted object's lines, its own and its event line.
pub fn forget(delta: &mut Delta<TriageRow>, uid: &str) {
    delta.deletes.push(uid.to_string());
    delta.deletes.push(format!("{EVENT_KEY}{uid}"));
}

/// Whether a Warning event is a line of its own: a pod's failed probes and sandbox are grouped into one line per
/// workload and per node instead (thirty pods stuck on one broken CNI are one problem).
fn stands_alone(e: &WarningEvent) -> bool {
    !(e.kind == "Pod" && super::fabric::GROUPED_REASONS.contains(&e.reason.as_str()))
}

/// An object's latest Warning event as its line.
fn event_line(e: &WarningEvent) -> TriageRow {
    let object = ObjectKind::from_kind(&e.kind).map(|kind| ObjectRef {
        kind,
        namespace: e.object.namespace.clone(),
        name: e.object.name.clone(),
        uid: e.object.uid.clone(),
    });
    let times = if e.count > 1 { format!(" (×{})", e.count) } else { String::new() };
    TriageRow {
        id: ObjectId { uid: format!("{EVENT_KEY}{}", e.object.uid), ..e.object.clone() },
        object,
        address: None,
        kind: e.kind.to_lowercase(),
        problem: e.reason.clone(),
        why: format!("{}{times}", e.message),
        severity: Health::Warn,
        weight: 30,
        since: e.last,
    }
}

fn own_object(kind: ObjectKind, id: &ObjectId) -> Option<ObjectRef> {
    Some(ObjectRef { kind, namespace: id.namespace.clone(), name: id.name.clone(), uid: id.uid.clone() })
}

/// How long a restart keeps a pod in triage while it is momentarily Running between crashes.
pub const RESTART_WINDOW: i64 = 15 * 60;

/// What a crash-looping pod shows in the seconds it runs between crashes.
pub const RESTARTING: &str = "Restarting";

/// A crash-looping, failing, OOMKilled or unschedulable pod. A pod that restarted within `RESTART_WINDOW` keeps its
/// line, and its place, through the Running → Error → CrashLoopBackOff cycle, instead of flickering in and out.
pub fn pod_line(p: &PodRow, now: i64) -> Option<TriageRow> {
    let pending_long = p.status == "Pending" && !p.why.is_empty();
    let broken = matches!(p.health, Health::Error | Health::Warn);
    let restarting = p.restarts > 0 && p.last_restart.is_some_and(|t| now - t <= RESTART_WINDOW);
    if !(broken || pending_long || restarting) {
        return None;
    }
    let why = match &p.registry {
        Some(verdict) => verdict.clone(),
        None if p.why.is_empty() && p.restarts > 0 => format!("{} restarts", p.restarts),
        None => p.why.clone(),
    };
    let (severity, weight) = match () {
        _ if restarting => (Health::Error, pod_weight("CrashLoopBackOff")),
        _ if pending_long && !broken => (Health::Warn, pod_weight("Pending")),
        _ => (p.health, pod_weight(&p.status)),
    };
    Some(TriageRow {
        id: p.id.clone(),
        object: own_object(ObjectKind::Pod, &p.id),
        address: None,
        kind: "pod".into(),
        problem: if broken || pending_long { p.status.clone() } else { RESTARTING.into() },
        why,
        severity,
        weight: weight + i64::from(p.restarts.min(9)),
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
        object: own_object(ObjectKind::Node, &n.id),
        address: None,
        kind: "node".into(),
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
        object: own_object(ObjectKind::Job, &w.id),
        address: None,
        kind: "job".into(),
        problem: "Failed".into(),
        why: format!("{} completions", w.completions),
        severity: Health::Error,
        weight: 70,
        since: w.finished.or(w.started).unwrap_or(w.created),
    })
}

/// Recent Warning events, indexed by the object they are about.
#[derive(Debug, Default)]
pub struct Warnings {
    /// object uid → event uid → event.
    by_object: HashMap<String, HashMap<String, WarningEvent>>,
    /// event uid → object uid, so a deleted event can be found.
    object_of: HashMap<String, String>,
}

impl Warnings {
    /// Takes in changed events; returns the objects whose latest warning may have changed. Events older than
    /// `WARNING_WINDOW` are not kept.
    pub fn apply(&mut self, delta: Delta<WarningEvent>, now: i64) -> Vec<String> {
        let mut touched = Vec::new();
        if delta.reset {
            touched.extend(self.by_object.keys().cloned());
            self.by_object.clear();
            self.object_of.clear();
        }
        for uid in &delta.deletes {
            touched.extend(self.remove(uid));
        }
        for e in delta.upserts {
            touched.extend(self.remove(&e.uid));
            if now - e.last > WARNING_WINDOW || e.object.uid.is_empty() {
                continue;
            }
            touched.push(e.object.uid.clone());
            self.object_of.insert(e.uid.clone(), e.object.uid.clone());
            self.by_object.entry(e.object.uid.clone()).or_default().insert(e.uid.clone(), e);
        }
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Drops events that have aged out of the window; returns the objects that lost one.
    pub fn prune(&mut self, now: i64) -> Vec<String> {
        let old: Vec<String> = self
            .by_object
            .values()
            .flat_map(HashMap::values)
            .filter(|e| now - e.last > WARNING_WINDOW)
            .map(|e| e.uid.clone())
            .collect();
        let mut touched: Vec<String> = old.iter().filter_map(|uid| self.remove(uid)).collect();
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    fn remove(&mut self, event_uid: &str) -> Option<String> {
        let object = self.object_of.remove(event_uid)?;
        if let Some(events) = self.by_object.get_mut(&object) {
            events.remove(event_uid);
            if events.is_empty() {
                self.by_object.remove(&object);
            }
        }
        Some(object)
    }

    pub fn latest(&self, object_uid: &str) -> Option<&WarningEvent> {
        self.by_object.get(object_uid)?.values().max_by_key(|e| (e.last, &e.uid))
    }

    /// The latest event about an object that is a line of its own (not one grouped per workload or node).
    pub fn latest_alone(&self, object_uid: &str) -> Option<&WarningEvent> {
        self.by_object.get(object_uid)?.values().filter(|e| stands_alone(e)).max_by_key(|e| (e.last, &e.uid))
    }

    fn latest_per_object(&self) -> impl Iterator<Item = &WarningEvent> {
        self.by_object.keys().filter_map(|uid| self.latest_alone(uid))
    }
}
