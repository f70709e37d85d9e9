//! Figures for the generic view (README "Figures: any resource"): keystroke → frame at 50k objects of a custom
//! resource, memory per object held, and the first complete table of `gpudeck sim --scenario scale`'s pods through
//! the generic view's Table list beside `kubectl get pods -A` (the same server-side Table, paged by 500) in one run.
//!
//! Run: `cargo bench --bench browse` (env `BROWSE_BENCH_OBJECTS`, `BROWSE_BENCH_ROUNDS` shrink it).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gpudeck::action::Action;
use gpudeck::event::{BrowseUpdate, Data, Event, Listing};
use gpudeck::keymap::Keymap;
use gpudeck::manifest::KnownResource;
use gpudeck::model::Delta;
use gpudeck::model::table::{Columns, ResourceRow, ServerTable};
use gpudeck::state::State;
use gpudeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use support::SimProcess;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn trainjobs() -> KnownResource {
    KnownResource {
        api_version: "kubeflow.org/v1".into(),
        kind: "TrainJob".into(),
        plural: "trainjobs".into(),
        namespaced: true,
        singular: "trainjob".into(),
        short_names: vec!["tj".into()],
        verbs: vec!["list".into(), "watch".into()],
    }
}

/// `objects` TrainJobs as the API server's Table prints them (printer columns State, GPUs, Node, Age), decoded
/// and turned into rows by the same code the watch runs.
fn crd_rows(objects: usize) -> (Vec<String>, Vec<ResourceRow>) {
    let rows: Vec<serde_json::Value> = (0..objects)
        .map(|i| {
            let state = if i % 97 == 0 { "Failed" } else { "Running" };
            json!({"cells": [format!("train-{:04}-{i:05}", i / 100), state, (i % 8) + 1, format!("gpu-{:04}", i % 400), "5d"],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": {
                    "name": format!("train-{:04}-{i:05}", i / 100), "namespace": format!("team-{:02}", i % 50),
                    "uid": format!("u{i}"), "resourceVersion": i.to_string(),
                    "creationTimestamp": "2026-11-20T10:00:00Z", "labels": {"team": format!("t{}", i % 50)},
                    "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {}}}]}}})
        })
        .collect();
    let body = json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"},
        "columnDefinitions": [
            {"name": "Name", "type": "string", "format": "name", "priority": 0},
            {"name": "State", "type": "string", "priority": 0},
            {"name": "GPUs", "type": "integer", "priority": 0},
            {"name": "Node", "type": "string", "priority": 1},
            {"name": "Age", "type": "date", "priority": 0}],
        "rows": rows});
    let table: ServerTable = serde_json::from_slice(&serde_json::to_vec(&body).unwrap()).unwrap();
    let columns = Columns::from_definitions(&table.column_definitions, true);
    (columns.names.clone(), table.rows.into_iter().map(|r| columns.row(r)).collect())
}

#[path = "support/counting.rs"]
mod counting;
use counting::live_bytes;

/// A state showing `:tj` with `objects` rows; the bytes its rows took to hold.
fn crd_view(objects: usize) -> (State, u64) {
    let mut state = State::new("bench", false, 1_800_000_000, (200, 50));
    state.absorb(Data::Kinds(vec![trainjobs()]));
    state.act(Action::Command);
    "tj".chars().for_each(|c| state.type_char(c));
    state.act(Action::Accept);
    let before = live_bytes();
    let (columns, rows) = crd_rows(objects);
    let generation = state.browse.generation;
    let update =
        BrowseUpdate::Listed { columns, delta: Delta { reset: true, upserts: rows, deletes: vec![] }, complete: true };
    state.absorb(Data::Browse { generation, update });
    state.settle();
    (state, live_bytes().saturating_sub(before) as u64)
}

/// Keystroke → frame: the reducer plus rendering a 200×50 frame (terminal IO excluded); the slowest step is named.
fn filter_latency(state: &mut State) -> (f64, f64, f64, String) {
    let (theme, _) = Theme::load(None, false);
    let (keymap, _) = Keymap::load(None);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut times: Vec<(f64, String)> = Vec::new();
    for pattern in ["train-0042", "failed", "team-4", "!running", "-l team=t7"] {
        state.act(Action::Filter);
        for (i, c) in pattern.char_indices() {
            let t = Instant::now();
            state.type_char(c);
            terminal.draw(|f| gpudeck::ui::render(f, state, &theme, &keymap)).unwrap();
            times.push((t.elapsed().as_secs_f64() * 1000.0, format!("typing /{}", &pattern[..=i])));
        }
        state.act(Action::Back);
    }
    for action in [Action::SortNext, Action::SortNext, Action::SortReverse, Action::Bottom, Action::Top] {
        let t = Instant::now();
        state.act(action);
        terminal.draw(|f| gpudeck::ui::render(f, state, &theme, &keymap)).unwrap();
        times.push((t.elapsed().as_secs_f64() * 1000.0, format!("{action:?}")));
    }
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ms: Vec<f64> = times.iter().map(|t| t.0).collect();
    let slowest = times.last().map(|t| t.1.clone()).unwrap_or_default();
    (percentile(&ms, 0.5), percentile(&ms, 0.99), *ms.last().unwrap(), slowest)
}

/// Seconds from starting the generic view's Table watch on the sim's pods to the last page absorbed, and the rows.
fn generic_first_table(kubeconfig: &std::path::Path) -> (f64, usize) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let text = std::fs::read_to_string(kubeconfig).unwrap();
        let config = kube::config::Kubeconfig::from_yaml(&text).unwrap();
        let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let pods = KnownResource {
            api_version: "v1".into(),
            kind: "Pod".into(),
            plural: "pods".into(),
            namespaced: true,
            ..KnownResource::default()
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut state = State::new("bench", false, 1_800_000_000, (200, 50));
        let t0 = Instant::now();
        let listing = Listing { resource: pods, namespace: None, field_selector: None };
        let watch = gpudeck::sources::table::spawn(client, listing, state.browse.generation, tx);
        while let Some(Event::Data(data)) = rx.recv().await {
            let done = matches!(&data, Data::Browse { update: BrowseUpdate::Listed { complete: true, .. }, .. });
            if let Data::Browse { update: BrowseUpdate::Failed(why), .. } = &data {
                panic!("the list failed: {why}");
            }
            state.absorb(data);
            if done {
                break;
            }
        }
        state.settle();
        watch.abort();
        (t0.elapsed().as_secs_f64(), state.browse.table.total())
    })
}

fn kubectl_get(kubeconfig: &std::path::Path, home: &std::path::Path) -> Option<f64> {
    let t0 = Instant::now();
    let ok = Command::new("kubectl")
        .args(["get", "pods", "-A"])
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| t0.elapsed().as_secs_f64())
}

fn main() {
    let objects = env_or("BROWSE_BENCH_OBJECTS", 50_000) as usize;
    let rounds = env_or("BROWSE_BENCH_ROUNDS", 5);
    let sim_rounds = std::env::var("BROWSE_BENCH_SKIP_SIM").is_err();
    let mut rows: Vec<(String, String, String)> = Vec::new();

    let (mut state, bytes) = crd_view(objects);
    assert_eq!(state.browse.table.total(), objects);
    let (p50, p99, max, slowest) = filter_latency(&mut state);
    rows.push((
        format!("keystroke (filter, sort, jump) → frame rendered, generic view of {objects} custom resources"),
        format!("p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms ({slowest})"),
        "p99 ≤ 16 ms".into(),
    ));
    rows.push((
        format!("memory held per object ({objects} TrainJobs, 5 columns, labels)"),
        format!("{:.0} B ({:.1} MiB in all)", bytes as f64 / objects as f64, bytes as f64 / (1 << 20) as f64),
        "reported".into(),
    ));
    drop(state);
    if !sim_rounds {
        return print(rows);
    }

    let sim = SimProcess::start(500, objects as u64, 0);
    let home = tempfile::tempdir().unwrap();
    // Warm both paths (discovery cache, TLS, the sim's first Table of the list), then alternate.
    let _ = kubectl_get(&sim.kubeconfig, home.path());
    let (_, listed) = generic_first_table(&sim.kubeconfig);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(generic_first_table(&sim.kubeconfig).0);
        if let Some(s) = kubectl_get(&sim.kubeconfig, home.path()) {
            theirs.push(s);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let ours = median(ours);
    let result = if theirs.is_empty() {
        format!("{ours:.2} s (kubectl not available)")
    } else {
        let theirs = median(theirs);
        format!("{ours:.2} s vs kubectl {theirs:.2} s ({:.2}×)", ours / theirs)
    };
    rows.push((
        format!("first complete table, {listed} pods through the generic view, beside `kubectl get pods -A` (median of {rounds})"),
        result,
        "≤ kubectl".into(),
    ));
    drop(sim);
    print(rows);
}

fn print(rows: Vec<(String, String, String)>) {
    println!("\n| measure | result | target |\n|---|---|---|");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}
