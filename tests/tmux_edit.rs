//! Editing in the real binary against `gpudeck sim`: edit a deployment's replicas and add an env var, review the
//! diff, apply, and find both with kubectl; $EDITOR with a scripted editor; unapplied edits kept across a quit;
//! read-only mode that sends nothing but reads whatever keys are pressed.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestSim;
use common::tmux::Tmux;

fn console(name: &str, sim: &TestSim, env: &[(&str, &str)], extra: &str) -> Tmux {
    let args = format!("--kubeconfig {} {extra}", sim.kubeconfig.display());
    let t = Tmux::start_with(name, env, None, (120, 40), &args);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t
}

/// The web deployment, selected in the workloads pane.
fn select_web(t: &Tmux) {
    t.keys(&["4", "/", "web", "Enter"]);
    t.wait_for("the web deployment alone", |s| s.contains("workloads (1)") && s.contains(" web "));
}

#[test]
fn edit_replicas_and_an_env_var_review_the_diff_apply_and_kubectl_agrees() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let t = console("edit", &sim, &[], "");
    select_web(&t);
    t.keys(&["e"]);
    t.wait_for("the editor", |s| s.contains("deployment ml-serve/web") && s.contains("kind: Deployment"));
    t.keys(&["C-f", "replicas:", "Enter", "End", "BSpace", "BSpace", "4"]);
    t.keys(&["C-f", "imagePullPolicy", "Enter", "Home"]);
    t.keys(&["        env:", "Enter", "        - name: MODE", "Enter", "          value: fast", "Enter"]);
    t.wait_for("the edit", |s| s.contains("[modified]") && s.contains("value: fast"));
    t.keys(&["C-s"]);
    let review = t.wait_for("the dry-run diff", |s| s.contains("dry-run: what the API server would change"));
    // The server writes the container's keys in its own order: env comes first.
    for line in
        ["-  replicas: 10", "+  replicas: 4", "+      - env:", "+        - name: MODE", "+          value: fast"]
    {
        assert!(review.contains(line), "{line} in the diff:\n{review}");
    }
    let untouched = sim.kubectl_ok(&["get", "deploy", "web", "-n", "ml-serve", "-o", "jsonpath={.spec.replicas}"]);
    assert_eq!(untouched, "10", "the dry-run changed nothing");
    t.keys(&["y"]);
    t.wait_for("the apply", |s| s.contains("deployment ml-serve/web configured"));
    let live = sim.kubectl_ok(&["get", "deploy", "web", "-n", "ml-serve", "-o", "yaml", "--show-managed-fields"]);
    assert!(live.contains("replicas: 4"), "{live}");
    assert!(live.contains("name: MODE") && live.contains("value: fast"), "{live}");
    assert!(live.contains("manager: gpudeck"), "applied as field manager gpudeck:\n{live}");
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn external_editor_changes_go_through_the_same_review() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let script = sim.dir.path().join("editor.sh");
    std::fs::write(&script, "#!/bin/sh\nsed -i 's/replicas: 10/replicas: 6/' \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let editor = script.display().to_string();
    let t = console("external", &sim, &[("EDITOR", &editor), ("VISUAL", "")], "");
    select_web(&t);
    t.keys(&["E"]);
    let review = t.wait_for("the dry-run of what the editor left", |s| s.contains("+  replicas: 6"));
    assert!(review.contains("-  replicas: 10"), "{review}");
    t.keys(&["y"]);
    t.wait_for("the apply", |s| s.contains("deployment ml-serve/web configured"));
    let replicas = sim.kubectl_ok(&["get", "deploy", "web", "-n", "ml-serve", "-o", "jsonpath={.spec.replicas}"]);
    assert_eq!(replicas, "6");
    // An editor that changes nothing cancels, as kubectl edit does.
    std::fs::write(&script, "#!/bin/sh\ntrue\n").unwrap();
    t.keys(&["E"]);
    t.wait_for("the cancel", |s| s.contains("edit cancelled: no changes made"));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn unapplied_edits_survive_a_quit_and_are_offered_at_the_next_start() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let state_dir = sim.dir.path().join("state");
    let state_env = state_dir.display().to_string();
    let recovery = state_dir.join("gpudeck/recovery.yaml");
    let t = console("recover", &sim, &[("XDG_STATE_HOME", &state_env)], "");
    select_web(&t);
    t.keys(&["e"]);
    t.wait_for("the editor", |s| s.contains("kind: Deployment"));
    t.keys(&["C-f", "replicas:", "Enter", "End", "BSpace", "BSpace", "7"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(&recovery).is_ok_and(|r| r.contains("replicas: 7")) {
        assert!(std::time::Instant::now() < deadline, "no recovery file at {}", recovery.display());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    t.keys(&["C-c"]);
    t.wait_for("the question", |s| s.contains("quit with unapplied edits to deployment ml-serve/web?"));
    t.keys(&["y"]);
    t.wait_for("the exit", |s| s.contains("EXITED:0"));
    drop(t);

    let t = console("recover-again", &sim, &[("XDG_STATE_HOME", &state_env)], "");
    t.wait_for("the offer", |s| s.contains("unapplied edits from the last session are kept"));
    t.keys(&[":", "recover", "Enter"]);
    t.wait_for("the recovered text", |s| s.contains("(recovered)") && s.contains("replicas: 7"));
    t.keys(&["C-s"]);
    t.wait_for("its diff", |s| s.contains("+  replicas: 7"));
    t.keys(&["y"]);
    t.wait_for("the apply", |s| s.contains("configured"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while recovery.exists() {
        assert!(std::time::Instant::now() < deadline, "an applied edit leaves no recovery file");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn read_only_refuses_every_mutating_key_before_any_request() {
    require_tmux!();
    let sim = TestSim::demo();
    let t = console("readonly", &sim, &[], "--readonly");
    select_web(&t);
    for (keys, refused) in [
        (&["e"][..], "read-only: edit refused; nothing was sent"),
        (&["E"][..], "read-only: edit refused"),
        (&["s"][..], "read-only: scale refused"),
        (&["r"][..], "read-only: restart refused"),
        (&[":", "new deployment", "Enter"][..], "read-only: new refused"),
        (&[":", "apply /etc/hostname", "Enter"][..], "read-only: apply refused"),
        (&[":", "edit secret/db-creds", "Enter"][..], "read-only: edit refused"),
    ] {
        t.keys(&["Escape"]);
        t.keys(keys);
        t.wait_for(refused, |s| s.contains(refused));
    }
    t.keys(&["3", "e", "s", "r", "1", "e", "s", "r", "2", "e", "s", "r"]);
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
    let log = sim.request_log_lines();
    assert!(log.iter().any(|e| e["path"] == "/api/v1/pods"), "the console did read the cluster");
    let writes: Vec<String> =
        log.iter().filter(|e| e["method"] != "GET").map(|e| format!("{} {}", e["method"], e["path"])).collect();
    assert!(writes.is_empty(), "read-only sent: {writes:?}");
}

#[test]
fn a_multi_document_file_applies_in_order_and_secrets_stay_masked() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    let file = sim.dir.path().join("team.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-a\ndata:\n  MODE: fast\n",
    )
    .unwrap();
    let t = console("file", &sim, &[], "");
    t.keys(&[":", &format!("apply {}", file.display()), "Enter"]);
    t.wait_for("the file in the editor", |s| s.contains("file ") && s.contains("kind: Namespace"));
    t.keys(&["C-s"]);
    let review = t.wait_for("the dry-run of both", |s| s.contains("namespace team-a (created)"));
    assert!(review.contains("configmap team-a/settings (created)"), "the namespace-to-be does not fail it:\n{review}");
    t.keys(&["y"]);
    let results = t.wait_for("per-document results", |s| s.contains("applied — esc closes"));
    assert!(results.contains("namespace team-a created") && results.contains("configmap team-a/settings created"));
    assert_eq!(sim.kubectl_ok(&["get", "cm", "settings", "-n", "team-a", "-o", "jsonpath={.data.MODE}"]), "fast");
    t.keys(&["Escape"]);

    t.keys(&[":", "yaml secret/vector-db-credentials -n ml-serve", "Enter"]);
    let masked = t.wait_for("the Secret's YAML", |s| s.contains("secret ml-serve/vector-db-credentials"));
    assert!(masked.contains("password: ••••••••") && !masked.contains("czNjcjN0"), "masked:\n{masked}");
    t.keys(&["x"]);
    t.wait_for("the values shown on request", |s| s.contains("czNjcjN0LXZlY3Rvci1kYg=="));
    t.keys(&["Escape", "C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

#[test]
fn a_conflict_shows_the_owner_and_force_takes_the_field_after_a_second_yes() {
    require_tmux!();
    require_kubectl!();
    let sim = TestSim::demo();
    // A teammate's client-side `kubectl apply` owns the field.
    let file = sim.dir.path().join("tuning.yaml");
    let manifest =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\n  namespace: ml-serve\ndata:\n  LOG_LEVEL: info\n";
    std::fs::write(&file, manifest).unwrap();
    sim.kubectl_ok(&["apply", "-f", &file.display().to_string()]);
    let t = console("conflict", &sim, &[], "");
    t.keys(&[":", "edit cm/tuning -n ml-serve", "Enter"]);
    t.wait_for("the ConfigMap in the editor", |s| {
        s.contains("configmap ml-serve/tuning") && s.contains("LOG_LEVEL: info")
    });
    t.keys(&["C-f", "LOG_LEVEL", "Enter", "End", "BSpace", "BSpace", "BSpace", "BSpace", "debug", "C-s"]);
    let conflict = t.wait_for("the conflict", |s| s.contains("conflicts: other field managers own"));
    assert!(
        conflict.contains(".data.LOG_LEVEL") && conflict.contains("owned by kubectl-client-side-apply"),
        "{conflict}"
    );
    t.keys(&["f"]);
    t.wait_for("the second question", |s| s.contains("force: take 1 field from kubectl-client-side-apply"));
    t.keys(&["y"]);
    let review = t.wait_for("the forced dry-run", |s| s.contains("dry-run with force"));
    assert!(review.contains("+  LOG_LEVEL: debug"), "{review}");
    let before = sim.kubectl_ok(&["get", "cm", "tuning", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]);
    assert_eq!(before, "info", "nothing forced before the last yes");
    t.keys(&["y"]);
    t.wait_for("the apply", |s| s.contains("configmap ml-serve/tuning configured"));
    let after = sim.kubectl_ok(&["get", "cm", "tuning", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]);
    assert_eq!(after, "debug");
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}
