//! Real kubectl acting on a GPU incident against `gpudeck sim`: cordon, drain with evictions and disruption
//! budgets, graceful and forced deletion, finalizers, cascades, and the typed `create` commands.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use gpudeck::sim::{Scenario, SimConfig};

/// A small empty cluster: gpu-0000..gpu-0007 (tainted for GPUs) and two plain CPU nodes, cpu-0008 and cpu-0009.
fn cluster() -> TestSim {
    TestSim::start(SimConfig { scenario: Scenario::Scale, nodes: 10, pods: 0, ..SimConfig::default() })
}

const CPU_NODES: [&str; 2] = ["cpu-0008", "cpu-0009"];

fn apply(sim: &TestSim, name: &str, yaml: &str) {
    let path = sim.dir.path().join(name);
    std::fs::write(&path, yaml).expect("write manifest");
    sim.kubectl_ok(&["apply", "-f", &path.to_string_lossy()]);
}

/// Both streams of a kubectl run, whatever its exit status.
fn kubectl_all(sim: &TestSim, args: &[&str]) -> (bool, String) {
    let out = sim.kubectl(args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn jsonpath(sim: &TestSim, args: &[&str], path: &str) -> String {
    let mut all: Vec<&str> = args.to_vec();
    let expr = format!("jsonpath={path}");
    all.extend(["-o", &expr]);
    let out = sim.kubectl(&all);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deployment(name: &str, extra_spec: &str, extra_pod: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: 1\n{extra_spec}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - {{name: main, image: nginx:1.27}}\n{extra_pod}"
    )
}

fn bare_pod(name: &str, node_selector: &str, annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: default\n  annotations: {{{annotations}}}\nspec:\n  nodeSelector: {{{node_selector}}}\n  containers:\n  - {{name: main, image: nginx:1.27}}\n"
    )
}

/// `(name, node)` of the running pods whose name starts with `prefix`.
fn running(sim: &TestSim, prefix: &str) -> Vec<(String, String)> {
    let out = jsonpath(
        sim,
        &["get", "pods", "-n", "default", "--field-selector=status.phase=Running"],
        r#"{range .items[*]}{.metadata.name} {.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}"#,
    );
    out.lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() == 2 && cols[0].starts_with(prefix)).then(|| (cols[0].to_string(), cols[1].to_string()))
        })
        .collect()
}

fn wait_running(sim: &TestSim, prefix: &str) -> (String, String) {
    sim.eventually(Duration::from_secs(20), || running(sim, prefix).into_iter().next())
        .unwrap_or_else(|| panic!("no running {prefix} pod"))
}

fn gone(sim: &TestSim, args: &[&str]) -> bool {
    let (ok, text) = kubectl_all(sim, args);
    !ok && text.contains("NotFound")
}

#[test]
fn cordon_steers_new_pods_away_until_uncordon() {
    require_kubectl!();
    let sim = cluster();
    assert_eq!(sim.kubectl_ok(&["cordon", "cpu-0008"]).trim(), "node/cpu-0008 cordoned");
    assert_eq!(jsonpath(&sim, &["get", "node", "cpu-0008"], "{.spec.unschedulable}"), "true");
    let taint = sim.eventually(Duration::from_secs(5), || {
        let t = jsonpath(&sim, &["get", "node", "cpu-0008"], "{.spec.taints[*].key}");
        t.contains("node.kubernetes.io/unschedulable").then_some(t)
    });
    assert!(taint.is_some(), "the node lifecycle controller taints a cordoned node");
    assert!(sim.kubectl_ok(&["describe", "node", "cpu-0008"]).contains("node.kubernetes.io/unschedulable:NoSchedule"));

    apply(&sim, "free.yaml", &bare_pod("free", "gpudeck.io/pool: cpu", ""));
    apply(&sim, "pinned.yaml", &bare_pod("pinned", "kubernetes.io/hostname: cpu-0008", ""));
    let (_, node) = wait_running(&sim, "free");
    assert_eq!(node, "cpu-0009", "a new pod avoids the cordoned node");
    let reason = sim.eventually(Duration::from_secs(10), || {
        let m = jsonpath(
            &sim,
            &["get", "pod", "pinned", "-n", "default"],
            r#"{.status.conditions[?(@.type=="PodScheduled")].message}"#,
        );
        (!m.is_empty()).then_some(m)
    });
    let reason = reason.expect("FailedScheduling recorded");
    assert!(reason.starts_with("0/10 nodes are available: "), "{reason}");
    assert!(reason.contains("1 node(s) were unschedulable"), "{reason}");
    let events = sim.kubectl_ok(&["get", "events", "-n", "default", "--field-selector=involvedObject.name=pinned"]);
    assert!(events.contains("FailedScheduling") && events.contains("node(s) were unschedulable"), "{events}");

    assert_eq!(sim.kubectl_ok(&["uncordon", "cpu-0008"]).trim(), "node/cpu-0008 uncordoned");
    assert_eq!(jsonpath(&sim, &["get", "node", "cpu-0008"], "{.spec.unschedulable}"), "");
    let (_, node) = wait_running(&sim, "pinned");
    assert_eq!(node, "cpu-0008", "the waiting pod is scheduled once the node is uncordoned");
    let untainted = sim.eventually(Duration::from_secs(5), || {
        jsonpath(&sim, &["get", "node", "cpu-0008"], "{.spec.taints}").is_empty().then_some(())
    });
    assert!(untainted.is_some(), "the taint goes with the cordon");
}

const DAEMONSET: &str = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: default\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers:\n      - {name: agent, image: nginx:1.27}\n";

#[test]
fn drain_evicts_controller_and_emptydir_pods_and_leaves_daemonset_pods() {
    require_kubectl!();
    let sim = cluster();
    apply(&sim, "ds.yaml", DAEMONSET);
    apply(&sim, "web.yaml", &deployment("web", "", "      nodeSelector: {gpudeck.io/pool: cpu}\n"));
    let (web_pod, node) = wait_running(&sim, "web-");
    let other = CPU_NODES.iter().find(|n| **n != node).unwrap().to_string();
    let cache = deployment(
        "cache",
        "",
        &format!(
            "      nodeSelector: {{kubernetes.io/hostname: {node}}}\n      volumes:\n      - {{name: scratch, emptyDir: {{}}}}\n"
        ),
    );
    apply(&sim, "cache.yaml", &cache);
    let (cache_pod, _) = wait_running(&sim, "cache-");
    let agents = || running(&sim, "agent-").into_iter().filter(|(_, n)| *n == node).map(|(p, _)| p).collect::<Vec<_>>();
    let agent = sim.eventually(Duration::from_secs(20), || agents().into_iter().next()).expect("daemon pod runs");

    let (ok, out) =
        kubectl_all(&sim, &["drain", &node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s"]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("node/{node} cordoned")), "{out}");
    assert!(out.contains(&format!("Warning: ignoring DaemonSet-managed Pods: default/{agent}")), "{out}");
    assert!(out.contains(&format!("evicting pod default/{web_pod}")), "{out}");
    assert!(out.contains(&format!("pod/{web_pod} evicted")), "{out}");
    assert!(out.contains(&format!("pod/{cache_pod} evicted")), "{out}");
    assert!(out.contains(&format!("node/{node} drained")), "{out}");

    assert_eq!(jsonpath(&sim, &["get", "node", &node], "{.spec.unschedulable}"), "true");
    // The evictions went through the subresource, not plain deletes.
    let evictions =
        sim.request_log_lines().iter().filter(|l| l["path"].as_str().is_some_and(|p| p.ends_with("/eviction"))).count();
    assert!(evictions >= 2, "{evictions} eviction requests");
    let (replacement, moved_to) = wait_running(&sim, "web-");
    assert_ne!(replacement, web_pod);
    assert_eq!(moved_to, other, "the Deployment's pod is recreated on the other node");
    assert_eq!(agents(), vec![agent], "the DaemonSet pod stays");
    // The emptyDir pod may only run on the drained node: its replacement waits, saying why.
    let reason = sim.eventually(Duration::from_secs(10), || {
        let out = jsonpath(
            &sim,
            &["get", "pods", "-n", "default", "-l", "app=cache"],
            r#"{range .items[*]}{.status.conditions[?(@.type=="PodScheduled")].message}{end}"#,
        );
        out.contains("node(s) were unschedulable").then_some(out)
    });
    assert!(reason.is_some(), "the cache replacement is Pending on the cordoned node");
}

#[test]
fn drain_waits_on_a_disruption_budget_and_times_out() {
    require_kubectl!();
    let sim = cluster();
    apply(&sim, "db.yaml", &deployment("db", "", "      nodeSelector: {gpudeck.io/pool: cpu}\n"));
    let pdb = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\n  namespace: default\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: db}\n";
    apply(&sim, "pdb.yaml", pdb);
    let (pod, node) = wait_running(&sim, "db-");
    let settled = sim.eventually(Duration::from_secs(10), || {
        let s = jsonpath(
            &sim,
            &["get", "pdb", "db", "-n", "default"],
            "{.status.currentHealthy}/{.status.disruptionsAllowed}",
        );
        (s == "1/0").then_some(())
    });
    assert!(settled.is_some(), "the budget sees its one healthy pod and allows no disruption");

    let (ok, out) = kubectl_all(&sim, &["drain", &node, "--ignore-daemonsets", "--timeout=7s"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "error when evicting pods/\"{pod}\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."
        )),
        "{out}"
    );
    assert!(out.contains("global timeout reached: 7s"), "{out}");
    assert_eq!(running(&sim, "db-"), vec![(pod, node.clone())], "the guarded pod still runs");
    assert_eq!(jsonpath(&sim, &["get", "node", &node], "{.spec.unschedulable}"), "true", "drain cordoned first");
}

#[test]
fn forced_and_graceful_pod_deletion() {
    require_kubectl!();
    let sim = cluster();
    apply(&sim, "a.yaml", &bare_pod("forced", "gpudeck.io/pool: cpu", ""));
    // Containers that ignore SIGTERM keep the pod Terminating for its whole grace period.
    apply(&sim, "b.yaml", &bare_pod("slow", "gpudeck.io/pool: cpu", "sim.gpudeck.io/stop-seconds: \"600\""));
    apply(&sim, "c.yaml", &bare_pod("quick", "gpudeck.io/pool: cpu", ""));
    for p in ["forced", "slow", "quick"] {
        wait_running(&sim, p);
    }

    let out = sim.kubectl(&["delete", "pod", "forced", "-n", "default", "--grace-period=0", "--force"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "pod \"forced\" force deleted");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated."
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(gone(&sim, &["get", "pod", "forced", "-n", "default"]), "removed at once");

    let out = sim.kubectl_ok(&["delete", "pod", "slow", "-n", "default", "--grace-period=4", "--wait=false"]);
    assert_eq!(out.trim(), "pod \"slow\" deleted");
    let row = sim.kubectl_ok(&["get", "pod", "slow", "-n", "default", "--no-headers"]);
    assert!(row.split_whitespace().nth(2) == Some("Terminating"), "{row}");
    assert_eq!(jsonpath(&sim, &["get", "pod", "slow", "-n", "default"], "{.metadata.deletionGracePeriodSeconds}"), "4");
    std::thread::sleep(Duration::from_secs(2));
    assert!(!gone(&sim, &["get", "pod", "slow", "-n", "default"]), "still within its grace period");
    let events = sim.kubectl_ok(&["get", "events", "-n", "default", "--field-selector=involvedObject.name=slow"]);
    assert!(events.contains("Killing") && events.contains("Stopping container main"), "{events}");
    let removed =
        sim.eventually(Duration::from_secs(8), || gone(&sim, &["get", "pod", "slow", "-n", "default"]).then_some(()));
    assert!(removed.is_some(), "the kubelet removes it once the grace period is over");

    // Without --wait=false kubectl waits for the pod to be gone; its containers stop in about 2 s.
    let out = sim.kubectl_ok(&["delete", "pod", "quick", "-n", "default"]);
    assert_eq!(out.trim(), "pod \"quick\" deleted");
    assert!(gone(&sim, &["get", "pod", "quick", "-n", "default"]));
}

#[test]
fn a_finalizer_holds_a_configmap_until_patched_away() {
    require_kubectl!();
    let sim = cluster();
    apply(
        &sim,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  namespace: default\n  finalizers: [example.com/hold]\ndata: {a: b}\n",
    );
    let out = sim.kubectl_ok(&["delete", "configmap", "held", "-n", "default", "--wait=false"]);
    assert_eq!(out.trim(), "configmap \"held\" deleted");
    let stamp = jsonpath(
        &sim,
        &["get", "configmap", "held", "-n", "default"],
        "{.metadata.deletionTimestamp} {.metadata.deletionGracePeriodSeconds}",
    );
    assert!(stamp.ends_with("Z 0"), "held with a deletionTimestamp: {stamp}");
    std::thread::sleep(Duration::from_secs(1));
    assert!(!gone(&sim, &["get", "configmap", "held", "-n", "default"]));
    let (ok, out) = kubectl_all(
        &sim,
        &[
            "patch",
            "configmap",
            "held",
            "-n",
            "default",
            "--type=merge",
            "-p",
            r#"{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}"#,
        ],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains("metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted"),
        "{out}"
    );
    sim.kubectl_ok(&[
        "patch",
        "configmap",
        "held",
        "-n",
        "default",
        "--type=merge",
        "-p",
        r#"{"metadata":{"finalizers":null}}"#,
    ]);
    assert!(
        gone(&sim, &["get", "configmap", "held", "-n", "default"]),
        "the write that empties the finalizers deletes it"
    );
}

#[test]
fn cascades_foreground_and_orphan() {
    require_kubectl!();
    let sim = cluster();
    apply(&sim, "fg.yaml", &deployment("fg", "", "      nodeSelector: {gpudeck.io/pool: cpu}\n"));
    apply(&sim, "orph.yaml", &deployment("orph", "", "      nodeSelector: {gpudeck.io/pool: cpu}\n"));
    let (fg_pod, _) = wait_running(&sim, "fg-");
    let (orph_pod, _) = wait_running(&sim, "orph-");

    sim.kubectl_ok(&["delete", "deployment", "fg", "-n", "default", "--cascade=foreground", "--wait=false"]);
    let finalizers = jsonpath(&sim, &["get", "deployment", "fg", "-n", "default"], "{.metadata.finalizers}");
    assert_eq!(finalizers, r#"["foregroundDeletion"]"#, "the owner waits for its dependents");
    let all_gone = sim.eventually(Duration::from_secs(15), || {
        (gone(&sim, &["get", "deployment", "fg", "-n", "default"])
            && gone(&sim, &["get", "pod", &fg_pod, "-n", "default"]))
        .then_some(())
    });
    assert!(all_gone.is_some(), "pods, then the ReplicaSet, then the Deployment go");

    sim.kubectl_ok(&["delete", "deployment", "orph", "-n", "default", "--cascade=orphan"]);
    assert!(gone(&sim, &["get", "deployment", "orph", "-n", "default"]));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(running(&sim, "orph-").first().map(|(p, _)| p.clone()), Some(orph_pod), "the pod is left running");
    let rs = sim.kubectl_ok(&["get", "replicasets", "-n", "default", "-l", "app=orph", "-o", "name"]);
    assert!(!rs.trim().is_empty(), "the ReplicaSet is orphaned, not deleted");
    let owners = jsonpath(
        &sim,
        &["get", "replicasets", "-n", "default", "-l", "app=orph"],
        "{.items[*].metadata.ownerReferences}",
    );
    assert!(owners.is_empty(), "{owners}");
}

/// A self-signed certificate and its key, as PEM files for `kubectl create secret tls`.
fn tls_files(sim: &TestSim) -> (String, String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["web.example".to_string()]).unwrap().self_signed(&key).unwrap();
    let cert_path = sim.dir.path().join("tls.crt");
    let key_path = sim.dir.path().join("tls.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path.to_string_lossy().into_owned(), key_path.to_string_lossy().into_owned(), cert.pem())
}

fn decoded(sim: &TestSim, args: &[&str], path: &str) -> String {
    use base64::Engine;
    let text = jsonpath(sim, args, path);
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap()).unwrap()
}

#[test]
fn typed_create_commands_send_protobuf_and_read_back() {
    require_kubectl!();
    let sim = cluster();
    let ns = ["-n", "default"];
    // The namespace goes first: a command after `--` takes every later argument.
    let run = |args: &[&str]| sim.kubectl_ok(&[&ns[..], args].concat()).trim().to_string();

    assert_eq!(
        run(&["create", "configmap", "settings", "--from-literal=a=b", "--from-literal=mode=fast"]),
        "configmap/settings created"
    );
    assert_eq!(jsonpath(&sim, &["get", "configmap", "settings", "-n", "default"], "{.data.a} {.data.mode}"), "b fast");

    assert_eq!(run(&["create", "secret", "generic", "creds", "--from-literal=user=admin"]), "secret/creds created");
    assert_eq!(jsonpath(&sim, &["get", "secret", "creds", "-n", "default"], "{.type}"), "Opaque");
    assert_eq!(decoded(&sim, &["get", "secret", "creds", "-n", "default"], "{.data.user}"), "admin");

    let (cert, key, cert_pem) = tls_files(&sim);
    assert_eq!(
        run(&["create", "secret", "tls", "web-tls", &format!("--cert={cert}"), &format!("--key={key}")]),
        "secret/web-tls created"
    );
    assert_eq!(jsonpath(&sim, &["get", "secret", "web-tls", "-n", "default"], "{.type}"), "kubernetes.io/tls");
    assert_eq!(decoded(&sim, &["get", "secret", "web-tls", "-n", "default"], r"{.data.tls\.crt}"), cert_pem);

    assert_eq!(sim.kubectl_ok(&["create", "namespace", "incident"]).trim(), "namespace/incident created");
    assert_eq!(jsonpath(&sim, &["get", "namespace", "incident"], "{.status.phase}"), "Active");
    assert_eq!(run(&["create", "serviceaccount", "responder"]), "serviceaccount/responder created");

    assert_eq!(
        run(&["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"]),
        "deployment.apps/web created"
    );
    assert_eq!(
        jsonpath(
            &sim,
            &["get", "deployment", "web", "-n", "default"],
            "{.spec.replicas} {.spec.strategy.type} {.spec.template.spec.containers[0].image}"
        ),
        "2 RollingUpdate nginx:1.27"
    );
    let ready = sim.eventually(Duration::from_secs(20), || {
        (jsonpath(&sim, &["get", "deployment", "web", "-n", "default"], "{.status.readyReplicas}") == "2").then_some(())
    });
    assert!(ready.is_some(), "the created Deployment runs its pods");

    assert_eq!(run(&["create", "job", "probe", "--image=busybox:1.36", "--", "echo", "hi"]), "job.batch/probe created");
    assert_eq!(
        jsonpath(
            &sim,
            &["get", "job", "probe", "-n", "default"],
            "{.spec.template.spec.restartPolicy} {.spec.template.spec.containers[0].command}"
        ),
        r#"Never ["echo","hi"]"#
    );
    assert_eq!(
        run(&["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1"]),
        "poddisruptionbudget.policy/web created"
    );
    let allowed = sim.eventually(Duration::from_secs(10), || {
        (jsonpath(&sim, &["get", "pdb", "web", "-n", "default"], "{.status.disruptionsAllowed}") == "1").then_some(())
    });
    assert!(allowed.is_some(), "two healthy pods against a minimum of one");

    assert_eq!(
        run(&["create", "ingress", "web", "--rule=web.example/*=web:80"]),
        "ingress.networking.k8s.io/web created"
    );
    assert_eq!(
        jsonpath(
            &sim,
            &["get", "ingress", "web", "-n", "default"],
            "{.spec.rules[0].host} {.spec.rules[0].http.paths[0].pathType} {.spec.rules[0].http.paths[0].backend.service.port.number}"
        ),
        "web.example Prefix 80"
    );

    // These commands speak protobuf; the sim answers in JSON, which client-go accepts.
    let out = sim.kubectl(&["create", "configmap", "wire", "--from-literal=x=y", "-n", "default", "-v=8"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("Content-Type: application/vnd.kubernetes.protobuf"), "{log}");
    assert!(log.contains("Response Status: 201 Created"), "{log}");
}

#[test]
fn evicted_statefulset_and_job_pods_come_back_on_another_node() {
    require_kubectl!();
    let sim = cluster();
    // Everything starts on cpu-0008: the other CPU node is cordoned while the workloads come up.
    sim.kubectl_ok(&["cordon", "cpu-0009"]);
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: store\n  namespace: default\nspec:\n  serviceName: store\n  replicas: 1\n  selector:\n    matchLabels: {app: store}\n  template:\n    metadata:\n      labels: {app: store}\n    spec:\n      nodeSelector: {gpudeck.io/pool: cpu}\n      containers:\n      - {name: main, image: nginx:1.27}\n";
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: crunch\n  namespace: default\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      nodeSelector: {gpudeck.io/pool: cpu}\n      containers:\n      - {name: main, image: busybox:1.36}\n";
    apply(&sim, "sts.yaml", sts);
    apply(&sim, "job.yaml", job);
    assert_eq!(wait_running(&sim, "store-0"), ("store-0".to_string(), "cpu-0008".to_string()));
    let (job_pod, node) = wait_running(&sim, "crunch-");
    assert_eq!(node, "cpu-0008");
    sim.kubectl_ok(&["uncordon", "cpu-0009"]);

    let (ok, out) = kubectl_all(&sim, &["drain", "cpu-0008", "--ignore-daemonsets", "--timeout=60s"]);
    assert!(ok, "{out}");
    assert!(out.contains("pod/store-0 evicted") && out.contains(&format!("pod/{job_pod} evicted")), "{out}");
    // The StatefulSet recreates its pod under the same name once the old one is gone; the Job makes a new one.
    let store =
        sim.eventually(Duration::from_secs(20), || running(&sim, "store-0").into_iter().find(|(_, n)| n == "cpu-0009"));
    assert!(store.is_some(), "store-0 runs again on cpu-0009");
    let replacement = sim.eventually(Duration::from_secs(20), || {
        running(&sim, "crunch-").into_iter().find(|(p, n)| *p != job_pod && n == "cpu-0009")
    });
    assert!(replacement.is_some(), "the Job's replacement runs on cpu-0009");
}
