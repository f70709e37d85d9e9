//! Figures for triage between the pods (README "Figures: triage between the pods"): the reducer holding 50,000
//! pods, 5,000 Services with their EndpointSlices, 5,000 claims, 2,000 TLS Secrets, 1,000 Ingresses and a
//! default-deny namespace per team, then change batches as the watches deliver them (pods flipping status,
//! slices losing endpoints, a Service, a claim and a certificate changing): absorb + settle time per batch.
//!
//! Run: `cargo bench --bench triage` (env `TRIAGE_BENCH_BATCHES` sets how many batches are timed).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use gpudeck::event::{Data, Facts};
use gpudeck::model::certificate::{Certificate, KeyCheck};
use gpudeck::model::pods::PodRow;
use gpudeck::model::policies::PolicyFacts;
use gpudeck::model::services::{IngressFacts, IngressTls, ServiceFacts, SliceFacts, TargetPort};
use gpudeck::model::storage::ClaimFacts;
use gpudeck::model::tls::TlsSecret;
use gpudeck::model::{Health, ObjectId};
use gpudeck::selector::LabelSelector;
use gpudeck::state::State;
use gpudeck::state::table::Delta;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;
const PODS: usize = 50_000;
const SERVICES: usize = 5_000;
const CLAIMS: usize = 5_000;
const SECRETS: usize = 2_000;
const INGRESSES: usize = 1_000;
const TEAMS: usize = 50;

fn id(namespace: String, name: String, uid: String) -> ObjectId {
    ObjectId { namespace, name, uid }
}

fn team(i: usize) -> String {
    format!("team-{:02}", i % TEAMS)
}

/// Pod `i` belongs to Service `i / 10` (ten pods each) and mounts claim `i / 10`.
fn pod(i: usize, crashing: bool) -> PodRow {
    let service = i / 10;
    PodRow {
        id: id(team(service), format!("svc-{service:04}-7f9c-{i:05}"), format!("pod-{i}")),
        ready: if crashing { (0, 1) } else { (1, 1) },
        status: if crashing { "CrashLoopBackOff".into() } else { "Running".into() },
        health: if crashing { Health::Error } else { Health::Ok },
        restarts: i32::from(crashing),
        last_restart: None,
        created: NOW - 3 * DAY,
        node: format!("gpu-{:04}", i % 500),
        gpus: (i % 2) as u32,
        why: String::new(),
        labels: BTreeMap::from([("app".to_string(), format!("svc-{service:04}"))]),
        owner: None,
        claims: vec![format!("data-{service:04}")],
        empty_dir: false,
        containers: vec!["main".into()],
        ports: vec![("http".into(), 8080)],
        usage: Some((250, 1 << 30)),
        gpu_util: None,
        images: Vec::new(),
        pull_image: None,
        registry: None,
    }
}

fn service(s: usize) -> ServiceFacts {
    ServiceFacts {
        id: id(team(s), format!("svc-{s:04}"), format!("service-{s}")),
        service_type: if s % 100 == 0 { "LoadBalancer".into() } else { "ClusterIP".into() },
        selector: BTreeMap::from([("app".to_string(), format!("svc-{s:04}"))]),
        target_ports: vec![TargetPort::Name("http".into())],
        balancer_addresses: usize::from(s % 100 == 0),
        routes_to: None,
        created: NOW - 30 * DAY,
    }
}

fn slice(s: usize, ready: u32) -> SliceFacts {
    SliceFacts {
        id: id(team(s), format!("svc-{s:04}-x7k2p"), format!("slice-{s}")),
        service: format!("svc-{s:04}"),
        ready,
        not_ready: 10 - ready,
        sample_pod: (ready > 0).then(|| format!("pod-{}", s * 10)),
    }
}

fn claim(c: usize, phase: &str) -> ClaimFacts {
    ClaimFacts {
        id: id(team(c), format!("data-{c:04}"), format!("claim-{c}")),
        phase: phase.into(),
        class: Some("fast-nvme".into()),
        capacity: Some(500 << 30),
        access_modes: "RWO".into(),
        volume: format!("pvc-{c:08}"),
        created: NOW - 10 * DAY,
    }
}

fn secret(c: usize, days_left: i64) -> TlsSecret {
    let host = format!("svc-{c:04}.{}.example", team(c));
    TlsSecret {
        id: id(team(c), format!("svc-{c:04}-tls"), format!("secret-{c}")),
        certificate: Ok(Certificate {
            subject: format!("CN={host}"),
            sans: vec![host],
            issuer: "CN=Acme Internal Issuing CA".into(),
            not_before: NOW - 60 * DAY,
            not_after: NOW + days_left * DAY,
            chain: 2,
            key: KeyCheck::Matches,
        }),
        created: NOW - 60 * DAY,
    }
}

fn ingress(i: usize) -> IngressFacts {
    let host = format!("svc-{i:04}.{}.example", team(i));
    IngressFacts {
        id: id(team(i), format!("svc-{i:04}"), format!("ingress-{i}")),
        backends: vec![format!("svc-{i:04}")],
        tls: vec![IngressTls { secret: format!("svc-{i:04}-tls"), hosts: vec![host.clone()] }],
        hosts: vec![host],
        created: NOW - 30 * DAY,
    }
}

/// Per team a default-deny ingress policy and one admitting traffic to all its pods.
fn policies() -> Vec<PolicyFacts> {
    (0..TEAMS)
        .flat_map(|t| {
            let policy = |name: &str, selects_all: bool, rules: usize| PolicyFacts {
                id: id(team(t), name.into(), format!("{name}-{t}")),
                selector: LabelSelector::parse(if selects_all { "" } else { "app" }).unwrap(),
                selects_all,
                ingress: Some(rules),
                egress: None,
                created: NOW - 30 * DAY,
            };
            [policy("default-deny", true, 0), policy("allow-apps", false, 1)]
        })
        .collect()
}

fn upserts<T>(rows: Vec<T>) -> Delta<T> {
    Delta { reset: false, upserts: rows, deletes: vec![] }
}

fn reset<T>(rows: Vec<T>) -> Delta<T> {
    Delta { reset: true, upserts: rows, deletes: vec![] }
}

/// Batch `b`: 100 pods flip between Running and CrashLoopBackOff, the 10 slices of their Services follow, and a
/// Service, a claim and a certificate change.
fn batch(b: usize) -> Vec<Data> {
    let crashing = b % 2 == 0;
    let first = (b * 100) % PODS;
    let pods: Vec<PodRow> = (first..first + 100).map(|i| pod(i, crashing)).collect();
    let services: Vec<usize> = (first / 10..first / 10 + 10).collect();
    let slices = services.iter().map(|&s| slice(s, if crashing { 0 } else { 10 })).collect();
    let s = services[0];
    vec![
        Data::Pods(upserts(pods)),
        Data::Facts(Facts::Slices(upserts(slices))),
        Data::Facts(Facts::Services(upserts(vec![ServiceFacts { balancer_addresses: 1, ..service(s) }]))),
        Data::Facts(Facts::Claims(upserts(vec![claim(b % CLAIMS, if crashing { "Lost" } else { "Bound" })]))),
        Data::Facts(Facts::Secrets(upserts(vec![secret(b % SECRETS, if crashing { 1 } else { 90 })]))),
    ]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// A state holding 50,000 pods and, with `fabric`, every Service, slice, claim, Secret, Ingress and policy above.
fn listed(fabric: bool) -> (State, f64) {
    let mut state = State::new("bench", false, NOW, (200, 50));
    let t = Instant::now();
    state.absorb(Data::Pods(reset((0..PODS).map(|i| pod(i, false)).collect())));
    if fabric {
        state.absorb(Data::Facts(Facts::Services(reset((0..SERVICES).map(service).collect()))));
        state.absorb(Data::Facts(Facts::Slices(reset((0..SERVICES).map(|s| slice(s, 10)).collect()))));
        state.absorb(Data::Facts(Facts::Claims(reset((0..CLAIMS).map(|c| claim(c, "Bound")).collect()))));
        state.absorb(Data::Facts(Facts::Secrets(reset((0..SECRETS).map(|c| secret(c, 90)).collect()))));
        state.absorb(Data::Facts(Facts::Ingresses(reset((0..INGRESSES).map(ingress).collect()))));
        state.absorb(Data::Facts(Facts::Policies(reset(policies()))));
    }
    state.settle();
    (state, t.elapsed().as_secs_f64() * 1000.0)
}

/// Absorbs `data` and settles; milliseconds taken.
fn timed(state: &mut State, data: Vec<Data>) -> f64 {
    let t = Instant::now();
    for d in data {
        state.absorb(d);
    }
    state.settle();
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let batches: usize = std::env::var("TRIAGE_BENCH_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    let (mut state, initial) = listed(true);
    let healthy = state.triage.total();
    // The reference in the same run: the same pod changes on a state without anything between the pods, which
    // is what the console paid before triage judged Services, claims and certificates.
    let (mut pods_only, _) = listed(false);

    let (mut times, mut reference) = (Vec::with_capacity(batches), Vec::with_capacity(batches));
    for b in 0..batches {
        times.push(timed(&mut state, batch(b)));
        let pods = batch(b).into_iter().filter(|d| matches!(d, Data::Pods(_))).collect();
        reference.push(timed(&mut pods_only, pods));
    }
    // Batch 0 again: its ten Services lose every endpoint, a claim is Lost, a certificate has a day left.
    timed(&mut state, batch(0));
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    for line in state.triage.all() {
        *lines.entry(format!("{} {}", line.kind, line.problem)).or_default() += 1;
    }
    let count = |what: &str| lines.get(what).copied().unwrap_or(0);
    assert!(count("service NoReadyEndpoints") >= 10, "{lines:?}");
    assert!(count("pvc Lost") >= 1 && count("secret Expiring") >= 1, "{lines:?}");
    let spread = |times: &mut Vec<f64>| {
        times.sort_by(f64::total_cmp);
        let (p50, p99, max) = (percentile(times, 0.5), percentile(times, 0.99), times[times.len() - 1]);
        format!("p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms")
    };
    let added: Vec<f64> = times.iter().zip(&reference).map(|(all, pods)| all - pods).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mean_added, mean_all) = (mean(&added), mean(&times));

    let scale =
        format!("{PODS} pods, {SERVICES} Services, {CLAIMS} PVCs, {SECRETS} TLS Secrets, {INGRESSES} Ingresses");
    println!("\n| measure ({scale}) | result | target |\n|---|---|---|");
    println!("| first settle of everything listed ({healthy} triage lines: all healthy) | {initial:.0} ms | — |");
    println!(
        "| change batch → settled ({batches} batches: 100 pods, 10 slices, a Service, a claim, a certificate) | {} | — |",
        spread(&mut times)
    );
    println!(
        "| the same batches' 100 pods on a state without Services, claims or certificates | {} | — |",
        spread(&mut reference)
    );
    println!(
        "| triage between the pods per batch (the difference, mean) | {mean_added:.2} ms of {mean_all:.2} ms | ≤ 5 ms |"
    );
    println!("| triage lines at the end, by kind and problem | {lines:?} | — |");
}
