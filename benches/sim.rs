//! Figures for `gpudeck sim` (README "Figures"): the paginated 50k-pod list against `kubectl get pods -A -o json`
//! in the same run, the sim's memory, and watch fan-out under churn (events counted, delivery latency).
//!
//! Run: `cargo bench --bench sim` (env `SIM_BENCH_PODS`, `SIM_BENCH_NODES`, `SIM_BENCH_WATCH_SECONDS` shrink it).
// A measurement harness, like a test: any failure must abort the run loudly rather than print a number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::Deserialize;
use support::SimProcess;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A kube client for a sim from its kubeconfig.
async fn connect(sim: &SimProcess) -> Client {
    let text = std::fs::read_to_string(&sim.kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(
        Kubeconfig::from_yaml(&text).expect("parse"),
        &KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    Client::try_from(config).expect("client")
}

#[derive(Deserialize)]
struct Page {
    metadata: PageMeta,
    items: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: String,
    #[serde(rename = "continue", default)]
    next: Option<String>,
}

async fn get_bytes(client: &Client, uri: &str) -> Vec<u8> {
    use http_body_util::BodyExt;
    let req = http::Request::get(uri).body(kube::client::Body::empty()).expect("request");
    let resp = client.send(req).await.expect("response");
    resp.into_body().collect().await.expect("body").to_bytes().to_vec()
}

/// Lists every pod in pages of 500 as kubectl and kube-rs do; returns (items, pages, bytes, seconds).
async fn paged_list(client: &Client) -> (usize, usize, usize, f64) {
    let t0 = Instant::now();
    let (mut items, mut pages, mut bytes, mut next) = (0, 0, 0, None::<String>);
    loop {
        let uri = match &next {
            Some(token) => format!("/api/v1/pods?limit=500&continue={token}"),
            None => "/api/v1/pods?limit=500".to_string(),
        };
        let body = get_bytes(client, &uri).await;
        bytes += body.len();
        let page: Page = serde_json::from_slice(&body).expect("a PodList page");
        items += page.items.len();
        pages += 1;
        next = page.metadata.next.filter(|t| !t.is_empty());
        if next.is_none() {
            return (items, pages, bytes, t0.elapsed().as_secs_f64());
        }
    }
}

fn kubectl_list(kubeconfig: &std::path::Path, home: &std::path::Path) -> Option<f64> {
    let t0 = Instant::now();
    let status = Command::new("kubectl")
        .args(["get", "pods", "-A", "-o", "json"])
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| t0.elapsed().as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One watcher: every event's (pod, restartCount, resourceVersion) and its delivery latency in ms.
#[derive(Default)]
struct Seen {
    rvs: Vec<u64>,
    restarts: HashMap<String, i64>,
    gaps: usize,
    latencies_ms: Vec<f64>,
}

async fn watch_pods(client: Client, from_rv: String, until: Instant) -> Seen {
    use http_body_util::BodyExt;
    let req = http::Request::get(format!("/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion={from_rv}"))
        .body(kube::client::Body::empty())
        .expect("request");
    let resp = client.send(req).await.expect("watch");
    let body = resp.into_body().into_data_stream().map(|r| r.map_err(std::io::Error::other));
    let mut lines = body_lines(body);
    let mut seen = Seen::default();
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let Ok(Some(Ok(line))) = tokio::time::timeout(left, lines.next()).await else { return seen };
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let event: serde_json::Value = serde_json::from_str(&line).expect("watch event JSON");
        if event["type"] != "MODIFIED" {
            continue;
        }
        let meta = &event["object"]["metadata"];
        let rv: u64 = meta["resourceVersion"].as_str().and_then(|r| r.parse().ok()).unwrap_or(0);
        seen.rvs.push(rv);
        let name =
            format!("{}/{}", meta["namespace"].as_str().unwrap_or_default(), meta["name"].as_str().unwrap_or_default());
        let restarts = event["object"]["status"]["containerStatuses"][0]["restartCount"].as_i64().unwrap_or(0);
        if let Some(prev) = seen.restarts.insert(name, restarts)
            && restarts != prev + 1
        {
            seen.gaps += 1;
        }
        if let Some(at) = meta["annotations"]["sim.gpudeck.io/churned-at"].as_str().and_then(|t| t.parse::<f64>().ok())
        {
            seen.latencies_ms.push((now - at) * 1000.0);
        }
    }
}

/// Splits a byte stream into lines.
fn body_lines(
    body: impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Unpin + Send + 'static,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> + Unpin {
    use futures_util::{AsyncBufReadExt, TryStreamExt};
    body.into_async_read().lines()
}

fn main() {
    let nodes = env_or("SIM_BENCH_NODES", 500);
    let pods = env_or("SIM_BENCH_PODS", 50_000);
    let watch_seconds = env_or("SIM_BENCH_WATCH_SECONDS", 20);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let home = tempfile::tempdir().expect("home");
    let mut rows: Vec<(String, String, String)> = Vec::new();

    let sim = SimProcess::start(nodes as u64, pods as u64, 0);
    rows.push((
        "sim start (build the scenario, index it, listen)".into(),
        format!("{:.1} s", sim.started_in.as_secs_f64()),
        "—".into(),
    ));
    let client = rt.block_on(connect(&sim));
    let runs: Vec<(usize, usize, usize, f64)> = (0..3).map(|_| rt.block_on(paged_list(&client))).collect();
    let (items, pages, bytes, _) = runs[0];
    assert_eq!(items, pods, "every pod listed exactly once");
    let ours = median(runs.iter().map(|r| r.3).collect());
    rows.push((
        format!(
            "full paginated list, {items} pods in {pages} pages of 500 ({:.0} MiB), plain HTTP client",
            bytes as f64 / 1048576.0
        ),
        format!("{ours:.2} s (median of 3)"),
        "≤ 2 s".into(),
    ));
    match kubectl_list(&sim.kubeconfig, home.path()) {
        Some(k) => rows.push((
            "`kubectl get pods -A -o json > /dev/null`, same sim, same run".into(),
            format!("{k:.1} s ({:.0}× the plain list)", k / ours),
            "reference".into(),
        )),
        None => rows.push(("`kubectl get pods -A -o json`".into(), "kubectl not available".into(), "reference".into())),
    }
    let (rss, peak) = sim.rss_mib();
    rows.push(("sim RSS after the lists (peak)".into(), format!("{rss:.0} MiB ({peak:.0} MiB)"), "≤ 400 MB".into()));
    drop(sim);

    let churn = 200;
    let sim = SimProcess::start(nodes as u64, pods as u64, churn as u64);
    let client = rt.block_on(connect(&sim));
    let start_rv = rt.block_on(async {
        let body = get_bytes(&client, "/api/v1/pods?limit=1").await;
        serde_json::from_slice::<Page>(&body).expect("page").metadata.resource_version
    });
    let until = Instant::now() + Duration::from_secs(watch_seconds as u64);
    let watchers: Vec<Seen> = rt.block_on(async {
        let tasks: Vec<_> =
            (0..10).map(|_| tokio::spawn(watch_pods(client.clone(), start_rv.clone(), until))).collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("watcher"));
        }
        out
    });
    let counts: Vec<usize> = watchers.iter().map(|w| w.rvs.len()).collect();
    let shortest = counts.iter().copied().min().unwrap_or(0);
    // Watchers stop at slightly different instants: compare the common prefix, which must be identical.
    let identical = watchers.iter().all(|w| w.rvs[..shortest] == watchers[0].rvs[..shortest]);
    let increasing = watchers.iter().all(|w| w.rvs.windows(2).all(|p| p[0] < p[1]));
    let gaps: usize = watchers.iter().map(|w| w.gaps).sum();
    let mut latencies: Vec<f64> = watchers.iter().flat_map(|w| w.latencies_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    let expected = churn as usize * watch_seconds;
    rows.push((
        format!("watch fan-out: 10 watchers on all pods, --churn {churn}, {watch_seconds} s"),
        format!(
            "{shortest}–{} events each (≈{expected} expected); identical order: {identical}; increasing RVs: {increasing}; per-pod restart gaps: {gaps}",
            counts.iter().copied().max().unwrap_or(0)
        ),
        "no event lost".into(),
    ));
    rows.push((
        "watch delivery latency (write → watcher), all deliveries".into(),
        format!(
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0)
        ),
        "p99 ≤ 100 ms".into(),
    ));
    let (rss, peak) = sim.rss_mib();
    rows.push((
        format!("sim RSS after {watch_seconds} s of churn with 10 watchers (peak)"),
        format!("{rss:.0} MiB ({peak:.0} MiB)"),
        "≤ 400 MB".into(),
    ));
    drop(sim);

    println!("\n| measure ({nodes} nodes, {pods} pods) | result | target |\n|---|---|---|");
    for (what, result, target) in &rows {
        println!("| {what} | {result} | {target} |");
    }
    assert!(
        identical && increasing && gaps == 0 && shortest as f64 >= expected as f64 * 0.9,
        "watch fan-out lost events"
    );
}
