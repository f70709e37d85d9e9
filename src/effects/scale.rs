//! Scale (the scale subresource; a job's parallelism), rollout restart (the pod-template annotation kubectl sets),
//! and the autoscaler lookup the scale prompt warns with.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;

use super::apply::FIELD_MANAGER;
use crate::event::{ObjectKind, ObjectRef};
use crate::model::mutation::MutationError;

fn params() -> PatchParams {
    PatchParams { field_manager: Some(FIELD_MANAGER.into()), ..PatchParams::default() }
}

/// Sets replicas through the scale subresource (as `kubectl scale` does), or a job's parallelism.
pub async fn scale(client: &Client, t: &ObjectRef, replicas: i32) -> Result<(), MutationError> {
    let ns = t.namespace.as_str();
    let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
    let refused = |resource: &str| {
        let resource = resource.to_string();
        move |e| MutationError::from_kube(e, "patch", &resource, ns)
    };
    match t.kind {
        ObjectKind::Deployment => Api::<Deployment>::namespaced(client.clone(), ns)
            .patch_scale(&t.name, &params(), &patch)
            .await
            .map(drop)
            .map_err(refused("deployments.apps/scale")),
        ObjectKind::StatefulSet => Api::<StatefulSet>::namespaced(client.clone(), ns)
            .patch_scale(&t.name, &params(), &patch)
            .await
            .map(drop)
            .map_err(refused("statefulsets.apps/scale")),
        ObjectKind::Job => Api::<Job>::namespaced(client.clone(), ns)
            .patch(&t.name, &params(), &Patch::Merge(json!({"spec": {"parallelism": replicas}})))
            .await
            .map(drop)
            .map_err(refused("jobs.batch")),
        ObjectKind::Pod | ObjectKind::Node => Err(MutationError::Other("only workloads scale".into())),
    }
}

/// Stamps `kubectl.kubernetes.io/restartedAt` on the pod template, so the controller replaces every pod.
pub async fn restart(client: &Client, t: &ObjectRef, now: &str) -> Result<(), MutationError> {
    let ns = t.namespace.as_str();
    let patch = Patch::Strategic(
        json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}}),
    );
    let (result, resource) = match t.kind {
        ObjectKind::Deployment => (
            Api::<Deployment>::namespaced(client.clone(), ns).patch(&t.name, &params(), &patch).await.map(drop),
            "deployments.apps",
        ),
        ObjectKind::StatefulSet => (
            Api::<StatefulSet>::namespaced(client.clone(), ns).patch(&t.name, &params(), &patch).await.map(drop),
            "statefulsets.apps",
        ),
        _ => return Err(MutationError::Other("only deployments and statefulsets restart".into())),
    };
    result.map_err(|e| MutationError::from_kube(e, "patch", resource, ns))
}

/// The HorizontalPodAutoscaler targeting `t`, as "hpa NAME (min–max)"; none when the cluster has no autoscaling
/// API or the lookup fails (the warning is a courtesy, not a gate).
pub async fn find_hpa(client: &Client, t: &ObjectRef) -> Option<String> {
    let list = Api::<HorizontalPodAutoscaler>::namespaced(client.clone(), &t.namespace)
        .list(&ListParams::default())
        .await
        .ok()?;
    let kind = match t.kind {
        ObjectKind::Deployment => "Deployment",
        ObjectKind::StatefulSet => "StatefulSet",
        _ => return None,
    };
    list.items.into_iter().find_map(|h| {
        let spec = h.spec;
        (spec.scale_target_ref.kind == kind && spec.scale_target_ref.name == t.name).then(|| {
            format!(
                "hpa {} ({}–{})",
                crate::sanitize::clean(h.metadata.name.as_deref().unwrap_or_default()),
                spec.min_replicas.unwrap_or(1),
                spec.max_replicas
            )
        })
    })
}
