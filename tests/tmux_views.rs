//! The real binary in tmux on the demo cluster: `:svc` and `:events` as generic views with the server's columns,
//! the Warning toggle, a CRD's objects with its printer columns, an unknown resource's nearest names, and `d` on a
//! GPU node printing kubectl's describe with its Allocated resources.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::Tmux;

fn command(t: &Tmux, text: &str) {
    t.typed(":", text);
}

#[test]
fn any_resource_in_a_live_view_and_describe_as_kubectl_prints_it() {
    require_tmux!();
    let t = Tmux::start_sized("views", &[], None, (160, 45));
    t.wait_for("the demo", |s| s.contains("demo cluster") && s.contains("CrashLoopBackOff"));
    command(&t, "svc");
    let services = t.wait_for("the services view", |s| s.contains("8 services (5)") && s.contains("· live"));
    assert!(services.contains("CLUSTER-IP") && services.contains("PORT(S)"), "the server's columns:\n{services}");
    assert!(services.contains("nvidia-dcgm-exporter") && services.contains("9400/TCP"), "{services}");
    t.keys(&["/", "p", "r", "o", "m", "Enter"]);
    let filtered = t.wait_for("the filtered view", |s| s.contains("8 services (1)"));
    assert!(!filtered.contains("nvidia-dcgm-exporter"), "{filtered}");
    t.keys(&["Escape"]);

    command(&t, "ev");
    t.wait_for("the events view", |s| s.contains("8 events (") && s.contains("REASON"));
    t.keys(&["W"]);
    let warnings = t.wait_for("warnings only", |s| s.contains("8 warning events (") && s.contains("· live"));
    assert!(warnings.contains("FailedScheduling") && !warnings.contains(" Normal "), "{warnings}");

    command(&t, "crd");
    t.wait_for("the CRDs", |s| s.contains("8 customresourcedefinitions (1)") && s.contains("pytorchjobs.kubeflow.org"));
    t.keys(&["Enter"]);
    let jobs = t.wait_for("a CRD's objects", |s| s.contains("8 pytorchjobs (3)") && s.contains("· live"));
    assert!(jobs.contains("STATE") && jobs.contains("GPUS") && jobs.contains("WORKERS"), "printer columns:\n{jobs}");
    let sft: Vec<&str> = jobs.lines().find(|l| l.contains("llama3-sft")).unwrap().split_whitespace().collect();
    assert_eq!(sft[..5], ["ml-train", "llama3-sft", "Running", "16", "2"], "state, GPUs and workers from the objects");
    let eval: Vec<&str> = jobs.lines().find(|l| l.contains("bert-base-eval")).unwrap().split_whitespace().collect();
    assert_eq!(eval[..4], ["ml-train", "bert-base-eval", "Succeeded", "1"], "then AGE: no workers, an empty cell");
    assert_eq!(eval.len(), 5, "{eval:?}");

    command(&t, "servics");
    t.wait_for("the nearest names", |s| s.contains("unknown command or resource \":servics\"; nearest: :service"));

    t.keys(&["2", "/", "g", "p", "u", "-", "h", "1", "0", "0", "-", "0", "5", "Enter", "d"]);
    let described = t.wait_for("the node described", |s| s.contains("node gpu-h100-05") && s.contains("Roles:"));
    assert!(described.contains("Taints:") && described.contains("Conditions:"), "{described}");
    t.keys(&["G"]);
    let allocated = t.wait_for("allocated resources", |s| s.contains("Allocated resources:"));
    assert!(allocated.contains("nvidia.com/gpu"), "{allocated}");
    t.keys(&["Escape", "C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
