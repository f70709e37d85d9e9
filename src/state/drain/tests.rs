//! The drain preview from the console's own rows, what `y` sends, progress and the report.

use super::*;
use crate::action::Action;
use crate::event::Data;
use crate::model::drain::DrainUpdate;
use crate::model::nodes::NodeRow;
use crate::model::{Delta, Health};
use crate::selector::LabelSelector;
use crate::state::Pane;

fn id(ns: &str, name: &str) -> ObjectId {
    ObjectId { namespace: ns.into(), name: name.into(), uid: format!("{ns}/{name}") }
}

fn pod(name: &str, node: &str, gpus: u32, owner: Option<(&str, &str)>) -> PodRow {
    PodRow {
        id: id("ml", name),
        status: "Running".into(),
        node: node.into(),
        gpus,
        created: 1000,
        owner: owner.map(|(k, n)| (k.to_string(), n.to_string())),
        labels: [("app".to_string(), name.split('-').next().unwrap_or_default().to_string())].into(),
        ..PodRow::default()
    }
}

fn gpu_node(name: &str) -> NodeRow {
    NodeRow {
        id: id("", name),
        status: "Ready".into(),
        health: Health::Ok,
        gpu_product: "NVIDIA-H100-80GB-HBM3".into(),
        gpu_capacity: 8,
        gpu_allocatable: 8,
        ..NodeRow::default()
    }
}

/// gpu-1 runs a 4-GPU trainer and a 2-GPU server (both under controllers), a CPU helper with scratch space, a
/// DaemonSet pod and a bare pod; gpu-2 has 3 GPUs free, gpu-3 has 8.
fn state() -> State {
    let mut s = State::new("test", false, 5000, (200, 50));
    let mut scratch = pod("helper-0", "gpu-1", 0, Some(("ReplicaSet", "helper-5d")));
    scratch.empty_dir = true;
    let pods = vec![
        pod("server-0", "gpu-1", 2, Some(("ReplicaSet", "server-7f"))),
        pod("trainer-0", "gpu-1", 4, Some(("Job", "trainer"))),
        scratch,
        pod("dcgm-x", "gpu-1", 0, Some(("DaemonSet", "dcgm"))),
        pod("debug", "gpu-1", 0, None),
        pod("busy-0", "gpu-2", 5, Some(("Job", "busy"))),
    ];
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    let nodes = vec![gpu_node("gpu-1"), gpu_node("gpu-2"), gpu_node("gpu-3")];
    s.absorb(Data::Nodes(Delta { reset: true, upserts: nodes, deletes: vec![] }));
    s.settle();
    s.pane = Pane::Nodes;
    s.nodes.select_uid("/gpu-1".into());
    s.settle();
    s
}

fn drain_command(s: &mut State, line: &str) {
    s.act(Action::Command);
    for c in line.chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
}

/// Each pod's name, fate and where it lands.
type Planned = (String, &'static str, Option<Result<String, String>>);

fn rows(s: &State) -> Vec<Planned> {
    let drain = s.drain.as_ref().expect("a drain is open");
    drain
        .pods
        .iter()
        .map(|p| {
            let fate = match p.fate {
                Fate::Evict => "evict",
                Fate::Lost => "lost",
                Fate::Blocks => "blocks",
                Fate::Stays(_) => "stays",
            };
            (p.id.name.clone(), fate, p.lands.clone())
        })
        .collect()
}

#[test]
fn the_preview_puts_gpu_pods_first_says_where_they_land_and_what_is_lost() {
    let mut s = state();
    drain_command(&mut s, "drain");
    assert_eq!(s.mode, Mode::Drain);
    assert_eq!(
        rows(&s),
        vec![
            ("trainer-0".into(), "evict", Some(Ok("gpu-3".into()))),
            ("server-0".into(), "evict", Some(Ok("gpu-2".into()))),
            ("debug".into(), "blocks", None),
            ("helper-0".into(), "evict", None),
            ("dcgm-x".into(), "stays", None),
        ],
        "the 4-GPU pod takes gpu-3 (gpu-2 has 3 free), the 2-GPU one the tightest fit, gpu-2"
    );
    assert!(s.drain.as_ref().unwrap().pods.iter().any(|p| p.id.name == "helper-0" && p.empty_dir));
    let Some(Effect::LoadBudgets { namespaces, generation }) = s.effects.pop() else { panic!("{:?}", s.effects) };
    assert_eq!(namespaces, ["ml"]);

    // A bare pod blocks the drain, as kubectl refuses it without --force.
    s.effects.clear();
    s.act(Action::Confirm);
    assert!(s.effects.is_empty());
    assert!(s.notice.clone().unwrap().text.contains("1 bare pod(s) would be lost (debug): :drain --force"));

    // Budgets: the trainer's allows none now.
    let budget = Budget {
        namespace: "ml".into(),
        name: "trainer-pdb".into(),
        selector: LabelSelector::parse("app=trainer").unwrap(),
        allowed: 0,
        healthy: 1,
        desired: 1,
    };
    s.absorb(Data::Budgets { generation, budgets: Ok(vec![budget]) });
    let drain = s.drain.as_ref().unwrap();
    let guarded: Vec<&str> = drain.pods.iter().filter(|p| p.budget.is_some()).map(|p| p.id.name.as_str()).collect();
    assert_eq!(guarded, ["trainer-0"]);
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.drain.is_none(), "esc on the preview closes it, nothing sent");
}

#[test]
fn a_forced_drain_sends_the_evictions_then_follows_them_to_a_report() {
    let mut s = state();
    drain_command(&mut s, "drain --force --gpu-only");
    assert_eq!(
        rows(&s).into_iter().map(|(n, f, _)| (n, f)).collect::<Vec<_>>(),
        vec![
            ("trainer-0".to_string(), "evict"),
            ("server-0".into(), "evict"),
            ("dcgm-x".into(), "stays"),
            ("debug".into(), "stays"),
            ("helper-0".into(), "stays"),
        ],
        "--gpu-only leaves the rest"
    );
    s.effects.clear();
    s.act(Action::Confirm);
    let Some(Effect::Drain { nodes, pods, options, generation }) = s.effects.pop() else { panic!("{:?}", s.effects) };
    assert_eq!(nodes, ["gpu-1"]);
    assert_eq!(pods.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["trainer-0", "server-0"]);
    assert!(options.force && options.gpu_only);
    let update = |s: &mut State, uid: &str, step: DrainStep| {
        s.absorb(Data::Drain { generation, update: DrainUpdate::Pod { uid: uid.into(), step } })
    };
    s.absorb(Data::Drain { generation, update: DrainUpdate::Cordoned(Ok(())) });
    update(
        &mut s,
        "ml/trainer-0",
        DrainStep::Waiting("Cannot evict pod as it would violate the pod's disruption budget.".into()),
    );
    update(&mut s, "ml/server-0", DrainStep::Evicting);
    update(&mut s, "ml/server-0", DrainStep::Gone);
    update(&mut s, "ml/trainer-0", DrainStep::Failed("gave up after 300s: budget".into()));
    s.absorb(Data::Drain { generation: generation + 1, update: DrainUpdate::Finished });
    assert_eq!(s.drain.as_ref().unwrap().phase, Phase::Running, "another drain's answer is dropped");
    s.absorb(Data::Drain { generation, update: DrainUpdate::Finished });
    let notice = s.notice.clone().unwrap();
    assert!(notice.error);
    assert_eq!(notice.text, "drain gpu-1: 1 evicted, 3 stayed, 1 failed: trainer-0: gave up after 300s: budget");
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn esc_while_draining_stops_it_and_disable_eviction_is_asked_twice() {
    let mut s = state();
    drain_command(&mut s, "drain --force --disable-eviction");
    s.effects.clear();
    s.act(Action::Confirm);
    assert!(s.effects.is_empty(), "the first yes only arms it");
    assert!(s.drain.as_ref().unwrap().armed);
    s.act(Action::Confirm);
    assert!(matches!(s.effects.pop(), Some(Effect::Drain { options, .. }) if options.disable_eviction));
    s.act(Action::Back);
    assert_eq!(s.effects.pop(), Some(Effect::StopDrain));
    assert_eq!(s.mode, Mode::Drain, "the view stays until the effect says it stopped");

    let mut s = state();
    s.read_only = true;
    drain_command(&mut s, "drain");
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.notice.clone().unwrap().text.starts_with("read-only: drain refused"));
}
