//! Any resource, through the console's own reducers and effects against `gpudeck sim`, beside real kubectl: `:cm`
//! lists with the columns `kubectl get` prints and follows what kubectl changes (through dropped watches and
//! expired resourceVersions), an unknown word names the nearest resources, and `d` prints what `kubectl describe`
//! prints, section by section.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use common::console::{Console, client_for};
use gpudeck::action::Action;
use gpudeck::event::{Data, ObjectAddress};
use gpudeck::model::Delta;
use gpudeck::model::pods::PodRow;
use gpudeck::state::table::Row as _;
use gpudeck::state::{Pane, State};
use kube::Client;

const PATIENCE: Duration = Duration::from_secs(20);

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The console knowing what the sim serves, as after its discovery at start.
async fn console(client: Client) -> Console {
    let mut state = State::new("sim", false, now(), (200, 50));
    let resources = gpudeck::sources::kube::known_resources(&client).await.unwrap();
    state.absorb(Data::Kinds(resources));
    Console::new(client, state, PATIENCE)
}

fn type_command(state: &mut State, command: &str) {
    state.act(Action::Command);
    for c in command.chars() {
        state.type_char(c);
    }
    state.act(Action::Accept);
}

fn names(state: &State) -> Vec<String> {
    state.browse.table.all().map(|r| format!("{}/{}", r.id.namespace, r.id.name)).collect()
}

async fn set_faults(client: &Client, faults: serde_json::Value) {
    let req = http::Request::post("/sim/faults")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&faults).unwrap())
        .unwrap();
    client.request_text(req).await.unwrap();
}

#[test]
fn a_generic_view_lists_as_kubectl_gets_and_follows_changes() {
    require_kubectl!();
    let sim = TestSim::demo();
    let printed = sim.kubectl_ok(&["get", "replicasets", "-A"]);
    let header: Vec<String> = printed.lines().next().unwrap().split_whitespace().map(String::from).collect();
    let listed: Vec<String> = printed
        .lines()
        .skip(1)
        .map(|l| {
            let mut words = l.split_whitespace();
            format!("{}/{}", words.next().unwrap(), words.next().unwrap())
        })
        .collect();
    let manifest = sim.dir.path().join("cm.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: views-test\n  namespace: ml-serve\ndata:\n  a: b\n",
    )
    .unwrap();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console(client.clone()).await;
        type_command(&mut console.state, "rs");
        assert_eq!(console.state.pane, Pane::Browse);
        assert!(console.until(|s| s.browse.complete).await, "never listed: {:?}", console.state.browse.error);
        let columns: Vec<String> =
            console.state.browse.table.columns().iter().map(|c| c.title.replace(' ', "")).collect();
        let header: Vec<String> = header.iter().map(|h| h.replace(' ', "")).collect();
        assert_eq!(columns, header, "the columns kubectl get -A prints");
        let mut shown = names(&console.state);
        shown.sort();
        let mut listed = listed.clone();
        listed.sort();
        assert_eq!(shown, listed, "the objects kubectl get -A prints");

        type_command(&mut console.state, "cm");
        assert!(console.until(|s| s.browse.complete).await);
        assert_eq!(console.state.browse.table.total(), 0, "the demo has no ConfigMaps");

        sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);
        assert!(console.until(|s| names(s).contains(&"ml-serve/views-test".to_string())).await, "create not seen");

        // A watch the server drops is renewed from where it was; one whose resourceVersion has expired since (410)
        // lists again, and the list shows what happened in between.
        let lists = || {
            let log = sim.request_log_lines();
            log.iter().filter(|l| l["path"] == "/api/v1/configmaps" && l["verb"] == "list").count()
        };
        let listed_before = lists();
        set_faults(&client, serde_json::json!({"dropWatchesAfterSeconds": 1, "expireResourceVersions": true})).await;
        sim.kubectl_ok(&["delete", "configmap", "views-test", "-n", "ml-serve"]);
        assert!(console.until(|s| !names(s).contains(&"ml-serve/views-test".to_string())).await, "delete not seen");
        set_faults(&client, serde_json::json!({"dropWatchesAfterSeconds": 0})).await;
        assert!(lists() > listed_before, "the view listed again after the 410");
        assert_eq!(console.state.browse.error, None);

        // Filter and namespace narrow it as any pane.
        type_command(&mut console.state, "ns gpu-operator");
        console.state.settle();
        assert!(names(&console.state).iter().all(|n| n.starts_with("gpu-operator/")), "{:?}", names(&console.state));
        assert_eq!(console.state.table(Pane::Browse).shown(), names(&console.state).len());
    });
}

#[test]
fn unknown_resources_name_the_nearest_and_events_narrow_to_warnings() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console(client).await;
        type_command(&mut console.state, "servcies");
        assert!(console.until(|s| s.browse.awaiting.is_none()).await);
        assert_eq!(console.notice(), "unknown command or resource \":servcies\"; nearest: :services");
        assert_eq!(console.state.pane, Pane::Triage, "nothing opened");

        // A Normal event of our own: the demo's own events right after start may all be warnings.
        let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "tested.1", "namespace": "default"}, "type": "Normal", "reason": "Tested",
            "message": "a normal event", "involvedObject": {"kind": "Namespace", "name": "default"}}))
        .unwrap();
        let events = kube::Api::namespaced(client_for(&sim, None).await, "default");
        events.create(&Default::default(), &event).await.unwrap();
        type_command(&mut console.state, "ev");
        assert!(console.until(|s| s.browse.complete).await);
        // Every event first: Normal ones among them (the demo's scheduling and pulls), which the narrowing drops.
        let normal = |s: &gpudeck::state::State| {
            s.browse.table.all().filter(|r| r.cells().iter().any(|c| c.shown(s.now) == "Normal")).count()
        };
        assert!(normal(&console.state) > 0, "the full list holds the Normal event");
        console.state.act(Action::ToggleWarnings);
        assert!(console.until(|s| s.browse.complete).await);
        let warnings: Vec<String> = console
            .state
            .browse
            .table
            .all()
            .map(|r| r.cells().iter().map(|c| c.shown(console.state.now)).collect::<Vec<_>>().join(" "))
            .collect();
        assert!(!warnings.is_empty() && warnings.iter().all(|w| w.contains(" Warning ")), "{warnings:?}");
        // Counting against the full list would race the demo's new events; what narrows is that no Normal is left.
        assert_eq!(normal(&console.state), 0, "warnings only");
        assert_eq!(console.state.browse.title(), "warning events");
    });
}

#[test]
fn enter_on_a_service_shows_the_pods_it_selects() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console(client).await;
        type_command(&mut console.state, "svc");
        assert!(console.until(|s| s.browse.complete).await);
        let uid =
            console.state.browse.table.all().find(|r| r.id.name == "nvidia-dcgm-exporter").unwrap().id.uid.clone();
        console.state.browse.table.select_uid(uid);
        console.state.act(Action::DrillIn);
        assert_eq!(console.state.pane, Pane::Pods);
        let scope = console.state.pods.scope.clone().expect("pods narrowed to the service's");
        assert_eq!(scope.describe(), "service gpu-operator/nvidia-dcgm-exporter");
    });
}

/// Ages move while two programs print the same object, and a recurring event's count with them (`x3 over` →
/// `x4 over`): every age-like word and every event count is made equal.
fn without_ages(text: &str) -> String {
    let age = regex::Regex::new(r"\b(\d+(s|m|h|d|y))+\b").unwrap();
    let count = regex::Regex::new(r"\(x\d+ over").unwrap();
    text.lines()
        .map(|l| count.replace_all(&age.replace_all(l.trim_end(), "AGE"), "(xN over").into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// kubectl prints a ConfigMap's and a Secret's data in Go's map order, which changes from run to run: the entries
/// of the Data block (a key line with `----` under it for a ConfigMap, one line each for a Secret) are put in key
/// order, trailing blank lines aside.
fn in_key_order(kind: &str, text: &str) -> String {
    let (head, end) = ("Data\n====\n", if kind == "ConfigMap" { "\nBinaryData" } else { "\n\n" });
    let (Some(start), true) = (text.find(head).map(|i| i + head.len()), matches!(kind, "ConfigMap" | "Secret")) else {
        return text.to_string();
    };
    let stop = text[start..].find(end).map_or(text.len(), |i| start + i);
    let lines: Vec<&str> = text[start..stop].lines().collect();
    let mut entries: Vec<String> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let starts_entry = kind == "Secret" || lines.get(i + 1) == Some(&"----");
        match entries.last_mut() {
            Some(entry) if !starts_entry => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_string()),
        }
    }
    let mut entries: Vec<String> = entries.iter().map(|e| e.trim_end().to_string()).filter(|e| !e.is_empty()).collect();
    entries.sort_unstable();
    format!("{}{}{}", &text[..start], entries.join("\n"), &text[stop..])
}

/// Top-level sections: a line starting in the first column and the indented lines under it.
/// What gpudeck's describe prints after kubectl's text, by kind and section title: left out of the comparison.
const OUR_SECTIONS: &[(&str, &str)] = &[("Secret", "Certificate")];

fn sections(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        match out.last_mut() {
            Some(section) if line.starts_with([' ', '\t']) || line.is_empty() => {
                section.push('\n');
                section.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

const EXTRA_KINDS: &str = r#"
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: llm-inference, namespace: ml-serve}
spec: {minAvailable: 4, selector: {matchLabels: {app: llm-inference}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: serve-ingress, namespace: ml-serve}
spec:
  podSelector: {matchLabels: {app: llm-inference}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: obs}}, podSelector: {matchLabels: {app: prometheus}}}]
    ports: [{port: 8000}]
  egress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: dcgm, namespace: gpu-operator}
spec:
  tls: [{hosts: [metrics.example.com], secretName: dcgm-tls}]
  rules:
  - host: metrics.example.com
    http:
      paths:
      - {path: /metrics, pathType: Prefix, backend: {service: {name: nvidia-dcgm-exporter, port: {number: 9400}}}}
      - {path: /gone, pathType: Exact, backend: {service: {name: nowhere, port: {name: http}}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: inference, namespace: ml-serve}
secrets: [{name: inference-mount}]
imagePullSecrets: [{name: gone-pull}]
"#;

#[test]
fn describe_prints_what_kubectl_describe_prints() {
    require_kubectl!();
    let sim = TestSim::demo();
    let first = |args: &[&str]| sim.kubectl_ok(args).split_whitespace().next().unwrap_or_default().to_string();
    let gpu_pod = first(&["get", "pods", "-n", "ml-serve", "-l", "app=llm-inference", "-o", "name"]);
    let pending = first(&["get", "pods", "-n", "ml-serve", "--field-selector=status.phase=Pending", "-o", "name"]);
    let secret =
        first(&["get", "secrets", "-A", "-o", "jsonpath={.items[0].metadata.namespace}/{.items[0].metadata.name}"]);
    let manifest = sim.dir.path().join("cm.yaml");
    let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ml-serve\n  labels: {app: web}\ndata:\n  mode: fast\n  limits.yaml: |\n    gpus: 8\n    cpu: 4\n";
    std::fs::write(&manifest, config_map).unwrap();
    sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);
    // Kinds the demo has none of, with the branches that need other objects (backends, missing secrets).
    let extra = sim.dir.path().join("extra.yaml");
    std::fs::write(&extra, EXTRA_KINDS).unwrap();
    sim.kubectl_ok(&["apply", "-f", extra.to_str().unwrap()]);
    let name_of = |resource: &str, ns: &str| {
        sim.kubectl_ok(&["get", resource, "-n", ns, "-o", "jsonpath={.items[0].metadata.name}"]).trim().to_string()
    };
    let replica_set = name_of("replicasets", "ml-serve");
    let slice = name_of("endpointslices", "gpu-operator");
    let volume = sim.kubectl_ok(&["get", "pv", "-o", "jsonpath={.items[0].metadata.name}"]).trim().to_string();
    let split = |s: &str| s.split_once('/').map(|(a, b)| (a.to_string(), b.to_string())).unwrap();
    let objects: Vec<(&str, &str, String, String)> = vec![
        ("v1", "Pod", "ml-serve".into(), gpu_pod.trim_start_matches("pod/").into()),
        ("v1", "Pod", "ml-serve".into(), "feature-cache-0".into()),
        ("v1", "Pod", "ml-serve".into(), pending.trim_start_matches("pod/").into()),
        ("v1", "Node", String::new(), "gpu-h100-05".into()),
        ("v1", "Node", String::new(), "gpu-a100-04".into()),
        ("v1", "Node", String::new(), "cpu-01".into()),
        ("apps/v1", "Deployment", "ml-serve".into(), "llm-inference".into()),
        ("v1", "Service", "gpu-operator".into(), "nvidia-dcgm-exporter".into()),
        ("v1", "ConfigMap", "ml-serve".into(), "settings".into()),
        ("v1", "Secret", split(&secret).0, split(&secret).1),
        ("v1", "Secret", "ml-serve".into(), "llm-gateway-tls".into()),
        ("apps/v1", "ReplicaSet", "ml-serve".into(), replica_set),
        ("apps/v1", "StatefulSet", "ml-serve".into(), "vector-db".into()),
        ("apps/v1", "DaemonSet", "gpu-operator".into(), "nvidia-dcgm-exporter".into()),
        ("batch/v1", "Job", "ml-train".into(), "bert-pretrain-bad-config".into()),
        ("batch/v1", "CronJob", "ml-train".into(), "nightly-eval".into()),
        ("v1", "PersistentVolumeClaim", "ml-train".into(), "datasets".into()),
        ("v1", "PersistentVolume", String::new(), volume),
        ("storage.k8s.io/v1", "StorageClass", String::new(), "gp3".into()),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "ml-serve".into(), "feature-api".into()),
        ("policy/v1", "PodDisruptionBudget", "ml-serve".into(), "llm-inference".into()),
        ("networking.k8s.io/v1", "NetworkPolicy", "ml-serve".into(), "serve-ingress".into()),
        ("v1", "Endpoints", "gpu-operator".into(), "nvidia-dcgm-exporter".into()),
        ("networking.k8s.io/v1", "Ingress", "gpu-operator".into(), "dcgm".into()),
        ("v1", "ServiceAccount", "ml-serve".into(), "inference".into()),
        ("discovery.k8s.io/v1", "EndpointSlice", "gpu-operator".into(), slice),
    ];
    let client = sim.rt.block_on(client_for(&sim, None));
    for (api_version, kind, namespace, name) in objects {
        let address = ObjectAddress { api_version: api_version.into(), kind: kind.into(), namespace, name };
        let mut args = vec!["describe", kind, address.name.as_str()];
        if !address.namespace.is_empty() {
            args.extend(["-n", address.namespace.as_str()]);
        }
        let theirs = sim.kubectl_ok(&args);
        let ours = sim.rt.block_on(gpudeck::effects::describe::describe(&client, &address, now())).unwrap();
        let (theirs, ours) = (in_key_order(kind, &theirs), in_key_order(kind, &ours));
        let (theirs, ours) = (sections(&without_ages(&theirs)), sections(&without_ages(&ours)));
        let title = |section: &String| section.split(':').next().unwrap_or_default().to_string();
        let (added, mut ours): (Vec<String>, Vec<String>) =
            ours.into_iter().partition(|section| OUR_SECTIONS.contains(&(kind, title(section).as_str())));
        if let (false, Some(last)) = (added.is_empty(), ours.last_mut()) {
            // The blank line that sets an added section apart is not kubectl's.
            *last = last.trim_end().to_string();
        }
        if address.name == "llm-gateway-tls" {
            let certificate = added.first().map(String::as_str).unwrap_or_default();
            assert!(certificate.contains("Not After:") && certificate.contains("Key:"), "{certificate}");
        }
        let titles = |s: &[String]| s.iter().map(title).collect();
        let (their_titles, our_titles): (Vec<String>, Vec<String>) = (titles(&theirs), titles(&ours));
        assert_eq!(our_titles, their_titles, "{} sections", address.title());
        for (mine, kubectl) in ours.iter().zip(&theirs) {
            assert_eq!(mine, kubectl, "{}: section differs", address.title());
        }
    }
}

#[test]
fn a_kind_the_user_may_not_list_says_which_verb_on_which_resource_was_refused() {
    require_kubectl!();
    let sim = TestSim::demo();
    // As Kubernetes' `view` role, the sim's read-only user may read everything but Secrets.
    let refused = sim.kubectl(&["--context", "gpudeck-sim-readonly", "get", "secrets", "-A"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("cannot list resource \"secrets\""), "{said}");
    sim.kubectl_ok(&["--context", "gpudeck-sim-readonly", "get", "configmaps", "-A"]);
    sim.rt.block_on(async {
        let viewer = client_for(&sim, Some("gpudeck-sim-readonly")).await;
        let mut console = console(viewer).await;
        type_command(&mut console.state, "ns ml-serve");
        type_command(&mut console.state, "secrets");
        assert!(console.until(|s| s.browse.error.is_some()).await);
        assert_eq!(
            console.state.browse.note.as_deref(),
            Some("forbidden: this user may not list secrets at the cluster scope; listing namespace ml-serve")
        );
        assert!(console.until(|s| s.browse.error.as_deref().is_some_and(|e| e.contains("namespace"))).await);
        assert_eq!(
            console.state.browse.error.as_deref(),
            Some("forbidden: this user may not list secrets in namespace ml-serve")
        );
        assert_eq!(console.state.browse.table.total(), 0);
        // Everything else still lists for the same user.
        type_command(&mut console.state, "svc");
        assert!(console.until(|s| s.browse.complete).await);
        assert_eq!(console.state.browse.error, None);
    });
}

#[test]
fn enter_on_a_claim_shows_the_pods_that_mount_it() {
    require_kubectl!();
    let sim = TestSim::demo();
    let manifest = sim.dir.path().join("mounting.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: reads-datasets, namespace: ml-train}\nspec:\n  containers: [{name: main, image: busybox}]\n  volumes: [{name: data, persistentVolumeClaim: {claimName: datasets}}]\n",
    )
    .unwrap();
    sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        // The pods as the console's pod watch turns them into rows (the harness runs no watches of its own).
        let listed = kube::Api::<k8s_openapi::api::core::v1::Pod>::all(client.clone()).list(&Default::default()).await;
        let upserts: Vec<PodRow> = listed.unwrap().items.iter().map(PodRow::from_pod).collect();
        let mut console = console(client).await;
        console.state.absorb(Data::Pods(Delta { reset: true, upserts, deletes: Vec::new() }));
        type_command(&mut console.state, "pvc");
        assert!(console.until(|s| s.browse.complete).await);
        let uid = console.state.browse.table.all().find(|r| r.id.name == "datasets").unwrap().id.uid.clone();
        console.state.browse.table.select_uid(uid);
        console.state.act(Action::DrillIn);
        assert_eq!(console.state.pane, Pane::Pods);
        let pods = &console.state.pods;
        let shown: Vec<&str> = pods.window(0, pods.len()).map(|p| p.id.name.as_str()).collect();
        assert_eq!(shown, ["reads-datasets"], "only the pod that mounts the claim");
    });
}
