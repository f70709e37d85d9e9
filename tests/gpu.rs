//! GPUs end to end: nvml-wrapper loading a stub libnvidia-ml built here (values, a missing symbol, a failed init, no
//! library), DCGM scraped from the sim's exporter pods through the API server (a 403, a missing exporter), the
//! recorded-format fixture, and the real binary in tmux showing the heat grid, a fit, a node and local GPUs.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::TestSim;
use common::tmux::Tmux;
use gpudeck::event::{Data, Event};
use gpudeck::model::dcgm::Scrape;
use gpudeck::sources::dcgm::{DcgmSettings, scrape};
use gpudeck::sources::nvml::{NvmlSettings, sampler};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// Compiles the stub library with `flags` into `dir` and returns its path.
fn build_stub(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let out = dir.join(format!("{name}.so"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nvml_stub.c");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-Wl,-soname,libnvidia-ml.so.1", "-o"])
        .arg(&out)
        .arg(&source)
        .args(flags)
        .status()
        .expect("a C compiler (cc) builds the NVML stub");
    assert!(status.success(), "cc failed for the NVML stub");
    out
}

#[test]
fn nvml_values_flow_from_the_stub_library() {
    let dir = tempfile::tempdir().unwrap();
    let nvml = sampler::open(Some(&build_stub(dir.path(), "full", &[]))).unwrap();
    let gpus = sampler::sample(&nvml, &mut sampler::ProcessNames::default()).unwrap();
    assert_eq!(gpus.len(), 2);
    let g = &gpus[0];
    assert_eq!((g.index, g.name.as_str(), g.uuid.as_str()), (0, "Stub H100 80GB HBM3", "GPU-stub-0000"));
    assert_eq!(g.util, Some((37, 12)));
    assert_eq!(g.memory, Some((20 << 30, 80 << 30)));
    assert_eq!((g.temp_c, g.power_mw, g.power_limit_mw), (Some(55), Some(312_000), Some(700_000)));
    assert_eq!((g.clocks_mhz, g.pcie_kbs), (Some((1980, 2619)), Some((1200, 800))));
    assert_eq!(g.fan_percent, None, "NOT_SUPPORTED is an empty figure, not an error");
    assert_eq!((g.ecc_uncorrected, g.retired_pages), (Some(0), Some(0)));
    let processes: Vec<(u32, &str, Option<u64>)> =
        g.processes.iter().map(|p| (p.pid, p.name.as_str(), p.memory)).collect();
    assert_eq!(processes, [(4242, "python", Some(1 << 30)), (4243, "trainer", Some(2 << 30))]);
    assert_eq!((gpus[1].util, gpus[1].ecc_uncorrected, gpus[1].processes.len()), (Some((87, 12)), Some(2), 0));
}

#[test]
fn nvml_failures_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let no_power = sampler::open(Some(&build_stub(dir.path(), "no-power", &["-DNO_POWER"]))).unwrap();
    let gpus = sampler::sample(&no_power, &mut sampler::ProcessNames::default()).unwrap();
    assert_eq!((gpus[0].power_mw, gpus[0].temp_c), (None, Some(55)), "a missing optional symbol empties one figure");

    let no_count = sampler::open(Some(&build_stub(dir.path(), "no-count", &["-DNO_COUNT"]))).unwrap();
    let why = sampler::sample(&no_count, &mut sampler::ProcessNames::default()).unwrap_err();
    assert!(why.contains("nvmlDeviceGetCount_v2"), "{why}");

    let driver = build_stub(dir.path(), "no-driver", &["-DINIT_RC=9"]);
    assert_eq!(sampler::open(Some(&driver)).err().as_deref(), Some("the NVIDIA driver is not loaded"));

    let missing = dir.path().join("libnvidia-ml.so.1");
    let why = sampler::open(Some(&missing)).err().unwrap();
    assert!(why.starts_with("cannot load the NVIDIA management library") && why.contains("libnvidia-ml.so.1"), "{why}");
}

#[test]
fn the_sampler_thread_sends_samples_or_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let every = Duration::from_millis(50);
    gpudeck::sources::nvml::spawn(NvmlSettings { library: Some(build_stub(dir.path(), "full", &[])), every }, tx)
        .unwrap();
    for _ in 0..3 {
        match rx.blocking_recv() {
            Some(Event::Data(Data::LocalGpus(Ok(gpus)))) => assert_eq!(gpus.len(), 2),
            _ => panic!("a sample"),
        }
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let library = Some(dir.path().join("absent.so"));
    gpudeck::sources::nvml::spawn(NvmlSettings { library, every }, tx).unwrap();
    match rx.blocking_recv() {
        Some(Event::Data(Data::LocalGpus(Err(why)))) => assert!(why.contains("absent.so"), "{why}"),
        _ => panic!("the reason"),
    }
}

fn client(sim: &TestSim, context: &str) -> Client {
    sim.rt.block_on(async {
        let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).unwrap();
        let options = KubeConfigOptions { context: Some(context.into()), ..KubeConfigOptions::default() };
        Client::try_from(kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap()).unwrap()
    })
}

#[test]
fn dcgm_is_scraped_per_exporter_pod_and_refusals_say_what() {
    let sim = TestSim::demo();
    let admin = client(&sim, "gpudeck-sim");
    let settings = DcgmSettings::default();
    let found = sim.rt.block_on(scrape(&admin, &settings)).unwrap();
    // Nine GPU nodes carry an exporter pod; the one that stopped reporting cannot be reached.
    assert_eq!(found.exporters, 8, "{:?}", found.failures);
    assert_eq!(found.failures.len(), 1);
    let (node, why) = &found.failures[0];
    assert_eq!(node, "gpu-a100-04");
    assert!(why.starts_with("pod nvidia-dcgm-exporter-") && why.ends_with("no answer within 5 s"), "{why}");
    assert_eq!(found.gpus.len(), 5 * 8 + 3 * 4);
    let on = |node: &str| found.gpus.iter().filter(|g| g.node == node).count();
    assert_eq!((on("gpu-h100-01"), on("gpu-a100-01"), on("gpu-a100-04")), (8, 4, 0));
    let xid: Vec<(&str, u32, Option<u32>)> =
        found.gpus.iter().filter(|g| g.xid.is_some()).map(|g| (g.node.as_str(), g.index, g.xid)).collect();
    assert_eq!(xid, [("gpu-a100-01", 3, Some(79))]);
    let hot: Vec<(&str, u32)> =
        found.gpus.iter().filter(|g| g.heat_problem().is_some()).map(|g| (g.node.as_str(), g.index)).collect();
    assert_eq!(hot, [("gpu-h100-05", 0)]);
    assert!(found.gpus.iter().any(|g| g.holder.as_ref().is_some_and(|(ns, _)| ns == "ml-train")));

    let viewer = client(&sim, "gpudeck-sim-readonly");
    let why = sim.rt.block_on(scrape(&viewer, &settings)).unwrap_err();
    assert!(
        why.contains("cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"gpu-operator\""),
        "{why}"
    );
    assert!(
        why.starts_with("scrape exporter pod gpu-operator/nvidia-dcgm-exporter-") && why.contains(": forbidden: "),
        "{why}"
    );

    let elsewhere = DcgmSettings { service: "dcgm-exporter".into(), ..DcgmSettings::default() };
    let why = sim.rt.block_on(scrape(&admin, &elsewhere)).unwrap_err();
    assert_eq!(
        why,
        "no DCGM exporter: service gpu-operator/dcgm-exporter not found (dcgm-service in config.toml names another)"
    );
}

#[test]
fn dcgm_through_prometheus_agrees_with_the_exporters() {
    let sim = TestSim::demo();
    let admin = client(&sim, "gpudeck-sim");
    let direct = sim.rt.block_on(scrape(&admin, &DcgmSettings::default())).unwrap();
    let prometheus =
        DcgmSettings { prometheus: Some("monitoring/prometheus-k8s:9090".into()), ..DcgmSettings::default() };
    let via = sim.rt.block_on(scrape(&admin, &prometheus)).unwrap();
    assert_eq!(via.via.as_deref(), Some("monitoring/prometheus-k8s:9090"));
    assert_eq!(via.malformed, 0);
    let key = |g: &gpudeck::model::dcgm::DcgmGpu| (g.node.clone(), g.index, g.uuid.clone(), g.holder.clone(), g.xid);
    let mut a: Vec<_> = direct.gpus.iter().map(key).collect();
    let mut b: Vec<_> = via.gpus.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same GPUs, nodes and holders (exported_pod, not the exporter pod Prometheus adds)");
    assert!(b.iter().any(|g| g.3.is_none()), "idle GPUs are held by nobody, not by the exporter that reports them");

    let absent = DcgmSettings { prometheus: Some("monitoring/thanos:9090".into()), ..DcgmSettings::default() };
    let why = sim.rt.block_on(scrape(&admin, &absent)).unwrap_err();
    assert!(why.starts_with("query Prometheus monitoring/thanos:9090: services \"thanos\" not found"), "{why}");
}

#[test]
fn the_recorded_format_fixture_folds_into_eight_gpus_of_its_node() {
    let mut scrape = Scrape::default();
    scrape.fold(include_str!("fixtures/dcgm-exporter-3.3-h100x8.txt"), Some("gpu-h100-01"));
    assert_eq!(scrape.malformed, 0);
    assert_eq!(scrape.gpus.len(), 8);
    assert!(scrape.gpus.iter().all(|g| g.node == "gpu-h100-01"), "the exporter pod's node, not its Hostname label");
    let g5 = &scrape.gpus[5];
    assert_eq!((g5.util, g5.xid, g5.fb_total_mib()), (Some(0.0), Some(48), Some(80559.0)));
    let g7 = &scrape.gpus[7];
    assert_eq!((g7.temp_c, g7.throttle, g7.sm_clock_mhz), (Some(87.0), Some(64), Some(1095.0)));
    assert_eq!(g7.power_w, Some(635.25));
    assert_eq!(g7.holder, Some(("ml-train".into(), "llama3-finetune-x7k2p".into())));
}

#[test]
fn tmux_heat_grid_fit_node_drill_down_and_local_gpus() {
    require_tmux!();
    let dir = tempfile::tempdir().unwrap();
    let stub = build_stub(dir.path(), "libnvidia-ml", &[]);
    let config = dir.path().join("gpudeck");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), format!("nvml-library = \"{}\"\n", stub.display())).unwrap();
    let xdg = dir.path().display().to_string();
    let t = Tmux::start_sized("gpu", &[("XDG_CONFIG_HOME", &xdg)], None, (160, 45));
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&["5", "z"]);
    let grid = t.wait_for("the heat grid with DCGM figures", |s| s.contains("DCGM: 52 GPUs from 8 exporters;"));
    assert!(grid.contains("1 failed: gpu-a100-04"), "{grid}");
    assert!(grid.lines().any(|l| l.contains("gpu-a100-01") && l.contains('✗') && l.contains("XID 79")), "{grid}");
    assert!(grid.lines().any(|l| l.contains("gpu-h100-05") && l.contains('▲')), "{grid}");
    assert!(grid.contains("local 0 Stub H100 80GB HBM3") && grid.contains("4242 python"), "{grid}");
    assert!(grid.contains("pending ml-serve/llm-70b-eval"), "{grid}");
    t.keys(&[":", "f", "i", "t", " ", "2", " ", "a", "1", "0", "0", "Enter"]);
    t.wait_for("where 2 A100s fit", |s| s.contains("fit 2× a100: 1 node(s): gpu-a100-03 (2 free)"));
    t.keys(&["/", "a", "1", "0", "0", "-", "0", "1", "Enter", "Enter"]);
    let node = t.wait_for("the node GPU by GPU", |s| s.contains("node gpu-a100-01 ·") && s.contains("LAST 5 MIN"));
    assert!(node.contains("last XID 79: GPU has fallen off the bus"), "{node}");
    t.keys(&["Escape"]);
    t.wait_for("back on the grid", |s| s.contains("DCGM:") && !s.contains("LAST 5 MIN"));
    // Triage ranks every problem of the demo; the GPU faults are found by their kind, as an operator would.
    t.keys(&["z", "1", "/", "^", "g", "p", "u", " ", "/", "Enter"]);
    t.wait_for("GPU faults in triage", |s| s.contains("last XID 79") && s.contains("hot    ") && s.contains("89 °C"));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
