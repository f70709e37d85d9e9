//! Port-forward against `gpudeck sim`: real kubectl 1.32 (SPDY tunneled in a WebSocket) reaching the DCGM exporter,
//! a model server and a plain server's echo, refusals and RBAC; and kube-rs's `Api::portforward` (v4 channels).
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::TestSim;
use k8s_openapi::api::core::v1::Pod;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running `kubectl port-forward`, killed by its PID when dropped.
struct Forward {
    child: Child,
    /// The local port kubectl listens on.
    port: u16,
    stderr: mpsc::Receiver<String>,
}

impl Forward {
    fn start(sim: &TestSim, context: Option<&str>, namespace: &str, pod: &str, remote: u16) -> Result<Forward, String> {
        Forward::start_with(sim, context, namespace, pod, remote, &[])
    }

    fn start_with(
        sim: &TestSim,
        context: Option<&str>,
        namespace: &str,
        pod: &str,
        remote: u16,
        env: &[(&str, &str)],
    ) -> Result<Forward, String> {
        let target = format!("pod/{pod}");
        let ports = format!("0:{remote}");
        let mut args = vec!["port-forward", "-n", namespace, &target, &ports, "--address", "127.0.0.1"];
        if let Some(c) = context {
            args.extend(["--context", c]);
        }
        let mut cmd = sim.kubectl_cmd(&args);
        cmd.envs(env.iter().copied());
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("kubectl port-forward starts");
        let (err_tx, stderr) = mpsc::channel();
        let err = child.stderr.take().expect("stderr piped");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let (out_tx, out_rx) = mpsc::channel();
        let out = child.stdout.take().expect("stdout piped");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        // `Forwarding from 127.0.0.1:NNNN -> REMOTE`
        let mut forward = Forward { child, port: 0, stderr };
        while let Ok(line) = out_rx.recv_timeout(Duration::from_secs(20)) {
            if let Some(port) = line
                .strip_prefix("Forwarding from 127.0.0.1:")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|p| p.parse().ok())
            {
                forward.port = port;
                return Ok(forward);
            }
        }
        let _ = forward.child.wait();
        Err(forward.stderr_text())
    }

    fn stderr_text(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange on a fresh connection: (status, headers, body).
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect to the forwarded port");
    conn.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).expect("write request");
    conn.write_all(body).expect("write body");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).expect("read response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> (u16, String, Vec<u8>) {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no response: {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
    (status, head, raw[split + 4..].to_vec())
}

fn pod_named(sim: &TestSim, namespace: &str, selector: &str, extra: &[&str]) -> String {
    let mut args = vec!["get", "pods", "-n", namespace, "-l", selector, "--field-selector=status.phase=Running"];
    args.extend(extra);
    args.extend(["-o", "jsonpath={.items[0].metadata.name}"]);
    let name = sim.kubectl_ok(&args);
    assert!(!name.is_empty(), "no running pod for {selector}");
    name
}

/// An exporter pod on a node that reports (gpu-h100-01).
fn exporter(sim: &TestSim) -> String {
    pod_named(sim, "gpu-operator", "app=nvidia-dcgm-exporter", &["--field-selector=spec.nodeName=gpu-h100-01"])
}

#[test]
fn kubectl_forwards_to_the_exporter_model_server_and_echo() {
    require_kubectl!();
    let sim = TestSim::demo();

    // The exporter answers /metrics with exactly what the API server's pod proxy serves (its text moves every 5 s,
    // so it must equal the proxy's read just before or just after).
    let pod = exporter(&sim);
    let forward = Forward::start(&sim, None, "gpu-operator", &pod, 9400).expect("forward to the exporter");
    let proxy = format!("/api/v1/namespaces/gpu-operator/pods/{pod}:9400/proxy/metrics");
    let matched = (0..3).any(|_| {
        let before = sim.kubectl_ok(&["get", "--raw", &proxy]);
        let (status, head, body) = http(forward.port, "GET", "/metrics", b"");
        let after = sim.kubectl_ok(&["get", "--raw", &proxy]);
        assert_eq!(status, 200, "{head}");
        assert!(head.contains("text/plain; version=0.0.4"), "{head}");
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\""), "{body}");
        body == before || body == after
    });
    assert!(matched, "forwarded /metrics differs from the pod proxy's");
    drop(forward);

    // A model server lists its model and says it is healthy.
    let llm = pod_named(&sim, "ml-serve", "app=llm-inference", &[]);
    let forward = Forward::start(&sim, None, "ml-serve", &llm, 8000).expect("forward to the model server");
    let (status, _, body) = http(forward.port, "GET", "/v1/models", b"");
    assert_eq!(status, 200);
    let models: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(models["object"], "list");
    assert_eq!(models["data"][0]["id"], "llm-inference");
    let (status, _, body) = http(forward.port, "GET", "/health", b"");
    assert_eq!((status, body.as_slice()), (200, &br#"{"status":"ok"}"#[..]));
    drop(forward);

    // A plain server: several connections at once over one forward, then 10 MB checked byte for byte, then an echo.
    let web = pod_named(&sim, "ml-serve", "app=web", &[]);
    let forward = Forward::start(&sim, None, "ml-serve", &web, 8080).expect("forward to web");
    let port = forward.port;
    let threads: Vec<_> = (0..8).map(|_| std::thread::spawn(move || http(port, "GET", "/", b""))).collect();
    for t in threads {
        let (status, _, body) = t.join().unwrap();
        assert_eq!(status, 200);
        assert_eq!(String::from_utf8(body).unwrap(), format!("pod ml-serve/{web} port 8080\n"));
    }
    let n = 10 * 1024 * 1024;
    let (status, _, body) = http(port, "GET", &format!("/bytes?n={n}"), b"");
    assert_eq!(status, 200);
    assert_eq!(body.len(), n);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8), "a byte differs");
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let (status, _, body) = http(port, "POST", "/echo", &payload);
    assert_eq!(status, 200);
    assert!(body == payload, "echo differs");

    // Two requests on one kept-alive connection.
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    for _ in 0..2 {
        conn.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
    }

    // The API server saw kubectl's WebSocket upgrades, logged as it logs them.
    let upgrades: Vec<_> = sim
        .request_log_lines()
        .into_iter()
        .filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with("/portforward")))
        .collect();
    assert!(upgrades.iter().all(|l| l["status"] == 101 && l["method"] == "GET" && l["verb"] == "get"), "{upgrades:?}");
    assert_eq!(upgrades.len(), 3);
}

#[test]
fn kubectl_without_websockets_uses_the_plain_spdy_upgrade() {
    require_kubectl!();
    let sim = TestSim::demo();
    let web = pod_named(&sim, "ml-serve", "app=web", &[]);
    // kubectl's switch back to the pre-1.31 transport: a POST upgraded to SPDY/3.1.
    let env = [("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false")];
    let forward = Forward::start_with(&sim, None, "ml-serve", &web, 8080, &env).expect("forward over SPDY");
    let (status, _, body) = http(forward.port, "GET", "/bytes?n=1000000", b"");
    assert_eq!(status, 200);
    assert!(body.len() == 1_000_000 && body.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8));
    let methods: Vec<_> = sim
        .request_log_lines()
        .into_iter()
        .filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with("/portforward")))
        .map(|l| (l["method"].clone(), l["verb"].clone(), l["status"].clone()))
        .collect();
    assert_eq!(methods, vec![("POST".into(), "create".into(), 101.into())]);
}

#[test]
fn an_undeclared_port_is_refused_inside_the_pod() {
    require_kubectl!();
    let sim = TestSim::demo();
    let web = pod_named(&sim, "ml-serve", "app=web", &[]);
    let mut forward = Forward::start(&sim, None, "ml-serve", &web, 9999).expect("kubectl listens anyway");
    let mut conn = TcpStream::connect(("127.0.0.1", forward.port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut got = Vec::new();
    let _ = conn.read_to_end(&mut got);
    assert!(got.is_empty(), "nothing answers on 9999: {got:?}");
    let mut text = String::new();
    for _ in 0..40 {
        text = forward.stderr_text() + &text;
        if text.contains("connection refused") {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(text.contains("error forwarding port 9999 to pod "), "{text}");
    assert!(text.contains("uid : failed to execute portforward in network namespace"), "{text}");
    assert!(text.contains("connect: connection refused"), "{text}");
    // kubectl 1.32 treats an error on the error stream as the end of the forward (client-go closes the
    // connection): it exits with "lost connection to pod", as against a real cluster.
    let ended = sim.eventually(Duration::from_secs(10), || (!forward.running()).then_some(()));
    assert!(ended.is_some(), "kubectl kept running");
}

#[test]
fn a_viewer_may_not_port_forward() {
    require_kubectl!();
    let sim = TestSim::demo();
    let web = pod_named(&sim, "ml-serve", "app=web", &[]);
    let refused = Forward::start(&sim, Some("gpudeck-sim-readonly"), "ml-serve", &web, 8080)
        .err()
        .expect("the viewer is refused");
    assert!(
        refused.contains(&format!(
            "pods \"{web}\" is forbidden: User \"gpudeck-viewer\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"ml-serve\""
        )),
        "{refused}"
    );
    // kubectl tried the WebSocket first (a GET, verb get), then fell back to SPDY (a POST, verb create).
    let tries: Vec<(String, String, u64)> = sim
        .request_log_lines()
        .into_iter()
        .filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with("/portforward")))
        .map(|l| {
            (l["method"].as_str().unwrap().into(), l["verb"].as_str().unwrap().into(), l["status"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(tries, vec![("GET".into(), "get".into(), 403), ("POST".into(), "create".into(), 403)]);
    // A pod that does not exist is a 404 before any upgrade.
    let missing = Forward::start(&sim, None, "ml-serve", "no-such-pod", 8080).err().expect("no such pod");
    assert!(missing.contains("pods \"no-such-pod\" not found"), "{missing}");
}

/// Reads one response off a kept-alive stream: (status, body by Content-Length).
async fn read_response(stream: &mut tokio::io::DuplexStream) -> (u16, Vec<u8>) {
    let mut raw = Vec::new();
    let mut byte = [0u8; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "stream ended in the headers");
        raw.push(byte[0]);
    }
    let (status, head, _) = parse_response(&raw);
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .expect("content-length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.unwrap();
    (status, body)
}

async fn client(sim: &TestSim) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).expect("kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.expect("config");
    Client::try_from(config).expect("client")
}

#[test]
fn kube_rs_portforward_speaks_http_to_the_pod() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let pods: Api<Pod> = Api::namespaced(client.clone(), "gpu-operator");
        let list = pods
            .list(
                &kube::api::ListParams::default()
                    .labels("app=nvidia-dcgm-exporter")
                    .fields("spec.nodeName=gpu-h100-01"),
            )
            .await
            .expect("exporter pods");
        let name = list.items[0].metadata.name.clone().expect("name");
        // The exporter's port and an undeclared one on the same socket: channels 0/1 and 2/3.
        let mut forwarder = pods.portforward(&name, &[9400, 9999]).await.expect("upgrade");
        let mut stream = forwarder.take_stream(9400).expect("stream for 9400");
        // Kept alive: the client closes first, so the forwarder ends cleanly.
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
        let (status, body) = read_response(&mut stream).await;
        assert_eq!(status, 200);
        assert!(String::from_utf8(body).unwrap().contains("Hostname=\"gpu-h100-01\""));
        let refused = forwarder.take_error(9999).expect("error future").await.expect("an error for 9999");
        assert!(refused.starts_with("error forwarding port 9999 to pod "), "{refused}");
        assert!(refused.ends_with("connect: connection refused"), "{refused}");
        drop(stream);
        forwarder.join().await.expect("the forwarder ends cleanly");

        // A model server through the same path, as the console will use it.
        let serve: Api<Pod> = Api::namespaced(client, "ml-serve");
        let triton = serve
            .list(&kube::api::ListParams::default().labels("app=embeddings").fields("status.phase=Running"))
            .await
            .expect("triton pods");
        let name = triton.items[0].metadata.name.clone().expect("name");
        let mut forwarder = serve.portforward(&name, &[8000]).await.expect("upgrade");
        let mut stream = forwarder.take_stream(8000).expect("stream");
        stream
            .write_all(b"GET /v2/health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        assert_eq!(parse_response(&raw).0, 200);
        drop(stream);
        // The pod closed first (Connection: close), so the kubelet closed the socket before kube-rs sent its own
        // close: kube-rs 5 then reports SendAfterClosing, as it does against a cluster. The bytes all arrived.
        let _ = forwarder.join().await;
    });
}
