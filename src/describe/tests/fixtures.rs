//! Whole outputs compared with kubectl 1.32's text for the same objects (tests/fixtures/describe, from the sim).

use super::super::{Related, describe};
use serde_json::Value;

/// Objects captured from gpudeck's sim with the `kubectl describe` (1.32) text printed for them at `now`.
macro_rules! fixture {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../tests/fixtures/describe/", $name, ".json")),
            include_str!(concat!("../../../tests/fixtures/describe/", $name, ".txt")),
        )
    };
}

const FIXTURES: [(&str, &str, &str); 53] = [
    fixture!("pod-gpu"),
    fixture!("pod-crashloop"),
    fixture!("pod-pending"),
    fixture!("pod-probes"),
    // 60 tolerations over 3 keys: ties land where Go's pdqsort puts them.
    fixture!("pod-many-tolerations"),
    // Ephemeral claim template, projected, CSI and NFS volumes.
    fixture!("pod-volumes"),
    // A restartable (sidecar) init container, a larger one-shot init container and pod overhead.
    fixture!("pod-sidecar"),
    fixture!("node-sidecar"),
    fixture!("node-gpu"),
    fixture!("node-notready"),
    fixture!("node-control-plane"),
    // Cordoned, with roles from both role label styles.
    fixture!("node-cordoned"),
    fixture!("deployment"),
    fixture!("deployment-rollout"),
    fixture!("service"),
    fixture!("service-nodeport"),
    fixture!("service-lb"),
    fixture!("service-external"),
    fixture!("configmap"),
    fixture!("secret"),
    // A ReplicaSet of a Deployment whose pod is still pending.
    fixture!("replicaset"),
    fixture!("statefulset"),
    // A partition with maxUnavailable, a service account and two claim templates (one without class or size).
    fixture!("statefulset-claims"),
    fixture!("daemonset"),
    fixture!("job"),
    fixture!("job-failed"),
    // Indexed, suspended, with a TTL and an active deadline.
    fixture!("job-indexed"),
    fixture!("cronjob"),
    fixture!("cronjob-suspended"),
    // A starting deadline, a job template deadline and a job running now.
    fixture!("cronjob-active"),
    fixture!("pvc"),
    // An unknown storage class: pending, used by a pod, with a repeated warning.
    fixture!("pvc-pending"),
    fixture!("pv"),
    // A local volume with required node affinity terms.
    fixture!("pv-local"),
    fixture!("pv-nfs"),
    fixture!("storageclass"),
    // Mount options, allowed topologies, and last-applied-configuration printed raw among the annotations.
    fixture!("storageclass-topology"),
    fixture!("hpa"),
    // Every metric source type and scaling behavior.
    fixture!("hpa-metrics"),
    fixture!("pdb"),
    fixture!("pdb-max"),
    // Both directions: namespace+pod selectors, expressions, an IP block, port ranges, open rules.
    fixture!("networkpolicy"),
    fixture!("networkpolicy-deny"),
    fixture!("endpoints"),
    // TLS, a resource default backend, a named and a numbered service port, a missing service.
    fixture!("ingress"),
    fixture!("ingress-default"),
    fixture!("serviceaccount"),
    // Pull and mountable secrets, some missing from the namespace.
    fixture!("serviceaccount-secrets"),
    fixture!("endpointslice"),
    fixture!("endpointslice-ready"),
    // kubectl describes Events with its generic describer.
    fixture!("event"),
    fixture!("generic-lease"),
    // Live metrics: the JSON carries the timestamps kubectl saw when it described the object.
    fixture!("generic-podmetrics"),
];

fn render(fixture_json: &str) -> String {
    let v: Value = serde_json::from_str(fixture_json).expect("fixture is JSON");
    let items = |k: &str| v[k].as_array().cloned().unwrap_or_default();
    let (events, pods, owned) = (items("events"), items("pods"), items("owned"));
    let lease = if v["lease"].is_null() { None } else { Some(&v["lease"]) };
    let secrets = v["secrets"].as_array().map(Vec::as_slice);
    let now = v["now"].as_i64().expect("fixture records now");
    describe(&v["object"], &Related { events: &events, pods: &pods, owned: &owned, lease, secrets }, now)
}

/// Splits describe text at every line that starts in column 0, keeping each heading with its indented body.
fn sections(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        match out.last_mut() {
            Some(section) if line.starts_with(' ') => section.push_str(line),
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// kubectl walks ConfigMap and Secret data as Go maps (random order); sort entries so both sides compare.
fn sort_data_entries(kind: &str, text: &str) -> String {
    let Some((head, rest)) = text.split_once("\nData\n====\n") else { return text.to_string() };
    match kind {
        "Secret" => {
            let mut lines: Vec<&str> = rest.lines().collect();
            lines.sort();
            format!("{head}\nData\n====\n{}\n", lines.join("\n"))
        }
        "ConfigMap" => {
            let Some((data, tail)) = rest.split_once("\n\nBinaryData\n====\n") else { return text.to_string() };
            let lines: Vec<&str> = data.split_inclusive('\n').collect();
            let starts: Vec<usize> =
                (0..lines.len()).filter(|&i| lines.get(i + 1).is_some_and(|l| *l == "----\n")).collect();
            let mut entries: Vec<String> = starts
                .iter()
                .enumerate()
                .map(|(n, &s)| lines[s..starts.get(n + 1).copied().unwrap_or(lines.len())].concat())
                .collect();
            entries.sort();
            format!("{head}\nData\n====\n{}\n\nBinaryData\n====\n{tail}", entries.concat())
        }
        _ => text.to_string(),
    }
}

#[test]
fn fixtures_match_kubectl_section_by_section() {
    // Every fixture is compared before failing, so one run shows all the kinds that differ.
    let failures: Vec<String> = FIXTURES
        .iter()
        .filter_map(|&(name, json_text, kubectl)| {
            std::panic::catch_unwind(|| compare(name, json_text, kubectl)).err().map(|_| name.to_string())
        })
        .collect();
    assert!(failures.is_empty(), "fixtures that differ from kubectl: {failures:?}");
}

fn compare(name: &str, json_text: &str, kubectl: &str) {
    let kind = serde_json::from_str::<Value>(json_text).expect("fixture is JSON")["object"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ours = sort_data_entries(&kind, &render(json_text));
    let theirs = sort_data_entries(&kind, kubectl);
    let (ours_s, theirs_s) = (sections(&ours), sections(&theirs));
    assert!(theirs_s.len() >= 5, "{name}: fixture has too little to compare");
    for (i, (a, b)) in ours_s.iter().zip(&theirs_s).enumerate() {
        assert_eq!(a, b, "{name}: section {i} differs");
    }
    assert_eq!(ours_s.len(), theirs_s.len(), "{name}: section count differs");
    assert_eq!(ours, theirs, "{name}: full text differs");
}

#[test]
fn fixtures_cover_the_kubectl_details_that_matter() {
    let text = |name: &str| FIXTURES.iter().find(|f| f.0 == name).map(|f| render(f.1)).expect("known fixture");
    let probes = text("pod-probes");
    assert!(probes.contains("    Liveness:          http-get //:8000/health delay=120s"), "{probes}");
    assert!(probes.contains("      nvidia.com/gpu:  2\n"));
    assert!(probes.contains("Environment Variables from:\n"));
    assert!(probes.contains("      /cache from cache (rw,path=\"vllm\")\n"));
    let crash = text("pod-crashloop");
    assert!(crash.contains("    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n"));
    assert!(crash.contains(" (x2 over "), "repeated events show their count: {crash}");
    let node = text("node-gpu");
    assert!(node.contains("  RenewTime:       Tue, 01 Dec 2026 21:20:30 +0000\n"), "{node}");
    assert!(node.contains("  nvidia.com/gpu     2               8\n"), "{node}");
    assert!(node.contains("Non-terminated Pods:          (10 in total)\n"), "{node}");
    let rollout = text("deployment-rollout");
    assert!(rollout.contains("OldReplicaSets:  vllm-serve-6hhk86b44k (2/2 replicas created)\n"), "{rollout}");
    assert!(rollout.contains("NewReplicaSet:   vllm-serve-jf6c8698wj (1/1 replicas created)\n"), "{rollout}");
    let lease = text("generic-lease");
    assert!(lease.contains("Spec:\n  Acquire Time:            2026-11-06T21:20:45.000000Z\n"), "{lease}");
}
