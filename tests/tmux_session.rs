//! The real binary in tmux taking the terminal into a container of `gpudeck sim` and back: a shell in a pod (the
//! remote prompt, a command's output, a resize, the exit code on the status line once the console is redrawn), a
//! refused start that leaves the console as it was, a debug container, a node shell whose Job is gone once it
//! ends, and a port-forward answered through the list.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::TestSim;
use common::tmux::Tmux;

fn console(name: &str, sim: &TestSim, env: &[(&str, &str)]) -> Tmux {
    let args = format!("--kubeconfig {}", sim.kubeconfig.display());
    let t = Tmux::start_with(name, env, None, (160, 40), &args);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t
}

/// The pods pane filtered to one running pod whose name starts with `prefix`; returns its name.
fn select_pod(t: &Tmux, sim: &TestSim, namespace: &str, prefix: &str) -> String {
    let pods = sim.kubectl_ok(&["get", "pods", "-n", namespace, "--field-selector=status.phase=Running", "-o", "name"]);
    let pod = pods.lines().map(|l| l.trim_start_matches("pod/")).find(|p| p.starts_with(prefix)).unwrap().to_string();
    t.keys(&["3", "/", &pod, "Enter"]);
    t.wait_for("the pod alone", |s| s.contains("pods (1)"));
    pod
}

#[test]
fn a_shell_takes_the_terminal_and_gives_it_back_with_the_exit_code() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console("shell", &sim, &[]);
    let pod = select_pod(&t, &sim, "ml-serve", "web-");
    t.keys(&["S"]);
    // tmux trims the prompt's trailing space.
    t.wait_for("the remote prompt", |s| s.contains(&format!("root@{pod}:/#")));
    assert!(!t.alternate_screen_on(), "the console stepped aside for the remote TTY");
    t.keys(&["hostname", "Enter"]);
    t.wait_for("the pod's hostname", |s| s.lines().any(|l| l.trim() == pod));
    t.resize(150, 37);
    t.keys(&["stty size", "Enter"]);
    t.wait_for("the new size", |s| s.lines().any(|l| l.trim() == "37 150"));
    // ctrl-c goes to the remote shell, not to the console.
    t.keys(&["sleep 10", "C-c"]);
    t.wait_for("the remote ^C", |s| s.contains("sleep 10^C"));
    t.keys(&["exit 3", "Enter"]);
    let back = t.wait_for("the console again", |s| s.contains(&format!("shell ml-serve/{pod} ended with exit code 3")));
    assert!(back.contains("pods (1)"), "redrawn in full:\n{back}");
    assert!(t.alternate_screen_on());

    // A container the pod does not have: a message, and the console never left the screen.
    t.keys(&[":", "shell -c nosuch", "Enter"]);
    let refused = t.wait_for("the refusal", |s| s.contains("nosuch"));
    assert!(refused.contains("pods (1)") && t.alternate_screen_on(), "{refused}");
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn a_debug_container_is_added_and_attached() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console("debug", &sim, &[]);
    let pod = select_pod(&t, &sim, "ml-serve", "web-");
    t.keys(&["D"]);
    t.wait_for("the question", |s| s.contains("add a debug container (busybox:1.36) to pod") && s.contains(&pod));
    t.keys(&["y"]);
    t.wait_for("busybox's prompt in the debug container", |s| s.lines().any(|l| l.trim() == "/ #"));
    t.keys(&["exit", "Enter"]);
    t.wait_for("the console again", |s| s.contains("ended (exit 0)"));
    let names =
        sim.kubectl_ok(&["get", "pod", "-n", "ml-serve", &pod, "-o", "jsonpath={.spec.ephemeralContainers[*].name}"]);
    assert_eq!(names, "debugger-0");
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn a_node_shell_is_off_by_default_and_its_job_goes_when_it_ends() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let off = console("node-shell-off", &sim, &[]);
    off.keys(&["2", "M-s"]);
    off.wait_for("the refusal", |s| s.contains("node shell is off"));
    off.keys(&["C-c"]);

    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("gpudeck")).unwrap();
    std::fs::write(
        config.path().join("gpudeck/config.toml"),
        "[node-shell]\nenabled = true\nnamespace = \"kube-system\"\n",
    )
    .unwrap();
    let xdg = config.path().display().to_string();
    let t = console("node-shell", &sim, &[("XDG_CONFIG_HOME", &xdg)]);
    t.keys(&["2", "/", "gpu-h100-02", "Enter"]);
    t.wait_for("the node alone", |s| s.contains("nodes (1)"));
    t.keys(&["M-s"]);
    t.wait_for("the question", |s| s.contains("start a privileged pod (busybox:1.36) on node gpu-h100-02 in"));
    t.keys(&["y"]);
    t.wait_for("the second question", |s| s.contains("really?"));
    t.keys(&["y"]);
    // dash's prompt for root.
    t.wait_for("a shell on the host", |s| {
        s.contains("gpudeck: node shell gpu-h100-02;") && s.lines().any(|l| l.trim() == "#")
    });
    t.keys(&["hostname", "Enter"]);
    t.wait_for("the node's name", |s| s.lines().any(|l| l.trim() == "gpu-h100-02"));
    let jobs =
        sim.kubectl_ok(&["get", "jobs", "-n", "kube-system", "-l", "gpudeck.io/node-shell=gpu-h100-02", "-o", "name"]);
    assert_eq!(jobs.lines().count(), 1, "{jobs}");
    t.keys(&["exit", "Enter"]);
    t.wait_for("the console again", |s| s.contains("node shell gpu-h100-02 ended (exit 0)"));
    let gone = sim.eventually(Duration::from_secs(20), || {
        let left =
            sim.kubectl_ok(&["get", "jobs,pods", "-n", "kube-system", "-l", "gpudeck.io/node-shell", "-o", "name"]);
        left.trim().is_empty().then_some(())
    });
    assert!(gone.is_some(), "the node shell's Job and pod are deleted");
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn a_port_forward_answers_and_is_listed() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console("pf", &sim, &[]);
    let pod = select_pod(&t, &sim, "ml-serve", "web-");
    t.keys(&["F", ":8080", "Enter"]);
    let screen = t.wait_for("the forward", |s| s.contains("forwarding 127.0.0.1:"));
    let port: u16 = screen
        .split("forwarding 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port on the screen:\n{screen}"));
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    socket.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains(&pod), "{answer}");
    t.keys(&[":", "pf", "Enter"]);
    let list = t.wait_for("the list", |s| s.contains("port-forwards (1)") && s.contains("1/1"));
    assert!(list.contains(&format!("127.0.0.1:{port}")) && list.contains(&format!("{pod}:8080")), "{list}");
    t.keys(&["C-d"]);
    t.wait_for("stopped", |s| s.contains("port-forwards (0)") && s.contains(&format!("stopped 127.0.0.1:{port}")));
    t.keys(&["Escape", "C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
