//! Real kubectl against the sim for what breaks between the pods: node Leases and a stopped kubelet, the
//! kubelet's stats summary through the node proxy, HPA status, a CNI that is down on one node, TLS Secrets by
//! field selector, a Service without endpoints and a claim on a missing class.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{TestSim, read_until};
use serde_json::Value;

const VIEWER: &str = "--context=gpudeck-sim-readonly";

fn json(sim: &TestSim, args: &[&str]) -> Value {
    serde_json::from_str(&sim.kubectl_ok(args)).expect("kubectl prints JSON")
}

fn condition(node: &Value, kind: &str) -> Value {
    node["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == kind).cloned().unwrap()
}

#[test]
fn node_leases_renew_until_a_kubelet_stops_and_the_node_goes_unknown() {
    require_kubectl!();
    let sim = TestSim::demo();
    let describe = sim.kubectl_ok(&["describe", "node", "cpu-01"]);
    let lease = describe.split("Lease:").nth(1).unwrap_or_else(|| panic!("no Lease section: {describe}"));
    assert!(lease.contains("HolderIdentity:  cpu-01"), "{lease}");
    assert!(lease.contains("AcquireTime:     <unset>"), "the kubelet sets no acquireTime: {lease}");
    assert!(lease.lines().any(|l| l.trim_start().starts_with("RenewTime:") && l.contains("+0000")), "{lease}");
    assert!(!describe.contains("Failed to get lease"), "{describe}");
    let got = json(&sim, &["get", "lease", "-n", "kube-node-lease", "cpu-01", "-o", "json"]);
    assert_eq!(got["spec"]["leaseDurationSeconds"], 40);
    assert_eq!(got["metadata"]["ownerReferences"][0]["kind"], "Node");
    let renew = got["spec"]["renewTime"].as_str().unwrap().to_string();
    assert_eq!(renew.split('.').nth(1).map(str::len), Some(7), "microseconds and Z: {renew}");
    // The demo's lost node stopped renewing long ago.
    let lost = sim.kubectl_ok(&["describe", "node", "gpu-a100-04"]);
    assert!(lost.contains("Kubelet stopped posting node status."), "{lost}");

    // A shorter grace period than 1.32's 50 s default keeps the test quick; it stays above the 10 s renewals.
    sim.faults(r#"{"stopKubelets": ["gpu-h100-01"], "nodeMonitorGracePeriodSeconds": 20}"#);
    let lease_of = || {
        json(&sim, &["get", "lease", "-n", "kube-node-lease", "gpu-h100-01", "-o", "json"])["spec"]["renewTime"].clone()
    };
    let stopped_at = lease_of();
    let started = Instant::now();
    let node = sim
        .eventually(Duration::from_secs(60), || {
            let node = json(&sim, &["get", "node", "gpu-h100-01", "-o", "json"]);
            (condition(&node, "Ready")["status"] == "Unknown").then_some(node)
        })
        .expect("the node goes Unknown");
    assert!(started.elapsed() >= Duration::from_secs(9), "not before the grace period: {:?}", started.elapsed());
    assert_eq!(lease_of(), stopped_at, "a stopped kubelet renews nothing");
    for kind in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
        let c = condition(&node, kind);
        assert_eq!((c["status"].as_str(), c["reason"].as_str()), (Some("Unknown"), Some("NodeStatusUnknown")), "{c}");
        assert_eq!(c["message"], "Kubelet stopped posting node status.");
    }
    let taints: Vec<String> = node["spec"]["taints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("{}:{}", t["key"].as_str().unwrap(), t["effect"].as_str().unwrap()))
        .collect();
    assert!(taints.contains(&"node.kubernetes.io/unreachable:NoSchedule".to_string()), "{taints:?}");
    assert!(taints.contains(&"node.kubernetes.io/unreachable:NoExecute".to_string()), "{taints:?}");
    let nodes = sim.kubectl_ok(&["get", "nodes"]);
    assert!(nodes.lines().any(|l| l.starts_with("gpu-h100-01 ") && l.contains(" NotReady ")), "{nodes}");
    let events =
        sim.kubectl_ok(&["get", "events", "-n", "default", "--field-selector", "involvedObject.name=gpu-h100-01"]);
    assert!(events.contains("Node gpu-h100-01 status is now: NodeNotReady"), "{events}");
    // Its kubelet cannot be reached either.
    let out = sim.kubectl(&["get", "--raw", "/api/v1/nodes/gpu-h100-01/proxy/stats/summary"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error trying to reach service: dial tcp")
            && stderr.contains(":10250: connect: connection refused"),
        "{stderr}"
    );

    sim.faults(r#"{"startKubelets": ["gpu-h100-01"]}"#);
    let back = sim.eventually(Duration::from_secs(30), || {
        let node = json(&sim, &["get", "node", "gpu-h100-01", "-o", "json"]);
        let ready = condition(&node, "Ready")["status"] == "True";
        let untainted = node["spec"]["taints"]
            .as_array()
            .is_none_or(|ts| ts.iter().all(|t| t["key"] != "node.kubernetes.io/unreachable"));
        (ready && untainted).then_some(())
    });
    assert!(back.is_some(), "the kubelet reports Ready again and the taints go");
    assert_ne!(lease_of(), stopped_at, "renewing again");
}

#[test]
fn stats_summary_through_the_node_proxy_reports_the_checkpoint_claim() {
    require_kubectl!();
    let sim = TestSim::demo();
    let node = sim.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        "ml-train",
        "-l",
        "app=llama3-finetune",
        "--field-selector",
        "status.phase=Running",
        "-o",
        "jsonpath={.items[0].spec.nodeName}",
    ]);
    assert!(node.starts_with("gpu-h100-"), "{node}");
    let path = format!("/api/v1/nodes/{node}/proxy/stats/summary");
    let summary = json(&sim, &["get", "--raw", &path]);
    assert_eq!(summary["node"]["nodeName"], node.as_str());
    assert!(summary["node"]["cpu"]["usageNanoCores"].as_u64().unwrap() > 0);
    assert!(summary["node"]["fs"]["capacityBytes"].as_u64().unwrap() > 0);
    let pods = summary["pods"].as_array().unwrap();
    assert!(pods.iter().all(|p| p["podRef"]["uid"].is_string() && p["startTime"].is_string()));
    let volume = pods
        .iter()
        .flat_map(|p| p["volume"].as_array().cloned().unwrap_or_default())
        .find(|v| v["pvcRef"]["name"] == "checkpoints")
        .unwrap_or_else(|| panic!("no checkpoints volume: {summary}"));
    assert_eq!(volume["pvcRef"]["namespace"], "ml-train");
    let (used, capacity) = (volume["usedBytes"].as_f64().unwrap(), volume["capacityBytes"].as_f64().unwrap());
    assert_eq!(capacity, 2400.0 * 1024.0 * 1024.0 * 1024.0);
    assert!((used / capacity - 0.93).abs() < 0.001, "{used} of {capacity}");
    assert_eq!(volume["availableBytes"].as_f64().unwrap(), capacity - used);
    for field in ["time", "inodes", "inodesFree", "inodesUsed"] {
        assert!(!volume[field].is_null(), "{field}: {volume}");
    }

    let out = sim.kubectl(&[VIEWER, "get", "--raw", &path]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let forbidden = format!(
        "Error from server (Forbidden): nodes \"{node}\" is forbidden: User \"gpudeck-viewer\" cannot get resource \"nodes/proxy\" in API group \"\" at the cluster scope"
    );
    assert!(stderr.contains(&forbidden), "{stderr}");

    sim.faults(&format!(r#"{{"statsSummaryFaults": {{"{node}": "refuse"}}}}"#));
    let refused = sim.kubectl(&["get", "--raw", &path]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("connect: connection refused"));
    sim.faults(&format!(r#"{{"statsSummaryFaults": {{"{node}": "timeout"}}}}"#));
    let started = Instant::now();
    let hung = sim.kubectl(&["get", "--raw", &path, "--request-timeout=2s"]);
    assert!(!hung.status.success(), "the kubelet never answers");
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    sim.faults(&format!(r#"{{"statsSummaryFaults": {{"{node}": null}}}}"#));
    assert!(sim.kubectl(&["get", "--raw", &path]).status.success());
}

#[test]
fn the_pinned_autoscaler_shows_its_target_and_conditions() {
    require_kubectl!();
    let sim = TestSim::demo();
    let table = sim.kubectl_ok(&["get", "hpa", "-n", "ml-serve"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"], "{table}");
    let row = table.lines().find(|l| l.starts_with("feature-api ")).unwrap_or_else(|| panic!("{table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1..3], ["Deployment/feature-api", "cpu:"], "{row}");
    let (current, target) = cells[3].split_once('/').unwrap();
    assert_eq!(target, "70%", "{row}");
    let percent: u32 = current.trim_end_matches('%').parse().unwrap_or_else(|_| panic!("{row}"));
    assert!((150..=210).contains(&percent), "{row}");
    assert_eq!(cells[4..7], ["4", "12", "12"], "{row}");
    let describe = sim.kubectl_ok(&["describe", "hpa", "-n", "ml-serve", "feature-api"]);
    assert!(describe.contains("resource cpu on pods  (as a percentage of request):"), "{describe}");
    assert!(describe.contains("Deployment pods:") && describe.contains("12 current / 12 desired"), "{describe}");
    let limited =
        describe.lines().find(|l| l.trim_start().starts_with("ScalingLimited")).unwrap_or_else(|| panic!("{describe}"));
    assert!(
        limited.contains("True")
            && limited.contains("TooManyReplicas")
            && limited.contains("the desired replica count is more than the maximum replica count"),
        "{limited}"
    );
    assert!(describe.contains("ValidMetricFound"), "{describe}");
    // Limited since 40 minutes ago, and the controller keeps that time while the condition holds.
    let hpa = json(&sim, &["get", "hpa", "-n", "ml-serve", "feature-api", "-o", "json"]);
    let since = hpa["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "ScalingLimited").unwrap()
        ["lastTransitionTime"]
        .clone();
    let since = gpudeck::sim::clock::parse_rfc3339(since.as_str().unwrap()).unwrap();
    let age = gpudeck::sim::clock::now_f64() - since;
    assert!((2300.0..2600.0).contains(&age), "{age}");
}

#[test]
fn a_node_whose_cni_is_down_gives_new_pods_no_sandbox() {
    require_kubectl!();
    let sim = TestSim::demo();
    let on_node = sim.kubectl_ok(&["get", "pods", "-n", "ml-train", "--field-selector", "spec.nodeName=cpu-02"]);
    let creating: Vec<&str> = on_node.lines().filter(|l| l.contains(" ContainerCreating ")).collect();
    assert_eq!(creating.len(), 2, "{on_node}");
    assert!(creating.iter().all(|l| l.starts_with("eval-nightly-") && l.contains(" 0/1 ")), "{on_node}");
    let calico = sim.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        "kube-system",
        "-l",
        "k8s-app=calico-node",
        "--field-selector",
        "spec.nodeName=cpu-02",
    ]);
    assert!(calico.contains("CrashLoopBackOff"), "{calico}");
    let wanted = "plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/";
    let events = sim
        .eventually(Duration::from_secs(20), || {
            let out = sim.kubectl_ok(&["get", "events", "-A", "--field-selector", "reason=FailedCreatePodSandBox"]);
            (out.contains(
                "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox",
            ) && out.contains(wanted))
            .then_some(out)
        })
        .expect("sandbox failures are reported");
    assert!(events.lines().all(|l| l.starts_with("NAMESPACE") || l.contains("Warning")), "{events}");

    // The rule is the kubelet's, not the scenario's: a pod pinned there now is stuck too.
    sim.kubectl_ok(&[
        "run",
        "pinned",
        "-n",
        "default",
        "--image=nginx:1.27",
        "--overrides",
        r#"{"apiVersion":"v1","spec":{"nodeName":"cpu-02"}}"#,
    ]);
    let stuck = sim.eventually(Duration::from_secs(20), || {
        let events = sim.kubectl_ok(&[
            "get",
            "events",
            "-n",
            "default",
            "--field-selector",
            "involvedObject.name=pinned,reason=FailedCreatePodSandBox",
        ]);
        events.contains(wanted).then_some(())
    });
    assert!(stuck.is_some(), "pinned gets the sandbox error");
    let pod = sim.kubectl_ok(&["get", "pod", "pinned", "-n", "default"]);
    assert!(pod.lines().nth(1).is_some_and(|l| l.contains(" ContainerCreating ")), "{pod}");
}

#[test]
fn tls_secrets_are_listed_and_watched_by_type() {
    require_kubectl!();
    let sim = TestSim::demo();
    let listed = sim.kubectl_ok(&["get", "secrets", "-A", "--field-selector", "type=kubernetes.io/tls", "-o", "name"]);
    assert_eq!(listed.trim(), "secret/llm-gateway-tls");
    let secret = json(&sim, &["get", "secret", "-n", "ml-serve", "llm-gateway-tls", "-o", "json"]);
    use base64::Engine;
    let pem = base64::engine::general_purpose::STANDARD.decode(secret["data"]["tls.crt"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8(pem).unwrap().starts_with("-----BEGIN CERTIFICATE-----"));

    let child = sim
        .kubectl_cmd(&[
            "get",
            "secrets",
            "-n",
            "default",
            "--field-selector",
            "type=kubernetes.io/tls",
            "-w",
            "-o",
            "name",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl watch starts");
    std::thread::sleep(Duration::from_secs(2));
    let manifest = sim.dir.path().join("secrets.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\n  namespace: default\ntype: Opaque\ndata:\n  k: dg==\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n  namespace: default\ntype: kubernetes.io/tls\ndata:\n  tls.crt: \"\"\n  tls.key: \"\"\n",
    )
    .unwrap();
    sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);
    let lines = read_until(child, Duration::from_secs(15), |l| l.iter().any(|x| x.contains("web-tls")));
    assert_eq!(lines, ["secret/web-tls"], "only the TLS Secret passes the selector");
}

#[test]
fn a_service_selecting_no_pods_has_an_empty_slice_and_a_claim_on_a_missing_class_waits() {
    require_kubectl!();
    let sim = TestSim::demo();
    let slices = sim
        .eventually(Duration::from_secs(10), || {
            let out = sim.kubectl_ok(&[
                "get",
                "endpointslices",
                "-n",
                "ml-serve",
                "-l",
                "kubernetes.io/service-name=llm-gateway",
            ]);
            (out.lines().count() == 2).then_some(out)
        })
        .expect("one slice for the gateway");
    let row: Vec<&str> = slices.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!((row[1], row[3]), ("IPv4", "<unset>"), "{slices}");
    let listed = json(
        &sim,
        &["get", "endpointslices", "-n", "ml-serve", "-l", "kubernetes.io/service-name=llm-gateway", "-o", "json"],
    );
    // EndpointSlice.endpoints has no omitempty: a slice with none says null, as the real controller's does.
    assert!(listed["items"][0]["endpoints"].is_null(), "{listed}");
    let ingress = sim.kubectl_ok(&["get", "ingress", "-n", "ml-serve", "llm-gateway"]);
    assert!(
        ingress.contains("nginx") && ingress.contains("llm.acme.example") && ingress.contains("80, 443"),
        "{ingress}"
    );
    // Behind the default deny, ml-train's notebook Service still has ready endpoints.
    let notebook = sim.eventually(Duration::from_secs(10), || {
        let out = sim.kubectl_ok(&[
            "get",
            "endpointslices",
            "-n",
            "ml-train",
            "-l",
            "kubernetes.io/service-name=notebook",
            "-o",
            "jsonpath={.items[*].endpoints[*].conditions.ready}",
        ]);
        out.contains("true").then_some(out)
    });
    assert!(notebook.is_some());
    let policy = sim.kubectl_ok(&[
        "get",
        "networkpolicy",
        "-n",
        "ml-train",
        "default-deny-ingress",
        "-o",
        "jsonpath={.spec.policyTypes}",
    ]);
    assert_eq!(policy, r#"["Ingress"]"#);

    let described = sim
        .eventually(Duration::from_secs(10), || {
            let out = sim.kubectl_ok(&["describe", "pvc", "-n", "ml-train", "scratch-fast"]);
            out.contains("ProvisioningFailed").then_some(out)
        })
        .expect("the binder says why");
    assert!(described.contains("storageclass.storage.k8s.io \"fast-nvme\" not found"), "{described}");
    assert!(described.contains("Status:        Pending"), "{described}");
}
