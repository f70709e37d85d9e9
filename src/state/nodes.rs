//! Nodes as a table: status with pressure, roles, pool and GPU product, GPUs allocated of allocatable, versions.

use super::table::{Column, Row, SortKey};
use crate::model::cell::Cell;
use crate::model::nodes::NodeRow;
use crate::model::{Health, ObjectId};

/// A node row with the GPUs its pods request (counted from the pods table).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeLine {
    pub node: NodeRow,
    pub gpus_allocated: u32,
    /// (CPU millicores, memory bytes) in use, from metrics.k8s.io.
    pub usage: Option<(u64, u64)>,
}

impl NodeLine {
    /// CPU and memory use in percent of allocatable.
    fn percent(&self) -> Option<(u64, u64)> {
        let (cpu, mem) = self.usage?;
        let pct = |used: u64, total: u64| (used * 100).checked_div(total).unwrap_or(0);
        Some((pct(cpu, self.node.cpu_allocatable), pct(mem, self.node.mem_allocatable)))
    }
}

const COLUMNS: &[Column] = &[
    Column::new("NAME", 14, 0),
    Column::new("STATUS", 20, 0),
    Column::new("ROLES", 13, 6),
    Column::new("POOL", 8, 2),
    Column::new("GPU", 21, 1),
    Column::new("GPUS", 5, 0),
    Column::new("CPU%", 4, 2),
    Column::new("MEM%", 4, 2),
    Column::new("AGE", 4, 0),
    Column::new("VERSION", 8, 4),
    Column::new("RUNTIME", 18, 5),
    Column::new("TAINTS", 0, 3),
];

impl Row for NodeLine {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.node.id
    }

    fn cells(&self) -> Vec<Cell> {
        let n = &self.node;
        let mut status = n.status.clone();
        for p in &n.pressure {
            status.push(',');
            status.push_str(p);
        }
        let gpus = if n.gpu_allocatable > 0 {
            Cell::Text(format!("{}/{}", self.gpus_allocated, n.gpu_allocatable))
        } else {
            Cell::Empty
        };
        let percent = |p: Option<u64>| p.map(|p| Cell::Text(format!("{p}%"))).unwrap_or(Cell::Empty);
        vec![
            Cell::Text(n.id.name.clone()),
            Cell::text(status),
            Cell::text(n.roles.clone()),
            Cell::text(n.pool.clone()),
            Cell::text(n.gpu_product.clone()),
            gpus,
            percent(self.percent().map(|p| p.0)),
            percent(self.percent().map(|p| p.1)),
            Cell::Since(n.created),
            Cell::text(n.kubelet.clone()),
            Cell::text(n.runtime.clone()),
            Cell::text(n.taints.join(" ")),
        ]
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        let n = &self.node;
        match column {
            1 => SortKey::Num(n.health as i64),
            2 => SortKey::Text(&n.roles),
            3 => SortKey::Text(&n.pool),
            4 => SortKey::Text(&n.gpu_product),
            5 => SortKey::Num(i64::from(n.gpu_allocatable) - i64::from(self.gpus_allocated)),
            6 => SortKey::Num(self.percent().map_or(-1, |p| p.0 as i64)),
            7 => SortKey::Num(self.percent().map_or(-1, |p| p.1 as i64)),
            8 => SortKey::Num(now - n.created),
            _ => SortKey::Text(&n.id.name),
        }
    }

    fn health(&self) -> Health {
        self.node.health
    }

    fn search_text(&self) -> String {
        let n = &self.node;
        format!("{} {} {} {} {}", n.id.name, n.status, n.pressure.join(","), n.pool, n.gpu_product)
    }
}
