//! DCGM exporter text (the Prometheus exposition format) → one row per GPU: utilization, memory, temperature,
//! power, clocks, throttling, the last XID error, and the pod the exporter says holds it. No IO.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::sanitize::clean;

/// One GPU as the exporter reports it; a metric the exporter does not send stays `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DcgmGpu {
    pub node: String,
    pub index: u32,
    pub uuid: String,
    pub model: String,
    /// Percent.
    pub util: Option<f64>,
    pub mem_copy_util: Option<f64>,
    pub fb_used_mib: Option<f64>,
    pub fb_free_mib: Option<f64>,
    pub temp_c: Option<f64>,
    pub power_w: Option<f64>,
    pub sm_clock_mhz: Option<f64>,
    /// DCGM's clock throttle (clocks event) reason bits.
    pub throttle: Option<u64>,
    /// The last XID error since the exporter started (DCGM keeps the last one, it never clears); 0 is `None`.
    pub xid: Option<u32>,
    /// (namespace, pod) holding the GPU, from the exporter's pod attribution.
    pub holder: Option<(String, String)>,
}

/// Throttle reasons that mean heat or a power emergency, not ordinary power capping or idle clocks.
const HW_SLOWDOWN: u64 = 0x8;
const SW_THERMAL: u64 = 0x20;
const HW_THERMAL: u64 = 0x40;
const HW_POWER_BRAKE: u64 = 0x80;

/// The temperature at which a datacenter GPU is called hot (H100/A100 slow down from about 87 °C).
pub const HOT_C: f64 = 85.0;

/// A GPU fault as the pane, the drill-down and triage word it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// "last XID 79", "hot".
    pub problem: String,
    /// "GPU has fallen off the bus", "89 °C, hardware thermal slowdown".
    pub why: String,
    /// Hardware faults are errors; faults an application usually causes (a page fault, a stopped kernel) and heat
    /// are warnings.
    pub serious: bool,
}

impl DcgmGpu {
    /// The XID error, else the heat, this GPU reports.
    pub fn fault(&self) -> Option<Fault> {
        if let Some(code) = self.xid {
            let problem = format!("last XID {code}");
            return Some(Fault { problem, why: xid_meaning(code).into(), serious: !application_xid(code) });
        }
        let why = self.heat_problem()?;
        Some(Fault { problem: "hot".into(), why, serious: false })
    }

    pub fn fb_total_mib(&self) -> Option<f64> {
        Some(self.fb_used_mib? + self.fb_free_mib?)
    }

    /// Why this GPU is running hot or slowed by hardware, if it is.
    pub fn heat_problem(&self) -> Option<String> {
        let bits = self.throttle.unwrap_or(0);
        let reason = [
            (HW_THERMAL, "hardware thermal slowdown"),
            (SW_THERMAL, "software thermal slowdown"),
            (HW_POWER_BRAKE, "hardware power brake"),
            (HW_SLOWDOWN, "hardware slowdown"),
        ]
        .into_iter()
        .find(|(bit, _)| bits & bit != 0)
        .map(|(_, why)| why);
        let temp = self.temp_c.filter(|t| *t >= HOT_C);
        match (reason, temp) {
            (None, None) => None,
            (Some(r), Some(t)) => Some(format!("{t:.0} °C, {r}")),
            (Some(r), None) => Some(r.to_string()),
            (None, Some(t)) => Some(format!("{t:.0} °C")),
        }
    }
}

/// XIDs an application usually causes (bad memory access, a kernel that stopped): the GPU itself is healthy.
fn application_xid(code: u32) -> bool {
    matches!(code, 13 | 31 | 43 | 45 | 68 | 109)
}

/// What an XID code means, in the words of NVIDIA's XID catalogue (the codes operators meet most).
pub fn xid_meaning(code: u32) -> &'static str {
    match code {
        13 => "graphics engine exception",
        31 => "GPU memory page fault",
        32 => "invalid or corrupted push buffer stream",
        43 => "GPU stopped processing",
        45 => "preemptive cleanup, due to previous errors",
        48 => "double-bit ECC error",
        61 | 62 => "internal micro-controller error",
        63 | 64 => "ECC page retirement or row remapping",
        68 => "video processor exception",
        74 => "NVLink error",
        79 => "GPU has fallen off the bus",
        92 => "high single-bit ECC error rate",
        94 => "contained ECC error",
        95 => "uncontained ECC error",
        109 => "context switch timeout",
        119 | 120 => "GSP firmware error",
        _ => "see NVIDIA's XID catalogue",
    }
}

#[derive(Clone, Copy)]
enum Field {
    Util,
    ProfActive,
    MemCopy,
    FbUsed,
    FbFree,
    Temp,
    Power,
    SmClock,
    Throttle,
    Xid,
}

/// The exporter metrics the pane reads, and into what.
const FIELDS: [(&str, Field); 11] = [
    ("DCGM_FI_DEV_GPU_UTIL", Field::Util),
    // Newer exporter profiles send the profiling metric instead (a 0–1 ratio).
    ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", Field::ProfActive),
    ("DCGM_FI_DEV_MEM_COPY_UTIL", Field::MemCopy),
    ("DCGM_FI_DEV_FB_USED", Field::FbUsed),
    ("DCGM_FI_DEV_FB_FREE", Field::FbFree),
    ("DCGM_FI_DEV_GPU_TEMP", Field::Temp),
    ("DCGM_FI_DEV_POWER_USAGE", Field::Power),
    ("DCGM_FI_DEV_SM_CLOCK", Field::SmClock),
    // DCGM 3.3 renamed the throttle reasons "clocks event reasons"; exporters send one or the other.
    ("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", Field::Throttle),
    ("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", Field::Throttle),
    ("DCGM_FI_DEV_XID_ERRORS", Field::Xid),
];

fn field(name: &str) -> Option<Field> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The metric names the pane reads, for a PromQL selector.
pub fn metric_names() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|(name, _)| *name)
}

/// GPUs gathered from one or more scrapes, keyed by (node, GPU index).
#[derive(Debug, Default)]
pub struct Scrape {
    pub gpus: Vec<DcgmGpu>,
    at: HashMap<(String, u32), usize>,
    /// Sample lines that could not be read (a truncated body, a foreign exporter).
    pub malformed: usize,
    /// Exporters whose text was folded in, and the nodes whose exporter could not be scraped, with why.
    pub exporters: usize,
    pub failures: Vec<(String, String)>,
    /// The Prometheus the figures came from, when they did not come from the exporters.
    pub via: Option<String>,
}

impl Scrape {
    /// Folds one exporter's text in. `node` is the node the exporter pod runs on when known (a per-pod scrape);
    /// otherwise the `Hostname` label (or a Prometheus `node`/`kubernetes_node` label) names it.
    pub fn fold(&mut self, text: &str, node: Option<&str>) {
        // Samples of one GPU share their labels, so the GPU is found once: by its UUID (40 bytes to hash rather than
        // a 300-byte label set), or by the whole label set when there is no UUID.
        let uuid_label = memchr::memmem::Finder::new("UUID=\"");
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for line in text.lines() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
            let Some(field) = field(&line[..name_end]) else { continue };
            let Some((labels, value)) = split_sample(&line[name_end..]) else {
                self.malformed += 1;
                continue;
            };
            let Some(value) = parse_value(value) else {
                self.malformed += 1;
                continue;
            };
            let key = uuid_label
                .find(labels.as_bytes())
                .and_then(|at| {
                    let value = &labels[at + 6..];
                    value.find('"').map(|end| &value[..end])
                })
                .unwrap_or(labels);
            let slot = match seen.get(key) {
                Some(&slot) => slot,
                None => {
                    let Some(slot) = self.slot(LabelIter(labels), node, false) else {
                        self.malformed += 1;
                        continue;
                    };
                    seen.insert(key, slot);
                    slot
                }
            };
            set(&mut self.gpus[slot], field, value);
        }
    }

    /// One sample from a query answer (Prometheus' JSON): its metric name, labels and value.
    pub fn fold_sample<'a>(&mut self, metric: &str, labels: impl Iterator<Item = (&'a str, &'a str)>, value: f64) {
        let Some(field) = field(metric) else { return };
        match self.slot(labels.map(|(k, v)| (k, Cow::Borrowed(v))), None, true) {
            Some(slot) => set(&mut self.gpus[slot], field, value),
            None => self.malformed += 1,
        }
    }

    /// The row of the GPU a label set names, made on first sight. `via_prometheus`: the labels went through a
    /// Prometheus scrape, which (honor_labels off, the default) renames the exporter's pod attribution `exported_*`
    /// and sets `pod` and `namespace` to the exporter pod itself; scraped directly, `pod` and `namespace` are the
    /// holder's.
    fn slot<'a>(
        &mut self,
        labels: impl Iterator<Item = (&'a str, Cow<'a, str>)>,
        node: Option<&str>,
        via_prometheus: bool,
    ) -> Option<usize> {
        let mut gpu = DcgmGpu::default();
        let (mut index, mut host, mut node_label) = (None, None, None);
        let (mut pod, mut namespace, mut exported_pod, mut exported_namespace) = (None, None, None, None);
        for (key, value) in labels {
            match key {
                "gpu" => index = value.parse::<u32>().ok(),
                "UUID" => gpu.uuid = clean(&value),
                "modelName" => gpu.model = clean(&value),
                "Hostname" => host = Some(value),
                "kubernetes_node" | "node" => node_label = Some(value),
                "pod" if !value.is_empty() => pod = Some(value),
                "namespace" if !value.is_empty() => namespace = Some(value),
                "exported_pod" if !value.is_empty() => exported_pod = Some(value),
                "exported_namespace" if !value.is_empty() => exported_namespace = Some(value),
                _ => {}
            }
        }
        gpu.index = index?;
        gpu.node = clean(node.map(Cow::Borrowed).or(node_label).or(host)?.as_ref());
        let (pod, namespace) = match via_prometheus {
            true => (exported_pod, exported_namespace),
            false => (pod, namespace),
        };
        gpu.holder = pod.map(|p| (clean(namespace.as_deref().unwrap_or_default()), clean(&p)));
        let key = (gpu.node.clone(), gpu.index);
        if let Some(&slot) = self.at.get(&key) {
            return Some(slot);
        }
        self.gpus.push(gpu);
        self.at.insert(key, self.gpus.len() - 1);
        Some(self.gpus.len() - 1)
    }
}

fn set(gpu: &mut DcgmGpu, field: Field, value: f64) {
    let value_if_finite = value.is_finite().then_some(value);
    match field {
        Field::Util => gpu.util = value_if_finite,
        Field::ProfActive if gpu.util.is_none() => gpu.util = value_if_finite.map(|v| v * 100.0),
        Field::ProfActive => {}
        Field::MemCopy => gpu.mem_copy_util = value_if_finite,
        Field::FbUsed => gpu.fb_used_mib = value_if_finite,
        Field::FbFree => gpu.fb_free_mib = value_if_finite,
        Field::Temp => gpu.temp_c = value_if_finite,
        Field::Power => gpu.power_w = value_if_finite,
        Field::SmClock => gpu.sm_clock_mhz = value_if_finite,
        Field::Throttle => gpu.throttle = value_if_finite.map(|v| v as u64),
        Field::Xid => gpu.xid = value_if_finite.map(|v| v as u32).filter(|x| *x != 0),
    }
}

/// `{labels} value [timestamp]` → (the text inside the braces, the value text).
fn split_sample(rest: &str) -> Option<(&str, &str)> {
    let (labels, after) = match rest.strip_prefix('{') {
        Some(inner) => {
            let close = closing_brace(inner)?;
            (&inner[..close], &inner[close + 1..])
        }
        None => ("", rest),
    };
    let value = after.split_ascii_whitespace().next()?;
    Some((labels, value))
}

/// The `}` that ends a label set, skipping any inside quoted values.
fn closing_brace(inner: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in inner.bytes().enumerate() {
        match (quoted, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (_, _, b'"') => quoted = !quoted,
            (false, _, b'}') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// `key="value",…` pairs; values are unescaped only when they hold an escape.
struct LabelIter<'a>(&'a str);

impl<'a> Iterator for LabelIter<'a> {
    type Item = (&'a str, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.0.trim_start_matches([',', ' ']);
        let (key, after) = rest.split_once('=')?;
        let body = after.strip_prefix('"')?;
        let mut end = None;
        let mut escaped = false;
        for (i, b) in body.bytes().enumerate() {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let raw = &body[..end];
        self.0 = &body[end + 1..];
        let value = if raw.contains('\\') {
            Cow::Owned(raw.replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"))
        } else {
            Cow::Borrowed(raw)
        };
        Some((key.trim(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labels_values_and_escapes() {
        let text = "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n\
            DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-a\",modelName=\"NVIDIA H100\",Hostname=\"n1\",container=\"c\",namespace=\"ml\",pod=\"p\",note=\"a \\\"}\\\" b\"} 87\n\
            DCGM_FI_DEV_GPU_TEMP{gpu=\"1\",UUID=\"GPU-a\",modelName=\"NVIDIA H100\",Hostname=\"n1\",container=\"c\",namespace=\"ml\",pod=\"p\",note=\"a \\\"}\\\" b\"} 88 1700000000000\n\
            DCGM_FI_DEV_XID_ERRORS{gpu=\"1\",UUID=\"GPU-a\",Hostname=\"n1\"} 0\n\
            DCGM_FI_DEV_POWER_USAGE{gpu=\"1\",UUID=\"GPU-a\",Hostname=\"n1\"} NaN\n\
            DCGM_FI_DEV_CLOCK_THROTTLE_REASONS{gpu=\"1\",Hostname=\"n1\"} 64\n\
            DCGM_FI_DEV_FB_USED{gpu=\"1\",Hostname=\"n1\"} 1024\n\
            DCGM_FI_DEV_FB_FREE{gpu=\"1\",Hostname=\"n1\"} 3072\n\
            DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",Hostname=\"n1\" 12\n\
            DCGM_FI_DEV_GPU_UTIL{Hostname=\"n2\"} 12\n\
            go_goroutines 31\n";
        let mut scrape = Scrape::default();
        scrape.fold(text, None);
        assert_eq!(scrape.gpus.len(), 1, "{:?}", scrape.gpus);
        let g = &scrape.gpus[0];
        assert_eq!((g.node.as_str(), g.index, g.uuid.as_str(), g.model.as_str()), ("n1", 1, "GPU-a", "NVIDIA H100"));
        assert_eq!((g.util, g.temp_c, g.xid, g.power_w), (Some(87.0), Some(88.0), None, None));
        assert_eq!(g.holder, Some(("ml".into(), "p".into())));
        assert_eq!(g.fb_total_mib(), Some(4096.0));
        assert_eq!(g.heat_problem().as_deref(), Some("88 °C, hardware thermal slowdown"));
        assert_eq!(scrape.malformed, 2, "an unclosed label set and a GPU without an index");
    }

    #[test]
    fn the_scraped_pods_node_wins_and_profiling_util_fills_in() {
        let text = "DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu=\"0\",Hostname=\"dcgm-exporter-x7k2p\"} 0.5\n";
        let mut scrape = Scrape::default();
        scrape.fold(text, Some("gpu-node-3"));
        assert_eq!((scrape.gpus[0].node.as_str(), scrape.gpus[0].util), ("gpu-node-3", Some(50.0)));
        let fault = |xid| DcgmGpu { xid: Some(xid), ..DcgmGpu::default() }.fault().map(|f| (f.problem, f.serious));
        assert_eq!(fault(79), Some(("last XID 79".into(), true)));
        assert_eq!(fault(31), Some(("last XID 31".into(), false)), "a page fault is usually the application's");
    }

    #[test]
    fn through_prometheus_the_exported_pod_is_the_holder() {
        let labels = [
            ("Hostname", "gpu-7"),
            ("exported_namespace", "ml"),
            ("exported_pod", "train-0"),
            ("gpu", "2"),
            ("namespace", "gpu-operator"),
            ("pod", "dcgm-exporter-x7k2p"),
        ];
        let mut scrape = Scrape::default();
        scrape.fold_sample("DCGM_FI_DEV_GPU_UTIL", labels.into_iter(), 42.0);
        scrape.fold_sample("go_goroutines", labels.into_iter(), 1.0);
        let idle = [("Hostname", "gpu-7"), ("gpu", "3"), ("namespace", "gpu-operator"), ("pod", "dcgm-exporter-x7k2p")];
        scrape.fold_sample("DCGM_FI_DEV_GPU_UTIL", idle.into_iter(), 0.0);
        assert_eq!(scrape.gpus.len(), 2);
        let g = &scrape.gpus[0];
        assert_eq!((g.node.as_str(), g.index, g.util), ("gpu-7", 2, Some(42.0)));
        assert_eq!(g.holder, Some(("ml".into(), "train-0".into())));
        assert_eq!(scrape.gpus[1].holder, None, "an idle GPU is not held by the exporter that reports it");
        assert_eq!(metric_names().count(), 11);
    }
}
