//! The API server's own printing (`meta.k8s.io/v1` Table) → typed rows for a generic view, at the edge; no IO.
//! Only what a row needs is kept of each object (its metadata's name, namespace, uid, labels and creation time),
//! so a view of 50,000 objects holds cells, not objects.

use super::cell::Cell;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Health, ObjectId};

/// A Table response, or one watch event's object (a one-row Table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerTable {
    #[serde(default)]
    pub metadata: ListMeta,
    #[serde(default)]
    pub column_definitions: Vec<ColumnDefinition>,
    #[serde(default)]
    pub rows: Vec<ServerRow>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default)]
    pub resource_version: String,
    #[serde(default, rename = "continue")]
    pub continue_token: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ColumnDefinition {
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub format: String,
    /// 0 is shown by `kubectl get`; higher only with `-o wide`.
    #[serde(default)]
    pub priority: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ServerRow {
    #[serde(default)]
    pub cells: Vec<serde_json::Value>,
    #[serde(default)]
    pub object: RowObject,
}

/// `rows[].object`: PartialObjectMetadata by default (the full object is never asked for).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RowObject {
    #[serde(default)]
    pub metadata: RowMeta,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub uid: String,
    #[serde(default)]
    pub resource_version: String,
    #[serde(default)]
    pub creation_timestamp: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Which server columns a view shows and how each becomes a cell: the `kubectl get` columns (priority 0), with
/// NAMESPACE first when a namespaced resource is listed across namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Columns {
    pub names: Vec<String>,
    /// For each shown column, the index of the server's cell (None: the namespace, from the row's object).
    sources: Vec<Option<usize>>,
    /// Shown columns that are ages derived from the object's creation time rather than the server's text.
    ages: Vec<bool>,
    integers: Vec<bool>,
    /// The server's Selector cell (`-o wide` only), kept for drilling into the pods a Service or workload selects.
    selector: Option<usize>,
}

impl Columns {
    pub fn from_definitions(definitions: &[ColumnDefinition], namespaced: bool) -> Columns {
        let mut columns = Columns::default();
        if namespaced {
            columns.push("NAMESPACE".into(), None, false, false);
        }
        columns.selector = definitions.iter().position(|d| d.name == "Selector");
        for (i, d) in definitions.iter().enumerate().filter(|(_, d)| d.priority == 0) {
            let age = d.name.eq_ignore_ascii_case("age") || d.name.eq_ignore_ascii_case("created at");
            columns.push(d.name.to_uppercase(), Some(i), age, d.kind == "integer");
        }
        columns
    }

    fn push(&mut self, name: String, source: Option<usize>, age: bool, integer: bool) {
        self.names.push(name);
        self.sources.push(source);
        self.ages.push(age);
        self.integers.push(integer);
    }

    /// The row of a Table row: cells by these columns, the object's identity and labels.
    pub fn row(&self, row: ServerRow) -> ResourceRow {
        let meta = row.object.metadata;
        let selector =
            self.selector.and_then(|i| row.cells.get(i)).and_then(|v| v.as_str()).map(crate::sanitize::clean);
        let created = meta.creation_timestamp.as_deref().and_then(parse_time);
        let cells = self
            .sources
            .iter()
            .enumerate()
            .map(|(shown, source)| match source {
                None => Cell::Text(crate::sanitize::clean(&meta.namespace)),
                Some(_) if self.ages[shown] && created.is_some() => Cell::Since(created.unwrap_or_default()),
                Some(i) => cell(row.cells.get(*i), self.integers[shown]),
            })
            .collect();
        let health = self
            .names
            .iter()
            .zip(&cells)
            .find_map(|(name, cell): (&String, &Cell)| match (name.as_str(), cell) {
                ("STATUS" | "PHASE", Cell::Text(s)) => Some(health_of(s)),
                ("TYPE", Cell::Text(s)) if s == "Warning" => Some(Health::Warn),
                _ => None,
            })
            .unwrap_or(Health::Ok);
        ResourceRow {
            selector: selector.filter(|s| !s.is_empty() && s != "<none>"),
            health,
            id: ObjectId {
                namespace: crate::sanitize::clean(&meta.namespace),
                name: crate::sanitize::clean(&meta.name),
                uid: if meta.uid.is_empty() { format!("{}/{}", meta.namespace, meta.name) } else { meta.uid },
            },
            labels: meta.labels,
            cells,
        }
    }
}

fn cell(value: Option<&serde_json::Value>, integer: bool) -> Cell {
    match value {
        None | Some(serde_json::Value::Null) => Cell::Empty,
        Some(serde_json::Value::Number(n)) if integer => n.as_i64().map(Cell::Int).unwrap_or(Cell::Empty),
        Some(serde_json::Value::String(s)) if s.is_empty() => Cell::Empty,
        Some(serde_json::Value::String(s)) => Cell::Text(crate::sanitize::clean(s)),
        Some(other) => Cell::Text(crate::sanitize::clean(&other.to_string())),
    }
}

fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// An object of any kind as a generic view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceRow {
    pub id: ObjectId,
    pub labels: BTreeMap<String, String>,
    pub cells: Vec<Cell>,
    /// From a STATUS or PHASE cell (an event's TYPE): how the row is coloured.
    pub health: Health,
    /// The pods it selects, as the server prints them (`app=web,tier=x`).
    pub selector: Option<String>,
}

/// Words in a status-like cell that mark a row as broken or waiting, as the console's own panes colour them.
pub fn health_of(text: &str) -> Health {
    const ERRORS: &[&str] = &[
        "crashloopbackoff",
        "imagepullbackoff",
        "errimagepull",
        "error",
        "failed",
        "oomkilled",
        "notready",
        "lost",
        "invalid",
    ];
    const PENDING: &[&str] = &["pending", "containercreating", "terminating", "progressing", "unknown"];
    let lower = text.to_ascii_lowercase();
    let has = |words: &[&str]| lower.split([',', ' ', '(', ')', ':']).any(|w| words.contains(&w));
    if has(ERRORS) {
        Health::Error
    } else if has(PENDING) {
        Health::Pending
    } else if lower == "completed" || lower == "succeeded" || lower == "complete" {
        Health::Done
    } else {
        Health::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json: serde_json::Value) -> ServerTable {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn kubectl_columns_with_namespace_first_and_typed_cells() {
        let t = table(serde_json::json!({
            "metadata": {"resourceVersion": "42", "continue": "next"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "priority": 0},
                {"name": "Replicas", "type": "integer", "priority": 0},
                {"name": "Selector", "type": "string", "priority": 1},
                {"name": "Phase", "type": "string", "priority": 0},
                {"name": "Age", "type": "string", "priority": 0},
            ],
            "rows": [{
                "cells": ["train-1", 3, "app=train", null, "5m"],
                "object": {"metadata": {"name": "train-1", "namespace": "ml\u{1b}[31m", "uid": "u1",
                    "creationTimestamp": "2026-12-01T20:00:00Z", "labels": {"team": "a"}, "managedFields": [{}]}}
            }]
        }));
        assert_eq!((t.metadata.resource_version.as_str(), t.metadata.continue_token.as_str()), ("42", "next"));
        let columns = Columns::from_definitions(&t.column_definitions, true);
        assert_eq!(columns.names, ["NAMESPACE", "NAME", "REPLICAS", "PHASE", "AGE"], "priority 1 is -o wide only");
        let row = columns.row(t.rows[0].clone());
        assert_eq!(row.id, ObjectId { namespace: "ml".into(), name: "train-1".into(), uid: "u1".into() });
        assert_eq!(
            row.cells,
            [
                Cell::Text("ml".into()),
                Cell::Text("train-1".into()),
                Cell::Int(3),
                Cell::Empty,
                Cell::Since(1_796_155_200)
            ],
            "escape sequences are stripped, a missing field is an empty cell, age counts from creation"
        );
        assert_eq!(row.labels.get("team").map(String::as_str), Some("a"));
        assert_eq!(row.health, Health::Ok, "an empty PHASE says nothing");
        assert_eq!(row.selector.as_deref(), Some("app=train"), "the wide Selector is kept for drilling in");
        let failed = ServerRow { cells: vec!["x".into(), 0.into(), "n".into(), "Failed".into()], ..t.rows[0].clone() };
        assert_eq!(columns.row(failed).health, Health::Error);
    }

    #[test]
    fn cluster_scoped_rows_have_no_namespace_column_and_fall_back_to_name_for_identity() {
        let t = table(serde_json::json!({
            "columnDefinitions": [{"name": "Name", "type": "string"}, {"name": "Age", "type": "string"}],
            "rows": [{"cells": ["a", "3d"], "object": {"metadata": {"name": "a"}}}]
        }));
        let columns = Columns::from_definitions(&t.column_definitions, false);
        assert_eq!(columns.names, ["NAME", "AGE"]);
        let row = columns.row(t.rows[0].clone());
        assert_eq!(row.cells, [Cell::Text("a".into()), Cell::Text("3d".into())], "no timestamp: the server's text");
        assert_eq!(row.id.uid, "/a");
    }

    #[test]
    fn status_words_colour_rows() {
        assert_eq!(health_of("CrashLoopBackOff"), Health::Error);
        assert_eq!(health_of("Ready,SchedulingDisabled"), Health::Ok);
        assert_eq!(health_of("NotReady"), Health::Error);
        assert_eq!(health_of("Pending"), Health::Pending);
        assert_eq!(health_of("Completed"), Health::Done);
        assert_eq!(health_of("Bound"), Health::Ok);
    }
}
