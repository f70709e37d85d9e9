//! The validation flow's reducers and its Job, without a cluster: ask, create, read the verdict, ask again, label.

use serde_json::json;

use super::*;
use crate::action::Action;
use crate::event::Data;
use crate::infer::report::{DeviceInfo, SCHEMA};
use crate::state::table::Delta;

fn node(name: &str, gpus: u32, taints: serde_json::Value) -> NodeRow {
    let node = json!({
        "metadata": {"name": name, "uid": format!("uid-{name}"), "labels": {"kubernetes.io/hostname": name}},
        "spec": {"taints": taints},
        "status": {"allocatable": {GPU: gpus.to_string()}, "capacity": {GPU: gpus.to_string()},
            "conditions": [{"type": "Ready", "status": "True"}]},
    });
    NodeRow::from_node(&serde_json::from_value(node).unwrap())
}

fn gpu_taint() -> serde_json::Value {
    json!([{"key": GPU, "value": "present", "effect": "NoSchedule"}])
}

/// The nodes pane with `nodes`, the first selected.
fn state(read_only: bool, nodes: Vec<NodeRow>) -> State {
    let mut s = State::new("demo cluster", read_only, 2000, (120, 30));
    s.absorb(Data::Nodes(Delta { reset: true, upserts: nodes, deletes: vec![] }));
    s.settle();
    s.pane = Pane::Nodes;
    s
}

fn verdict(pass: bool) -> String {
    let mut report = Report::failed("cuda", "the device returned NaN or infinite logits".into());
    report.device =
        DeviceInfo { requested: "cuda".into(), used: "cuda:0".into(), name: "NVIDIA H100".into(), fallback: None };
    if pass {
        report.failures.clear();
        report.pass = true;
    }
    serde_json::to_string(&report).unwrap()
}

/// `v`, yes, the Job created and its pod started: the logs view follows the pod.
fn started(s: &mut State) -> u64 {
    s.act(Action::Validate);
    s.act(Action::Confirm);
    let Some(Effect::Validate { run, .. }) = s.effects.pop() else { panic!("no job sent: {:?}", s.effects) };
    s.absorb(Data::Validation { run, step: Step::Created { job: "gpudeck-validate-gpu-1-x7k2p".into() } });
    s.absorb(Data::Validation { run, step: Step::Started { pod: "gpudeck-validate-gpu-1-x7k2p-abcde".into() } });
    assert!(matches!(s.effects.pop(), Some(Effect::Logs { .. })), "the pod's log is followed");
    s.logs.as_ref().map(|l| l.generation).unwrap()
}

fn lines(texts: &[&str]) -> Vec<LogLine> {
    texts.iter().map(|t| LogLine::plain(*t)).collect()
}

#[test]
fn the_job_is_pinned_to_the_node_takes_one_gpu_and_tolerates_its_taints() {
    let taints = json!([{"key": GPU, "value": "present", "effect": "NoSchedule"},
        {"key": "example.com/burn-in", "value": "pending", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
        {"key": "example.com/prefer-not", "effect": "PreferNoSchedule"}]);
    let job = job_spec(&Settings::default(), &node("gpu-h100-01.cluster.local", 8, taints));
    assert_eq!(job["metadata"]["generateName"], "gpudeck-validate-gpu-h100-01-cluster-local-");
    assert_eq!(job["metadata"]["namespace"], DEFAULT_NAMESPACE);
    assert_eq!(job["metadata"]["labels"]["app.kubernetes.io/managed-by"], "gpudeck");
    assert_eq!(job["metadata"]["labels"][NODE_LABEL], "gpu-h100-01-cluster-local");
    assert_eq!(
        (job["spec"]["backoffLimit"].as_i64(), job["spec"]["activeDeadlineSeconds"].as_i64()),
        (Some(0), Some(600))
    );
    assert!(job["spec"]["ttlSecondsAfterFinished"].is_i64());
    let pod = &job["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["nodeSelector"], json!({"kubernetes.io/hostname": "gpu-h100-01.cluster.local"}));
    assert_eq!(pod["containers"][0]["image"], DEFAULT_IMAGE);
    assert_eq!(pod["containers"][0]["args"], json!(["validate", "--device", "cuda", "--json"]));
    assert_eq!(pod["containers"][0]["resources"]["limits"], json!({GPU: "1"}));
    let tolerated: Vec<(&str, &str)> = pod["tolerations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["effect"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tolerated,
        [(GPU, "NoSchedule"), ("example.com/burn-in", "NoExecute"), ("node.kubernetes.io/unschedulable", "NoSchedule")],
        "the GPU taint once, the node's own, a cordon; not a lifecycle taint, not a preference"
    );
    let long = job_spec(&Settings::default(), &node(&format!("gpu-{}", "x".repeat(80)), 8, gpu_taint()));
    let prefix = long["metadata"]["generateName"].as_str().unwrap();
    assert!(prefix.len() <= 58 && prefix.ends_with("x-"), "{prefix}");
    assert!(long["metadata"]["labels"][NODE_LABEL].as_str().unwrap().len() <= 63);
}

#[test]
fn validate_asks_then_creates_the_job_and_follows_its_pod() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    s.act(Action::Validate);
    let Mode::Confirm(confirm) = &s.mode else { panic!("asks first: {:?}", s.mode) };
    assert!(confirm.question.contains("on node gpu-1") && confirm.question.contains("1 GPU"), "{}", confirm.question);
    assert!(s.effects.is_empty(), "nothing is sent before the yes");
    s.act(Action::Back);
    assert!(s.effects.is_empty() && s.mode == Mode::Normal, "no sends nothing");
    s.act(Action::Validate);
    s.act(Action::Confirm);
    let Some(Effect::Validate { run, job, cordon: None }) = s.effects.pop() else { panic!("{:?}", s.effects) };
    assert_eq!(job["spec"]["template"]["spec"]["nodeSelector"]["kubernetes.io/hostname"], "gpu-1");
    s.absorb(Data::Validation { run: run + 1, step: Step::Created { job: "other".into() } });
    assert!(s.validation.current.is_none(), "another run's outcome is dropped");
    s.absorb(Data::Validation { run, step: Step::Created { job: "gpudeck-validate-gpu-1-x7k2p".into() } });
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("default/gpudeck-validate-gpu-1-x7k2p")));
    s.absorb(Data::Validation { run, step: Step::Started { pod: "gpudeck-validate-gpu-1-x7k2p-abcde".into() } });
    let Some(Effect::Logs { target, .. }) = s.effects.pop() else { panic!("{:?}", s.effects) };
    assert_eq!((target.namespace.as_str(), target.pod.as_str()), ("default", "gpudeck-validate-gpu-1-x7k2p-abcde"));
    assert!(matches!(s.mode, Mode::Logs { .. }));
}

#[test]
fn a_verdict_asks_before_labelling_and_only_yes_labels() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    s.absorb(Data::LogLines { generation, lines: lines(&["gpudeck validate: loading", "classified 12 images"]) });
    assert!(matches!(s.mode, Mode::Logs { .. }), "no verdict yet");
    let json = verdict(false);
    s.absorb(Data::LogLines { generation, lines: lines(&[&json]) });
    assert!(s.logs.as_ref().is_some_and(|l| l.len() == 3), "the verdict line is shown too");
    let Mode::Confirm(confirm) = &s.mode else { panic!("asks: {:?}", s.mode) };
    assert!(confirm.question.starts_with("label node gpu-1 gpudeck.io/validated=fail?"), "{}", confirm.question);
    assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text.contains("FAIL")), "{:?}", s.notice);
    assert!(s.effects.is_empty(), "no label before the yes");
    s.act(Action::Confirm);
    assert_eq!(
        s.effects,
        [Effect::LabelNode {
            node: "gpu-1".into(),
            uid: "uid-gpu-1".into(),
            label: VALIDATED_LABEL.into(),
            value: "fail".into()
        }]
    );
    s.absorb(Data::LogLines { generation, lines: lines(&[&verdict(true)]) });
    assert!(!matches!(s.mode, Mode::Confirm(_)), "a verdict is read once");
}

#[test]
fn no_to_the_label_labels_nothing() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    s.absorb(Data::LogLines { generation, lines: lines(&[&verdict(true)]) });
    let Mode::Confirm(confirm) = &s.mode else { panic!("asks: {:?}", s.mode) };
    assert!(confirm.question.contains("=pass?"));
    s.act(Action::Back);
    assert!(s.effects.is_empty() && matches!(s.mode, Mode::Logs { .. }), "back to the log, nothing sent");
}

#[test]
fn malformed_verdicts_and_pods_without_one_are_reported_not_labelled() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    let broken = format!("{{\"schema\": \"{SCHEMA}\", \"pass\": true}}");
    s.absorb(Data::LogLines { generation, lines: lines(&[&broken]) });
    assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text.contains("malformed verdict")), "{:?}", s.notice);
    assert!(matches!(s.mode, Mode::Logs { .. }) && s.effects.is_empty());

    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    s.absorb(Data::LogLines { generation, lines: lines(&["Segmentation fault (core dumped)"]) });
    s.absorb(Data::LogEnded { generation, why: "validator exited; the pod is Failed".into() });
    let notice = s.notice.clone().unwrap();
    assert!(notice.error && notice.text.contains("without a verdict") && notice.text.contains("Failed"), "{notice:?}");
    assert!(s.logs.as_ref().is_some_and(|l| l.len() == 1), "the log stays in view");
}

#[test]
fn read_only_refuses_the_job_and_the_label() {
    let mut s = state(true, vec![node("gpu-1", 8, gpu_taint())]);
    s.act(Action::Validate);
    assert!(s.effects.is_empty() && s.mode == Mode::Normal);
    assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("read-only: validating node gpu-1 refused")));

    // The context turned read-only while the Job ran: the verdict is shown, no label is offered.
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    s.read_only = true;
    s.absorb(Data::LogLines { generation, lines: lines(&[&verdict(true)]) });
    assert!(matches!(s.mode, Mode::Logs { .. }) && s.effects.is_empty());
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("read-only: not labelled")), "{:?}", s.notice);

    // … or while the label question was open: the yes is refused.
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    let generation = started(&mut s);
    s.absorb(Data::LogLines { generation, lines: lines(&[&verdict(true)]) });
    s.read_only = true;
    s.act(Action::Confirm);
    assert!(s.effects.is_empty(), "{:?}", s.effects);
}

#[test]
fn nodes_without_gpus_and_other_panes_send_nothing() {
    let mut s = state(false, vec![node("cpu-1", 0, json!([]))]);
    s.act(Action::Validate);
    assert!(s.effects.is_empty() && s.mode == Mode::Normal);
    assert_eq!(s.notice.as_ref().map(|n| n.text.as_str()), Some("validate: node cpu-1 has no GPUs"));
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    s.pane = Pane::Pods;
    s.act(Action::Validate);
    assert!(s.effects.is_empty() && s.mode == Mode::Normal);
    assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("validate: select a GPU node")), "{:?}", s.notice);
}

#[test]
fn failures_before_the_pod_runs_end_the_run() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    s.act(Action::Validate);
    s.act(Action::Confirm);
    let Some(Effect::Validate { run, .. }) = s.effects.pop() else { panic!() };
    s.absorb(Data::Validation { run, step: Step::Created { job: "j".into() } });
    s.absorb(Data::Validation {
        run,
        step: Step::Waiting("0/1 nodes are available: 1 Insufficient nvidia.com/gpu".into()),
    });
    assert!(s.notice.as_ref().is_some_and(|n| !n.error && n.text.contains("Insufficient")));
    s.absorb(Data::Validation { run, step: Step::Failed("ErrImagePull: not found".into()) });
    let notice = s.notice.clone().unwrap();
    assert!(notice.error && notice.text.contains("ErrImagePull") && notice.text.contains("not labelled"), "{notice:?}");
}

#[test]
fn the_gpu_pane_validates_its_selected_node() {
    let mut s = state(false, vec![node("gpu-1", 8, gpu_taint())]);
    s.pane = Pane::Gpu;
    s.act(Action::Validate);
    assert!(matches!(&s.mode, Mode::Confirm(c) if c.question.contains("on node gpu-1")), "{:?}", s.mode);
}
