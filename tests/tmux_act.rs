//! The real binary in tmux acting on an incident against `gpudeck sim`: two nodes marked with space and cordoned
//! with `c` and a yes (kubectl sees both), the drain preview of a GPU node (GPU pods first, the DaemonSet pods that
//! stay) closed without sending anything, and `--readonly` refusing every one of these, shells and forwards too,
//! with zero writes sent.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestSim;
use common::tmux::Tmux;

fn console(name: &str, sim: &TestSim, extra: &str) -> Tmux {
    let args = format!("--kubeconfig {} {extra}", sim.kubeconfig.display());
    let t = Tmux::start_with(name, &[], None, (180, 45), &args);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t
}

/// Writes the console sent to the sim: methods other than GET, and the exec, attach and port-forward upgrades (a
/// WebSocket opens with a GET).
fn writes(sim: &TestSim) -> Vec<String> {
    let log = sim.request_log_lines();
    let upgrade = |path: &str| ["/exec", "/attach", "/portforward"].iter().any(|s| path.ends_with(s));
    log.iter()
        .filter(|e| e["method"] != "GET" || upgrade(e["path"].as_str().unwrap_or_default()))
        .map(|e| format!("{} {}", e["method"], e["path"]))
        .collect()
}

#[test]
fn marked_nodes_are_cordoned_and_a_drain_is_previewed_before_anything_is_sent() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console("act", &sim, "");
    t.keys(&["2", "/", "gpu-h100-01|gpu-h100-02", "Enter"]);
    t.wait_for("two H100 nodes", |s| s.contains("nodes (2)"));
    t.keys(&["g", "Space", "Space", "c"]);
    t.wait_for("the question", |s| s.contains("cordon 2 nodes (gpu-h100-01, gpu-h100-02)?"));
    t.keys(&["y"]);
    t.wait_for("both cordoned", |s| s.contains("cordon: node gpu-h100-01 cordoned, node gpu-h100-02 cordoned"));
    let listed = sim.kubectl_ok(&["get", "nodes", "gpu-h100-01", "gpu-h100-02"]);
    assert_eq!(listed.matches("SchedulingDisabled").count(), 2, "{listed}");

    let before = writes(&sim).len();
    t.keys(&["Escape", "Escape", "/", "gpu-h100-03", "Enter", "M-d"]);
    let preview = t.wait_for("the drain preview", |s| {
        s.contains("drain gpu-h100-03") && s.contains("y cordons and drains") && !s.contains("budgets: listing")
    });
    assert!(preview.contains("nothing has been sent"), "{preview}");
    let rows: Vec<&str> = preview.lines().filter(|l| l.starts_with("evict ") || l.starts_with("stays ")).collect();
    let first_stay =
        rows.iter().position(|l| l.starts_with("stays ")).unwrap_or_else(|| panic!("no pod stays:\n{preview}"));
    assert!(first_stay > 0 && rows[..first_stay].iter().all(|l| l.starts_with("evict ")), "evicted first:\n{preview}");
    assert!(rows[0].contains("llama3-finetune") && rows[0].contains("Job llama3-finetune, recreated"), "{preview}");
    assert!(rows[first_stay..].iter().any(|l| l.contains("DaemonSet pod")), "{preview}");
    t.keys(&["Escape"]);
    t.wait_for("back to the nodes", |s| s.contains("nodes (1)") && !s.contains("y cordons and drains"));
    assert_eq!(writes(&sim).len(), before, "a preview sends nothing: {:?}", &writes(&sim)[before..]);
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn read_only_refuses_every_action_and_sends_no_write() {
    require_tmux!();
    let sim = TestSim::demo();
    let t = console("act-readonly", &sim, "--readonly");
    t.keys(&["2"]);
    for (keys, refused) in [
        (&["c"][..], "read-only: cordon refused; nothing was sent"),
        (&["u"][..], "read-only: uncordon refused"),
        (&["C-d"][..], "read-only: delete refused"),
        (&["M-d"][..], "read-only: drain refused"),
        (&["V"][..], "read-only: validating node"),
        (&[":", "label team=ml", "Enter"][..], "read-only: label team=ml refused"),
        (&[":", "taint dedicated=x:NoSchedule", "Enter"][..], "read-only: taint dedicated=x:NoSchedule refused"),
        (&["3", "C-x"][..], "read-only: evict refused"),
        (&["S"][..], "read-only: shell refused"),
        (&["A"][..], "read-only: attach refused"),
        (&["D"][..], "read-only: debug refused"),
        (&["F", "8080", "Enter"][..], "read-only: port-forward refused"),
        (&["2", "M-s"][..], "read-only: node-shell refused"),
    ] {
        t.keys(&["Escape"]);
        t.keys(keys);
        t.wait_for(refused, |s| s.contains(refused));
    }
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
    assert!(sim.request_log_lines().iter().any(|e| e["path"] == "/api/v1/nodes"), "the console did read the cluster");
    assert_eq!(writes(&sim), Vec::<String>::new(), "read-only sent writes");
}
