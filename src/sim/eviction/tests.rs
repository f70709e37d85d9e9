use super::*;
use crate::sim::resources::{NAMESPACES, PDBS, PODS};

fn world() -> World {
    let w = World::for_tests();
    w.store.create(NAMESPACES, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})).unwrap();
    w
}

fn add_pod(w: &World, name: &str, phase: &str, ready: bool) {
    let p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a", "labels": {"app": "web"}},
        "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 30, "containers": [{"name": "c", "image": "x"}]},
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}});
    w.store.create(PODS, p).unwrap();
}

fn add_pdb(w: &World, name: &str, allowed: i64, healthy: i64, desired: i64) {
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": "a", "generation": 1},
        "spec": {"minAvailable": desired, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"observedGeneration": 1, "disruptionsAllowed": allowed, "currentHealthy": healthy,
            "desiredHealthy": desired, "expectedPods": healthy}});
    w.store.create(PDBS, pdb).unwrap();
}

fn pod_key(name: &str) -> Key {
    (PODS, "a".into(), name.into())
}

fn evict(w: &World, name: &str) -> Result<(), ApiError> {
    run(w, &pod_key(name), &DeleteOptions::default())
}

#[test]
fn a_budget_with_room_is_decremented_at_once_and_the_next_eviction_is_refused() {
    let w = world();
    add_pod(&w, "p1", "Running", true);
    add_pod(&w, "p2", "Running", true);
    add_pdb(&w, "web", 1, 2, 1);
    evict(&w, "p1").unwrap();
    assert!(w.store.get(&pod_key("p1")).unwrap().terminating, "deleted gracefully");
    let pdb = w.store.get(&(PDBS, "a".into(), "web".into())).unwrap().value();
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    assert!(pdb["status"]["disruptedPods"]["p1"].is_string());
    assert_eq!(pdb["status"]["conditions"][0]["reason"], "InsufficientPods");
    let refused = evict(&w, "p2").unwrap_err();
    assert_eq!((refused.code, refused.reason), (429, "TooManyRequests"));
    assert_eq!(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    let status = refused.status();
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "DisruptionBudget", "message": "The disruption budget web needs 1 healthy pods and has 2 currently"}])
    );
    assert!(!w.store.get(&pod_key("p2")).unwrap().terminating);
}

#[test]
fn pending_finished_and_terminating_pods_ignore_the_budget() {
    let w = world();
    add_pod(&w, "pending", "Pending", false);
    add_pod(&w, "done", "Succeeded", false);
    add_pdb(&w, "web", 0, 0, 1);
    evict(&w, "pending").unwrap();
    evict(&w, "done").unwrap();
    assert!(w.store.get(&pod_key("done")).is_none(), "a finished pod goes at once");
    assert!(evict(&w, "nosuch").is_err_and(|e| e.code == 404));
}

#[test]
fn an_unready_pod_may_go_while_the_budget_is_met() {
    let w = world();
    add_pod(&w, "sick", "Running", false);
    add_pdb(&w, "web", 0, 2, 2);
    evict(&w, "sick").unwrap();
    let pdb = w.store.get(&(PDBS, "a".into(), "web".into())).unwrap().value();
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0, "not decremented");
}

#[test]
fn two_budgets_are_a_500_and_a_stale_budget_asks_to_retry() {
    let w = world();
    add_pod(&w, "p", "Running", true);
    add_pdb(&w, "one", 1, 1, 0);
    add_pdb(&w, "two", 1, 1, 0);
    let e = evict(&w, "p").unwrap_err();
    assert_eq!(e.code, 500);
    assert_eq!(
        e.message,
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    );
    assert!(e.status().get("reason").is_none());

    let w = world();
    add_pod(&w, "p", "Running", true);
    add_pdb(&w, "web", 1, 1, 0);
    let key = (PDBS, "a".to_string(), "web".to_string());
    let stored = w.store.get(&key).unwrap();
    let mut pdb = stored.value();
    pdb["metadata"]["generation"] = json!(2);
    w.store.replace(PDBS, pdb, stored.rv).unwrap();
    let e = evict(&w, "p").unwrap_err();
    assert_eq!(e.code, 429);
    assert_eq!(e.status()["details"]["retryAfterSeconds"], 10);
}

#[test]
fn an_empty_selector_guards_nothing_and_dry_run_keeps_the_pod() {
    let w = world();
    add_pod(&w, "p", "Running", true);
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "all", "namespace": "a"},
        "spec": {"selector": {}}, "status": {"disruptionsAllowed": 0}});
    w.store.create(PDBS, pdb).unwrap();
    let dry = DeleteOptions { dry_run: true, ..Default::default() };
    run(&w, &pod_key("p"), &dry).unwrap();
    assert!(!w.store.get(&pod_key("p")).unwrap().terminating);
    evict(&w, "p").unwrap();
    assert!(w.store.get(&pod_key("p")).unwrap().terminating);
}
