//! kube-rs 5 against `gpudeck sim`: typed reads, patches of every kind, server-side apply conflicts, scale, streaming
//! logs, and watcher + reflector convergence through expired resourceVersions and dropped watches.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::TestSim;
use futures_util::{AsyncBufReadExt, StreamExt, TryStreamExt};
use gpudeck::sim::SimConfig;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod};
use kube::api::{DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, Config};
use serde_json::json;

async fn client(sim: &TestSim, context: Option<&str>) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).expect("kubeconfig parses");
    let options = KubeConfigOptions { context: context.map(str::to_string), ..Default::default() };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options).await.expect("config");
    Client::try_from(config).expect("client")
}

async fn set_faults(client: &Client, faults: serde_json::Value) {
    let req = http::Request::post("/sim/faults")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&faults).expect("json"))
        .expect("request");
    client.request_text(req).await.expect("fault switch accepted");
}

fn api_error(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Polls the number of pods matching `selector` until it is `want` (or 15 s pass); returns the last count.
async fn pod_count_reaches(pods: &Api<Pod>, selector: &str, want: usize) -> usize {
    let mut count = usize::MAX;
    for _ in 0..60 {
        count = pods.list(&ListParams::default().labels(selector)).await.expect("pods").items.len();
        if count == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    count
}

#[test]
fn typed_reads_patches_apply_and_scale() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim, None).await;
        let version = client.apiserver_version().await.expect("version");
        assert_eq!(version.minor, "32");
        let nodes: Api<Node> = Api::all(client.clone());
        assert_eq!(nodes.list(&ListParams::default()).await.expect("nodes").items.len(), 12);
        let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-serve");
        let web = pods.list(&ListParams::default().labels("app=web")).await.expect("web pods");
        assert_eq!(web.items.len(), 10);
        let on_node = Api::<Pod>::all(client.clone()).list(&ListParams::default().fields("spec.nodeName=gpu-h100-05,status.phase=Running")).await.expect("field selector");
        assert!(on_node.items.iter().all(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some("gpu-h100-05")));
        assert!(!on_node.items.is_empty());
        assert!(pods.get_opt("nosuch").await.expect("get_opt").is_none());
        let bad = pods.list(&ListParams::default().fields("spec.bogus=1")).await.expect_err("unsupported field");
        assert_eq!(api_error(bad).code, 400);

        // Paged list: every pod exactly once across pages.
        let all_pods: Api<Pod> = Api::all(client.clone());
        let (mut names, mut token) = (BTreeSet::new(), None::<String>);
        loop {
            let mut lp = ListParams::default().limit(7);
            if let Some(t) = &token {
                lp = lp.continue_token(t);
            }
            let page = all_pods.list(&lp).await.expect("page");
            assert!(page.items.len() <= 7);
            for p in &page.items {
                assert!(names.insert(p.metadata.name.clone().unwrap_or_default()), "no duplicates across pages");
            }
            token = page.metadata.continue_.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        assert_eq!(names.len(), all_pods.list(&ListParams::default()).await.expect("all").items.len());

        let deploys: Api<Deployment> = Api::namespaced(client.clone(), "ml-serve");
        let merged = deploys.patch("web", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"team": "search"}}}))).await.expect("merge patch");
        assert_eq!(merged.metadata.labels.as_ref().and_then(|l| l.get("team")).map(String::as_str), Some("search"));
        let json_patched = deploys
            .patch("web", &PatchParams::default(), &Patch::<()>::Json(serde_json::from_value(json!([{"op": "add", "path": "/metadata/annotations", "value": {"owner": "sre"}}])).expect("json patch")))
            .await
            .expect("json patch");
        assert_eq!(json_patched.metadata.annotations.as_ref().and_then(|a| a.get("owner")).map(String::as_str), Some("sre"));
        let strategic = deploys
            .patch("web", &PatchParams::default(), &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "MODE", "value": "fast"}]}]}}}})))
            .await
            .expect("strategic merge");
        let containers = strategic.spec.template.spec.map(|s| s.containers).unwrap_or_default();
        assert_eq!(containers.len(), 1, "merged by name, not appended");
        assert_eq!(containers[0].image.as_deref(), Some("ghcr.io/acme-ml/web:5.2.1"));

        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "limits"}, "data": {"max": "8"}});
        let created = cms.patch("limits", &PatchParams::apply("gpudeck"), &Patch::Apply(&cm)).await.expect("apply creates");
        assert_eq!(created.metadata.managed_fields.as_ref().map(Vec::len), Some(1));
        let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "limits"}, "data": {"max": "16"}});
        let conflict = api_error(cms.patch("limits", &PatchParams::apply("other"), &Patch::Apply(&theirs)).await.expect_err("conflict"));
        assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
        assert!(conflict.message.contains("conflict with \"gpudeck\": .data.max"), "{}", conflict.message);
        let dry = cms.patch("limits", &PatchParams::apply("other").force().dry_run(), &Patch::Apply(&theirs)).await.expect("dry run");
        assert_eq!(dry.data.as_ref().and_then(|d| d.get("max")).map(String::as_str), Some("16"));
        assert_eq!(cms.get("limits").await.expect("get").data.and_then(|d| d.get("max").cloned()).as_deref(), Some("8"));
        cms.patch("limits", &PatchParams::apply("other").force(), &Patch::Apply(&theirs)).await.expect("forced");
        assert_eq!(cms.get("limits").await.expect("get").data.and_then(|d| d.get("max").cloned()).as_deref(), Some("16"));
        let stale = ConfigMap { metadata: kube::core::ObjectMeta { name: Some("limits".into()), resource_version: Some("1".into()), ..Default::default() }, ..Default::default() };
        assert_eq!(api_error(cms.replace("limits", &PostParams::default(), &stale).await.expect_err("stale")).code, 409);

        let scale = deploys.get_scale("llm-inference").await.expect("scale");
        assert_eq!(scale.spec.and_then(|s| s.replicas), Some(6));
        deploys.patch_scale("llm-inference", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 3}}))).await.expect("patch scale");
        assert_eq!(pod_count_reaches(&pods, "app=llm-inference", 3).await, 3, "scale-down terminated three pods");
        let negative = api_error(deploys.patch_scale("llm-inference", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": -1}}))).await.expect_err("negative"));
        assert_eq!(negative.code, 422);

        deploys.delete("web", &DeleteParams::default()).await.expect("delete");
        assert_eq!(pod_count_reaches(&pods, "app=web", 0).await, 0, "deleting a deployment deletes its replicasets and pods");
    });
}

#[test]
fn read_only_client_gets_forbidden() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let viewer = client(&sim, Some("gpudeck-sim-readonly")).await;
        let deploys: Api<Deployment> = Api::namespaced(viewer, "ml-serve");
        assert!(deploys.get("web").await.is_ok());
        let err = api_error(
            deploys
                .patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 1}})))
                .await
                .expect_err("forbidden"),
        );
        assert_eq!((err.code, err.reason.as_str()), (403, "Forbidden"));
        assert!(err.message.contains("cannot patch resource \"deployments\""), "{}", err.message);
    });
}

#[test]
fn log_stream_follows_a_training_pod() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim, None).await;
        let pods: Api<Pod> = Api::namespaced(client, "ml-train");
        let trainer =
            pods.list(&ListParams::default().labels("job-name=llama3-finetune")).await.expect("pods").items.remove(0);
        let name = trainer.metadata.name.unwrap_or_default();
        let params = LogParams { follow: true, tail_lines: Some(1), ..Default::default() };
        let mut lines = pods.log_stream(&name, &params).await.expect("stream").lines();
        let mut got = Vec::new();
        while got.len() < 3 {
            let next = tokio::time::timeout(Duration::from_secs(5), lines.try_next())
                .await
                .expect("a line within 5 s")
                .expect("read");
            got.push(next.expect("stream open"));
        }
        assert!(got.iter().all(|l| l.starts_with("epoch ")), "{got:?}");
        let tail = pods.logs(&name, &LogParams { tail_lines: Some(5), ..Default::default() }).await.expect("logs");
        assert_eq!(tail.lines().count(), 5);
        let recent = pods.logs(&name, &LogParams { since_seconds: Some(3), ..Default::default() }).await.expect("since");
        assert!((2..=4).contains(&recent.lines().count()), "one line a second: {recent}");
        let capped = pods.logs(&name, &LogParams { limit_bytes: Some(100), ..Default::default() }).await.expect("limit");
        assert_eq!(capped.len(), 100);

        // A two-container pod: the container must be named, and a wrong name is refused.
        let two: Pod = serde_json::from_value(json!({"metadata": {"name": "pair"}, "spec": {"containers": [
            {"name": "app", "image": "ghcr.io/acme-ml/web:5.2.1"}, {"name": "sidecar", "image": "ghcr.io/acme-ml/web:5.2.1"}]}}))
        .expect("pod");
        pods.create(&PostParams::default(), &two).await.expect("create pod");
        let which = api_error(pods.logs("pair", &LogParams::default()).await.expect_err("ambiguous"));
        assert_eq!(which.code, 400);
        assert_eq!(which.message, "a container name must be specified for pod pair, choose one of: [app sidecar]");
        let wrong = api_error(pods.logs("pair", &LogParams { container: Some("nope".into()), ..Default::default() }).await.expect_err("bad container"));
        assert_eq!(wrong.message, "container nope is not valid for pod pair");
    });
}

#[test]
fn streaming_list_watcher_sees_initial_events_then_changes() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim, None).await;
        let nodes: Api<Node> = Api::all(client.clone());
        let (reader, writer) = reflector::store();
        let stream =
            reflector(writer, watcher(nodes.clone(), watcher::Config::default().streaming_lists())).applied_objects();
        let watching = tokio::spawn(stream.for_each(|_| async {}));
        tokio::time::timeout(Duration::from_secs(10), reader.wait_until_ready())
            .await
            .expect("initial events end")
            .expect("ready");
        assert_eq!(reader.state().len(), 12);
        nodes
            .patch("cpu-02", &PatchParams::default(), &Patch::Merge(json!({"spec": {"unschedulable": true}})))
            .await
            .expect("cordon");
        let mut cordoned = false;
        for _ in 0..40 {
            cordoned = reader.state().iter().any(|n| {
                n.metadata.name.as_deref() == Some("cpu-02")
                    && n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true)
            });
            if cordoned {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        watching.abort();
        assert!(cordoned, "the change arrived after the initial events");
        let log = sim.request_log_lines();
        assert!(
            log.iter().any(|e| e["query"].as_str().is_some_and(|q| q.contains("sendInitialEvents=true"))),
            "watch used streaming lists"
        );
        assert!(!log.iter().any(|e| e["verb"] == "list" && e["path"] == "/api/v1/nodes"), "no list call");
    });
}

/// Creates configmaps `cm-0..n` one by one, flipping a fault halfway.
async fn create_configmaps(
    cms: &Api<ConfigMap>,
    client: &Client,
    range: std::ops::Range<usize>,
    fault: serde_json::Value,
) {
    for i in range.clone() {
        if i == range.start + range.len() / 2 {
            set_faults(client, fault.clone()).await;
        }
        let cm: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}")}, "data": {"i": i.to_string()}}))
                .expect("cm");
        cms.create(&PostParams::default(), &cm).await.expect("create");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[test]
fn reflector_converges_after_expiry_and_dropped_watches() {
    let sim = TestSim::start(SimConfig { history: 64, ..SimConfig::default() });
    sim.rt.block_on(async {
        let client = client(&sim, None).await;
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        let (reader, writer) = reflector::store();
        let stream = reflector(writer, watcher(cms.clone(), watcher::Config::default())).applied_objects();
        let watching = tokio::spawn(stream.for_each(|_| async {}));
        reader.wait_until_ready().await.expect("initial list");
        create_configmaps(&cms, &client, 0..20, json!({"expireResourceVersions": true})).await;
        create_configmaps(&cms, &client, 20..40, json!({"dropWatchesAfterSeconds": 1})).await;
        cms.delete("cm-3", &DeleteParams::default()).await.expect("delete");
        // More than the 64 kept changes while watches keep dropping: resuming needs a relist.
        create_configmaps(&cms, &client, 40..120, json!({"latencyMs": 0})).await;
        let want: BTreeSet<String> = (0..120).filter(|i| *i != 3).map(|i| format!("cm-{i}")).collect();
        let mut have = BTreeSet::new();
        for _ in 0..80 {
            have = reader
                .state()
                .iter()
                .filter_map(|cm| cm.metadata.name.clone())
                .filter(|n| n.starts_with("cm-"))
                .collect();
            if have == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        watching.abort();
        assert_eq!(have, want);
        let log = sim.request_log_lines();
        let lists =
            log.iter().filter(|e| e["verb"] == "list" && e["path"] == "/api/v1/namespaces/default/configmaps").count();
        assert!(lists >= 2, "the expiry forced a relist ({lists} lists)");
    });
}
