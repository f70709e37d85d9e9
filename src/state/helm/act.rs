//! Keys and commands in the Helm view: `:helm`, opening a release, its documents (status, values, computed values,
//! manifest, notes, hooks, a diff between two revisions), its live objects, `:rollback` (a dry-run diff first) and
//! `:helm-unlock`; and the answers of their effects.

use serde_json::Value;

use super::{Open, Records, rows};
use crate::diff;
use crate::event::{Effect, ObjectAddress};
use crate::model::helm::ops::{HelmData, HelmEffect, ReleaseRef};
use crate::model::helm::release;
use crate::model::mutation::DocOutcome;
use crate::state::{DocStyle, Mode, Notice, Pane, State, warning};

/// A document of the open release, for the selected revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    /// `helm status`: the revision's summary and notes.
    Status,
    Values,
    AllValues,
    Manifest,
    Notes,
    Hooks,
    /// The selected revision against the marked one, or the one before it (or two typed revisions).
    Diff(Option<(i64, i64)>),
    Objects,
    /// `:rollback [N]`, asked before the records arrived.
    Rollback(Option<i64>),
}

impl State {
    /// `:helm [[NAMESPACE/]NAME]`: the releases, or one release's history.
    pub(in crate::state) fn open_helm(&mut self, arg: Option<&str>) {
        self.pane = Pane::Helm;
        self.helm.visited = true;
        self.notice = None;
        let Some(arg) = arg else { return };
        let (namespace, name) = match arg.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (self.namespace.as_deref(), arg),
        };
        let found =
            self.helm.releases.all().find(|r| r.id.name == name && namespace.is_none_or(|n| r.id.namespace == n));
        match found.map(|r| ReleaseRef { namespace: r.id.namespace.clone(), name: name.into(), storage: r.storage }) {
            Some(release) => self.open_release(release),
            None => self.notice = Some(warning(format!("helm: no release \"{arg}\" is listed"))),
        }
    }

    fn open_release(&mut self, release: ReleaseRef) {
        let key = rows::release_key(&release.namespace, &release.name);
        self.helm.releases.select_uid(key);
        self.helm.open = Some(Open { release, records: Records::Loading, objects_of: None, wanted: None });
        self.helm.history = crate::state::table::Table::sorted_by(0, true);
        self.helm.refresh_history();
        self.request_records();
    }

    /// Fetches the open release's whole records (again, when the watch says they changed).
    pub(in crate::state) fn request_records(&mut self) {
        let Some(open) = &self.helm.open else { return };
        self.helm.records_generation += 1;
        let generation = self.helm.records_generation;
        self.effects.push(Effect::Helm(HelmEffect::Records { release: open.release.clone(), generation }));
    }

    pub(in crate::state) fn helm_drill_in(&mut self) {
        let Some(open) = &self.helm.open else {
            let Some(row) = self.helm.releases.selected_row() else { return };
            let release =
                ReleaseRef { namespace: row.id.namespace.clone(), name: row.id.name.clone(), storage: row.storage };
            return self.open_release(release);
        };
        if open.objects_of.is_none() {
            return self.helm_doc(Doc::Diff(None));
        }
        let Some(row) = self.helm.objects.selected_row() else { return };
        let address = ObjectAddress {
            api_version: row.api_version.clone(),
            kind: row.kind.clone(),
            namespace: row.id.namespace.clone(),
            name: row.id.name.clone(),
        };
        self.open_address(&address);
    }

    /// esc in the Helm view: from the objects to the history, from the history to the releases.
    pub(in crate::state) fn helm_back(&mut self) -> bool {
        match &mut self.helm.open {
            Some(open) if open.objects_of.is_some() => open.objects_of = None,
            Some(_) => self.helm.open = None,
            None => return false,
        }
        true
    }

    /// The revision the keys act on: the selected one in the history, else the latest.
    fn selected_revision(&self, records: &[Value]) -> Option<i64> {
        let selected = self.helm.history.selected_row().map(|r| r.revision);
        selected.or_else(|| release::latest(records).map(release::revision))
    }

    /// Shows a document of the open release (opening the selected release first, and waiting for its records).
    pub(in crate::state) fn helm_doc(&mut self, doc: Doc) {
        if self.pane != Pane::Helm {
            return;
        }
        if self.helm.open.is_none() {
            self.helm_drill_in();
        }
        let Some(open) = self.helm.open.as_mut() else { return };
        let records = match &open.records {
            Records::Loading => {
                open.wanted = Some(doc);
                self.notice = Some(Notice { error: false, text: "loading the release's records…".into() });
                return;
            }
            Records::Failed(why) => {
                self.notice = Some(warning(format!("{}: {why}", open.release.title())));
                return;
            }
            Records::Loaded(records) => records.clone(),
        };
        let title = open.release.title();
        let Some(revision) = self.selected_revision(&records) else { return };
        let Some(record) = release::find(&records, revision) else {
            self.notice = Some(warning(format!("{title}: revision {revision} cannot be read")));
            return;
        };
        let (what, text, style) = match doc {
            Doc::Status => ("status", status_text(record), DocStyle::Text),
            Doc::Values => {
                let text = format!("USER-SUPPLIED VALUES:\n{}", release::yaml(&release::user_values(record)));
                ("values", text, DocStyle::Yaml)
            }
            Doc::AllValues => {
                let text = format!("COMPUTED VALUES:\n{}", release::yaml(&release::computed_values(record)));
                ("values --all", text, DocStyle::Yaml)
            }
            Doc::Manifest => ("manifest", release::manifest(record).to_string(), DocStyle::Yaml),
            Doc::Notes => ("notes", release::notes(record).to_string(), DocStyle::Text),
            Doc::Hooks => ("hooks", release::hooks(record), DocStyle::Yaml),
            Doc::Diff(typed) => {
                let Some((from, to)) = typed.or_else(|| self.diff_pair(&records, revision)) else {
                    self.notice = Some(warning(format!("{title}: revision {revision} has no earlier revision")));
                    return;
                };
                let (Some(old), Some(new)) = (release::find(&records, from), release::find(&records, to)) else {
                    self.notice = Some(warning(format!("{title}: no revision {from} or {to} among its records")));
                    return;
                };
                let heading = format!("diff {from} → {to}");
                self.mode = Mode::document(format!("{title} {heading}"), revision_diff(old, new), DocStyle::Diff);
                return self.helm.history.marked.clear();
            }
            Doc::Objects => return self.request_objects(record.clone(), revision),
            Doc::Rollback(asked) => return self.review_rollback(&records, asked),
        };
        let lines = text.lines().map(crate::sanitize::clean).collect();
        self.mode = Mode::document(format!("{title} revision {revision} {what}"), lines, style);
        self.notice = None;
    }

    /// The revisions a diff compares: the marked one and the selected one, or the selected one and the one before.
    fn diff_pair(&self, records: &[Value], selected: i64) -> Option<(i64, i64)> {
        let marked: Vec<i64> = self.helm.history.marked.iter().filter_map(|m| m.parse().ok()).collect();
        if let [other] = marked[..]
            && other != selected
        {
            return Some((other.min(selected), other.max(selected)));
        }
        let earlier = records.iter().map(release::revision).filter(|r| *r < selected).max()?;
        Some((earlier, selected))
    }

    fn request_objects(&mut self, record: Value, revision: i64) {
        let Some(open) = self.helm.open.as_mut() else { return };
        let lines: Vec<String> = release::manifest(&record).lines().map(String::from).collect();
        let namespace = open.release.namespace.clone();
        let documents: Vec<Value> = crate::manifest::check(&lines, &Default::default())
            .documents
            .into_iter()
            .map(|d| {
                let mut value = d.value;
                let namespaced = self
                    .resources
                    .iter()
                    .find(|r| value["kind"] == r.kind.as_str() && value["apiVersion"] == r.api_version.as_str())
                    .is_none_or(|r| r.namespaced);
                if namespaced && value["metadata"]["namespace"].as_str().is_none_or(str::is_empty) {
                    value["metadata"]["namespace"] = Value::String(namespace.clone());
                }
                value
            })
            .collect();
        open.objects_of = Some(revision);
        self.helm.objects = Default::default();
        self.helm.generation += 1;
        let generation = self.helm.generation;
        self.effects.push(Effect::Helm(HelmEffect::Objects { documents, generation }));
    }

    /// `:rollback [REVISION]`: refused read-only before anything is asked; else the dry-run of the target's manifest.
    pub(in crate::state) fn rollback_command(&mut self, args: &[&str]) {
        if self.refuse_in_read_only("rollback") {
            return;
        }
        let asked = match args.first().map(|a| a.parse::<i64>()) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                self.notice = Some(warning(format!("rollback: \"{}\" is not a revision number", args[0])));
                return;
            }
        };
        if self.pane != Pane::Helm || (self.helm.open.is_none() && self.helm.releases.selected_row().is_none()) {
            self.notice = Some(warning("rollback: select a release in :helm first".into()));
            return;
        }
        self.helm_doc(Doc::Rollback(asked));
    }

    fn review_rollback(&mut self, records: &[Value], asked: Option<i64>) {
        let Some(open) = &self.helm.open else { return };
        let target = match release::rollback_target(records, asked) {
            Ok(target) => target,
            Err(why) => return self.notice = Some(warning(format!("rollback {}: {why}", open.release.title()))),
        };
        let expect_latest = release::latest(records).map_or(0, release::revision);
        self.helm.generation += 1;
        let generation = self.helm.generation;
        let release = open.release.clone();
        self.notice = Some(Notice {
            error: false,
            text: format!("rollback: dry-run of revision {target}'s manifest against the live objects…"),
        });
        self.helm.rollback = Some((target, expect_latest));
        self.effects.push(Effect::Helm(HelmEffect::Rollback {
            release,
            target,
            expect_latest,
            dry_run: true,
            generation,
        }));
    }

    /// `R`: roll back to the selected revision of the open release (the previous one from the releases table).
    pub(in crate::state) fn rollback_selected(&mut self) {
        if self.pane != Pane::Helm {
            return;
        }
        let selected = self.helm.open.as_ref().and_then(|_| self.helm.history.selected_row()).map(|r| r.revision);
        let latest = self.helm.releases.selected_row().map(|r| r.revision);
        let asked = selected.filter(|s| Some(*s) != latest || self.helm.open.is_none());
        let arg = asked.map(|n| n.to_string());
        self.rollback_command(&arg.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// `:diff A B`: two revisions of the open release.
    pub(in crate::state) fn diff_command(&mut self, args: &[&str]) {
        let revisions: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
        match revisions[..] {
            [a, b] if revisions.len() == args.len() => self.helm_doc(Doc::Diff(Some((a.min(b), a.max(b))))),
            [] if args.is_empty() => self.helm_doc(Doc::Diff(None)),
            _ => self.notice = Some(warning("diff: give two revision numbers (:diff 2 3), or none".into())),
        }
    }

    /// `:helm-unlock`: a stuck pending-* latest revision marked failed, after asking twice.
    pub(in crate::state) fn unlock_command(&mut self) {
        if self.refuse_in_read_only("helm-unlock") {
            return;
        }
        let release = match (&self.helm.open, self.helm.releases.selected_row()) {
            (Some(open), _) => open.release.clone(),
            (None, Some(row)) if self.pane == Pane::Helm => {
                ReleaseRef { namespace: row.id.namespace.clone(), name: row.id.name.clone(), storage: row.storage }
            }
            _ => return self.notice = Some(warning("helm-unlock: select a release in :helm first".into())),
        };
        let key = rows::release_key(&release.namespace, &release.name);
        let Some(latest) = self.helm.revisions_of(&key).first().map(|r| (r.revision, r.status().to_string())) else {
            return;
        };
        let (revision, status) = latest;
        if !status.starts_with("pending-") {
            let why = format!("helm-unlock: {} revision {revision} is {status}, not pending", release.title());
            return self.notice = Some(warning(why));
        }
        let title = release.title();
        self.ask_to_send(
            format!("mark {title} revision {revision} ({status}) failed, so helm may act on it again?"),
            Some(format!("only if no helm process is still working on {title}: really unlock it?")),
            Effect::Helm(HelmEffect::Unlock { release, revision }),
            Mode::Normal,
        );
    }

    pub(in crate::state) fn absorb_helm(&mut self, data: HelmData) {
        match data {
            HelmData::Revisions(storage, delta) => self.helm.absorb(storage, delta),
            HelmData::Records { generation, .. } if generation != self.helm.records_generation => {}
            HelmData::Objects { generation, .. } | HelmData::Reviewed { generation, .. }
                if generation != self.helm.generation => {}
            HelmData::Records { result, .. } => {
                let Some(open) = self.helm.open.as_mut() else { return };
                open.records = match result {
                    Ok(records) => Records::Loaded(records),
                    Err(why) => Records::Failed(why),
                };
                if let Some(doc) = open.wanted.take() {
                    self.helm_doc(doc);
                }
            }
            HelmData::Objects { result: Ok(objects), .. } => self.helm.show_objects(objects),
            HelmData::Objects { result: Err(why), .. } => self.notice = Some(warning(format!("objects: {why}"))),
            HelmData::Reviewed { result, .. } => self.absorb_review(result),
            HelmData::Written { what, result: Ok(done) } => {
                self.notice = Some(Notice { error: false, text: format!("{what}: {done}") })
            }
            HelmData::Written { what, result: Err(why) } => self.notice = Some(warning(format!("{what}: {why}"))),
        }
    }

    /// The rollback's dry-run came back: its diff, and the question over it when every document would apply.
    fn absorb_review(&mut self, result: Result<Vec<DocOutcome>, String>) {
        let (Some(open), Some((target, expect_latest))) = (&self.helm.open, self.helm.rollback.take()) else { return };
        let release = open.release.clone();
        let title = release.title();
        let outcomes = match result {
            Ok(outcomes) => outcomes,
            Err(why) => return self.notice = Some(warning(format!("rollback {title}: {why}"))),
        };
        let mut lines = Vec::new();
        let mut refused = 0;
        for o in &outcomes {
            match &o.result {
                Ok(change) => {
                    lines.push(format!("=== {} {}", o.title, change.verb));
                    lines.extend(change.diff.iter().map(|d| d.text.clone()));
                }
                Err(e) => {
                    refused += 1;
                    lines.push(format!("-== {}: {e}", o.title));
                }
            }
        }
        let view = Mode::document(
            format!("{title} rollback to {target}: dry-run against the live objects"),
            lines,
            DocStyle::Diff,
        );
        if refused > 0 {
            self.mode = view;
            self.notice = Some(warning(format!(
                "rollback {title}: the dry-run refused {refused} of {} objects; nothing was applied",
                outcomes.len()
            )));
            return;
        }
        self.notice = None;
        self.ask_to_send(
            format!(
                "roll back {title} to revision {target} (writes revision {})? its hooks are not run",
                expect_latest + 1
            ),
            None,
            Effect::Helm(HelmEffect::Rollback { release, target, expect_latest, dry_run: false, generation: 0 }),
            view,
        );
    }
}

/// `helm status`'s text for one revision.
fn status_text(record: &Value) -> String {
    let info = &record["info"];
    let field = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = format!(
        "NAME: {}\nLAST DEPLOYED: {}\nNAMESPACE: {}\nSTATUS: {}\nREVISION: {}\nCHART: {}-{}\nAPP VERSION: {}\nDESCRIPTION: {}\n",
        field(&record["name"]),
        field(&info["last_deployed"]),
        field(&record["namespace"]),
        release::status(record),
        release::revision(record),
        field(&record["chart"]["metadata"]["name"]),
        field(&record["chart"]["metadata"]["version"]),
        field(&record["chart"]["metadata"]["appVersion"]),
        field(&info["description"]),
    );
    let notes = release::notes(record);
    if !notes.is_empty() {
        out.push_str(&format!("NOTES:\n{notes}\n"));
    }
    out
}

/// Two revisions' manifests and user values, as one diff with a header per part.
fn revision_diff(old: &Value, new: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    let parts = [
        ("manifest", release::manifest(old).to_string(), release::manifest(new).to_string()),
        ("values", release::yaml(&release::user_values(old)), release::yaml(&release::user_values(new))),
    ];
    for (part, a, b) in parts {
        lines.push(format!("=== {part}"));
        let changes = diff::unified(&a, &b);
        if changes.is_empty() {
            lines.push("   (no change)".into());
        }
        lines.extend(changes.into_iter().map(|d| d.text));
    }
    lines.into_iter().map(|l| crate::sanitize::clean(&l)).collect()
}
