//! The GPU pane: cluster GPUs per node (allocation from the watches, utilization from DCGM) as a heat grid, where a
//! job fits, pending GPU pods, GPU faults for triage, and the local GPUs NVML sees, each with five minutes of history.

pub mod fit;
mod grid;

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::table::{Delta, Table};
use super::triage::TriageRow;
use crate::event::{ObjectKind, ObjectRef};
use crate::model::cell::Heat;
use crate::model::dcgm::{DcgmGpu, Scrape};
use crate::model::gpu::LocalGpu;
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::{Health, ObjectId};
pub use grid::GpuNodeLine;
use grid::unschedulable;

/// How far back sparklines go: 300 NVML samples at 1 Hz, 30 DCGM scrapes at 10 s.
pub const HISTORY: std::time::Duration = std::time::Duration::from_secs(300);

/// DCGM scrapes while another pane has focus.
const UNFOCUSED_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// A fed value: not yet heard from, live since a time, or unavailable and why.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Feed {
    #[default]
    Waiting,
    Live {
        at: i64,
    },
    Unavailable(String),
}

/// The values of the last [`HISTORY`], oldest first, with when each came: however often they come (a scrape
/// interval that changes with focus, a sampler's setting), the history spans the same time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    values: VecDeque<(i64, u64)>,
}

impl History {
    fn push(&mut self, at: i64, value: u64) {
        let oldest = at - HISTORY.as_secs() as i64;
        while self.values.front().is_some_and(|(when, _)| *when <= oldest) {
            self.values.pop_front();
        }
        self.values.push_back((at, value));
    }

    pub fn values(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.values.iter().map(|(_, v)| *v)
    }
}

/// The pane's first line, worked out when its inputs change rather than once a frame (thousands of GPUs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub nodes: usize,
    pub allocatable: u32,
    pub requested: u32,
    pub free: fit::Fragmentation,
    /// GPUs with DCGM figures, and their mean utilization.
    pub scraped: usize,
    pub mean_util: Option<f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (count, sum) = values.fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    (count > 0).then(|| sum / count as f64)
}

/// Mean GPU utilization (percent) by namespace, then pod.
pub type PodGpuUtil = HashMap<String, HashMap<String, u32>>;

/// A GPU pod the scheduler has not placed, with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingGpuPod {
    pub id: ObjectId,
    pub gpus: u32,
    pub why: String,
    pub since: i64,
}

/// A local GPU's last sample and its history (SM and memory utilization, percent).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalLine {
    pub gpu: LocalGpu,
    pub sm: History,
    pub mem: History,
}

#[derive(Debug, Default)]
pub struct Gpus {
    pub table: Table<GpuNodeLine>,
    /// The DCGM exporter: when it last answered, or why it cannot be read.
    pub dcgm: Feed,
    /// Exporters that answered in the last scrape.
    pub exporters: usize,
    /// The Prometheus the last figures came from, when not the exporters.
    pub via: Option<String>,
    /// Time between DCGM scrapes while the pane has focus (`dcgm-interval-seconds`).
    pub dcgm_every: std::time::Duration,
    /// The last scrape's GPUs by node, in GPU order; a node whose exporter failed keeps its previous figures.
    pub scraped: HashMap<String, Vec<DcgmGpu>>,
    /// Nodes whose exporter failed in the last scrape, with why (their figures, if any, are from an earlier one).
    pub stale_nodes: BTreeMap<String, String>,
    /// Utilization per (node, GPU index) over the last scrapes.
    pub history: HashMap<(String, u32), History>,
    /// NVML on this machine.
    pub local: Feed,
    pub local_gpus: Vec<LocalLine>,
    pub pending: BTreeMap<String, PendingGpuPod>,
    pub fit: Option<fit::FitQuery>,
    pub summary: Summary,
    /// The node shown GPU by GPU (enter on a line; esc goes back).
    pub drill: Option<String>,
    /// When each GPU fault was first seen, by its triage key: the faults triage shows now.
    faults: BTreeMap<String, i64>,
    pub stale: bool,
}

/// Triage keys of GPU faults.
const FAULT_KEY: &str = "gpu/";

impl Gpus {
    /// An empty pane for DCGM scrapes every `dcgm_every` while it has focus.
    pub fn new(dcgm_every: std::time::Duration) -> Gpus {
        Gpus { dcgm_every, ..Gpus::default() }
    }

    /// How often to scrape: the configured interval while the pane has focus, at most once a minute otherwise.
    /// Each scrape of a large cluster costs tens of milliseconds and redraws every figure that moved; an operator
    /// looking elsewhere needs the faults, not every wiggle.
    pub fn scrape_every(&self, focused: bool) -> std::time::Duration {
        if focused { self.dcgm_every } else { self.dcgm_every.max(UNFOCUSED_EVERY) }
    }

    /// A pod's GPU request while it waits for a node; placed, finished or deleted pods leave the list.
    pub fn track_pod(&mut self, pod: &PodRow) {
        if pod.gpus > 0 && pod.node.is_empty() && !pod.finished() {
            let line = PendingGpuPod { id: pod.id.clone(), gpus: pod.gpus, why: pod.why.clone(), since: pod.created };
            self.pending.insert(pod.id.uid.clone(), line);
        } else {
            self.pending.remove(&pod.id.uid);
        }
    }

    pub fn forget_pod(&mut self, uid: &str) {
        self.pending.remove(uid);
    }

    /// A DCGM scrape (or why there is none) at `now`.
    pub fn absorb_scrape(&mut self, scrape: Result<Scrape, String>, now: i64) {
        self.stale = true;
        let scrape = match scrape {
            Ok(s) => s,
            Err(why) => {
                self.dcgm = Feed::Unavailable(why);
                self.scraped.clear();
                self.stale_nodes.clear();
                self.exporters = 0;
                return;
            }
        };
        self.dcgm = Feed::Live { at: now };
        self.exporters = scrape.exporters;
        self.via = scrape.via;
        let mut by_node: HashMap<String, Vec<DcgmGpu>> = HashMap::new();
        for gpu in scrape.gpus {
            let history = self.history.entry((gpu.node.clone(), gpu.index)).or_default();
            history.push(now, gpu.util.unwrap_or(0.0).round() as u64);
            by_node.entry(gpu.node.clone()).or_default().push(gpu);
        }
        for gpus in by_node.values_mut() {
            gpus.sort_by_key(|g| g.index);
        }
        // A node whose exporter did not answer keeps its last figures (an XID 79 often silences the exporter too,
        // and the fault must not vanish with it), marked stale.
        self.stale_nodes.clear();
        for (node, why) in scrape.failures {
            if let Some(last) = self.scraped.remove(&node) {
                by_node.insert(node.clone(), last);
            }
            self.stale_nodes.insert(node, why);
        }
        self.history.retain(|(node, index), _| by_node.get(node).is_some_and(|g| g.iter().any(|g| g.index == *index)));
        self.scraped = by_node;
    }

    /// An NVML sample (or why there is none) at `now`.
    pub fn absorb_local(&mut self, sample: Result<Vec<LocalGpu>, String>, now: i64) {
        let gpus = match sample {
            Ok(gpus) => gpus,
            Err(why) => {
                self.local = Feed::Unavailable(why);
                self.local_gpus.clear();
                return;
            }
        };
        self.local = Feed::Live { at: now };
        self.local_gpus.truncate(gpus.len());
        // Lines go by position in the sample; a different GPU in a position (a GPU lost, the list shifted) starts
        // its history afresh.
        for (at, gpu) in gpus.into_iter().enumerate() {
            let (sm, mem) = gpu.util.unwrap_or_default();
            let fresh = || LocalLine { gpu: gpu.clone(), sm: History::default(), mem: History::default() };
            match self.local_gpus.get_mut(at) {
                Some(line) if line.gpu.uuid == gpu.uuid => {}
                Some(line) => *line = fresh(),
                None => self.local_gpus.push(fresh()),
            }
            if let Some(line) = self.local_gpus.get_mut(at) {
                line.sm.push(now, u64::from(sm));
                line.mem.push(now, u64::from(mem));
                line.gpu = gpu;
            }
        }
    }

    /// Rebuilds the node lines from the nodes, the GPUs their pods request and the last scrape.
    pub fn rebuild(&mut self, nodes: &HashMap<String, NodeRow>, requested: &HashMap<String, u32>) {
        let lines: Vec<GpuNodeLine> = nodes
            .values()
            .filter(|n| n.gpu_capacity > 0 || n.gpu_allocatable > 0 || !n.gpu_product.is_empty())
            .map(|n| self.line(n, requested.get(&n.id.name).copied().unwrap_or(0)))
            .collect();
        self.summary = Summary {
            nodes: lines.len(),
            allocatable: lines.iter().map(|l| l.allocatable).sum(),
            requested: lines.iter().map(|l| l.requested.min(l.allocatable)).sum(),
            free: fit::fragmentation(&lines.iter().collect::<Vec<_>>()),
            scraped: self.scraped.values().map(Vec::len).sum(),
            mean_util: mean(self.scraped.values().flatten().filter_map(|g| g.util)),
        };
        self.table.apply(Delta { reset: true, upserts: lines, deletes: vec![] });
        self.stale = false;
    }

    fn line(&self, node: &NodeRow, requested: u32) -> GpuNodeLine {
        let scraped = self.scraped.get(&node.id.name).map(Vec::as_slice).unwrap_or_default();
        let count = node.gpu_capacity.max(node.gpu_allocatable).max(scraped.len() as u32);
        let heat = (0..count)
            .map(|i| match scraped.iter().find(|g| g.index == i) {
                Some(gpu) => Heat::of(gpu),
                None if i < requested => Heat::Held,
                None => Heat::Free,
            })
            .collect();
        let sum = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>());
        let used: Vec<f64> = scraped.iter().filter_map(|g| g.fb_used_mib).collect();
        let total: Vec<f64> = scraped.iter().filter_map(DcgmGpu::fb_total_mib).collect();
        let mut faults: Vec<(bool, String)> = scraped
            .iter()
            .filter_map(|g| g.fault().map(|f| (f.serious, format!("gpu{} {} {}", g.index, f.problem, f.why))))
            .collect();
        faults.sort_by_key(|(serious, _)| !serious);
        let serious = faults.first().is_some_and(|(serious, _)| *serious);
        let mut problems: Vec<String> = faults.into_iter().map(|(_, text)| text).collect();
        if let Some(why) = self.stale_nodes.get(&node.id.name) {
            let earlier = if scraped.is_empty() { "" } else { "; figures from an earlier scrape" };
            problems.insert(0, format!("exporter not answering ({why}){earlier}"));
        }
        GpuNodeLine {
            id: node.id.clone(),
            product: node.gpu_product.clone(),
            allocatable: node.gpu_allocatable,
            requested,
            unschedulable: unschedulable(node),
            heat,
            util: mean(scraped.iter().filter_map(|g| g.util)),
            memory_mib: sum(used).zip(sum(total)),
            temp_max: scraped.iter().filter_map(|g| g.temp_c).reduce(f64::max),
            power_w: sum(scraped.iter().filter_map(|g| g.power_w).collect()),
            problems,
            serious,
        }
    }

    /// Mean utilization of the GPUs each pod holds, by namespace then pod (looked up per row without a key built).
    pub fn pod_utilization(&self) -> PodGpuUtil {
        let mut sums: HashMap<String, HashMap<String, (u32, f64)>> = HashMap::new();
        for gpu in self.scraped.values().flatten() {
            if let (Some((ns, pod)), Some(util)) = (&gpu.holder, gpu.util) {
                let entry = sums.entry(ns.clone()).or_default().entry(pod.clone()).or_default();
                *entry = (entry.0 + 1, entry.1 + util);
            }
        }
        sums.into_iter()
            .map(|(ns, pods)| {
                let means = pods.into_iter().map(|(pod, (n, total))| (pod, (total / f64::from(n)).round() as u32));
                (ns, means.collect())
            })
            .collect()
    }

    /// Forgets the cluster (a context switch); the local GPUs stay.
    pub fn forget_cluster(&mut self) {
        *self = Gpus {
            local: std::mem::take(&mut self.local),
            local_gpus: std::mem::take(&mut self.local_gpus),
            dcgm_every: self.dcgm_every,
            ..Gpus::default()
        };
    }

    /// Triage lines for GPU faults (XID errors, heat), replacing the last scrape's.
    pub fn fault_lines(&mut self, nodes: &HashMap<String, NodeRow>, now: i64) -> Delta<TriageRow> {
        let node_uids: HashMap<&str, &str> = nodes.values().map(|n| (n.id.name.as_str(), n.id.uid.as_str())).collect();
        let mut lines = Vec::new();
        for gpu in self.scraped.values().flatten() {
            let Some(fault) = gpu.fault() else { continue };
            let held = gpu.holder.as_ref().map(|(ns, pod)| format!("; held by {ns}/{pod}")).unwrap_or_default();
            let (severity, weight) = if fault.serious { (Health::Error, 95) } else { (Health::Warn, 45) };
            let (problem, why) = (fault.problem, format!("{}{held}", fault.why));
            let key = format!("{FAULT_KEY}{}/{}", gpu.node, gpu.index);
            let since = *self.faults.entry(key.clone()).or_insert(now);
            let object = node_uids.get(gpu.node.as_str()).map(|uid| ObjectRef {
                kind: ObjectKind::Node,
                namespace: String::new(),
                name: gpu.node.clone(),
                uid: uid.to_string(),
            });
            let name = format!("{} gpu{} {}", gpu.node, gpu.index, gpu.uuid);
            lines.push(TriageRow {
                id: ObjectId { namespace: String::new(), name: name.trim_end().to_string(), uid: key },
                object,
                address: None,
                kind: "gpu".into(),
                problem,
                why,
                severity,
                weight,
                since,
            });
        }
        let current: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.id.uid.as_str()).collect();
        let gone: Vec<String> = self.faults.keys().filter(|k| !current.contains(k.as_str())).cloned().collect();
        for key in &gone {
            self.faults.remove(key);
        }
        Delta { reset: false, upserts: lines, deletes: gone }
    }

    /// Lines the pane shows above its table (summary, DCGM, fit, pending pods) and below it (local GPUs: one each, at
    /// most eight, and their processes; or why there are none).
    pub fn chrome(&self) -> (u16, u16) {
        let local = match self.local_gpus.len() {
            0 => 1,
            n => n.min(8) as u16 + 1,
        };
        (4, local)
    }

    /// Node lines as a slice of references, for fit and fragmentation.
    pub fn lines(&self) -> Vec<&GpuNodeLine> {
        self.table.all().collect()
    }
}

#[cfg(test)]
mod tests;
