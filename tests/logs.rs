//! The log source against `gpudeck sim`: a followed job pod's lines arrive in batches, a crash-looping pod opens on its
//! previous instance and says so, a missing pod ends with a clear reason.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use gpudeck::event::{Data, Event};
use gpudeck::state::logs::{LogLine, LogTarget};
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use tokio::sync::mpsc;

async fn client(sim: &TestSim) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).unwrap();
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    Client::try_from(config).unwrap()
}

async fn pod_named(client: &Client, namespace: &str, prefix: &str) -> String {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = pods.list(&ListParams::default()).await.unwrap();
    list.items.into_iter().filter_map(|p| p.metadata.name).find(|n| n.starts_with(prefix)).unwrap()
}

/// What one stream produced: its description, its lines and why it ended (None: still running at the deadline).
struct Stream {
    described: String,
    lines: Vec<LogLine>,
    ended: Option<String>,
}

async fn collect(client: Client, target: LogTarget, want_lines: usize, deadline: Duration) -> Stream {
    collect_until(client, target, deadline, |s| s.lines.len() >= want_lines).await
}

async fn collect_until(
    client: Client,
    target: LogTarget,
    deadline: Duration,
    done: impl Fn(&Stream) -> bool,
) -> Stream {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = gpudeck::sources::logs::spawn(client, target, 7, tx);
    let mut out = Stream { described: String::new(), lines: Vec::new(), ended: None };
    let until = tokio::time::Instant::now() + deadline;
    while out.ended.is_none() && !done(&out) {
        let Ok(Some(Event::Data(data))) = tokio::time::timeout_at(until, rx.recv()).await else { break };
        match data {
            Data::LogStream { generation: 7, described } => out.described = described,
            Data::LogLines { generation: 7, lines } => out.lines.extend(lines),
            Data::LogEnded { generation: 7, why } => out.ended = Some(why),
            _ => panic!("a batch of another stream"),
        }
    }
    task.abort();
    out
}

#[test]
fn follows_a_running_job_pod() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let pod = pod_named(&client, "ml-train", "llama3-finetune").await;
        let stream = collect(client, LogTarget::new("ml-train", &pod), 20, Duration::from_secs(20)).await;
        assert_eq!(stream.ended, None, "a running pod's log keeps streaming");
        assert!(!stream.described.contains("previous"), "{}", stream.described);
        assert!(stream.lines.len() >= 20, "{} lines", stream.lines.len());
        assert!(stream.lines.iter().all(|l| !l.marker && !l.text.contains('\u{1b}') && !l.text.ends_with('\n')));
    });
}

#[test]
fn a_crash_looping_pod_opens_on_its_previous_instance() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let pod = pod_named(&client, "ml-serve", "tokenizer").await;
        let stream = collect(client, LogTarget::new("ml-serve", &pod), usize::MAX, Duration::from_secs(20)).await;
        assert!(stream.described.contains("previous instance"), "{}", stream.described);
        assert_eq!(stream.ended.as_deref(), Some("end of the previous instance's log"));
        assert!(!stream.lines.is_empty());
    });
}

#[test]
fn a_restarted_container_is_followed_with_markers() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-serve");
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "flaky", "annotations": {"sim.gpudeck.io/behavior": "crashloop"}},
            "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme-ml/tokenizer:0.9.1"}]}
        }))
        .unwrap();
        pods.create(&Default::default(), &pod).await.unwrap();
        let running = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let p = pods.get("flaky").await.unwrap();
                if p.status.and_then(|s| s.phase).as_deref() == Some("Running") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        running.await.expect("the pod runs");
        let follow = LogTarget { previous: Some(false), ..LogTarget::new("ml-serve", "flaky") };
        let stream = collect_until(client, follow, Duration::from_secs(60), |s| {
            s.lines.iter().any(|l| l.marker && l.text.contains("restarted"))
        })
        .await;
        let markers: Vec<&str> = stream.lines.iter().filter(|l| l.marker).map(|l| l.text.as_str()).collect();
        assert_eq!(
            markers,
            ["— app stopped; waiting for it to restart —", "— app restarted (restart 1); following the new instance —"],
            "{:?}",
            stream.ended
        );
        let before = stream.lines.iter().position(|l| l.marker).unwrap();
        assert!(stream.lines[..before].iter().any(|l| l.text.contains("Traceback")), "the crash is in the log");
    });
}

#[test]
fn a_workload_streams_every_pod_prefixed_and_new_pods_join() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let deployments: Api<k8s_openapi::api::apps::v1::Deployment> = Api::namespaced(client.clone(), "ml-serve");
        let web = deployments.get("embeddings").await.unwrap();
        let selector = web.spec.selector.match_labels.unwrap();
        let before: std::collections::BTreeSet<String> = {
            let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-serve");
            let labels = selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            pods.list(&ListParams::default().labels(&labels))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect()
        };
        let target = LogTarget { selector: Some(selector), ..LogTarget::new("ml-serve", "deployment/embeddings") };
        let scale = serde_json::json!({"spec": {"replicas": before.len() + 1}});
        let patch = kube::api::Patch::Merge(&scale);
        deployments.patch_scale("embeddings", &Default::default(), &patch).await.unwrap();
        let prefix_of =
            |l: &LogLine| l.text.strip_prefix('[').and_then(|r| r.split_once("] ")).map(|(p, _)| p.to_string());
        let stream = collect_until(client, target, Duration::from_secs(40), |s| {
            s.lines.iter().filter_map(prefix_of).any(|p| !before.contains(&p))
        })
        .await;
        assert!(stream.described.ends_with("pods, new ones join"), "{}", stream.described);
        let prefixes: std::collections::BTreeSet<String> = stream.lines.iter().filter_map(prefix_of).collect();
        assert!(before.iter().all(|p| prefixes.contains(p)), "every pod's lines, prefixed: {prefixes:?} vs {before:?}");
        assert!(prefixes.iter().any(|p| !before.contains(p)), "the new pod joined: {prefixes:?}");
    });
}

#[test]
fn a_pod_deleted_while_followed_ends_the_stream_clearly() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let pod = pod_named(&client, "ml-serve", "web-").await;
        let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-serve");
        let name = pod.clone();
        let deleter = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            pods.delete(&name, &Default::default()).await.unwrap();
        });
        let stream = collect_until(client, LogTarget::new("ml-serve", &pod), Duration::from_secs(30), |_| false).await;
        deleter.await.unwrap();
        assert_eq!(stream.ended, Some(format!("pod {pod} no longer exists")), "{:?}", stream.lines.last());
    });
}

#[test]
fn a_missing_pod_ends_with_the_reason() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client(&sim).await;
        let stream = collect(client, LogTarget::new("ml-train", "no-such-pod"), 1, Duration::from_secs(10)).await;
        assert_eq!(stream.ended.as_deref(), Some("pod no-such-pod no longer exists"));
        assert!(stream.lines.is_empty());
    });
}
