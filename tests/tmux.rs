//! The real binary in tmux on the embedded demo cluster: move between panes, filter, drill down, quit; a user keymap
//! that remaps keys; a panic that still leaves the terminal restored.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::tmux::Tmux;

#[test]
fn navigate_filter_drill_down_and_quit() {
    require_tmux!();
    let t = Tmux::start("nav", &[], None);
    let triage = t.wait_for("the triage pane with problems", |s| {
        s.contains("demo cluster") && s.contains("CrashLoopBackOff") && s.contains("ImagePullBackOff")
    });
    assert!(triage.contains("0/12 nodes are available"), "the scheduler's reason is the why: {triage}");
    assert!(t.alternate_screen_on());
    t.keys(&["3"]);
    t.wait_for("the pods pane", |s| s.contains("READY") && s.contains("nvidia-dcgm-exporter"));
    t.keys(&["/", "t", "o", "k", "e", "n", "i", "z", "e", "r", "Enter"]);
    let filtered = t.wait_for("the filtered pods", |s| s.contains("3 pods (2)"));
    assert!(!filtered.contains("nvidia-dcgm-exporter"), "{filtered}");
    t.keys(&["Escape"]);
    t.wait_for("the filter cleared", |s| {
        s.contains("3 pods (") && !s.contains("3 pods (2)") && s.contains("feature-api") && s.contains("tokenizer")
    });
    t.keys(&["2"]);
    t.wait_for("the nodes pane", |s| s.contains("gpu-h100-05") && s.contains("NVIDIA-H100"));
    t.keys(&["G", "Enter"]);
    let drilled = t.wait_for("pods of the last node", |s| s.contains("▸ node gpu-h100-05"));
    assert!(drilled.lines().filter(|l| l.contains("gpu-h100-05")).count() >= 3, "{drilled}");
    t.keys(&["Tab", "Enter"]);
    t.wait_for("pods of a workload", |s| {
        s.contains("▸ deployment") || s.contains("▸ job") || s.contains("▸ statefulset")
    });
    t.keys(&["C-c"]);
    let after = t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
    assert!(!t.alternate_screen_on(), "terminal restored:\n{after}");
}

#[test]
fn command_mode_namespace_describe_and_yaml() {
    require_tmux!();
    let t = Tmux::start("cmd", &[], None);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&[":", "n", "s", " ", "m", "l", "Tab"]);
    t.wait_for("namespace completion", |s| s.contains(":ns ml-") && s.contains("ml-serve ml-train"));
    t.keys(&["s", "Tab", "Enter"]);
    t.wait_for("the namespace switch", |s| s.contains("│ ml-serve"));
    t.keys(&[":", "n", "s", "Enter"]);
    t.wait_for("the namespace picker", |s| s.contains("namespace (") && s.contains("kube-system"));
    t.keys(&["t", "r", "a", "i", "n", "Enter"]);
    t.wait_for("the picked namespace", |s| s.contains("│ ml-train"));
    t.keys(&[":", "n", "s", " ", "m", "l", "-", "s", "e", "r", "v", "e", "Enter"]);
    t.wait_for("back in ml-serve", |s| s.contains("│ ml-serve"));
    t.keys(&[":", "p", "o", "Enter"]);
    let pods = t.wait_for("ml-serve pods only", |s| s.contains("READY") && s.contains("llm-inference"));
    assert!(!pods.contains("kube-system"), "{pods}");
    t.keys(&[":", "b", "o", "g", "u", "s", "Enter"]);
    t.wait_for("the unknown-command hint", |s| s.contains("unknown command or resource \":bogus\""));
    t.keys(&["/", "7", "0", "b", "Enter", "d"]);
    let described = t.wait_for("describe", |s| s.contains("lines 1-"));
    assert!(described.contains("Name:") && described.contains("llm-70b-eval-"), "{described}");
    t.keys(&["G"]);
    t.wait_for("the scheduler's event at the end", |s| s.contains("Events:") && s.contains("FailedScheduling"));
    t.keys(&["Escape"]);
    t.wait_for("back to the table", |s| s.contains("RESTARTS"));
    t.keys(&["y"]);
    let yaml = t.wait_for("the YAML view", |s| s.contains("(YAML)"));
    assert!(yaml.contains("apiVersion: v1") && yaml.contains("kind: Pod"), "{yaml}");
    t.keys(&["q"]);
    t.wait_for("back to the table", |s| s.contains("RESTARTS"));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn dashboard_on_large_terminals_zoom_and_resize() {
    require_tmux!();
    let t = Tmux::start_sized("dash", &[], None, (200, 50));
    let dash = t.wait_for("four panes at once, with data", |s| {
        s.contains("CrashLoopBackOff") && s.contains("nvidia-dcgm-exporter") && s.contains("Deployment")
    });
    for pane in ["1 triage (", "2 nodes (", "3 pods (", "4 workloads ("] {
        assert!(dash.contains(&format!("┌ {pane}")), "{pane} framed on the dashboard:\n{dash}");
    }
    t.keys(&["3", "z"]);
    let zoomed = t.wait_for("the pods pane zoomed", |s| !s.contains("┌ 1 triage (") && s.contains("RESTARTS"));
    assert!(!zoomed.contains("gpudeck │"), "zoom hides the title bar:\n{zoomed}");
    t.keys(&["z"]);
    t.wait_for("the dashboard again", |s| s.contains("┌ 1 triage ("));
    t.resize(100, 30);
    let small = t.wait_for("one pane with a tab bar", |s| !s.contains("┌ 1 triage (") && s.contains(" 3 pods ("));
    assert!(small.contains("RESTARTS"), "the focused pods pane fills the screen:\n{small}");
    t.resize(200, 50);
    t.wait_for("the dashboard after growing", |s| s.contains("┌ 4 workloads ("));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn logs_of_a_job_from_the_workloads_pane_follow_search_and_pause() {
    require_tmux!();
    let t = Tmux::start("logs", &[], None);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&["4", "/", "llama3", "Enter", "l"]);
    let logs = t.wait_for("the job's log", |s| s.contains("logs ml-train/job/llama3-finetune") && s.contains("loss "));
    assert!(logs.contains("following") && logs.contains("[llama3-finetune-"), "its pod prefixes each line:\n{logs}");
    t.keys(&["g", "/", "s", "t", "e", "p", " ", "\\", "d", "+", "5", "0", "/", "Enter"]);
    let found = t.wait_for("the search", |s| s.contains(r"/step \d+50/ (n/N)") && s.contains("paused"));
    let first = found.lines().nth(3).unwrap_or_default();
    assert!(first.contains("50/") && first.contains("step "), "the match tops the screen:\n{found}");
    t.keys(&["f"]);
    t.wait_for("following again", |s| s.contains("finetune · following ·"));
    t.keys(&["Escape"]);
    t.wait_for("back to the workloads", |s| s.contains("COMPLETIONS") || s.contains("llama3-finetune"));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn logs_saved_to_a_file_match_kubectl_logs() {
    require_tmux!();
    require_kubectl!();
    let sim = common::TestSim::demo();
    let t = Tmux::start_with("save", &[], None, (120, 32), &format!("--kubeconfig {}", sim.kubeconfig.display()));
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&["3", "/", "data-prep-20261120", "Enter"]);
    t.wait_for("the finished job's pods", |s| s.contains("3 pods (3)"));
    t.keys(&["l"]);
    t.wait_for("its whole log", |s| s.contains("ended: data exited; the pod is Succeeded"));
    let saved = sim.dir.path().join("saved.log");
    t.keys(&["s"]);
    t.repeat("BSpace", 60);
    t.keys(&[&saved.display().to_string(), "Enter"]);
    let done = t.wait_for("the save", |s| s.contains("saved ") && s.contains("saved.log"));
    let pod = done.lines().find_map(|l| l.split("logs ml-train/").nth(1)).and_then(|r| r.split_whitespace().next());
    let pod = pod.expect("the pod in the header");
    let kubectl = sim.kubectl_ok(&["logs", "-n", "ml-train", pod, "--tail=1000"]);
    let file = std::fs::read_to_string(&saved).unwrap();
    assert!(kubectl.lines().count() > 3, "{kubectl}");
    assert_eq!(file, kubectl, "the saved buffer is what kubectl prints");
    t.keys(&["Escape", "C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn user_keymap_remaps_keys() {
    require_tmux!();
    let t = Tmux::start(
        "keymap",
        &[],
        Some("[table]\n\"x\" = \"pane-pods\"\n\"3\" = \"none\"\n\"Q\" = \"quit\"\n\"y\" = \"no-such-action\"\n"),
    );
    let first = t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    assert!(
        first.contains("unknown action \"no-such-action\""),
        "bad entries are a warning, not a failed start:\n{first}"
    );
    t.keys(&["3"]);
    std::thread::sleep(Duration::from_millis(400));
    assert!(!t.screen().contains("READY"), "3 was unbound");
    t.keys(&["x"]);
    t.wait_for("the pods pane via x", |s| s.contains("READY"));
    t.keys(&["Q"]);
    t.wait_for("quit via Q", |s| s.contains("EXITED:0"));
}

#[test]
fn a_panic_leaves_the_terminal_restored() {
    require_tmux!();
    let t = Tmux::start("panic", &[("GPUDECK_TEST_PANIC_KEY", "P")], None);
    t.wait_for("the console", |s| s.contains("demo cluster"));
    assert!(t.alternate_screen_on());
    t.keys(&["P"]);
    let after = t.wait_for("the process to die", |s| s.contains("EXITED:101"));
    assert!(!t.alternate_screen_on(), "{after}");
    assert!(after.contains("test-only panic key pressed"), "the panic message is readable:\n{after}");
}

#[test]
#[cfg_attr(feature = "cuda", ignore = "asserts what a build without CUDA says")]
fn validation_here_in_the_inference_pane_and_on_a_gpu_node_as_a_job() {
    require_tmux!();
    let t = Tmux::start("validate", &[], None);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&["7"]);
    t.wait_for("the samples", |s| s.contains("model shapes6") && s.contains("[x]  circle-1.png"));
    // Drop the first sample, run the other eleven on this machine's CPU.
    t.keys(&["Space", "v"]);
    let done = t.wait_for("the verdict", |s| s.contains("PASS · 11/11 correct"));
    assert!(done.contains("[ ]  circle-1.png"), "{done}");
    assert!(done.contains("auto ran on the CPU: this gpudeck was built without the `cuda` feature"), "{done}");

    // The same check as a Job on a GPU node of the demo cluster, its verdict read from the pod's log.
    t.keys(&["2", "/", "h", "1", "0", "0", "-", "0", "5", "Enter", "v"]);
    t.wait_for("the question before the Job", |s| s.contains("create job gpudeck-validate-gpu-h100-05-"));
    t.keys(&["y"]);
    let verdict = t.wait_for("the verdict from the pod's log", |s| {
        s.contains("label node gpu-h100-05 gpudeck.io/validated=pass?")
    });
    assert!(verdict.contains("gpudeck-validate-gpu-h100-05-"), "the Job's pod log is on screen: {verdict}");
    t.keys(&["y"]);
    t.wait_for("the label sent", |s| s.contains("label node gpu-h100-05 gpudeck.io/validated=pass: sent"));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
