//! `:pf` through the console's reducers and effects against `gpudeck sim`: a forward to a Deployment answers HTTP
//! from one of its pods and, when that pod is deleted, moves to another and says so; a forward to a pod counts its
//! bytes and stops from the list; read-only refuses before any request.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::TestSim;
use common::console::{Console, client_for, command};
use gpudeck::action::Action;
use gpudeck::event::{Data, Effect};
use gpudeck::model::Delta;
use gpudeck::model::pods::PodRow;
use gpudeck::model::workloads::{WorkloadKind, WorkloadRow};
use gpudeck::state::{Mode, Pane, State};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client};

async fn console(client: Client, read_only: bool) -> Console {
    let mut state = State::new("sim", read_only, 0, (200, 50));
    let pods = Api::<Pod>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = pods.items.iter().map(PodRow::from_pod).collect();
    state.absorb(Data::Pods(Delta { reset: true, upserts, deletes: Vec::new() }));
    let deployments = Api::<Deployment>::all(client.clone()).list(&Default::default()).await.unwrap();
    let upserts = deployments.items.iter().map(WorkloadRow::from_deployment).collect();
    state.absorb(Data::Workloads(WorkloadKind::Deployment, Delta { reset: true, upserts, deletes: Vec::new() }));
    state.settle();
    Console::new(client, state, Duration::from_secs(30))
}

/// One HTTP/1.1 GET on a fresh connection to the forward; the whole answer (the server closes after it).
fn get(port: u16, path: &str) -> String {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(socket, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn listening(console: &Console) -> u16 {
    console.state.forwards[0].listening.unwrap().port()
}

#[test]
fn a_deployment_forward_moves_to_a_new_pod_when_its_pod_is_deleted() {
    require_kubectl!();
    let sim = TestSim::demo();
    let client = sim.rt.block_on(client_for(&sim, None));
    let mut console = sim.rt.block_on(console(client, false));
    let state = &mut console.state;
    state.pane = Pane::Workloads;
    let uid = state.workloads.all().find(|w| w.id.name == "llm-inference").unwrap().id.uid.clone();
    state.workloads.select_uid(uid);
    state.settle();
    command(state, "pf 0:http");
    assert!(sim.rt.block_on(console.until(|s| s.forwards.first().is_some_and(|f| f.pod.is_some()))));
    let first = console.state.forwards[0].pod.clone().unwrap();
    assert!(first.starts_with("llm-inference-"), "{first}");
    assert_eq!(console.state.forwards[0].port, Some(8000), "the named port found in the pod");
    let port = listening(&console);
    assert!(console.state.forwards[0].listening.unwrap().ip().is_loopback());
    let models = get(port, "/v1/models");
    assert!(models.starts_with("HTTP/1.1 200"), "{models}");
    assert!(models.contains("llm-inference"), "{models}");

    sim.kubectl_ok(&["delete", "pod", "-n", "ml-serve", &first, "--grace-period=0", "--force"]);
    assert!(sim.rt.block_on(console.until(|s| s.forwards[0].pod.as_deref().is_some_and(|p| p != first))));
    let moved = console.state.forwards[0].pod.clone().unwrap();
    let said = console.notice();
    assert!(said.contains(&format!("{first} went away; forwarding to {moved} now")), "{said}");
    let again = get(port, "/health");
    assert!(again.starts_with("HTTP/1.1 200"), "the same local port reaches the new pod: {again}");
    assert!(sim.rt.block_on(console.until(|s| s.forwards[0].received > 0 && s.forwards[0].accepted == 2)));
}

#[test]
fn a_pod_forward_counts_its_bytes_and_stops_from_the_list() {
    let sim = TestSim::demo();
    let client = sim.rt.block_on(client_for(&sim, None));
    let mut console = sim.rt.block_on(console(client, false));
    let state = &mut console.state;
    state.pane = Pane::Pods;
    let pod = state.pods.all().find(|p| p.id.name.starts_with("web-") && p.status == "Running").unwrap().clone();
    state.pods.select_uid(pod.id.uid.clone());
    state.settle();
    command(state, "pf :8080");
    assert!(sim.rt.block_on(console.until(|s| s.forwards.first().is_some_and(|f| f.listening.is_some()))));
    let port = listening(&console);
    let answer = get(port, "/bytes?n=100000");
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
    assert!(sim.rt.block_on(console.until(|s| s.forwards[0].received >= 100_000)), "bytes from the pod are counted");
    assert!(console.state.forwards[0].sent > 0);

    command(&mut console.state, "pf");
    assert_eq!(console.state.mode, Mode::Forwards { selected: 0 });
    console.state.act(Action::StopForward);
    assert!(console.state.forwards.is_empty());
    assert!(console.notice().starts_with(&format!("stopped 127.0.0.1:{port} → pod ml-serve/{}", pod.id.name)));
    sim.rt.block_on(console.until(|s| s.effects.is_empty()));
    let closed = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        TcpStream::connect(("127.0.0.1", port)).is_err()
    });
    assert!(closed, "nothing listens on {port} once stopped");
}

#[test]
fn read_only_refuses_a_forward_before_any_request() {
    let sim = TestSim::demo();
    let client = sim.rt.block_on(client_for(&sim, None));
    let mut console = sim.rt.block_on(console(client, true));
    let before = sim.request_log_lines().len();
    let state = &mut console.state;
    state.pane = Pane::Pods;
    let uid = state.pods.all().find(|p| p.id.name.starts_with("web-")).unwrap().id.uid.clone();
    state.pods.select_uid(uid);
    state.settle();
    command(state, "pf 8080");
    assert_eq!(console.notice(), "read-only: port-forward refused; nothing was sent");
    command(&mut console.state, "shell");
    assert_eq!(console.notice(), "read-only: shell refused; nothing was sent");
    let asked = &console.state.effects;
    assert!(!asked.iter().any(|e| matches!(e, Effect::Forward(_) | Effect::Session(_))), "{asked:?}");
    assert_eq!(sim.request_log_lines().len(), before, "no request was made");
}
