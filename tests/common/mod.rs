//! Test harness: a sim running on its own runtime, and real kubectl pointed at it with a private HOME and TMPDIR.
#![allow(dead_code)]

pub mod console;
pub mod helm;
pub mod registry;
pub mod tmux;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gpudeck::sim::{Sim, SimConfig};

pub struct TestSim {
    pub rt: tokio::runtime::Runtime,
    sim: Option<Sim>,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub request_log: PathBuf,
    pub server: String,
    pub admin_token: String,
    pub kubeconfig_text: String,
}

impl TestSim {
    pub fn start(config: SimConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let request_log = dir.path().join("requests.jsonl");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::create_dir_all(dir.path().join("tmp")).expect("tmp");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let config =
            SimConfig { kubeconfig_out: Some(kubeconfig.clone()), request_log: Some(request_log.clone()), ..config };
        let sim = rt.block_on(Sim::start(config)).expect("sim starts");
        TestSim {
            server: sim.server.clone(),
            admin_token: sim.admin_token.clone(),
            kubeconfig_text: sim.kubeconfig.clone(),
            rt,
            sim: Some(sim),
            dir,
            kubeconfig,
            request_log,
        }
    }

    pub fn demo() -> Self {
        TestSim::start(SimConfig::default())
    }

    /// Flips the sim's fault switches the way a test script would: `kubectl create --raw` POSTs the JSON.
    pub fn faults(&self, settings: &str) {
        let path = self.dir.path().join("faults.json");
        std::fs::write(&path, settings).expect("write faults");
        self.kubectl_ok(&["create", "--raw", "/sim/faults", "-f", path.to_str().expect("a UTF-8 path")]);
    }

    /// A kubectl command with this test's HOME (discovery cache), TMPDIR (diff) and KUBECONFIG.
    pub fn kubectl_cmd(&self, args: &[&str]) -> Command {
        self.client_cmd("kubectl", args)
    }

    /// Any client binary run with this test's HOME, TMPDIR and KUBECONFIG.
    pub fn client_cmd(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env("HOME", self.dir.path().join("home"))
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("KUBECONFIG", &self.kubeconfig)
            .stdin(Stdio::null());
        cmd
    }

    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_cmd(args).output().expect("kubectl runs")
    }

    /// Runs kubectl and returns stdout, failing the test with stderr when it exits non-zero.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(out.status.success(), "kubectl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls `check` until it returns Some or `timeout` passes.
    pub fn eventually<T>(&self, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check() {
                return Some(v);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// An `XDG_CONFIG_HOME` whose gpudeck config sends the demo images' registries (ghcr.io, nvcr.io…) to the
    /// sim's own, as the console started with no kubeconfig does by itself.
    pub fn registry_config_home(&self) -> PathBuf {
        let home = self.dir.path().join("xdg-config");
        std::fs::create_dir_all(home.join("gpudeck")).expect("config dir");
        let registries = self.sim.as_ref().map(|s| s.registries.clone()).unwrap_or_default();
        let mirrors: String = registries.iter().map(|(name, url)| format!("\"{name}\" = \"{url}\"\n")).collect();
        std::fs::write(home.join("gpudeck/config.toml"), format!("[registry-mirrors]\n{mirrors}")).expect("config");
        home
    }

    /// The requests after the first `before` of the log that were not reads: what a refusal must not have sent.
    pub fn writes_since(&self, before: usize) -> Vec<serde_json::Value> {
        let lines = self.request_log_lines();
        lines.into_iter().skip(before).filter(|l| l["method"].as_str().is_some_and(|m| m != "GET")).collect()
    }

    pub fn request_log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.request_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }
}

/// kubectl is a real part these tests need; when a machine lacks it they say so and pass.
pub fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[macro_export]
macro_rules! require_kubectl {
    () => {
        if !common::kubectl_available() {
            eprintln!("SKIPPED: kubectl not found on PATH; install it to run the kubectl fidelity tests");
            return;
        }
    };
}

/// Reads a child's stdout lines on a thread until `want` matches or the timeout passes; then kills it.
pub fn read_until(mut child: std::process::Child, timeout: Duration, want: impl Fn(&[String]) -> bool) -> Vec<String> {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + timeout;
    let mut lines = Vec::new();
    while !want(&lines) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}
