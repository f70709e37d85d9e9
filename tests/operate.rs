//! Commands on the selection through the console's reducers and effects against `gpudeck sim`, checked with real
//! kubectl: `:cordon` and `:uncordon` several marked nodes, `:label` and `:taint` a node, `:delete` a bare pod, and
//! a read-only user's 403 naming the verb and resource.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use common::console::{Console, client_for, command};
use gpudeck::action::Action;
use gpudeck::event::Data;
use gpudeck::model::Delta;
use gpudeck::model::nodes::NodeRow;
use gpudeck::model::pods::PodRow;
use gpudeck::state::{Mode, Pane, State};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::{Api, Client};

/// The console with the sim's nodes and pods as its watches would hand them over (the harness runs no watches).
async fn console(client: Client) -> Console {
    let mut state = State::new("sim", false, 0, (200, 50));
    let nodes = Api::<Node>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = nodes.items.iter().map(NodeRow::from_node).collect();
    state.absorb(Data::Nodes(Delta { reset: true, upserts, deletes: Vec::new() }));
    let pods = Api::<Pod>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = pods.items.iter().map(PodRow::from_pod).collect();
    state.absorb(Data::Pods(Delta { reset: true, upserts, deletes: Vec::new() }));
    state.settle();
    Console::new(client, state, Duration::from_secs(20))
}

fn select(state: &mut State, pane: Pane, name: &str) {
    state.pane = pane;
    let uid = match pane {
        Pane::Nodes => state.nodes.all().find(|n| n.node.id.name == name).unwrap().node.id.uid.clone(),
        _ => state.pods.all().find(|p| p.id.name == name).unwrap().id.uid.clone(),
    };
    state.nodes.select_uid(uid.clone());
    state.pods.select_uid(uid);
    state.settle();
}

/// Says yes and waits for the answer; returns the status line.
async fn yes(console: &mut Console) -> String {
    assert!(matches!(console.state.mode, Mode::Confirm(_)), "a question first: {:?}", console.state.mode);
    console.state.act(Action::Confirm);
    assert!(console.until(|s| s.notice.as_ref().is_some_and(|n| n.text != "sent…")).await);
    console.state.notice.clone().unwrap().text
}

#[test]
fn cordon_label_taint_and_uncordon_marked_nodes_as_kubectl_sees_them() {
    require_kubectl!();
    let sim = TestSim::demo();
    let nodes: Vec<String> = sim
        .kubectl_ok(&["get", "nodes", "-o", "name"])
        .lines()
        .map(|l| l.trim_start_matches("node/").to_string())
        .collect();
    let (a, b) = (nodes[0].clone(), nodes[1].clone());
    let unschedulable = |node: &str| sim.kubectl_ok(&["get", "node", node, "-o", "jsonpath={.spec.unschedulable}"]);
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console(client).await;
        select(&mut console.state, Pane::Nodes, &a);
        console.state.act(Action::TogglePick);
        select(&mut console.state, Pane::Nodes, &b);
        console.state.act(Action::TogglePick);
        command(&mut console.state, "cordon");
        let said = yes(&mut console).await;
        assert_eq!(said, format!("cordon: node {a} cordoned, node {b} cordoned"));
    });
    assert_eq!((unschedulable(&a), unschedulable(&b)), ("true".to_string(), "true".to_string()));
    assert!(sim.kubectl_ok(&["get", "node", &a]).contains("SchedulingDisabled"));

    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console(client).await;
        select(&mut console.state, Pane::Nodes, &a);
        command(&mut console.state, "label gpudeck.io/pool-note=incident-42");
        assert_eq!(yes(&mut console).await, format!("label gpudeck.io/pool-note=incident-42: node {a} labeled"));
        command(&mut console.state, "taint gpudeck.io/quarantine=xid79:NoSchedule");
        assert_eq!(yes(&mut console).await, format!("taint gpudeck.io/quarantine=xid79:NoSchedule: node {a} tainted"));
        command(&mut console.state, "taint absent-");
        let refused = yes(&mut console).await;
        assert_eq!(refused, format!("taint absent- failed: node {a}: taint \"absent\" not found"));
        console.state.act(Action::Uncordon);
        assert!(yes(&mut console).await.ends_with("uncordoned"));
    });
    let label = sim.kubectl_ok(&["get", "node", &a, "-o", "jsonpath={.metadata.labels.gpudeck\\.io/pool-note}"]);
    assert_eq!(label, "incident-42");
    let taints =
        sim.kubectl_ok(&["get", "node", &a, "-o", "jsonpath={range .spec.taints[*]}{.key}={.value}:{.effect} {end}"]);
    assert!(taints.contains("gpudeck.io/quarantine=xid79:NoSchedule"), "{taints}");
    assert_eq!(unschedulable(&a), "", "uncordon clears the field, as kubectl does");
    assert_eq!(unschedulable(&b), "true", "only the selected node");
}

#[test]
fn delete_says_what_it_did_and_a_read_only_user_is_told_which_verb_was_refused() {
    require_kubectl!();
    let sim = TestSim::demo();
    let manifest = sim.dir.path().join("bare.yaml");
    std::fs::write(&manifest, "apiVersion: v1\nkind: Pod\nmetadata: {name: bare, namespace: default}\nspec:\n  containers: [{name: main, image: busybox}]\n").unwrap();
    sim.kubectl_ok(&["apply", "-f", manifest.to_str().unwrap()]);
    sim.rt.block_on(async {
        let readonly = client_for(&sim, Some("gpudeck-sim-readonly")).await;
        let mut refused = console(readonly).await;
        select(&mut refused.state, Pane::Pods, "bare");
        command(&mut refused.state, "delete");
        assert_eq!(
            yes(&mut refused).await,
            "delete failed: pod default/bare: forbidden: this user may not delete pods in namespace default"
        );
        let node = refused.state.nodes.all().next().unwrap().node.id.name.clone();
        select(&mut refused.state, Pane::Nodes, &node);
        refused.state.act(Action::Cordon);
        assert!(yes(&mut refused).await.ends_with("forbidden: this user may not patch nodes"));

        let admin = client_for(&sim, None).await;
        let mut console = console(admin).await;
        select(&mut console.state, Pane::Pods, "bare");
        console.state.act(Action::Delete);
        let question = match &console.state.mode {
            Mode::Confirm(c) => c.question.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(question, "delete pod default/bare? bare is a bare pod: nothing recreates it");
        let said = yes(&mut console).await;
        assert!(said.starts_with("delete: pod default/bare "), "{said}");
    });
    let gone = sim.eventually(Duration::from_secs(60), || {
        let out = sim.kubectl(&["get", "pod", "bare", "-n", "default"]);
        (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
    });
    assert!(gone.unwrap().contains("NotFound"), "the pod is gone");
}
