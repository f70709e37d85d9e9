//! The disruption controller's PodDisruptionBudget status (expected, healthy and desired pods, disruptions
//! allowed, the DisruptionAllowed condition) and the service-account controller's `default` ServiceAccount.

use serde_json::{Value, json};

use super::endpoints::PodView;
use super::object;
use super::resources;
use super::store;
use super::world::World;
use crate::selector::LabelSelector;

/// Whether a policy/v1 selector picks the pod: an empty selector picks every pod, a missing one none.
pub fn selects(selector: &Value, pod: &Value) -> bool {
    if !selector.is_object() {
        return false;
    }
    let Some(text) = super::table::selector_text(selector) else { return false };
    let Ok(parsed) = LabelSelector::parse(&text) else { return false };
    parsed.matches(&object::string_map(&pod["metadata"]["labels"]))
}

/// An int-or-percent against `total`: percentages round up, as GetScaledValueFromIntOrPercent(roundUp) does.
fn scaled(v: &Value, total: i64) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let pct: i64 = s.strip_suffix('%')?.parse().ok()?;
            Some((pct * total + 99) / 100)
        }
        _ => None,
    }
}

/// The status the disruption controller computes for a budget over the namespace's pods.
pub fn status(pdb: &Value, pods: &[PodView], now: &str) -> Value {
    let selector = &pdb["spec"]["selector"];
    let matched: Vec<&PodView> = pods
        .iter()
        .filter(|p| !p.terminating && !matches!(p.pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
        .filter(|p| selects(selector, &p.pod))
        .collect();
    // Pods the eviction subresource let go count as disrupted until they are gone or terminating, for at most
    // the controller's DeletionTimeout (2 minutes).
    let now_s = super::clock::parse_rfc3339(now).unwrap_or(0.0);
    let disrupted: serde_json::Map<String, Value> = pdb["status"]["disruptedPods"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(name, at)| {
                    let fresh = at.as_str().and_then(super::clock::parse_rfc3339).is_some_and(|t| t + 120.0 > now_s);
                    fresh && matched.iter().any(|p| object::name(&p.pod) == name.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let expected = matched.len() as i64;
    let healthy = matched.iter().filter(|p| p.ready && !disrupted.contains_key(object::name(&p.pod))).count() as i64;
    let desired =
        match (scaled(&pdb["spec"]["minAvailable"], expected), scaled(&pdb["spec"]["maxUnavailable"], expected)) {
            (Some(min), _) => min,
            (None, Some(max)) => (expected - max).max(0),
            (None, None) => expected,
        };
    let allowed = (healthy - desired).max(0);
    let (state, reason) = if allowed > 0 { ("True", "SufficientPods") } else { ("False", "InsufficientPods") };
    let since = pdb["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "DisruptionAllowed" && c["status"] == state))
        .and_then(|c| c["lastTransitionTime"].as_str())
        .unwrap_or(now)
        .to_string();
    let mut out = json!({
        "observedGeneration": pdb["metadata"]["generation"].as_i64().unwrap_or(1),
        "disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
        "conditions": [{"type": "DisruptionAllowed", "status": state, "reason": reason, "message": "",
            "lastTransitionTime": since, "observedGeneration": pdb["metadata"]["generation"].as_i64().unwrap_or(1)}],
    });
    if !disrupted.is_empty() {
        out["disruptedPods"] = Value::Object(disrupted);
    }
    out
}

/// Writes the status of every budget in `ns` that changed.
pub fn sync_namespace(world: &World, ns: &str, pods: &[PodView]) {
    let (_, objects) = world.store.snapshot();
    let now = super::clock::rfc3339(super::clock::now());
    for (_, stored) in objects.range(store::range(resources::PDBS, Some(ns))) {
        let pdb = stored.value();
        let next_status = status(&pdb, pods, &now);
        if pdb["status"] != next_status {
            let mut next = pdb;
            next["status"] = next_status;
            // Lost to another writer: the next pass sees the newer budget.
            let _ = world.store.replace(resources::PDBS, next, stored.rv);
        }
    }
}

/// The `default` ServiceAccount every namespace gets.
pub fn default_service_account(ns: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns}})
}

/// Creates the namespace's `default` ServiceAccount unless it exists (or the namespace is going away).
pub fn ensure_default_service_account(world: &World, ns: &str) {
    let key = (resources::SERVICE_ACCOUNTS, ns.to_string(), "default".to_string());
    let namespace = world.store.get(&(resources::NAMESPACES, String::new(), ns.to_string()));
    if namespace.is_some_and(|n| !n.terminating) && world.store.get(&key).is_none() {
        let _ = world.store.create(resources::SERVICE_ACCOUNTS, default_service_account(ns));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ready: bool) -> PodView {
        PodView {
            pod: json!({"metadata": {"name": name, "labels": {"app": "web"}}, "status": {"phase": "Running"}}),
            ready,
            terminating: false,
        }
    }

    #[test]
    fn budgets_count_healthy_pods_against_the_minimum() {
        let pods = [pod("a", true), pod("b", true), pod("c", false), pod("d", true)];
        let pdb = json!({"metadata": {"generation": 1}, "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}});
        let s = status(&pdb, &pods, "2026-01-01T00:00:00Z");
        assert_eq!(
            (s["expectedPods"].as_i64(), s["currentHealthy"].as_i64(), s["desiredHealthy"].as_i64()),
            (Some(4), Some(3), Some(2))
        );
        assert_eq!(s["disruptionsAllowed"], 1);
        assert_eq!(s["conditions"][0]["reason"], "SufficientPods");
        let strict = json!({"spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "web"}}}});
        assert_eq!(status(&strict, &pods, "t")["disruptionsAllowed"], 0);
        // A pod the eviction subresource let go is not healthy until the controller's timeout passes.
        let mut evicted = pdb.clone();
        evicted["status"]["disruptedPods"] = json!({"a": "2026-01-01T00:00:00Z", "gone": "2026-01-01T00:00:00Z"});
        let s = status(&evicted, &pods, "2026-01-01T00:01:00Z");
        assert_eq!((s["currentHealthy"].as_i64(), s["disruptionsAllowed"].as_i64()), (Some(2), Some(0)));
        assert_eq!(s["disruptedPods"], json!({"a": "2026-01-01T00:00:00Z"}), "entries for missing pods are dropped");
        let later = status(&evicted, &pods, "2026-01-01T00:03:00Z");
        assert!(later.get("disruptedPods").is_none(), "and all of them after two minutes");
        assert_eq!(later["currentHealthy"], 3);
        let none = json!({"spec": {"minAvailable": 1}});
        assert_eq!(status(&none, &pods, "t")["expectedPods"], 0, "no selector selects nothing");
    }
}
