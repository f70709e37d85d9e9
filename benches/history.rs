//! Figures for rollout history (README "Figures: rollout history"): a Deployment whose template was written 50 times
//! in `gpudeck sim`, each revision's image pushed to Debian's docker-registry on loopback with its OCI labels; the
//! console's history read and every image's provenance fetched (as the view asks: all at once, 8 in flight), the
//! registry requests that took, a second look (the cache must make it free), beside `kubectl rollout history` on the
//! same sim in the same run.
//!
//! Run: `cargo bench --bench history` (needs `docker-registry` and kubectl; env `HISTORY_BENCH_REVISIONS`,
//! `HISTORY_BENCH_ROUNDS`).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/registry.rs"]
mod registry_server;
mod support;

use std::time::{Duration, Instant};

use gpudeck::effects::registry::{RegistryClient, RegistrySettings};
use gpudeck::event::{Data, ObjectAddress};
use gpudeck::model::history::ops::{HistoryData, HistoryEffect};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use registry_server::{RegistryServer, Seeder};
use serde_json::json;
use support::SimProcess;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Pushes `revisions` builds of `team/app` and writes the Deployment's template once per build, waiting for each
/// ReplicaSet, as a CI pipeline would leave it.
async fn seed(client: &Client, registry: &RegistryServer, revisions: usize) -> Vec<String> {
    let seeder = Seeder::new(registry, None);
    let mut images = Vec::new();
    for i in 0..revisions {
        let tag = format!("1.{i}.0");
        let labels = json!({"org.opencontainers.image.revision": format!("{:040x}", 0x4f2a_9c10_u64 + i as u64),
            "org.opencontainers.image.source": "https://github.com/example/app",
            "org.opencontainers.image.version": tag});
        seeder.image("team/app", Some(&tag), "amd64", labels, "2026-11-01T09:00:00Z").await;
        images.push(format!("{}/team/app:{tag}", registry.host));
    }
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "bench"}})).unwrap();
    Api::<Namespace>::all(client.clone()).create(&PostParams::default(), &ns).await.unwrap();
    let deployments = Api::<Deployment>::namespaced(client.clone(), "bench");
    let sets = Api::<ReplicaSet>::namespaced(client.clone(), "bench");
    let template = |image: &str| {
        json!({"metadata": {"labels": {"app": "app"}},
        "spec": {"nodeSelector": {"kubernetes.io/hostname": "nowhere"}, "containers": [{"name": "app", "image": image}]}})
    };
    let first: Deployment = serde_json::from_value(json!({"metadata": {"name": "app",
            "annotations": {"kubernetes.io/change-cause": "ci build 0"}},
        "spec": {"replicas": 1, "revisionHistoryLimit": revisions + 10, "selector": {"matchLabels": {"app": "app"}},
            "template": template(&images[0])}}))
    .unwrap();
    deployments.create(&PostParams::default(), &first).await.unwrap();
    let params = PatchParams { field_manager: Some("ci-deploy".into()), ..Default::default() };
    for (i, image) in images.iter().enumerate() {
        if i > 0 {
            let patch = json!({"metadata": {"annotations": {"kubernetes.io/change-cause": format!("ci build {i}")}},
                "spec": {"template": template(image)}});
            deployments.patch("app", &params, &Patch::Merge(patch)).await.unwrap();
        }
        let t0 = Instant::now();
        while sets.list(&ListParams::default()).await.unwrap().items.len() <= i {
            assert!(t0.elapsed() < Duration::from_secs(30), "revision {i}'s ReplicaSet never came");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    images
}

/// The console's history: the workload and its sets read, then every image's provenance asked at once; seconds to
/// the history alone, and to everything.
async fn console_history(client: &Client, registry: &RegistryClient, revisions: usize) -> (f64, f64) {
    let target = ObjectAddress {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "bench".into(),
        name: "app".into(),
    };
    let t0 = Instant::now();
    let data =
        gpudeck::effects::history::run(client.clone(), registry.clone(), HistoryEffect::Load { target, generation: 1 })
            .await;
    let Data::History(HistoryData::Loaded { result: Ok(history), .. }) = data else { panic!("history not read") };
    assert_eq!(history.revisions.len(), revisions);
    let read = t0.elapsed().as_secs_f64();
    let asks = history.revisions.iter().flat_map(|r| r.images.clone()).map(|image| {
        let effect = HistoryEffect::Provenance { image, running: None };
        tokio::spawn(gpudeck::effects::history::run(client.clone(), registry.clone(), effect))
    });
    for answer in futures_util::future::join_all(asks).await {
        let Ok(Data::History(HistoryData::Provenance { found, .. })) = answer else { panic!("no provenance") };
        assert!(found.commit.is_some(), "every build has its commit label: {found:?}");
    }
    (read, t0.elapsed().as_secs_f64())
}

fn main() {
    if !registry_server::registry_available() {
        eprintln!("docker-registry is not installed (scripts/test.sh installs it); nothing measured");
        return;
    }
    let revisions = env_or("HISTORY_BENCH_REVISIONS", 50);
    let rounds = env_or("HISTORY_BENCH_ROUNDS", 5);
    let registry_server = RegistryServer::start("");
    let sim = SimProcess::start(10, 100, 0);
    let home = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = rt.block_on(sim.client());
    let t0 = Instant::now();
    rt.block_on(seed(&client, &registry_server, revisions));
    eprintln!("seeded {revisions} revisions and builds in {:.1} s", t0.elapsed().as_secs_f64());

    let (mut read, mut first, mut second, mut theirs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut first_requests, mut second_requests) = (0, 0);
    for _ in 0..rounds {
        // A fresh client each round: nothing cached from the round before.
        let registry = RegistryClient::new(RegistrySettings::default()).unwrap();
        let (history, everything) = rt.block_on(console_history(&client, &registry, revisions));
        read.push(history);
        first.push(everything);
        first_requests = registry.requests_sent();
        second.push(rt.block_on(console_history(&client, &registry, revisions)).1);
        second_requests = registry.requests_sent() - first_requests;
        theirs.push(sim.kubectl(home.path(), &["rollout", "history", "deploy/app", "-n", "bench"]).0);
    }
    let (read, first, second, theirs) = (median(read), median(first), median(second), median(theirs));
    println!("| figure (a Deployment with {revisions} revisions, one image each, median of {rounds}) | measured |");
    println!("|---|---|");
    println!("| history read (the Deployment and its ReplicaSets), no registry | {:.0} ms |", read * 1000.0);
    println!("| history read + every image's provenance fetched (first look) | {:.0} ms |", first * 1000.0);
    println!(
        "| registry requests of the first look | {first_requests} ({:.1} per image) |",
        first_requests as f64 / revisions as f64
    );
    println!(
        "| the same again within 30 s (second look) | {:.0} ms, {second_requests} registry requests |",
        second * 1000.0
    );
    println!("| `kubectl rollout history` on the same sim, same run (no provenance) | {:.0} ms |", theirs * 1000.0);
    println!("| ratio history read / kubectl, first look / kubectl | {:.2}, {:.2} |", read / theirs, first / theirs);
}
