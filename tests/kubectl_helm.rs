//! The demo's Helm releases as real kubectl and Helm's own decoding (Python's gzip and base64) see them: Secrets of
//! type `helm.sh/release.v1`, selected by field and by label as Helm's driver selects them, each holding the
//! release its labels name.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestSim;
use common::helm::decode;
use serde_json::Value;

#[test]
fn the_demo_keeps_its_releases_as_helm_does() {
    require_kubectl!();
    let sim = TestSim::demo();
    let by_type =
        sim.kubectl_ok(&["get", "secrets", "-A", "--field-selector", "type=helm.sh/release.v1", "--no-headers"]);
    assert_eq!(by_type.lines().count(), 9, "{by_type}");
    let list: Value =
        serde_json::from_str(&sim.kubectl_ok(&["get", "secrets", "-A", "-l", "owner=helm", "-o", "json"])).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let mut latest = std::collections::BTreeMap::new();
    for item in items {
        let labels = &item["metadata"]["labels"];
        let release = decode(item);
        assert_eq!(release["name"], labels["name"]);
        assert_eq!(release["version"].to_string(), labels["version"].as_str().unwrap());
        assert_eq!(release["info"]["status"], labels["status"]);
        assert_eq!(
            item["metadata"]["name"].as_str().unwrap(),
            format!("sh.helm.release.v1.{}.v{}", release["name"].as_str().unwrap(), release["version"])
        );
        let entry = latest.entry(release["name"].as_str().unwrap().to_string()).or_insert((0, String::new()));
        if release["version"].as_i64().unwrap() > entry.0 {
            *entry = (release["version"].as_i64().unwrap(), release["info"]["status"].as_str().unwrap().to_string());
        }
    }
    let latest: Vec<(String, i64, String)> = latest.into_iter().map(|(k, (v, s))| (k, v, s)).collect();
    assert_eq!(
        latest,
        [
            ("gpu-operator".to_string(), 2, "deployed".to_string()),
            ("reranker".to_string(), 3, "failed".to_string()),
            ("web".to_string(), 4, "pending-upgrade".to_string())
        ]
    );
    // The failed revision's manifest is what runs: the image that cannot be pulled.
    let failed = sim.kubectl_ok(&["get", "secret", "sh.helm.release.v1.reranker.v3", "-n", "ml-serve", "-o", "json"]);
    let release = decode(&serde_json::from_str(&failed).unwrap());
    assert!(release["manifest"].as_str().unwrap().contains("image: ghcr.io/acme-ml/reranker:2.4.1"), "{release}");
    let live = sim.kubectl_ok(&[
        "get",
        "deploy",
        "reranker",
        "-n",
        "ml-serve",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(live, "ghcr.io/acme-ml/reranker:2.4.1");
    let one = sim.kubectl_ok(&[
        "get",
        "secrets",
        "-n",
        "ml-serve",
        "-l",
        "owner=helm,name=web,status=deployed",
        "-o",
        "name",
    ]);
    assert_eq!(one.trim(), "secret/sh.helm.release.v1.web.v3");
}
