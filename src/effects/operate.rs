//! Cordon, uncordon, delete, evict, label and taint, one object after another, each answered in words as kubectl
//! would ("cordoned", "terminating (grace 30s)", "waiting on finalizers: …") or with why the server refused.

use kube::Client;
use kube::api::{DeleteParams, Patch, PatchParams, PropagationPolicy};
use kube::core::Status;
use serde_json::{Value, json};

use super::apply::{FIELD_MANAGER, target};
use crate::event::{ObjectAddress, OperationResult};
use crate::model::mutation::MutationError;
use crate::model::operation::{Cascade, Operation};

pub async fn operate(client: &Client, operation: &Operation, targets: &[ObjectAddress]) -> Vec<OperationResult> {
    let mut results = Vec::with_capacity(targets.len());
    for address in targets {
        let result = one(client, operation, address).await;
        results.push(OperationResult { title: address.title(), result });
    }
    results
}

async fn one(client: &Client, operation: &Operation, address: &ObjectAddress) -> Result<String, MutationError> {
    let t = target(client, &address.api_version, &address.kind, &address.namespace).await?;
    let refused = |verb: &str, resource: &str| {
        let (verb, resource, ns) = (verb.to_string(), resource.to_string(), t.namespace.clone());
        move |e| MutationError::from_kube(e, &verb, &resource, &ns)
    };
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() };
    let merge = |patch: Value| Patch::Merge(patch);
    let name = address.name.as_str();
    match operation {
        Operation::Cordon | Operation::Uncordon => {
            let cordon = *operation == Operation::Cordon;
            // As kubectl: uncordon clears the field rather than writing false.
            let value = if cordon { json!(true) } else { Value::Null };
            t.api
                .patch(name, &params, &merge(json!({"spec": {"unschedulable": value}})))
                .await
                .map_err(refused("patch", &t.resource))?;
            Ok(if cordon { "cordoned" } else { "uncordoned" }.into())
        }
        Operation::Label { key, value } => {
            let patch = json!({"metadata": {"labels": {key.as_str(): value}}});
            t.api.patch(name, &params, &merge(patch)).await.map_err(refused("patch", &t.resource))?;
            Ok(if value.is_some() { "labeled" } else { "unlabeled" }.into())
        }
        Operation::Taint { key, value, effect, remove } => {
            let node = t.api.get(name).await.map_err(refused("get", &t.resource))?;
            let node = serde_json::to_value(node).map_err(|e| MutationError::Other(e.to_string()))?;
            let taints = retaint(
                node["spec"]["taints"].as_array().map(Vec::as_slice).unwrap_or_default(),
                key,
                value.as_deref(),
                effect.map(|e| e.as_str()),
                *remove,
            )?;
            // The resourceVersion makes the write fail rather than drop a taint someone added meanwhile.
            let patch = json!({"metadata": {"resourceVersion": node["metadata"]["resourceVersion"]}, "spec": {"taints": taints}});
            t.api.patch(name, &params, &merge(patch)).await.map_err(refused("patch", &t.resource))?;
            Ok(if *remove { "untainted" } else { "tainted" }.into())
        }
        Operation::Delete { grace, cascade, .. } => {
            let params = DeleteParams {
                grace_period_seconds: grace.map(|g| g as u32),
                propagation_policy: Some(match cascade {
                    Cascade::Background => PropagationPolicy::Background,
                    Cascade::Foreground => PropagationPolicy::Foreground,
                    Cascade::Orphan => PropagationPolicy::Orphan,
                }),
                ..DeleteParams::default()
            };
            let answer = t.api.delete(name, &params).await.map_err(refused("delete", &t.resource))?;
            Ok(match answer.left().and_then(|obj| serde_json::to_value(obj).ok()) {
                Some(obj) => still_there(&obj),
                None => "deleted".into(),
            })
        }
        Operation::Evict => match evict(client, &t.namespace, name, None).await {
            Ok(_) => Ok("evicted".into()),
            Err(kube::Error::Api(status)) if status.code == 429 => Err(MutationError::Other(budget(&status))),
            Err(e) => Err(MutationError::from_kube(e, "create", "pods/eviction", &t.namespace)),
        },
    }
}

/// One policy/v1 Eviction, as kubectl sends it: kind and apiVersion named, `deleteOptions` carrying the grace period
/// (kube's own `evict` spells the field `delete_options`, which the API ignores, so a grace would be lost).
pub async fn evict(client: &Client, namespace: &str, pod: &str, grace: Option<i64>) -> Result<(), kube::Error> {
    let mut eviction = json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace},
    });
    if let Some(grace) = grace {
        eviction["deleteOptions"] = json!({"gracePeriodSeconds": grace});
    }
    let path = format!("/api/v1/namespaces/{namespace}/pods/{pod}/eviction");
    let body = serde_json::to_vec(&eviction).map_err(kube::Error::SerdeError)?;
    let request = http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body)
        .map_err(kube::Error::HttpError)?;
    client.request::<Status>(request).await.map(drop)
}

/// What a delete left behind: an object terminating for its grace period, or held by finalizers.
fn still_there(obj: &Value) -> String {
    let meta = &obj["metadata"];
    let finalizers: Vec<&str> = meta["finalizers"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if !finalizers.is_empty() {
        return format!("waiting on finalizers: {}", finalizers.join(", "));
    }
    match meta["deletionGracePeriodSeconds"].as_i64() {
        Some(grace) if grace > 0 => format!("terminating (grace {grace}s)"),
        _ => "deleted".into(),
    }
}

/// A 429 from the Eviction API, naming the budget as the server does.
pub fn budget(status: &Status) -> String {
    let cause = status.details.as_ref().and_then(|d| d.causes.iter().find(|c| c.reason == "DisruptionBudget"));
    match cause {
        Some(c) => crate::sanitize::clean(&format!("{} {}", status.message, c.message)),
        None => crate::sanitize::clean(&status.message),
    }
}

/// The node's taints after adding (replacing the one of the same key and effect) or removing (`KEY-`: every taint
/// of the key; `KEY:EFFECT-`: that one). Removing a taint that is not there is an error, as in kubectl.
fn retaint(
    taints: &[Value],
    key: &str,
    value: Option<&str>,
    effect: Option<&str>,
    remove: bool,
) -> Result<Vec<Value>, MutationError> {
    let same = |t: &Value| t["key"] == key && effect.is_none_or(|e| t["effect"] == e);
    let mut kept: Vec<Value> = taints.iter().filter(|t| !same(t)).cloned().collect();
    if remove {
        if kept.len() == taints.len() {
            return Err(MutationError::Other(format!("taint \"{key}\" not found")));
        }
        return Ok(kept);
    }
    let mut taint = json!({"key": key, "effect": effect.unwrap_or("NoSchedule")});
    if let Some(v) = value {
        taint["value"] = json!(v);
    }
    kept.push(taint);
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taints_are_added_replaced_and_removed_by_key_and_effect() {
        let taints = vec![
            json!({"key": "nvidia.com/gpu", "effect": "NoSchedule"}),
            json!({"key": "dedicated", "value": "ml", "effect": "NoSchedule"}),
            json!({"key": "dedicated", "value": "ml", "effect": "NoExecute"}),
        ];
        let replaced = retaint(&taints, "dedicated", Some("infra"), Some("NoSchedule"), false).unwrap();
        assert_eq!(replaced.len(), 3);
        assert_eq!(replaced[2], json!({"key": "dedicated", "value": "infra", "effect": "NoSchedule"}));
        assert_eq!(
            retaint(&taints, "dedicated", None, None, true).unwrap(),
            taints[..1].to_vec(),
            "KEY- removes every effect"
        );
        assert_eq!(retaint(&taints, "dedicated", None, Some("NoExecute"), true).unwrap(), taints[..2].to_vec());
        let missing = retaint(&taints, "absent", None, None, true).unwrap_err();
        assert_eq!(missing.to_string(), "taint \"absent\" not found");
    }

    #[test]
    fn a_delete_says_what_holds_the_object() {
        assert_eq!(still_there(&json!({"metadata": {"deletionGracePeriodSeconds": 30}})), "terminating (grace 30s)");
        assert_eq!(
            still_there(&json!({"metadata": {"finalizers": ["example.com/keep"], "deletionGracePeriodSeconds": 0}})),
            "waiting on finalizers: example.com/keep"
        );
        assert_eq!(still_there(&json!({"metadata": {}})), "deleted");
    }
}
