//! Figures for sessions and forwards (README "Figures: into the container"), on the demo `gpudeck sim` in one run:
//! a 100 MB transfer and 1,000 small requests (one connection each) through the console's port-forward beside
//! `kubectl port-forward` to the same pod, and a shell's keystroke → echo round trip through the console's exec
//! beside `kubectl exec -it` (on a pty made by `script`).
//!
//! Run: `cargo bench --bench session` (needs kubectl and `script`; env `SESSION_BENCH_MB`, `SESSION_BENCH_REQUESTS`,
//! `SESSION_BENCH_KEYS` shrink it).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gpudeck::event::{Data, Event, ObjectAddress};
use gpudeck::model::forward::{ForwardEvent, ForwardSpec, RemotePort};
use k8s_openapi::api::core::v1::Pod;
use kube::api::AttachParams;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One GET on a fresh connection; the body's length and the time to its last byte.
fn get(port: u16, path: &str) -> (usize, f64) {
    let started = Instant::now();
    let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect to {port}: {e}"));
    write!(socket, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).unwrap();
    let head = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..head]));
    (answer.len() - head, started.elapsed().as_secs_f64())
}

/// (seconds for `mb` MiB, p50 and p99 ms of `requests` small GETs) through a forward on `port`.
fn measure(port: u16, mb: usize, requests: usize) -> (f64, f64, f64) {
    // The first connection pays for discovery and TLS setup on either side; a pod still starting refuses it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::panic::catch_unwind(|| get(port, "/")).is_err() {
        assert!(Instant::now() < deadline, "the forward on {port} never answered");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (bytes, big) = get(port, &format!("/bytes?n={}", mb << 20));
    assert_eq!(bytes, mb << 20, "every byte arrived");
    let mut small: Vec<f64> = (0..requests).map(|_| get(port, "/").1 * 1000.0).collect();
    small.sort_by(f64::total_cmp);
    (big, percentile(&small, 0.5), percentile(&small, 0.99))
}

fn kubectl_forward(kubeconfig: &std::path::Path, namespace: &str, pod: &str) -> (Child, u16) {
    let mut child = Command::new("kubectl")
        .env("KUBECONFIG", kubeconfig)
        .args(["port-forward", "-n", namespace, &format!("pod/{pod}"), ":8080"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    let port = line.split("127.0.0.1:").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().parse().unwrap();
    // kubectl says "Handling connection" for each one: a closed pipe would kill it.
    std::thread::spawn(move || stdout.lines().for_each(drop));
    (child, port)
}

/// The console's keystroke → echo: one character written to a tty exec of `sh`, timed until it comes back.
async fn console_echo(client: &kube::Client, namespace: &str, pod: &str, keys: usize) -> Vec<f64> {
    let api: kube::Api<Pod> = kube::Api::namespaced(client.clone(), namespace);
    let mut process = api.exec(pod, ["sh"], &AttachParams::interactive_tty()).await.unwrap();
    let (mut stdin, mut stdout) = (process.stdin().unwrap(), process.stdout().unwrap());
    // As the console's session does first: the terminal's size.
    let size = kube::api::TerminalSize { width: 120, height: 40 };
    futures_util::SinkExt::send(&mut process.terminal_size().unwrap(), size).await.unwrap();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(5), stdout.read(&mut buf)).await.expect("a prompt").unwrap();
    let mut times = Vec::with_capacity(keys);
    for i in 0..keys {
        let key = b'a' + (i % 26) as u8;
        let started = Instant::now();
        stdin.write_all(&[key]).await.unwrap();
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if buf[..n].contains(&key) {
                break;
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    stdin.write_all(b"\x03exit\r").await.unwrap();
    times
}

/// kubectl's: `kubectl exec -it POD -- sh` on a pty (`script`), one character at a time.
fn kubectl_echo(kubeconfig: &std::path::Path, namespace: &str, pod: &str, keys: usize) -> Vec<f64> {
    let command = format!("kubectl exec -it -n {namespace} {pod} -- sh");
    let mut child = Command::new("script")
        .env("KUBECONFIG", kubeconfig)
        .args(["-qfc", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    // dash's prompt for root.
    while !String::from_utf8_lossy(&seen).contains("# ") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "kubectl exec ended before its prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let mut times = Vec::with_capacity(keys);
    for i in 0..keys {
        let key = b'a' + (i % 26) as u8;
        let started = Instant::now();
        stdin.write_all(&[key]).unwrap();
        stdin.flush().unwrap();
        loop {
            let n = stdout.read(&mut buf).unwrap();
            if buf[..n].contains(&key) {
                break;
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = stdin.write_all(b"\x03exit\r");
    let _ = child.kill();
    let _ = child.wait();
    times
}

fn summary(mut times: Vec<f64>) -> String {
    times.sort_by(f64::total_cmp);
    format!("p50 {:.2} ms, p99 {:.2} ms", percentile(&times, 0.5), percentile(&times, 0.99))
}

fn main() {
    let (mb, requests, keys) =
        (env_or("SESSION_BENCH_MB", 100), env_or("SESSION_BENCH_REQUESTS", 1000), env_or("SESSION_BENCH_KEYS", 200));
    let sim = support::SimProcess::demo();
    let kc = sim.kubeconfig.clone();
    let pods = Command::new("kubectl")
        .env("KUBECONFIG", &kc)
        .args(["get", "pods", "-n", "ml-serve", "--field-selector=status.phase=Running", "-o", "name"])
        .output()
        .unwrap();
    let pod = String::from_utf8_lossy(&pods.stdout)
        .lines()
        .map(|l| l.trim_start_matches("pod/").to_string())
        .find(|p| p.starts_with("web-"))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime.block_on(async {
        let config = kube::config::Kubeconfig::read_from(&kc).unwrap();
        let config = kube::Config::from_custom_kubeconfig(config, &Default::default()).await.unwrap();
        gpudeck::effects::console_client(config).unwrap()
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let spec = ForwardSpec {
        id: 1,
        target: ObjectAddress {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: "ml-serve".into(),
            name: pod.clone(),
        },
        local: "127.0.0.1:0".parse().unwrap(),
        remote: RemotePort::Number(8080),
    };
    runtime.spawn(gpudeck::effects::forward::run(client.clone(), spec, tx));
    let ours_port = runtime.block_on(async {
        loop {
            match rx.recv().await {
                Some(Event::Data(Data::Forward { event: ForwardEvent::Listening(addr), .. })) => break addr.port(),
                Some(Event::Data(Data::Forward { event: ForwardEvent::Failed(why), .. })) => panic!("{why}"),
                Some(_) => {}
                None => panic!("the forward ended"),
            }
        }
    });
    let (mut kubectl, theirs_port) = kubectl_forward(&kc, "ml-serve", &pod);
    let ours = measure(ours_port, mb, requests);
    let theirs = measure(theirs_port, mb, requests);
    let _ = kubectl.kill();
    let _ = kubectl.wait();
    let rate = |seconds: f64| mb as f64 / seconds;
    println!(
        "port-forward {mb} MiB: console {:.2} s ({:.0} MiB/s) vs kubectl port-forward {:.2} s ({:.0} MiB/s) ({:.2}×)",
        ours.0,
        rate(ours.0),
        theirs.0,
        rate(theirs.0),
        ours.0 / theirs.0
    );
    println!(
        "port-forward {requests} requests, one connection each: console p50 {:.2} ms, p99 {:.2} ms vs kubectl p50 {:.2} ms, p99 {:.2} ms",
        ours.1, ours.2, theirs.1, theirs.2
    );
    let console_keys = runtime.block_on(console_echo(&client, "ml-serve", &pod, keys));
    let kubectl_keys = kubectl_echo(&kc, "ml-serve", &pod, keys);
    println!(
        "shell keystroke → echo, {keys} keys: console {} vs kubectl exec -it {}",
        summary(console_keys),
        summary(kubectl_keys)
    );
    drop(sim);
    std::thread::sleep(Duration::from_millis(100));
}
