//! Real kubectl 1.32 (and kube-rs) running commands in sim containers: `exec` with exit codes, stdin and a
//! terminal (through a pty, resized), `attach`, GPU pods' `nvidia-smi`, `debug` adding ephemeral containers, and the
//! apiserver's refusals.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Duration;

use common::TestSim;
use gpudeck::sim::{Scenario, SimConfig};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::AttachParams;
use tokio::io::AsyncReadExt;

/// gpu-0000..gpu-0007 (8 H100s each, tainted) and two CPU nodes; no pods.
fn cluster() -> TestSim {
    TestSim::start(SimConfig { scenario: Scenario::Scale, nodes: 10, pods: 0, ..SimConfig::default() })
}

/// `web`: an application container with env and a busybox sidecar; `train`: a pytorch container holding 2 GPUs.
const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  nodeSelector: {gpudeck.io/pool: cpu}
  containers:
  - name: main
    image: ghcr.io/acme-ml/web:5.2.1
    command: [python, serve.py]
    env:
    - {name: GREETING, value: hello}
  - name: side
    image: busybox:1.36
    command: [sleep, '3600']
    env:
    - {name: SIDE_MODE, value: sidecar}
    - name: MY_POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
---
apiVersion: v1
kind: Pod
metadata: {name: train, namespace: default}
spec:
  tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
  containers:
  - name: pytorch
    image: nvcr.io/nvidia/pytorch:24.12-py3
    resources:
      limits: {nvidia.com/gpu: '2'}
";

fn with_pods() -> TestSim {
    let sim = cluster();
    let path = sim.dir.path().join("pods.yaml");
    std::fs::write(&path, PODS).unwrap();
    sim.kubectl_ok(&["apply", "-f", &path.to_string_lossy()]);
    for pod in ["web", "train"] {
        let running = sim.eventually(Duration::from_secs(30), || {
            let out = sim.kubectl(&["get", "pod", pod, "-o", "jsonpath={.status.phase}"]);
            (String::from_utf8_lossy(&out.stdout) == "Running").then_some(())
        });
        assert!(running.is_some(), "{pod} runs");
    }
    sim
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn exec(sim: &TestSim, args: &[&str]) -> Output {
    let mut all = vec!["exec"];
    all.extend(args);
    sim.kubectl(&all)
}

/// Runs kubectl with `input` on its stdin.
fn with_stdin(sim: &TestSim, args: &[&str], input: &str) -> Output {
    let mut child =
        sim.kubectl_cmd(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn exec_runs_commands_and_exits_as_kubectl_does_on_a_cluster() {
    require_kubectl!();
    let sim = with_pods();
    let out = exec(&sim, &["web", "--", "hostname"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "web\n");

    let env = text(&exec(&sim, &["web", "-c", "side", "--", "env"]).stdout);
    for line in ["SIDE_MODE=sidecar", "MY_POD=web", "HOSTNAME=web", "KUBERNETES_SERVICE_HOST=10.96.0.1"] {
        assert!(env.lines().any(|l| l == line), "{line} in {env}");
    }
    assert!(!env.contains("GREETING"), "the sidecar has its own env");
    let resolv = text(&exec(&sim, &["web", "--", "cat", "/etc/resolv.conf"]).stdout);
    assert!(resolv.starts_with("search default.svc.cluster.local svc.cluster.local cluster.local\n"), "{resolv}");

    let out = exec(&sim, &["web", "--", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("command terminated with exit code 3"), "{}", text(&out.stderr));

    let out = exec(&sim, &["web", "--", "sh", "-c", "nosuch"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(text(&out.stderr).contains("sh: 1: nosuch: not found"), "{}", text(&out.stderr));
    // Outside a shell containerd cannot start a missing program: kubectl reports an internal error, exit 1.
    let out = exec(&sim, &["web", "--", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: Internal error occurred: error executing command in container")
            && err.contains("exec: \"nosuch\": executable file not found in $PATH"),
        "{err}"
    );

    let out = exec(&sim, &["web", "-c", "nope", "--", "hostname"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("container nope is not valid for pod web"), "{}", text(&out.stderr));
    let log = sim.request_log_lines();
    assert!(
        log.iter().any(|e| e["path"] == "/api/v1/namespaces/default/pods/web/exec"
            && e["verb"] == "create"
            && e["status"] == 101),
        "exec is logged as create"
    );
}

#[test]
fn a_viewer_may_not_exec() {
    require_kubectl!();
    let sim = with_pods();
    let out = exec(&sim, &["--context=gpudeck-sim-readonly", "web", "--", "hostname"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("pods \"web\" is forbidden: User \"gpudeck-viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\""),
        "{err}"
    );
}

#[test]
fn nvidia_smi_lists_the_gpus_the_pod_holds() {
    require_kubectl!();
    let sim = with_pods();
    let out = exec(&sim, &["train", "--", "nvidia-smi", "-L"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    for (i, line) in lines.iter().enumerate() {
        assert!(line.starts_with(&format!("GPU {i}: NVIDIA H100 80GB HBM3 (UUID: GPU-")), "{line}");
    }
    // The same GPUs the DCGM exporter attributes to the pod.
    let metrics = sim.kubectl_ok(&[
        "get",
        "--raw",
        "/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/metrics",
    ]);
    let mut exported: Vec<String> = metrics
        .lines()
        .filter(|l| l.starts_with("DCGM_FI_DEV_GPU_UTIL{") && l.contains("pod=\"train\""))
        .filter_map(|l| l.split("UUID=\"").nth(1)?.split('"').next().map(str::to_string))
        .collect();
    let mut listed: Vec<String> =
        lines.iter().filter_map(|l| l.split("(UUID: ").nth(1)).map(|u| u.trim_end_matches(')').to_string()).collect();
    exported.sort();
    listed.sort();
    assert_eq!(listed, exported);
    let table = text(&exec(&sim, &["train", "--", "nvidia-smi"]).stdout);
    assert!(table.contains("NVIDIA-SMI 550.127.05") && table.matches("NVIDIA H100 80GB HBM3").count() == 2, "{table}");
    // A container without GPUs has no nvidia-smi at all.
    assert_eq!(exec(&sim, &["web", "--", "sh", "-c", "nvidia-smi"]).status.code(), Some(127));
}

#[test]
fn piped_stdin_drives_a_shell() {
    require_kubectl!();
    let sim = with_pods();
    let out = with_stdin(&sim, &["exec", "-i", "web", "--", "sh"], "echo hi\nexit 4\n");
    assert_eq!(text(&out.stdout), "hi\n");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // stdin closing ends the shell with its last status (v5's close signal).
    let out = with_stdin(&sim, &["exec", "-i", "web", "-c", "side", "--", "sh"], "hostname\n");
    assert_eq!((text(&out.stdout).as_str(), out.status.code()), ("web\n", Some(0)));
    // Every session went over WebSocket: kubectl never had to fall back to SPDY (a POST).
    let log = sim.request_log_lines();
    assert!(log.iter().any(|e| e["path"] == "/api/v1/namespaces/default/pods/web/exec" && e["method"] == "GET"));
    assert!(!log.iter().any(|e| e["path"] == "/api/v1/namespaces/default/pods/web/exec" && e["method"] == "POST"));
}

/// Drives `kubectl ARGS` on a pty sized 30x100: types `stty size`, resizes to 40x120, types it again, exits 5.
const PTY_DRIVER: &str = r##"
import fcntl, os, pty, select, signal, struct, sys, termios, time
def size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    size(sys.stdout.fileno(), 30, 100)
    os.execvp("kubectl", ["kubectl"] + sys.argv[1:])
seen = b""
def until(want, timeout=20):
    global seen
    end = time.time() + timeout
    while want not in seen and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    if want not in seen:
        sys.stdout.write(seen.decode(errors="replace")); sys.exit("missing %r" % want)
until(b"# ")
# kubectl sends the terminal's size on its own goroutine, racing the prompt: give it the time a person would.
time.sleep(1)
os.write(fd, b"stty size\r")
until(b"30 100")
size(fd, 40, 120); os.kill(pid, signal.SIGWINCH); time.sleep(1)
os.write(fd, b"stty size\r")
until(b"40 120")
os.write(fd, b"exit 5\r")
_, status = os.waitpid(pid, 0)
try:
    seen += os.read(fd, 65536)
except OSError:
    pass
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status) + 100)
"##;

#[test]
fn a_terminal_session_prompts_echoes_and_follows_resizes() {
    require_kubectl!();
    let sim = with_pods();
    let out = sim.client_cmd("python3", &["-c", PTY_DRIVER, "exec", "-it", "web", "--", "bash"]).output().unwrap();
    let screen = text(&out.stdout);
    assert_eq!(out.status.code(), Some(105), "kubectl exits with the shell's status: {screen}{}", text(&out.stderr));
    assert!(screen.contains("root@web:/# stty size\r\n30 100\r\n"), "{screen:?}");
    assert!(screen.contains("40 120\r\n"), "{screen:?}");
}

#[test]
fn attach_shows_the_containers_output_and_takes_stdin() {
    require_kubectl!();
    let sim = with_pods();
    // Attach shows the container's recent output: wait until it has written some (a container that started a
    // moment ago has none yet, and the check below would race its first line).
    let written = sim.eventually(Duration::from_secs(20), || {
        let out = sim.kubectl(&["logs", "web", "-c", "side", "--tail=1"]);
        (!out.stdout.is_empty()).then_some(())
    });
    assert!(written.is_some(), "the sidecar writes its log");
    let out = with_stdin(&sim, &["attach", "-i", "web", "-c", "side"], "hostname\nexit\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.ends_with("web\n"), "{shown}");
    assert!(shown.lines().count() >= 2, "recent output comes first: {shown}");
    let log = sim.request_log_lines();
    assert!(log.iter().any(|e| e["path"] == "/api/v1/namespaces/default/pods/web/attach" && e["verb"] == "create"));
}

#[test]
fn kube_rs_exec_reports_output_and_exit_status() {
    let sim = with_pods_no_kubectl();
    sim.rt.block_on(async {
        let client = common::console::client_for(&sim, None).await;
        let pods: Api<Pod> = Api::namespaced(client, "default");
        let mut process = pods
            .exec("web", ["sh", "-c", "hostname; nosuch"], &AttachParams::default().container("main"))
            .await
            .expect("exec upgrades");
        let (mut stdout, mut stderr) = (process.stdout().unwrap(), process.stderr().unwrap());
        let status = process.take_status().unwrap();
        let (mut out, mut err) = (String::new(), String::new());
        stdout.read_to_string(&mut out).await.unwrap();
        stderr.read_to_string(&mut err).await.unwrap();
        let status = status.await.expect("a status");
        assert_eq!(out, "web\n");
        assert_eq!(err, "sh: 1: nosuch: not found\n");
        assert_eq!(status.status.as_deref(), Some("Failure"));
        assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
        let causes = status.details.and_then(|d| d.causes).unwrap_or_default();
        assert_eq!(causes[0].message.as_deref(), Some("127"));
        process.join().await.expect("the session ends cleanly");

        let mut ok = pods.exec("web", ["true"], &AttachParams::default().container("main")).await.unwrap();
        let status = ok.take_status().unwrap().await.expect("a status");
        assert_eq!(status.status.as_deref(), Some("Success"));
    });
}

/// The kube-rs test needs no kubectl: its pods are created through the API.
fn with_pods_no_kubectl() -> TestSim {
    let sim = cluster();
    sim.rt.block_on(async {
        let client = common::console::client_for(&sim, None).await;
        let pods: Api<Pod> = Api::namespaced(client, "default");
        for doc in PODS.split("---\n").take(1) {
            let pod: Pod = serde_saphyr::from_str(doc).unwrap();
            pods.create(&kube::api::PostParams::default(), &pod).await.unwrap();
        }
        for _ in 0..120 {
            let pod = pods.get("web").await.unwrap();
            if pod.status.and_then(|s| s.phase).as_deref() == Some("Running") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("web never ran");
    });
    sim
}

#[test]
fn kubectl_debug_adds_an_ephemeral_container_and_attaches_to_it() {
    require_kubectl!();
    let sim = with_pods();
    let out = sim.kubectl(&["debug", "web", "--image=busybox:1.36", "--target=main"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let name = sim.kubectl_ok(&["get", "pod", "web", "-o", "jsonpath={.spec.ephemeralContainers[0].name}"]);
    assert!(name.starts_with("debugger-"), "{name}");
    let state = sim.kubectl_ok(&["get", "pod", "web", "-o", "jsonpath={.status.ephemeralContainerStatuses[0].state}"]);
    assert!(state.contains("running"), "{state}");
    let hostname = sim.kubectl_ok(&["exec", "web", "-c", &name, "--", "hostname"]);
    assert_eq!(hostname, "web\n", "the debug container shares the pod's hostname");
    // -i attaches to the new container and its shell reads what is typed.
    let mut child = sim
        .kubectl_cmd(&["debug", "-i", "web", "--image=busybox:1.36", "--", "sh"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"echo from-debug\nexit\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(text(&out.stdout).contains("from-debug"), "{}{}", text(&out.stdout), text(&out.stderr));
    let names = sim.kubectl_ok(&["get", "pod", "web", "-o", "jsonpath={.spec.ephemeralContainers[*].name}"]);
    assert_eq!(names.split_whitespace().count(), 2, "{names}");
}
