//! The remedy panel of a GPU fault line: what each step says now and the flow each one opens.

use super::*;
use crate::event::{Data, Effect, ObjectKind, ObjectRef};
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::{Delta, Health, ObjectId};
use crate::state::Pane;
use crate::state::triage::TriageRow;

fn state() -> State {
    let mut s = State::new("test", false, 10_000, (200, 50));
    let node = NodeRow {
        id: ObjectId { namespace: String::new(), name: "gpu-1".into(), uid: "n1".into() },
        status: "Ready".into(),
        gpu_allocatable: 8,
        gpu_capacity: 8,
        validated: Some("pass".into()),
        ..NodeRow::default()
    };
    s.absorb(Data::Nodes(Delta { reset: true, upserts: vec![node], deletes: vec![] }));
    let pod = |ns: &str, name: &str, gpus: u32, owner: (&str, &str)| PodRow {
        id: ObjectId { namespace: ns.into(), name: name.into(), uid: name.into() },
        status: "Running".into(),
        node: "gpu-1".into(),
        gpus,
        created: 10_000 - 7200,
        owner: Some((owner.0.into(), owner.1.into())),
        ..PodRow::default()
    };
    let pods = vec![
        pod("ml", "trainer-0", 4, ("Job", "trainer")),
        pod("gpu-operator", "nvidia-device-plugin-daemonset-x1", 0, ("DaemonSet", "nvidia-device-plugin-daemonset")),
    ];
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    s.settle();
    let line = TriageRow {
        id: ObjectId { namespace: String::new(), name: "gpu-1 gpu3".into(), uid: "fault/gpu-1/3".into() },
        object: Some(ObjectRef {
            kind: ObjectKind::Node,
            namespace: String::new(),
            name: "gpu-1".into(),
            uid: "n1".into(),
        }),
        address: None,
        kind: "gpu".into(),
        problem: "XID 79".into(),
        why: "GPU has fallen off the bus".into(),
        severity: Health::Error,
        weight: 95,
        since: 9000,
    };
    s.triage.apply(Delta { reset: false, upserts: vec![line], deletes: vec![] });
    s.pane = Pane::Triage;
    s.triage.select_uid("fault/gpu-1/3".into());
    s.settle();
    s
}

fn remedy(s: &State) -> Remedy {
    match &s.mode {
        Mode::Remedy(r) => r.clone(),
        other => panic!("no remedy: {other:?}"),
    }
}

fn question(s: &State) -> String {
    match &s.mode {
        Mode::Confirm(c) => c.question.clone(),
        other => panic!("no question: {other:?}"),
    }
}

#[test]
fn enter_on_a_gpu_fault_offers_its_remedy_with_where_each_step_stands() {
    let mut s = state();
    s.act(Action::DrillIn);
    let r = remedy(&s);
    assert_eq!((r.node.as_str(), r.fault.as_str()), ("gpu-1", "XID 79: GPU has fallen off the bus"));
    let status: Vec<String> = STEPS.iter().map(|step| s.remedy_status(&r, *step)).collect();
    assert_eq!(
        status,
        [
            "schedulable: new GPU work still lands here",
            "1 GPU pod(s) on the node",
            "gpu-operator/nvidia-device-plugin-daemonset-x1 (up 2h; its DaemonSet recreates it)",
            "last validation: pass",
        ]
    );
}

#[test]
fn each_step_opens_its_own_confirmed_flow() {
    let mut s = state();
    s.act(Action::DrillIn);
    s.act(Action::Accept);
    assert_eq!(question(&s), "cordon node gpu-1?");
    s.act(Action::Back);

    s.pane = Pane::Triage;
    s.act(Action::DrillIn);
    s.act(Action::Down);
    s.act(Action::Accept);
    assert_eq!(s.mode, Mode::Drain);
    assert!(s.drain.as_ref().unwrap().options.gpu_only, "only the GPU pods go");
    s.act(Action::Back);

    s.pane = Pane::Triage;
    s.act(Action::DrillIn);
    s.act(Action::Down);
    s.act(Action::Down);
    s.act(Action::Accept);
    let q = question(&s);
    assert!(q.starts_with("delete pod gpu-operator/nvidia-device-plugin-daemonset-x1?"), "{q}");
    assert!(q.contains("recreated by its DaemonSet"), "{q}");
    s.effects.clear();
    s.act(Action::Confirm);
    assert!(matches!(s.effects.pop(), Some(Effect::Operate { operation: Operation::Delete { .. }, .. })));

    s.pane = Pane::Triage;
    s.act(Action::DrillIn);
    s.act(Action::Down);
    s.act(Action::Down);
    s.act(Action::Down);
    s.act(Action::Accept);
    assert!(question(&s).starts_with("requalify node gpu-1: 1 cordon it"), "{}", question(&s));
}
