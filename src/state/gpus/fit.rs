//! Where a job needing N GPUs (of a product) can land now, and how fragmented the free GPUs are. Pure arithmetic
//! over the GPU node lines.

use super::GpuNodeLine;

/// "A job needing `gpus` GPUs, of a product whose name contains `product`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitQuery {
    pub gpus: u32,
    pub product: Option<String>,
}

impl FitQuery {
    /// `:fit 4 h100` → 4 GPUs of an H100 product; the count must be at least 1.
    pub fn parse(args: &[&str]) -> Result<FitQuery, String> {
        let usage = "usage: :fit GPUS [PRODUCT], e.g. :fit 4 h100";
        let gpus = match args.first().map(|a| a.parse::<u32>()) {
            Some(Ok(n)) if n > 0 => n,
            _ => return Err(usage.into()),
        };
        Ok(FitQuery { gpus, product: args.get(1).map(|p| p.to_string()) })
    }

    pub fn describe(&self) -> String {
        match &self.product {
            Some(p) => format!("{}× {p}", self.gpus),
            None => format!("{}× any GPU", self.gpus),
        }
    }

    fn wants(&self, product: &str) -> bool {
        let squash = |s: &str| s.to_lowercase().replace(['-', ' ', '_'], "");
        self.product.as_deref().is_none_or(|p| squash(product).contains(&squash(p)))
    }
}

/// The answer to a fit query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitReport {
    /// Nodes where the job fits now, tightest first (best fit leaves the big blocks for big jobs): (node, free).
    pub fits: Vec<(String, u32)>,
    /// The largest free block on a node the job could use at all, when it fits nowhere.
    pub largest: Option<(String, u32)>,
    /// Nodes of the product that cannot take GPU work now, and why (NotReady, cordoned, a taint).
    pub excluded: Vec<(String, String)>,
}

pub fn fit(lines: &[&GpuNodeLine], query: &FitQuery) -> FitReport {
    let mut fits = Vec::new();
    let mut largest: Option<(String, u32)> = None;
    let mut excluded = Vec::new();
    for line in lines.iter().filter(|l| query.wants(&l.product)) {
        if let Some(why) = &line.unschedulable {
            excluded.push((line.id.name.clone(), why.clone()));
            continue;
        }
        let free = line.free();
        if free >= query.gpus {
            fits.push((line.id.name.clone(), free));
        }
        if largest.as_ref().is_none_or(|(_, most)| free > *most) {
            largest = Some((line.id.name.clone(), free));
        }
    }
    fits.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    excluded.sort();
    FitReport { fits, largest, excluded }
}

/// Free GPUs on schedulable nodes: in total and in the largest single-node block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fragmentation {
    pub free: u32,
    pub largest_block: u32,
    pub nodes_with_free: usize,
}

impl Fragmentation {
    /// 0 % when every free GPU sits on one node; near 100 % when they are scattered one per node.
    pub fn percent(&self) -> u32 {
        (100 - self.largest_block * 100 / self.free.max(1)).min(100) * u32::from(self.free > 0)
    }
}

pub fn fragmentation(lines: &[&GpuNodeLine]) -> Fragmentation {
    let mut f = Fragmentation::default();
    for free in lines.iter().filter(|l| l.unschedulable.is_none()).map(|l| l.free()).filter(|f| *f > 0) {
        f.free += free;
        f.largest_block = f.largest_block.max(free);
        f.nodes_with_free += 1;
    }
    f
}
