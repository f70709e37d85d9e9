//! Figures for acting on a node (README "Figures: drain"): the drain preview of one node opened on a 50,000-pod
//! cluster (the reducer building it from the console's rows, plus its first 200×50 frame), timed over many runs;
//! then, on `gpudeck sim`, the console's drain of a node with about 100 pods (8 of them GPU pods under a budget that
//! allows one disruption at a time) from `y` to its final report, beside `kubectl drain` of a node carrying the same
//! mix in the same run.
//!
//! Run: `cargo bench --bench drain` (env `DRAIN_BENCH_PODS`, `DRAIN_BENCH_ROUNDS` shrink it; `DRAIN_BENCH_SKIP_SIM=1`
//! leaves the sim out; the sim part needs kubectl).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

mod support;

use gpudeck::action::Action;
use gpudeck::effects::Effects;
use gpudeck::effects::registry::{RegistryClient, RegistrySettings};
use gpudeck::event::{Data, Event};
use gpudeck::keymap::Keymap;
use gpudeck::model::nodes::NodeRow;
use gpudeck::model::pods::PodRow;
use gpudeck::model::{Delta, Health, ObjectId};
use gpudeck::state::{Mode, Pane, State};
use gpudeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const NODES: usize = 500;

/// 500 GPU nodes of 8 H100s and `pods` pods spread over them: on each node a tenth are DaemonSet pods, a fifth hold
/// GPUs, the rest run under ReplicaSets and Jobs.
fn cluster(pods: usize) -> State {
    let mut state = State::new("bench", false, 1_800_000_000, (200, 50));
    let nodes: Vec<NodeRow> = (0..NODES)
        .map(|i| NodeRow {
            id: ObjectId { namespace: String::new(), name: format!("gpu-{i:04}"), uid: format!("n{i}") },
            status: "Ready".into(),
            health: Health::Ok,
            gpu_product: "NVIDIA-H100-80GB-HBM3".into(),
            gpu_capacity: 8,
            gpu_allocatable: 8,
            ..NodeRow::default()
        })
        .collect();
    state.absorb(Data::Nodes(Delta { reset: true, upserts: nodes, deletes: vec![] }));
    let rows: Vec<PodRow> = (0..pods)
        .map(|i| {
            // Each node's pods (i ≡ node mod NODES) get a mix of owners and GPU counts.
            let nth = i / NODES;
            let owner = match nth % 10 {
                0 => ("DaemonSet", "node-agent".to_string()),
                1 | 2 => ("Job", format!("train-{:04}", i / 100)),
                _ => ("ReplicaSet", format!("svc-{:04}-7f9c", i / 100)),
            };
            PodRow {
                id: ObjectId {
                    namespace: format!("team-{:02}", i % 50),
                    name: format!("pod-{i:05}"),
                    uid: format!("u{i}"),
                },
                status: "Running".into(),
                node: format!("gpu-{:04}", i % NODES),
                gpus: if nth % 5 == 1 { 2 } else { 0 },
                created: 1_800_000_000 - 3600 - i as i64,
                labels: BTreeMap::from([("app".to_string(), owner.1.clone())]),
                owner: Some((owner.0.to_string(), owner.1)),
                ..PodRow::default()
            }
        })
        .collect();
    state.absorb(Data::Pods(Delta { reset: true, upserts: rows, deletes: vec![] }));
    state.settle();
    state
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The work two GPU nodes share while every other node is cordoned: 16 one-GPU pods of a Deployment under a
/// budget allowing one disruption, and 184 CPU pods of another.
fn workload() -> String {
    let deployment = |name: &str, replicas: u32, limits: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      tolerations: [{{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}]\n      containers:\n          - name: main\n            image: ghcr.io/acme-ml/llm-server:1.9.1{limits}\n---\n"
        )
    };
    format!(
        "{}{}apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: gpu-work, namespace: default}}\nspec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{app: gpu-work}}}}\n",
        deployment("gpu-work", 16, "\n            resources: {limits: {nvidia.com/gpu: \"1\"}}"),
        deployment("cpu-work", 184, "")
    )
}

fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> String {
    let out =
        std::process::Command::new("kubectl").env("KUBECONFIG", kubeconfig).args(args).output().expect("kubectl runs");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The console's drain of `node` through its own reducers and effects: seconds from `y` to the final report.
async fn console_drain(kubeconfig: &std::path::Path, node: &str) -> (f64, String) {
    let config = kube::config::Kubeconfig::read_from(kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.unwrap();
    let client = gpudeck::effects::console_client(config).unwrap();
    let mut state = State::new("bench", false, 0, (200, 50));
    let nodes =
        kube::Api::<k8s_openapi::api::core::v1::Node>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = nodes.items.iter().map(NodeRow::from_node).collect();
    state.absorb(Data::Nodes(Delta { reset: true, upserts, deletes: vec![] }));
    let pods =
        kube::Api::<k8s_openapi::api::core::v1::Pod>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = pods.items.iter().map(PodRow::from_pod).collect();
    state.absorb(Data::Pods(Delta { reset: true, upserts, deletes: vec![] }));
    state.settle();
    state.pane = Pane::Nodes;
    let uid = state.nodes.all().find(|n| n.node.id.name == node).unwrap().node.id.uid.clone();
    state.nodes.select_uid(uid);
    state.settle();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut effects = Effects::new(client, None, tx, None, RegistryClient::new(RegistrySettings::default()).unwrap());
    // A bounded wait per pod: a pod that never goes is reported rather than holding the run for kubectl's forever.
    state.act(Action::Command);
    for c in "drain --timeout 120".chars() {
        state.type_char(c);
    }
    state.act(Action::Accept);
    // The budgets are listed before the yes, as an operator reading the preview would see them.
    while state.drain.as_ref().unwrap().budgets.is_none() {
        for effect in std::mem::take(&mut state.effects) {
            effects.spawn(effect);
        }
        if let Some(Event::Data(data)) = rx.recv().await {
            state.absorb(data);
        }
    }
    let started = Instant::now();
    state.act(Action::Confirm);
    while !matches!(state.drain.as_ref().unwrap().phase, gpudeck::state::drain::Phase::Done) {
        for effect in std::mem::take(&mut state.effects) {
            effects.spawn(effect);
        }
        if let Some(Event::Data(data)) = rx.recv().await {
            state.absorb(data);
        }
    }
    (started.elapsed().as_secs_f64(), state.drain.as_ref().unwrap().report())
}

fn drain_beside_kubectl() {
    let sim = support::SimProcess::start(6, 0, 0);
    let kc = sim.kubeconfig.clone();
    let (ours, theirs) = ("gpu-0000", "gpu-0001");
    let others = ["gpu-0002", "gpu-0003", "cpu-0004", "cpu-0005"];
    // The work lands on the two nodes alone, then the rest opens for what the drains move.
    kubectl(&kc, &[&["cordon"][..], &others].concat());
    let file = std::env::temp_dir().join(format!("drain-bench-{}.yaml", std::process::id()));
    std::fs::write(&file, workload()).unwrap();
    kubectl(&kc, &["apply", "-f", file.to_str().unwrap()]);
    std::fs::remove_file(&file).ok();
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let running =
            kubectl(&kc, &["get", "pods", "-n", "default", "--field-selector=status.phase=Running", "-o", "name"]);
        let allowed =
            kubectl(&kc, &["get", "pdb", "gpu-work", "-n", "default", "-o", "jsonpath={.status.disruptionsAllowed}"]);
        if running.lines().count() == 200 && allowed == "1" {
            break;
        }
        assert!(Instant::now() < deadline, "the workload did not settle: {} running", running.lines().count());
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    kubectl(&kc, &[&["uncordon"][..], &others].concat());
    let on = |node: &str| {
        let selector = format!("spec.nodeName={node}");
        kubectl(&kc, &["get", "pods", "-n", "default", "--field-selector", &selector, "-o", "name"]).lines().count()
    };
    let (ours_pods, theirs_pods) = (on(ours), on(theirs));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (console_s, report) = runtime.block_on(console_drain(&kc, ours));
    let started = Instant::now();
    kubectl(&kc, &["drain", theirs, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=300s"]);
    let kubectl_s = started.elapsed().as_secs_f64();
    println!(
        "drain, 8 GPU pods per node under one budget of maxUnavailable 1: console {console_s:.1} s for {ours} ({ours_pods} pods; {report}) vs kubectl drain {kubectl_s:.1} s for {theirs} ({theirs_pods} pods) ({:.2}×)",
        console_s / kubectl_s
    );
}

fn main() {
    if std::env::var("DRAIN_BENCH_SKIP_SIM").is_err() {
        drain_beside_kubectl();
    }
    let pods = env_or("DRAIN_BENCH_PODS", 50_000);
    let rounds = env_or("DRAIN_BENCH_ROUNDS", 50);
    let mut state = cluster(pods);
    let theme = Theme::load(None, false).0;
    let keymap = Keymap::load(None).0;
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    state.pane = Pane::Nodes;
    let mut times = Vec::with_capacity(rounds);
    let mut evicted = 0;
    for round in 0..rounds {
        let node = state.nodes.all().nth(round % NODES).unwrap().node.id.uid.clone();
        state.nodes.select_uid(node);
        state.settle();
        let started = Instant::now();
        state.act(Action::Drain);
        terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(state.mode, Mode::Drain, "the preview opened");
        evicted = state.drain.as_ref().unwrap().evicted().count();
        state.act(Action::Back);
        state.effects.clear();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "drain preview of one node ({} pods on it, {evicted} to evict), {pods} pods on {NODES} nodes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({rounds} runs)",
        pods / NODES,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().unwrap()
    );
}
