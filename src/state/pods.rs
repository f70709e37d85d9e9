//! Pods as a table: columns, cells, sort keys and what filters and drill-downs match.

use std::collections::BTreeMap;

use super::table::{Column, Row, SortKey};
use crate::model::cell::Cell;
use crate::model::pods::PodRow;
use crate::model::{Health, ObjectId, human_bytes};

const COLUMNS: &[Column] = &[
    Column::new("NAMESPACE", 12, 0),
    Column::new("NAME", 0, 0),
    Column::new("READY", 5, 0),
    Column::new("STATUS", 17, 0),
    Column::new("RESTARTS", 13, 1),
    Column::new("AGE", 5, 0),
    Column::new("NODE", 12, 2),
    Column::new("GPU", 8, 3),
    Column::new("CPU", 6, 4),
    Column::new("MEM", 7, 4),
    Column::new("WHY", 0, 5),
];

/// The CPU and MEM columns: metrics samples change them in place.
pub const USAGE_COLUMNS: [usize; 2] = [8, 9];

/// The GPU column: DCGM scrapes change the utilization it shows, and its sort, in place.
pub const GPU_COLUMN: usize = 7;

impl Row for PodRow {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let restarts = match self.last_restart {
            Some(t) if self.restarts > 0 => Some(t),
            _ => None,
        };
        vec![
            Cell::Text(self.id.namespace.clone()),
            Cell::Text(self.id.name.clone()),
            Cell::Text(format!("{}/{}", self.ready.0, self.ready.1)),
            Cell::text(self.status.clone()),
            Cell::Restarts { count: self.restarts, last: restarts },
            Cell::Since(self.created),
            Cell::Text(if self.node.is_empty() { "<none>".into() } else { self.node.clone() }),
            match (self.gpus, self.gpu_util) {
                (0, _) => Cell::Empty,
                (n, Some(util)) => Cell::Text(format!("{n} {util}%")),
                (n, None) => Cell::Int(i64::from(n)),
            },
            self.usage.map(|u| Cell::Text(format!("{}m", u.0))).unwrap_or(Cell::Empty),
            self.usage.map(|u| Cell::Text(human_bytes(u.1))).unwrap_or(Cell::Empty),
            Cell::text(self.registry.clone().unwrap_or_else(|| self.why.clone())),
        ]
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match column {
            0 => SortKey::Text(&self.id.namespace),
            2 => SortKey::Num(self.ready.0 as i64 - self.ready.1 as i64),
            3 => SortKey::Text(&self.status),
            4 => SortKey::Num(i64::from(self.restarts)),
            5 => SortKey::Num(now - self.created),
            6 => SortKey::Text(&self.node),
            // By GPUs held, then by how busy they are.
            7 => SortKey::Num(i64::from(self.gpus) * 1000 + self.gpu_util.map_or(-1, i64::from)),
            8 => SortKey::Num(self.usage.map_or(-1, |u| u.0 as i64)),
            9 => SortKey::Num(self.usage.map_or(-1, |u| u.1 as i64)),
            10 => SortKey::Text(self.registry.as_deref().unwrap_or(&self.why)),
            _ => SortKey::Text(&self.id.name),
        }
    }

    fn health(&self) -> Health {
        self.health
    }

    fn search_text(&self) -> String {
        format!("{}/{} {} {}", self.id.namespace, self.id.name, self.status, self.node)
    }

    fn labels(&self) -> Option<&BTreeMap<String, String>> {
        Some(&self.labels)
    }

    fn node(&self) -> Option<&str> {
        Some(&self.node)
    }

    fn claims(&self) -> &[String] {
        &self.claims
    }
}
