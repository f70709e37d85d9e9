//! Real kubectl's rollout commands against the sim's deployment controller: history with change-causes, undo (the
//! old ReplicaSet comes back as the newest revision), status, pause and resume, and a rollout stuck on a tag that
//! does not exist running out of its progress deadline.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;

/// A two-replica Deployment pinned to cpu-01 (the demo's cpu-02 has no working CNI), with a change-cause.
fn deployment(name: &str, image: &str, deadline: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: ml-serve\n  annotations:\n    kubernetes.io/change-cause: ci deploy {image}\nspec:\n  replicas: 2\n  progressDeadlineSeconds: {deadline}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      nodeSelector: {{kubernetes.io/hostname: cpu-01}}\n      containers:\n      - name: web\n        image: {image}\n"
    )
}

fn apply(sim: &TestSim, text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deploy.yaml");
    std::fs::write(&file, text).unwrap();
    sim.kubectl_ok(&["apply", "-f", file.to_str().unwrap()]);
}

/// One field of an object in ml-serve, by JSONPath.
fn field(sim: &TestSim, object: &str, path: &str) -> String {
    sim.kubectl_ok(&["get", object, "-n", "ml-serve", "-o", &format!("jsonpath={path}")])
}

fn progressing(sim: &TestSim, name: &str) -> String {
    field(sim, &format!("deploy/{name}"), "{.status.conditions[?(@.type==\"Progressing\")].reason}")
}

fn rolled_out(sim: &TestSim, name: &str) {
    let out = sim.kubectl_ok(&["rollout", "status", &format!("deploy/{name}"), "-n", "ml-serve", "--timeout=60s"]);
    assert!(out.contains("successfully rolled out"), "{out}");
}

/// `kubectl rollout history` of `target` (`deploy/api`, `sts/cache`): each revision's line, its words joined by one space.
fn history(sim: &TestSim, target: &str) -> Vec<String> {
    let out = sim.kubectl_ok(&["rollout", "history", target, "-n", "ml-serve"]);
    out.lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn history_undo_pause_and_resume_as_kubectl_sees_them() {
    require_kubectl!();
    let sim = TestSim::demo();
    apply(&sim, &deployment("api", "ghcr.io/acme-ml/web:5.2.0", 600));
    rolled_out(&sim, "api");
    assert_eq!(progressing(&sim, "api"), "NewReplicaSetAvailable");
    apply(&sim, &deployment("api", "ghcr.io/acme-ml/web:5.2.1", 600));
    rolled_out(&sim, "api");
    assert_eq!(
        history(&sim, "deploy/api"),
        ["1 ci deploy ghcr.io/acme-ml/web:5.2.0", "2 ci deploy ghcr.io/acme-ml/web:5.2.1"]
    );
    let revision = field(&sim, "deploy/api", "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}");
    assert_eq!(revision, "2");
    let detail = sim.kubectl_ok(&["rollout", "history", "deploy/api", "-n", "ml-serve", "--revision=1"]);
    assert!(detail.contains("Image:") && detail.contains("ghcr.io/acme-ml/web:5.2.0"), "{detail}");

    // Undo: revision 1's ReplicaSet is the current one again, as revision 3.
    let out = sim.kubectl_ok(&["rollout", "undo", "deploy/api", "-n", "ml-serve"]);
    assert!(out.contains("rolled back"), "{out}");
    rolled_out(&sim, "api");
    let image = field(&sim, "deploy/api", "{.spec.template.spec.containers[0].image}");
    assert_eq!(image, "ghcr.io/acme-ml/web:5.2.0");
    assert_eq!(
        history(&sim, "deploy/api"),
        ["2 ci deploy ghcr.io/acme-ml/web:5.2.1", "3 ci deploy ghcr.io/acme-ml/web:5.2.0"]
    );
    let sets = sim.kubectl_ok(&["get", "rs", "-n", "ml-serve", "-l", "app=api", "--no-headers"]);
    assert_eq!(sets.lines().count(), 2, "the old set was reused, not a new one made: {sets}");
    let history_annotation = sim.kubectl_ok(&[
        "get",
        "rs",
        "-n",
        "ml-serve",
        "-l",
        "app=api",
        "-o",
        "jsonpath={.items[*].metadata.annotations.deployment\\.kubernetes\\.io/revision-history}",
    ]);
    assert_eq!(history_annotation.trim(), "1");

    // Paused: a new template waits; resumed, it rolls.
    sim.kubectl_ok(&["rollout", "pause", "deploy/api", "-n", "ml-serve"]);
    let paused =
        sim.eventually(Duration::from_secs(10), || (progressing(&sim, "api") == "DeploymentPaused").then_some(()));
    assert!(paused.is_some(), "{}", progressing(&sim, "api"));
    sim.kubectl_ok(&["set", "image", "deploy/api", "web=ghcr.io/acme-ml/web:5.2.1", "-n", "ml-serve"]);
    std::thread::sleep(Duration::from_secs(2));
    let sets = sim.kubectl_ok(&["get", "rs", "-n", "ml-serve", "-l", "app=api", "--no-headers"]);
    assert_eq!(sets.lines().count(), 2, "no rollout while paused: {sets}");
    sim.kubectl_ok(&["rollout", "resume", "deploy/api", "-n", "ml-serve"]);
    rolled_out(&sim, "api");
    assert_eq!(
        history(&sim, "deploy/api").last().map(String::as_str),
        Some("4 ci deploy ghcr.io/acme-ml/web:5.2.0"),
        "the change-cause was not updated by set image, as on a real cluster"
    );
}

#[test]
fn a_rollout_on_a_missing_tag_runs_out_of_its_deadline() {
    require_kubectl!();
    let sim = TestSim::demo();
    apply(&sim, &deployment("stuck", "ghcr.io/acme-ml/web:9.9.9", 3));
    let exceeded = sim.eventually(Duration::from_secs(30), || {
        (progressing(&sim, "stuck") == "ProgressDeadlineExceeded").then_some(())
    });
    assert!(exceeded.is_some(), "{}", progressing(&sim, "stuck"));
    let out = sim.kubectl(&["rollout", "status", "deploy/stuck", "-n", "ml-serve", "--timeout=20s"]);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("exceeded its progress deadline"), "{text}");
    let status = field(&sim, "deploy/stuck", "{.status.conditions[?(@.type==\"Progressing\")].status}");
    assert_eq!(status, "False");
}

#[test]
fn statefulsets_keep_controller_revisions_that_history_and_undo_use() {
    require_kubectl!();
    let sim = TestSim::demo();
    let sts = |image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: cache\n  namespace: ml-serve\n  annotations:\n    kubernetes.io/change-cause: ci deploy {image}\nspec:\n  replicas: 2\n  serviceName: cache\n  selector:\n    matchLabels: {{app: cache}}\n  template:\n    metadata:\n      labels: {{app: cache}}\n    spec:\n      nodeSelector: {{kubernetes.io/hostname: cpu-01}}\n      containers:\n      - name: web\n        image: {image}\n"
        )
    };
    let status = |sim: &TestSim| {
        let out = sim.kubectl_ok(&["rollout", "status", "sts/cache", "-n", "ml-serve", "--timeout=90s"]);
        assert!(out.contains("complete") || out.contains("rolling update complete"), "{out}");
    };
    apply(&sim, &sts("ghcr.io/acme-ml/web:5.2.0"));
    status(&sim);
    apply(&sim, &sts("ghcr.io/acme-ml/web:5.2.1"));
    status(&sim);
    assert_eq!(
        history(&sim, "sts/cache"),
        ["1 ci deploy ghcr.io/acme-ml/web:5.2.0", "2 ci deploy ghcr.io/acme-ml/web:5.2.1"]
    );
    let out = sim.kubectl_ok(&["rollout", "undo", "sts/cache", "-n", "ml-serve"]);
    assert!(out.contains("rolled back"), "{out}");
    status(&sim);
    let image =
        sim.kubectl_ok(&["get", "pod", "cache-0", "-n", "ml-serve", "-o", "jsonpath={.spec.containers[0].image}"]);
    assert_eq!(image, "ghcr.io/acme-ml/web:5.2.0");
    // Revision 1's template is the newest again, as revision 3; no third ControllerRevision was made.
    assert_eq!(
        history(&sim, "sts/cache"),
        ["2 ci deploy ghcr.io/acme-ml/web:5.2.1", "3 ci deploy ghcr.io/acme-ml/web:5.2.0"]
    );
    let revisions =
        sim.kubectl_ok(&["get", "controllerrevisions", "-n", "ml-serve", "-l", "app=cache", "--no-headers"]);
    assert_eq!(revisions.lines().count(), 2, "{revisions}");
}

#[test]
fn daemonsets_history_and_undo_through_kubectl_and_the_console() {
    require_kubectl!();
    let sim = TestSim::demo();
    let ds = |image: &str| {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  namespace: ml-serve\n  annotations:\n    kubernetes.io/change-cause: ci deploy {image}\nspec:\n  selector:\n    matchLabels: {{app: agent}}\n  template:\n    metadata:\n      labels: {{app: agent}}\n    spec:\n      nodeSelector: {{kubernetes.io/hostname: cpu-01}}\n      containers:\n      - name: agent\n        image: {image}\n"
        )
    };
    let status = |sim: &TestSim| {
        let out = sim.kubectl_ok(&["rollout", "status", "ds/agent", "-n", "ml-serve", "--timeout=90s"]);
        assert!(out.contains("successfully rolled out"), "{out}");
    };
    let image = |sim: &TestSim| field(sim, "ds/agent", "{.spec.template.spec.containers[0].image}");
    apply(&sim, &ds("ghcr.io/acme-ml/web:5.2.0"));
    status(&sim);
    apply(&sim, &ds("ghcr.io/acme-ml/web:5.2.1"));
    status(&sim);
    assert_eq!(
        history(&sim, "ds/agent"),
        ["1 ci deploy ghcr.io/acme-ml/web:5.2.0", "2 ci deploy ghcr.io/acme-ml/web:5.2.1"]
    );
    let out = sim.kubectl_ok(&["rollout", "undo", "ds/agent", "-n", "ml-serve"]);
    assert!(out.contains("rolled back"), "{out}");
    status(&sim);
    assert_eq!(image(&sim), "ghcr.io/acme-ml/web:5.2.0");
    assert_eq!(
        history(&sim, "ds/agent"),
        ["2 ci deploy ghcr.io/acme-ml/web:5.2.1", "3 ci deploy ghcr.io/acme-ml/web:5.2.0"]
    );

    // The console reads the same history and undoes to revision 2 as kubectl would: dry-run first, then the patch.
    use gpudeck::model::history::ops::{HistoryData, HistoryEffect};
    let client = sim.rt.block_on(common::console::client_for(&sim, None));
    let registry = gpudeck::effects::registry::RegistryClient::new(Default::default()).unwrap();
    let target = gpudeck::event::ObjectAddress {
        api_version: "apps/v1".into(),
        kind: "DaemonSet".into(),
        namespace: "ml-serve".into(),
        name: "agent".into(),
    };
    let run = |effect| sim.rt.block_on(gpudeck::effects::history::run(client.clone(), registry.clone(), effect));
    let gpudeck::event::Data::History(HistoryData::Loaded { result: Ok(read), .. }) =
        run(HistoryEffect::Load { target: target.clone(), generation: 1 })
    else {
        panic!("the console could not read the history")
    };
    let numbers: Vec<i64> = read.revisions.iter().map(|r| r.number).collect();
    assert_eq!((numbers, read.current), (vec![3, 2], Some(3)));
    let undo =
        |dry_run| HistoryEffect::Undo { target: target.clone(), revision: 2, dry_run, expect: None, generation: 1 };
    let gpudeck::event::Data::History(HistoryData::Reviewed { result: Ok(review), .. }) = run(undo(true)) else {
        panic!("no dry-run")
    };
    assert!(review.diff.iter().any(|d| d.text == "+  - image: ghcr.io/acme-ml/web:5.2.1"), "{:?}", review.diff);
    assert_eq!(image(&sim), "ghcr.io/acme-ml/web:5.2.0", "a dry-run changes nothing");
    let gpudeck::event::Data::History(HistoryData::Written { result, .. }) = run(undo(false)) else { panic!() };
    assert_eq!(result, Ok("rolled back to revision 2".to_string()));
    status(&sim);
    assert_eq!(image(&sim), "ghcr.io/acme-ml/web:5.2.1");
    assert_eq!(
        history(&sim, "ds/agent"),
        ["3 ci deploy ghcr.io/acme-ml/web:5.2.0", "4 ci deploy ghcr.io/acme-ml/web:5.2.1"]
    );
}
