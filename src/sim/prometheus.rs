//! The cluster's Prometheus (`monitoring/prometheus-k8s`), reachable through the service proxy: instant queries over
//! the DCGM exporters' metrics, labelled as a ServiceMonitor scrape labels them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::dcgm;
use super::error::ApiError;
use super::http::{self, Reply};
use super::object::Stored;
use super::resources;
use super::store::{self, Objects};
use super::world::World;

pub const NAMESPACE: &str = "monitoring";
pub const SERVICE: &str = "prometheus-k8s";
pub const PORT: u16 = 9090;

/// `GET …/proxy/api/v1/query?query=…`: a metric name or `{__name__=~"A|B"}` — the selectors a console sends.
pub fn query(world: &Arc<World>, path: &str, promql: Option<&str>) -> Result<Reply, ApiError> {
    if path != "api/v1/query" {
        return Ok(http::json(
            404,
            &json!({"status": "error", "errorType": "not_found", "error": format!("no route /{path}")}),
        ));
    }
    let Some(names) = promql.and_then(selected_names) else {
        let error = format!("this Prometheus answers metric selectors only, not {:?}", promql.unwrap_or_default());
        return Ok(http::json(400, &json!({"status": "error", "errorType": "bad_data", "error": error})));
    };
    let (_, objects) = world.store.snapshot();
    let now = super::clock::now();
    let exporters = exporter_pods(&objects);
    let mut result = Vec::new();
    // Prometheus keeps no sample from a target it cannot reach: a node that stopped reporting has no series.
    for (node, exporter) in &exporters {
        let text = dcgm::render(world.seed, &objects, now, Some(node));
        for (metric, labels, value) in dcgm::parse(&text).into_iter().filter(|(m, _, _)| names.contains(m)) {
            result.push(json!({"metric": relabel(&metric, labels, exporter), "value": [now, value.to_string()]}));
        }
    }
    Ok(http::json(200, &json!({"status": "success", "data": {"resultType": "vector", "result": result}})))
}

/// Metric names of `NAME` or `{__name__=~"A|B|…"}`.
fn selected_names(promql: &str) -> Option<Vec<String>> {
    let promql = promql.trim();
    if let Some(inner) = promql.strip_prefix("{__name__=~\"").and_then(|r| r.strip_suffix("\"}")) {
        return Some(inner.split('|').map(str::to_string).collect());
    }
    let plain = !promql.is_empty() && promql.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    plain.then(|| vec![promql.to_string()])
}

/// Ready nodes' exporter pods: node → (pod name, pod IP).
fn exporter_pods(objects: &Objects) -> BTreeMap<String, (String, String)> {
    let ready = |node: &str| {
        objects.get(&(resources::NODES, String::new(), node.to_string())).is_some_and(|n: &Arc<Stored>| n.ready)
    };
    objects
        .range(store::range(resources::PODS, Some(dcgm::NAMESPACE)))
        .filter(|(_, pod)| pod.labels.get("app").map(String::as_str) == Some(dcgm::SERVICE))
        .filter_map(|(key, pod)| {
            let node = pod.field(resources::PODS, "spec.nodeName")?.to_string();
            let ip = pod.value()["status"]["podIP"].as_str().unwrap_or("10.0.0.1").to_string();
            ready(&node).then(|| (node, (key.2.clone(), ip)))
        })
        .collect()
}

/// The labels a ServiceMonitor scrape gives a series: the target's own `namespace`/`pod`/`instance`/`job`, with the
/// exporter's clashing labels kept as `exported_*` (honor_labels off, the default).
fn relabel(metric: &str, labels: BTreeMap<String, String>, (pod, ip): &(String, String)) -> Value {
    let mut out: serde_json::Map<String, Value> = serde_json::Map::new();
    for (key, value) in labels {
        let key =
            if matches!(key.as_str(), "namespace" | "pod" | "container") { format!("exported_{key}") } else { key };
        out.insert(key, json!(value));
    }
    out.insert("__name__".into(), json!(metric));
    out.insert("namespace".into(), json!(dcgm::NAMESPACE));
    out.insert("pod".into(), json!(pod));
    out.insert("container".into(), json!(dcgm::SERVICE));
    out.insert("instance".into(), json!(format!("{ip}:{}", dcgm::PORT)));
    out.insert("job".into(), json!(dcgm::SERVICE));
    Value::Object(out)
}
