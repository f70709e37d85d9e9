use serde_json::json;

use super::*;
use crate::action::Action;
use crate::event::Data;
use crate::model::history::ops::{HistoryData, HistoryEffect, Provenance, UndoReview};
use crate::model::workloads::{RolloutState, WorkloadKind, WorkloadRow};
use crate::state::mutate::Confirmed;
use crate::state::tests::{pod, state_with};

fn target() -> ObjectAddress {
    ObjectAddress {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: "ml".into(),
        name: "web".into(),
    }
}

/// A Deployment on revision 2 of `web:2`, revision 1 of `web:1` before it.
fn history() -> History {
    let set = |name: &str, n: i64, image: &str| {
        json!({"metadata": {"name": name, "creationTimestamp": "2026-11-01T00:00:00Z",
            "annotations": {"deployment.kubernetes.io/revision": n.to_string(), "kubernetes.io/change-cause": format!("ci {image}")},
            "ownerReferences": [{"uid": "d", "controller": true}]},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}})
    };
    let d = json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "ml", "uid": "d", "resourceVersion": "7"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}});
    History::of_deployment(&d, &[set("web-one", 1, "web:1"), set("web-two", 2, "web:2")])
}

fn opened() -> State {
    let mut running = pod("ml", "web-two-a", "Running", "n1", 0);
    running.owner = Some(("ReplicaSet".into(), "web-two".into()));
    running.images = vec![("web:2".into(), Some("sha256:run".into()))];
    let mut s = state_with(vec![running]);
    s.show_history_of(target());
    s.effects.clear();
    s.history.generation = 1;
    s.absorb(Data::History(HistoryData::Loaded { generation: 1, result: Ok(history()) }));
    s.settle();
    s
}

fn provenance(tag: Result<&str, &str>, gone: bool) -> Provenance {
    Provenance {
        tag: tag.map(String::from).map_err(String::from),
        tag_gone: gone,
        commit: Some("4f2a9c1d00".into()),
        source: None,
        version: None,
        built: Some(1000),
    }
}

#[test]
fn rows_count_each_revisions_pods_and_ask_the_registry_once_per_image() {
    let mut s = opened();
    let rows: Vec<&RevisionRow> = s.history.table.window(0, 10).collect();
    assert_eq!(rows.iter().map(|r| r.revision).collect::<Vec<_>>(), [2, 1], "newest first");
    assert!(rows[0].current && !rows[1].current);
    assert_eq!((rows[0].pods, rows[1].pods), ((1, 1), (0, 0)));
    assert_eq!(rows[0].change_cause, "ci web:2");
    let asked: Vec<(String, Option<String>)> = s
        .effects
        .drain(..)
        .filter_map(|e| match e {
            Effect::History(HistoryEffect::Provenance { image, running }) => Some((image, running)),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [("web:2".into(), Some("sha256:run".into())), ("web:1".into(), None)]);
    s.absorb(Data::History(HistoryData::Provenance {
        image: "web:2".into(),
        running: Some("sha256:run".into()),
        found: provenance(Ok("sha256:new"), false),
    }));
    s.absorb(Data::History(HistoryData::Provenance {
        image: "web:1".into(),
        running: None,
        found: provenance(Err("tag 1 not found"), true),
    }));
    s.settle();
    let row = |s: &State, n: i64| s.history.table.all().find(|r| r.revision == n).unwrap().clone();
    assert_eq!(row(&s, 2).build, "commit 4f2a9c1 · built 16m ago · tag moved to sha256:new");
    assert_eq!(row(&s, 1).build, "commit 4f2a9c1 · built 16m ago · tag gone from the registry");
    // A second look within the cache's life asks nothing.
    s.act(Action::Back);
    s.effects.clear();
    s.run_command("history deploy/web -n ml");
    s.absorb(Data::History(HistoryData::Loaded { generation: s.history.generation, result: Ok(history()) }));
    s.settle();
    assert!(!s.effects.iter().any(|e| matches!(e, Effect::History(HistoryEffect::Provenance { .. }))));
}

#[test]
fn enter_diffs_a_revision_against_the_current_template() {
    let mut s = opened();
    s.history.table.select_uid("1".into());
    s.act(Action::DrillIn);
    let Mode::Document { title, lines, style, .. } = &s.mode else { panic!("{:?}", s.mode) };
    assert_eq!(title, "deployment ml/web revision 1 → now");
    assert_eq!(*style, DocStyle::Diff);
    assert!(lines.contains(&"-  - image: web:1".to_string()) && lines.contains(&"+  - image: web:2".to_string()));
}

#[test]
fn undo_reviews_a_dry_run_then_asks_and_sends_against_the_reviewed_version() {
    let mut s = opened();
    s.effects.clear();
    s.run_command("undo");
    let Some(Effect::History(HistoryEffect::Undo { revision: 1, dry_run: true, generation, .. })) = s.effects.pop()
    else {
        panic!("{:?}", s.effects)
    };
    let diff = crate::diff::unified("image: web:2\n", "image: web:1\n");
    s.absorb(Data::History(HistoryData::Reviewed {
        generation,
        result: Ok(UndoReview { revision: 1, resource_version: "7".into(), diff }),
    }));
    let Mode::Confirm(confirm) = &s.mode else { panic!("{:?}", s.mode) };
    assert!(confirm.question.contains("revision 1"), "{}", confirm.question);
    assert!(matches!(&confirm.back, Mode::Document { lines, .. } if lines.contains(&"+image: web:1".into())));
    let Confirmed::Send(send) = &confirm.yes else { panic!() };
    let expected =
        HistoryEffect::Undo { target: target(), revision: 1, dry_run: false, expect: Some("7".into()), generation: 0 };
    assert_eq!(send.0, Effect::History(expected));
}

#[test]
fn read_only_refuses_undo_pause_and_resume_before_anything_is_asked() {
    let mut s = opened();
    s.read_only = true;
    s.effects.clear();
    for command in ["undo", "undo 1", "pause", "resume"] {
        s.run_command(command);
        assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("read-only:")), "{command}: {:?}", s.notice);
    }
    assert!(s.effects.is_empty() && s.mode == Mode::Normal);
}

#[test]
fn only_a_deployment_pauses() {
    let mut s = opened();
    s.history.target = Some(ObjectAddress { kind: "StatefulSet".into(), ..target() });
    s.run_command("pause");
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("only a Deployment's rollout pauses")));
    s.history.target = Some(target());
    s.run_command("resume");
    let Mode::Confirm(confirm) = &s.mode else { panic!("{:?}", s.mode) };
    let Confirmed::Send(send) = &confirm.yes else { panic!() };
    assert_eq!(send.0, Effect::History(HistoryEffect::Pause { target: target(), paused: false }));
    // `P` pauses what is not paused (and would resume what is).
    s.mode = Mode::Normal;
    s.act(Action::PauseResume);
    let Mode::Confirm(confirm) = &s.mode else { panic!("{:?}", s.mode) };
    let Confirmed::Send(send) = &confirm.yes else { panic!() };
    assert_eq!(send.0, Effect::History(HistoryEffect::Pause { target: target(), paused: true }));
}

fn deployment_row(rollout: RolloutState) -> WorkloadRow {
    let d: k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
        "metadata": {"name": "reranker", "namespace": "ml", "uid": "dep-r"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "reranker"}}, "template": {"spec": {"containers": []}}}}))
    .unwrap();
    WorkloadRow { rollout, ..WorkloadRow::from_deployment(&d) }
}

#[test]
fn a_stuck_rollout_is_a_triage_line_naming_what_its_new_pods_wait_on() {
    let mut pulling = pod("ml", "reranker-abc12-x", "ImagePullBackOff", "n1", 0);
    pulling.owner = Some(("ReplicaSet".into(), "reranker-abc12".into()));
    pulling.why = "tag 2.4.1 not found".into();
    let mut s = state_with(vec![pulling]);
    let exceeded = RolloutState::DeadlineExceeded {
        message: "ReplicaSet \"reranker-abc12\" has timed out progressing.".into(),
        since: 1500,
    };
    let delta = |rows| Delta { reset: true, upserts: rows, deletes: vec![] };
    s.absorb(Data::Workloads(WorkloadKind::Deployment, delta(vec![deployment_row(exceeded)])));
    s.now += 1;
    s.settle();
    let line = s.triage.all().find(|l| l.problem == "RolloutStuck").expect("a stuck line").clone();
    assert_eq!(
        line.why,
        "ReplicaSet \"reranker-abc12\" has timed out progressing. new pods: pod reranker-abc12-x ImagePullBackOff: tag 2.4.1 not found; :undo goes back to the previous revision"
    );
    assert_eq!(line.object.as_ref().map(|o| o.uid.as_str()), Some("dep-r"), "enter and :undo address the Deployment");
    // Rolling with no progress past the deadline, the controller silent: stalled.
    let rolling = RolloutState::Rolling { since: s.now - 700, deadline: Some(600) };
    s.absorb(Data::Workloads(WorkloadKind::Deployment, delta(vec![deployment_row(rolling)])));
    s.now += 1;
    s.settle();
    assert!(s.triage.all().any(|l| l.problem == "RolloutStalled" && l.why.contains("deadline 600s")));
    // Settled: the line goes.
    s.absorb(Data::Workloads(WorkloadKind::Deployment, delta(vec![deployment_row(RolloutState::Settled)])));
    s.now += 1;
    s.settle();
    assert!(!s.triage.all().any(|l| l.problem.starts_with("Rollout")));
}

#[test]
fn a_daemonset_whose_rolling_update_waits_on_a_broken_pod_is_a_line() {
    let mut crashing = pod("kube-system", "agent-x1", "CrashLoopBackOff", "n1", 4);
    crashing.owner = Some(("DaemonSet".into(), "agent".into()));
    let mut s = state_with(vec![crashing]);
    let ds: k8s_openapi::api::apps::v1::DaemonSet = serde_json::from_value(json!({
        "metadata": {"name": "agent", "namespace": "kube-system", "uid": "ds-a"},
        "spec": {"selector": {}, "template": {"spec": {"containers": []}}},
        "status": {"desiredNumberScheduled": 5, "updatedNumberScheduled": 2, "currentNumberScheduled": 5,
            "numberMisscheduled": 0, "numberReady": 4}}))
    .unwrap();
    let facts = crate::model::nodelayer::DaemonSetFacts::from_daemonset(&ds);
    assert_eq!(facts.rolling, Some((2, 5)));
    let delta = Delta { reset: true, upserts: vec![facts], deletes: vec![] };
    s.absorb(Data::Facts(crate::event::Facts::DaemonSets(delta)));
    s.now += 1;
    s.settle();
    let line = s.triage.all().find(|l| l.problem == "RolloutBlocked").expect("a blocked line").clone();
    assert!(line.why.starts_with("2 of 5 nodes updated; the rolling update waits on pod agent-x1 CrashLoopBackOff"));
    assert_eq!(line.address.as_ref().map(|a| a.kind.as_str()), Some("DaemonSet"), "enter opens the DaemonSet");
}
