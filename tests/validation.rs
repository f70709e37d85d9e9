//! In-cluster validation against `gpudeck sim`, through the console's own reducers and effects: `v` creates a Job
//! pinned to the node (selector, GPU limit, toleration read back from the API), the verdict is read from its pod's
//! log (pass on a healthy node, fail on the one whose GPU reports an XID), the node is labelled only after the
//! second yes, and a read-only user's Job is refused with a 403 that names the verb and the resource.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use common::console::{Console, client_for};
use gpudeck::action::Action;
use gpudeck::event::{Data, Effect, Event};
use gpudeck::model::nodes::NodeRow;
use gpudeck::state::table::Delta;
use gpudeck::state::validation::{Step, VALIDATED_LABEL, job_spec};
use gpudeck::state::{Mode, Pane, State};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Node;
use kube::api::ListParams;
use kube::{Api, Client};

/// The demo node whose fourth GPU reports XID 79 (the first GPU node by name, as `sim::dcgm` picks it).
const FAULTY: &str = "gpu-a100-01";
/// A healthy H100 node with free GPUs (the fine-tuning job fills the other four).
const HEALTHY: &str = "gpu-h100-05";
/// How long a validator pod may take: scheduled within a controller tick, about six seconds of running.
const PATIENCE: Duration = Duration::from_secs(30);

/// The console with the cluster's nodes in its table.
async fn console_with_nodes(client: Client, read_only: bool) -> Console {
    let nodes = Api::<Node>::all(client.clone()).list(&ListParams::default()).await.unwrap();
    let mut state = State::new("sim", read_only, 0, (160, 40));
    let upserts = nodes.items.iter().map(NodeRow::from_node).collect();
    state.absorb(Data::Nodes(Delta { reset: true, upserts, deletes: vec![] }));
    state.settle();
    Console::new(client, state, PATIENCE)
}

trait SelectNode {
    fn select_node(&mut self, name: &str);
}

impl SelectNode for Console {
    fn select_node(&mut self, name: &str) {
        let uid = self.state.nodes.all().find(|l| l.node.id.name == name).unwrap().node.id.uid.clone();
        self.state.pane = Pane::Nodes;
        self.state.nodes.select_uid(uid);
        self.state.settle();
    }
}

fn label_question(s: &State) -> Option<String> {
    match &s.mode {
        Mode::Confirm(c) if c.question.starts_with("label node") => Some(c.question.clone()),
        _ => None,
    }
}

async fn node_label(client: &Client, node: &str) -> Option<String> {
    let node = Api::<Node>::all(client.clone()).get(node).await.unwrap();
    node.metadata.labels.unwrap_or_default().get(VALIDATED_LABEL).cloned()
}

/// `v` on `node`, yes, the Job read back, the verdict read from its log; the label question is open on return.
async fn validate_until_verdict(console: &mut Console, client: &Client, node: &str) -> (Job, String) {
    console.select_node(node);
    console.state.act(Action::Validate);
    assert!(matches!(&console.state.mode, Mode::Confirm(c) if c.question.contains(&format!("on node {node}"))));
    assert!(console.state.effects.is_empty(), "nothing is sent before the yes");
    console.state.act(Action::Confirm);
    let job_of = |s: &State| s.validation.current.as_ref().and_then(|r| r.job.clone());
    assert!(console.until(|s| job_of(s).is_some()).await, "no job created: {}", console.notice());
    let name = job_of(&console.state).unwrap();
    let job = Api::<Job>::namespaced(client.clone(), "default").get(&name).await.unwrap();
    assert!(console.until(|s| label_question(s).is_some()).await, "no verdict: {}", console.notice());
    let logs = console.state.logs.as_ref().unwrap();
    assert!(logs.target.pod.starts_with(&name), "the logs view shows the Job's pod");
    assert!(logs.len() >= 2, "progress, then the verdict line");
    assert_eq!(node_label(client, node).await, None, "not labelled before the second yes");
    assert!(console.state.effects.is_empty());
    (job, label_question(&console.state).unwrap())
}

/// The second yes: the label is patched and read back.
async fn label(console: &mut Console, client: &Client, node: &str) -> Option<String> {
    console.state.act(Action::Confirm);
    let sent = format!("label node {node} {VALIDATED_LABEL}=");
    assert!(console.until(|s| s.notice.as_ref().is_some_and(|n| n.text.starts_with(&sent))).await);
    assert!(console.notice().ends_with(": sent"), "{}", console.notice());
    node_label(client, node).await
}

#[test]
fn a_healthy_node_passes_in_a_pinned_job_and_is_labelled_after_the_yes() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console_with_nodes(client.clone(), false).await;
        let (job, question) = validate_until_verdict(&mut console, &client, HEALTHY).await;
        let pod = job.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.node_selector.unwrap()["kubernetes.io/hostname"], HEALTHY);
        let limits = pod.containers[0].resources.as_ref().unwrap().limits.clone().unwrap();
        assert_eq!(limits["nvidia.com/gpu"].0, "1");
        let tolerations = pod.tolerations.unwrap();
        assert!(
            tolerations.iter().any(|t| t.key.as_deref() == Some("nvidia.com/gpu")
                && t.operator.as_deref() == Some("Exists")
                && t.effect.as_deref() == Some("NoSchedule")),
            "{tolerations:?}"
        );
        assert!(question.starts_with(&format!("label node {HEALTHY} {VALIDATED_LABEL}=pass?")), "{question}");
        assert!(question.contains("cuda:0 NVIDIA H100 80GB HBM3"), "the node's GPU: {question}");
        assert_eq!(label(&mut console, &client, HEALTHY).await.as_deref(), Some("pass"));
    });
}

#[test]
fn the_faulty_gpu_fails_and_its_job_fails() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console_with_nodes(client.clone(), false).await;
        let (job, question) = validate_until_verdict(&mut console, &client, FAULTY).await;
        assert!(question.starts_with(&format!("label node {FAULTY} {VALIDATED_LABEL}=fail?")), "{question}");
        assert!(question.contains("logits differ from the cpu"), "the judge's own words: {question}");
        let jobs = Api::<Job>::namespaced(client.clone(), "default");
        let name = job.metadata.name.unwrap();
        let failed = async {
            loop {
                let status = jobs.get(&name).await.unwrap().status.unwrap_or_default();
                if status.failed == Some(1) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        tokio::time::timeout(PATIENCE, failed).await.expect("the validator's pod exits 1 and the Job fails");
        assert_eq!(label(&mut console, &client, FAULTY).await.as_deref(), Some("fail"));
    });
}

#[test]
fn read_only_creates_nothing_and_the_server_refuses_a_read_only_user() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let admin = client_for(&sim, None).await;
        // --readonly: refused before anything is sent.
        let mut console = console_with_nodes(admin.clone(), true).await;
        console.select_node(HEALTHY);
        console.state.act(Action::Validate);
        assert!(console.state.effects.is_empty() && console.state.mode == Mode::Normal);
        assert!(console.notice().starts_with("read-only:"), "{}", console.notice());

        // A context whose user may only read: the API server says no, and the console says what was refused.
        let viewer = client_for(&sim, Some("gpudeck-sim-readonly")).await;
        let mut console = console_with_nodes(viewer, false).await;
        let node = console.state.nodes.all().find(|l| l.node.id.name == HEALTHY).unwrap().node.clone();
        let job = job_spec(&console.state.validation.settings, &node);
        console.effects.spawn(Effect::Validate { run: 7, job, cordon: None });
        let Ok(Some(Event::Data(Data::Validation { run: 7, step }))) =
            tokio::time::timeout(PATIENCE, console.rx.recv()).await
        else {
            panic!("no answer")
        };
        assert_eq!(step, Step::Failed("forbidden: this user may not create jobs.batch in namespace default".into()));
        let jobs = Api::<Job>::namespaced(admin, "default")
            .list(&ListParams::default().labels("app.kubernetes.io/managed-by=gpudeck"))
            .await
            .unwrap();
        assert!(jobs.items.is_empty(), "no job was created");
    });
}

async fn cordoned(client: &Client, node: &str) -> bool {
    let node = Api::<Node>::all(client.clone()).get(node).await.unwrap();
    node.spec.and_then(|s| s.unschedulable).unwrap_or(false)
}

/// `:requalify` on `node`, one yes; returns when the flow has labelled the node.
async fn requalify(console: &mut Console, client: &Client, node: &str) -> String {
    // Out of the last validator's logs view first.
    while console.state.mode != Mode::Normal {
        console.state.act(Action::Back);
    }
    console.select_node(node);
    console.state.act(Action::Requalify);
    let question = match &console.state.mode {
        Mode::Confirm(c) => c.question.clone(),
        other => panic!("{other:?}"),
    };
    assert!(question.starts_with(&format!("requalify node {node}: 1 cordon it, 2 create job")), "{question}");
    console.state.act(Action::Confirm);
    assert!(console.until(|s| s.notice.as_ref().is_some_and(|n| n.text.contains("cordoned; creating"))).await);
    assert!(cordoned(client, node).await, "cordoned before the job exists");
    let labelled = |s: &State| s.notice.as_ref().is_some_and(|n| n.text.contains("; labelled"));
    assert!(console.until(labelled).await, "no verdict: {}", console.notice());
    assert!(label_question(&console.state).is_none(), "the flow asks no second question");
    console.notice()
}

#[test]
fn requalify_cordons_validates_and_uncordons_only_on_pass() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut console = console_with_nodes(client.clone(), false).await;
        let said = requalify(&mut console, &client, HEALTHY).await;
        assert!(said.ends_with("labelled pass, uncordoning"), "{said}");
        let uncordoned = console.until(|s| s.notice.as_ref().is_some_and(|n| n.text.ends_with("uncordoned"))).await;
        assert!(uncordoned, "{}", console.notice());
        assert!(!cordoned(&client, HEALTHY).await);
        assert_eq!(node_label(&client, HEALTHY).await.as_deref(), Some("pass"));

        let said = requalify(&mut console, &client, FAULTY).await;
        assert!(said.ends_with("labelled fail, it stays cordoned"), "{said}");
        let labelled = console.until(|s| s.notice.as_ref().is_some_and(|n| n.text.ends_with(": sent"))).await;
        assert!(labelled, "{}", console.notice());
        assert_eq!(node_label(&client, FAULTY).await.as_deref(), Some("fail"));
        assert!(cordoned(&client, FAULTY).await, "a failed node stays out of service");
    });
}
