//! The real binary in tmux against the sim, on rollouts: the demo's llm-inference history (four CI revisions, each
//! image's commit as the registry's OCI labels say, the first one's tag gone), a revision diffed with now; the
//! reranker stuck on a tag that does not exist as a triage line, undone after a server-side dry-run and checked
//! with real kubectl; pause and resume; read-only refusing all three before any request.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestSim;
use common::tmux::Tmux;
use serde_json::Value;
use std::time::Duration;

fn console(sim: &TestSim, name: &str, flags: &str) -> Tmux {
    let config = sim.registry_config_home();
    let env = [("XDG_CONFIG_HOME", config.to_str().unwrap())];
    let args = format!("--kubeconfig {} {flags}", sim.kubeconfig.display());
    let t = Tmux::start_with(name, &env, None, (220, 50), &args);
    t.wait_for("the console", |s| s.contains("1 triage ("));
    t
}

/// The history row of revision `first` (the tab bar starts with "1" too: a row names an image).
fn row<'a>(screen: &'a str, first: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.split_whitespace().next() == Some(first) && l.contains("ghcr.io/"))
}

/// The commit an image's config labels name, read from the sim's registry with Python, not gpudeck's client.
fn commit_label(sim: &TestSim, repository: &str, tag: &str) -> String {
    let registry = sim.registry_config_home().join("gpudeck/config.toml");
    let config = std::fs::read_to_string(registry).unwrap();
    let url = config.lines().find(|l| l.starts_with("\"ghcr.io\"")).and_then(|l| l.split('"').nth(3)).unwrap();
    let script = format!(
        "import json, urllib.request as u\n\
         accept = {{'Accept': 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json'}}\n\
         get = lambda ref: json.load(u.urlopen(u.Request('{url}/v2/{repository}/manifests/' + ref, headers=accept)))\n\
         m = get('{tag}')\n\
         m = get([p for p in m['manifests'] if p['platform']['architecture'] == 'amd64'][0]['digest']) if 'manifests' in m else m\n\
         c = json.load(u.urlopen('{url}/v2/{repository}/blobs/' + m['config']['digest']))\n\
         print(c['config']['Labels']['org.opencontainers.image.revision'])"
    );
    let out = std::process::Command::new("python3").args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn image_of(sim: &TestSim, deployment: &str) -> String {
    let json = sim.kubectl_ok(&["get", "deploy", deployment, "-n", "ml-serve", "-o", "json"]);
    let d: Value = serde_json::from_str(&json).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap().to_string()
}

#[test]
fn history_shows_each_revisions_build_and_who_changed_it_and_diffs_one_with_now() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "rollout-history", "");
    t.typed(":", "history deploy/llm-inference -n ml-serve");
    let screen = t.wait_for("four revisions with their builds", |s| {
        ["1", "2", "3", "4"].iter().all(|n| row(s, n).is_some_and(|r| !r.contains("asking the registry")))
    });
    let newest = row(&screen, "4").unwrap();
    let commit = commit_label(&sim, "acme-ml/llm-server", "1.9.1");
    assert!(newest.contains(&format!("commit {}", &commit[..7])), "the registry's revision label: {newest}");
    assert!(newest.contains("ci-deploy") && newest.contains("CI pipeline 4812"), "{newest}");
    assert!(newest.contains("6/6"), "all six pods run the newest revision: {newest}");
    assert!(row(&screen, "1").unwrap().contains("tag gone from the registry"), "{screen}");
    assert!(row(&screen, "3").unwrap().contains("ci-deploy?"), "an older revision's writer is a guess: {screen}");

    t.keys(&["j", "Enter"]);
    let diff = t.wait_for("revision 3 against now", |s| s.contains("revision 3 → now"));
    assert!(diff.contains("-  - image: ghcr.io/acme-ml/llm-server:1.9.0"), "{diff}");
    assert!(diff.contains("+  - image: ghcr.io/acme-ml/llm-server:1.9.1"), "{diff}");
}

#[test]
fn a_stuck_rollout_is_in_triage_and_undo_pause_and_resume_work_as_kubectls() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "rollout-undo", "");
    t.keys(&["1"]);
    t.typed("/", "Rollout");
    let screen = t.wait_within(Duration::from_secs(20), "the reranker's stuck line", |s| {
        s.lines().any(|l| l.contains("reranker") && l.contains("RolloutStuck"))
    });
    assert!(screen.lines().any(|l| l.contains("RolloutStuck") && l.contains("ml-serve")), "{screen}");
    t.keys(&["z"]);
    let zoomed = t.wait_for("the line's why", |s| s.contains("has timed out progressing"));
    let line = zoomed.lines().find(|l| l.contains("RolloutStuck")).unwrap();
    assert!(line.contains("new pods: 2 pods ImagePullBackOff"), "what the new pods wait on: {line}");
    t.keys(&["z"]);

    let before = sim.request_log_lines().len();
    t.typed(":", "undo deploy/reranker -n ml-serve");
    let review = t.wait_for("the dry-run's diff and the question", |s| s.contains("y yes"));
    assert!(review.contains("undo to revision 2: server-side dry-run"), "{review}");
    assert!(review.contains("-  - image: ghcr.io/acme-ml/reranker:2.4.1"), "{review}");
    assert!(review.contains("+  - image: ghcr.io/acme-ml/reranker:2.4.0"), "{review}");
    assert_eq!(image_of(&sim, "reranker"), "ghcr.io/acme-ml/reranker:2.4.1", "a dry-run changes nothing");
    t.keys(&["y"]);
    t.wait_for("the undo's result", |s| s.contains("rolled back to revision 2"));
    assert_eq!(image_of(&sim, "reranker"), "ghcr.io/acme-ml/reranker:2.4.0");
    let patches: Vec<Value> = sim.request_log_lines()[before..]
        .iter()
        .filter(|e| e["method"] == "PATCH" && e["path"].as_str().is_some_and(|p| p.contains("deployments/reranker")))
        .cloned()
        .collect();
    assert_eq!(patches.len(), 2, "the dry-run, then the undo: {patches:?}");
    let history = sim.kubectl_ok(&["rollout", "history", "deploy/reranker", "-n", "ml-serve"]);
    let revisions: Vec<&str> = history.lines().skip(2).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(revisions, ["1", "3", "4"], "revision 2's set is reused as the newest, as kubectl undo does: {history}");
    sim.eventually(Duration::from_secs(60), || {
        let status = sim.kubectl(&["rollout", "status", "deploy/reranker", "-n", "ml-serve", "--timeout=1s"]);
        status.status.success().then_some(())
    });
    t.keys(&["1"]);
    t.wait_within(Duration::from_secs(20), "the stuck line gone", |s| s.contains("1 triage (0)"));

    t.typed(":", "pause deploy/reranker -n ml-serve");
    t.wait_for("the question", |s| s.contains("y yes"));
    t.keys(&["y"]);
    t.wait_for("paused", |s| s.contains("pause deployment ml-serve/reranker: paused"));
    let paused = sim.kubectl_ok(&["get", "deploy", "reranker", "-n", "ml-serve", "-o", "jsonpath={.spec.paused}"]);
    assert_eq!(paused.trim(), "true");
    t.typed(":", "undo deploy/reranker -n ml-serve");
    t.wait_for("undo refused while paused", |s| s.contains(":resume it first"));
    t.typed(":", "resume deploy/reranker -n ml-serve");
    t.wait_for("the question", |s| s.contains("y yes"));
    t.keys(&["y"]);
    t.wait_for("resumed", |s| s.contains("resume deployment ml-serve/reranker: resumed"));
    let paused = sim.kubectl_ok(&["get", "deploy", "reranker", "-n", "ml-serve", "-o", "jsonpath={.spec.paused}"]);
    assert_eq!(paused.trim(), "false");
}

#[test]
fn read_only_refuses_undo_pause_and_resume_with_no_request() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "rollout-readonly", "--readonly");
    let before = sim.request_log_lines().len();
    for command in
        ["undo deploy/reranker -n ml-serve", "pause deploy/reranker -n ml-serve", "resume deploy/web -n ml-serve"]
    {
        t.typed(":", command);
        let verb = command.split_whitespace().next().unwrap();
        t.wait_for("the refusal", |s| s.contains(&format!("read-only: {verb} refused; nothing was sent")));
    }
    let writes = sim.writes_since(before);
    assert!(writes.is_empty(), "nothing was sent: {writes:?}");
    assert_eq!(image_of(&sim, "reranker"), "ghcr.io/acme-ml/reranker:2.4.1");
}
