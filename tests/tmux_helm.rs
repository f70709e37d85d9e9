//! The real binary in tmux against the sim, on Helm releases: records written in Helm's own format by the test
//! (Python's gzip and base64, never gpudeck's encoder) in both storages, and a garbage one, are listed; a release's
//! history, diff, values and live objects are shown; `:rollback` shows the dry-run, then writes a record that decodes
//! (with Python, as Helm reads it) to what Helm writes; read-only refuses it before any request; the demo's failed
//! and stuck releases are triage lines.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestSim;
use common::helm::record_tool;
use common::tmux::Tmux;
use serde_json::{Value, json};

/// Creates a record of `release` in storage `kind` (secret, configmap, garbage) with real kubectl.
fn create_record(sim: &TestSim, kind: &str, release: &Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.json");
    std::fs::write(&file, record_tool(kind, &release.to_string())).unwrap();
    sim.kubectl_ok(&["create", "-f", file.to_str().unwrap()]);
}

/// The release a record holds, decoded as Helm reads it.
fn decoded(sim: &TestSim, kind: &str, name: &str) -> Value {
    let object = sim.kubectl_ok(&["get", kind, name, "-n", "ml-serve", "-o", "json"]);
    common::helm::decode(&serde_json::from_str(&object).unwrap())
}

/// Revision `n` of release `triton` in ml-serve: its manifest is one ConfigMap naming `model`.
fn triton(n: i64, status: &str, model: &str) -> Value {
    let manifest = format!(
        "---\n# Source: triton/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: triton-config\n  labels:\n    app.kubernetes.io/managed-by: Helm\ndata:\n  model: {model}\n"
    );
    json!({"name": "triton", "namespace": "ml-serve", "version": n,
        "info": {"first_deployed": "2026-11-01T10:00:00Z", "last_deployed": format!("2026-11-0{n}T10:00:00.5Z"),
            "deleted": "", "description": if n == 1 { "Install complete" } else { "Upgrade complete" },
            "status": status, "notes": format!("triton serves {model}")},
        "chart": {"metadata": {"name": "triton", "version": format!("1.{n}.0"), "appVersion": "24.12"},
            "values": {"model": "resnet", "replicas": 1}, "templates": [], "files": []},
        "config": {"model": model},
        "manifest": manifest, "version": n})
}

fn console(sim: &TestSim, name: &str, flags: &str) -> Tmux {
    let args = format!("--kubeconfig {} {flags}", sim.kubeconfig.display());
    let t = Tmux::start_with(name, &[], None, (220, 50), &args);
    t.wait_for("the console", |s| s.contains("1 triage ("));
    t
}

fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.split_whitespace().any(|w| w == name))
}

#[test]
fn records_in_helm_format_are_listed_diffed_and_rolled_back_as_helm_would() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    create_record(&sim, "secret", &triton(1, "superseded", "resnet"));
    create_record(&sim, "secret", &triton(2, "deployed", "bert"));
    let live = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: triton-config\n  namespace: ml-serve\n  labels:\n    app.kubernetes.io/managed-by: Helm\ndata:\n  model: bert\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("live.yaml"), live).unwrap();
    sim.kubectl_ok(&["create", "-f", dir.path().join("live.yaml").to_str().unwrap()]);
    let mut tools = triton(1, "deployed", "x");
    tools["name"] = json!("notebook-tools");
    tools["chart"]["metadata"]["name"] = json!("notebook-tools");
    create_record(&sim, "configmap", &tools);
    let mut broken = triton(1, "deployed", "x");
    broken["name"] = json!("broken");
    create_record(&sim, "garbage", &broken);

    let t = console(&sim, "helm-records", "");
    t.typed(":", "helm");
    let screen = t.wait_for("every release", |s| {
        ["triton", "notebook-tools", "broken", "gpu-operator", "reranker", "web"].iter().all(|n| row(s, n).is_some())
    });
    let triton_row = row(&screen, "triton").unwrap();
    assert!(triton_row.contains("triton-1.2.0") && triton_row.contains("deployed"), "{triton_row}");
    assert!(row(&screen, "notebook-tools").unwrap().contains("deployed"), "the configmap driver's record");
    let broken_row = row(&screen, "broken").unwrap();
    assert!(broken_row.contains("unreadable") && broken_row.contains("neither gzip nor JSON"), "{broken_row}");
    let reranker = row(&screen, "reranker").unwrap();
    assert!(reranker.contains("failed") && reranker.contains("timed out waiting for the condition"), "{reranker}");

    // The history, newest first; enter on the latest diffs it with the one before.
    t.typed("/", "triton");
    t.keys(&["Enter"]);
    let history =
        t.wait_for("triton's history", |s| s.contains("release ml-serve/triton: history") && !s.contains("reading"));
    let first = history.lines().position(|l| l.starts_with("2 ") && l.contains("triton-1.2.0")).unwrap();
    let second = history.lines().position(|l| l.starts_with("1 ") && l.contains("triton-1.1.0")).unwrap();
    assert!(first < second, "newest first:\n{history}");
    t.keys(&["Enter"]);
    let diff = t.wait_for("the diff", |s| s.contains("diff 1 → 2"));
    assert!(diff.contains("-  model: resnet") && diff.contains("+  model: bert"), "{diff}");
    assert!(diff.contains("=== values") && diff.contains("+model: bert"), "{diff}");
    t.keys(&["Escape", "I"]);
    let values = t.wait_for("computed values", |s| s.contains("COMPUTED VALUES:"));
    assert!(values.contains("model: bert") && values.contains("replicas: 1"), "{values}");
    t.keys(&["Escape", "o"]);
    let objects = t.wait_for("the live objects", |s| row(s, "triton-config").is_some_and(|r| r.contains("healthy")));
    assert!(objects.contains("revision 2: live objects"), "{objects}");
    t.keys(&["Escape"]);

    // Rollback: the dry-run diff under the question, then the apply and the records.
    t.typed(":", "rollback");
    let review = t.wait_for("the dry-run under the question", |s| s.contains("writes revision 3)?"));
    assert!(review.contains("hooks are not run") && review.contains("configmap ml-serve/triton-config"), "{review}");
    assert!(review.contains("-  model: bert") && review.contains("+  model: resnet"), "{review}");
    assert_eq!(
        sim.kubectl_ok(&["get", "cm", "triton-config", "-n", "ml-serve", "-o", "jsonpath={.data.model}"]),
        "bert"
    );
    t.keys(&["y"]);
    t.wait_for("the rollback done", |s| s.contains("revision 3 deployed (hooks were not run)"));
    assert_eq!(
        sim.kubectl_ok(&["get", "cm", "triton-config", "-n", "ml-serve", "-o", "jsonpath={.data.model}"]),
        "resnet"
    );

    let labels = sim.kubectl_ok(&[
        "get", "secret", "sh.helm.release.v1.triton.v3", "-n", "ml-serve", "-o",
        "jsonpath={.type} {.metadata.labels.name} {.metadata.labels.owner} {.metadata.labels.status} {.metadata.labels.version}",
    ]);
    assert_eq!(labels, "helm.sh/release.v1 triton helm deployed 3");
    let modified = sim.kubectl_ok(&[
        "get",
        "secret",
        "sh.helm.release.v1.triton.v3",
        "-n",
        "ml-serve",
        "-o",
        "jsonpath={.metadata.labels.modifiedAt}",
    ]);
    assert!(modified.parse::<i64>().is_ok_and(|t| t > 1_764_000_000), "{modified}");
    let new = decoded(&sim, "secret", "sh.helm.release.v1.triton.v3");
    let target = triton(1, "superseded", "resnet");
    assert_eq!((new["version"].as_i64(), new["info"]["status"].as_str()), (Some(3), Some("deployed")));
    assert_eq!(new["info"]["description"], "Rollback to 1");
    assert_eq!(
        (&new["manifest"], &new["config"], &new["chart"]),
        (&target["manifest"], &target["config"], &target["chart"])
    );
    assert_eq!(new["info"]["first_deployed"], "2026-11-01T10:00:00Z");
    let old = decoded(&sim, "secret", "sh.helm.release.v1.triton.v2");
    assert_eq!(old["info"]["status"], "superseded");
    assert_eq!(old["manifest"], triton(2, "deployed", "bert")["manifest"], "the old record keeps all it had");
    assert_eq!(
        sim.kubectl_ok(&[
            "get",
            "secret",
            "sh.helm.release.v1.triton.v2",
            "-n",
            "ml-serve",
            "-o",
            "jsonpath={.metadata.labels.status}"
        ]),
        "superseded"
    );
    // The watch brings the new revision to the history.
    t.wait_for("revision 3 in the history", |s| s.lines().any(|l| l.starts_with("3 ") && l.contains("Rollback to 1")));
}

#[test]
fn read_only_refuses_a_rollback_before_any_request_and_triage_explains_failed_and_stuck_releases() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "helm-readonly", "--readonly");
    t.keys(&["1", "z"]);
    let triage = t.wait_for("the release lines", |s| s.contains("ReleaseFailed") && s.contains("ReleaseStuck"));
    let failed = triage.lines().find(|l| l.contains("ReleaseFailed")).unwrap();
    assert!(failed.contains("reranker") && failed.contains("timed out waiting for the condition"), "{failed}");
    let stuck = triage.lines().find(|l| l.contains("ReleaseStuck")).unwrap();
    assert!(stuck.contains("web") && stuck.contains("pending-upgrade for 25m"), "{stuck}");
    assert!(stuck.contains("no operation is running"), "{stuck}");

    // enter on the failed release opens its history.
    t.typed("/", "ReleaseFailed");
    t.keys(&["Enter"]);
    t.wait_for("reranker's history", |s| s.contains("release ml-serve/reranker: history") && s.contains("0.4.1"));
    // Its objects: the Deployment is as the failed revision left it, and not serving.
    t.keys(&["o"]);
    let objects = t.wait_for("reranker's objects", |s| row(s, "reranker").is_some_and(|r| r.contains("unhealthy")));
    assert!(row(&objects, "reranker").unwrap().contains("0 of 2 replicas ready"), "{objects}");
    t.keys(&["Escape"]);
    let before = sim.request_log_lines().len();
    t.typed(":", "rollback");
    t.wait_for("the refusal", |s| s.contains("read-only: rollback refused; nothing was sent"));
    t.typed(":", "helm-unlock");
    t.wait_for("the refusal", |s| s.contains("read-only: helm-unlock refused; nothing was sent"));
    let writes = sim.writes_since(before);
    assert!(writes.is_empty(), "nothing was sent: {writes:?}");
}

#[test]
fn unlock_marks_a_stuck_release_failed_after_asking_twice() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console(&sim, "helm-unlock", "");
    t.typed(":", "helm web");
    t.wait_for("web's history", |s| s.contains("release ml-serve/web: history") && s.contains("pending-upgrade"));
    t.typed(":", "helm-unlock");
    t.wait_for("the first question", |s| s.contains("revision 4 (pending-upgrade) failed, so"));
    t.keys(&["y"]);
    t.wait_for("the second question", |s| s.contains("really unlock it?"));
    t.keys(&["y"]);
    t.wait_for("unlocked", |s| s.contains("pending-upgrade → failed"));
    let record = decoded(&sim, "secret", "sh.helm.release.v1.web.v4");
    assert_eq!(record["info"]["status"], "failed");
    assert!(record["info"]["description"].as_str().unwrap().contains("helm-unlock"), "{record}");
    let status = sim.kubectl_ok(&[
        "get",
        "secret",
        "sh.helm.release.v1.web.v4",
        "-n",
        "ml-serve",
        "-o",
        "jsonpath={.metadata.labels.status}",
    ]);
    assert_eq!(status, "failed");
    t.keys(&["1", "z"]);
    t.wait_for("the stuck line gone, a failed one instead", |s| {
        !s.contains("ReleaseStuck") && s.lines().any(|l| l.contains("ReleaseFailed") && l.contains(" web "))
    });
}
