//! A workload's rollout history as kubectl reads it — a Deployment's ReplicaSets by their revision annotation, a
//! StatefulSet's or DaemonSet's ControllerRevisions — with each revision's pod template, images, change-cause and
//! who wrote it (the workload's managedFields); the revision `:undo` goes back to and the patch `kubectl rollout
//! undo` sends for it. No IO.

pub mod ops;
pub mod owners;
#[cfg(test)]
mod tests;

use serde_json::{Value, json};

use crate::event::ObjectAddress;
use crate::model::helm::unix;
use crate::sanitize::clean;

/// The revision annotation the deployment controller keeps on a Deployment and its ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Why a revision was made, as `kubectl annotate … kubernetes.io/change-cause=…` or a CI pipeline records it.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// The label the deployment controller adds to a ReplicaSet's template; not part of the Deployment's template.
const HASH_LABEL: &str = "pod-template-hash";
/// Annotations an undo keeps from the Deployment instead of taking them from the ReplicaSet (kubectl's list).
const KEPT_ON_UNDO: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// The kinds with a rollout history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollout {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl Rollout {
    pub fn of(kind: &str) -> Option<Rollout> {
        match kind {
            "Deployment" => Some(Rollout::Deployment),
            "StatefulSet" => Some(Rollout::StatefulSet),
            "DaemonSet" => Some(Rollout::DaemonSet),
            _ => None,
        }
    }

    /// The API's plural, as a 403 names the resource.
    pub fn resource(self) -> &'static str {
        match self {
            Rollout::Deployment => "deployments.apps",
            Rollout::StatefulSet => "statefulsets.apps",
            Rollout::DaemonSet => "daemonsets.apps",
        }
    }

    /// What holds its revisions.
    pub fn holders(self) -> &'static str {
        match self {
            Rollout::Deployment => "replicasets.apps",
            _ => "controllerrevisions.apps",
        }
    }
}

/// Which pods run a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodsOf {
    /// Those this ReplicaSet owns.
    ReplicaSet(String),
    /// Those of the workload labelled `controller-revision-hash` with this value.
    RevisionHash(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i64,
    /// The ReplicaSet or ControllerRevision that holds it.
    pub holder: String,
    pub created: i64,
    pub change_cause: String,
    pub pods: PodsOf,
    /// The pod template, without the hash label the controller adds.
    pub template: Value,
    /// Each container's image (init containers first), as the template names it.
    pub images: Vec<String>,
    /// The field managers that own the fields this revision changed (the first: the template), from the
    /// workload's managedFields: `kubectl-client-side-apply`, `helm`, `argocd-controller`, a CI tool, `gpudeck`.
    pub written_by: Vec<String>,
}

/// A workload's history, newest revision first.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub target: ObjectAddress,
    pub kind: Rollout,
    /// The workload's pod template now.
    pub template: Value,
    /// The revision whose template is the workload's now.
    pub current: Option<i64>,
    pub paused: bool,
    pub revisions: Vec<Revision>,
    /// The workload's resourceVersion when it was read: an undo reviewed against it is refused if it moved.
    pub resource_version: String,
}

impl History {
    /// A Deployment's history from the ReplicaSets its selector lists; those it does not control are skipped.
    pub fn of_deployment(deployment: &Value, replicasets: &[Value]) -> History {
        let uid = &deployment["metadata"]["uid"];
        let mut revisions: Vec<Revision> = replicasets
            .iter()
            .filter(|rs| controlled_by(rs, uid))
            .filter_map(|rs| {
                let number = rs["metadata"]["annotations"][REVISION].as_str()?.parse().ok()?;
                let mut template = rs["spec"]["template"].clone();
                if let Some(labels) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
                    labels.remove(HASH_LABEL);
                }
                Some(Revision::new(number, rs, PodsOf::ReplicaSet(name(rs)), template))
            })
            .collect();
        revisions.sort_by_key(|r| std::cmp::Reverse(r.number));
        History::new(deployment, Rollout::Deployment, revisions)
    }

    /// A StatefulSet's or DaemonSet's history from its ControllerRevisions.
    pub fn of_controller_revisions(owner: &Value, kind: Rollout, controller_revisions: &[Value]) -> History {
        let uid = &owner["metadata"]["uid"];
        let prefix = format!("{}-", name(owner));
        let mut revisions: Vec<Revision> = controller_revisions
            .iter()
            .filter(|cr| controlled_by(cr, uid))
            .map(|cr| {
                let mut template = cr["data"]["spec"]["template"].clone();
                if let Some(map) = template.as_object_mut() {
                    map.remove("$patch");
                }
                // A StatefulSet's pods carry the revision's name; a DaemonSet's only its hash.
                let label = match kind {
                    Rollout::DaemonSet => cr["metadata"]["labels"]["controller-revision-hash"]
                        .as_str()
                        .map(clean)
                        .unwrap_or_else(|| name(cr).strip_prefix(&prefix).unwrap_or_default().to_string()),
                    _ => name(cr),
                };
                Revision::new(cr["revision"].as_i64().unwrap_or(0), cr, PodsOf::RevisionHash(label), template)
            })
            .collect();
        revisions.sort_by_key(|r| std::cmp::Reverse(r.number));
        History::new(owner, kind, revisions)
    }

    fn new(owner: &Value, kind: Rollout, mut revisions: Vec<Revision>) -> History {
        let template = owner["spec"]["template"].clone();
        let current = revisions.iter().find(|r| r.template == template).map(|r| r.number);
        owners::attribute(&mut revisions, &owner["metadata"]["managedFields"], current);
        History {
            target: ObjectAddress {
                api_version: "apps/v1".into(),
                kind: owner["kind"].as_str().map(clean).unwrap_or_default(),
                namespace: owner["metadata"]["namespace"].as_str().map(clean).unwrap_or_default(),
                name: name(owner),
            },
            kind,
            template,
            current,
            paused: owner["spec"]["paused"] == true,
            revisions,
            resource_version: owner["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string(),
        }
    }

    pub fn revision(&self, number: i64) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.number == number)
    }

    /// The revision `:undo [N]` goes back to, as kubectl picks it: N, or the one before the newest.
    pub fn undo_target(&self, asked: Option<i64>) -> Result<&Revision, String> {
        let title = self.target.title();
        let target = match asked {
            Some(n) => self.revision(n).ok_or_else(|| format!("unable to find revision {n} in {title}'s history"))?,
            None if self.revisions.is_empty() => return Err(format!("no rollout history found for {title}")),
            None => self.revisions.get(1).ok_or_else(|| format!("{title} has no earlier revision to go back to"))?,
        };
        if self.kind == Rollout::Deployment && self.paused {
            return Err(format!("{title} is paused: :resume it first (a paused Deployment cannot be rolled back)"));
        }
        if target.template == self.template {
            return Err(format!("{title} already runs revision {}'s template: nothing to undo", target.number));
        }
        Ok(target)
    }
}

impl Revision {
    fn new(number: i64, holder: &Value, pods: PodsOf, template: Value) -> Revision {
        let meta = &holder["metadata"];
        let spec = &template["spec"];
        let images = ["initContainers", "containers"]
            .iter()
            .flat_map(|list| spec[*list].as_array().into_iter().flatten())
            .filter_map(|c| c["image"].as_str().map(clean))
            .collect();
        Revision {
            number,
            holder: name(holder),
            created: meta["creationTimestamp"].as_str().map_or(0, unix),
            change_cause: meta["annotations"][CHANGE_CAUSE].as_str().map(clean).unwrap_or_default(),
            pods,
            template,
            images,
            written_by: Vec::new(),
        }
    }
}

/// A patch of a workload's rollout as kubectl sends it: an undo's, or a pause's.
#[derive(Debug, Clone, PartialEq)]
pub enum RolloutPatch {
    /// A Deployment: a JSON patch replacing the template and the annotations.
    Json(Value),
    /// A StatefulSet or DaemonSet: the ControllerRevision's data, a strategic merge patch.
    Strategic(Value),
}

impl RolloutPatch {
    pub fn body(&self) -> &Value {
        match self {
            RolloutPatch::Json(v) | RolloutPatch::Strategic(v) => v,
        }
    }

    pub fn content_type(&self) -> &'static str {
        match self {
            RolloutPatch::Json(_) => "application/json-patch+json",
            RolloutPatch::Strategic(_) => "application/strategic-merge-patch+json",
        }
    }
}

/// The patch that puts `target`'s template back on the workload `owner`, given the holder object (the ReplicaSet
/// or ControllerRevision) as listed: for a Deployment the template without the hash label and the annotations
/// kubectl computes (the Deployment's own revision bookkeeping, the ReplicaSet's change-cause and the rest).
pub fn undo_patch(kind: Rollout, owner: &Value, holder: &Value, target: &Revision) -> RolloutPatch {
    match kind {
        Rollout::Deployment => {
            let mut annotations = serde_json::Map::new();
            for key in KEPT_ON_UNDO {
                if let Some(v) = owner["metadata"]["annotations"].get(key) {
                    annotations.insert(key.into(), v.clone());
                }
            }
            for (k, v) in holder["metadata"]["annotations"].as_object().into_iter().flatten() {
                if !KEPT_ON_UNDO.contains(&k.as_str()) {
                    annotations.insert(k.clone(), v.clone());
                }
            }
            RolloutPatch::Json(json!([
                {"op": "replace", "path": "/spec/template", "value": target.template},
                {"op": "replace", "path": "/metadata/annotations", "value": annotations},
            ]))
        }
        _ => RolloutPatch::Strategic(holder["data"].clone()),
    }
}

fn controlled_by(obj: &Value, uid: &Value) -> bool {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|refs| refs.iter().any(|r| r["controller"] == true && &r["uid"] == uid))
}

fn name(obj: &Value) -> String {
    obj["metadata"]["name"].as_str().map(clean).unwrap_or_default()
}

/// A pod template as YAML, for diffs between revisions.
pub fn template_yaml(template: &Value) -> String {
    serde_saphyr::to_string(template).unwrap_or_default()
}
