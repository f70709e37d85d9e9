//! The real binary in tmux against the sim, on what breaks between the pods: every problem the demo plants is a
//! triage line with its why and `enter` opens the object; objects made with real kubectl (TLS Secrets, a claim on a
//! missing class, a Service, a probe's Unhealthy events) and a kubelet that stops renewing its Lease become lines.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::Duration;

use base64::Engine;
use common::TestSim;
use common::tmux::Tmux;

/// gpudeck on `sim` in a pane wide enough for triage's WHY column, triage zoomed.
fn console(sim: &TestSim, name: &str) -> Tmux {
    let t = Tmux::start_with(name, &[], None, (250, 70), &format!("--kubeconfig {}", sim.kubeconfig.display()));
    t.wait_for("the console", |s| s.contains("1 triage (") && s.contains("CrashLoopBackOff"));
    t.keys(&["1", "z"]);
    t.wait_for("triage zoomed", |s| s.contains("SEVERITY") && !s.contains("2 nodes (12) ─"));
    t
}

/// The triage line about `name` with `problem`, as its words: severity, kind, namespace, name, problem, age, why…
fn line_of<'a>(screen: &'a str, name: &str, problem: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words.contains(&name) && words.contains(&problem)
    })
}

/// Waits for the line about `name` with `problem` whose severity and why are as given.
fn wait_line(t: &Tmux, patience: Duration, (severity, name, problem, why): (&str, &str, &str, &str)) -> String {
    let screen = t.wait_within(patience, &format!("{severity} {name} {problem}: {why}"), |s| {
        line_of(s, name, problem).is_some_and(|l| l.contains(why))
    });
    let line = line_of(&screen, name, problem).unwrap().to_string();
    assert!(line.trim_start().starts_with(severity), "{line}");
    line
}

/// Enter on the only line the filter `pattern` leaves opens its object's view, where the row of `name` shows `cell`
/// (the view's own column); `d` there describes the object.
fn jump(t: &Tmux, pattern: &str, view: &str, (name, cell): (&str, &str), described: &[&str]) {
    t.keys(&["1", "Escape"]);
    t.typed("/", pattern);
    t.wait_for(&format!("triage narrowed to {pattern}"), |s| s.contains("1 triage (1)"));
    t.keys(&["Enter"]);
    t.wait_for(&format!("the {view} view with {name}: {cell}"), |s| {
        s.contains(view)
            && s.contains("· live")
            && s.lines().any(|l| l.split_whitespace().any(|w| w == name) && l.contains(cell))
    });
    t.keys(&["d"]);
    let text = t.wait_for(&format!("{pattern} described"), |s| described.iter().all(|d| s.contains(d)));
    assert!(text.contains("Name:"), "{text}");
    t.keys(&["Escape"]);
}

#[test]
fn the_demo_shows_every_problem_between_the_pods_and_enter_opens_each() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "fabric-demo");
    let expected = [
        ("error", "cpu-02", "CNIDown", "calico pod calico-node-"),
        ("error", "llm-gateway", "BackendDown", "backend service llm-gateway"),
        ("error", "llm-gateway", "NoEndpoints", "selector app=llm-gateway matches no pod"),
        ("error", "scratch-fast", "Pending", "ProvisioningFailed: storageclass.storage.k8s.io \"fast-nvme\" not found"),
        ("warning", "checkpoints", "NearlyFull", "93% used"),
        ("warning", "llm-gateway-tls", "Expiring", "certificate expires in 8d"),
        ("warning", "default-deny-ingress", "DefaultDeny", "no policy admits traffic to the pods of service notebook"),
        ("warning", "feature-api", "AtMaxReplicas", "held at its maximum 12"),
        ("warning", "gpu-h100-05", "VersionSkew", "kubelet v1.31.9 here"),
    ];
    for line in expected {
        wait_line(&t, Duration::from_secs(30), line);
    }
    let gateway = line_of(&t.screen(), "llm-gateway", "NoEndpoints").unwrap().to_string();
    assert!(gateway.contains("ingress llm-gateway routes to it"), "an error because something routes to it: {gateway}");

    let claim = &["scratch-fast", "StorageClass:", "fast-nvme"];
    jump(&t, "^pvc ml-train/scratch-fast", "PersistentVolumeClaim (v1)", ("checkpoints", " 93% "), claim);
    let service = &["llm-gateway", "Selector:", "app=llm-gateway"];
    jump(&t, "^service ml-serve/llm-gateway", "Service (v1)", ("llm-gateway", " 0/0 "), service);
    let secret = &["llm-gateway-tls", "Certificate:", "Not After:"];
    jump(&t, "^secret ml-serve/llm-gateway-tls", "Secret (v1)", ("llm-gateway-tls", " in 8d "), secret);
    let hpa = "HorizontalPodAutoscaler (autoscaling/v2)";
    jump(&t, "^hpa ml-serve/feature-api", hpa, ("feature-api", " 12 "), &["feature-api", "Reference:"]);
    let policy = "NetworkPolicy (networking.k8s.io/v1)";
    let deny = ("default-deny-ingress", "<none>");
    jump(&t, "^netpol ml-train", policy, deny, &["default-deny-ingress", "PodSelector:"]);
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

/// A self-signed certificate for `host` valid `days` more days, and its key (or another key when `mismatched`),
/// written by Python's `cryptography` as `NAME.crt` and `NAME.key`.
fn certificate(sim: &TestSim, name: &str, host: &str, days: u32, mismatched: bool) -> (String, String) {
    let dir = sim.dir.path();
    let (crt, key) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    let script = format!(
        r#"
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "{host}")])
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=30))
    .not_valid_after(now + datetime.timedelta(days={days}))
    .add_extension(x509.SubjectAlternativeName([x509.DNSName("{host}")]), critical=False)
    .sign(key, hashes.SHA256()))
shown = ec.generate_private_key(ec.SECP256R1()) if {mismatched} else key
open("{crt}", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open("{key}", "wb").write(shown.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption()))
"#,
        mismatched = if mismatched { "True" } else { "False" },
        crt = crt.display(),
        key = key.display(),
    );
    let out = Command::new("python3").args(["-c", &script]).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (crt.display().to_string(), key.display().to_string())
}

const CLAIM_AND_SERVICE: &str = r#"
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: dataset, namespace: team-x}
spec:
  storageClassName: no-such-class
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 50Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: team-x}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
"#;

const API_DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: team-x}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      nodeSelector: {kubernetes.io/hostname: cpu-01}
      containers: [{name: api, image: "nginx:1.27", ports: [{containerPort: 9090}]}]
"#;

#[test]
fn objects_made_with_kubectl_and_a_stopped_kubelet_become_triage_lines() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    // The Lease runs out 40 s after the last renewal; a long grace period keeps the node Ready meanwhile.
    sim.faults(r#"{"stopKubelets": ["gpu-h100-02"], "nodeMonitorGracePeriodSeconds": 600}"#);
    let t = console(&sim, "fabric-kubectl");

    sim.kubectl_ok(&["create", "namespace", "team-x"]);
    let (crt, key) = certificate(&sim, "soon", "api.team-x.example", 1, false);
    sim.kubectl_ok(&["create", "secret", "tls", "api-tls", "-n", "team-x", "--cert", &crt, "--key", &key]);
    // `kubectl create secret tls` refuses a key that is not the certificate's; a manifest is how one gets in.
    let (crt, key) = certificate(&sim, "wrong", "wrong.team-x.example", 200, true);
    let encoded = |path: &str| base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap());
    let wrong = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: wrong-key, namespace: team-x}}\ntype: kubernetes.io/tls\n\
         data: {{tls.crt: {}, tls.key: {}}}\n",
        encoded(&crt),
        encoded(&key)
    );
    let path = sim.dir.path().join("wrong-key.yaml");
    std::fs::write(&path, wrong).unwrap();
    sim.kubectl_ok(&["apply", "-f", path.to_str().unwrap()]);
    let manifest = sim.dir.path().join("claim-and-service.yaml");
    std::fs::write(&manifest, CLAIM_AND_SERVICE).unwrap();
    sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);

    wait_line(&t, Duration::from_secs(20), ("error", "api-tls", "Expiring", "(CN=api.team-x.example"));
    wait_line(&t, Duration::from_secs(20), ("error", "wrong-key", "KeyMismatch", "tls.key"));
    let claim = "ProvisioningFailed: storageclass.storage.k8s.io \"no-such-class\" not found";
    wait_line(&t, Duration::from_secs(20), ("pending", "dataset", "Pending", claim));
    wait_line(&t, Duration::from_secs(20), ("warning", "api", "NoEndpoints", "selector app=api matches no pod"));

    // Pods that listen elsewhere than the Service's targetPort: endpoints, and a port no container declares.
    // On cpu-01: the demo's cpu-02 has no working CNI, and a pod stuck without a sandbox never gets an address.
    let deployment = sim.dir.path().join("deployment.yaml");
    std::fs::write(&deployment, API_DEPLOYMENT).unwrap();
    sim.kubectl_ok(&["apply", "-f", deployment.to_str().unwrap()]);
    wait_line(
        &t,
        Duration::from_secs(30),
        ("warning", "api", "PortMismatch", "targetPort 8080 is not a port pod api-"),
    );

    // The kubelet posts readiness failures as Unhealthy events; they are one line per workload.
    let pod = sim.kubectl_ok(&["get", "pods", "-n", "ml-serve", "-l", "app=embeddings", "-o", "name"]);
    let pod = pod.lines().next().unwrap().trim_start_matches("pod/").to_string();
    let uid = sim.kubectl_ok(&["get", "pod", "-n", "ml-serve", &pod, "-o", "jsonpath={.metadata.uid}"]);
    let now = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let event = format!(
        "apiVersion: v1\nkind: Event\nmetadata: {{name: {pod}.probe, namespace: ml-serve}}\n\
         involvedObject: {{apiVersion: v1, kind: Pod, namespace: ml-serve, name: {pod}, uid: {uid}, \
         fieldPath: 'spec.containers{{embeddings}}'}}\nreason: Unhealthy\ntype: Warning\ncount: 4\n\
         message: 'Readiness probe failed: HTTP probe failed with statuscode: 503'\n\
         firstTimestamp: '{now}'\nlastTimestamp: '{now}'\nsource: {{component: kubelet}}\n"
    );
    let path = sim.dir.path().join("event.yaml");
    std::fs::write(&path, event).unwrap();
    sim.kubectl_ok(&["create", "-f", path.to_str().unwrap()]);
    wait_line(&t, Duration::from_secs(20), ("warning", "embeddings", "ReadinessFailing", "statuscode: 503"));

    let lease = "kubelet last renewed its Lease";
    wait_line(&t, Duration::from_secs(70), ("error", "gpu-h100-02", "LeaseExpired", lease));

    // Fixing an object takes its line away.
    sim.kubectl_ok(&["delete", "secret", "wrong-key", "-n", "team-x"]);
    t.wait_for("the deleted Secret's line gone", |s| line_of(s, "wrong-key", "KeyMismatch").is_none());
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
