//! Deployments with a rollout history, made as the deployment controller leaves one: a ReplicaSet per earlier
//! revision scaled to zero (each with the revision and change-cause it had), the newest one serving, and the
//! Deployment's managedFields as each write recorded them — so `kubectl rollout history` and the console's
//! `:history` have something to show, and `:undo` somewhere to go.

use serde_json::{Value, json};

use super::{Builder, Pods};
use crate::sim::workloads::{self, Action, REVISION};
use crate::sim::{apply, defaults, images, object, resources};

/// One write of the Deployment's template: what it ran, who wrote it (the field manager) and why.
pub(super) struct Write<'a> {
    pub pods: Pods,
    pub manager: &'a str,
    pub cause: String,
    pub age: f64,
}

impl Builder<'_> {
    /// A Deployment whose template was written once per entry of `writes` (oldest first).
    pub(super) fn rolled_out(&mut self, ns: &str, name: &str, replicas: i64, writes: &[Write<'_>]) {
        let Some(first) = writes.first() else { return };
        let version = |w: &Write<'_>| {
            let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": ns, "labels": {"app": name},
                    "annotations": {"kubernetes.io/change-cause": w.cause}},
                "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": w.pods.template(name)}});
            defaults::apply(resources::DEPLOYMENTS, &mut d);
            d
        };
        let mut deployment: Option<Value> = None;
        for w in writes {
            let mut next = version(w);
            apply::record_update(deployment.as_ref(), &mut next, w.manager, &self.ago(w.age));
            deployment = Some(next);
        }
        let Some(mut deployment) = deployment else { return };
        deployment["metadata"]["creationTimestamp"] = json!(self.ago(first.age));
        let Some(owner) = self.put(resources::DEPLOYMENTS, deployment) else { return };
        let rv = super::resource_version(&owner);
        // Each earlier revision's ReplicaSet, as the controller made it then, emptied by the rollouts after it.
        let mut old_sets = Vec::new();
        for (i, w) in writes[..writes.len() - 1].iter().enumerate() {
            let mut then = owner.clone();
            let written = version(w);
            then["spec"]["template"] = written["spec"]["template"].clone();
            then["metadata"]["annotations"] = written["metadata"]["annotations"].clone();
            let created = workloads::reconcile_deployment(&then, rv, &[], &self.ago(w.age));
            let Some(mut set) = created.into_iter().find_map(|a| match a {
                Action::Create(res, set) if res == resources::REPLICASETS => Some(set),
                _ => None,
            }) else {
                continue;
            };
            set["spec"]["replicas"] = json!(0);
            set["metadata"]["annotations"][REVISION] = json!((i + 1).to_string());
            set["metadata"]["creationTimestamp"] = json!(self.ago(w.age));
            set["status"] = json!({"replicas": 0, "observedGeneration": 1});
            if let Some(stored) = self.put(resources::REPLICASETS, set) {
                let set_rv = super::resource_version(&stored);
                old_sets.push((stored, set_rv));
            }
        }
        let last = &writes[writes.len() - 1];
        for action in workloads::reconcile_deployment(&owner, rv, &old_sets, &self.ago(last.age)) {
            if let Action::Create(res, mut set) = action
                && res == resources::REPLICASETS
            {
                set["metadata"]["creationTimestamp"] = json!(self.ago(last.age));
                let set_name = set["metadata"]["name"].as_str().unwrap_or_default().to_string();
                self.workload(resources::REPLICASETS, set, last.age);
                if images::pull_error(&last.pods.image).is_some() {
                    self.stuck_since(&owner, rv, &set_name, writes.len(), last.age);
                }
            }
        }
    }

    /// A rollout whose image cannot be pulled, left as the controller leaves it once `progressDeadlineSeconds`
    /// passed: Progressing False, ProgressDeadlineExceeded — or still progressing when the deadline is ahead.
    fn stuck_since(&mut self, owner: &Value, rv: u64, set: &str, revision: usize, age: f64) {
        let deadline = owner["spec"]["progressDeadlineSeconds"].as_f64().unwrap_or(600.0);
        if age <= deadline {
            return;
        }
        let want = owner["spec"]["replicas"].as_i64().unwrap_or(1);
        let (started, gave_up) = (self.ago(age), self.ago(age - deadline));
        let mut stuck = owner.clone();
        stuck["metadata"]["annotations"][REVISION] = json!(revision.to_string());
        stuck["status"] = json!({"observedGeneration": owner["metadata"]["generation"], "replicas": want,
            "updatedReplicas": want, "readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": want,
            "conditions": [
                {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                    "message": "Deployment does not have minimum availability.", "lastUpdateTime": started, "lastTransitionTime": started},
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                    "message": format!("ReplicaSet \"{set}\" has timed out progressing."), "lastUpdateTime": gave_up, "lastTransitionTime": gave_up}]});
        let _ = self.store.replace(resources::DEPLOYMENTS, stuck, rv);
        // Its new set counts its pods, none ready, as its controller had counted them.
        let key = (resources::REPLICASETS, object::namespace(owner).to_string(), set.to_string());
        if let Some(stored) = self.store.get(&key) {
            let mut counted = stored.value();
            counted["status"] = json!({"replicas": want, "fullyLabeledReplicas": want, "readyReplicas": 0,
                "availableReplicas": 0, "observedGeneration": counted["metadata"]["generation"]});
            let _ = self.store.replace(resources::REPLICASETS, counted, stored.rv);
        }
    }
}
