//! Deployments, statefulsets and jobs as one table: ready/desired, completions, duration, GPUs per pod.

use std::collections::BTreeMap;

use super::table::{Column, Row, SortKey};
use crate::model::cell::Cell;
use crate::model::workloads::{WorkloadKind, WorkloadRow};
use crate::model::{Health, ObjectId};

const COLUMNS: &[Column] = &[
    Column::new("KIND", 11, 0),
    Column::new("NAMESPACE", 12, 0),
    Column::new("NAME", 0, 0),
    Column::new("READY", 7, 0),
    Column::new("STATUS", 11, 0),
    Column::new("COMPLETIONS", 11, 1),
    Column::new("DURATION", 8, 3),
    Column::new("GPU/POD", 7, 2),
    Column::new("AGE", 5, 4),
];

impl Row for WorkloadRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let ready = match self.kind {
            WorkloadKind::Job => format!("{}", self.ready),
            _ => format!("{}/{}", self.ready, self.desired),
        };
        let duration = match (self.started, self.finished) {
            (Some(start), Some(end)) => Cell::Span(end - start),
            (Some(start), None) => Cell::Since(start),
            (None, _) => Cell::Empty,
        };
        vec![
            Cell::Text(self.kind.as_str().to_string()),
            Cell::Text(self.id.namespace.clone()),
            Cell::Text(self.id.name.clone()),
            Cell::Text(ready),
            Cell::text(self.status.clone()),
            Cell::text(self.completions.clone()),
            duration,
            if self.gpus_per_pod > 0 { Cell::Int(i64::from(self.gpus_per_pod)) } else { Cell::Empty },
            Cell::Since(self.created),
        ]
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            0 => SortKey::Text(self.kind.as_str()),
            1 => SortKey::Text(&self.id.namespace),
            3 => SortKey::Num(i64::from(self.ready) - i64::from(self.desired)),
            4 => SortKey::Num(self.health as i64),
            6 => SortKey::Num(self.started.map(|s| self.finished.unwrap_or(now) - s).unwrap_or(0)),
            7 => SortKey::Num(i64::from(self.gpus_per_pod)),
            8 => SortKey::Num(now - self.created),
            _ => SortKey::Text(&self.id.name),
        }
    }

    fn health(&self) -> Health {
        self.health
    }

    fn search_text(&self) -> String {
        format!("{} {}/{} {}", self.kind.as_str(), self.id.namespace, self.id.name, self.status)
    }

    fn labels(&self) -> Option<&BTreeMap<String, String>> {
        Some(&self.selector)
    }
}
