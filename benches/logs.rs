//! Figures for the logs view (README "Figures: logs"): ingest from a firehose pod, in one run beside
//! `kubectl logs -f` of the same pod, with every line's index checked; extra RSS of 100k buffered lines; regex search
//! over 1M buffered lines; a frame with 1M lines buffered.
//!
//! Run: `cargo bench --bench logs` (needs kubectl for the reference; env `LOGS_BENCH_RATE` lines/s,
//! `LOGS_BENCH_SECONDS`).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gpudeck::event::{Data, Event};
use gpudeck::keymap::Keymap;
use gpudeck::state::logs::{LogLine, LogTarget, Logs};
use gpudeck::theme::Theme;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::PostParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::SimProcess;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn line_200(i: usize) -> LogLine {
    LogLine::plain(format!("line {i:012} {}", "x".repeat(183)))
}

/// The index a firehose line carries.
fn index_of(text: &str) -> Option<u64> {
    text.strip_prefix("line ")?.get(..12)?.parse().ok()
}

async fn firehose(kubeconfig: &std::path::Path, rate: u64) -> Client {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    let config = Config::from_custom_kubeconfig(Kubeconfig::from_yaml(&text).unwrap(), &KubeConfigOptions::default())
        .await
        .unwrap();
    let client = Client::try_from(config).unwrap();
    let ns: Namespace = serde_json::from_value(serde_json::json!({"metadata": {"name": "bench"}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.unwrap();
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "firehose", "annotations": {"sim.gpudeck.io/log-rate": rate.to_string()}},
        "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme-ml/feature-api:3.1.0"}]}
    }))
    .unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "bench");
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = pods.get("firehose").await.unwrap();
        if p.status.and_then(|s| s.phase).as_deref() == Some("Running") {
            return client;
        }
        assert!(Instant::now() < deadline, "the firehose pod never ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Lines/s `kubectl logs -f` reads from the firehose over `seconds`.
fn kubectl_rate(kubeconfig: &std::path::Path, seconds: u64) -> Option<f64> {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new("kubectl")
        .args(["logs", "-f", "-n", "bench", "firehose", "--tail=0"])
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let t0 = Instant::now();
    let mut lines = 0u64;
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    while t0.elapsed() < Duration::from_secs(seconds) {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => lines += 1,
        }
    }
    let rate = lines as f64 / t0.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    (lines > 0).then_some(rate)
}

/// gpudeck's log source into the view's ring buffer: (lines/s, lines received, gaps in the indices).
async fn gpudeck_rate(client: Client, seconds: u64) -> (f64, u64, u64) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let target = LogTarget { previous: Some(false), tail: 0, ..LogTarget::new("bench", "firehose") };
    let task = gpudeck::sources::logs::spawn(client, target.clone(), 1, tx);
    let mut logs = Logs::new(target, 1, gpudeck::state::logs::DEFAULT_CAPACITY);
    let (mut received, mut gaps, mut last) = (0u64, 0u64, None::<u64>);
    let mut t0 = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds + 5);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv()).await;
        let Ok(Some(Event::Data(Data::LogLines { lines, .. }))) = event else {
            if matches!(event, Ok(Some(Event::Data(Data::LogStream { .. })))) {
                continue;
            }
            break;
        };
        let started = *t0.get_or_insert_with(Instant::now);
        for line in &lines {
            let i = index_of(&line.text).expect("a firehose line");
            if let Some(prev) = last
                && i != prev + 1
            {
                gaps += i.saturating_sub(prev + 1);
            }
            last = Some(i);
        }
        received += lines.len() as u64;
        logs.push(lines);
        if started.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
    }
    task.abort();
    let elapsed = t0.map_or(1.0, |t| t.elapsed().as_secs_f64());
    (received as f64 / elapsed, received, gaps)
}

fn main() {
    let rate = env_or("LOGS_BENCH_RATE", 250_000);
    let seconds = env_or("LOGS_BENCH_SECONDS", 10);
    let mut rows: Vec<(String, String, String)> = Vec::new();

    let sim = SimProcess::start(4, 20, 0);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = rt.block_on(firehose(&sim.kubeconfig, rate));
    let kubectl = kubectl_rate(&sim.kubeconfig, seconds);
    let (ours, received, gaps) = rt.block_on(gpudeck_rate(client, seconds));
    rows.push((
        format!("sustained ingest from a pod writing {rate} lines/s of 200 B, {seconds} s"),
        format!(
            "{ours:.0} lines/s, {received} lines, {gaps} lost; `kubectl logs -f` same pod, same run: {}",
            kubectl.map_or("not available".into(), |k| format!("{k:.0} lines/s"))
        ),
        "≥ 200000 lines/s, 0 lost".into(),
    ));
    drop(sim);

    let target = LogTarget { tail: 0, ..LogTarget::new("ns", "p") };
    let before = rss_mib();
    let mut logs = Logs::new(target.clone(), 1, 100_000);
    logs.push((0..100_000).map(line_200).collect());
    let after = rss_mib();
    rows.push((
        "extra RSS with 100000 lines of 200 B buffered".into(),
        format!("{:.1} MiB", after - before),
        "≤ 60 MB".into(),
    ));
    drop(logs);

    let mut logs = Logs::new(target, 1, 1_000_001);
    for chunk in 0..100 {
        logs.push((chunk * 10_000..(chunk + 1) * 10_000).map(line_200).collect());
    }
    logs.push(vec![LogLine::plain("FATAL: NCCL watchdog timeout on rank 3")]);
    logs.to_top();
    let t = Instant::now();
    let found = logs.set_search("nccl.*timeout", 50);
    let search_ms = t.elapsed().as_secs_f64() * 1000.0;
    assert_eq!((found, logs.matched), (None, Some(1_000_000)), "the only match is the last line");
    rows.push((
        "regex search over 1000001 buffered lines (the only match last)".into(),
        format!("{search_ms:.0} ms"),
        "≤ 100 ms".into(),
    ));

    let mut state = gpudeck::state::State::new("bench", false, 0, (200, 50));
    state.show_logs(logs);
    let (theme, _) = Theme::load(None, false);
    let (keymap, _) = Keymap::load(None);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut frames = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
        frames.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    frames.sort_by(f64::total_cmp);
    rows.push((
        "frame (200×50) with 1000001 lines buffered".into(),
        format!("p50 {:.2} ms, max {:.2} ms", frames[frames.len() / 2], frames[frames.len() - 1]),
        "≤ 16 ms".into(),
    ));

    println!("\n| measure | result | target |\n|---|---|---|");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}
