//! GPU pane figures: parse + fold one DCGM scrape of 500 nodes × 8 GPUs × 6 metrics into the pane's node lines
//! (beside a generic Prometheus-text parse of the same text, same run), and what the NVML sampler costs per second
//! against the stub libnvidia-ml the tests build. Run: `cargo bench --bench gpu`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use gpudeck::model::dcgm::Scrape;
use gpudeck::model::nodes::NodeRow;
use gpudeck::state::gpus::Gpus;

const NODES: usize = 500;
const GPUS: usize = 8;
const METRICS: [&str; 6] = [
    "DCGM_FI_DEV_GPU_UTIL",
    "DCGM_FI_DEV_FB_USED",
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_GPU_TEMP",
    "DCGM_FI_DEV_POWER_USAGE",
    "DCGM_FI_DEV_XID_ERRORS",
];

/// What 500 exporters answer together, labels as dcgm-exporter 3.3 writes them (every GPU held by a pod).
fn exposition() -> String {
    let mut text = String::new();
    for metric in METRICS {
        let _ = writeln!(text, "# HELP {metric} help text.\n# TYPE {metric} gauge");
        for node in 0..NODES {
            for gpu in 0..GPUS {
                let _ = writeln!(
                    text,
                    "{metric}{{gpu=\"{gpu}\",UUID=\"GPU-{node:08x}-0000-4000-8000-{gpu:012x}\",pci_bus_id=\"00000000:{:02X}:00.0\",device=\"nvidia{gpu}\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-{node:04}\",DCGM_FI_DRIVER_VERSION=\"550.127.05\",container=\"main\",namespace=\"team-{:02}\",pod=\"train-{node}-{gpu}\"}} {}",
                    0x18 + gpu * 0x10,
                    node % 50,
                    (node * 7 + gpu * 13) % 100
                );
            }
        }
    }
    text
}

fn nodes() -> HashMap<String, NodeRow> {
    (0..NODES)
        .map(|i| {
            let node: k8s_openapi::api::core::v1::Node = serde_json::from_value(serde_json::json!({
                "metadata": {"name": format!("gpu-{i:04}"), "uid": format!("n{i}"), "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}},
                "status": {"capacity": {"nvidia.com/gpu": "8"}, "allocatable": {"nvidia.com/gpu": "8"},
                    "conditions": [{"type": "Ready", "status": "True"}]}}))
            .unwrap();
            let row = NodeRow::from_node(&node);
            (row.id.uid.clone(), row)
        })
        .collect()
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[(samples.len() - 1) * 95 / 100])
}

fn dcgm_rows(rows: &mut Vec<(String, String, String)>) {
    let text = exposition();
    let nodes = nodes();
    let requested: HashMap<String, u32> = nodes.values().map(|n| (n.id.name.clone(), 8)).collect();
    let mut gpus = Gpus::new(Duration::from_secs(10));
    let (mut ours, mut fold_only, mut generic) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..30 {
        let t = Instant::now();
        let mut scrape = Scrape::default();
        scrape.fold(&text, None);
        fold_only.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(scrape.gpus.len(), NODES * GPUS);
        gpus.absorb_scrape(Ok(scrape), i);
        gpus.rebuild(&nodes, &requested);
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(gpus.table.total(), NODES);

        let t = Instant::now();
        let samples = gpudeck::sim::dcgm::parse(&text);
        generic.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(samples.len(), NODES * GPUS * METRICS.len());
    }
    let size = format!("{:.1} MB of text", text.len() as f64 / 1e6);
    let (p50, p95) = percentiles(ours);
    rows.push((
        format!("DCGM scrape {NODES} nodes × {GPUS} GPUs × 6 metrics: parse + fold into node lines ({size})"),
        format!("p50 {p50:.1} ms, p95 {p95:.1} ms"),
        "≤ 50 ms".into(),
    ));
    let (p50, p95) = percentiles(fold_only);
    rows.push(("  of which parse + fold into GPU rows".into(), format!("p50 {p50:.1} ms, p95 {p95:.1} ms"), "".into()));
    let (p50, p95) = percentiles(generic);
    rows.push((
        "  reference: generic Prometheus-text parse of the same text (a map per sample)".into(),
        format!("p50 {p50:.1} ms, p95 {p95:.1} ms"),
        "".into(),
    ));
}

/// CPU seconds this process has used (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn nvml_rows(rows: &mut Vec<(String, String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let stub = dir.path().join("libnvidia-ml.so.1");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/nvml_stub.c");
    let built = Command::new("cc").args(["-shared", "-fPIC", "-O2", "-o"]).arg(&stub).arg(source).status().unwrap();
    assert!(built.success());
    // The sampler thread as the console runs it, 100 times faster than its 1 Hz so the CPU it uses is measurable
    // in /proc's 10 ms ticks.
    let every = Duration::from_millis(10);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let settings = gpudeck::sources::nvml::NvmlSettings { library: Some(stub.clone()), every };
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    gpudeck::sources::nvml::spawn(settings, tx).unwrap();
    let mut samples = 0;
    while t0.elapsed() < Duration::from_secs(20) {
        if let Some(gpudeck::event::Event::Data(gpudeck::event::Data::LocalGpus(Ok(_)))) = rx.blocking_recv() {
            samples += 1;
        }
    }
    let per_sample = (cpu_seconds() - cpu0) / f64::from(samples);
    drop(rx);
    rows.push((
        format!("NVML sampler against the stub (2 GPUs, 14 calls each), CPU per sample over {samples} samples"),
        format!("{:.3} ms → {:.3} % of a core at 1 Hz", per_sample * 1000.0, per_sample * 100.0),
        "≤ 1 % of a core".into(),
    ));
    let nvml = gpudeck::sources::nvml::sampler::open(Some(&stub)).unwrap();
    let mut names = gpudeck::sources::nvml::sampler::ProcessNames::default();
    let t = Instant::now();
    for _ in 0..2000 {
        gpudeck::sources::nvml::sampler::sample(&nvml, &mut names).unwrap();
    }
    rows.push((
        "  one sample() call in a loop (wall time)".into(),
        format!("{:.1} µs", t.elapsed().as_secs_f64() * 1e6 / 2000.0),
        "".into(),
    ));
}

fn main() {
    let mut rows = Vec::new();
    dcgm_rows(&mut rows);
    nvml_rows(&mut rows);
    println!("| figure | measured | target |\n|---|---|---|");
    for (what, value, target) in rows {
        println!("| {what} | {value} | {target} |");
    }
}
