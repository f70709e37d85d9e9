//! metrics.k8s.io: node and pod usage computed on request from the pods present, their GPUs and the clock.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::api::Ctx;
use super::clock;
use super::error::ApiError;
use super::http::{self, Reply};
use super::object::Stored;
use super::resources::{self, RESOURCES};
use super::rng;
use super::routes::Target;
use super::store::{self, Objects};
use super::world::World;
use crate::selector::LabelSelector;

/// Usage moves every window.
const WINDOW_S: i64 = 15;

/// (CPU millicores, memory bytes) a running pod uses now; GPU pods feed their GPUs and use far more.
pub fn pod_usage(seed: u64, pod: &Stored, now: i64) -> (u64, u64) {
    let n = rng::noise(seed, &pod.uid, now / WINDOW_S);
    let class = rng::noise(seed, &pod.uid, -1);
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    if pod.gpus > 0 {
        let g = f64::from(pod.gpus);
        ((g * (1500.0 + 1000.0 * n)) as u64, (g * (12.0 + 6.0 * class + 2.0 * n) * GI) as u64)
    } else {
        ((20.0 + 600.0 * class * (0.6 + 0.4 * n)) as u64, ((0.1 + 1.9 * class) * (0.9 + 0.1 * n) * GI) as u64)
    }
}

fn running(pod: &Stored) -> bool {
    pod.field(resources::PODS, "status.phase") == Some("Running")
}

fn timestamp(now: i64) -> String {
    clock::rfc3339(now - now % WINDOW_S)
}

fn labels_filter(ctx: &Ctx) -> Result<LabelSelector, ApiError> {
    LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or_default()).map_err(ApiError::bad_request)
}

fn node_metrics(world: &World, objects: &Objects, now: i64) -> Vec<(String, Value, Arc<Stored>)> {
    let mut per_node: HashMap<&str, (u64, u64)> = HashMap::new();
    for (_, pod) in objects.range(store::range(resources::PODS, None)).filter(|(_, p)| running(p)) {
        let (cpu, mem) = pod_usage(world.seed, pod, now);
        let entry = per_node.entry(pod.field(resources::PODS, "spec.nodeName").unwrap_or_default()).or_default();
        entry.0 += cpu;
        entry.1 += mem;
    }
    objects
        .range(store::range(resources::NODES, None))
        .filter(|(_, node)| node.ready)
        .map(|(key, node)| {
            let (cpu, mem) = per_node.get(key.2.as_str()).copied().unwrap_or_default();
            let base = rng::noise(world.seed, &key.2, now / WINDOW_S);
            let cpu_n = (cpu + 300 + (200.0 * base) as u64) * 1_000_000;
            let mem_ki = (mem + 2_500_000_000) / 1024;
            let doc = json!({
                "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {"name": key.2, "creationTimestamp": clock::rfc3339(now), "labels": node.labels},
                "timestamp": timestamp(now), "window": "15s",
                "usage": {"cpu": format!("{cpu_n}n"), "memory": format!("{mem_ki}Ki")},
            });
            (key.2.clone(), doc, node.clone())
        })
        .collect()
}

fn pod_metrics(world: &World, key: &store::Key, pod: &Stored, now: i64) -> Value {
    let value = pod.value();
    let containers: Vec<&str> = value["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let (cpu, mem) = pod_usage(world.seed, pod, now);
    let share = containers.len().max(1) as u64;
    let usage: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "usage": {"cpu": format!("{}n", cpu / share * 1_000_000), "memory": format!("{}Ki", mem / share / 1024)}}))
        .collect();
    json!({
        "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": key.2, "namespace": key.1, "creationTimestamp": clock::rfc3339(now), "labels": pod.labels},
        "timestamp": timestamp(now), "window": "15s", "containers": usage,
    })
}

pub fn list(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let selector = labels_filter(ctx)?;
    let (rv, objects) = world.store.snapshot();
    let now = clock::now();
    let resource = &RESOURCES[target.res];
    let items: Vec<Value> = if target.res == resources::NODE_METRICS {
        node_metrics(world, &objects, now)
            .into_iter()
            .filter(|(_, _, n)| selector.matches(&n.labels))
            .map(|(_, doc, _)| doc)
            .collect()
    } else {
        objects
            .range(store::range(resources::PODS, target.namespace.as_deref()))
            .filter(|(_, p)| running(p) && selector.matches(&p.labels))
            .map(|(k, p)| pod_metrics(world, k, p, now))
            .collect()
    };
    Ok(http::json(
        200,
        &json!({"kind": format!("{}List", resource.kind), "apiVersion": resource.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}

pub fn get(world: &Arc<World>, _ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let name = target.name.clone().unwrap_or_default();
    let resource = &RESOURCES[target.res];
    let (_, objects) = world.store.snapshot();
    let now = clock::now();
    let found = if target.res == resources::NODE_METRICS {
        node_metrics(world, &objects, now).into_iter().find(|(n, _, _)| *n == name).map(|(_, doc, _)| doc)
    } else {
        let key = (resources::PODS, target.namespace.clone().unwrap_or_default(), name.clone());
        objects.get(&key).filter(|p| running(p)).map(|p| pod_metrics(world, &key, p, now))
    };
    found.map(|doc| http::json(200, &doc)).ok_or_else(|| ApiError::not_found(resource, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_pods_use_more_and_usage_is_stable_within_a_window() {
        let gpu = Stored::new(
            resources::PODS,
            &json!({"metadata": {"uid": "a"}, "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": 2}}}]}}),
            1,
        );
        let cpu = Stored::new(resources::PODS, &json!({"metadata": {"uid": "b"}, "spec": {"containers": [{}]}}), 1);
        let (gc, gm) = pod_usage(7, &gpu, 1000);
        let (cc, cm) = pod_usage(7, &cpu, 1000);
        assert!(gc > cc && gm > cm);
        assert_eq!(pod_usage(7, &gpu, 1006), pod_usage(7, &gpu, 1019));
    }
}
