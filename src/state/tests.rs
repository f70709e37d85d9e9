//! Reducer tests of the console state: selection, filters, drill-downs, triage, pickers, logs.

use super::*;
use crate::event::Data;
use crate::model::events::WarningEvent;
use crate::model::workloads::WorkloadKind;
use crate::model::{Health, ObjectId};
use crate::state::table::Row;
use std::collections::BTreeMap;

pub(super) fn pod(ns: &str, name: &str, status: &str, node: &str, restarts: i32) -> PodRow {
    let health = match status {
        "Running" => Health::Ok,
        "Pending" => Health::Pending,
        _ => Health::Error,
    };
    PodRow {
        id: ObjectId { namespace: ns.into(), name: name.into(), uid: format!("uid-{name}") },
        ready: (usize::from(status == "Running"), 1),
        status: status.into(),
        health,
        restarts,
        last_restart: None,
        created: 1000,
        node: node.into(),
        gpus: 0,
        why: String::new(),
        labels: BTreeMap::from([("app".to_string(), name.split('-').next().unwrap_or(name).to_string())]),
        owner: None,
        claims: Vec::new(),
        empty_dir: false,
        containers: vec!["main".into()],
        ports: Vec::new(),
        usage: None,
        gpu_util: None,
        images: Vec::new(),
        pull_image: None,
        registry: None,
    }
}

pub(super) fn state_with(pods: Vec<PodRow>) -> State {
    let mut s = State::new("demo cluster", false, 2000, (120, 30));
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    s.settle();
    s.pane = Pane::Pods;
    s
}

fn names(s: &State) -> Vec<String> {
    s.pods.window(0, 100).map(|p| p.id.name.clone()).collect()
}

/// Opens a prompt (filter or command) and types `text` into it.
fn prompt(s: &mut State, open: Action, text: &str) {
    s.act(open);
    for c in text.chars() {
        s.type_char(c);
    }
}

fn typed(s: &mut State, text: &str) {
    prompt(s, Action::Filter, text);
}

#[test]
fn selection_follows_identity_through_reorders() {
    let mut s = state_with(vec![
        pod("a", "web-1", "Running", "n1", 0),
        pod("a", "web-2", "Running", "n1", 0),
        pod("a", "web-3", "Running", "n1", 0),
    ]);
    s.act(Action::Down);
    assert_eq!(s.pods.selected_row().map(|p| p.id.name.as_str()), Some("web-2"));
    // A new pod sorts in front: the selection stays on web-2, not on row index 1.
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![pod("a", "web-0", "Running", "n1", 0)], deletes: vec![] }));
    s.settle();
    assert_eq!(names(&s), ["web-0", "web-1", "web-2", "web-3"]);
    assert_eq!(s.pods.selected_row().map(|p| p.id.name.as_str()), Some("web-2"));
    // When the selected pod goes away, the row now at its place is selected.
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![], deletes: vec!["uid-web-2".into()] }));
    s.settle();
    assert_eq!(s.pods.selected_row().map(|p| p.id.name.as_str()), Some("web-3"));
}

#[test]
fn filters_regex_inverse_labels_and_cancel() {
    let mut s = state_with(vec![
        pod("a", "web-1", "Running", "n1", 0),
        pod("a", "db-1", "CrashLoopBackOff", "n2", 4),
        pod("b", "web-2", "Pending", "", 0),
    ]);
    typed(&mut s, "crash");
    assert_eq!(names(&s), ["db-1"], "case-insensitive regex over name and status");
    s.act(Action::Accept);
    assert_eq!(s.mode, Mode::Normal);
    typed(&mut s, "");
    for _ in 0..5 {
        s.act(Action::DeleteChar);
    }
    for c in "!web".chars() {
        s.type_char(c);
    }
    assert_eq!(names(&s), ["db-1"]);
    s.act(Action::Back);
    assert_eq!(names(&s), ["db-1"], "esc restores the filter from before the prompt");
    s.act(Action::Back);
    assert_eq!(names(&s).len(), 3, "esc in normal mode clears the filter");
    typed(&mut s, "-l app=web");
    assert_eq!(names(&s), ["web-1", "web-2"]);
    s.act(Action::Back);
    typed(&mut s, "web-(");
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("not a valid regex")));
    assert!(names(&s).is_empty(), "matched literally");
}

#[test]
fn drill_down_from_nodes_and_back() {
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0), pod("a", "db-1", "Running", "n2", 0)]);
    let node: crate::model::nodes::NodeRow =
        serde_json::from_value::<k8s_openapi::api::core::v1::Node>(serde_json::json!({
        "metadata": {"name": "n2", "uid": "node-n2"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
        .map(|n| crate::model::nodes::NodeRow::from_node(&n))
        .unwrap();
    s.absorb(Data::Nodes(Delta { reset: true, upserts: vec![node], deletes: vec![] }));
    s.act(Action::PaneNodes);
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Pods);
    assert_eq!(names(&s), ["db-1"]);
    s.act(Action::Back);
    assert_eq!(names(&s).len(), 2);
}

#[test]
fn triage_ranks_and_jumps_to_the_object() {
    let mut s = state_with(vec![
        pod("a", "web-1", "Running", "n1", 0),
        pod("a", "db-1", "CrashLoopBackOff", "n2", 9),
        pod("b", "gpu-1", "Pending", "", 0),
    ]);
    s.absorb(Data::Pods(Delta {
        reset: false,
        upserts: vec![PodRow { why: "0/3 nodes are available".into(), ..pod("b", "gpu-1", "Pending", "", 0) }],
        deletes: vec![],
    }));
    s.absorb(Data::Workloads(WorkloadKind::Job, Delta { reset: true, upserts: vec![], deletes: vec![] }));
    s.settle();
    s.act(Action::PaneTriage);
    let triage: Vec<String> = s.triage.window(0, 10).map(|t| format!("{}:{}", t.id.name, t.problem)).collect();
    assert_eq!(triage, ["db-1:CrashLoopBackOff", "gpu-1:Pending"]);
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Pods);
    assert_eq!(s.pods.selected_row().map(|p| p.id.name.as_str()), Some("db-1"));
}

#[test]
fn node_gpu_counts_follow_pod_deltas() {
    let gpu_pod = |name: &str, status: &str| PodRow { gpus: 2, ..pod("a", name, status, "n1", 0) };
    let mut s = state_with(vec![gpu_pod("train-1", "Running"), gpu_pod("train-2", "Running")]);
    let node: crate::model::nodes::NodeRow =
        serde_json::from_value::<k8s_openapi::api::core::v1::Node>(serde_json::json!({
        "metadata": {"name": "n1", "uid": "node-n1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
        .map(|n| crate::model::nodes::NodeRow::from_node(&n))
        .unwrap();
    s.absorb(Data::Nodes(Delta { reset: true, upserts: vec![node], deletes: vec![] }));
    s.settle();
    let allocated = |s: &State| s.nodes.window(0, 1).map(|n| n.gpus_allocated).next();
    assert_eq!(allocated(&s), Some(4));
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![gpu_pod("train-1", "Completed")], deletes: vec![] }));
    s.settle();
    assert_eq!(allocated(&s), Some(2), "a finished pod holds no GPUs");
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![], deletes: vec!["uid-train-2".into()] }));
    s.settle();
    assert_eq!(allocated(&s), Some(0));
}

fn warning_event(uid: &str, kind: &str, object: &str, reason: &str, last: i64) -> WarningEvent {
    WarningEvent {
        uid: uid.into(),
        kind: kind.into(),
        object: ObjectId { namespace: "a".into(), name: object.into(), uid: format!("uid-{object}") },
        reason: reason.into(),
        message: format!("{reason} happened"),
        count: 3,
        last,
    }
}

fn triage_lines(s: &State) -> Vec<String> {
    s.triage.window(0, 20).map(|t| format!("{} {}:{}", t.kind, t.id.name, t.problem)).collect()
}

#[test]
fn warning_events_stand_in_for_objects_without_a_line_and_age_out() {
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0)]);
    s.absorb(Data::Warnings(Delta {
        reset: true,
        upserts: vec![
            warning_event("e1", "Pod", "web-1", "FailedMount", 1990),
            warning_event("e2", "Pod", "web-1", "BackOff", 1995),
            warning_event("e3", "ReplicaSet", "gpu-5d9f", "FailedCreate", 1980),
            warning_event("e4", "Pod", "web-1", "Ancient", 2000 - 2 * triage::WARNING_WINDOW),
        ],
        deletes: vec![],
    }));
    s.settle();
    assert_eq!(triage_lines(&s), ["replicaset gpu-5d9f:FailedCreate", "pod web-1:BackOff"], "latest per object");
    assert!(s.triage.window(1, 1).all(|t| t.why == "BackOff happened (×3)"));
    // The pod breaks: its own line replaces the event line, and comes back when it recovers.
    s.absorb(Data::Pods(Delta {
        reset: false,
        upserts: vec![pod("a", "web-1", "CrashLoopBackOff", "n1", 2)],
        deletes: vec![],
    }));
    s.settle();
    assert_eq!(triage_lines(&s), ["pod web-1:CrashLoopBackOff", "replicaset gpu-5d9f:FailedCreate"]);
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![pod("a", "web-1", "Running", "n1", 2)], deletes: vec![] }));
    s.settle();
    assert_eq!(triage_lines(&s), ["replicaset gpu-5d9f:FailedCreate", "pod web-1:BackOff"]);
    // Enter on a kind no pane lists says so; on the pod it jumps there.
    s.act(Action::PaneTriage);
    s.act(Action::Top);
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Triage);
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("replicaset")));
    s.act(Action::Bottom);
    s.act(Action::DrillIn);
    assert_eq!((s.pane, s.pods.selected_row().map(|p| p.id.name.as_str())), (Pane::Pods, Some("web-1")));
    // An hour later every event has aged out.
    s.tick(1995 + triage::WARNING_WINDOW + 61);
    s.settle();
    assert!(triage_lines(&s).is_empty(), "{:?}", triage_lines(&s));
}

#[test]
fn a_crash_looping_pod_keeps_its_line_while_briefly_running() {
    let looping = |status: &str| PodRow { last_restart: Some(1990), ..pod("a", "tok-1", status, "n1", 7) };
    let mut s = state_with(vec![looping("CrashLoopBackOff"), pod("a", "db-1", "CrashLoopBackOff", "n1", 9)]);
    assert_eq!(triage_lines(&s), ["pod db-1:CrashLoopBackOff", "pod tok-1:CrashLoopBackOff"]);
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![looping("Running")], deletes: vec![] }));
    s.settle();
    assert_eq!(triage_lines(&s), ["pod db-1:CrashLoopBackOff", "pod tok-1:Restarting"], "same place, no flicker");
    s.tick(1990 + triage::RESTART_WINDOW + 60);
    s.settle();
    assert_eq!(triage_lines(&s), ["pod db-1:CrashLoopBackOff"], "running quietly for the whole window");
}

#[test]
fn logs_open_on_a_pod_drop_stale_batches_and_stop_on_close() {
    use logs::LogLine;
    let line = |t: &str| LogLine::plain(t);
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0), pod("a", "web-2", "Running", "n1", 0)]);
    s.act(Action::Logs);
    assert!(matches!(&s.effects[..], [Effect::Logs { target, generation: 1 }] if target.pod == "web-1"));
    s.act(Action::Back);
    s.act(Action::Down);
    s.act(Action::DrillIn);
    assert_eq!(s.mode, Mode::Logs { prompt: None }, "enter on a pod opens its logs");
    assert!(
        matches!(&s.effects[..], [_, Effect::StopLogs, Effect::Logs { target, generation: 2 }] if target.pod == "web-2")
    );
    s.absorb(Data::LogLines { generation: 1, lines: vec![line("from web-1")] });
    s.absorb(Data::LogLines { generation: 2, lines: vec![line("GET /healthz 200"), line("GET /predict 500")] });
    let shown = |s: &State| {
        s.logs.as_ref().map(|l| (0..l.len()).filter_map(|i| l.line(i)).map(|l| l.text.clone()).collect::<Vec<_>>())
    };
    assert_eq!(
        shown(&s),
        Some(vec!["GET /healthz 200".to_string(), "GET /predict 500".to_string()]),
        "web-1's late batch is dropped"
    );
    s.act(Action::Search);
    for c in "500".chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
    assert_eq!(s.logs.as_ref().and_then(|l| l.matched), Some(1));
    assert_eq!(s.mode, Mode::Logs { prompt: None });
    s.absorb(Data::LogEnded { generation: 2, why: "pod web-2 no longer exists".into() });
    assert_eq!(s.logs.as_ref().and_then(|l| l.ended.as_deref()), Some("pod web-2 no longer exists"));
    s.act(Action::Back);
    assert_eq!((s.mode.clone(), s.logs.is_none()), (Mode::Normal, true));
    assert_eq!(s.effects.last(), Some(&Effect::StopLogs));
}

#[test]
fn panes_cycle_and_help_swallows_keys() {
    let mut s = state_with(vec![]);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Workloads);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Gpu);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Images);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Inference);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Triage, "the generic view joins the cycle once :RESOURCE opens something");
    s.act(Action::PrevPane);
    assert_eq!(s.pane, Pane::Inference);
    s.act(Action::Help);
    s.act(Action::NextPane);
    assert_eq!((s.pane, &s.mode), (Pane::Inference, &Mode::Help { scroll: 0 }));
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Normal);
    s.act(Action::Quit);
    assert!(s.quit);
}

fn command(s: &mut State, text: &str) {
    prompt(s, Action::Command, text);
}

/// A pod in ml-serve and one in ml-train, with kube-system known as a third namespace.
fn two_namespaces() -> State {
    let mut s =
        state_with(vec![pod("ml-serve", "web-1", "Running", "n1", 0), pod("ml-train", "job-1", "Running", "n1", 0)]);
    s.absorb(Data::Namespaces(vec!["kube-system".into(), "ml-serve".into(), "ml-train".into()]));
    s
}

#[test]
fn command_mode_completes_and_switches_namespace() {
    let mut s = two_namespaces();
    command(&mut s, "n");
    s.act(Action::Complete);
    assert_eq!(s.mode, Mode::Command { input: "n".into() }, "nodes and ns share only the n");
    s.type_char('s');
    s.act(Action::Complete);
    assert_eq!(s.mode, Mode::Command { input: "ns ".into() }, "a unique command completes with a space");
    for c in "ml".chars() {
        s.type_char(c);
    }
    s.act(Action::Complete);
    assert_eq!(s.mode, Mode::Command { input: "ns ml-".into() });
    assert_eq!(s.candidates("ns ml-"), ["ml-serve", "ml-train"]);
    for c in "serve".chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
    assert_eq!(s.namespace.as_deref(), Some("ml-serve"));
    assert_eq!(names(&s), ["web-1"]);
    command(&mut s, "ns nowhere");
    s.act(Action::Accept);
    assert_eq!(s.namespace.as_deref(), Some("ml-serve"), "an unknown namespace changes nothing");
    assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text.contains("nowhere")));
    command(&mut s, "ns all");
    s.act(Action::Accept);
    assert_eq!(s.namespace, None);
    command(&mut s, "frobnicate");
    s.act(Action::Accept);
    assert_eq!(s.effects.pop(), Some(Effect::Discover), "an unknown word asks discovery again (a CRD created since)");
    s.absorb(Data::Kinds(Vec::new()));
    assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("unknown command")));
    command(&mut s, "ctx prod");
    s.act(Action::Accept);
    assert!(s.effects.is_empty(), "no such context: nothing to run");
}

#[test]
fn namespace_picker_narrows_moves_and_picks() {
    let mut s = two_namespaces();
    command(&mut s, "ns");
    s.act(Action::Accept);
    let Mode::Picker(p) = &s.mode else { panic!("no picker: {:?}", s.mode) };
    assert_eq!(s.picks(p), ["all", "kube-system", "ml-serve", "ml-train"]);
    assert_eq!(p.selected, 0, "the current choice (all namespaces) is selected");
    for c in "ML".chars() {
        s.type_char(c);
    }
    s.act(Action::Down);
    s.act(Action::Down);
    let Mode::Picker(p) = &s.mode else { panic!() };
    assert_eq!((s.picks(p), p.selected), (vec!["ml-serve".to_string(), "ml-train".to_string()], 1), "clamped");
    s.act(Action::Accept);
    assert_eq!((s.namespace.as_deref(), &s.mode), (Some("ml-train"), &Mode::Normal));
    assert_eq!(names(&s), ["job-1"]);
    command(&mut s, "ns");
    s.act(Action::Accept);
    s.act(Action::Back);
    assert_eq!((s.namespace.as_deref(), &s.mode), (Some("ml-train"), &Mode::Normal), "esc picks nothing");
    command(&mut s, "ctx");
    s.act(Action::Accept);
    assert_eq!(s.mode, Mode::Normal, "the demo cluster has no contexts to pick from");
}

#[test]
fn describe_requests_an_effect_and_drops_late_answers() {
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0)]);
    s.act(Action::Describe);
    s.act(Action::Yaml);
    assert_eq!(s.effects.len(), 2);
    assert!(
        matches!(&s.effects[1], Effect::Yaml { address, generation: 2 } if address.name == "web-1" && address.kind == "Pod")
    );
    s.absorb(Data::Document { title: "old".into(), text: Ok("stale".into()), yaml: false, generation: 1 });
    assert_eq!(s.mode, Mode::Normal, "the superseded describe is dropped");
    s.absorb(Data::Document {
        title: "pod a/web-1 (YAML)".into(),
        text: Ok("kind: Pod\nmetadata: {}".into()),
        yaml: true,
        generation: 2,
    });
    assert!(matches!(&s.mode, Mode::Document { lines, .. } if lines.len() == 2));
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn metrics_fill_usage_and_survive_watch_updates() {
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0)]);
    let pods = HashMap::from([("a".to_string(), HashMap::from([("web-1".to_string(), (250, 1 << 30))]))]);
    s.absorb(Data::Metrics { pods, nodes: HashMap::new() });
    s.settle();
    assert_eq!(s.pods.selected_row().and_then(|p| p.usage), Some((250, 1 << 30)));
    s.absorb(Data::Pods(Delta { reset: false, upserts: vec![pod("a", "web-1", "Running", "n1", 1)], deletes: vec![] }));
    s.settle();
    let row = s.pods.selected_row().cloned();
    assert_eq!(row.as_ref().map(|p| (p.restarts, p.usage)), Some((1, Some((250, 1 << 30)))));
    let cells =
        row.map(|r| r.cells().iter().map(|c| c.shown(s.now).into_owned()).collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(&cells[8..10], ["250m", "1.0Gi"]);
    s.absorb(Data::MetricsUnavailable("no metrics API".into()));
    assert!(s.metrics_unavailable.is_some());
}

#[test]
fn logs_of_a_workload_follow_its_selector() {
    let mut s = state_with(vec![]);
    let job = crate::model::workloads::WorkloadRow {
        id: ObjectId { namespace: "ml-train".into(), name: "llama3-finetune".into(), uid: "job-1".into() },
        kind: WorkloadKind::Job,
        ready: 4,
        desired: 4,
        completions: "0/1".into(),
        started: Some(1000),
        finished: None,
        status: "Running".into(),
        health: Health::Ok,
        gpus_per_pod: 8,
        probes: Vec::new(),
        created: 1000,
        selector: BTreeMap::from([("job-name".to_string(), "llama3-finetune".to_string())]),
        scale: 4,
        generation: 1,
        observed: 0,
        updated: 4,
        current: 4,
        rollout: Default::default(),
    };
    s.absorb(Data::Workloads(WorkloadKind::Job, Delta { reset: true, upserts: vec![job], deletes: vec![] }));
    s.settle();
    s.act(Action::PaneWorkloads);
    s.act(Action::Logs);
    let Some(Effect::Logs { target, .. }) = s.effects.last() else { panic!("no logs effect: {:?}", s.effects) };
    assert_eq!((target.namespace.as_str(), target.pod.as_str()), ("ml-train", "job/llama3-finetune"));
    assert_eq!(target.selector.as_ref().and_then(|l| l.get("job-name")).map(String::as_str), Some("llama3-finetune"));
}

#[test]
fn the_logs_command_takes_kubectls_options() {
    let mut s = state_with(vec![pod("a", "web-1", "Running", "n1", 0), pod("b", "web-2", "Running", "n1", 0)]);
    command(&mut s, "logs --since 10m -c app --previous web-2");
    s.act(Action::Accept);
    let Some(Effect::Logs { target, .. }) = s.effects.last() else { panic!("no logs effect: {:?}", s.notice) };
    assert_eq!(
        (target.namespace.as_str(), target.pod.as_str(), target.container.as_deref(), target.since, target.previous),
        ("b", "web-2", Some("app"), Some(600), Some(true))
    );
    s.act(Action::Back);
    for (input, why) in [
        ("logs nope", "no pod \"nope\""),
        ("logs --since 10x web-1", "--since takes a duration"),
        ("logs --tail", "--tail needs a value"),
        ("logs --bogus web-1", "unknown option --bogus"),
    ] {
        command(&mut s, input);
        s.act(Action::Accept);
        assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text.contains(why)), "{input}: {:?}", s.notice);
        assert_eq!(s.mode, Mode::Normal, "{input}: a bad command opens nothing");
    }
}

#[test]
fn the_container_picker_switches_the_logs_to_one_container() {
    let two = PodRow { containers: vec!["main".into(), "sidecar".into()], ..pod("a", "web-1", "Running", "n1", 0) };
    let mut s = state_with(vec![two]);
    s.act(Action::Logs);
    s.act(Action::PickContainer);
    let Mode::Picker(p) = &s.mode else { panic!("no picker: {:?}", s.mode) };
    assert_eq!(s.picks(p), ["main", "sidecar"]);
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Logs { prompt: None }, "esc goes back to the logs");
    s.act(Action::PickContainer);
    s.act(Action::Down);
    s.act(Action::Accept);
    assert_eq!(s.mode, Mode::Logs { prompt: None });
    let Some(Effect::Logs { target, generation }) = s.effects.last() else { panic!("{:?}", s.notice) };
    assert_eq!((target.pod.as_str(), target.container.as_deref(), *generation), ("web-1", Some("sidecar"), 2));
}
