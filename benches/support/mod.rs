//! What the benchmarks share: a `gpudeck sim --scenario scale` child process, killed on drop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SimProcess {
    child: Child,
    pub kubeconfig: PathBuf,
    /// From spawn to "kubeconfig written" (scenario built, indexed, listening).
    #[allow(dead_code)] // read by the sim bench only
    pub started_in: Duration,
    _dir: tempfile::TempDir,
}

impl SimProcess {
    #[allow(dead_code)] // the session bench uses the demo cluster instead
    pub fn start(nodes: u64, pods: u64, churn: u64) -> SimProcess {
        let (nodes, pods, churn) = (nodes.to_string(), pods.to_string(), churn.to_string());
        SimProcess::with_args(&[
            "--scenario",
            "scale",
            "--seed",
            "1",
            "--nodes",
            &nodes,
            "--pods",
            &pods,
            "--churn",
            &churn,
        ])
    }

    /// The demo cluster, whose pods serve their container ports.
    #[allow(dead_code)] // used by the session bench only
    pub fn demo() -> SimProcess {
        SimProcess::with_args(&[])
    }

    fn with_args(args: &[&str]) -> SimProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        let t0 = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_gpudeck"))
            .arg("sim")
            .args(args)
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            // A diagnostic: where a figure looks wrong, the sim's own account of every request and its duration.
            .args(
                std::env::var_os("BENCH_SIM_REQUEST_LOG")
                    .map(|path| [std::ffi::OsString::from("--request-log"), path])
                    .into_iter()
                    .flatten(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("gpudeck sim starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if line.contains("kubeconfig written") {
                break;
            }
        }
        // What the sim prints later is read and dropped: a full pipe would stop it mid-request.
        std::thread::spawn(move || lines.for_each(drop));
        SimProcess { child, kubeconfig, started_in: t0.elapsed(), _dir: dir }
    }

    /// A console client of the sim (kube's own retries off, as the console builds it).
    #[allow(dead_code)] // used by the helm and history benches only
    pub async fn client(&self) -> kube::Client {
        let text = std::fs::read_to_string(&self.kubeconfig).expect("kubeconfig");
        let config = kube::config::Kubeconfig::from_yaml(&text).expect("kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.expect("config");
        gpudeck::effects::console_client(config).expect("client")
    }

    /// Real kubectl against the sim with `args`: seconds it took and bytes it printed (it must succeed).
    #[allow(dead_code)] // used by the helm and history benches only
    pub fn kubectl(&self, home: &std::path::Path, args: &[&str]) -> (f64, usize) {
        let t0 = Instant::now();
        let out = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", home)
            .stderr(Stdio::inherit())
            .output()
            .expect("kubectl runs");
        assert!(out.status.success(), "kubectl {args:?} failed");
        (t0.elapsed().as_secs_f64(), out.stdout.len())
    }

    /// (current, peak) resident set in MiB.
    #[allow(dead_code)] // used by the sim bench only
    pub fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
