//! One line of the GPU pane's heat grid: a GPU node's cells, figures, faults, and whether GPU work can land there.

use super::super::table::{Column, Row, SortKey};
use crate::model::cell::{Cell, Heat};
use crate::model::nodes::NodeRow;
use crate::model::{Health, ObjectId};

/// Taint keys that do not keep a GPU job off a node: the GPU operator's own (GPU jobs tolerate it), and memory
/// pressure, which Kubernetes lets every pod that requests resources tolerate.
const TOLERATED_TAINTS: [&str; 2] = ["nvidia.com/gpu", "node.kubernetes.io/memory-pressure"];

/// A GPU node as the GPU pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuNodeLine {
    pub id: ObjectId,
    pub product: String,
    pub allocatable: u32,
    /// GPUs requested by the node's unfinished pods.
    pub requested: u32,
    /// Why GPU work cannot land here now (NotReady, cordoned, pressure, a taint other than the GPU taint).
    pub unschedulable: Option<String>,
    /// One cell per GPU: from DCGM when scraped, else from allocation.
    pub heat: Vec<Heat>,
    /// Averages and totals over the node's scraped GPUs.
    pub util: Option<f64>,
    pub memory_mib: Option<(f64, f64)>,
    pub temp_max: Option<f64>,
    pub power_w: Option<f64>,
    /// GPU faults, worst first: "gpu3 last XID 79 GPU has fallen off the bus", "gpu0 hot 89 °C".
    pub problems: Vec<String>,
    /// A fault of the hardware itself (not heat, not an XID applications cause).
    pub serious: bool,
}

impl GpuNodeLine {
    pub fn free(&self) -> u32 {
        self.allocatable.saturating_sub(self.requested)
    }
}

const COLUMNS: &[Column] = &[
    Column::new("NODE", 14, 0),
    Column::new("PRODUCT", 12, 3),
    Column::new("GPUS", 16, 0),
    Column::new("UTIL", 4, 0),
    Column::new("MEM GiB", 9, 2),
    Column::new("TEMP", 5, 4),
    Column::new("POWER", 6, 5),
    Column::new("REQ", 5, 0),
    Column::new("FREE", 4, 0),
    Column::new("PROBLEMS", 0, 1),
];

impl Row for GpuNodeLine {
    fn columns() -> &'static [Column] {
        COLUMNS
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        let mut problems = self.problems.clone();
        problems.extend(self.unschedulable.clone());
        let dash = || Cell::Text("–".into());
        vec![
            Cell::Text(self.id.name.clone()),
            Cell::text(short_product(&self.product)),
            Cell::Heat(self.heat.clone()),
            self.util.map(|u| Cell::Text(format!("{u:.0}%"))).unwrap_or_else(dash),
            self.memory_mib
                .map(|(u, t)| Cell::Text(format!("{:.0}/{:.0}", u / 1024.0, t / 1024.0)))
                .unwrap_or_else(dash),
            self.temp_max.map(|t| Cell::Text(format!("{t:.0}°C"))).unwrap_or_else(dash),
            self.power_w.map(|p| Cell::Text(format!("{p:.0}W"))).unwrap_or_else(dash),
            Cell::Text(format!("{}/{}", self.requested, self.allocatable)),
            Cell::Int(i64::from(self.free())),
            Cell::text(problems.join("; ")),
        ]
    }

    fn sort_key(&self, column: usize, _now: i64) -> SortKey<'_> {
        let num = |v: Option<f64>| SortKey::Num(v.map_or(-1, |v| v as i64));
        match column {
            1 => SortKey::Text(&self.product),
            2 | 3 => num(self.util),
            4 => num(self.memory_mib.map(|m| m.0)),
            5 => num(self.temp_max),
            6 => num(self.power_w),
            7 => SortKey::Num(i64::from(self.requested)),
            8 => SortKey::Num(i64::from(self.free())),
            9 => SortKey::Num(-(self.health() as i64)),
            _ => SortKey::Text(&self.id.name),
        }
    }

    fn health(&self) -> Health {
        match (self.serious, self.problems.is_empty() && self.unschedulable.is_none()) {
            (true, _) => Health::Error,
            (false, false) => Health::Warn,
            (false, true) => Health::Ok,
        }
    }

    fn search_text(&self) -> String {
        format!("{} {} {}", self.id.name, self.product, self.problems.join(" "))
    }
}

/// `NVIDIA-H100-80GB-HBM3` → `H100-80GB-HBM3`: the vendor is the same on every line.
fn short_product(product: &str) -> String {
    product.trim_start_matches("NVIDIA-").trim_start_matches("NVIDIA ").to_string()
}

/// Why GPU work cannot be scheduled on `node` now, if it cannot.
pub(super) fn unschedulable(node: &NodeRow) -> Option<String> {
    if !node.status.starts_with("Ready") {
        return Some(node.status.split(',').next().unwrap_or_default().to_string());
    }
    if node.status.contains("SchedulingDisabled") {
        return Some("cordoned".into());
    }
    // Pressure conditions keep pods off through their taints (disk and PID pressure), so the taints decide.
    node.taints
        .iter()
        .filter_map(|t| t.rsplit_once(':'))
        .find(|(key, effect)| !TOLERATED_TAINTS.contains(key) && matches!(*effect, "NoSchedule" | "NoExecute"))
        .map(|(key, effect)| format!("taint {key}:{effect}"))
}
