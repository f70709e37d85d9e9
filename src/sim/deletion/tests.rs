use super::*;
use crate::sim::resources::{CONFIGMAPS, NAMESPACES, PODS, REPLICASETS};

fn world() -> World {
    let w = World::for_tests();
    w.store.create(NAMESPACES, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})).unwrap();
    w
}

fn pod(name: &str, node: Option<&str>, owner: Option<&str>) -> Value {
    let mut p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a"},
        "spec": {"terminationGracePeriodSeconds": 30, "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": "Running"}});
    if let Some(n) = node {
        p["spec"]["nodeName"] = json!(n);
    }
    if let Some(uid) = owner {
        p["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": uid, "controller": true}]);
    }
    p
}

fn key(res: ResourceId, name: &str) -> Key {
    (res, "a".into(), name.into())
}

fn opts(grace: Option<i64>, propagation: Option<Propagation>) -> DeleteOptions {
    DeleteOptions { grace_period: grace, propagation, ..Default::default() }
}

#[test]
fn options_come_from_body_and_query() {
    let body = json!({"gracePeriodSeconds": 5, "propagationPolicy": "Foreground", "preconditions": {"uid": "u"}});
    let o = DeleteOptions::parse(&body, &Query::parse("")).unwrap();
    assert_eq!(
        (o.grace_period, o.propagation, o.precondition_uid.as_deref()),
        (Some(5), Some(Propagation::Foreground), Some("u"))
    );
    let q = DeleteOptions::parse(&json!({}), &Query::parse("gracePeriodSeconds=0&propagationPolicy=Orphan")).unwrap();
    assert_eq!((q.grace_period, q.propagation), (Some(0), Some(Propagation::Orphan)));
    assert_eq!(DeleteOptions::parse(&json!({"propagationPolicy": "Later"}), &Query::parse("")).unwrap_err().code, 422);
}

#[test]
fn pod_grace_follows_the_pod_strategy() {
    assert_eq!(pod_grace(&pod("p", Some("n"), None), None), 30);
    assert_eq!(pod_grace(&pod("p", Some("n"), None), Some(5)), 5);
    assert_eq!(pod_grace(&pod("p", Some("n"), None), Some(-3)), 1);
    assert_eq!(pod_grace(&pod("p", None, None), Some(30)), 0, "never scheduled");
    let mut done = pod("p", Some("n"), None);
    done["status"]["phase"] = json!("Succeeded");
    assert_eq!(pod_grace(&done, None), 0, "finished");
}

#[test]
fn a_running_pod_terminates_gracefully_and_only_a_shorter_grace_wins() {
    let w = world();
    w.store.create(PODS, pod("p", Some("n1"), None)).unwrap();
    let Outcome::Pending(first) = delete(&w, &key(PODS, "p"), &opts(None, None)).unwrap() else { panic!("graceful") };
    let v = first.value();
    assert_eq!(v["metadata"]["deletionGracePeriodSeconds"], 30);
    let at = clock::parse_rfc3339(v["metadata"]["deletionTimestamp"].as_str().unwrap()).unwrap();
    assert!((at - clock::now_f64() - 30.0).abs() < 2.0, "deletionTimestamp is when the grace ends");
    let Outcome::Pending(same) = delete(&w, &key(PODS, "p"), &opts(Some(60), None)).unwrap() else { panic!() };
    assert_eq!(same.rv, first.rv, "a longer grace changes nothing");
    let Outcome::Pending(shorter) = delete(&w, &key(PODS, "p"), &opts(Some(10), None)).unwrap() else { panic!() };
    assert_eq!(shorter.value()["metadata"]["deletionGracePeriodSeconds"], 10);
    assert!(matches!(delete(&w, &key(PODS, "p"), &opts(Some(0), None)).unwrap(), Outcome::Removed(_)));
    assert!(w.store.get(&key(PODS, "p")).is_none());
}

#[test]
fn force_and_unscheduled_deletes_are_immediate_and_dry_run_changes_nothing() {
    let w = world();
    w.store.create(PODS, pod("p", Some("n1"), None)).unwrap();
    w.store.create(PODS, pod("q", None, None)).unwrap();
    let dry = DeleteOptions { dry_run: true, ..Default::default() };
    assert!(matches!(delete(&w, &key(PODS, "p"), &dry).unwrap(), Outcome::Pending(_)));
    assert!(!w.store.get(&key(PODS, "p")).unwrap().terminating);
    assert!(matches!(delete(&w, &key(PODS, "p"), &opts(Some(0), None)).unwrap(), Outcome::Removed(_)));
    assert!(matches!(delete(&w, &key(PODS, "q"), &opts(None, None)).unwrap(), Outcome::Removed(_)));
    assert_eq!(delete(&w, &key(PODS, "q"), &opts(None, None)).unwrap_err().code, 404);
}

#[test]
fn finalizers_hold_an_object_until_a_write_empties_them() {
    let w = world();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "a", "finalizers": ["example.com/hold"]}});
    w.store.create(CONFIGMAPS, cm).unwrap();
    let Outcome::Pending(held) = delete(&w, &key(CONFIGMAPS, "c"), &opts(None, None)).unwrap() else { panic!() };
    let v = held.value();
    assert!(v["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(v["metadata"]["deletionGracePeriodSeconds"], 0);
    let mut cleared = v.clone();
    cleared["metadata"].as_object_mut().unwrap().remove("finalizers");
    let stored = w.store.replace(CONFIGMAPS, cleared, held.rv).unwrap();
    assert!(matches!(after_write(&w, &key(CONFIGMAPS, "c"), stored), Outcome::Removed(_)));
    assert!(w.store.get(&key(CONFIGMAPS, "c")).is_none());
}

#[test]
fn kubelet_done_leaves_a_finalized_pod_at_grace_zero() {
    let w = world();
    let mut p = pod("p", Some("n1"), None);
    p["metadata"]["finalizers"] = json!(["example.com/hold"]);
    w.store.create(PODS, p).unwrap();
    let Outcome::Pending(t) = delete(&w, &key(PODS, "p"), &opts(None, None)).unwrap() else { panic!() };
    kubelet_done(&w, &key(PODS, "p"), t.rv).unwrap();
    let after = w.store.get(&key(PODS, "p")).unwrap();
    assert_eq!(after.value()["metadata"]["deletionGracePeriodSeconds"], 0);
}

fn replicaset(w: &World) -> Arc<Stored> {
    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "namespace": "a"}, "spec": {}});
    let rs = w.store.create(REPLICASETS, rs).unwrap();
    w.store.create(PODS, pod("p1", Some("n1"), Some(&rs.uid))).unwrap();
    w.store.create(PODS, pod("p2", None, Some(&rs.uid))).unwrap();
    rs
}

#[test]
fn background_deletes_dependents_gracefully_and_orphan_keeps_them() {
    let w = world();
    replicaset(&w);
    assert!(matches!(
        delete(&w, &key(REPLICASETS, "rs"), &opts(None, Some(Propagation::Background))).unwrap(),
        Outcome::Removed(_)
    ));
    assert!(w.store.get(&key(PODS, "p1")).unwrap().terminating, "a bound pod terminates");
    assert!(w.store.get(&key(PODS, "p2")).is_none(), "an unbound one goes at once");

    let w = world();
    replicaset(&w);
    assert!(matches!(
        delete(&w, &key(REPLICASETS, "rs"), &opts(None, Some(Propagation::Orphan))).unwrap(),
        Outcome::Removed(_)
    ));
    let kept = w.store.get(&key(PODS, "p1")).unwrap();
    assert!(!kept.terminating);
    assert!(kept.value()["metadata"].get("ownerReferences").is_none());
}

#[test]
fn foreground_keeps_the_owner_until_its_dependents_are_gone() {
    let w = world();
    replicaset(&w);
    let Outcome::Pending(owner) =
        delete(&w, &key(REPLICASETS, "rs"), &opts(None, Some(Propagation::Foreground))).unwrap()
    else {
        panic!("the owner waits")
    };
    assert_eq!(owner.value()["metadata"]["finalizers"], json!([FOREGROUND]));
    let p1 = w.store.get(&key(PODS, "p1")).unwrap();
    assert!(p1.terminating);
    kubelet_done(&w, &key(PODS, "p1"), p1.rv).unwrap();
    assert!(w.store.get(&key(REPLICASETS, "rs")).is_none(), "released with its last dependent");
}

#[test]
fn writes_to_an_object_being_deleted_keep_its_stamp_and_add_no_finalizers() {
    let old = json!({"metadata": {"name": "c", "deletionTimestamp": "2026-01-01T00:00:00Z", "deletionGracePeriodSeconds": 0,
        "finalizers": ["a", "b"]}});
    let mut fewer = json!({"metadata": {"name": "c", "finalizers": ["a"]}});
    keep_deletion_stamp(&old, &mut fewer).unwrap();
    assert_eq!(fewer["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
    assert_eq!(fewer["metadata"]["deletionGracePeriodSeconds"], 0);
    let mut more = json!({"metadata": {"name": "c", "finalizers": ["a", "z"]}});
    let e = keep_deletion_stamp(&old, &mut more).unwrap_err();
    assert_eq!(
        e,
        "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"z\"}"
    );
}
