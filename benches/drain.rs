//! Figures for acting on a node (README "Figures: drain"): the drain preview of one node opened on a 50,000-pod
//! cluster (the reducer building it from the console's rows, plus its first 200×50 frame), timed over many runs.
//!
//! Run: `cargo bench --bench drain` (env `DRAIN_BENCH_PODS`, `DRAIN_BENCH_ROUNDS` shrink it).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use gpudeck::action::Action;
use gpudeck::event::Data;
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

fn main() {
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
