//! metrics.k8s.io: node and pod usage computed on request from the pods present, their GPUs and the clock.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::api::Ctx;
use super::clock;
use super::error::ApiError;
use super::http::{self, Reply};
use super::object::Stored;
use super::resources;
use super::rng;
use super::routes::Target;
use super::store::{self, Objects};
use super::world::World;
use crate::selector::LabelSelector;

/// Usage moves every window.
pub const WINDOW_S: i64 = 15;
/// Annotation: the CPU a pod uses (a quantity such as `455m`), give or take 8 %, instead of the seeded model.
pub const CPU_USAGE: &str = "sim.gpudeck.io/cpu-usage";

/// (CPU millicores, memory bytes) a running pod uses now; GPU pods feed their GPUs and use far more.
pub fn pod_usage(seed: u64, pod: &Stored, now: i64) -> (u64, u64) {
    let n = rng::noise(seed, &pod.uid, now / WINDOW_S);
    let class = rng::noise(seed, &pod.uid, -1);
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    let (cpu, memory) = if pod.gpus > 0 {
        let g = f64::from(pod.gpus);
        ((g * (1500.0 + 1000.0 * n)) as u64, (g * (12.0 + 6.0 * class + 2.0 * n) * GI) as u64)
    } else {
        ((20.0 + 600.0 * class * (0.6 + 0.4 * n)) as u64, ((0.1 + 1.9 * class) * (0.9 + 0.1 * n) * GI) as u64)
    };
    match pod.cpu_usage {
        0 => (cpu, memory),
        fixed => ((f64::from(fixed) * (0.92 + 0.16 * n)) as u64, memory),
    }
}

/// What metrics-server reports for each container of a running pod now: (name, CPU nanocores, memory bytes), the
/// pod's usage split evenly and its CPU throttled by its node's share (see [`cpu_shares`]).
pub fn container_usage(
    seed: u64,
    pod: &Stored,
    value: &Value,
    shares: &HashMap<String, f64>,
    now: i64,
) -> Vec<(String, u64, u64)> {
    let containers: Vec<&str> = value["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    let (cpu, mem) = pod_usage(seed, pod, now);
    let throttled = value["spec"]["nodeName"].as_str().and_then(|n| shares.get(n)).copied().unwrap_or(1.0);
    let cpu = (cpu as f64 * throttled) as u64;
    let share = containers.len().max(1) as u64;
    containers.iter().map(|c| (c.to_string(), cpu / share * 1_000_000, mem / share)).collect()
}

/// Whether metrics-server has numbers for a pod: it is running.
pub fn running(pod: &Stored) -> bool {
    pod.field(resources::PODS, "status.phase") == Some("Running")
}

/// The start of the metrics window `now` falls in, as metrics-server stamps its readings.
pub fn timestamp(now: i64) -> String {
    clock::rfc3339(now - now % WINDOW_S)
}

fn labels_filter(ctx: &Ctx) -> Result<LabelSelector, ApiError> {
    LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or_default()).map_err(ApiError::bad_request)
}

/// What the system itself uses on every node besides its pods: CPU millicores (plus up to 200 of noise) and bytes.
const SYSTEM_CPU: u64 = 300;
const SYSTEM_MEMORY: u64 = 2_500_000_000;

/// How much of its pods' CPU demand each node can serve (1.0 unless they want more than it has): pods on an
/// overcommitted node are throttled, so neither they nor the node report more than the node's CPUs.
pub fn cpu_shares(seed: u64, objects: &Objects, now: i64) -> HashMap<String, f64> {
    let demand = pod_demand(seed, objects, now);
    objects
        .range(store::range(resources::NODES, None))
        .map(|(key, node)| {
            let capacity = node_capacity(node).0.saturating_sub(SYSTEM_CPU + 200) as f64;
            let wanted = demand.get(key.2.as_str()).map_or(0, |d| d.0) as f64;
            (key.2.clone(), if wanted > capacity && wanted > 0.0 { capacity / wanted } else { 1.0 })
        })
        .collect()
}

/// (CPU millicores, memory bytes) the running pods on each node ask for now.
fn pod_demand(seed: u64, objects: &Objects, now: i64) -> HashMap<&str, (u64, u64)> {
    let mut per_node: HashMap<&str, (u64, u64)> = HashMap::new();
    for (_, pod) in objects.range(store::range(resources::PODS, None)).filter(|(_, p)| running(p)) {
        let (cpu, mem) = pod_usage(seed, pod, now);
        let entry = per_node.entry(pod.field(resources::PODS, "spec.nodeName").unwrap_or_default()).or_default();
        entry.0 += cpu;
        entry.1 += mem;
    }
    per_node
}

/// A node's allocatable (CPU millicores, memory bytes); unbounded when it does not say.
fn node_capacity(node: &Stored) -> (u64, u64) {
    let value = node.value();
    let allocatable = &value["status"]["allocatable"];
    (
        allocatable["cpu"].as_str().and_then(crate::model::cpu_milli).unwrap_or(u64::MAX),
        allocatable["memory"].as_str().and_then(crate::model::bytes).unwrap_or(u64::MAX),
    )
}

/// A ready node's usage now: (CPU nanocores, memory bytes) of its pods and its system together.
pub fn node_usage(seed: u64, objects: &Objects, node: &str, now: i64) -> Option<(u64, u64)> {
    let stored = objects.get(&(resources::NODES, String::new(), node.to_string())).filter(|n| n.ready)?;
    let demand = pod_demand(seed, objects, now).get(node).copied().unwrap_or_default();
    Some(node_total(seed, node, stored, demand, now))
}

/// (CPU nanocores, memory bytes) of a node whose pods ask for `demand` now.
fn node_total(seed: u64, name: &str, node: &Stored, (cpu, mem): (u64, u64), now: i64) -> (u64, u64) {
    let base = rng::noise(seed, name, now / WINDOW_S);
    let (cpu_capacity, memory_capacity) = node_capacity(node);
    let system = SYSTEM_CPU + (200.0 * base) as u64;
    // Throttled pods use what is left of the CPUs; memory is not compressible, but a node never reports more than it
    // has.
    let cpu_n = (cpu.min(cpu_capacity.saturating_sub(SYSTEM_CPU + 200)) + system) * 1_000_000;
    (cpu_n, (mem + SYSTEM_MEMORY).min(memory_capacity))
}

fn node_metrics(seed: u64, objects: &Objects, now: i64) -> Vec<(String, Value, Arc<Stored>)> {
    let per_node = pod_demand(seed, objects, now);
    objects
        .range(store::range(resources::NODES, None))
        .filter(|(_, node)| node.ready)
        .map(|(key, node)| {
            let demand = per_node.get(key.2.as_str()).copied().unwrap_or_default();
            let (cpu_n, mem) = node_total(seed, &key.2, node, demand, now);
            let mem_ki = mem / 1024;
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

fn pod_metrics(world: &World, key: &store::Key, pod: &Stored, now: i64, shares: &HashMap<String, f64>) -> Value {
    let usage: Vec<Value> = container_usage(world.seed, pod, &pod.value(), shares, now)
        .iter()
        .map(|(c, cpu_n, mem)| json!({"name": c, "usage": {"cpu": format!("{cpu_n}n"), "memory": format!("{}Ki", mem / 1024)}}))
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
    let resource = resources::get(target.res);
    let items: Vec<Value> = if target.res == resources::NODE_METRICS {
        node_metrics(world.seed, &objects, now)
            .into_iter()
            .filter(|(_, _, n)| selector.matches(&n.labels))
            .map(|(_, doc, _)| doc)
            .collect()
    } else {
        let shares = cpu_shares(world.seed, &objects, now);
        objects
            .range(store::range(resources::PODS, target.namespace.as_deref()))
            .filter(|(_, p)| running(p) && selector.matches(&p.labels))
            .map(|(k, p)| pod_metrics(world, k, p, now, &shares))
            .collect()
    };
    Ok(http::json(
        200,
        &json!({"kind": format!("{}List", resource.kind), "apiVersion": resource.api_version(), "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}

pub fn get(world: &Arc<World>, _ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let name = target.name.clone().unwrap_or_default();
    let resource = resources::get(target.res);
    let (_, objects) = world.store.snapshot();
    let now = clock::now();
    let found = if target.res == resources::NODE_METRICS {
        node_metrics(world.seed, &objects, now).into_iter().find(|(n, _, _)| *n == name).map(|(_, doc, _)| doc)
    } else {
        let key = (resources::PODS, target.namespace.clone().unwrap_or_default(), name.clone());
        let shares = cpu_shares(world.seed, &objects, now);
        objects.get(&key).filter(|p| running(p)).map(|p| pod_metrics(world, &key, p, now, &shares))
    };
    found.map(|doc| http::json(200, &doc)).ok_or_else(|| ApiError::not_found(resource, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overcommitted_node_throttles_its_pods_to_its_cpus() {
        // 400 pods on 4 nodes: the CPU nodes are asked for more than they have.
        let store = crate::sim::store::Store::new(7, 10_000);
        crate::sim::scenario::load(&store, 7, crate::sim::scenario::Kind::Scale, 4, 400);
        let (_, objects) = store.snapshot();
        let now = 1_800_000_000;
        let demand = pod_demand(7, &objects, now);
        let shares = cpu_shares(7, &objects, now);
        let mut throttled = 0;
        for (name, doc, node) in node_metrics(7, &objects, now) {
            let (capacity, _) = node_capacity(&node);
            let used = doc["usage"]["cpu"].as_str().and_then(crate::model::cpu_milli).unwrap_or(0);
            assert!(used <= capacity, "{name}: {used}m of {capacity}m");
            let wanted = demand.get(name.as_str()).map_or(0, |d| d.0);
            assert_eq!(shares[&name] < 1.0, wanted > capacity - SYSTEM_CPU - 200, "{name}");
            throttled += usize::from(shares[&name] < 1.0);
        }
        assert!(throttled > 0, "the case this test is about did not arise");
    }

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
