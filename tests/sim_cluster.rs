//! The sim behaves like a GPU cluster: DCGM exporter text through the service proxy agrees with which pods hold
//! which GPUs and moves over time; metrics.k8s.io answers for ready nodes; the demo scenario is the same per seed.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::TestSim;
use gpudeck::sim::dcgm;
use http_body_util::BodyExt;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

const DCGM_PATH: &str = "/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/metrics";

fn get(sim: &TestSim, path: &str) -> (u16, String) {
    sim.rt.block_on(async {
        let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
        let client = Client::try_from(config).unwrap();
        let resp = client.send(http::Request::get(path).body(kube::client::Body::empty()).unwrap()).await.unwrap();
        let code = resp.status().as_u16();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (code, String::from_utf8_lossy(&body).into_owned())
    })
}

type Samples = Vec<(String, BTreeMap<String, String>, f64)>;

fn of<'a>(samples: &'a Samples, metric: &str) -> Vec<&'a (String, BTreeMap<String, String>, f64)> {
    samples.iter().filter(|(m, _, _)| m == metric).collect()
}

#[test]
fn dcgm_exporter_follows_gpu_holders_and_moves() {
    let sim = TestSim::demo();
    let (code, text) = get(&sim, DCGM_PATH);
    assert_eq!(code, 200);
    assert!(text.contains("# TYPE DCGM_FI_DEV_GPU_UTIL gauge"));
    let samples = dcgm::parse(&text);
    let util = of(&samples, "DCGM_FI_DEV_GPU_UTIL");
    assert_eq!(util.len(), 5 * 8 + 4 * 4, "one sample per GPU");
    for (_, labels, _) in &util {
        for key in ["gpu", "UUID", "modelName", "Hostname", "device", "pci_bus_id", "DCGM_FI_DRIVER_VERSION"] {
            assert!(labels.contains_key(key), "{key} missing in {labels:?}");
        }
    }
    // The four 8-GPU fine-tuning pods hold 32 H100s, all busy.
    let training: Vec<_> =
        util.iter().filter(|(_, l, _)| l.get("pod").is_some_and(|p| p.starts_with("llama3-finetune-"))).collect();
    assert_eq!(training.len(), 32);
    assert!(training.iter().all(|(_, l, v)| *v >= 88.0 && l["modelName"] == "NVIDIA H100 80GB HBM3"), "{training:?}");
    let idle: Vec<_> = util.iter().filter(|(_, l, _)| !l.contains_key("pod")).collect();
    assert!(!idle.is_empty() && idle.iter().all(|(_, _, v)| *v == 0.0));
    let used = of(&samples, "DCGM_FI_DEV_FB_USED");
    let free = of(&samples, "DCGM_FI_DEV_FB_FREE");
    for ((_, lu, u), (_, lf, f)) in used.iter().zip(&free) {
        assert_eq!(lu, lf);
        let total = if lu["modelName"].contains("A100") { 81920.0 } else { 81559.0 };
        assert!((u + f - total).abs() < 1.0, "{u} + {f} != {total}");
    }
    let xid: Vec<_> = of(&samples, "DCGM_FI_DEV_XID_ERRORS").into_iter().filter(|(_, _, v)| *v > 0.0).collect();
    assert_eq!(xid.len(), 1, "exactly one GPU reports an XID");
    assert_eq!(xid[0].2, 79.0);

    std::thread::sleep(Duration::from_millis(5100));
    let later = dcgm::parse(&get(&sim, DCGM_PATH).1);
    let busy_now: Vec<f64> = of(&later, "DCGM_FI_DEV_POWER_USAGE").iter().map(|s| s.2).collect();
    let busy_then: Vec<f64> = of(&samples, "DCGM_FI_DEV_POWER_USAGE").iter().map(|s| s.2).collect();
    assert_ne!(busy_now, busy_then, "values move over time");

    let (code, _) = get(&sim, "/api/v1/namespaces/gpu-operator/services/nope:9400/proxy/metrics");
    assert_eq!(code, 404);
}

#[test]
fn metrics_api_reports_ready_nodes_and_running_pods() {
    let sim = TestSim::demo();
    let (code, body) = get(&sim, "/apis/metrics.k8s.io/v1beta1/nodes");
    assert_eq!(code, 200);
    let nodes: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> =
        nodes["items"].as_array().unwrap().iter().filter_map(|n| n["metadata"]["name"].as_str()).collect();
    assert_eq!(names.len(), 11, "the NotReady node has no metrics: {names:?}");
    assert!(!names.contains(&"gpu-a100-04"));
    assert!(nodes["items"][0]["usage"]["cpu"].as_str().unwrap().ends_with('n'));
    let (_, body) = get(&sim, "/apis/metrics.k8s.io/v1beta1/namespaces/ml-train/pods");
    let pods: serde_json::Value = serde_json::from_str(&body).unwrap();
    let items = pods["items"].as_array().unwrap();
    assert!(items.iter().all(|p| p["containers"].as_array().is_some_and(|c| !c.is_empty())));
    assert!(items.iter().any(|p| p["metadata"]["name"].as_str().unwrap().starts_with("llama3-finetune-")));
    assert!(
        !items.iter().any(|p| p["metadata"]["name"].as_str().unwrap().starts_with("data-prep-")),
        "finished pods have no metrics"
    );
}
