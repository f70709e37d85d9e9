//! Commands on the selection: `space` marks rows, and `:cordon` `:uncordon` `:delete` `:evict` `:label` `:taint`
//! act on the marked rows of the focused pane (else the selected one) after a yes. The question says what a delete
//! takes with it and why returning a node to service is risky; read-only refuses before anything is asked.

use super::{Mode, Notice, Pane, State, warning};
use crate::event::{Effect, ObjectAddress, OperationResult};
use crate::model::operation::{Cascade, Operation};

/// kubectl's warning before a delete with `--force` and grace 0.
pub const FORCE_WARNING: &str = "Immediate deletion does not wait for confirmation that the running resource has \
                                 been terminated. The resource may continue to run on the cluster indefinitely.";

impl State {
    /// `space`: marks or unmarks the selected row and moves to the next (inference: picks the image).
    pub(super) fn toggle_mark(&mut self) {
        if self.pane == Pane::Inference {
            self.inference.toggle_pick();
            return;
        }
        let table = self.focused();
        table.toggle_mark();
        table.move_by(1);
    }

    /// The objects a command acts on: the marked rows of the focused pane, else the selected one.
    pub(super) fn targets(&self) -> Vec<ObjectAddress> {
        let marked = self.table(self.pane).marked();
        if marked.is_empty() {
            return self.selected_address().into_iter().collect();
        }
        marked.iter().filter_map(|uid| self.address_in_pane(uid)).collect()
    }

    /// The object of row `uid` in the focused pane.
    fn address_in_pane(&self, uid: &str) -> Option<ObjectAddress> {
        match self.pane {
            Pane::Browse => self.browse.address_of(uid),
            _ => self.object_in_pane(uid).as_ref().map(ObjectAddress::from),
        }
    }

    /// `:WORD ARGS…` when WORD is one of these commands (false otherwise).
    pub(super) fn operation_command(&mut self, word: &str, args: &[&str]) -> bool {
        match Operation::parse(word, args) {
            None => return false,
            Some(Ok(operation)) => self.ask_operation(operation),
            Some(Err(why)) => self.notice = Some(warning(why)),
        }
        true
    }

    /// The question before `operation` on the targets; nothing is sent until it is answered yes.
    pub(super) fn ask_operation(&mut self, operation: Operation) {
        let targets = self.targets();
        self.ask_operation_on(operation, targets);
    }

    /// The question before `operation` on `targets`.
    pub(super) fn ask_operation_on(&mut self, operation: Operation, targets: Vec<ObjectAddress>) {
        if self.refuse_in_read_only(&operation.to_string()) {
            return;
        }
        if targets.is_empty() {
            self.notice = Some(warning(format!("{operation}: select a row (space marks several)")));
            return;
        }
        if let Some(kind) = operation.only_kind()
            && let Some(other) = targets.iter().find(|t| t.kind != kind)
        {
            self.notice =
                Some(warning(format!("{operation} acts on {}s; {} is not one", kind.to_lowercase(), other.title())));
            return;
        }
        let what = format!("{operation} {}", names(&targets));
        let (question, second) = match &operation {
            Operation::Delete { force, cascade, .. } => (self.delete_question(&what, &targets, *force, *cascade), None),
            Operation::Uncordon => self.uncordon_question(&what, &targets),
            Operation::Evict => (format!("{what}? each goes through its PodDisruptionBudget"), None),
            _ => (format!("{what}?"), None),
        };
        self.ask_to_send(question, second, Effect::Operate { operation, targets }, Mode::Normal);
    }

    /// What goes with a delete: a workload's pods (unless orphaned), whether a pod comes back, kubectl's force warning.
    fn delete_question(&self, what: &str, targets: &[ObjectAddress], force: bool, cascade: Cascade) -> String {
        let mut notes: Vec<String> = Vec::new();
        for t in targets {
            let owned = self.pods.all().filter(|p| p.id.namespace == t.namespace && self.owns(t, p)).count();
            match t.kind.as_str() {
                "Pod" => {
                    let pod = self.pods.all().find(|p| p.id.namespace == t.namespace && p.id.name == t.name);
                    match pod.and_then(|p| p.owner.as_ref()) {
                        Some((kind, name)) => notes.push(format!("{} is recreated by its {kind} {name}", t.name)),
                        None => notes.push(format!("{} is a bare pod: nothing recreates it", t.name)),
                    }
                    if pod.is_some_and(|p| p.status == "Terminating") && !force {
                        notes.push(format!("{} is stuck Terminating: :delete --force removes it at once", t.name));
                    }
                }
                _ if cascade == Cascade::Orphan && owned > 0 => {
                    notes.push(format!("{}'s {owned} pods stay, without an owner", t.name))
                }
                "Deployment" => notes.push(format!("{}'s ReplicaSets and their {owned} pods go too", t.name)),
                "StatefulSet" | "Job" | "DaemonSet" | "ReplicaSet" => {
                    notes.push(format!("{}'s {owned} pods go too", t.name))
                }
                _ => {}
            }
        }
        if cascade == Cascade::Foreground {
            notes.push("each object stays until what it owns is gone (foreground)".into());
        }
        if force {
            notes.push(format!("Warning: {FORCE_WARNING}"));
        }
        if notes.is_empty() { format!("{what}?") } else { format!("{what}? {}", notes.join("; ")) }
    }

    /// Whether pod `p` belongs to workload `t`: directly, or (a Deployment) through one of its ReplicaSets.
    pub(super) fn owns(&self, t: &ObjectAddress, p: &crate::model::pods::PodRow) -> bool {
        match (&p.owner, t.kind.as_str()) {
            (Some((kind, name)), "Deployment") => {
                kind == "ReplicaSet" && name.strip_prefix(&t.name).is_some_and(|rest| rest.starts_with('-'))
            }
            (Some((kind, name)), _) => *kind == t.kind && *name == t.name,
            (None, _) => false,
        }
    }

    /// A node whose last validation failed, or that has had an XID with no passing validation, is asked about twice.
    fn uncordon_question(&self, what: &str, targets: &[ObjectAddress]) -> (String, Option<String>) {
        let risky: Vec<String> = targets
            .iter()
            .filter_map(|t| {
                let node = self.node_rows.values().find(|n| n.id.name == t.name)?;
                let xid = self
                    .gpus
                    .table
                    .all()
                    .any(|g| g.id.name == t.name && g.heat.contains(&crate::model::cell::Heat::Xid));
                match node.validated.as_deref() {
                    Some("fail") => Some(format!("{}'s last validation FAILED", t.name)),
                    Some("pass") => None,
                    _ if xid => Some(format!("{} has had an XID and no validation has passed since", t.name)),
                    _ => None,
                }
            })
            .collect();
        if risky.is_empty() {
            return (format!("{what}? new pods may land there again"), None);
        }
        let why = risky.join("; ");
        (format!("{what}? {why}"), Some(format!("really return it to service? {why} — y again to uncordon")))
    }

    /// An operation answered: one line for all its objects, the failures named.
    pub(super) fn absorb_operated(&mut self, what: String, results: Vec<OperationResult>) {
        let failed: Vec<String> =
            results.iter().filter_map(|r| r.result.as_ref().err().map(|e| format!("{}: {e}", r.title))).collect();
        let done: Vec<String> =
            results.iter().filter_map(|r| r.result.as_ref().ok().map(|s| format!("{} {s}", r.title))).collect();
        self.focused().clear_marks();
        self.notice = Some(match (done.len(), failed.len()) {
            (_, 0) => Notice { error: false, text: format!("{what}: {}", done.join(", ")) },
            (0, _) => warning(format!("{what} failed: {}", failed.join("; "))),
            (ok, _) => warning(format!("{what}: {ok} done, {} failed: {}", failed.len(), failed.join("; "))),
        });
    }
}

#[cfg(test)]
mod tests;

/// `node gpu-01`, `3 pods (ml/a, ml/b, ml/c)`.
fn names(targets: &[ObjectAddress]) -> String {
    match targets {
        [one] => one.title(),
        many => {
            let kind = many[0].kind.to_lowercase();
            let same = many.iter().all(|t| t.kind == many[0].kind);
            let listed: Vec<String> =
                many.iter()
                    .take(5)
                    .map(|t| {
                        if same {
                            t.title().split_once(' ').map_or(t.title(), |(_, n)| n.to_string())
                        } else {
                            t.title()
                        }
                    })
                    .collect();
            let more = if many.len() > 5 { format!(" and {} more", many.len() - 5) } else { String::new() };
            let noun = if same { format!("{kind}s") } else { "objects".into() };
            format!("{} {noun} ({}{more})", many.len(), listed.join(", "))
        }
    }
}
