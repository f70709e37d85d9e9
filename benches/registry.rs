//! Images pane figures: 1,000 repositories × 50 tags listed into the pane (catalog, then every repository's tags,
//! 8 requests in flight, absorbed into the pane's state) against Debian's docker-registry on loopback, beside curl
//! fetching the same 1,001 URLs one after another on one connection, in the same run; and the memory it holds.
//! The registry's storage is written directly (50,000 tag links) rather than pushed, which would take minutes.
//! Run: `cargo bench --bench registry` (needs `docker-registry`; scripts/test.sh installs it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/registry.rs"]
mod registry_server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gpudeck::effects::registry::{RegistryClient, RegistrySettings, browse};
use gpudeck::event::Data;
use gpudeck::state::images::Images;
use registry_server::RegistryServer;

const REPOSITORIES: usize = 1000;
const TAGS: usize = 50;
const RUNS: usize = 7;

/// The filesystem driver's layout: a repository is a directory with `_layers` (what 2.8's catalog walk looks for)
/// and `_manifests`, a tag a `current/link` file.
fn write_storage(root: &Path) {
    let digest = format!("sha256:{}", "ab".repeat(32));
    for r in 0..REPOSITORIES {
        let repository = root.join(format!("docker/registry/v2/repositories/team-{:02}/service-{r:04}", r % 40));
        std::fs::create_dir_all(repository.join("_layers")).unwrap();
        let tags = repository.join("_manifests/tags");
        for t in 0..TAGS {
            let current = tags.join(format!("1.{}.{t}", r % 7)).join("current");
            std::fs::create_dir_all(&current).unwrap();
            std::fs::write(current.join("link"), &digest).unwrap();
        }
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One listing into a fresh pane with a fresh client (nothing cached): seconds, and the tags the pane holds.
async fn list_once(host: &str) -> (f64, usize) {
    let client = RegistryClient::new(RegistrySettings::default()).unwrap();
    let mut images = Images::new(vec![host.to_string()]);
    let started = Instant::now();
    browse(&client, host, Vec::new(), |data| {
        match data {
            Data::Catalog { registry, repositories } => images.absorb_catalog(&registry, repositories),
            Data::Tags { registry, tags } => images.absorb_tags(&registry, tags),
            _ => {}
        }
        true
    })
    .await;
    images.repos.refresh(None, 0);
    let elapsed = started.elapsed().as_secs_f64();
    let tags = images.repos.all().filter_map(|r| r.tags.as_ref()?.as_ref().ok()).map(|t| t.count).sum();
    (elapsed, tags)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    if !registry_server::registry_available() {
        eprintln!("docker-registry is not installed (scripts/test.sh installs it); nothing measured");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let storage = dir.path().join("storage");
    let t0 = Instant::now();
    write_storage(&storage);
    eprintln!("storage of {REPOSITORIES} × {TAGS} tags written in {:.1} s", t0.elapsed().as_secs_f64());
    let server = RegistryServer::start_on(&storage, "");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();

    let before = rss_kib();
    let mut ours = Vec::new();
    let mut listed = 0;
    let mut after_first = 0;
    for run in 0..RUNS {
        let (seconds, tags) = runtime.block_on(list_once(&server.host));
        ours.push(seconds);
        listed = tags;
        if run == 0 {
            after_first = rss_kib();
        }
    }
    let after = rss_kib();
    assert_eq!(listed, REPOSITORIES * TAGS, "every tag of every repository reached the pane");

    // The reference: curl, one connection, the catalog and then each repository's tags in turn.
    let urls = dir.path().join("urls");
    let mut list = format!("url = \"{}/v2/_catalog?n=1000\"\noutput = \"/dev/null\"\n", server.url);
    for r in 0..REPOSITORIES {
        list.push_str(&format!(
            "url = \"{}/v2/team-{:02}/service-{r:04}/tags/list\"\noutput = \"/dev/null\"\n",
            server.url,
            r % 40
        ));
    }
    std::fs::write(&urls, list).unwrap();
    let mut curl = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let ok = Command::new("curl")
            .args(["-sf", "-K"])
            .arg(&urls)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            curl.push(t.elapsed().as_secs_f64());
        }
    }

    let ours = median(ours);
    println!("| figure | measured | target |");
    println!("|---|---|---|");
    let reference = if curl.is_empty() {
        "curl not available".to_string()
    } else {
        let curl = median(curl);
        format!("curl, same 1,001 URLs one by one: {curl:.2} s ({:.2}× ours)", curl / ours)
    };
    println!(
        "| {REPOSITORIES} repositories × {TAGS} tags listed into the pane (median of {RUNS}, cold cache) | {ours:.2} s; {reference} | ≤ 2 s |"
    );
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "| process memory (RSS) growth: after the first listing, after all {RUNS} | +{:.1} MiB, +{:.1} MiB | bounded |",
        mib(after_first.saturating_sub(before)),
        mib(after.saturating_sub(before))
    );
    drop(server);
    std::thread::sleep(Duration::from_millis(50));
}
