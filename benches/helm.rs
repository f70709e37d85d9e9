//! Figures for Helm releases (README "Figures: Helm releases"): 2,000 releases × 10 revisions (20,000 records of
//! Helm's format, each a gzipped release with a three-object manifest and its chart's templates) in `gpudeck sim`;
//! the time from starting the console's Helm watches to the full releases list, the memory the list holds and the
//! most held while loading, beside `kubectl get secrets -A -l owner=helm -o json` on the same sim in the same run;
//! and opening one release (its ten records read whole).
//!
//! Run: `cargo bench --bench helm` (env `HELM_BENCH_RELEASES`, `HELM_BENCH_REVISIONS`, `HELM_BENCH_ROUNDS`).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/counting.rs"]
mod counting;
mod support;

use std::time::Instant;

use base64::Engine;
use futures_util::StreamExt;
use gpudeck::event::{Data, Event};
use gpudeck::model::helm::ops::{HelmData, HelmEffect, ReleaseRef};
use gpudeck::model::helm::{self, Storage};
use gpudeck::state::State;
use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::PostParams;
use kube::{Api, Client};
use serde_json::{Value, json};
use support::SimProcess;

const NAMESPACES: usize = 50;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Revision `revision` of release `i`: a Deployment, a Service and a ConfigMap, and the chart that made them.
fn release(i: usize, revision: usize, latest: bool) -> Value {
    let name = format!("svc-{i:04}");
    let tag = format!("1.{revision}.0");
    let manifest = format!(
        "---\n# Source: {name}/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/managed-by: Helm\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      containers:\n      - name: server\n        image: ghcr.io/acme-ml/{name}:{tag}\n        ports:\n        - containerPort: 8080\n          name: http\n        resources:\n          limits:\n            nvidia.com/gpu: 1\n---\n# Source: {name}/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n  - port: 80\n    targetPort: http\n---\n# Source: {name}/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n  model: resnet-{revision}\n  batch: \"32\"\n"
    );
    let template = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"chart.fullname\" . }}\n  labels: {{- include \"chart.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n".repeat(6);
    let status = if latest { "deployed" } else { "superseded" };
    let templates: Vec<Value> = ["deployment", "service", "configmap", "hpa", "ingress"]
        .iter()
        .map(|t| json!({"name": format!("templates/{t}.yaml"), "data": base64::engine::general_purpose::STANDARD.encode(&template)}))
        .collect();
    json!({"name": name, "namespace": format!("team-{:02}", i % NAMESPACES), "version": revision,
        "info": {"first_deployed": "2026-10-01T10:00:00Z", "last_deployed": format!("2026-11-{:02}T10:00:00Z", revision + 1),
            "deleted": "", "description": if revision == 1 { "Install complete" } else { "Upgrade complete" },
            "status": status, "notes": format!("{name} is serving.\n")},
        "chart": {"metadata": {"apiVersion": "v2", "name": name, "version": format!("0.{revision}.0"), "appVersion": tag},
            "templates": templates,
            "values": {"replicas": 1, "image": {"repository": format!("ghcr.io/acme-ml/{name}"), "tag": "latest"}}},
        "config": {"replicas": 3, "image": {"tag": tag}},
        "manifest": manifest})
}

fn secret(record: &Value) -> Secret {
    let (name, revision) = (record["name"].as_str().unwrap(), record["version"].as_i64().unwrap());
    let status = record["info"]["status"].as_str().unwrap();
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "Secret", "type": helm::SECRET_TYPE,
        "metadata": {"name": helm::record_name(name, revision), "namespace": record["namespace"],
            "labels": helm::record_labels(name, status, revision, 1_764_000_000)},
        "data": {"release": base64::engine::general_purpose::STANDARD.encode(helm::encode(record))}}))
    .unwrap()
}

/// Creates every record, 32 at a time; the bytes of their payloads.
async fn seed(client: &Client, releases: usize, revisions: usize) -> usize {
    for n in 0..NAMESPACES {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": format!("team-{n:02}")}})).unwrap();
        let _ = Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await;
    }
    let secrets: Vec<Secret> =
        (0..releases).flat_map(|i| (1..=revisions).map(move |r| secret(&release(i, r, r == revisions)))).collect();
    let bytes = secrets.iter().map(|s| s.data.as_ref().map_or(0, |d| d["release"].0.len())).sum();
    futures_util::stream::iter(secrets)
        .map(|s| {
            let api = Api::<Secret>::namespaced(client.clone(), s.metadata.namespace.as_deref().unwrap());
            async move { api.create(&PostParams::default(), &s).await.expect("record created") }
        })
        .buffer_unordered(32)
        .for_each(|_| async {})
        .await;
    bytes
}

/// From starting the Helm watches to every release listed: seconds, bytes the state holds after, most held.
async fn console_list(client: &Client, releases: usize) -> (f64, usize, usize) {
    let base = counting::live_bytes();
    counting::reset_peak();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut state = State::new("bench", false, 1_800_000_000, (200, 50));
    let t0 = Instant::now();
    let watches = gpudeck::sources::kube::spawn_helm(client, &tx);
    while state.helm.listed.len() < 3 || state.helm.releases.total() < releases {
        match rx.recv().await {
            Some(Event::Data(Data::SourceError { resource, message })) => panic!("{resource}: {message}"),
            Some(Event::Data(data)) => state.absorb(data),
            _ => panic!("the watches stopped"),
        }
        state.settle();
    }
    let seconds = t0.elapsed().as_secs_f64();
    watches.iter().for_each(|w| w.abort());
    drop(rx);
    let peak = counting::peak_bytes().saturating_sub(base);
    let held = counting::live_bytes().saturating_sub(base);
    drop(state);
    (seconds, held, peak)
}

/// One unpaged GET of the same list through the kube client, bytes only: what moving the records costs.
async fn raw_list(client: &Client) -> (f64, usize) {
    let t0 = Instant::now();
    let request = http::Request::get("/api/v1/secrets?labelSelector=owner%3Dhelm").body(Vec::new()).unwrap();
    let body = client.request_text(request).await.expect("the list");
    (t0.elapsed().as_secs_f64(), body.len())
}

fn main() {
    let releases = env_or("HELM_BENCH_RELEASES", 2_000);
    let revisions = env_or("HELM_BENCH_REVISIONS", 10);
    let rounds = env_or("HELM_BENCH_ROUNDS", 3);
    let sim = SimProcess::start(10, 100, 0);
    let home = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = rt.block_on(sim.client());
    let t0 = Instant::now();
    let payload = rt.block_on(seed(&client, releases, revisions));
    let records = releases * revisions;
    eprintln!(
        "seeded {records} records ({:.0} MiB of payload) in {:.1} s",
        payload as f64 / 1048576.0,
        t0.elapsed().as_secs_f64()
    );

    let (mut ours, mut theirs, mut held, mut peak, mut printed) = (Vec::new(), Vec::new(), 0, 0, 0);
    let (mut raw, mut raw_bytes) = (Vec::new(), 0);
    for _ in 0..rounds {
        let (t, bytes) = rt.block_on(raw_list(&client));
        raw.push(t);
        raw_bytes = bytes;
        let (t, bytes) = sim.kubectl(home.path(), &["get", "secrets", "-A", "-l", "owner=helm", "-o", "json"]);
        theirs.push(t);
        printed = bytes;
        let (t, h, p) = rt.block_on(console_list(&client, releases));
        ours.push(t);
        (held, peak) = (h, peak.max(p));
    }
    let opens: Vec<f64> = (0..20)
        .map(|i| {
            let n = (i * 97) % releases;
            let release = ReleaseRef {
                namespace: format!("team-{:02}", n % NAMESPACES),
                name: format!("svc-{n:04}"),
                storage: Storage::Secret,
            };
            let t = Instant::now();
            let data = rt
                .block_on(gpudeck::effects::helm::run(client.clone(), HelmEffect::Records { release, generation: 1 }));
            let Data::Helm(HelmData::Records { result: Ok(records), .. }) = data else { panic!("records not read") };
            assert_eq!(records.len(), revisions);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (ours, theirs, raw) = (median(ours), median(theirs), median(raw));
    let mib = |b: usize| b as f64 / 1048576.0;
    println!("| figure ({releases} releases × {revisions} revisions = {records} records) | measured |");
    println!("|---|---|");
    println!("| start → full releases list (gpudeck, median of {rounds}) | {ours:.2} s |");
    println!(
        "| `kubectl get secrets -A -l owner=helm -o json` (same sim, same run) | {theirs:.2} s ({:.0} MiB printed) |",
        mib(printed)
    );
    println!("| one unpaged GET of the same list, bytes only (kube client) | {raw:.2} s ({:.0} MiB) |", mib(raw_bytes));
    println!("| ratio gpudeck / kubectl, gpudeck / unpaged GET | {:.2}, {:.2} |", ours / theirs, ours / raw);
    println!(
        "| memory the list holds after loading | {:.1} MiB ({:.0} B per record) |",
        mib(held),
        held as f64 / records as f64
    );
    println!("| most memory held while loading | {:.1} MiB |", mib(peak));
    println!("| open a release (its {revisions} records read whole), median of 20 | {:.1} ms |", median(opens));
}
