//! The images pane's table rows: a repository (its registry, tag count, newest tag, pods using it) and a tag (the
//! pods and nodes running it).

use super::super::table::{Column, Row, SortKey};
use crate::model::cell::Cell;
use crate::model::{Health, ObjectId};

#[derive(Debug, Clone, PartialEq)]
pub struct RepoLine {
    /// namespace: the registry; name: the repository; uid: both.
    pub id: ObjectId,
    /// None while its tags are being listed.
    pub tags: Option<Result<TagSummary, String>>,
    pub pods: usize,
    /// Some pod using it cannot pull its image.
    pub failing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TagSummary {
    pub count: usize,
    pub newest: Option<String>,
}

const REPO_COLUMNS: &[Column] = &[
    Column::new("REGISTRY", 22, 1),
    Column::new("REPOSITORY", 0, 0),
    Column::new("TAGS", 6, 0),
    Column::new("NEWEST", 18, 2),
    Column::new("PODS", 6, 0),
    Column::new("PROBLEM", 30, 3),
];

impl Row for RepoLine {
    fn columns() -> &'static [Column] {
        REPO_COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let (count, newest, problem) = match &self.tags {
            None => ("…".to_string(), String::new(), String::new()),
            Some(Ok(t)) => (t.count.to_string(), t.newest.clone().unwrap_or_default(), String::new()),
            Some(Err(why)) => ("?".into(), String::new(), why.clone()),
        };
        let problem = if problem.is_empty() && self.failing { "pods cannot pull".into() } else { problem };
        [self.id.namespace.clone(), self.id.name.clone(), count, newest, self.pods.to_string(), problem]
            .map(Cell::text)
            .into()
    }

    fn sort_key(&self, column: usize, _now: i64) -> SortKey<'_> {
        match column {
            0 => SortKey::Text(&self.id.namespace),
            2 => SortKey::Num(match &self.tags {
                Some(Ok(t)) => t.count as i64,
                _ => -1,
            }),
            3 => SortKey::Text(self.tags.as_ref().and_then(|t| t.as_ref().ok()?.newest.as_deref()).unwrap_or("")),
            4 => SortKey::Num(self.pods as i64),
            5 => SortKey::Num(i64::from(self.failing) + i64::from(matches!(self.tags, Some(Err(_)))) * 2),
            _ => SortKey::Text(&self.id.name),
        }
    }

    fn health(&self) -> Health {
        match (&self.tags, self.failing) {
            (Some(Err(_)), _) | (_, true) => Health::Error,
            (None, _) => Health::Pending,
            _ => Health::Ok,
        }
    }

    fn search_text(&self) -> String {
        format!("{}/{}", self.id.namespace, self.id.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TagLine {
    /// name and uid: the tag.
    pub id: ObjectId,
    /// Place in version order (higher is newer), so the tag column sorts by version, not by text.
    pub rank: usize,
    pub pods: usize,
    pub nodes: Vec<String>,
    /// Some pod naming this tag cannot pull it.
    pub failing: bool,
    /// Pods name it but the registry does not list it.
    pub missing: bool,
}

const TAG_COLUMNS: &[Column] =
    &[Column::new("TAG", 0, 0), Column::new("PODS", 6, 0), Column::new("NODES", 40, 1), Column::new("PROBLEM", 22, 2)];

impl Row for TagLine {
    fn columns() -> &'static [Column] {
        TAG_COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let nodes = match self.nodes.len() {
            0..=2 => self.nodes.join(", "),
            n => format!("{}, {} and {} more", self.nodes[0], self.nodes[1], n - 2),
        };
        let problem = match (self.missing, self.failing) {
            (true, _) => "not in the registry",
            (false, true) => "pods cannot pull it",
            _ => "",
        };
        let pods = if self.pods == 0 { String::new() } else { self.pods.to_string() };
        [self.id.name.clone(), pods, nodes, problem.to_string()].map(Cell::text).into()
    }

    fn sort_key(&self, column: usize, _now: i64) -> SortKey<'_> {
        match column {
            1 => SortKey::Num(self.pods as i64),
            2 => SortKey::Num(self.nodes.len() as i64),
            3 => SortKey::Num(i64::from(self.missing) * 2 + i64::from(self.failing)),
            _ => SortKey::Num(self.rank as i64),
        }
    }

    fn health(&self) -> Health {
        if self.failing || self.missing { Health::Error } else { Health::Ok }
    }

    fn search_text(&self) -> String {
        self.id.name.clone()
    }
}
