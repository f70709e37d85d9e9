//! The history view's table: one row per revision, newest first, with the pods still on it, its images and the
//! build the registry says each one is.

use crate::model::cell::Cell;
use crate::model::history::ops::Provenance;
use crate::model::history::{PodsOf, Revision};
use crate::model::pods::PodRow;
use crate::model::{Health, ObjectId};
use crate::state::table::{Column, Row, SortKey};

#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    /// uid: the revision number; name: the ReplicaSet or ControllerRevision holding it.
    pub id: ObjectId,
    pub revision: i64,
    pub current: bool,
    pub created: i64,
    /// Pods on it now, and how many of them are ready.
    pub pods: (usize, usize),
    pub images: String,
    /// The first container's build: commit, age, and whether its tag still names it.
    pub build: String,
    pub health: Health,
    pub written_by: String,
    pub change_cause: String,
}

/// The pods running `revision`, among the workload's (`namespace`, owned as `owner`).
pub fn pods_of<'a>(
    revision: &'a Revision,
    owner: &'a (String, String),
    pods: impl Iterator<Item = &'a PodRow> + 'a,
) -> impl Iterator<Item = &'a PodRow> + 'a {
    pods.filter(move |p| match &revision.pods {
        PodsOf::ReplicaSet(rs) => p.owner.as_ref().is_some_and(|(k, n)| k == "ReplicaSet" && n == rs),
        PodsOf::RevisionHash(hash) => {
            p.owner.as_ref() == Some(owner) && p.labels.get("controller-revision-hash") == Some(hash)
        }
    })
}

/// What a revision's image is, as one cell: `commit 4f2a9c1 · built 3h ago`, and what is wrong with it.
pub fn build_text(found: Option<&Provenance>, running: Option<&str>, now: i64) -> (String, Health) {
    let Some(found) = found else { return ("asking the registry…".into(), Health::Pending) };
    let mut parts = Vec::new();
    if let Some(commit) = &found.commit {
        parts.push(format!("commit {}", commit.chars().take(7).collect::<String>()));
    }
    if let Some(built) = found.built.filter(|b| *b > 0) {
        parts.push(format!("built {} ago", crate::model::age(now - built)));
    }
    let mut health = Health::Ok;
    match (&found.tag, running) {
        (Err(_), _) if found.tag_gone => {
            parts.push("tag gone from the registry".into());
            health = Health::Warn;
        }
        (Err(why), _) => {
            parts.push(why.clone());
            health = Health::Warn;
        }
        (Ok(tagged), Some(running)) if tagged != running => {
            parts.push(format!("tag moved to {}", crate::model::registry::short_digest(tagged)));
            health = Health::Warn;
        }
        _ => {}
    }
    if parts.is_empty() {
        parts.push("no OCI labels".into());
    }
    (parts.join(" · "), health)
}

const COLUMNS: &[Column] = &[
    Column::new("REVISION", 8, 0),
    Column::new("AGE", 5, 3),
    Column::new("PODS", 6, 2),
    Column::new("IMAGES", 34, 1),
    Column::new("BUILD", 36, 0),
    Column::new("CHANGED BY", 18, 0),
    Column::new("CHANGE-CAUSE", 0, 0),
];

impl Row for RevisionRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }
    fn id(&self) -> &ObjectId {
        &self.id
    }
    fn cells(&self) -> Vec<Cell> {
        let revision = if self.current { format!("{} (now)", self.revision) } else { self.revision.to_string() };
        let pods = match self.pods {
            (0, _) => Cell::Empty,
            (n, ready) => Cell::Text(format!("{ready}/{n}")),
        };
        vec![
            Cell::Text(revision),
            Cell::Since(self.created),
            pods,
            Cell::text(self.images.clone()),
            Cell::text(self.build.clone()),
            Cell::text(self.written_by.clone()),
            Cell::text(self.change_cause.clone()),
        ]
    }
    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            1 => SortKey::Num(now - self.created),
            2 => SortKey::Num(self.pods.0 as i64),
            3 => SortKey::Text(&self.images),
            4 => SortKey::Text(&self.build),
            5 => SortKey::Text(&self.written_by),
            6 => SortKey::Text(&self.change_cause),
            _ => SortKey::Num(self.revision),
        }
    }
    fn health(&self) -> Health {
        self.health
    }
    fn search_text(&self) -> String {
        format!("{} {} {} {} {}", self.revision, self.images, self.build, self.written_by, self.change_cause)
    }
}
