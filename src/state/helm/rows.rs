//! The Helm view's three tables: releases (latest revision each), one release's history, and the live objects of a
//! revision's manifest.

use crate::model::cell::Cell;
use crate::model::helm::{Revision, Storage};
use crate::model::{Health, ObjectId};
use crate::state::table::{Column, Row, SortKey};

/// How a release's status reads at a glance.
pub fn status_health(status: &str) -> Health {
    match status {
        "deployed" => Health::Ok,
        "superseded" | "uninstalled" => Health::Done,
        "failed" | "unknown" => Health::Error,
        _ => Health::Pending,
    }
}

/// A release: its latest revision.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    /// uid: `namespace/name`.
    pub id: ObjectId,
    pub storage: Storage,
    pub revision: i64,
    pub chart: String,
    pub app_version: String,
    pub status: String,
    pub updated: i64,
    /// The latest revision's description, or why its record cannot be read.
    pub description: String,
    pub revisions: usize,
}

impl ReleaseRow {
    pub fn of(latest: &Revision, revisions: usize) -> Self {
        let (chart, app_version, status, updated, description) = match &latest.content {
            Ok(s) => (s.chart.clone(), s.app_version.clone(), s.status.clone(), s.updated, s.description.clone()),
            Err(why) => (String::new(), String::new(), "unreadable".into(), 0, why.clone()),
        };
        let namespace = latest.record.namespace.clone();
        ReleaseRow {
            id: ObjectId { uid: release_key(&namespace, &latest.release), name: latest.release.clone(), namespace },
            storage: latest.storage,
            revision: latest.revision,
            chart,
            app_version,
            status,
            updated,
            description,
            revisions,
        }
    }
}

pub fn release_key(namespace: &str, name: &str) -> String {
    format!("{namespace}/{name}")
}

const RELEASE_COLUMNS: &[Column] = &[
    Column::new("NAMESPACE", 12, 3),
    Column::new("NAME", 22, 0),
    Column::new("REVISION", 8, 2),
    Column::new("CHART", 24, 1),
    Column::new("APP VERSION", 12, 4),
    Column::new("STATUS", 15, 0),
    Column::new("UPDATED", 7, 0),
    // The why of a failed or unreadable release: it stays when the terminal is narrow.
    Column::new("DESCRIPTION", 0, 0),
];

impl Row for ReleaseRow {
    fn columns() -> &'static [Column] {
        RELEASE_COLUMNS
    }
    fn id(&self) -> &ObjectId {
        &self.id
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.id.namespace.clone()),
            Cell::text(self.id.name.clone()),
            Cell::Int(self.revision),
            Cell::text(self.chart.clone()),
            Cell::text(self.app_version.clone()),
            Cell::text(self.status.clone()),
            if self.updated > 0 { Cell::Since(self.updated) } else { Cell::Empty },
            Cell::text(self.description.clone()),
        ]
    }
    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            0 => SortKey::Text(&self.id.namespace),
            2 => SortKey::Num(self.revision),
            3 => SortKey::Text(&self.chart),
            4 => SortKey::Text(&self.app_version),
            5 => SortKey::Text(&self.status),
            6 => SortKey::Num(now - self.updated),
            7 => SortKey::Text(&self.description),
            _ => SortKey::Text(&self.id.name),
        }
    }
    fn health(&self) -> Health {
        if self.status == "unreadable" { Health::Warn } else { status_health(&self.status) }
    }
    fn search_text(&self) -> String {
        format!("{}/{} {} {} {}", self.id.namespace, self.id.name, self.chart, self.status, self.description)
    }
}

/// One revision of the open release.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRow {
    /// uid: the revision number.
    pub id: ObjectId,
    pub revision: i64,
    pub updated: i64,
    pub status: String,
    pub chart: String,
    pub app_version: String,
    pub description: String,
}

impl RevisionRow {
    pub fn of(r: &Revision) -> Self {
        let id =
            ObjectId { namespace: r.record.namespace.clone(), name: r.release.clone(), uid: r.revision.to_string() };
        match &r.content {
            Ok(s) => RevisionRow {
                id,
                revision: r.revision,
                updated: s.updated,
                status: s.status.clone(),
                chart: s.chart.clone(),
                app_version: s.app_version.clone(),
                description: s.description.clone(),
            },
            Err(why) => RevisionRow {
                id,
                revision: r.revision,
                updated: 0,
                status: "unreadable".into(),
                chart: String::new(),
                app_version: String::new(),
                description: why.clone(),
            },
        }
    }
}

const REVISION_COLUMNS: &[Column] = &[
    Column::new("REVISION", 8, 0),
    Column::new("UPDATED", 7, 0),
    Column::new("STATUS", 15, 0),
    Column::new("CHART", 24, 1),
    Column::new("APP VERSION", 12, 2),
    Column::new("DESCRIPTION", 0, 0),
];

impl Row for RevisionRow {
    fn columns() -> &'static [Column] {
        REVISION_COLUMNS
    }
    fn id(&self) -> &ObjectId {
        &self.id
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::Int(self.revision),
            if self.updated > 0 { Cell::Since(self.updated) } else { Cell::Empty },
            Cell::text(self.status.clone()),
            Cell::text(self.chart.clone()),
            Cell::text(self.app_version.clone()),
            Cell::text(self.description.clone()),
        ]
    }
    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            1 => SortKey::Num(now - self.updated),
            2 => SortKey::Text(&self.status),
            3 => SortKey::Text(&self.chart),
            4 => SortKey::Text(&self.app_version),
            5 => SortKey::Text(&self.description),
            _ => SortKey::Num(self.revision),
        }
    }
    fn health(&self) -> Health {
        if self.status == "unreadable" { Health::Warn } else { status_health(&self.status) }
    }
    fn search_text(&self) -> String {
        format!("{} {} {} {}", self.revision, self.status, self.chart, self.description)
    }
}

/// A live object of a revision's manifest, as the cluster has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// uid: `kind/namespace/name`.
    pub id: ObjectId,
    pub api_version: String,
    pub kind: String,
    pub state: crate::model::helm::live::LiveState,
    pub why: String,
}

const OBJECT_COLUMNS: &[Column] = &[
    Column::new("KIND", 22, 0),
    Column::new("NAMESPACE", 12, 2),
    Column::new("NAME", 28, 0),
    Column::new("STATE", 10, 0),
    Column::new("WHY", 0, 1),
];

impl Row for ObjectRow {
    fn columns() -> &'static [Column] {
        OBJECT_COLUMNS
    }
    fn id(&self) -> &ObjectId {
        &self.id
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            Cell::text(self.kind.clone()),
            Cell::text(self.id.namespace.clone()),
            Cell::text(self.id.name.clone()),
            Cell::Text(self.state.as_str().into()),
            Cell::text(self.why.clone()),
        ]
    }
    fn sort_key(&self, column: usize, _now: i64) -> SortKey<'_> {
        match column {
            0 => SortKey::Text(&self.kind),
            1 => SortKey::Text(&self.id.namespace),
            3 => SortKey::Num(self.state as i64),
            4 => SortKey::Text(&self.why),
            _ => SortKey::Text(&self.id.name),
        }
    }
    fn health(&self) -> Health {
        self.state.health()
    }
    fn search_text(&self) -> String {
        format!("{} {}/{} {} {}", self.kind, self.id.namespace, self.id.name, self.state.as_str(), self.why)
    }
}
