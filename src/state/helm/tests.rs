use serde_json::{Value, json};

use super::*;
use crate::action::Action;
use crate::event::{Data, Effect};
use crate::model::helm::ops::{HelmData, HelmEffect};
use crate::model::helm::{Revision, Storage, Summary};
use crate::state::{DocStyle, Mode, Pane, State};

const NOW: i64 = 1_000_000;

fn revision(release: &str, n: i64, status: &str, updated: i64) -> Revision {
    Revision {
        record: ObjectId {
            namespace: "ml".into(),
            name: format!("sh.helm.release.v1.{release}.v{n}"),
            uid: format!("{release}-{n}"),
        },
        storage: Storage::Secret,
        release: release.into(),
        revision: n,
        content: Ok(Summary {
            status: status.into(),
            chart: format!("{release}-0.{n}.0"),
            app_version: format!("1.{n}"),
            updated,
            description: if status == "failed" {
                format!("Upgrade \"{release}\" failed: timed out waiting for the condition")
            } else {
                "Upgrade complete".into()
            },
        }),
    }
}

fn record(n: i64, status: &str, image: &str) -> Value {
    json!({"name": "web", "namespace": "ml", "version": n,
        "info": {"status": status, "description": "d", "notes": "hello", "last_deployed": "2026-11-01T10:00:00Z"},
        "chart": {"metadata": {"name": "web", "version": format!("0.{n}.0")}, "values": {"replicas": 1, "image": "x"}},
        "config": {"image": image},
        "manifest": format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  image: {image}\n")})
}

fn type_command(s: &mut State, text: &str) {
    s.act(Action::Command);
    for c in text.chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
}

/// A console with web (3 revisions, the latest failed) and api (pending-upgrade for two minutes) listed.
fn listed() -> State {
    let mut s = State::new("test", false, NOW, (140, 40));
    let upserts = vec![
        revision("web", 1, "superseded", NOW - 9000),
        revision("web", 2, "deployed", NOW - 5000),
        revision("web", 3, "failed", NOW - 1200),
        revision("api", 1, "deployed", NOW - 9000),
        revision("api", 2, "pending-upgrade", NOW - 120),
    ];
    s.absorb(Data::Helm(HelmData::Revisions(Storage::Secret, Delta { reset: true, upserts, deletes: vec![] })));
    s.settle();
    s
}

fn helm_effects(s: &mut State) -> Vec<HelmEffect> {
    std::mem::take(&mut s.effects)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Helm(h) => Some(h),
            _ => None,
        })
        .collect()
}

/// `:helm`, web opened and its records loaded.
fn opened() -> State {
    let mut s = listed();
    type_command(&mut s, "helm web");
    let Some(HelmEffect::Records { generation, release }) = helm_effects(&mut s).pop() else { panic!("no fetch") };
    assert_eq!((release.namespace.as_str(), release.name.as_str()), ("ml", "web"));
    let records = vec![record(1, "superseded", "web:1"), record(2, "deployed", "web:2"), record(3, "failed", "web:3")];
    s.absorb(Data::Helm(HelmData::Records { generation, result: Ok(records) }));
    s.settle();
    s
}

#[test]
fn releases_show_their_latest_revision_and_failed_or_stuck_ones_are_triage_lines() {
    let mut s = listed();
    let web = s.helm.releases.get("ml/web").expect("web listed");
    assert_eq!((web.revision, web.status.as_str(), web.revisions), (3, "failed", 3));
    assert_eq!(s.helm.releases.len(), 2);
    let failed = s.triage.get("helm/ml/web").expect("a failed release is a triage line");
    assert_eq!((failed.problem.as_str(), failed.severity), ("ReleaseFailed", Health::Error));
    assert!(failed.why.contains("timed out waiting for the condition"), "{}", failed.why);
    let pending = s.triage.get("helm/ml/api").expect("a pending release is a line");
    assert_eq!((pending.problem.as_str(), pending.severity), ("ReleasePending", Health::Pending));

    // Ten minutes after its last write, nobody is working on it.
    s.absorb(Data::Helm(HelmData::Revisions(Storage::ConfigMap, Delta::default())));
    s.now = NOW + STUCK_AFTER;
    s.settle();
    let stuck = s.triage.get("helm/ml/api").unwrap();
    assert_eq!((stuck.problem.as_str(), stuck.severity), ("ReleaseStuck", Health::Error));
    assert!(stuck.why.contains("no operation is running") && stuck.why.contains(":helm-unlock"), "{}", stuck.why);

    // A new deployed revision clears the line; deleting every record removes the release.
    let fixed = revision("api", 3, "deployed", NOW);
    s.absorb(Data::Helm(HelmData::Revisions(
        Storage::Secret,
        Delta { reset: false, upserts: vec![fixed], deletes: vec![] },
    )));
    s.settle();
    assert!(s.triage.get("helm/ml/api").is_none());
    let deletes = vec!["web-1".into(), "web-2".into(), "web-3".into()];
    s.absorb(Data::Helm(HelmData::Revisions(Storage::Secret, Delta { reset: false, upserts: vec![], deletes })));
    s.settle();
    assert!(s.helm.releases.get("ml/web").is_none() && s.triage.get("helm/ml/web").is_none());
}

#[test]
fn enter_on_the_triage_line_opens_the_history_newest_first() {
    let mut s = listed();
    s.pane = Pane::Triage;
    s.triage.select_uid("helm/ml/web".into());
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Helm);
    assert!(matches!(helm_effects(&mut s)[..], [HelmEffect::Records { .. }]));
    s.settle();
    let order: Vec<i64> = s.helm.history.window(0, 5).map(|r| r.revision).collect();
    assert_eq!(order, [3, 2, 1], "newest first");
    s.act(Action::Back);
    assert!(s.helm.open.is_none(), "esc goes back to the releases");
}

#[test]
fn documents_of_a_revision_values_manifest_and_a_coloured_diff() {
    let mut s = opened();
    s.helm.history.select_uid("2".into());
    s.act(Action::HelmAllValues);
    let Mode::Document { title, lines, style, .. } = &s.mode else { panic!("{:?}", s.mode) };
    assert_eq!((title.as_str(), *style), ("release ml/web revision 2 values --all", DocStyle::Yaml));
    assert_eq!(lines[0], "COMPUTED VALUES:");
    assert!(lines.contains(&"image: web:2".to_string()) && lines.contains(&"replicas: 1".to_string()), "{lines:?}");
    s.act(Action::Back);
    s.act(Action::Yaml);
    assert!(matches!(&s.mode, Mode::Document { lines, .. } if lines.contains(&"  image: web:2".to_string())));
    s.act(Action::Back);

    // enter on a revision: its diff against the one before.
    s.helm.history.select_uid("3".into());
    s.act(Action::DrillIn);
    let Mode::Document { title, lines, style, .. } = &s.mode else { panic!() };
    assert_eq!((title.as_str(), *style), ("release ml/web diff 2 → 3", DocStyle::Diff));
    assert!(lines.contains(&"-  image: web:2".into()) && lines.contains(&"+  image: web:3".into()), "{lines:?}");
    assert!(lines.contains(&"=== values".into()) && lines.contains(&"+image: web:3".into()), "{lines:?}");
    s.act(Action::Back);

    // Any two: one marked with space, the other selected; or typed.
    s.helm.history.select_uid("1".into());
    s.act(Action::TogglePick);
    s.helm.history.select_uid("3".into());
    s.act(Action::HelmDiff);
    assert!(matches!(&s.mode, Mode::Document { title, .. } if title.ends_with("diff 1 → 3")));
    s.act(Action::Back);
    type_command(&mut s, "diff 2 1");
    assert!(matches!(&s.mode, Mode::Document { title, .. } if title.ends_with("diff 1 → 2")));
    s.act(Action::Back);
    type_command(&mut s, "diff 2 x");
    assert!(s.notice.as_ref().is_some_and(|n| n.error && n.text.contains("two revision numbers")));
}

#[test]
fn a_document_asked_before_the_records_arrive_opens_when_they_do() {
    let mut s = listed();
    type_command(&mut s, "helm");
    s.helm.releases.select_uid("ml/web".into());
    s.act(Action::HelmNotes);
    let Some(HelmEffect::Records { generation, .. }) = helm_effects(&mut s).pop() else { panic!() };
    assert!(matches!(s.mode, Mode::Normal));
    s.absorb(Data::Helm(HelmData::Records { generation, result: Ok(vec![record(3, "failed", "web:3")]) }));
    assert!(matches!(&s.mode, Mode::Document { lines, .. } if lines == &["hello"]), "{:?}", s.mode);
}

#[test]
fn rollback_shows_the_dry_run_then_asks_and_read_only_refuses_before_any_request() {
    let mut s = opened();
    s.read_only = true;
    type_command(&mut s, "rollback");
    assert!(helm_effects(&mut s).is_empty());
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("read-only: rollback refused")));
    s.read_only = false;

    type_command(&mut s, "rollback 9");
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("no revision 9")), "{:?}", s.notice);
    type_command(&mut s, "rollback");
    let Some(HelmEffect::Rollback { target, expect_latest, dry_run: true, generation, .. }) =
        helm_effects(&mut s).pop()
    else {
        panic!("no dry-run")
    };
    assert_eq!((target, expect_latest), (2, 3));
    // The watch sees the release change meanwhile: its records are asked again, and the review still lands.
    let again = revision("web", 3, "failed", NOW - 100);
    s.absorb(Data::Helm(HelmData::Revisions(
        Storage::Secret,
        Delta { reset: false, upserts: vec![again], deletes: vec![] },
    )));
    s.settle();
    assert!(matches!(helm_effects(&mut s)[..], [HelmEffect::Records { .. }]));
    let change = crate::model::mutation::Change {
        verb: "configured",
        diff: crate::diff::unified("image: web:3\n", "image: web:2\n"),
        seen: 0,
    };
    let outcome = crate::model::mutation::DocOutcome { title: "deployment ml/web".into(), result: Ok(change) };
    s.absorb(Data::Helm(HelmData::Reviewed { generation, result: Ok(vec![outcome]) }));
    let Mode::Confirm(confirm) = &s.mode else { panic!("{:?}", s.mode) };
    assert!(
        confirm.question.contains("revision 2 (writes revision 4)") && confirm.question.contains("hooks are not run")
    );
    assert!(matches!(&confirm.back, Mode::Document { lines, .. } if lines.contains(&"+image: web:2".into())));
    s.act(Action::Confirm);
    assert!(matches!(
        helm_effects(&mut s)[..],
        [HelmEffect::Rollback { target: 2, expect_latest: 3, dry_run: false, .. }]
    ));
}

#[test]
fn unlock_asks_twice_and_only_for_a_pending_release() {
    let mut s = listed();
    type_command(&mut s, "helm web");
    helm_effects(&mut s);
    type_command(&mut s, "helm-unlock");
    assert!(s.notice.as_ref().is_some_and(|n| n.text.contains("is failed, not pending")), "{:?}", s.notice);
    s.act(Action::Back);
    s.act(Action::Back);
    s.helm.releases.select_uid("ml/api".into());
    type_command(&mut s, "helm-unlock");
    s.act(Action::Confirm);
    assert!(helm_effects(&mut s).is_empty(), "the first yes asks again");
    s.act(Action::Confirm);
    assert!(matches!(&helm_effects(&mut s)[..], [HelmEffect::Unlock { revision: 2, .. }]));
}

#[test]
fn a_refused_list_is_said_in_the_view() {
    let mut s = State::new("test", false, NOW, (140, 40));
    s.absorb(Data::SourceError { resource: "helm secrets", message: "403 Forbidden".into() });
    assert!(s.notice.is_none(), "not on the status line, where it would hide everything else");
    assert_eq!(s.helm.errors.get("helm secrets").map(String::as_str), Some("403 Forbidden"));
    // The next list that succeeds clears it.
    s.absorb(Data::Helm(HelmData::Revisions(Storage::Secret, Delta { reset: true, upserts: vec![], deletes: vec![] })));
    assert!(s.helm.errors.is_empty());
}
