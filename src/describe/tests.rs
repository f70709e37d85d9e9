//! Tests for describe: quantities, tabwriter alignment, ages, probes, tolerations, per-kind outputs.

use super::quantity::Quantity;
use super::tabwriter::align;
use super::text::human_duration;
use super::{Related, describe};
use serde_json::{Value, json};

mod fixtures;

fn q(s: &str) -> Quantity {
    Quantity::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
}

fn canon(s: &str) -> String {
    q(s).canonical()
}

#[test]
fn quantities_print_in_canonical_form() {
    for (input, want) in [
        ("0", "0"),
        ("500m", "500m"),
        ("1000m", "1"),
        ("1500m", "1500m"),
        ("0.5", "500m"),
        ("1.5", "1500m"),
        ("2", "2"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1536Mi", "1536Mi"),
        ("1.5Gi", "1536Mi"),
        ("512", "512"),
        ("0.5Ki", "512"),
        ("1k", "1k"),
        ("1000", "1k"),
        ("1200", "1200"),
        ("12e2", "1200"),
        ("1e3", "1e3"),
        ("1E", "1E"),
        ("100M", "100M"),
        ("0.1", "100m"),
        ("1n", "1n"),
        ("0.0000000001", "1n"),
        ("+8", "8"),
        ("-500m", "-500m"),
        ("8Gi", "8Gi"),
        ("16384Ki", "16Mi"),
        ("1025Ki", "1025Ki"),
        ("100Gi", "100Gi"),
        ("2097152Ki", "2Gi"),
        ("0.1Ki", "102400m"),
    ] {
        assert_eq!(canon(input), want, "canonical form of {input}");
    }
    for bad in ["", "abc", "1.2.3", "5Qi", "."] {
        assert!(Quantity::parse(bad).is_none(), "{bad} must not parse");
    }
}

#[test]
fn quantities_add_compare_and_round_up() {
    let mut sum = q("500m");
    sum.add(&q("1"));
    assert_eq!(sum.canonical(), "1500m");
    let mut mem = q("1Gi");
    mem.add(&q("512Mi"));
    assert_eq!(mem.canonical(), "1536Mi");
    // A zero receiver takes the other operand's format, so a sum of binary quantities stays binary.
    let mut zero = Quantity::default();
    zero.add(&q("2Gi"));
    assert_eq!(zero.canonical(), "2Gi");
    // Mixed formats keep the first operand's: 1Gi + 1G is printed in binary.
    let mut mixed = q("1Gi");
    mixed.add(&q("1G"));
    assert_eq!(mixed.canonical(), "2073741824");
    assert!(q("1Gi").cmp(&q("1024Mi")).is_eq());
    assert!(q("1500m").cmp(&q("2")).is_lt());
    assert_eq!(q("1500m").milli(), 1500);
    assert_eq!(q("1500m").whole(), 2, "Value() rounds up");
    assert_eq!(q("1n").milli(), 1, "MilliValue() rounds up");
    assert_eq!(q("1Gi").whole(), 1_073_741_824);
}

#[test]
fn tabwriter_aligns_column_blocks_like_go() {
    let text =
        "Name:\tfoo\nNamespace:\tdefault\nLabels:\t<none>\nContainers:\n  c:\n    Image:\tx\n    Port:\t80/TCP\n";
    let want = "Name:       foo\nNamespace:  default\nLabels:     <none>\nContainers:\n  c:\n    Image:  x\n    Port:   80/TCP\n";
    assert_eq!(align(text), want);
    // Nested columns: a second column's block only spans lines that have it.
    let table = "  Type\tStatus\n  ----\t------\n  Ready \tTrue \n";
    assert_eq!(align(table), "  Type    Status\n  ----    ------\n  Ready   True \n");
    // Widths count characters, not bytes.
    assert_eq!(align("é\tx\nab\ty\n"), "é   x\nab  y\n");
}

#[test]
fn ages_follow_human_duration() {
    let s = 1_000_000_000i128;
    for (secs, want) in [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 12 * 60, "3h12m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (51 * 3600, "2d3h"),
        (41 * 86400, "41d"),
        (800 * 86400, "2y70d"),
        (9 * 365 * 86400, "9y"),
    ] {
        assert_eq!(human_duration(secs * s), want, "{secs}s");
    }
}

#[test]
fn smart_labels_split_camel_case() {
    use super::generic::smart_label;
    assert_eq!(smart_label("apiVersion"), "API Version");
    assert_eq!(smart_label("creationTimestamp"), "Creation Timestamp");
    assert_eq!(smart_label("uid"), "UID");
    assert_eq!(smart_label("podIPs"), "Pod I Ps");
    assert_eq!(smart_label("nvidia.com/gpu"), "nvidia.com/gpu");
}

#[test]
fn probes_print_on_one_line() {
    use super::container::describe_probe;
    let http = json!({"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1,
        "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3});
    assert_eq!(
        describe_probe(&http),
        "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3"
    );
    let exec = json!({"exec": {"command": ["cat", "/tmp/ready"]}, "initialDelaySeconds": 5});
    assert_eq!(describe_probe(&exec), "exec [cat /tmp/ready] delay=5s timeout=0s period=0s #success=0 #failure=0");
    let tcp = json!({"tcpSocket": {"port": "grpc"}});
    assert!(describe_probe(&tcp).starts_with("tcp-socket :grpc delay=0s"));
}

fn pod_with(spec: Value) -> Value {
    json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec, "status": {"phase": "Pending"}})
}

fn none() -> Related<'static> {
    Related { events: &[], pods: &[], owned: &[], lease: None, secrets: None }
}

#[test]
fn qos_class_is_computed_when_status_lacks_it() {
    let line = |pod: &Value| {
        describe(pod, &none(), 0).lines().find(|l| l.starts_with("QoS Class:")).map(str::to_string).unwrap_or_default()
    };
    let best = pod_with(json!({"containers": [{"name": "c", "image": "i"}]}));
    assert!(line(&best).ends_with("BestEffort"), "{}", line(&best));
    let res = json!({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m", "memory": "1024Mi"}});
    let guaranteed = pod_with(json!({"containers": [{"name": "c", "image": "i", "resources": res}]}));
    assert!(line(&guaranteed).ends_with("Guaranteed"), "{}", line(&guaranteed));
    let burst = pod_with(json!({"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "1"}}}]}));
    assert!(line(&burst).ends_with("Burstable"), "{}", line(&burst));
}

#[test]
fn tolerations_and_terminating_status() {
    let pod = json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns",
            "deletionTimestamp": "2026-12-01T20:00:00Z", "deletionGracePeriodSeconds": 30},
        "spec": {"containers": [], "tolerations": [
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
            {"operator": "Exists"}]},
        "status": {"phase": "Running"}});
    let now = "2026-12-01T20:05:00Z".parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or_default();
    let out = describe(&pod, &none(), now);
    assert!(out.contains("Status:                    Terminating (lasts 5m)\n"), "{out}");
    assert!(out.contains("Termination Grace Period:  30s\n"), "{out}");
    // `Containers: <none>` has no tab, so it ends the first column block: what follows aligns on its own.
    assert!(out.contains("IPs:                       <none>\nContainers: <none>\nVolumes:         <none>\n"), "{out}");
    assert!(out.contains("Tolerations:     op=Exists\n"), "{out}");
    assert!(out.contains("\n                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"), "{out}");
    assert!(out.contains("\n                 nvidia.com/gpu=present:NoSchedule\nEvents:          <none>\n"), "{out}");
}

#[test]
fn events_table_sorts_and_counts() {
    let pod = pod_with(json!({"containers": []}));
    let ev = |reason: &str, last: &str, count: i64| {
        json!({"involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"}, "type": "Normal", "reason": reason,
            "firstTimestamp": "2026-12-01T19:50:00Z", "lastTimestamp": last, "count": count,
            "source": {"component": "kubelet"}, "message": format!("{reason} happened ")})
    };
    let other = json!({"involvedObject": {"kind": "Pod", "name": "q", "namespace": "ns"}, "reason": "Elsewhere"});
    let events = [ev("Pulled", "2026-12-01T20:00:00Z", 4), ev("Scheduled", "2026-12-01T19:50:00Z", 1), other];
    let now = "2026-12-01T20:03:00Z".parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or_default();
    let out = describe(&pod, &Related { events: &events, ..none() }, now);
    let table: Vec<&str> = out.lines().skip_while(|l| *l != "Events:").collect();
    assert_eq!(
        table,
        [
            "Events:",
            "  Type    Reason     Age               From     Message",
            "  ----    ------     ----              ----     -------",
            "  Normal  Scheduled  13m               kubelet  Scheduled happened",
            "  Normal  Pulled     3m (x4 over 13m)  kubelet  Pulled happened",
        ]
    );
}

/// A line with runs of spaces collapsed, for checks that do not depend on column widths.
fn squash(line: &str) -> String {
    line.split(' ').filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

fn squashed(out: &str) -> Vec<String> {
    out.lines().map(squash).collect()
}

fn ts(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn times_print_as_rfc1123z_in_utc() {
    use super::text::rfc1123z;
    assert_eq!(rfc1123z(&json!("2026-12-01T20:12:03Z")), "Tue, 01 Dec 2026 20:12:03 +0000");
    assert_eq!(rfc1123z(&json!("2026-12-01T22:12:03+02:00")), "Tue, 01 Dec 2026 20:12:03 +0000");
    assert_eq!(rfc1123z(&Value::Null), "Mon, 01 Jan 0001 00:00:00 +0000");
    assert_eq!(rfc1123z(&json!("0001-01-01T00:00:00Z")), "Mon, 01 Jan 0001 00:00:00 +0000");
}

#[test]
fn selectors_and_taints_format_like_apimachinery() {
    use super::text::{format_labels, format_selector, taint_string};
    let sel = json!({"matchLabels": {"app": "vllm", "tier": "serve"},
        "matchExpressions": [{"key": "zone", "operator": "In", "values": ["b", "a"]}, {"key": "gpu", "operator": "Exists"}]});
    assert_eq!(format_selector(&sel), "app=vllm,gpu,tier=serve,zone in (a,b)");
    assert_eq!(format_labels(&json!({"b": "2", "a": "1"})), "a=1,b=2");
    assert_eq!(format_labels(&json!({})), "<none>");
    assert_eq!(
        taint_string(&json!({"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"})),
        "nvidia.com/gpu=present:NoSchedule"
    );
    assert_eq!(taint_string(&json!({"key": "dedicated", "effect": "NoExecute"})), "dedicated:NoExecute");
}

fn gpu_node() -> Value {
    json!({"kind": "Node", "metadata": {"name": "gpu-1", "uid": "u1", "creationTimestamp": "2026-10-21T00:00:00Z",
            "labels": {"node-role.kubernetes.io/gpu": "", "kubernetes.io/hostname": "gpu-1"}},
        "spec": {"taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"},
            {"key": "a", "effect": "NoExecute"}]},
        "status": {"capacity": {"cpu": "16", "memory": "64Gi", "nvidia.com/gpu": "8", "pods": "110"},
            "allocatable": {"cpu": "16", "memory": "64Gi", "nvidia.com/gpu": "8", "pods": "110", "hugepages-2Mi": "0"},
            "addresses": [{"type": "InternalIP", "address": "10.0.0.5"}],
            "nodeInfo": {"kubeletVersion": "v1.32.4"}}})
}

fn node_pod(name: &str, phase: &str, spec: Value) -> Value {
    let mut spec = spec;
    spec["nodeName"] = json!("gpu-1");
    json!({"kind": "Pod", "metadata": {"name": name, "namespace": "ml", "creationTimestamp": "2026-12-01T17:00:00Z"},
        "spec": spec, "status": {"phase": phase}})
}

#[test]
fn node_sums_requests_of_non_terminated_pods() {
    let big = json!({"containers": [{"name": "c", "resources": {
        "requests": {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "4"},
        "limits": {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "4"}}}]});
    let init = json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "500m"}}}],
        "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "1"}}}]});
    let pods = [
        node_pod("b-init", "Running", init),
        node_pod("a-big", "Running", big.clone()),
        node_pod("done", "Succeeded", big),
    ];
    let lease = json!({"spec": {"holderIdentity": "gpu-1", "renewTime": "2026-12-01T20:00:00.000000Z"}});
    let related = Related { pods: &pods, lease: Some(&lease), ..none() };
    let out = describe(&gpu_node(), &related, ts("2026-12-01T20:12:00Z"));
    let lines = squashed(&out);
    let has = |want: &str| assert!(lines.iter().any(|l| l == want), "missing {want:?} in\n{out}");
    has("Roles: gpu");
    has("Taints: a:NoExecute");
    has("nvidia.com/gpu=present:NoSchedule");
    has("Unschedulable: false");
    has("Lease:");
    has("HolderIdentity: gpu-1");
    has("AcquireTime: <unset>");
    has("RenewTime: Tue, 01 Dec 2026 20:00:00 +0000");
    has("Non-terminated Pods: (2 in total)");
    has("ml a-big 2 (12%) 4 (25%) 8Gi (12%) 16Gi (25%) 3h12m");
    has("ml b-init 1 (6%) 0 (0%) 0 (0%) 0 (0%) 3h12m");
    has("cpu 3 (18%) 4 (25%)");
    has("memory 8Gi (12%) 16Gi (25%)");
    has("ephemeral-storage 0 (0%) 0 (0%)");
    has("hugepages-2Mi 0 (0%) 0 (0%)");
    has("nvidia.com/gpu 4 4");
    assert!(!out.contains("done"), "terminated pods are not listed");
    assert!(out.ends_with("Events: <none>\n") || out.ends_with("Events:              <none>\n"), "{out}");
    let without = describe(&gpu_node(), &none(), 0);
    assert!(without.contains("Failed to get lease: leases.coordination.k8s.io \"gpu-1\" not found\n"), "{without}");
}

#[test]
fn deployment_picks_new_and_old_replica_sets() {
    let template =
        json!({"metadata": {"labels": {"app": "vllm"}}, "spec": {"containers": [{"name": "c", "image": "v2"}]}});
    let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "vllm", "namespace": "ml", "uid": "d1"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "vllm"}}, "template": template,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}}},
        "status": {"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2, "unavailableReplicas": 1}});
    let rs = |name: &str, image: &str, created: &str, replicas: i64, owner: &str| {
        json!({"kind": "ReplicaSet", "metadata": {"name": name, "uid": name, "creationTimestamp": created,
                "ownerReferences": [{"kind": "Deployment", "name": "vllm", "uid": owner, "controller": true}]},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": "vllm", "pod-template-hash": name}},
                "spec": {"containers": [{"name": "c", "image": image}]}}},
            "status": {"replicas": replicas}})
    };
    let owned = [
        rs("vllm-new", "v2", "2026-12-01T10:00:00Z", 3, "d1"),
        rs("vllm-old", "v1", "2026-11-01T10:00:00Z", 0, "d1"),
        rs("other", "v2", "2026-11-01T10:00:00Z", 1, "someone-else"),
    ];
    let out = describe(&dep, &Related { owned: &owned, ..none() }, 0);
    let lines = squashed(&out);
    let has = |want: &str| assert!(lines.iter().any(|l| l == want), "missing {want:?} in\n{out}");
    has("Replicas: 3 desired | 3 updated | 3 total | 2 available | 1 unavailable");
    has("RollingUpdateStrategy: 25% max unavailable, 1 max surge");
    has("Selector: app=vllm");
    has("OldReplicaSets: vllm-old (0/0 replicas created)");
    has("NewReplicaSet: vllm-new (3/3 replicas created)");
    has("Pod Template:");
    has("Labels: app=vllm");
    has("Image: v2");
}

#[test]
fn service_endpoints_come_from_slices_or_endpoints() {
    let svc = json!({"kind": "Service", "metadata": {"name": "api", "namespace": "ml"},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "selector": {"app": "api"}, "sessionAffinity": "None",
            "ports": [{"name": "http", "port": 80, "targetPort": 8000, "protocol": "TCP"}]}});
    let eps = json!({"kind": "Endpoints", "metadata": {"name": "api"}, "subsets": [{
        "addresses": [{"ip": "10.1.0.1"}, {"ip": "10.1.0.2"}, {"ip": "10.1.0.3"}, {"ip": "10.1.0.4"}],
        "notReadyAddresses": [{"ip": "10.1.0.9"}], "ports": [{"name": "http", "port": 8000}]}]});
    let out = describe(&svc, &Related { owned: std::slice::from_ref(&eps), ..none() }, 0);
    let lines = squashed(&out);
    let has = |want: &str| assert!(lines.iter().any(|l| l == want), "missing {want:?} in\n{out}");
    has("Port: http 80/TCP");
    has("TargetPort: 8000/TCP");
    has("Endpoints: 10.1.0.1:8000,10.1.0.2:8000,10.1.0.3:8000 + 1 more...");
    has("IP Family Policy: SingleStack");
    has("Selector: app=api");
    let slice = json!({"kind": "EndpointSlice", "metadata": {"name": "api-x"}, "ports": [{"name": "http", "port": 8000}],
        "endpoints": [{"addresses": ["10.1.0.1"], "conditions": {"ready": true}},
            {"addresses": ["10.1.0.2"], "conditions": {"ready": false}}]});
    let out = describe(&svc, &Related { owned: std::slice::from_ref(&slice), ..none() }, 0);
    assert!(squashed(&out).iter().any(|l| l == "Endpoints: 10.1.0.1:8000"), "{out}");
    let out = describe(&svc, &none(), 0);
    assert!(squashed(&out).iter().any(|l| l == "Endpoints: <none>"), "{out}");
}

#[test]
fn secrets_show_sizes_never_values() {
    let secret = json!({"kind": "Secret", "metadata": {"name": "hf", "namespace": "ml"}, "type": "Opaque",
        "data": {"token": "aGZfc2VjcmV0", "b": "YQ=="}});
    let out = describe(&secret, &none(), 0);
    assert!(out.contains("\nType:  Opaque\n\nData\n====\nb:      1 bytes\ntoken:  9 bytes\n"), "{out}");
    assert!(!out.contains("hf_secret") && !out.contains("aGZf"), "values must not leak: {out}");
    assert!(!out.contains("Events"), "secrets have no events section");
    assert!(!out.contains("Certificate"), "only TLS Secrets have a certificate section: {out}");
}

/// A `kubernetes.io/tls` Secret holding `crt` and, when given, `key` (PEM text, base64 as the API serves data).
fn tls_secret(crt: &str, key: Option<&str>) -> Value {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut data = json!({"tls.crt": b64(crt)});
    if let Some(key) = key {
        data["tls.key"] = json!(b64(key));
    }
    json!({"kind": "Secret", "metadata": {"name": "llm-tls", "namespace": "ml"}, "type": "kubernetes.io/tls",
        "data": data})
}

/// A self-signed P-256 certificate for `llm.acme.example` (and 10.0.0.7) valid from `not_before` to `not_after`,
/// and its key, both PEM.
fn tls_pair(not_before: (i32, u8, u8), not_after: (i32, u8, u8)) -> (String, String) {
    use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, SanType, date_time_ymd};
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut p = CertificateParams::new(vec!["llm.acme.example".to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, "llm.acme.example");
    p.subject_alt_names.push(SanType::IpAddress("10.0.0.7".parse().unwrap()));
    p.not_before = date_time_ymd(not_before.0, not_before.1, not_before.2);
    p.not_after = date_time_ymd(not_after.0, not_after.1, not_after.2);
    (p.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

#[test]
fn tls_secrets_show_their_certificate_after_kubectl_text() {
    let (crt, key) = tls_pair((2026, 1, 1), (2026, 4, 1));
    let out = describe(&tls_secret(&crt, Some(&key)), &none(), ts("2026-03-23T00:00:00Z"));
    let kubectl = format!(
        "\nType:  kubernetes.io/tls\n\nData\n====\ntls.crt:  {} bytes\ntls.key:  {} bytes\n",
        crt.len(),
        key.len()
    );
    let certificate = "\nCertificate:\n\
        \x20 Subject:     CN=llm.acme.example\n\
        \x20 SANs:        llm.acme.example, 10.0.0.7\n\
        \x20 Issuer:      CN=llm.acme.example\n\
        \x20 Not Before:  Thu, 01 Jan 2026 00:00:00 +0000\n\
        \x20 Not After:   Wed, 01 Apr 2026 00:00:00 +0000 (expires in 9d)\n\
        \x20 Chain:       1 certificate\n\
        \x20 Key:         matches\n";
    assert!(out.ends_with(&format!("{kubectl}{certificate}")), "{out}");
    assert!(!out.contains("BEGIN") && !out.contains(&key[40..80]), "values must not leak: {out}");
}

#[test]
fn tls_secrets_say_what_is_wrong_with_their_certificate() {
    let (crt, key) = tls_pair((2026, 1, 1), (2026, 4, 1));
    let (_, other) = tls_pair((2026, 1, 1), (2026, 4, 1));
    let at = |secret: &Value, now: &str| squashed(&describe(secret, &none(), ts(now)));
    let lines = at(&tls_secret(&crt, Some(&other)), "2026-04-04T00:00:00Z");
    assert!(lines.iter().any(|l| l == "Not After: Wed, 01 Apr 2026 00:00:00 +0000 (expired 3d ago)"), "{lines:?}");
    assert!(lines.iter().any(|l| l == "Key: DOES NOT MATCH the certificate"), "{lines:?}");
    let lines = at(&tls_secret(&crt, None), "2025-12-30T00:00:00Z");
    assert!(lines.iter().any(|l| l == "Key: missing"), "{lines:?}");
    assert!(lines.iter().any(|l| l.ends_with("+0000 (not valid for another 2d)")), "{lines:?}");
    let lines = at(
        &tls_secret(&crt, Some("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----\n")),
        "2026-02-01T00:00:00Z",
    );
    assert!(lines.iter().any(|l| l.starts_with("Key: unreadable: tls.key: ENCRYPTED PRIVATE KEY is not")), "{lines:?}");
    let out = describe(&tls_secret("not pem", Some(&key)), &none(), 0);
    assert!(out.ends_with("bytes\n\nCertificate:  does not parse: tls.crt: no PEM CERTIFICATE block\n"), "{out}");
    let mut bad = tls_secret(&crt, None);
    bad["data"]["tls.crt"] = json!("!!not base64!!");
    let out = describe(&bad, &none(), 0);
    assert!(out.ends_with("\nCertificate:  does not parse: the Secret's data does not decode\n"), "{out}");
    let mut no_crt = tls_secret(&crt, Some(&key));
    no_crt["data"].as_object_mut().unwrap().remove("tls.crt");
    let out = describe(&no_crt, &none(), 0);
    assert!(out.ends_with("\nCertificate:  does not parse: tls.crt: missing\n"), "{out}");
}

#[test]
fn generic_kinds_print_unstructured_fields() {
    let obj = json!({"apiVersion": "kubeflow.org/v1", "kind": "TFJob", "metadata": {"name": "train", "namespace": "ml",
            "uid": "j1", "managedFields": [{"manager": "x"}]},
        "spec": {"backoffLimit": 4, "completions": 1.5e6, "template": {"spec": {"restartPolicy": "Never"}}},
        "status": {"conditions": [{"type": "Complete", "status": "True"}], "active": 0}});
    let out = describe(&obj, &none(), 0);
    let lines = squashed(&out);
    for want in [
        "API Version: kubeflow.org/v1",
        "Kind: TFJob",
        "Metadata:",
        "UID: j1",
        "Spec:",
        "Backoff Limit: 4",
        "Completions: 1.5e+06",
        "Restart Policy: Never",
        "Status:",
        "Active: 0",
        "Type: Complete",
        "Events: <none>",
    ] {
        assert!(lines.iter().any(|l| l == want), "missing {want:?} in\n{out}");
    }
    assert!(!out.contains("Managed Fields") && !out.contains("manager"), "{out}");
}

#[test]
fn go_sort_orders_like_a_sort_and_keeps_short_runs_stable() {
    use super::gosort;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for len in [0usize, 1, 2, 5, 12, 13, 20, 49, 50, 51, 64, 200, 1000] {
        for distinct in [1u64, 3, 1000] {
            let mut v: Vec<(u64, usize)> = (0..len).map(|i| (next() % distinct, i)).collect();
            let mut want: Vec<u64> = v.iter().map(|x| x.0).collect();
            want.sort();
            gosort::sort(&mut v, |a, b| a.0 < b.0);
            assert_eq!(v.iter().map(|x| x.0).collect::<Vec<_>>(), want, "len {len}, {distinct} distinct");
            if len <= 12 {
                assert!(v.windows(2).all(|w| w[0].0 < w[1].0 || w[0].1 < w[1].1), "insertion sort is stable");
            }
        }
    }
    // Already sorted and reversed inputs take the pattern shortcuts.
    let mut asc: Vec<u32> = (0..300).collect();
    gosort::sort(&mut asc, |a, b| a < b);
    assert!(asc.windows(2).all(|w| w[0] <= w[1]));
    let mut desc: Vec<u32> = (0..300).rev().collect();
    gosort::sort(&mut desc, |a, b| a < b);
    assert_eq!(desc, (0..300).collect::<Vec<_>>());
}

#[test]
fn terminal_controls_are_escaped_and_series_events_counted() {
    let pod = json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns", "labels": {"x": "\u{1b}[31mred\r"}},
        "spec": {"containers": []}, "status": {"phase": "Running"}});
    let series = json!({"involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"}, "type": "Warning",
        "reason": "Unhealthy", "eventTime": "2026-12-01T19:00:00.000000Z", "reportingComponent": "kubelet",
        "series": {"count": 7, "lastObservedTime": "2026-12-01T20:00:00.000000Z"}, "message": "probe failed"});
    let now = ts("2026-12-01T20:10:00Z");
    let out = describe(&pod, &Related { events: std::slice::from_ref(&series), ..none() }, now);
    assert!(out.contains("x=^[[31mred\\r\n"), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\r'));
    let lines = squashed(&out);
    assert!(lines.iter().any(|l| l == "Warning Unhealthy 10m (x7 over 70m) kubelet probe failed"), "{out}");
}
