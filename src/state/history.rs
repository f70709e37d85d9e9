//! The rollout history view (`:history`): one Deployment's, StatefulSet's or DaemonSet's revisions newest first —
//! age, pods still on each, images and the build the registry says each one is, who changed it and why — the diff
//! of a revision's template against the current one, `:undo [N]` after a server-side dry-run diff, and `:pause` /
//! `:resume`. Pure; the answers come from `effects/history`.

pub mod rows;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use super::table::{Delta, Table};
use super::{DocStyle, Mode, Notice, Pane, State, warning};
use crate::event::{Effect, ObjectAddress};
use crate::model::ObjectId;
use crate::model::history::ops::{HistoryData, HistoryEffect, Provenance, UndoReview};
use crate::model::history::{History, Rollout, template_yaml};
pub use rows::RevisionRow;

/// How long what the registry said of an image is believed: a second look within it asks nothing.
pub const PROVENANCE_FOR: i64 = 300;

#[derive(Debug, Default)]
pub struct HistoryView {
    /// The workload shown, and its history once read (or why it could not be).
    pub target: Option<ObjectAddress>,
    pub history: Option<Result<History, String>>,
    pub table: Table<RevisionRow>,
    /// What the registry said of each image (by `image@running-digest`), and when it was asked.
    provenance: HashMap<String, (i64, Option<Provenance>)>,
    /// Answers older than this are dropped (another workload opened, or asked again).
    pub generation: u64,
    /// The `:undo` under way.
    undo: Option<UndoStep>,
    /// `:history` was used: its tab stays.
    pub visited: bool,
    /// The second the rows were last rebuilt from the pods, whether an answer since makes them stale, and the
    /// workload's generation the history was read at.
    refreshed_at: i64,
    rows_stale: bool,
    read_at_generation: Option<i64>,
    /// The pane `:history` was opened from, where esc goes back to.
    pub from: Option<Pane>,
}

/// Where an `:undo` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UndoStep {
    /// Asked (for this revision, or kubectl's default) before the workload's history was read.
    AwaitingHistory(Option<i64>),
    /// The server-side dry-run of this revision is out.
    DryRun(i64),
}

fn provenance_key(image: &str, running: Option<&str>) -> String {
    format!("{image}@{}", running.unwrap_or_default())
}

impl State {
    /// The workload a history command is about: `KIND/NAME` typed (`deploy/web`), else the selected row.
    fn rollout_target(&mut self, verb: &str, args: &[&str]) -> Option<ObjectAddress> {
        let words: Vec<&str> =
            args.iter().copied().filter(|a| a.parse::<i64>().is_err() && !a.starts_with("--to-revision")).collect();
        let address = match () {
            _ if !words.is_empty() => self.address_in(verb, &words)?,
            _ if self.pane == Pane::History => self.history.target.clone()?,
            _ => self.selected_address()?,
        };
        if Rollout::of(&address.kind).is_none() {
            self.notice = Some(warning(format!(
                "{verb}: {} has no rollout history (deployments, statefulsets and daemonsets do)",
                address.title()
            )));
            return None;
        }
        Some(address)
    }

    /// While the view is on screen: the pods on each revision once a second, and the history read again when the
    /// workload's template changed (a CI push, someone's undo).
    pub(super) fn follow_history(&mut self) {
        let generation = self.target_generation();
        if generation.is_some() && self.history.read_at_generation.is_some_and(|g| Some(g) != generation) {
            self.history.read_at_generation = generation;
            return self.load_history();
        }
        if self.history.rows_stale || self.history.refreshed_at != self.now {
            self.refresh_history_rows();
        }
    }

    /// The shown workload's metadata.generation, as its watch last said (DaemonSets are not watched as workloads).
    fn target_generation(&self) -> Option<i64> {
        self.workload_row(self.history.target.as_ref()?).map(|w| w.generation)
    }

    /// The workloads pane's row of `t` (Deployments and StatefulSets are watched there).
    fn workload_row(&self, t: &ObjectAddress) -> Option<&crate::model::workloads::WorkloadRow> {
        self.workloads.all().find(|w| w.kind.as_str() == t.kind && w.id.namespace == t.namespace && w.id.name == t.name)
    }

    /// `:history [KIND/NAME]` or `h`: the selected workload's revisions.
    pub(super) fn open_history(&mut self, args: &[&str]) {
        let Some(target) = self.rollout_target("history", args) else {
            if self.notice.is_none() {
                self.notice = Some(warning("history: select a deployment, statefulset or daemonset".into()));
            }
            return;
        };
        self.show_history_of(target);
        self.notice = None;
        self.load_history();
    }

    /// Focuses the view on `target` (its rows cleared when it is another workload's).
    fn show_history_of(&mut self, target: ObjectAddress) {
        if self.pane != Pane::History {
            self.history.from = Some(self.pane);
        }
        self.pane = Pane::History;
        self.history.visited = true;
        if self.history.target.as_ref() != Some(&target) {
            self.history.table = Table::sorted_by(0, true);
            self.history.history = None;
        }
        self.history.target = Some(target);
    }

    /// Reads the open workload's history again (after a write, or when its template changed).
    fn load_history(&mut self) {
        let Some(target) = self.history.target.clone() else { return };
        self.history.generation += 1;
        let generation = self.history.generation;
        self.effects.push(Effect::History(HistoryEffect::Load { target, generation }));
    }

    /// The rows again, from the history, the pods now and what the registry said; asks the registry about the
    /// images it has not been asked about lately.
    pub(super) fn refresh_history_rows(&mut self) {
        let Some(Ok(history)) = &self.history.history else {
            return self.history.table.apply(Delta { reset: true, upserts: vec![], deletes: vec![] });
        };
        let owner = (history.target.kind.clone(), history.target.name.clone());
        let namespace = history.target.namespace.as_str();
        let mut asks = Vec::new();
        let mut upserts = Vec::new();
        // One pass over every pod: the workload's own, or its ReplicaSets' (`NAME-HASH`); each revision picks from them.
        let mine: Vec<&crate::model::pods::PodRow> = self
            .pods
            .all()
            .filter(|p| p.id.namespace == namespace)
            .filter(|p| match &p.owner {
                Some((kind, name)) if kind == "ReplicaSet" => name.rsplit_once('-').is_some_and(|(n, _)| n == owner.1),
                Some(o) => *o == owner,
                None => false,
            })
            .collect();
        for revision in &history.revisions {
            let pods: Vec<_> = rows::pods_of(revision, &owner, mine.iter().copied()).collect();
            let running = |image: &str| {
                pods.iter().find_map(|p| {
                    p.images.iter().find(|(i, _)| &**i == image).and_then(|(_, d)| d.as_deref().map(String::from))
                })
            };
            // The first app container is the workload's own; sidecars and init containers come after it.
            let primary = revision.template["spec"]["containers"][0]["image"].as_str().unwrap_or_default();
            for image in &revision.images {
                let digest = running(image);
                let key = provenance_key(image, digest.as_deref());
                let fresh = self.history.provenance.get(&key).is_some_and(|(at, _)| self.now - at < PROVENANCE_FOR);
                if !fresh {
                    self.history.provenance.insert(key, (self.now, None));
                    asks.push(HistoryEffect::Provenance { image: image.clone(), running: digest });
                }
            }
            let digest = running(primary);
            let found = self.history.provenance.get(&provenance_key(primary, digest.as_deref()));
            let (build, health) = rows::build_text(found.and_then(|(_, f)| f.as_ref()), digest.as_deref(), self.now);
            upserts.push(RevisionRow {
                id: ObjectId {
                    uid: revision.number.to_string(),
                    namespace: namespace.to_string(),
                    name: revision.holder.clone(),
                },
                revision: revision.number,
                current: history.current == Some(revision.number),
                created: revision.created,
                pods: (pods.len(), pods.iter().filter(|p| p.ready.0 == p.ready.1 && p.ready.1 > 0).count()),
                images: revision.images.join(", "),
                build,
                health,
                written_by: revision.written_by.join(", "),
                change_cause: revision.change_cause.clone(),
            });
        }
        self.history.table.apply(Delta { reset: true, upserts, deletes: vec![] });
        self.history.refreshed_at = self.now;
        self.history.rows_stale = false;
        self.effects.extend(asks.into_iter().map(Effect::History));
    }

    fn shown_history(&self) -> Option<&History> {
        self.history.history.as_ref()?.as_ref().ok()
    }

    /// enter: the selected revision's pod template against the current one.
    pub(super) fn history_diff(&mut self) {
        let Some(history) = self.shown_history() else { return };
        let Some(row) = self.history.table.selected_row() else { return };
        let Some(revision) = history.revision(row.revision) else { return };
        let title = format!("{} revision {} → now", history.target.title(), revision.number);
        let changes = crate::diff::unified(&template_yaml(&revision.template), &template_yaml(&history.template));
        let lines = if changes.is_empty() {
            vec!["(the current template is this revision's)".to_string()]
        } else {
            changes.into_iter().map(|d| crate::sanitize::clean(&d.text)).collect()
        };
        self.mode = Mode::document(title, lines, DocStyle::Diff);
    }

    /// d: the selected revision — holder, change-cause, who wrote it, each image's digest and build — and its
    /// pod template.
    pub(super) fn history_describe(&mut self) {
        let Some(history) = self.shown_history() else { return };
        let Some(row) = self.history.table.selected_row() else { return };
        let Some(revision) = history.revision(row.revision) else { return };
        let mut lines = vec![
            format!("Revision:      {}{}", revision.number, if row.current { " (current)" } else { "" }),
            format!("Held by:       {}", revision.holder),
            format!("Created:       {} ago", crate::model::age(self.now - revision.created)),
            format!("Pods:          {} ({} ready)", row.pods.0, row.pods.1),
            format!("Change-cause:  {}", or_none(&revision.change_cause)),
            format!("Changed by:    {}", or_none(&revision.written_by.join(", "))),
            "Images:".to_string(),
        ];
        for image in &revision.images {
            lines.push(format!("  {image}"));
            let found = self.history.provenance.iter().filter(|(k, _)| k.starts_with(&format!("{image}@")));
            for (key, (_, found)) in found {
                let running = key.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty());
                lines.push(format!("    running:     {}", running.unwrap_or("(no pod runs it)")));
                let Some(found) = found else {
                    lines.push("    registry:    asking…".into());
                    continue;
                };
                let tag = match &found.tag {
                    Ok(digest) if running.is_some_and(|r| r != digest) => {
                        format!("{digest} (moved: not the running build)")
                    }
                    Ok(digest) => digest.clone(),
                    Err(why) => why.clone(),
                };
                lines.push(format!("    tag now:     {tag}"));
                for (label, value) in
                    [("commit", &found.commit), ("version", &found.version), ("source", &found.source)]
                {
                    lines.push(format!("    {label:<12} {}", value.as_deref().unwrap_or("—")));
                }
                if let Some(built) = found.built.filter(|b| *b > 0) {
                    lines.push(format!("    built:       {} ago", crate::model::age(self.now - built)));
                }
            }
        }
        lines.push("Pod template:".into());
        lines.extend(template_yaml(&revision.template).lines().map(|l| format!("  {l}")));
        let lines = lines.iter().map(|l| crate::sanitize::clean(l)).collect();
        self.mode =
            Mode::document(format!("{} revision {}", history.target.title(), revision.number), lines, DocStyle::Text);
    }

    /// `:undo [REVISION]` (default: the one before the newest), `R` in the view (the selected revision): refused
    /// read-only; else the server-side dry-run's diff, then the question.
    pub(super) fn undo_command(&mut self, args: &[&str]) {
        if self.refuse_in_read_only("undo") {
            return;
        }
        // `:undo 3`, or kubectl's spelling `:undo --to-revision=3`.
        let asked = args.iter().find_map(|a| a.strip_prefix("--to-revision=").unwrap_or(a).parse::<i64>().ok());
        let Some(target) = self.rollout_target("undo", args) else {
            if self.notice.is_none() {
                self.notice = Some(warning("undo: select a deployment, statefulset or daemonset".into()));
            }
            return;
        };
        // The history the view shows, when it is this workload's; else it is read first.
        let loaded = self.shown_history().filter(|h| h.target == target).cloned();
        let Some(history) = loaded else {
            self.show_history_of(target);
            self.history.undo = Some(UndoStep::AwaitingHistory(asked));
            return self.load_history();
        };
        self.review_undo(&history, asked);
    }

    fn review_undo(&mut self, history: &History, asked: Option<i64>) {
        let revision = match history.undo_target(asked) {
            Ok(r) => r.number,
            Err(why) => return self.notice = Some(warning(format!("undo: {why}"))),
        };
        self.history.generation += 1;
        self.history.undo = Some(UndoStep::DryRun(revision));
        let target = history.target.clone();
        self.notice =
            Some(Notice { error: false, text: format!("undo: dry-run of revision {revision}'s template…") });
        let generation = self.history.generation;
        self.effects.push(Effect::History(HistoryEffect::Undo {
            target,
            revision,
            dry_run: true,
            expect: None,
            generation,
        }));
    }

    /// `R` in the history view: undo to the selected revision.
    pub(super) fn undo_selected(&mut self) {
        let selected = self.history.table.selected_row().map(|r| r.revision.to_string());
        self.undo_command(&selected.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// `:pause` / `:resume` the selected (or typed) Deployment's rollout, after asking.
    pub(super) fn pause_command(&mut self, args: &[&str], paused: bool) {
        let verb = if paused { "pause" } else { "resume" };
        if self.refuse_in_read_only(verb) {
            return;
        }
        let Some(target) = self.rollout_target(verb, args) else {
            if self.notice.is_none() {
                self.notice = Some(warning(format!("{verb}: select a deployment")));
            }
            return;
        };
        self.ask_pause(target, paused);
    }

    fn ask_pause(&mut self, target: ObjectAddress, paused: bool) {
        let verb = if paused { "pause" } else { "resume" };
        if target.kind != "Deployment" {
            let why = format!("{verb}: {} cannot {verb}: only a Deployment's rollout pauses", target.title());
            return self.notice = Some(warning(why));
        }
        let question = if paused {
            format!("pause {}'s rollout? template changes wait until :resume", target.title())
        } else {
            format!("resume {}'s rollout?", target.title())
        };
        self.ask_to_send(question, None, Effect::History(HistoryEffect::Pause { target, paused }), Mode::Normal);
    }

    /// `P`: pause the selected Deployment's rollout, or resume it when its status says it is paused.
    pub(super) fn toggle_pause(&mut self) {
        if self.refuse_in_read_only("pause") {
            return;
        }
        let Some(target) = self.rollout_target("pause", &[]) else { return };
        let shown = self.shown_history().filter(|h| h.target == target).map(|h| h.paused);
        let watched = self.workload_row(&target).map(|w| w.rollout == crate::model::workloads::RolloutState::Paused);
        let paused = shown.or(watched).unwrap_or(false);
        self.ask_pause(target, !paused);
    }

    pub(super) fn absorb_history(&mut self, data: HistoryData) {
        match data {
            HistoryData::Loaded { generation, .. } | HistoryData::Reviewed { generation, .. }
                if generation != self.history.generation => {}
            HistoryData::Loaded { result, .. } => {
                let target = self.history.target.clone();
                self.history.read_at_generation = self.target_generation();
                self.history.history = Some(result.clone());
                // Rebuilt before the view is next drawn, not here: the first rows also ask the registry.
                self.history.rows_stale = true;
                // An undo asked before the history was read goes on now (or is dropped with the read).
                if let Some(UndoStep::AwaitingHistory(asked)) = self.history.undo {
                    self.history.undo = None;
                    if let Ok(history) = result
                        && target.as_ref() == Some(&history.target)
                    {
                        self.review_undo(&history, asked);
                    }
                }
            }
            HistoryData::Provenance { image, running, found } => {
                let at = self.now;
                self.history.provenance.insert(provenance_key(&image, running.as_deref()), (at, Some(found)));
                // Fifty answers in one burst rebuild the rows once.
                self.history.rows_stale = true;
            }
            HistoryData::Reviewed { result, .. } => self.absorb_undo_review(result),
            HistoryData::Written { what, result } => {
                self.notice = Some(match result {
                    Ok(done) => Notice { error: false, text: format!("{what}: {done}") },
                    Err(why) => warning(format!("{what}: {why}")),
                });
                self.load_history();
            }
        }
    }

    fn absorb_undo_review(&mut self, result: Result<UndoReview, String>) {
        let (Some(target), Some(UndoStep::DryRun(revision))) = (self.history.target.clone(), self.history.undo.take())
        else {
            return;
        };
        let review = match result {
            Ok(review) => review,
            Err(why) => return self.notice = Some(warning(format!("undo {}: {why}", target.title()))),
        };
        let title = format!("{} undo to revision {revision}: server-side dry-run of the pod template", target.title());
        let lines: Vec<String> = if review.diff.is_empty() {
            vec!["(the server would store the same template: nothing changes)".into()]
        } else {
            review.diff.iter().map(|d| crate::sanitize::clean(&d.text)).collect()
        };
        self.notice = None;
        let effect = Effect::History(HistoryEffect::Undo {
            target: target.clone(),
            revision,
            dry_run: false,
            expect: Some(review.resource_version),
            generation: 0,
        });
        let question = format!("roll {} back to revision {revision}'s template? its pods are replaced", target.title());
        self.ask_to_send(question, None, effect, Mode::document(title, lines, DocStyle::Diff));
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}
