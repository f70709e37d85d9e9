//! Real kubectl against `gpudeck sim`: printing, watch, describe, logs, scale, server-side apply, diff, top, RBAC.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{TestSim, read_until};

fn first_pod(sim: &TestSim, ns: &str, selector: &str) -> String {
    sim.kubectl_ok(&["get", "pods", "-n", ns, "-l", selector, "-o", "jsonpath={.items[0].metadata.name}"])
}

#[test]
fn get_prints_server_side_tables() {
    require_kubectl!();
    let sim = TestSim::demo();
    let nodes = sim.kubectl_ok(&["get", "nodes"]);
    assert!(nodes.starts_with("NAME"), "{nodes}");
    assert!(nodes.lines().any(|l| l.starts_with("gpu-a100-04") && l.contains("NotReady")), "{nodes}");
    assert!(nodes.lines().any(|l| l.starts_with("cpu-01") && l.contains("control-plane")), "{nodes}");
    assert_eq!(nodes.lines().count(), 13);

    let pods = sim.kubectl_ok(&["get", "pods", "-A"]);
    let header: Vec<&str> = pods.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    for status in ["CrashLoopBackOff", "ImagePullBackOff", "Pending", "Completed", "Error", "Running"] {
        assert!(pods.contains(status), "no {status} pod in:\n{pods}");
    }
    assert!(
        pods.lines().any(|l| l.starts_with("ml-serve") && l.contains("reranker")),
        "namespaces come from row objects"
    );

    let wide = sim.kubectl_ok(&["get", "pods", "-n", "ml-serve", "-o", "wide"]);
    assert!(wide.lines().next().unwrap_or_default().contains("NOMINATED NODE"), "{wide}");
    assert!(wide.contains("gpu-h100-"), "{wide}");

    let yaml = sim.kubectl_ok(&["get", "pods", "-n", "ml-train", "-o", "yaml"]);
    let doc: serde_json::Value = serde_saphyr::from_str(&yaml).expect("kubectl -o yaml parses");
    assert_eq!(doc["kind"], "List");
    assert!(doc["items"].as_array().is_some_and(|i| i.len() > 20));
    assert!(doc["items"][0]["metadata"]["resourceVersion"].is_string());

    let jobs = sim.kubectl_ok(&["get", "jobs", "-n", "ml-train"]);
    assert!(jobs.lines().any(|l| l.starts_with("bert-pretrain-bad-config") && l.contains("Failed")), "{jobs}");
    assert!(jobs.lines().any(|l| l.starts_with("data-prep-") && l.contains("Complete") && l.contains("3/3")), "{jobs}");
    let all = sim.kubectl_ok(&["get", "all", "-n", "ml-serve"]);
    assert!(
        all.contains("deployment.apps/llm-inference")
            && all.contains("replicaset.apps/")
            && all.contains("statefulset.apps/vector-db"),
        "{all}"
    );
}

#[test]
fn watch_sees_pods_created_by_a_scale() {
    require_kubectl!();
    let sim = TestSim::demo();
    let child = sim
        .kubectl_cmd(&["get", "pods", "-n", "kube-system", "-l", "app=coredns", "-w", "--output-watch-events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl -w starts");
    // Let the watch list and start before the change.
    std::thread::sleep(Duration::from_secs(2));
    // coredns runs on cpu-01: new pods in the cpu pool land on cpu-02, where Calico is down and no sandbox starts.
    sim.kubectl_ok(&["scale", "deploy/coredns", "-n", "kube-system", "--replicas=4"]);
    let lines = read_until(child, Duration::from_secs(20), |lines| {
        lines.iter().filter(|l| l.starts_with("MODIFIED") && l.contains("Running")).count() >= 2
    });
    let added = lines.iter().filter(|l| l.starts_with("ADDED")).count();
    assert!(added >= 4, "initial 2 plus 2 new pods ADDED, got:\n{}", lines.join("\n"));
    assert!(lines.iter().any(|l| l.starts_with("MODIFIED") && l.contains("Running")), "{}", lines.join("\n"));
}

/// `kubectl describe pod` output once it contains `needle` (events are recorded as the cluster moves).
fn describe_until(sim: &TestSim, pod: &str, needle: &str, seconds: u64) -> String {
    sim.eventually(Duration::from_secs(seconds), || {
        let out = sim.kubectl_ok(&["describe", "pod", "-n", "ml-serve", pod]);
        out.contains(needle).then_some(out)
    })
    .unwrap_or_else(|| panic!("{needle} never showed in describe pod {pod}"))
}

#[test]
fn describe_lists_events() {
    require_kubectl!();
    let sim = TestSim::demo();
    let pending = first_pod(&sim, "ml-serve", "app=llm-70b-eval");
    let text = describe_until(&sim, &pending, "FailedScheduling", 15);
    assert!(text.contains("Insufficient nvidia.com/gpu"), "{text}");
    let crashing = first_pod(&sim, "ml-serve", "app=tokenizer");
    let text = describe_until(&sim, &crashing, "Back-off restarting failed container", 20);
    assert!(text.contains("CrashLoopBackOff"), "{text}");
    assert!(text.contains("Last State:     Terminated"), "{text}");
    let node = sim.kubectl_ok(&["describe", "node", "gpu-h100-01"]);
    assert!(node.contains("nvidia.com/gpu:") && node.contains("Non-terminated Pods:"), "{node}");
}

#[test]
fn logs_tail_previous_timestamps_and_follow() {
    require_kubectl!();
    let sim = TestSim::demo();
    let trainer = first_pod(&sim, "ml-train", "job-name=llama3-finetune");
    let tail = sim.kubectl_ok(&["logs", "-n", "ml-train", &trainer, "--tail=3"]);
    assert_eq!(tail.lines().count(), 3, "{tail}");
    assert!(tail.lines().all(|l| l.starts_with("epoch ") && l.contains(" loss ")), "{tail}");
    let stamped = sim.kubectl_ok(&["logs", "-n", "ml-train", &trainer, "--tail=1", "--timestamps"]);
    assert!(stamped.starts_with("20") && stamped.contains("Z epoch"), "{stamped}");

    let crashing = first_pod(&sim, "ml-serve", "app=tokenizer");
    let previous = sim.kubectl_ok(&["logs", "-n", "ml-serve", &crashing, "--previous"]);
    assert!(previous.contains("CUDA out of memory"), "{previous}");
    let web = first_pod(&sim, "ml-serve", "app=web");
    let out = sim.kubectl(&["logs", "-n", "ml-serve", &web, "--previous"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("previous terminated container \"web\" in pod \"{web}\" not found"))
    );

    let child = sim
        .kubectl_cmd(&["logs", "-f", "-n", "ml-train", &trainer, "--tail=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("logs -f");
    let lines = read_until(child, Duration::from_secs(10), |l| l.len() >= 4);
    assert!(lines.len() >= 4, "follow streamed new lines: {lines:?}");
    let steps: Vec<u64> =
        lines.iter().filter_map(|l| l.split_whitespace().nth(3)?.split('/').next()?.parse().ok()).collect();
    assert!(steps.windows(2).all(|w| w[1] == w[0] + 1), "consecutive steps: {steps:?}");
}

#[test]
fn scale_creates_running_pods() {
    require_kubectl!();
    let sim = TestSim::demo();
    // Not feature-api, which its autoscaler holds between 4 and 12, nor the cpu pool, whose new pods land on
    // cpu-02 where Calico is down: coredns runs on cpu-01.
    let out = sim.kubectl_ok(&["scale", "deploy/coredns", "-n", "kube-system", "--replicas=15"]);
    assert_eq!(out.trim(), "deployment.apps/coredns scaled");
    let ready = sim.eventually(Duration::from_secs(20), || {
        let r = sim.kubectl_ok(&[
            "get",
            "deploy",
            "coredns",
            "-n",
            "kube-system",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ]);
        (r.trim() == "15").then_some(r)
    });
    assert!(ready.is_some(), "15 ready replicas");
    let pods = sim.kubectl_ok(&["get", "pods", "-n", "kube-system", "-l", "app=coredns", "--no-headers"]);
    assert_eq!(pods.lines().filter(|l| l.contains("Running")).count(), 15, "{pods}");
    sim.kubectl_ok(&["scale", "deploy/coredns", "-n", "kube-system", "--replicas=2"]);
    let gone = sim.eventually(Duration::from_secs(20), || {
        let pods = sim.kubectl_ok(&["get", "pods", "-n", "kube-system", "-l", "app=coredns", "--no-headers"]);
        (pods.lines().count() == 2).then_some(())
    });
    assert!(gone.is_some(), "scaled down to 2 pods");
    let events =
        sim.kubectl_ok(&["get", "events", "-n", "kube-system", "--field-selector", "reason=ScalingReplicaSet"]);
    assert!(events.contains("from 15 to 2"), "{events}");
}

fn write(sim: &TestSim, name: &str, text: &str) -> String {
    let path = sim.dir.path().join(name);
    std::fs::write(&path, text).expect("write manifest");
    path.to_string_lossy().into_owned()
}

const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ml-serve\ndata:\n  LOG_LEVEL: info\n  BATCH: \"32\"\n";

#[test]
fn server_side_apply_conflicts_and_dry_run() {
    require_kubectl!();
    let sim = TestSim::demo();
    let file = write(&sim, "cm.yaml", CONFIG);
    assert_eq!(
        sim.kubectl_ok(&["apply", "--server-side", "-f", &file]).trim(),
        "configmap/app-config serverside-applied"
    );
    // ops-bot manages LOG_LEVEL only.
    let other = write(
        &sim,
        "cm2.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ml-serve\ndata:\n  LOG_LEVEL: debug\n",
    );
    let conflict = sim.kubectl(&["apply", "--server-side", "--field-manager=ops-bot", "-f", &other]);
    assert!(!conflict.status.success());
    let err = String::from_utf8_lossy(&conflict.stderr);
    assert!(err.contains("conflict with \"kubectl\"") && err.contains(".data.LOG_LEVEL"), "{err}");

    let dry = sim.kubectl_ok(&[
        "apply",
        "--server-side",
        "--dry-run=server",
        "--force-conflicts",
        "--field-manager=ops-bot",
        "-f",
        &other,
    ]);
    assert!(dry.contains("(server dry run)"), "{dry}");
    assert_eq!(
        sim.kubectl_ok(&["get", "cm", "app-config", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]),
        "info"
    );

    sim.kubectl_ok(&["apply", "--server-side", "--force-conflicts", "--field-manager=ops-bot", "-f", &other]);
    assert_eq!(
        sim.kubectl_ok(&["get", "cm", "app-config", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]),
        "debug"
    );
    let managers = sim.kubectl_ok(&[
        "get",
        "cm",
        "app-config",
        "-n",
        "ml-serve",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert!(managers.contains("ops-bot") && managers.contains("kubectl"), "{managers}");

    // kubectl now owns BATCH alone: dropping it from kubectl's apply deletes it; LOG_LEVEL stays with ops-bot.
    let fewer = write(
        &sim,
        "cm3.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ml-serve\ndata: {}\n",
    );
    sim.kubectl_ok(&["apply", "--server-side", "-f", &fewer]);
    assert_eq!(sim.kubectl_ok(&["get", "cm", "app-config", "-n", "ml-serve", "-o", "jsonpath={.data.BATCH}"]), "");
    assert_eq!(
        sim.kubectl_ok(&["get", "cm", "app-config", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]),
        "debug"
    );
}

#[test]
fn diff_server_side_exits_one_on_changes() {
    require_kubectl!();
    let sim = TestSim::demo();
    let file = write(&sim, "cm.yaml", CONFIG);
    sim.kubectl_ok(&["apply", "--server-side", "-f", &file]);
    let same = sim.kubectl(&["diff", "--server-side", "-f", &file]);
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stdout));
    let changed = write(&sim, "cm2.yaml", &CONFIG.replace("\"32\"", "\"64\""));
    let diff = sim.kubectl(&["diff", "--server-side", "-f", &changed]);
    assert_eq!(diff.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&diff.stderr));
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(text.contains("-  BATCH: \"32\"") && text.contains("+  BATCH: \"64\""), "{text}");
    // Nothing was written.
    assert_eq!(sim.kubectl_ok(&["get", "cm", "app-config", "-n", "ml-serve", "-o", "jsonpath={.data.BATCH}"]), "32");
}

#[test]
fn top_nodes_and_pods() {
    require_kubectl!();
    let sim = TestSim::demo();
    let nodes = sim.kubectl_ok(&["top", "nodes"]);
    let header: Vec<&str> = nodes.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    assert!(nodes.lines().any(|l| l.starts_with("gpu-h100-01")), "{nodes}");
    assert!(
        !nodes.lines().any(|l| l.starts_with("gpu-a100-04 ") && !l.contains("<unknown>")),
        "NotReady node has no metrics: {nodes}"
    );
    let pods = sim.kubectl_ok(&["top", "pods", "-n", "ml-serve"]);
    assert!(pods.lines().any(|l| l.starts_with("llm-inference-")), "{pods}");
}

#[test]
fn read_only_token_is_forbidden_to_write() {
    require_kubectl!();
    let sim = TestSim::demo();
    let ctx = "--context=gpudeck-sim-readonly";
    assert!(sim.kubectl_ok(&[ctx, "get", "pods", "-n", "ml-serve"]).contains("llm-inference"));
    let scale = sim.kubectl(&[ctx, "scale", "deploy/web", "-n", "ml-serve", "--replicas=3"]);
    assert!(!scale.status.success());
    let err = String::from_utf8_lossy(&scale.stderr);
    assert!(
        err.contains("Forbidden")
            && err.contains(
                "cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ml-serve\""
            ),
        "{err}"
    );
    let pod = first_pod(&sim, "ml-serve", "app=web");
    let delete = sim.kubectl(&[ctx, "delete", "pod", "-n", "ml-serve", &pod]);
    let err = String::from_utf8_lossy(&delete.stderr);
    assert!(
        err.contains(&format!("pods \"{pod}\" is forbidden: User \"gpudeck-viewer\" cannot delete resource \"pods\"")),
        "{err}"
    );
    let log = sim.request_log_lines();
    assert!(
        log.iter().any(|e| e["verb"] == "delete" && e["status"] == 403 && e["user"] == "gpudeck-viewer"),
        "request log records the refusal"
    );
    assert!(log.iter().all(|e| e["time"].is_string() && e["method"].is_string() && e["path"].is_string()));
}

#[test]
fn older_kubectl_negotiates_v2beta1_discovery() {
    require_kubectl!();
    // The Cloud SDK ships older clients beside the dispatcher; 1.29 asks only for aggregated discovery v2beta1.
    let old = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29";
    if !std::path::Path::new(old).exists() {
        eprintln!("SKIPPED: {old} not installed");
        return;
    }
    let sim = TestSim::demo();
    let out = sim.client_cmd(old, &["get", "ns"]).output().expect("kubectl 1.29 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.lines().any(|l| l.starts_with("ml-train") && l.contains("Active")), "{text}");
    assert!(sim.request_log_lines().iter().any(|e| e["path"] == "/apis" && e["status"] == 200));
}
