use serde_json::{Value, json};

use super::*;

fn template(image: &str) -> Value {
    json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}})
}

fn replicaset(name: &str, revision: i64, image: &str, created: &str, cause: &str) -> Value {
    let mut t = template(image);
    t["metadata"]["labels"]["pod-template-hash"] = json!(name.rsplit('-').next());
    json!({"metadata": {"name": name, "creationTimestamp": created,
        "annotations": {REVISION: revision.to_string(), CHANGE_CAUSE: cause, "deployment.kubernetes.io/desired-replicas": "3"},
        "ownerReferences": [{"uid": "d-1", "controller": true}]},
        "spec": {"template": t}})
}

fn managed(manager: &str, time: &str, image_only: bool) -> Value {
    let container = if image_only { json!({"f:image": {}}) } else { json!({".": {}, "f:name": {}}) };
    json!({"manager": manager, "operation": "Update", "time": time,
        "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": container}}}}}})
}

fn deployment(image: &str, managed_fields: Value) -> Value {
    json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "ml", "uid": "d-1", "resourceVersion": "42",
        "annotations": {REVISION: "3", "kubectl.kubernetes.io/last-applied-configuration": "{}", CHANGE_CAUSE: "now"},
        "managedFields": managed_fields},
        "spec": {"template": template(image)}})
}

fn demo() -> (Value, Vec<Value>) {
    let sets = vec![
        replicaset("web-aaa", 1, "web:1", "2026-11-01T00:00:00Z", "first"),
        replicaset("web-ccc", 3, "web:3", "2026-11-20T00:00:05Z", "third"),
        replicaset("web-bbb", 2, "web:2", "2026-11-10T00:00:00Z", "second"),
        // Not this Deployment's: same selector, another owner.
        json!({"metadata": {"name": "other-x", "annotations": {REVISION: "9"}, "ownerReferences": [{"uid": "d-2", "controller": true}]},
            "spec": {"template": template("other:1")}}),
    ];
    let fields = json!([
        managed("kubectl-client-side-apply", "2026-11-01T00:00:00Z", false),
        managed("ci-deploy", "2026-11-20T00:00:00Z", true)
    ]);
    (deployment("web:3", fields), sets)
}

#[test]
fn a_deployments_revisions_come_from_the_replicasets_it_controls_newest_first() {
    let (d, sets) = demo();
    let h = History::of_deployment(&d, &sets);
    let numbers: Vec<i64> = h.revisions.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [3, 2, 1], "the other owner's set is not listed");
    assert_eq!(h.current, Some(3), "the hash label is not part of the template compared");
    assert_eq!(h.revisions[1].images, ["web:2"]);
    assert_eq!(h.revisions[1].change_cause, "second");
    assert_eq!(h.revisions[1].pods, PodsOf::ReplicaSet("web-bbb".into()));
    assert_eq!(h.resource_version, "42");
}

#[test]
fn writers_are_known_for_the_current_revision_and_guessed_with_a_mark_for_older_ones() {
    let (d, sets) = demo();
    let h = History::of_deployment(&d, &sets);
    assert_eq!(h.revisions[0].written_by, ["ci-deploy"], "the current image's owner, written when revision 3 was made");
    assert_eq!(h.revisions[1].written_by, ["ci-deploy?"], "it owns the image revision 2 changed and wrote later");
    assert_eq!(
        h.revisions[2].written_by,
        ["kubectl-client-side-apply"],
        "its write is when revision 1 was made: exact, and ci-deploy wrote nothing then"
    );
}

#[test]
fn undo_goes_to_the_revision_before_the_newest_and_refuses_what_kubectl_refuses() {
    let (d, sets) = demo();
    let h = History::of_deployment(&d, &sets);
    assert_eq!(h.undo_target(None).map(|r| r.number), Ok(2));
    assert_eq!(h.undo_target(Some(1)).map(|r| r.number), Ok(1));
    assert!(h.undo_target(Some(7)).unwrap_err().contains("unable to find revision 7"));
    assert!(h.undo_target(Some(3)).unwrap_err().contains("already runs revision 3"));
    let mut paused = h.clone();
    paused.paused = true;
    assert!(paused.undo_target(None).unwrap_err().contains(":resume it first"));
    let alone = History { revisions: h.revisions[..1].to_vec(), ..h.clone() };
    assert!(alone.undo_target(None).unwrap_err().contains("no earlier revision"));
}

#[test]
fn a_deployments_undo_is_kubectls_json_patch_of_template_and_annotations() {
    let (d, sets) = demo();
    let h = History::of_deployment(&d, &sets);
    let target = h.undo_target(None).unwrap();
    let holder = sets.iter().find(|s| s["metadata"]["name"] == "web-bbb").unwrap();
    let patch = undo_patch(Rollout::Deployment, &d, holder, target);
    assert_eq!(patch.content_type(), "application/json-patch+json");
    let ops = patch.body().as_array().unwrap();
    assert_eq!(ops[0]["path"], "/spec/template");
    assert_eq!(ops[0]["value"]["spec"]["containers"][0]["image"], "web:2");
    assert!(ops[0]["value"]["metadata"]["labels"].get("pod-template-hash").is_none());
    let annotations = &ops[1]["value"];
    assert_eq!(annotations[CHANGE_CAUSE], "second", "the ReplicaSet's change-cause comes back");
    assert_eq!(annotations[REVISION], "3", "the Deployment's own revision bookkeeping stays");
    assert_eq!(annotations["kubectl.kubernetes.io/last-applied-configuration"], "{}");
    assert!(annotations.get("deployment.kubernetes.io/desired-replicas").is_none(), "the set's own are not copied");
}

#[test]
fn a_statefulsets_history_is_its_controller_revisions_and_undo_sends_their_data() {
    let sts = json!({"kind": "StatefulSet", "metadata": {"name": "db", "namespace": "ml", "uid": "s-1"},
        "spec": {"template": template("db:2")}});
    let revision = |n: i64, image: &str| {
        let mut t = template(image);
        t["$patch"] = json!("replace");
        json!({"metadata": {"name": format!("db-h{n}"), "ownerReferences": [{"uid": "s-1", "controller": true}]},
            "revision": n, "data": {"spec": {"template": t}}})
    };
    let revisions = [revision(1, "db:1"), revision(2, "db:2")];
    let h = History::of_controller_revisions(&sts, Rollout::StatefulSet, &revisions);
    assert_eq!(h.current, Some(2), "$patch is not part of the template");
    assert_eq!(h.revisions[1].pods, PodsOf::RevisionHash("db-h1".into()), "a StatefulSet's pods carry the name");
    let target = h.undo_target(None).unwrap();
    let patch = undo_patch(Rollout::StatefulSet, &sts, &revisions[0], target);
    assert_eq!(patch.content_type(), "application/strategic-merge-patch+json");
    assert_eq!(patch.body()["spec"]["template"]["$patch"], "replace");
}
