//! Editor figures: dry-run + diff of a 200-line manifest against `gpudeck sim` (beside `kubectl diff
//! --server-side` on the same file, same run), and keystroke → frame in a 5,000-line YAML buffer.
//! Run: `cargo bench --bench editor`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use gpudeck::effects::apply;
use gpudeck::keymap::Keymap;
use gpudeck::state::State;
use gpudeck::theme::Theme;
use kube::config::{KubeConfigOptions, Kubeconfig};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use support::SimProcess;

/// A Deployment of `lines` lines: a container with enough env vars to reach the length.
fn manifest(lines: usize, replicas: u32) -> String {
    let mut text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big\n  namespace: bench\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: big\n  template:\n    metadata:\n      labels:\n        app: big\n    spec:\n      containers:\n      - name: main\n        image: registry.example:5000/big:1.0\n        env:\n"
    );
    let mut i = 0;
    while text.lines().count() + 2 <= lines {
        text.push_str(&format!("        - name: SETTING_{i:04}\n          value: \"value-{i}\"\n"));
        i += 1;
    }
    text
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn dry_run_rows(rows: &mut Vec<(String, String, String)>) {
    let sim = SimProcess::start(4, 20, 0);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = rt.block_on(async {
        let kubeconfig = Kubeconfig::read_from(&sim.kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
        kube::Client::try_from(config).unwrap()
    });
    let namespace: Value =
        serde_saphyr::from_str("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bench\n").unwrap();
    let live: Value = serde_saphyr::from_str(&manifest(200, 2)).unwrap();
    let edited_text = manifest(200, 3);
    let edited: Value = serde_saphyr::from_str(&edited_text).unwrap();
    rt.block_on(async {
        apply::apply_one(&client, &namespace, false, false, &[], None).await.result.unwrap();
        apply::apply_one(&client, &live, false, false, &[], None).await.result.unwrap();
    });
    let mut ours = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let outcome = rt.block_on(apply::apply_one(&client, &edited, true, false, &[], None));
        ours.push(millis(t));
        assert_eq!(outcome.result.unwrap().diff.iter().filter(|l| l.text.starts_with('+')).count(), 1);
    }
    ours.sort_by(f64::total_cmp);

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &edited_text).unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut kubectl = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let status = Command::new("kubectl")
            .args(["diff", "--server-side", "--field-manager", "gpudeck", "-f"])
            .arg(file.path())
            .env("KUBECONFIG", &sim.kubeconfig)
            .env("HOME", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            // kubectl diff exits 1 when there are differences.
            Ok(s) if s.code() == Some(1) => kubectl.push(millis(t)),
            _ => break,
        }
    }
    kubectl.sort_by(f64::total_cmp);
    let reference = if kubectl.is_empty() {
        "kubectl not available".to_string()
    } else {
        format!("`kubectl diff --server-side` same file, same run: p50 {:.0} ms", percentile(&kubectl, 0.5))
    };
    rows.push((
        "dry-run + diff of a 200-line Deployment (discovery, GET, SSA dryRun=All, diff), 30 runs".into(),
        format!(
            "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; {reference}",
            percentile(&ours, 0.5),
            percentile(&ours, 0.95),
            ours[ours.len() - 1]
        ),
        "≤ 300 ms".into(),
    ));
}

/// Times `keystrokes` typed into the middle of a buffer of `lines` lines, each followed by a frame at 200×50.
fn keystroke_frames(lines: usize, keystrokes: usize) -> (Vec<f64>, f64) {
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..lines - 5 {
        text.push_str(&format!("  key_{i:05}: \"a value long enough to look like a real setting, number {i}\"\n"));
    }
    let mut state = State::new("bench", false, 0, (200, 50));
    state.open_editor("configmap big".into(), &text);
    state.editor_goto(lines / 2);
    let (theme, _) = Theme::load(None, false);
    let (keymap, _) = Keymap::load(None);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
    let mut times = Vec::new();
    for i in 0..keystrokes {
        let code = if i % 10 == 9 { KeyCode::Backspace } else { KeyCode::Char('x') };
        let t = Instant::now();
        state.edit_key(KeyEvent::new(code, KeyModifiers::NONE));
        terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
        times.push(millis(t));
    }
    times.sort_by(f64::total_cmp);
    // The check after typing pauses: parse every document and find Secret lines.
    let revision = state.editor.as_ref().unwrap().revision;
    let t = Instant::now();
    state.absorb(gpudeck::event::Data::Wake(revision));
    (times, millis(t))
}

fn main() {
    let mut rows = Vec::new();
    dry_run_rows(&mut rows);
    for lines in [200, 5_000] {
        let (times, check) = keystroke_frames(lines, 500);
        rows.push((
            format!("keystroke → frame (200×50), {lines}-line YAML, 500 keys"),
            format!(
                "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; check after the pause {check:.1} ms",
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                times[times.len() - 1]
            ),
            if lines == 5_000 { "≤ 16 ms".into() } else { "(reference)".into() },
        ));
    }
    println!("\n| measure | result | target |\n|---|---|---|");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}
