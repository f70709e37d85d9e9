//! The DaemonSet reconciler: one pod per eligible node (nodeSelector, taints against tolerations, with the
//! tolerations the controller adds), ControllerRevisions per template, rolling replacement and status; pure.

use std::sync::Arc;

use serde_json::{Value, json};

use super::kubelet::EventSpec;
use super::object::{self, Stored};
use super::resources;
use super::rng::{self, Rng};
use super::store::Key;
use super::workloads::{Action, pod_from_template, template_hash};

const COMPONENT: &str = "daemonset-controller";

/// The tolerations the DaemonSet controller adds to every pod it creates (util.AddOrUpdateDaemonPodTolerations).
pub fn automatic_tolerations() -> Vec<Value> {
    let mut out = vec![
        json!({"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}),
        json!({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}),
    ];
    for key in ["disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"] {
        out.push(json!({"key": format!("node.kubernetes.io/{key}"), "operator": "Exists", "effect": "NoSchedule"}));
    }
    out
}

fn tolerates(tolerations: &[Value], taint: &Value) -> bool {
    tolerations.iter().any(|t| {
        let key_ok = match t["key"].as_str().unwrap_or_default() {
            "" => t["operator"] == "Exists",
            k => k == taint["key"].as_str().unwrap_or_default(),
        };
        let value_ok = t["operator"] == "Exists"
            || t["value"].as_str().unwrap_or_default() == taint["value"].as_str().unwrap_or_default();
        let effect_ok =
            t["effect"].as_str().is_none_or(|e| e.is_empty() || e == taint["effect"].as_str().unwrap_or_default());
        key_ok && value_ok && effect_ok
    })
}

/// Whether a daemon pod with this spec (tolerations already including the automatic ones) belongs on `node`.
pub fn eligible(pod_spec: &Value, node: &Value) -> bool {
    let labels = &node["metadata"]["labels"];
    let selected =
        pod_spec["nodeSelector"].as_object().is_none_or(|sel| sel.iter().all(|(k, v)| labels[k.as_str()] == *v));
    let tolerations = pod_spec["tolerations"].as_array().map_or(&[][..], Vec::as_slice);
    let taints = node["spec"]["taints"].as_array().map_or(&[][..], Vec::as_slice);
    selected
        && taints
            .iter()
            .filter(|t| matches!(t["effect"].as_str(), Some("NoSchedule" | "NoExecute")))
            .all(|t| tolerates(tolerations, t))
}

/// The template's pod spec with the automatic tolerations appended (those it does not already have).
fn daemon_pod_spec(ds: &Value) -> Value {
    let mut spec = ds["spec"]["template"]["spec"].clone();
    let mut tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
    for t in automatic_tolerations() {
        if !tolerations.contains(&t) {
            tolerations.push(t);
        }
    }
    spec["tolerations"] = json!(tolerations);
    spec
}

/// The ControllerRevision holding a DaemonSet's or StatefulSet's template, as their controllers write it: `data`
/// is the template as a patch (what `kubectl rollout undo` applies), labelled with the template's hash, annotated
/// with the owner's annotations (its change-cause, which `kubectl rollout history` prints).
pub fn controller_revision(owner: &Value, kind: &str, hash: &str, revision: i64) -> Value {
    let mut labels = owner["spec"]["template"]["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    let hash_label = if kind == "DaemonSet" { "controller-revision-hash" } else { "controller.kubernetes.io/hash" };
    labels[hash_label] = json!(hash);
    let mut annotations = owner["metadata"]["annotations"].clone();
    if let Some(map) = annotations.as_object_mut() {
        map.remove("kubectl.kubernetes.io/last-applied-configuration");
    } else {
        annotations = json!({});
    }
    if kind == "DaemonSet" {
        let generation = owner["metadata"]["generation"].as_i64().unwrap_or(1).to_string();
        annotations["deprecated.daemonset.template.generation"] = json!(generation);
    }
    let mut template = owner["spec"]["template"].clone();
    template["$patch"] = json!("replace");
    json!({
        "apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": format!("{}-{hash}", object::name(owner)), "namespace": object::namespace(owner), "labels": labels,
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": kind, "name": object::name(owner), "uid": owner["metadata"]["uid"],
                "controller": true, "blockOwnerDeletion": true}]},
        "data": {"spec": {"template": template}},
        "revision": revision,
    })
}

/// The ControllerRevision of the owner's current template, as its controller keeps it: created, numbered past the
/// others, when none holds the template; renumbered past the others when an older one does (a rollback).
pub fn revision_action(owner: &Value, kind: &str, owned: &[(Key, Arc<Stored>)]) -> Option<Action> {
    let hash = template_hash(&owner["spec"]["template"]);
    let revisions: Vec<(Value, u64)> =
        owned.iter().filter(|(k, _)| k.0 == resources::CONTROLLER_REVISIONS).map(|(_, o)| (o.value(), o.rv)).collect();
    let name = format!("{}-{hash}", object::name(owner));
    let number = |r: &Value| r["revision"].as_i64().unwrap_or(0);
    let newest = revisions.iter().map(|(r, _)| number(r)).max().unwrap_or(0);
    match revisions.iter().find(|(r, _)| object::name(r) == name) {
        Some((r, _)) if number(r) == newest => None,
        Some((r, rv)) => {
            let mut renumbered = r.clone();
            renumbered["revision"] = json!(newest + 1);
            Some(Action::Update(resources::CONTROLLER_REVISIONS, renumbered, *rv))
        }
        None => {
            Some(Action::Create(resources::CONTROLLER_REVISIONS, controller_revision(owner, kind, &hash, newest + 1)))
        }
    }
}

/// Converges a DaemonSet: `owned` holds its pods and ControllerRevisions, `nodes` every node.
pub fn reconcile(ds: &Value, rv: u64, owned: &[(Key, Arc<Stored>)], nodes: &[Value], rng: &mut Rng) -> Vec<Action> {
    let mut actions = Vec::new();
    let name = object::name(ds);
    let hash = template_hash(&ds["spec"]["template"]);
    actions.extend(revision_action(ds, "DaemonSet", owned));
    let spec = daemon_pod_spec(ds);
    let pods: Vec<(Key, Value, &Arc<Stored>)> =
        owned.iter().filter(|(k, _)| k.0 == resources::PODS).map(|(k, o)| (k.clone(), o.value(), o)).collect();
    let generation = ds["metadata"]["generation"].as_i64().unwrap_or(1);
    let (mut desired, mut current, mut misscheduled, mut ready, mut updated) = (0, 0, 0, 0, 0);
    let mut stale = Vec::new();
    let mut unavailable = 0;
    for node in nodes {
        let node_name = object::name(node);
        let wanted = eligible(&spec, node);
        let here: Vec<_> = pods.iter().filter(|(_, p, _)| p["spec"]["nodeName"] == node_name).collect();
        let live: Vec<_> = here.iter().filter(|(_, _, s)| !s.terminating && !finished(s)).collect();
        if wanted {
            desired += 1;
            if here.is_empty() {
                let pod_name = format!(
                    "{name}-{}",
                    Rng::new(rng::hash(&format!("{name}/{node_name}")) ^ rng.next_u64()).suffix(5)
                );
                let extra =
                    [("controller-revision-hash", hash.clone()), ("pod-template-generation", generation.to_string())];
                let mut pod = pod_from_template(ds, resources::DAEMONSETS, &pod_name, &ds["spec"]["template"], &extra);
                pod["spec"] = spec.clone();
                pod["spec"]["nodeName"] = json!(node_name);
                pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json!({"nodeSelectorTerms":
                    [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}]});
                super::defaults::apply(resources::PODS, &mut pod);
                actions.push(event(ds, "SuccessfulCreate", format!("Created pod: {pod_name}")));
                actions.push(Action::Create(resources::PODS, pod));
            }
            if live.is_empty() {
                // No pod yet, or the old one still terminating: this node is down a daemon.
                unavailable += 1;
            } else {
                current += 1;
            }
            for (key, _, stored) in &live {
                let up_to_date = stored.labels.get("controller-revision-hash") == Some(&hash);
                if stored.ready {
                    ready += 1;
                } else if up_to_date {
                    unavailable += 1;
                }
                if up_to_date {
                    updated += 1;
                } else {
                    stale.push((key.clone(), stored.ready));
                }
            }
        } else {
            misscheduled += live.len();
            for (key, _, _) in &live {
                actions.push(event(ds, "SuccessfulDelete", format!("Deleted pod: {}", key.2)));
                actions.push(Action::Terminate(key.clone()));
            }
        }
    }
    // RollingUpdate, as the controller does it: old pods that are not available go at once; available ones one at a
    // time (maxUnavailable 1), and only while no node is down a daemon.
    if ds["spec"]["updateStrategy"]["type"] != "OnDelete" {
        let (broken, healthy): (Vec<_>, Vec<_>) = stale.iter().partition(|(_, ready)| !ready);
        let budget = if unavailable == 0 && broken.is_empty() { 1 } else { 0 };
        for (key, _) in broken.into_iter().chain(healthy.into_iter().take(budget)) {
            actions.push(event(ds, "SuccessfulDelete", format!("Deleted pod: {}", key.2)));
            actions.push(Action::Terminate(key.clone()));
        }
    }
    let mut status = json!({
        "currentNumberScheduled": current, "numberMisscheduled": misscheduled, "desiredNumberScheduled": desired,
        "numberReady": ready, "observedGeneration": generation,
    });
    for (field, value) in
        [("updatedNumberScheduled", updated), ("numberAvailable", ready), ("numberUnavailable", desired - ready)]
    {
        if value > 0 {
            status[field] = json!(value);
        }
    }
    if ds["status"] != status {
        let mut next = ds.clone();
        next["status"] = status;
        actions.push(Action::Update(resources::DAEMONSETS, next, rv));
    }
    actions
}

fn finished(pod: &Stored) -> bool {
    matches!(pod.field(resources::PODS, "status.phase"), Some("Succeeded" | "Failed"))
}

fn event(ds: &Value, reason: &'static str, message: String) -> Action {
    Action::Event(ds.clone(), EventSpec { warning: false, reason, message, component: COMPONENT })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, labels: Value, taints: Value) -> Value {
        json!({"metadata": {"name": name, "labels": labels}, "spec": {"taints": taints}})
    }

    fn ds(selector: Value, tolerations: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system", "uid": "u1", "generation": 1},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}},
                    "spec": {"nodeSelector": selector, "tolerations": tolerations, "containers": [{"name": "a", "image": "a:1"}]}}}})
    }

    fn created_on(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Create(res, pod) if *res == resources::PODS => {
                    pod["spec"]["nodeName"].as_str().map(str::to_string)
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn one_pod_per_eligible_node_with_a_revision() {
        let nodes = [
            node(
                "gpu-1",
                json!({"gpu": "true"}),
                json!([{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]),
            ),
            node(
                "gpu-2",
                json!({"gpu": "true"}),
                json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]),
            ),
            node("cpu-1", json!({}), json!([])),
        ];
        let mut rng = Rng::new(1);
        let gpu_only = ds(json!({"gpu": "true"}), json!([{"key": "nvidia.com/gpu", "operator": "Exists"}]));
        let actions = reconcile(&gpu_only, 1, &[], &nodes, &mut rng);
        assert_eq!(created_on(&actions), ["gpu-1", "gpu-2"], "unreachable is tolerated automatically");
        assert!(actions.iter().any(|a| matches!(a, Action::Create(r, _) if *r == resources::CONTROLLER_REVISIONS)));
        let status = actions.iter().find_map(|a| match a {
            Action::Update(_, v, _) => Some(v["status"].clone()),
            _ => None,
        });
        let status = status.unwrap();
        assert_eq!(status["desiredNumberScheduled"], 2);
        assert!(status.get("numberAvailable").is_none(), "omitempty");
        let untolerated = ds(json!({}), json!([]));
        assert_eq!(created_on(&reconcile(&untolerated, 1, &[], &nodes, &mut rng)), ["gpu-2", "cpu-1"]);
        let pod = actions.iter().find_map(|a| match a {
            Action::Create(r, p) if *r == resources::PODS => Some(p.clone()),
            _ => None,
        });
        let tolerations = pod.unwrap()["spec"]["tolerations"].as_array().unwrap().len();
        assert_eq!(tolerations, 1 + automatic_tolerations().len());
    }
}
