//! Figures for the console (README "Figures: the console"), against `gpudeck sim --scenario scale` in one run beside
//! `kubectl get pods -A -o json`: start → first complete pods table, RSS and CPU when idle and under churn, bytes
//! written to a 200×50 terminal per idle minute, and keystroke → frame at 50k rows.
//!
//! Run: `cargo bench --bench console` (needs tmux; env `CONSOLE_BENCH_PODS`, `CONSOLE_BENCH_NODES`,
//! `CONSOLE_BENCH_SECONDS` shrink it; `CONSOLE_BENCH_BEFORE=BINARY` measures idle RSS and CPU of an earlier build
//! beside this one on the same sim).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gpudeck::action::Action;
use gpudeck::event::Data;
use gpudeck::keymap::Keymap;
use gpudeck::model::pods::PodRow;
use gpudeck::model::{Health, ObjectId};
use gpudeck::state::State;
use gpudeck::state::table::Delta;
use gpudeck::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::SimProcess;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Keystroke → frame at `pods` rows: the reducer plus rendering a 200×50 frame (terminal IO excluded).
fn filter_latency(pods: usize) -> (f64, f64, f64) {
    let rows: Vec<PodRow> = (0..pods)
        .map(|i| PodRow {
            id: ObjectId {
                namespace: format!("team-{:02}", i % 50),
                name: format!("svc-{:04}-7f9c-{i:05}", i / 100),
                uid: format!("u{i}"),
            },
            ready: (1, 1),
            status: if i % 97 == 0 { "CrashLoopBackOff".into() } else { "Running".into() },
            health: if i % 97 == 0 { Health::Error } else { Health::Ok },
            restarts: (i % 7) as i32,
            last_restart: None,
            created: 1_700_000_000 - i as i64,
            node: format!("gpu-{:04}", i % 400),
            gpus: (i % 2) as u32,
            why: String::new(),
            labels: BTreeMap::from([("app".to_string(), format!("svc-{:04}", i / 100))]),
            owner: None,
            claims: Vec::new(),
            empty_dir: false,
            containers: vec!["main".into()],
            ports: Vec::new(),
            usage: Some((250, 1 << 30)),
            gpu_util: None,
            images: Vec::new(),
            pull_image: None,
            registry: None,
        })
        .collect();
    let mut state = State::new("bench", false, 1_800_000_000, (200, 50));
    state.absorb(Data::Pods(Delta { reset: true, upserts: rows, deletes: vec![] }));
    state.settle();
    state.act(Action::PanePods);
    let (theme, _) = Theme::load(None, false);
    let (keymap, _) = Keymap::load(None);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut times = Vec::new();
    for pattern in ["svc-0042", "crash", "gpu-03", "!running", "team-4"] {
        state.act(Action::Filter);
        for c in pattern.chars() {
            let t = Instant::now();
            state.type_char(c);
            terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for _ in pattern.chars() {
            let t = Instant::now();
            state.act(Action::DeleteChar);
            terminal.draw(|f| gpudeck::ui::render(f, &state, &theme, &keymap)).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        state.act(Action::Accept);
    }
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.99), percentile(&times, 1.0))
}

/// gpudeck in a 200×50 tmux pane of its own server.
struct Console {
    socket: String,
    state_dir: PathBuf,
}

impl Console {
    /// `binary` on `kubeconfig` in a 200×50 tmux pane of its own.
    fn start(dir: &Path, kubeconfig: &Path, tag: &str, binary: &str) -> Console {
        let socket = format!("gpudeck-bench-{}-{tag}", std::process::id());
        let state_dir = dir.join(format!("state-{tag}"));
        let home = dir.join("home");
        std::fs::create_dir_all(&home).unwrap();
        let command = format!(
            "exec env HOME={} XDG_STATE_HOME={} TERM=xterm-256color {} --kubeconfig {}",
            home.display(),
            state_dir.display(),
            binary,
            kubeconfig.display()
        );
        let ok = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50", &command])
            .status()
            .unwrap();
        assert!(ok.success());
        Console { socket, state_dir }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn pid(&self) -> u32 {
        self.tmux(&["display-message", "-p", "-t", "0", "#{pane_pid}"]).parse().unwrap()
    }

    /// Milliseconds from process start to the first complete pods table, from the app's log.
    fn first_table_ms(&self) -> Option<(u64, u64)> {
        let log = std::fs::read_to_string(self.state_dir.join("gpudeck/gpudeck.log")).unwrap_or_default();
        let line = log.lines().find(|l| l.contains("first complete pods table drawn"))?;
        let field = |name: &str| line.split(&format!("{name}=")).nth(1)?.split_whitespace().next()?.parse().ok();
        Some((field("elapsed_ms")?, field("pods")?))
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

/// (RSS MiB, CPU seconds used so far) of a process.
fn usage(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    (rss, ticks / hz)
}

/// (RSS MiB, CPU % of a core, bytes written to the terminal) over `seconds` idle, after the first list settled.
fn idle(console: &Console, dir: &Path, seconds: u64) -> (f64, f64, u64) {
    std::thread::sleep(Duration::from_secs(5));
    let pid = console.pid();
    let bytes_file = dir.join(format!("pane-bytes-{pid}"));
    console.tmux(&["pipe-pane", "-o", "-t", "0", &format!("cat > {}", bytes_file.display())]);
    let (_, cpu_before) = usage(pid);
    std::thread::sleep(Duration::from_secs(seconds));
    let (rss, cpu_after) = usage(pid);
    console.tmux(&["pipe-pane", "-t", "0"]);
    let bytes = std::fs::metadata(&bytes_file).map(|m| m.len()).unwrap_or(0);
    (rss, (cpu_after - cpu_before) / seconds as f64 * 100.0, bytes)
}

fn wait_for_table(console: &Console) -> (u64, u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(v) = console.first_table_ms() {
            return v;
        }
        assert!(Instant::now() < deadline, "the console never drew a complete pods table");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn main() {
    let nodes = env_or("CONSOLE_BENCH_NODES", 500);
    let pods = env_or("CONSOLE_BENCH_PODS", 50_000);
    let seconds = env_or("CONSOLE_BENCH_SECONDS", 60);
    let dir = tempfile::tempdir().unwrap();
    let mut rows: Vec<(String, String, String)> = Vec::new();

    let (p50, p99, max) = filter_latency(pods as usize);
    rows.push((
        format!("keystroke in the filter → frame rendered (reducer + 200×50 frame), {pods} rows"),
        format!("p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"),
        "p99 ≤ 16 ms".into(),
    ));

    let sim = SimProcess::start(nodes, pods, 0);
    let t0 = Instant::now();
    let kubectl = Command::new("kubectl")
        .args(["get", "pods", "-A", "-o", "json"])
        .env("KUBECONFIG", &sim.kubeconfig)
        .env("HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let kubectl_s = t0.elapsed().as_secs_f64();
    let console = Console::start(dir.path(), &sim.kubeconfig, "idle", env!("CARGO_BIN_EXE_gpudeck"));
    let (first_ms, listed) = wait_for_table(&console);
    let first_s = first_ms as f64 / 1000.0;
    if kubectl {
        rows.push((format!("start → first complete pods table ({listed} pods), beside `kubectl get pods -A -o json` on the same sim"), format!("{first_s:.1} s vs kubectl {kubectl_s:.1} s ({:.2}×)", first_s / kubectl_s), "≤ 1.5× kubectl".into()));
    } else {
        rows.push((
            format!("start → first complete pods table ({listed} pods)"),
            format!("{first_s:.1} s (kubectl not available)"),
            "≤ 1.5× kubectl".into(),
        ));
    }
    let (rss, cpu, bytes) = idle(&console, dir.path(), seconds);
    drop(console);
    // The binary of the commit before, on the same sim in the same run: these machines are noisy, ratios hold.
    let before = std::env::var("CONSOLE_BENCH_BEFORE").ok().map(|binary| {
        let console = Console::start(dir.path(), &sim.kubeconfig, "before", &binary);
        wait_for_table(&console);
        idle(&console, dir.path(), seconds)
    });
    let versus = |now: String, then: Option<String>| match then {
        Some(then) => format!("{now} (commit before: {then})"),
        None => now,
    };
    rows.push((
        format!("RSS after {}s", seconds + 5),
        versus(format!("{rss:.0} MiB"), before.map(|b| format!("{:.0} MiB", b.0))),
        "≤ 200 MB".into(),
    ));
    rows.push((
        format!("idle CPU over {seconds} s (dashboard, no churn)"),
        versus(format!("{cpu:.2} % of a core"), before.map(|b| format!("{:.2} %", b.1))),
        "≤ 1 %".into(),
    ));
    rows.push((
        format!("bytes written to the 200×50 terminal in {seconds} s idle"),
        format!("{bytes} B ({:.1} KB per minute)", bytes as f64 / seconds as f64 * 60.0 / 1024.0),
        "≤ 2 KB".into(),
    ));
    drop(sim);

    let sim = SimProcess::start(nodes, pods, 100);
    let console = Console::start(dir.path(), &sim.kubeconfig, "churn", env!("CARGO_BIN_EXE_gpudeck"));
    wait_for_table(&console);
    std::thread::sleep(Duration::from_secs(5));
    let pid = console.pid();
    let (_, before) = usage(pid);
    std::thread::sleep(Duration::from_secs(seconds));
    let (rss, after) = usage(pid);
    rows.push((
        format!("CPU over {seconds} s with `--churn 100` (RSS {rss:.0} MiB)"),
        format!("{:.1} % of a core", (after - before) / seconds as f64 * 100.0),
        "≤ 10 %".into(),
    ));
    drop(console);
    drop(sim);

    println!("\n| measure ({nodes} nodes, {pods} pods) | result | target |\n|---|---|---|");
    for (what, result, target) in rows {
        println!("| {what} | {result} | {target} |");
    }
}
