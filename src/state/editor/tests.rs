//! Reducer tests of editing and mutations: checks after a pause, dry-run → review → apply, conflicts and force,
//! leaving with unapplied edits, scale and restart confirmations, read-only refusals, rollout progress.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Stage;
use crate::action::Action;
use crate::diff::{DiffKind, DiffLine};
use crate::event::{Data, Effect, ObjectKind};
use crate::model::mutation::{Change, DocOutcome, FieldConflict, MutationError};
use crate::model::workloads::{WorkloadKind, WorkloadRow};
use crate::model::{Health, ObjectId};
use crate::state::table::Delta;
use crate::state::{Mode, Pane, State};

const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\n  namespace: ml\ndata:\n  LOG_LEVEL: info\n";

fn editing(text: &str) -> State {
    let mut s = State::new("test", false, 1000, (120, 30));
    s.open_editor("configmap ml/tuning".into(), text);
    s
}

fn key(s: &mut State, code: KeyCode) {
    s.edit_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// Types `text` at the `:` prompt and runs it.
fn run_command(s: &mut State, text: &str) {
    s.act(Action::Command);
    for c in text.chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

/// The quiet time after the last edit passes.
fn pause(s: &mut State) {
    let token = s.editor.as_ref().unwrap().revision;
    s.absorb(Data::Wake(token));
}

fn stage(s: &State) -> &Stage {
    &s.editor.as_ref().unwrap().stage
}

fn last_apply(s: &mut State) -> (bool, bool, u64, usize) {
    match s.effects.iter().rev().find(|e| matches!(e, Effect::Apply { .. })) {
        Some(Effect::Apply { documents, dry_run, force, generation, .. }) => {
            (*dry_run, *force, *generation, documents.len())
        }
        _ => panic!("no apply asked for: {:?}", s.effects),
    }
}

fn changed(title: &str) -> DocOutcome {
    let diff = vec![DiffLine { kind: DiffKind::Added, text: "+  LOG_LEVEL: debug".into() }];
    DocOutcome { title: title.into(), result: Ok(Change { verb: "configured", diff, seen: 41 }) }
}

#[test]
fn problems_appear_once_typing_pauses_and_the_text_is_kept() {
    let mut s = editing(CONFIGMAP);
    s.editor_goto(6);
    key(&mut s, KeyCode::End);
    typed(&mut s, ": oops");
    assert!(s.editor.as_ref().unwrap().problems().is_empty(), "not checked on every keystroke");
    assert!(matches!(s.effects.last(), Some(Effect::Wake { .. })));
    pause(&mut s);
    let editor = s.editor.as_ref().unwrap();
    let problem = editor.problems()[0].clone();
    assert_eq!(problem.line, 6, "{problem:?}");
    assert!(editor.dirty());
    assert!(
        matches!(s.effects.last(), Some(Effect::Autosave(Some(text))) if text.contains("info: oops")),
        "the unapplied text goes to the recovery file: {:?}",
        s.effects.last()
    );
    s.act(Action::Apply);
    assert_eq!(*stage(&s), Stage::Editing, "nothing is sent while the text has problems");
    assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("not sent: line 7")), "{:?}", s.notice);
    // Undo steps back one edit (one typed character) at a time.
    for _ in ": oops".chars() {
        s.act(Action::Undo);
    }
    pause(&mut s);
    assert!(s.editor.as_ref().unwrap().problems().is_empty());
}

#[test]
fn dry_run_then_review_then_apply_then_close() {
    let mut s = editing(CONFIGMAP);
    s.editor_goto(6);
    key(&mut s, KeyCode::End);
    for _ in 0..4 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "debug");
    s.act(Action::Apply);
    let (dry_run, force, generation, documents) = last_apply(&mut s);
    assert_eq!((dry_run, force, documents), (true, false, 1));
    s.absorb(Data::Applied { generation: generation - 1, outcome: changed("stale") });
    assert!(matches!(stage(&s), Stage::Sending { .. }), "an older run's outcome is dropped");
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/tuning") });
    assert!(matches!(stage(&s), Stage::Review { .. }));
    s.act(Action::Confirm);
    let (dry_run, _, generation, _) = last_apply(&mut s);
    assert!(!dry_run, "the real apply follows the review");
    let Some(Effect::Apply { reviewed, .. }) = s.effects.iter().rev().find(|e| matches!(e, Effect::Apply { .. }))
    else {
        unreachable!()
    };
    assert_eq!(reviewed, &[Some(41)], "what the diff was made against goes with the apply");
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/tuning") });
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.editor.is_none());
    assert_eq!(s.notice.as_ref().map(|n| n.text.as_str()), Some("configmap ml/tuning configured (server-side apply)"));
    assert!(s.effects.contains(&Effect::Autosave(None)), "the recovery file goes once applied");
}

#[test]
fn conflicts_offer_force_after_a_second_question() {
    let two = format!("{CONFIGMAP}---\n{}", CONFIGMAP.replace("tuning", "other"));
    let mut s = editing(&two);
    s.act(Action::Apply);
    let (_, _, generation, documents) = last_apply(&mut s);
    assert_eq!(documents, 2);
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/tuning") });
    let conflict =
        MutationError::Conflict(vec![FieldConflict { field: ".data.LOG_LEVEL".into(), manager: "helm".into() }]);
    s.absorb(Data::Applied {
        generation,
        outcome: DocOutcome { title: "configmap ml/other".into(), result: Err(conflict) },
    });
    assert!(matches!(stage(&s), Stage::Conflict { .. }), "{:?}", stage(&s));
    let pinned = &s.editor.as_ref().unwrap().server_problems;
    assert_eq!(pinned[0].line, 14, "the conflict sits on the second document's LOG_LEVEL line: {pinned:?}");
    s.act(Action::Force);
    let Mode::Confirm(confirm) = &s.mode else { panic!("force asks first: {:?}", s.mode) };
    assert!(confirm.question.contains("take 1 field from helm"), "{}", confirm.question);
    s.act(Action::Confirm);
    let (dry_run, force, generation, documents) = last_apply(&mut s);
    assert_eq!((dry_run, force, documents), (true, true, 2), "after a dry-run conflict, a forced dry-run of all");
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/tuning") });
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/other") });
    s.act(Action::Confirm);
    let (dry_run, force, generation, documents) = last_apply(&mut s);
    assert_eq!((dry_run, force, documents), (false, true, 2));
    // A real apply where the first went in and the second met a new conflict: force resends the second only.
    s.absorb(Data::Applied { generation, outcome: changed("configmap ml/tuning") });
    let conflict =
        MutationError::Conflict(vec![FieldConflict { field: ".data.LOG_LEVEL".into(), manager: "argo".into() }]);
    s.absorb(Data::Applied {
        generation,
        outcome: DocOutcome { title: "configmap ml/other".into(), result: Err(conflict) },
    });
    s.act(Action::Force);
    s.act(Action::Confirm);
    let (dry_run, force, _, documents) = last_apply(&mut s);
    assert_eq!((dry_run, force, documents), (true, true, 1), "only the document that did not go in");
}

#[test]
fn leaving_with_unapplied_edits_asks_first() {
    let mut s = editing(CONFIGMAP);
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Normal, "nothing changed: esc just closes");
    let mut s = editing(CONFIGMAP);
    typed(&mut s, "x");
    s.act(Action::Back);
    assert!(matches!(&s.mode, Mode::Confirm(c) if c.question.starts_with("discard unapplied edits")));
    s.act(Action::Back);
    assert_eq!(s.mode, Mode::Editor, "no keeps the edit");
    s.act(Action::Quit);
    assert!(!s.quit, "quitting asks too");
    s.act(Action::Confirm);
    assert!(s.quit);
}

#[test]
fn secret_values_stay_masked_until_revealed_and_never_reach_the_recovery_file() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n";
    let mut s = editing(secret);
    assert_eq!(s.editor.as_ref().unwrap().secrets, vec![5..6]);
    typed(&mut s, "# ");
    pause(&mut s);
    assert!(s.effects.contains(&Effect::Autosave(None)), "a Secret is not written to disk: {:?}", s.effects);
    s.act(Action::RevealSecrets);
    assert!(s.editor.as_ref().unwrap().reveal);
}

fn workload(kind: WorkloadKind, name: &str, replicas: i32) -> WorkloadRow {
    WorkloadRow {
        id: ObjectId { namespace: "ml".into(), name: name.into(), uid: format!("uid-{name}") },
        kind,
        ready: replicas,
        desired: replicas,
        completions: String::new(),
        started: None,
        finished: None,
        status: "Ready".into(),
        health: Health::Ok,
        gpus_per_pod: 0,
        probes: Vec::new(),
        created: 0,
        selector: Default::default(),
        scale: replicas,
        generation: 3,
        observed: 3,
        updated: replicas,
        current: replicas,
        rollout: Default::default(),
    }
}

/// The workloads watch reports `row`.
fn watched(s: &mut State, row: WorkloadRow) {
    s.absorb(Data::Workloads(row.kind, Delta { reset: false, upserts: vec![row], deletes: vec![] }));
    s.settle();
}

fn with_workloads(read_only: bool, rows: Vec<WorkloadRow>) -> State {
    let mut s = State::new("test", read_only, 1000, (120, 30));
    for row in rows {
        watched(&mut s, row);
    }
    s.pane = Pane::Workloads;
    s
}

#[test]
fn scale_prompt_counts_warns_about_autoscalers_and_asks_twice_for_zero() {
    let mut s = with_workloads(false, vec![workload(WorkloadKind::Deployment, "web", 3)]);
    s.act(Action::Scale);
    assert!(matches!(s.effects.last(), Some(Effect::LookupHpa { .. })));
    s.absorb(Data::Hpa { uid: "uid-web".into(), hpa: Some("hpa web (2–9)".into()) });
    s.act(Action::Increment);
    s.act(Action::Increment);
    let Mode::Scale(prompt) = &s.mode else { panic!("{:?}", s.mode) };
    assert_eq!((prompt.input.as_str(), prompt.hpa.as_deref()), ("5", Some("hpa web (2–9)")));
    s.act(Action::Accept);
    let Mode::Confirm(confirm) = &s.mode else { panic!("{:?}", s.mode) };
    assert!(
        confirm.question.contains("to 5 (now 3)") && confirm.question.contains("will override"),
        "{}",
        confirm.question
    );
    s.act(Action::Back);
    assert!(matches!(s.mode, Mode::Scale(_)), "no returns to the prompt");
    s.act(Action::DeleteChar);
    s.type_char('0');
    s.act(Action::Accept);
    s.act(Action::Confirm);
    assert!(matches!(&s.mode, Mode::Confirm(c) if c.question.contains("Really scale to 0?")), "zero asks again");
    assert!(!s.effects.iter().any(|e| matches!(e, Effect::Scale { .. })));
    s.act(Action::Confirm);
    assert!(s.effects.iter().any(|e| matches!(e, Effect::Scale { replicas: 0, .. })));
    assert_eq!(s.rollouts.len(), 1, "followed until done");
}

#[test]
fn rollouts_finish_when_the_controller_caught_up_and_every_replica_is_ready() {
    let mut s = with_workloads(false, vec![workload(WorkloadKind::Deployment, "web", 3)]);
    s.act(Action::Restart);
    s.act(Action::Confirm);
    assert!(s.effects.iter().any(|e| matches!(e, Effect::Restart { target } if target.kind == ObjectKind::Deployment)));
    let mut row = workload(WorkloadKind::Deployment, "web", 3);
    watched(&mut s, row.clone());
    assert_eq!(s.rollouts.len(), 1, "the old generation's status says nothing about the restart");
    row.generation = 4;
    row.observed = 4;
    row.updated = 1;
    watched(&mut s, row.clone());
    assert_eq!(s.rollouts.len(), 1, "1 of 3 updated");
    row.updated = 3;
    watched(&mut s, row);
    assert!(s.rollouts.is_empty());
    assert_eq!(s.notice.as_ref().map(|n| n.text.as_str()), Some("restart deployment ml/web: done, 3 of 3 ready"));
}

#[test]
fn read_only_refuses_every_mutation_before_asking_for_anything() {
    let mut s = with_workloads(true, vec![workload(WorkloadKind::Deployment, "web", 3)]);
    for action in [Action::Edit, Action::EditExternal, Action::Scale, Action::Restart] {
        s.act(action);
        assert_eq!(s.mode, Mode::Normal, "{action:?}");
        assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("read-only:")), "{action:?}: {:?}", s.notice);
    }
    for command in ["new deployment", "apply x.yaml", "edit secret/db"] {
        run_command(&mut s, command);
        assert!(s.notice.as_ref().is_some_and(|n| n.text.starts_with("read-only:")), "{command}: {:?}", s.notice);
    }
    assert!(s.effects.is_empty(), "nothing asked of the cluster: {:?}", s.effects);
}

#[test]
fn jobs_scale_their_parallelism_and_do_not_restart() {
    let mut s = with_workloads(false, vec![workload(WorkloadKind::Job, "train", 2)]);
    s.act(Action::Scale);
    assert!(matches!(&s.mode, Mode::Scale(p) if p.field == "parallelism"));
    s.act(Action::Back);
    s.act(Action::Restart);
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("not restarted in place")));
}

#[test]
fn templates_open_in_the_namespace_in_view() {
    let mut s = State::new("test", false, 1000, (120, 30));
    s.namespace = Some("ml-train".into());
    run_command(&mut s, "new gpu-job");
    let editor = s.editor.as_ref().expect("the editor opens");
    assert!(editor.text().contains("namespace: ml-train") && editor.text().contains("nvidia.com/gpu: 1"));
    assert!(!editor.dirty() || editor.title == "new gpu-job");
}
