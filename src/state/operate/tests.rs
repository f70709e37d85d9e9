//! Marks, targets and the questions before an operation; what is sent on yes, and what read-only refuses.

use super::*;
use crate::action::Action;
use crate::event::Data;
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::{Delta, Health, ObjectId};

fn id(ns: &str, name: &str) -> ObjectId {
    ObjectId { namespace: ns.into(), name: name.into(), uid: format!("{ns}/{name}") }
}

fn pod(name: &str, owner: Option<(&str, &str)>) -> PodRow {
    PodRow {
        id: id("ml", name),
        status: "Running".into(),
        node: "gpu-1".into(),
        owner: owner.map(|(k, n)| (k.to_string(), n.to_string())),
        ..PodRow::default()
    }
}

fn node(name: &str, validated: Option<&str>) -> NodeRow {
    NodeRow {
        id: id("", name),
        status: "Ready".into(),
        health: Health::Ok,
        validated: validated.map(String::from),
        ..NodeRow::default()
    }
}

fn state(read_only: bool) -> State {
    let mut s = State::new("test", read_only, 2000, (160, 40));
    let pods = vec![
        pod("web-7d4f9-a", Some(("ReplicaSet", "web-7d4f9"))),
        pod("web-7d4f9-b", Some(("ReplicaSet", "web-7d4f9"))),
        pod("scratch", None),
    ];
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    let nodes = vec![node("gpu-1", Some("fail")), node("gpu-2", Some("pass")), node("gpu-3", None)];
    s.absorb(Data::Nodes(Delta { reset: true, upserts: nodes, deletes: vec![] }));
    s.settle();
    s
}

fn select(s: &mut State, pane: Pane, uid: &str) {
    s.pane = pane;
    s.focused().select(uid.into());
    s.settle();
}

fn command(s: &mut State, line: &str) {
    s.act(Action::Command);
    for c in line.chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
}

fn question(s: &State) -> String {
    match &s.mode {
        Mode::Confirm(c) => c.question.clone(),
        other => panic!("no question: {other:?}"),
    }
}

fn sent(s: &mut State) -> (Operation, Vec<String>) {
    s.effects.clear();
    s.act(Action::Confirm);
    match s.effects.pop() {
        Some(Effect::Operate { operation, targets }) => (operation, targets.iter().map(ObjectAddress::title).collect()),
        other => panic!("sent {other:?}"),
    }
}

#[test]
fn marked_rows_are_the_targets_and_the_question_names_them() {
    let mut s = state(false);
    select(&mut s, Pane::Nodes, "/gpu-2");
    s.act(Action::TogglePick);
    s.act(Action::TogglePick);
    assert_eq!(s.nodes.marked.len(), 2, "space marks and moves on");
    s.act(Action::Cordon);
    assert_eq!(question(&s), "cordon 2 nodes (gpu-2, gpu-3)?");
    assert_eq!(sent(&mut s), (Operation::Cordon, vec!["node gpu-2".into(), "node gpu-3".into()]));
    s.absorb(Data::Operated {
        what: "cordon".into(),
        results: vec![
            OperationResult { title: "node gpu-2".into(), result: Ok("cordoned".into()) },
            OperationResult {
                title: "node gpu-3".into(),
                result: Err(crate::model::mutation::MutationError::Forbidden {
                    verb: "patch".into(),
                    resource: "nodes".into(),
                    namespace: String::new(),
                }),
            },
        ],
    });
    let notice = s.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(notice.text, "cordon: 1 done, 1 failed: node gpu-3: forbidden: this user may not patch nodes");
    assert!(s.nodes.marked.is_empty(), "marks go once the command ran");

    // Without marks, the selected row; esc drops marks before anything else.
    select(&mut s, Pane::Nodes, "/gpu-3");
    s.act(Action::TogglePick);
    s.act(Action::Back);
    assert!(s.nodes.marked.is_empty());
}

#[test]
fn uncordon_of_a_node_that_failed_validation_asks_twice_and_says_why() {
    let mut s = state(false);
    select(&mut s, Pane::Nodes, "/gpu-1");
    s.act(Action::Uncordon);
    assert_eq!(question(&s), "uncordon node gpu-1? gpu-1's last validation FAILED");
    s.act(Action::Confirm);
    assert!(question(&s).starts_with("really return it to service?"), "{}", question(&s));
    assert_eq!(sent(&mut s).0, Operation::Uncordon);

    select(&mut s, Pane::Nodes, "/gpu-2");
    s.act(Action::Uncordon);
    assert_eq!(question(&s), "uncordon node gpu-2? new pods may land there again");
    assert_eq!(sent(&mut s).0, Operation::Uncordon, "a node that passed is asked once");
}

#[test]
fn a_delete_names_what_goes_with_it() {
    let mut s = state(false);
    select(&mut s, Pane::Pods, "ml/scratch");
    command(&mut s, "delete");
    assert_eq!(question(&s), "delete pod ml/scratch? scratch is a bare pod: nothing recreates it");
    s.act(Action::Back);
    select(&mut s, Pane::Pods, "ml/web-7d4f9-a");
    command(&mut s, "delete --force");
    let q = question(&s);
    assert!(q.contains("web-7d4f9-a is recreated by its ReplicaSet web-7d4f9"), "{q}");
    assert!(q.contains(&format!("Warning: {FORCE_WARNING}")), "{q}");
    assert_eq!(sent(&mut s).0, Operation::Delete { force: true, grace: Some(0), cascade: Cascade::Background });

    // A workload in the generic view: its pods by owner.
    s.browse.listing = Some(crate::event::Listing {
        resource: crate::manifest::KnownResource {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
            namespaced: true,
            singular: "deployment".into(),
            short_names: vec!["deploy".into()],
            verbs: vec![],
        },
        namespace: None,
        field_selector: None,
    });
    let row = crate::model::table::ResourceRow { id: id("ml", "web"), ..Default::default() };
    s.browse.table.apply(Delta { reset: true, upserts: vec![row], deletes: vec![] });
    s.browse.table.refresh(None, 0);
    select(&mut s, Pane::Browse, "ml/web");
    command(&mut s, "delete");
    assert_eq!(question(&s), "delete deployment ml/web? web's ReplicaSets and their 2 pods go too");
    s.act(Action::Back);
    command(&mut s, "delete --cascade orphan");
    assert_eq!(question(&s), "delete --cascade orphan deployment ml/web? web's 2 pods stay, without an owner");
}

#[test]
fn bad_commands_and_read_only_send_nothing() {
    let mut s = state(false);
    select(&mut s, Pane::Pods, "ml/scratch");
    command(&mut s, "cordon");
    assert!(matches!(s.mode, Mode::Normal));
    assert_eq!(s.notice.clone().unwrap().text, "cordon acts on nodes; pod ml/scratch is not one");
    command(&mut s, "taint dedicated=x");
    assert!(s.notice.clone().unwrap().text.contains("KEY[=VALUE]:EFFECT"));

    let mut s = state(true);
    select(&mut s, Pane::Nodes, "/gpu-3");
    for action in [Action::Cordon, Action::Uncordon, Action::Delete, Action::Evict] {
        s.act(action);
        assert!(matches!(s.mode, Mode::Normal), "{action:?} asks nothing in read-only");
        assert!(s.notice.clone().unwrap().text.starts_with("read-only:"), "{action:?}");
    }
    command(&mut s, "label team=ml");
    assert!(s.notice.clone().unwrap().text.starts_with("read-only: label team=ml refused"));
    assert!(s.effects.iter().all(|e| !matches!(e, Effect::Operate { .. })), "nothing was sent");

    // A context that turned read-only after the question was asked: the yes sends nothing either.
    let mut s = state(false);
    select(&mut s, Pane::Nodes, "/gpu-3");
    s.act(Action::Cordon);
    s.read_only = true;
    s.effects.clear();
    s.act(Action::Confirm);
    assert!(s.effects.is_empty());
}
