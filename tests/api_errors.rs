//! Bad input gets the apiserver's Status, never a panic, hang or corrupted store: malformed bodies, unknown
//! resources, wrong content types, invalid objects, and property-tested garbage in bodies, patches and selectors.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use proptest::prelude::*;
use serde_json::Value;

fn client(sim: &TestSim) -> Client {
    sim.rt.block_on(async {
        let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).expect("kubeconfig");
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.expect("config");
        Client::try_from(config).expect("client")
    })
}

/// Sends a raw request; returns the status code and the body parsed as JSON (Null when it is not JSON).
fn raw(sim: &TestSim, client: &Client, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    sim.rt.block_on(async {
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .body(body.to_vec())
            .expect("request");
        let resp = tokio::time::timeout(Duration::from_secs(10), client.send(req.map(kube::client::Body::from)))
            .await
            .expect("answered within 10 s");
        let resp = resp.expect("transport");
        let status = resp.status().as_u16();
        let bytes = http_body_util_collect(resp).await;
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    })
}

async fn http_body_util_collect(resp: http::Response<kube::client::Body>) -> Vec<u8> {
    use http_body_util::BodyExt;
    resp.into_body().collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default()
}

const CM_PATH: &str = "/api/v1/namespaces/default/configmaps";

#[test]
fn malformed_unknown_unsupported_and_invalid() {
    let sim = TestSim::demo();
    let c = client(&sim);
    let (code, status) = raw(&sim, &c, "POST", CM_PATH, "application/json", b"{\"metadata\": {\"name\": ");
    assert_eq!(code, 400);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "BadRequest");
    assert!(status["message"].as_str().unwrap_or_default().contains("line 1 column"), "{status}");

    let (code, status) = raw(&sim, &c, "GET", "/api/v1/namespaces/default/widgets", "", b"");
    assert_eq!((code, status["reason"].as_str()), (404, Some("NotFound")));

    let (code, status) = raw(&sim, &c, "POST", CM_PATH, "application/vnd.kubernetes.protobuf", b"\x6b\x38\x73\x00");
    assert_eq!((code, status["reason"].as_str()), (415, Some("UnsupportedMediaType")));
    let (code, _) = raw(&sim, &c, "PATCH", &format!("{CM_PATH}/x"), "text/plain", b"{}");
    assert_eq!(code, 415);

    let bad_name = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_Valid"}}"#;
    let (code, status) = raw(&sim, &c, "POST", CM_PATH, "application/json", bad_name);
    assert_eq!((code, status["reason"].as_str()), (422, Some("Invalid")));
    assert_eq!(status["details"]["causes"][0]["field"], "metadata.name");

    let bad_deploy = br#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":-2,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"other"}},"spec":{"containers":[]}}}}"#;
    let (code, status) =
        raw(&sim, &c, "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", bad_deploy);
    assert_eq!(code, 422);
    let fields: Vec<&str> = status["details"]["causes"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["spec.replicas", "spec.template.metadata.labels", "spec.template.spec.containers"]);

    let wrong_kind = br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}"#;
    assert_eq!(raw(&sim, &c, "POST", CM_PATH, "application/json", wrong_kind).0, 400);
    let no_ns = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#;
    let (code, status) = raw(&sim, &c, "POST", "/api/v1/namespaces/nowhere/configmaps", "application/json", no_ns);
    assert_eq!((code, status["message"].as_str()), (404, Some("namespaces \"nowhere\" not found")));
    let (code, status) =
        raw(&sim, &c, "PATCH", &format!("{CM_PATH}/x"), "application/apply-patch+yaml", b"kind: ConfigMap");
    assert_eq!(code, 422, "apply needs a field manager: {status}");
    let (code, status) = raw(
        &sim,
        &c,
        "PATCH",
        &format!("{CM_PATH}/x?fieldManager=t"),
        "application/apply-patch+yaml",
        b"data: [unclosed\n  - x: :",
    );
    assert_eq!((code, status["reason"].as_str()), (400, Some("BadRequest")), "malformed YAML: {status}");
    let (code, status) = raw(&sim, &c, "GET", "/api/v1/pods?labelSelector=app%3D%3D%3D", "", b"");
    assert_eq!((code, status["reason"].as_str()), (400, Some("BadRequest")));
    let (code, _) = raw(&sim, &c, "GET", "/api/v1/pods?limit=-4", "", b"");
    assert_eq!(code, 400);
    let (code, _) = raw(&sim, &c, "GET", "/api/v1/pods?limit=5&continue=bm90LWEtdG9rZW4", "", b"");
    assert_eq!(code, 400);
    assert_eq!(raw(&sim, &c, "GET", "/version", "", b"").1["minor"], "32");
}

#[test]
fn injected_5xx_burst_then_recovery() {
    let sim = TestSim::demo();
    let c = client(&sim);
    let (code, _) = raw(&sim, &c, "POST", "/sim/faults", "application/json", br#"{"errorBurst": 3}"#);
    assert_eq!(code, 200);
    // kube-rs retries 503s by itself, so the client sees success and the request log shows the burst.
    assert_eq!(raw(&sim, &c, "GET", "/api/v1/nodes", "", b"").0, 200);
    let codes: Vec<u64> = sim
        .request_log_lines()
        .iter()
        .filter(|e| e["path"] == "/api/v1/nodes")
        .filter_map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(codes, [503, 503, 503, 200]);
    let (code, _) = raw(&sim, &c, "POST", "/sim/faults", "application/json", br#"{"nonsense": 1}"#);
    assert_eq!(code, 400);
}

#[test]
fn restart_keeps_state() {
    let sim = TestSim::demo();
    let c = client(&sim);
    let cm = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"survivor"},"data":{"a":"1"}}"#;
    assert_eq!(raw(&sim, &c, "POST", CM_PATH, "application/json", cm).0, 201);
    assert_eq!(raw(&sim, &c, "POST", "/sim/restart?downMs=300", "", b"").0, 202);
    std::thread::sleep(Duration::from_millis(900));
    // A new client: the old connections were dropped with the restart.
    let fresh = client(&sim);
    let (code, body) = raw(&sim, &fresh, "GET", &format!("{CM_PATH}/survivor"), "", b"");
    assert_eq!((code, body["data"]["a"].as_str()), (200, Some("1")));
}

/// Garbage never gets a 5xx or a hang, and afterwards the store still lists cleanly.
fn assert_handled(code: u16) {
    assert!(matches!(code, 200 | 201 | 400 | 404 | 405 | 409 | 410 | 415 | 422), "unexpected status {code}");
}

#[test]
fn property_garbage_bodies_patches_and_selectors() {
    let sim = TestSim::demo();
    let c = client(&sim);
    let json_value = prop::collection::vec(any::<u8>(), 0..200);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 96, ..ProptestConfig::default() });
    let content_types = [
        "application/json",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    ];
    runner
        .run(&(json_value, 0usize..5, any::<bool>()), |(bytes, ct, as_text)| {
            let body: Vec<u8> = if as_text { String::from_utf8_lossy(&bytes).into_owned().into_bytes() } else { bytes };
            let ct = content_types[ct];
            let (code, _) = raw(
                &sim,
                &c,
                "PATCH",
                "/apis/apps/v1/namespaces/ml-serve/deployments/web?fieldManager=fuzz",
                ct,
                &body,
            );
            assert_handled(code);
            let (code, _) = raw(&sim, &c, "POST", CM_PATH, "application/json", &body);
            assert_handled(code);
            Ok(())
        })
        .expect("byte garbage handled");
    let structured = prop::collection::vec(
        prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("\"spec\":".to_string()),
            Just("\"replicas\":".to_string()),
            Just("null,".to_string()),
            Just("\"$patch\":\"delete\"".to_string()),
            Just("{\"op\":\"remove\",\"path\":\"/spec\"}".to_string()),
            Just("\"name\":\"x\"".to_string()),
            "[a-z0-9=!,()]{0,6}".prop_map(|s| s)
        ],
        0..24,
    );
    runner
        .run(&(structured, 0usize..5), |(parts, ct)| {
            let body = parts.concat();
            let (code, _) = raw(
                &sim,
                &c,
                "PATCH",
                "/apis/apps/v1/namespaces/ml-serve/deployments/web?fieldManager=fuzz",
                content_types[ct],
                body.as_bytes(),
            );
            assert_handled(code);
            Ok(())
        })
        .expect("structured garbage handled");
    runner
        .run(&("[ -~]{0,40}", "[ -~]{0,40}"), |(labels, fields)| {
            let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            let (code, _) = raw(
                &sim,
                &c,
                "GET",
                &format!("/api/v1/pods?labelSelector={}&fieldSelector={}", enc(&labels), enc(&fields)),
                "",
                b"",
            );
            assert_handled(code);
            Ok(())
        })
        .expect("selector garbage handled");
    // The store is intact: every object still lists and the deployment still reads back as a Deployment.
    let (code, list) = raw(&sim, &c, "GET", "/api/v1/pods", "", b"");
    assert_eq!(code, 200);
    assert!(list["items"].as_array().is_some_and(|i| i.len() > 100));
    let (code, web) = raw(&sim, &c, "GET", "/apis/apps/v1/namespaces/ml-serve/deployments/web", "", b"");
    assert_eq!((code, web["kind"].as_str()), (200, Some("Deployment")));
}
