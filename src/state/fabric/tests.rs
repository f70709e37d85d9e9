//! Reducer tests of the rules between the pods: each rule's line appears with its why, goes when the cause does,
//! and a threshold in time turns it without any new data.

use serde_json::json;

use crate::event::{Data, Facts};
use crate::model::events::WarningEvent;
use crate::model::nodelayer::{DaemonSetFacts, LeaseFacts};
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::policies::{AutoscalerFacts, PolicyFacts};
use crate::model::services::{IngressFacts, ServiceFacts, SliceFacts};
use crate::model::storage::{ClaimFacts, VolumeFacts, VolumeUsage};
use crate::model::{Delta, Health, ObjectId};
use crate::state::State;
use crate::state::triage::TriageRow;

const NOW: i64 = 1_800_000_000;

fn iso(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|t| t.to_string()).unwrap_or_default()
}

fn reset<T>(rows: Vec<T>) -> Delta<T> {
    Delta { reset: true, upserts: rows, deletes: vec![] }
}

/// A state whose every fabric watch has listed (empty unless given), at `NOW`.
fn state() -> State {
    let mut s = State::new("test", false, NOW, (160, 50));
    s.absorb(Data::Facts(Facts::Services(reset(vec![]))));
    s.absorb(Data::Facts(Facts::Slices(reset(vec![]))));
    s.absorb(Data::Facts(Facts::Ingresses(reset(vec![]))));
    s.absorb(Data::Facts(Facts::Secrets(reset(vec![]))));
    s.settle();
    s
}

fn line<'a>(s: &'a State, name: &str) -> Option<&'a TriageRow> {
    s.triage.all().find(|t| t.id.name == name)
}

fn service(ns: &str, name: &str, spec: serde_json::Value) -> ServiceFacts {
    ServiceFacts::from_service(
        &serde_json::from_value(json!({"metadata": {"name": name, "namespace": ns, "uid": format!("svc-{name}"),
            "creationTimestamp": iso(NOW - 3600)}, "spec": spec}))
        .unwrap(),
    )
}

fn slice(ns: &str, service: &str, endpoints: serde_json::Value) -> SliceFacts {
    SliceFacts::from_slice(
        &serde_json::from_value(
            json!({"metadata": {"name": format!("{service}-x"), "namespace": ns, "uid": format!("slice-{service}"),
            "labels": {"kubernetes.io/service-name": service}}, "addressType": "IPv4", "endpoints": endpoints}),
        )
        .unwrap(),
    )
}

fn pod(ns: &str, name: &str, labels: &[(&str, &str)], ports: &[(&str, i32)]) -> PodRow {
    PodRow {
        id: ObjectId { namespace: ns.into(), name: name.into(), uid: format!("pod-{name}") },
        ready: (1, 1),
        status: "Running".into(),
        node: "n1".into(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ports: ports.iter().map(|(n, p)| (std::sync::Arc::from(*n), *p)).collect(),
        created: NOW - 3600,
        ..PodRow::default()
    }
}

fn pods(s: &mut State, rows: Vec<PodRow>) {
    s.absorb(Data::Pods(reset(rows)));
}

#[test]
fn a_service_selecting_no_pod_is_a_warning_and_an_error_once_an_ingress_routes_to_it() {
    let mut s = state();
    let gateway =
        service("ml", "gateway", json!({"selector": {"app": "gateway"}, "ports": [{"port": 80, "targetPort": 8000}]}));
    s.absorb(Data::Facts(Facts::Services(Delta { upserts: vec![gateway], ..Delta::default() })));
    s.absorb(Data::Facts(Facts::Slices(Delta {
        upserts: vec![slice("ml", "gateway", json!([]))],
        ..Delta::default()
    })));
    s.settle();
    let l = line(&s, "gateway").expect("a line for the service");
    assert_eq!((l.kind.as_str(), l.problem.as_str(), l.severity), ("service", "NoEndpoints", Health::Warn));
    assert_eq!(l.why, "selector app=gateway matches no pod");
    assert_eq!(l.address.as_ref().map(|a| a.kind.as_str()), Some("Service"), "enter and d address the Service");

    let ingress = IngressFacts::from_ingress(
        &serde_json::from_value(json!({"metadata": {"name": "llm", "namespace": "ml", "uid": "ing-1"},
            "spec": {"rules": [{"host": "llm.example", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "gateway", "port": {"number": 80}}}}]}}]}}))
        .unwrap(),
    );
    s.absorb(Data::Facts(Facts::Ingresses(Delta { upserts: vec![ingress], ..Delta::default() })));
    s.settle();
    let l = line(&s, "gateway").unwrap();
    assert_eq!(l.severity, Health::Error);
    assert!(l.why.ends_with("; ingress llm routes to it"), "{}", l.why);
    let i = line(&s, "llm").expect("the ingress has a line too");
    assert_eq!(
        (i.problem.as_str(), i.why.as_str()),
        ("BackendDown", "backend service gateway has no ready endpoint (llm.example)")
    );

    // A pod arrives and the controller lists it: both lines go.
    pods(&mut s, vec![pod("ml", "gateway-1", &[("app", "gateway")], &[("http", 8000)])]);
    let ready = json!([{"addresses": ["10.0.0.9"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": "gateway-1", "uid": "pod-gateway-1"}}]);
    s.absorb(Data::Facts(Facts::Slices(Delta { upserts: vec![slice("ml", "gateway", ready)], ..Delta::default() })));
    s.settle();
    assert_eq!(line(&s, "gateway"), None);
    assert_eq!(line(&s, "llm"), None);
}

#[test]
fn a_service_says_why_it_has_no_endpoint_and_when_its_target_port_is_not_declared() {
    let mut s = state();
    pods(
        &mut s,
        vec![
            pod("ml", "api-1", &[("app", "api")], &[("web", 8080)]),
            pod("ml", "db-1", &[("app", "db")], &[("pg", 5432)]),
        ],
    );
    let named =
        service("ml", "api", json!({"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": "http"}]}));
    let numbered =
        service("ml", "db", json!({"selector": {"app": "db"}, "ports": [{"port": 5432, "targetPort": 5433}]}));
    let waiting = service("ml", "cache", json!({"selector": {"app": "cache"}, "ports": [{"port": 6379}]}));
    s.absorb(Data::Facts(Facts::Services(reset(vec![named, numbered, waiting]))));
    let db = json!([{"addresses": ["10.0.0.2"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": "db-1", "uid": "pod-db-1"}}]);
    let cache = json!([{"addresses": ["10.0.0.3"], "conditions": {"ready": false}, "targetRef": {"kind": "Pod", "name": "cache-1", "uid": "pod-cache-1"}}]);
    s.absorb(Data::Facts(Facts::Slices(reset(vec![
        slice("ml", "api", json!([])),
        slice("ml", "db", db),
        slice("ml", "cache", cache),
    ]))));
    s.settle();
    assert_eq!(line(&s, "api").unwrap().why, "none of the 1 selected pods declares port \"http\" (targetPort)");
    let db = line(&s, "db").unwrap();
    assert_eq!(
        (db.problem.as_str(), db.why.as_str()),
        ("PortMismatch", "targetPort 5433 is not a port pod db-1 declares (5432)")
    );
    assert_eq!(line(&s, "cache").unwrap().why, "0 of 1 endpoints ready");
}

#[test]
fn nothing_is_judged_without_endpoints_before_the_slices_are_listed() {
    let mut s = State::new("test", false, NOW, (160, 50));
    let svc = service("ml", "api", json!({"selector": {"app": "api"}, "ports": [{"port": 80}]}));
    s.absorb(Data::Facts(Facts::Services(reset(vec![svc]))));
    s.settle();
    assert_eq!(line(&s, "api"), None, "the slices have not been listed yet");
    s.absorb(Data::Facts(Facts::Slices(reset(vec![]))));
    s.settle();
    assert!(line(&s, "api").is_some());
}

#[test]
fn a_load_balancer_without_an_address_is_an_error_after_five_minutes() {
    let mut s = state();
    let mut lb = service("ml", "public", json!({"type": "LoadBalancer", "ports": [{"port": 443}]}));
    lb.created = NOW - 60;
    s.absorb(Data::Facts(Facts::Services(reset(vec![lb]))));
    s.settle();
    assert_eq!(line(&s, "public"), None, "a minute is normal for a cloud to assign one");
    s.tick(NOW + 241);
    s.settle();
    let l = line(&s, "public").expect("the clock alone turns it");
    assert_eq!((l.problem.as_str(), l.severity), ("NoAddress", Health::Error));
    assert!(l.why.starts_with("LoadBalancer has no external address after 5m"), "{}", l.why);
}

fn claim(name: &str, phase: &str, class: &str, age: i64) -> ClaimFacts {
    ClaimFacts::from_claim(
        &serde_json::from_value(json!({"metadata": {"name": name, "namespace": "ml", "uid": format!("pvc-{name}"), "creationTimestamp": iso(NOW - age)},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class, "resources": {"requests": {"storage": "100Gi"}}},
            "status": {"phase": phase}}))
        .unwrap(),
    )
}

#[test]
fn a_pending_claim_gives_the_provisioners_reason_and_turns_an_error_after_two_minutes() {
    let mut s = state();
    s.absorb(Data::Facts(Facts::Claims(reset(vec![claim("scratch", "Pending", "fast-nvme", 30)]))));
    s.settle();
    assert_eq!(line(&s, "scratch").unwrap().why, "waiting for a volume (class fast-nvme)", "before any event");
    let event = WarningEvent {
        uid: "e1".into(),
        kind: "PersistentVolumeClaim".into(),
        object: ObjectId { namespace: "ml".into(), name: "scratch".into(), uid: "pvc-scratch".into() },
        reason: "ProvisioningFailed".into(),
        message: "storageclass.storage.k8s.io \"fast-nvme\" not found".into(),
        count: 2,
        last: NOW - 10,
    };
    s.absorb(Data::Warnings(Delta { reset: false, upserts: vec![event], deletes: vec![] }));
    s.settle();
    let l = line(&s, "scratch").unwrap();
    assert_eq!((l.problem.as_str(), l.severity), ("Pending", Health::Pending));
    assert_eq!(l.why, "ProvisioningFailed: storageclass.storage.k8s.io \"fast-nvme\" not found");
    assert_eq!(s.triage.all().filter(|t| t.id.name == "scratch").count(), 1, "the event is the line's why, not a line");
    s.tick(NOW + 95);
    s.settle();
    assert_eq!(line(&s, "scratch").unwrap().severity, Health::Error);
}

#[test]
fn a_mounted_claim_is_a_warning_at_90_percent_an_error_at_98_and_its_nodes_kubelet_is_asked() {
    let mut s = state();
    s.absorb(Data::Facts(Facts::Claims(reset(vec![claim("checkpoints", "Bound", "gp3", 86400)]))));
    let trainer =
        PodRow { claims: vec!["checkpoints".into()], node: "gpu-1".into(), ..pod("ml", "trainer-0", &[], &[]) };
    pods(&mut s, vec![trainer]);
    s.effects.clear();
    s.settle();
    assert!(
        s.effects.contains(&crate::event::Effect::VolumeStats { nodes: vec!["gpu-1".into()] }),
        "only the node the claim is mounted on is asked"
    );
    let usage = |used| Ok(vec![(("ml".to_string(), "checkpoints".to_string()), VolumeUsage { used, capacity: 100 })]);
    s.absorb(Data::VolumeStats { node: "gpu-1".into(), usage: usage(93) });
    s.settle();
    let l = line(&s, "checkpoints").unwrap();
    assert_eq!((l.problem.as_str(), l.severity), ("NearlyFull", Health::Warn));
    assert!(l.why.starts_with("93% used") && l.why.ends_with("mounted by trainer-0"), "{}", l.why);
    s.absorb(Data::VolumeStats { node: "gpu-1".into(), usage: usage(99) });
    s.settle();
    assert_eq!(line(&s, "checkpoints").unwrap().severity, Health::Error);
    s.absorb(Data::VolumeStats { node: "gpu-1".into(), usage: usage(40) });
    s.settle();
    assert_eq!(line(&s, "checkpoints"), None);

    s.absorb(Data::VolumeStats {
        node: "gpu-1".into(),
        usage: Err("forbidden: this user may not get nodes/proxy".into()),
    });
    assert_eq!(
        s.fabric.usage_unknown("ml", "checkpoints", &s.pods).as_deref(),
        Some("node gpu-1: forbidden: this user may not get nodes/proxy")
    );
    s.effects.clear();
    s.tick(NOW + 30);
    s.settle();
    assert!(!s.effects.iter().any(|e| matches!(e, crate::event::Effect::VolumeStats { .. })), "gently: once a minute");
    s.tick(NOW + 61);
    s.settle();
    assert!(s.effects.iter().any(|e| matches!(e, crate::event::Effect::VolumeStats { .. })));
}

#[test]
fn a_released_volume_is_a_warning_and_a_failed_one_an_error() {
    let mut s = state();
    let volume = |name: &str, phase: &str, message: &str| {
        VolumeFacts::from_volume(
            &serde_json::from_value(json!({"metadata": {"name": name, "uid": format!("pv-{name}")},
                "spec": {"claimRef": {"namespace": "ml", "name": "old"}, "persistentVolumeReclaimPolicy": "Retain"},
                "status": {"phase": phase, "message": message}}))
            .unwrap(),
        )
    };
    s.absorb(Data::Facts(Facts::Volumes(reset(vec![
        volume("pv-a", "Released", ""),
        volume("pv-b", "Failed", "error deleting EBS volume: VolumeInUse"),
        volume("pv-c", "Bound", ""),
    ]))));
    s.settle();
    assert_eq!(line(&s, "pv-a").map(|l| l.severity), Some(Health::Warn));
    let failed = line(&s, "pv-b").unwrap();
    assert_eq!((failed.severity, failed.why.as_str()), (Health::Error, "error deleting EBS volume: VolumeInUse"));
    assert_eq!(line(&s, "pv-c"), None);
}

fn policy(name: &str, spec: serde_json::Value) -> PolicyFacts {
    PolicyFacts::from_policy(
        &serde_json::from_value(
            json!({"metadata": {"name": name, "namespace": "ml", "uid": format!("np-{name}")}, "spec": spec}),
        )
        .unwrap(),
    )
}

#[test]
fn a_default_deny_is_noted_once_per_namespace_while_some_service_has_pods_no_policy_admits() {
    let mut s = state();
    pods(
        &mut s,
        vec![pod("ml", "notebook-0", &[("app", "notebook")], &[]), pod("ml", "api-0", &[("app", "api")], &[])],
    );
    let svc = |name: &str| service("ml", name, json!({"selector": {"app": name}, "ports": [{"port": 80}]}));
    s.absorb(Data::Facts(Facts::Services(reset(vec![svc("notebook"), svc("api")]))));
    let ready = |pod: &str| json!([{"addresses": ["10.0.0.1"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": pod, "uid": format!("pod-{pod}")}}]);
    s.absorb(Data::Facts(Facts::Slices(reset(vec![
        slice("ml", "notebook", ready("notebook-0")),
        slice("ml", "api", ready("api-0")),
    ]))));
    s.absorb(Data::Facts(Facts::Policies(reset(vec![policy(
        "default-deny-ingress",
        json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
    )]))));
    s.settle();
    let lines: Vec<&TriageRow> = s.triage.all().filter(|t| t.kind == "netpol").collect();
    assert_eq!(lines.len(), 1, "once per namespace");
    assert_eq!(
        lines[0].why,
        "policy default-deny-ingress denies all ingress; no policy admits traffic to the pods of service api, notebook"
    );
    let allow = policy(
        "allow-api",
        json!({"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}),
    );
    s.absorb(Data::Facts(Facts::Policies(Delta { upserts: vec![allow.clone()], ..Delta::default() })));
    s.settle();
    assert!(line(&s, "default-deny-ingress").unwrap().why.ends_with("service notebook"));
    let allow_all = PolicyFacts { selector: crate::selector::LabelSelector::default(), selects_all: true, ..allow };
    s.absorb(Data::Facts(Facts::Policies(Delta { upserts: vec![allow_all], ..Delta::default() })));
    s.settle();
    assert_eq!(s.triage.all().filter(|t| t.kind == "netpol").count(), 0, "everything is admitted by some policy");
}

fn autoscaler(status: serde_json::Value) -> AutoscalerFacts {
    AutoscalerFacts::from_hpa(
        &serde_json::from_value(json!({"metadata": {"name": "api", "namespace": "ml", "uid": "hpa-1", "creationTimestamp": iso(NOW - 86400)},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api"}, "minReplicas": 2, "maxReplicas": 12,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": status}))
        .unwrap(),
    )
}

#[test]
fn an_autoscaler_at_its_maximum_for_ten_minutes_is_a_warning_and_one_that_cannot_scale_an_error() {
    let mut s = state();
    let at_max = autoscaler(json!({"currentReplicas": 12, "desiredReplicas": 12,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 182}}}],
        "conditions": [{"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas", "lastTransitionTime": iso(NOW - 300)}]}));
    s.absorb(Data::Facts(Facts::Autoscalers(reset(vec![at_max]))));
    s.settle();
    assert_eq!(line(&s, "api"), None, "five minutes at max is a scale-up still catching up");
    s.tick(NOW + 301);
    s.settle();
    let l = line(&s, "api").unwrap();
    assert_eq!((l.problem.as_str(), l.severity), ("AtMaxReplicas", Health::Warn));
    assert_eq!(l.why, "deployment/api held at its maximum 12 for 10m; it wants more (cpu 182%/70%)");

    let blind = autoscaler(json!({"currentReplicas": 3, "desiredReplicas": 3,
        "conditions": [{"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
            "message": "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API", "lastTransitionTime": iso(NOW - 60)}]}));
    s.absorb(Data::Facts(Facts::Autoscalers(Delta { upserts: vec![blind], ..Delta::default() })));
    s.settle();
    let l = line(&s, "api").unwrap();
    assert_eq!((l.problem.as_str(), l.severity), ("ScalingInactive", Health::Error));
    assert!(l.why.starts_with("ScalingActive FailedGetResourceMetric: the HPA was unable"), "{}", l.why);
}

fn node(name: &str, pool: &str, kubelet: &str) -> NodeRow {
    NodeRow {
        id: ObjectId { namespace: String::new(), name: name.into(), uid: format!("node-{name}") },
        status: "Ready".into(),
        pool: pool.into(),
        kubelet: kubelet.into(),
        ..NodeRow::default()
    }
}

#[test]
fn a_crashed_cni_pod_and_the_pods_it_left_without_a_sandbox_are_one_line_for_the_node() {
    let mut s = state();
    s.absorb(Data::Nodes(reset(vec![node("cpu-2", "cpu", "v1.32.4")])));
    let calico: DaemonSetFacts = DaemonSetFacts::from_daemonset(
        &serde_json::from_value(json!({"metadata": {"name": "calico-node", "namespace": "kube-system", "uid": "ds-1"},
            "spec": {"selector": {}, "template": {"spec": {"containers": []}}}}))
        .unwrap(),
    );
    s.absorb(Data::Facts(Facts::DaemonSets(reset(vec![calico]))));
    let crashed = PodRow {
        status: "CrashLoopBackOff".into(),
        ready: (0, 1),
        restarts: 7,
        node: "cpu-2".into(),
        owner: Some(("DaemonSet".into(), "calico-node".into())),
        ..pod("kube-system", "calico-node-x7k2p", &[], &[])
    };
    let stuck = |name: &str| PodRow {
        status: "ContainerCreating".into(),
        ready: (0, 1),
        node: "cpu-2".into(),
        ..pod("ml", name, &[], &[])
    };
    pods(&mut s, vec![crashed, stuck("etl-1"), stuck("etl-2")]);
    let sandbox = |pod: &str| {
        WarningEvent {
        uid: format!("e-{pod}"),
        kind: "Pod".into(),
        object: ObjectId { namespace: "ml".into(), name: pod.into(), uid: format!("pod-{pod}") },
        reason: "FailedCreatePodSandBox".into(),
        message: "Failed to create pod sandbox: plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory".into(),
        count: 4,
        last: NOW - 5,
    }
    };
    s.absorb(Data::Warnings(reset(vec![sandbox("etl-1"), sandbox("etl-2")])));
    s.settle();
    let cni: Vec<&TriageRow> = s.triage.all().filter(|t| t.id.uid.starts_with("node/cni/")).collect();
    assert_eq!(cni.len(), 1);
    assert_eq!(
        (cni[0].id.name.as_str(), cni[0].problem.as_str(), cni[0].severity),
        ("cpu-2", "CNIDown", Health::Error)
    );
    assert!(cni[0].why.starts_with("calico pod calico-node-x7k2p is CrashLoopBackOff (7 restarts); 2 pods stuck without a sandbox: Failed to create pod sandbox"), "{}", cni[0].why);
    assert_eq!(cni[0].object.as_ref().map(|o| o.name.as_str()), Some("calico-node-x7k2p"), "enter goes to the CNI pod");
    assert!(
        !s.triage.all().any(|t| t.problem == "FailedCreatePodSandBox"),
        "the stuck pods' events are in the node's line, not one line each"
    );
}

#[test]
fn a_kubelet_apart_from_its_pool_or_outside_the_skew_policy_has_a_line() {
    let mut s = state();
    s.absorb(Data::ServerVersion("v1.32.4".into()));
    s.absorb(Data::Nodes(reset(vec![
        node("h1", "h100", "v1.32.4"),
        node("h2", "h100", "v1.32.4"),
        node("h5", "h100", "v1.31.9"),
        node("old", "legacy", "v1.28.3"),
        node("new", "edge", "v1.33.0"),
    ])));
    s.settle();
    let skew = |name: &str| s.triage.get(&format!("node/kubelet/{name}")).map(|l| (l.severity, l.why.clone()));
    assert_eq!(
        skew("h5"),
        Some((Health::Warn, "kubelet v1.31.9 here, 1.32 on 2 other nodes of pool h100; API server 1.32".into()))
    );
    assert_eq!(skew("h1"), None);
    assert_eq!(
        skew("old"),
        Some((Health::Error, "kubelet v1.28.3 is 4 minors behind the API server 1.32 (at most 3)".into()))
    );
    assert_eq!(
        skew("new"),
        Some((Health::Error, "kubelet v1.33.0 is newer than the API server 1.32: unsupported".into()))
    );
}

#[test]
fn a_lease_the_kubelet_stopped_renewing_is_an_error_before_the_node_goes_not_ready() {
    let mut s = state();
    s.absorb(Data::Nodes(reset(vec![node("gpu-3", "h100", "v1.32.4")])));
    let lease = LeaseFacts::from_lease(
        &serde_json::from_value(json!({"metadata": {"name": "gpu-3", "namespace": "kube-node-lease", "uid": "lease-1"},
            "spec": {"holderIdentity": "gpu-3", "leaseDurationSeconds": 40, "renewTime": "2027-01-15T08:00:00.000000Z"}}))
        .unwrap(),
    );
    let renewed = lease.renewed.unwrap();
    s.tick(renewed + 10);
    s.absorb(Data::Facts(Facts::Leases(reset(vec![lease]))));
    s.settle();
    assert_eq!(s.triage.get("node/lease/gpu-3"), None);
    s.tick(renewed + 45);
    s.settle();
    let l = s.triage.get("node/lease/gpu-3").expect("the clock alone turns it");
    assert_eq!((l.problem.as_str(), l.severity), ("LeaseExpired", Health::Error));
    assert!(l.why.starts_with("kubelet last renewed its Lease 45s ago"), "{}", l.why);
    // The node controller marks it: the node's own line takes over.
    let unknown = NodeRow { status: "Unknown".into(), health: Health::Error, ..node("gpu-3", "h100", "v1.32.4") };
    s.absorb(Data::Nodes(Delta { upserts: vec![unknown], ..Delta::default() }));
    s.settle();
    assert_eq!(s.triage.get("node/lease/gpu-3"), None);
    assert!(s.triage.get("node-gpu-3").is_some());
}

#[test]
fn probe_failures_are_one_line_per_workload_with_the_probes_target() {
    let mut s = state();
    let deployment = crate::model::workloads::WorkloadRow::from_deployment(
        &serde_json::from_value(json!({"metadata": {"name": "llm", "namespace": "ml", "uid": "dep-llm"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "llm"}}, "template": {"spec": {"containers": [{"name": "server",
                "readinessProbe": {"httpGet": {"path": "/v2/health/ready", "port": 8000}}}]}}}}))
        .unwrap(),
    );
    s.absorb(Data::Workloads(crate::model::workloads::WorkloadKind::Deployment, reset(vec![deployment])));
    let replica = |name: &str| PodRow {
        owner: Some(("ReplicaSet".into(), "llm-5d8f9".into())),
        ..pod("ml", name, &[("app", "llm"), ("pod-template-hash", "5d8f9")], &[])
    };
    pods(&mut s, vec![replica("llm-5d8f9-a"), replica("llm-5d8f9-b")]);
    let unhealthy = |pod: &str, last: i64| WarningEvent {
        uid: format!("e-{pod}"),
        kind: "Pod".into(),
        object: ObjectId { namespace: "ml".into(), name: pod.into(), uid: format!("pod-{pod}") },
        reason: "Unhealthy".into(),
        message: "Readiness probe failed: HTTP probe failed with statuscode: 503".into(),
        count: 6,
        last,
    };
    s.absorb(Data::Warnings(reset(vec![unhealthy("llm-5d8f9-a", NOW - 20), unhealthy("llm-5d8f9-b", NOW - 5)])));
    s.settle();
    let probes: Vec<&TriageRow> = s.triage.all().filter(|t| t.id.uid.starts_with("probe/")).collect();
    assert_eq!(probes.len(), 1, "one line for the deployment, none per pod");
    let l = probes[0];
    assert_eq!((l.kind.as_str(), l.id.name.as_str(), l.problem.as_str()), ("deployment", "llm", "ReadinessFailing"));
    assert_eq!(
        l.why,
        "2 pods failed ×12 [readiness http-get :8000/v2/health/ready]: Readiness probe failed: HTTP probe failed with statuscode: 503"
    );
    assert_eq!(l.object.as_ref().map(|o| o.uid.as_str()), Some("dep-llm"), "enter goes to the workload");
    assert!(!s.triage.all().any(|t| t.problem == "Unhealthy"));
}

fn tls_secret(name: &str, not_after: i64, key: crate::model::certificate::KeyCheck) -> crate::model::tls::TlsSecret {
    crate::model::tls::TlsSecret {
        id: ObjectId { namespace: "ml".into(), name: name.into(), uid: format!("secret-{name}") },
        certificate: Ok(crate::model::certificate::Certificate {
            subject: "CN=llm.acme.example".into(),
            sans: vec!["llm.acme.example".into()],
            issuer: "CN=acme-ca".into(),
            not_before: NOW - 80 * 86400,
            not_after,
            chain: 2,
            key,
        }),
        created: NOW - 80 * 86400,
    }
}

#[test]
fn a_certificate_warns_two_weeks_before_expiry_errors_two_days_before_and_names_its_ingress() {
    use crate::model::certificate::KeyCheck;
    let mut s = state();
    let ingress = IngressFacts::from_ingress(
        &serde_json::from_value(json!({"metadata": {"name": "gw", "namespace": "ml", "uid": "ing-gw"},
            "spec": {"tls": [{"hosts": ["llm.acme.example"], "secretName": "gw-tls"}]}}))
        .unwrap(),
    );
    s.absorb(Data::Facts(Facts::Ingresses(reset(vec![ingress]))));
    s.absorb(Data::Facts(Facts::Secrets(reset(vec![
        tls_secret("gw-tls", NOW + 9 * 86400, KeyCheck::Matches),
        tls_secret("old-tls", NOW - 3 * 86400, KeyCheck::Matches),
        tls_secret("swapped-tls", NOW + 300 * 86400, KeyCheck::Mismatch),
        tls_secret("fine-tls", NOW + 300 * 86400, KeyCheck::Matches),
        crate::model::tls::TlsSecret {
            certificate: Err("tls.crt: no PEM CERTIFICATE block".into()),
            ..tls_secret("junk-tls", NOW, KeyCheck::Missing)
        },
    ]))));
    s.settle();
    let gw = line(&s, "gw-tls").unwrap();
    assert_eq!((gw.kind.as_str(), gw.problem.as_str(), gw.severity), ("secret", "Expiring", Health::Warn));
    assert_eq!(gw.why, "certificate expires in 9d (CN=llm.acme.example, issuer CN=acme-ca); served by ingress gw");
    assert_eq!(line(&s, "gw"), None, "the Ingress's Secret exists: the Ingress itself is fine");
    let old = line(&s, "old-tls").unwrap();
    assert_eq!((old.problem.as_str(), old.severity), ("Expired", Health::Error));
    assert_eq!(line(&s, "swapped-tls").map(|l| l.problem.as_str()), Some("KeyMismatch"));
    assert_eq!(line(&s, "junk-tls").map(|l| l.why.as_str()), Some("tls.crt: no PEM CERTIFICATE block"));
    assert_eq!(line(&s, "fine-tls"), None);
    s.tick(NOW + 7 * 86400 + 1);
    s.settle();
    assert_eq!(
        line(&s, "gw-tls").map(|l| l.severity),
        Some(Health::Error),
        "two days before: an error, by the clock alone"
    );

    // The Secret is deleted: the Ingress now serves TLS from nothing.
    s.absorb(Data::Facts(Facts::Secrets(Delta { deletes: vec!["secret-gw-tls".into()], ..Delta::default() })));
    s.settle();
    assert_eq!(line(&s, "gw-tls"), None);
    let gw = line(&s, "gw").unwrap();
    assert_eq!((gw.problem.as_str(), gw.severity), ("TLSSecretMissing", Health::Error));
    assert_eq!(gw.why, "TLS secret gw-tls not found (or not of type kubernetes.io/tls)");
}

#[test]
fn a_certificate_served_for_a_host_it_does_not_name_is_an_error() {
    use crate::model::certificate::KeyCheck;
    let mut s = state();
    let ingress = IngressFacts::from_ingress(
        &serde_json::from_value(json!({"metadata": {"name": "gw", "namespace": "ml", "uid": "ing-gw"},
            "spec": {"tls": [{"hosts": ["api.acme.example"], "secretName": "gw-tls"}]}}))
        .unwrap(),
    );
    s.absorb(Data::Facts(Facts::Ingresses(reset(vec![ingress]))));
    s.absorb(Data::Facts(Facts::Secrets(reset(vec![tls_secret("gw-tls", NOW + 300 * 86400, KeyCheck::Matches)]))));
    s.settle();
    let l = line(&s, "gw-tls").unwrap();
    assert_eq!((l.problem.as_str(), l.severity), ("HostNotCovered", Health::Error));
    assert_eq!(
        l.why,
        "certificate names llm.acme.example but is served for api.acme.example (ingress gw); served by ingress gw"
    );
}
