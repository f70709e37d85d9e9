//! The Helm view's state: every release record the watches send (summaries), the releases table (latest revision
//! of each), the open release's history, whole records and live objects, and the triage lines of failed and stuck
//! releases. Pure; the keys and commands on it are in `helm/act.rs`.

mod act;
pub use act::Doc;
pub mod rows;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::table::{Delta, Table};
use super::triage::TriageRow;
use crate::model::helm::live::LiveObject;
use crate::model::helm::ops::ReleaseRef;
use crate::model::helm::{Revision, Storage};
use crate::model::{Health, ObjectId};
pub use rows::{ObjectRow, ReleaseRow, RevisionRow};

/// A pending-* latest revision older than this has no helm process behind it (Helm's own timeout is 5 minutes).
pub const STUCK_AFTER: i64 = 600;

/// The triage lines' kind, and the prefix of their keys.
pub const TRIAGE_KIND: &str = "helm";

/// What the Helm view shows of one release; the history is `Helm::history`.
#[derive(Debug, Clone, PartialEq)]
pub struct Open {
    pub release: ReleaseRef,
    pub records: Records,
    /// The revision whose manifest's live objects are listed (`Helm::objects`), while that level is shown.
    pub objects_of: Option<i64>,
    /// A document asked for before the records arrived, shown when they do.
    pub wanted: Option<act::Doc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Records {
    Loading,
    Loaded(Vec<Value>),
    Failed(String),
}

#[derive(Debug, Default)]
pub struct Helm {
    /// Every record's summary, by the record's uid.
    revisions: HashMap<String, Revision>,
    /// Record uids by release key (`namespace/name`).
    members: HashMap<String, HashSet<String>>,
    pub releases: Table<ReleaseRow>,
    pub history: Table<RevisionRow>,
    pub objects: Table<ObjectRow>,
    pub open: Option<Open>,
    /// Why a storage's records cannot be listed (a 403 on Secrets), by its watch's name.
    pub errors: BTreeMap<&'static str, String>,
    /// Storages whose first list has arrived.
    pub listed: BTreeSet<&'static str>,
    /// Releases changed since the last settle.
    dirty: BTreeSet<String>,
    /// Releases with a triage line, and when a pending one turns stuck.
    lined: HashSet<String>,
    rechecks: BTreeSet<(i64, String)>,
    /// `:helm` was used: its tab stays.
    pub visited: bool,
    /// The rollback being reviewed: its target and the latest revision when it was asked.
    pub rollback: Option<(i64, i64)>,
    /// Answers about objects and rollbacks older than this are dropped (asked again, or the release closed).
    pub generation: u64,
    /// The same for the open release's records, which the watch asks for again whenever they change: a refetch
    /// must not drop an answer about objects or a rollback in flight.
    pub records_generation: u64,
}

impl Helm {
    /// One watch's records arrived.
    pub fn absorb(&mut self, storage: Storage, delta: Delta<Revision>) {
        if delta.reset {
            let gone: Vec<String> =
                self.revisions.iter().filter(|(_, r)| r.storage == storage).map(|(uid, _)| uid.clone()).collect();
            for uid in gone {
                self.remove(&uid);
            }
            self.listed.insert(storage.watch());
            self.errors.remove(storage.watch());
        }
        for uid in &delta.deletes {
            self.remove(uid);
        }
        for revision in delta.upserts {
            let uid = revision.record.uid.clone();
            self.remove(&uid);
            let key = rows::release_key(&revision.record.namespace, &revision.release);
            self.members.entry(key.clone()).or_default().insert(uid.clone());
            self.dirty.insert(key);
            self.revisions.insert(uid, revision);
        }
    }

    fn remove(&mut self, uid: &str) {
        let Some(old) = self.revisions.remove(uid) else { return };
        let key = rows::release_key(&old.record.namespace, &old.release);
        if let Some(members) = self.members.get_mut(&key) {
            members.remove(uid);
            if members.is_empty() {
                self.members.remove(&key);
            }
        }
        self.dirty.insert(key);
    }

    /// A watch could not list (or lost) its records.
    pub fn failed(&mut self, storage: &'static str, why: String) {
        self.errors.insert(storage, why);
    }

    /// Every line again (triage was rebuilt from scratch).
    pub fn rejudge(&mut self) {
        self.lined.clear();
        self.dirty.extend(self.members.keys().cloned());
    }

    /// The revisions of a release, newest first.
    pub fn revisions_of(&self, key: &str) -> Vec<&Revision> {
        let mut out: Vec<&Revision> =
            self.members.get(key).into_iter().flatten().filter_map(|uid| self.revisions.get(uid)).collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.revision));
        out
    }

    /// Rebuilds the rows of what changed; returns the triage lines to replace and remove, and whether the open
    /// release changed (its whole records are then fetched again).
    pub fn settle(&mut self, now: i64) -> (Delta<TriageRow>, bool) {
        while let Some((at, key)) = self.rechecks.first().cloned() {
            if at > now {
                break;
            }
            self.rechecks.pop_first();
            self.dirty.insert(key);
        }
        let mut lines = Delta::default();
        let mut releases = Delta::default();
        let open_key = self.open.as_ref().map(|o| rows::release_key(&o.release.namespace, &o.release.name));
        let mut open_changed = false;
        for key in std::mem::take(&mut self.dirty) {
            let revisions = self.revisions_of(&key);
            open_changed |= open_key.as_deref() == Some(key.as_str());
            let Some(latest) = revisions.first() else {
                releases.deletes.push(key.clone());
                if self.lined.remove(&key) {
                    lines.deletes.push(triage_key(&key));
                }
                continue;
            };
            releases.upserts.push(ReleaseRow::of(latest, revisions.len()));
            let (line, recheck) = judge(latest, now);
            if let Some(at) = recheck {
                self.rechecks.insert((at, key.clone()));
            }
            match line {
                Some(line) => {
                    self.lined.insert(key.clone());
                    lines.upserts.push(line);
                }
                None if self.lined.remove(&key) => lines.deletes.push(triage_key(&key)),
                None => {}
            }
        }
        self.releases.apply(releases);
        if open_changed {
            self.refresh_history();
        }
        (lines, open_changed)
    }

    /// The open release's history table, from the summaries.
    fn refresh_history(&mut self) {
        let Some(open) = &self.open else { return };
        let key = rows::release_key(&open.release.namespace, &open.release.name);
        let upserts = self.revisions_of(&key).into_iter().map(RevisionRow::of).collect();
        self.history.apply(Delta { reset: true, upserts, deletes: vec![] });
    }

    /// The objects table, from the effect's answer.
    fn show_objects(&mut self, objects: Vec<LiveObject>) {
        let upserts = objects
            .into_iter()
            .map(|o| ObjectRow {
                id: ObjectId {
                    uid: format!("{}/{}/{}", o.kind, o.namespace, o.name),
                    namespace: o.namespace,
                    name: o.name,
                },
                api_version: o.api_version,
                kind: o.kind,
                state: o.state,
                why: o.why,
            })
            .collect();
        self.objects.apply(Delta { reset: true, upserts, deletes: vec![] });
    }
}

fn triage_key(release_key: &str) -> String {
    format!("{TRIAGE_KIND}/{release_key}")
}

/// A release's triage line from its latest revision, and when a pending one must be judged again.
fn judge(latest: &Revision, now: i64) -> (Option<TriageRow>, Option<i64>) {
    let line = |problem: &str, why: String, severity: Health, weight: i64, since: i64| TriageRow {
        id: ObjectId {
            namespace: latest.record.namespace.clone(),
            name: latest.release.clone(),
            uid: triage_key(&rows::release_key(&latest.record.namespace, &latest.release)),
        },
        object: None,
        address: None,
        kind: TRIAGE_KIND.into(),
        problem: problem.into(),
        why,
        severity,
        weight,
        since,
    };
    let summary = match &latest.content {
        Ok(s) => s,
        Err(why) => {
            let why = format!("revision {}: {why}", latest.revision);
            return (Some(line("ReleaseUnreadable", why, Health::Warn, 20, 0)), None);
        }
    };
    let revision = latest.revision;
    match summary.status.as_str() {
        "failed" => {
            let why = format!("revision {revision} ({}): {}", summary.chart, summary.description);
            (Some(line("ReleaseFailed", why, Health::Error, 55, summary.updated)), None)
        }
        pending if pending.starts_with("pending-") => {
            let stuck_at = summary.updated + STUCK_AFTER;
            if now < stuck_at {
                let why = format!("revision {revision}: {pending} since {}s", now - summary.updated);
                return (Some(line("ReleasePending", why, Health::Pending, 10, summary.updated)), Some(stuck_at));
            }
            let why = format!(
                "revision {revision} {pending} for {}: no operation is running, the last helm process died \
                 (:helm-unlock marks it failed)",
                crate::model::age(now - summary.updated)
            );
            (Some(line("ReleaseStuck", why, Health::Error, 60, summary.updated)), None)
        }
        _ => (None, None),
    }
}
