//! The DCGM exporter behind the API server's service proxy: Prometheus text per GPU, consistent with which pods
//! hold which GPUs on each node, moving with time.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use super::clock;
use super::error::ApiError;
use super::http::{self, Reply};
use super::logtext::{self, Profile};
use super::object::{self, Stored};
use super::resources;
use super::rng;
use super::store::{self, Objects};
use super::world::World;

pub const SERVICE: &str = "nvidia-dcgm-exporter";
pub const NAMESPACE: &str = "gpu-operator";
pub const PRODUCT_LABEL: &str = "nvidia.com/gpu.product";
pub const DRIVER: &str = "550.127.05";
/// The GPU that reports an XID error in every scenario: the fourth GPU of the first GPU node.
const XID_GPU: u32 = 3;
/// DCGM's clock throttle reason bit for a hardware thermal slowdown.
const HW_THERMAL_SLOWDOWN: f64 = 64.0;

/// `/api/v1/namespaces/{ns}/services/{name[:port]}/proxy/{path}`: the exporter's service, or Prometheus (`query`
/// is its PromQL parameter).
pub fn proxy(
    world: &Arc<World>,
    namespace: &str,
    service: &str,
    path: &str,
    query: Option<&str>,
) -> Result<Reply, ApiError> {
    let name = service.split(':').next().unwrap_or(service);
    let key = (resources::SERVICES, namespace.to_string(), name.to_string());
    if world.store.get(&key).is_none() {
        return Err(ApiError::not_found(resources::get(resources::SERVICES), name));
    }
    if (namespace, name) == (super::prometheus::NAMESPACE, super::prometheus::SERVICE) {
        return super::prometheus::query(world, path, query);
    }
    if name != SERVICE || namespace != NAMESPACE || path != "metrics" {
        return Err(ApiError::unavailable(format!(
            "error trying to reach service: no endpoints serve {namespace}/{name} path /{path}"
        )));
    }
    let (_, objects) = world.store.snapshot();
    Ok(http::respond(200, CONTENT_TYPE, render(world.seed, &objects, clock::now(), None)))
}

/// `/api/v1/namespaces/{ns}/pods/{name[:port]}/proxy/{path}`: an exporter pod answers for its own node's GPUs, as a
/// DaemonSet pod of the real exporter does.
pub fn pod_proxy(world: &Arc<World>, namespace: &str, pod: &str, path: &str) -> Result<Reply, ApiError> {
    let name = pod.split(':').next().unwrap_or(pod);
    let key = (resources::PODS, namespace.to_string(), name.to_string());
    let Some(stored) = world.store.get(&key) else {
        return Err(ApiError::not_found(resources::get(resources::PODS), name));
    };
    let port = pod.split(':').nth(1).unwrap_or("80");
    if !is_exporter(&stored) || path != "metrics" {
        return Err(ApiError::unavailable(format!(
            "error trying to reach service: dial tcp {name}:{port}: connect: connection refused"
        )));
    }
    // A pod on a node that stopped reporting cannot be reached either.
    let node = stored.field(resources::PODS, "spec.nodeName").unwrap_or_default();
    let node_key = (resources::NODES, String::new(), node.to_string());
    if !world.store.get(&node_key).is_some_and(|n| n.ready) {
        return Err(ApiError::unavailable(format!(
            "error trying to reach service: dial tcp {name}:{port}: i/o timeout"
        )));
    }
    Ok(http::respond(200, CONTENT_TYPE, exporter_text(world, &stored)))
}

/// The exporter's content type, for whoever serves its text (the pod proxy, a forwarded port).
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The port the exporter listens on in its pod (and its Service targets).
pub const PORT: u16 = 9400;

/// Whether a pod is one of the exporter DaemonSet's.
pub fn is_exporter(pod: &Stored) -> bool {
    pod.labels.get("app").map(String::as_str) == Some(SERVICE)
}

/// What an exporter pod answers on `/metrics`: its own node's GPUs, now.
pub fn exporter_text(world: &World, pod: &Stored) -> String {
    let node = pod.field(resources::PODS, "spec.nodeName").unwrap_or_default();
    let (_, objects) = world.store.snapshot();
    render(world.seed, &objects, clock::now(), Some(node))
}

/// One GPU as the exporter sees it.
struct Gpu<'a> {
    node: &'a str,
    index: u32,
    model: &'static str,
    fb_total_mib: f64,
    power_limit_w: f64,
    holder: Option<(String, String, String, Profile)>,
}

/// The exporter's model name, framebuffer MiB and board power limit W for a node's product label.
pub fn model_name(product_label: &str) -> (&'static str, f64, f64) {
    if product_label.contains("A100") {
        ("NVIDIA A100-SXM4-80GB", 81920.0, 400.0)
    } else if product_label.contains("L4") {
        ("NVIDIA L4", 23034.0, 72.0)
    } else {
        ("NVIDIA H100 80GB HBM3", 81559.0, 700.0)
    }
}

/// GPUs of every GPU node, each assigned to the pods bound there in creation order (the device plugin's order).
fn gpus(objects: &Objects) -> Vec<Gpu<'_>> {
    let mut holders: BTreeMap<&str, Vec<(&store::Key, &Arc<Stored>)>> = BTreeMap::new();
    for (key, pod) in objects.range(store::range(resources::PODS, None)) {
        if pod.gpus > 0 && pod.field(resources::PODS, "status.phase") == Some("Running") {
            holders
                .entry(pod.field(resources::PODS, "spec.nodeName").unwrap_or_default())
                .or_default()
                .push((key, pod));
        }
    }
    let mut out = Vec::new();
    for (key, node) in objects.range(store::range(resources::NODES, None)) {
        let Some(product) = node.labels.get(PRODUCT_LABEL) else { continue };
        let value = node.value();
        let count: u32 = value["status"]["capacity"][object::GPU].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        let (model, fb, power_limit_w) = model_name(product);
        let mut pods = holders.remove(key.2.as_str()).unwrap_or_default();
        pods.sort_by_key(|(_, p)| p.rv);
        let mut slots = pods.iter().flat_map(|(k, p)| {
            let v = p.value();
            let container = v["spec"]["containers"][0]["name"].as_str().unwrap_or_default().to_string();
            let profile = logtext::profile(&v);
            std::iter::repeat_n((k.1.clone(), k.2.clone(), container, profile), p.gpus as usize)
        });
        for index in 0..count {
            out.push(Gpu { node: &key.2, index, model, fb_total_mib: fb, power_limit_w, holder: slots.next() });
        }
    }
    out
}

/// The node of the GPU that reports an XID error (GPU `XID_GPU` of the first GPU node), if there is a GPU node.
fn xid_node<'a>(gpus: &[Gpu<'a>]) -> Option<&'a str> {
    gpus.first().map(|g| g.node)
}

/// The node with the faulty GPU: its validation fails (`sim::validator`).
pub fn faulty_node(objects: &Objects) -> Option<String> {
    xid_node(&gpus(objects)).map(str::to_string)
}

/// One GPU's figures at one moment: what the exporter reports and what `nvidia-smi` in a container shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub node: String,
    /// The GPU's index on its node.
    pub index: u32,
    pub uuid: String,
    pub pci_bus_id: String,
    pub model: &'static str,
    pub util: f64,
    pub fb_used_mib: f64,
    pub fb_total_mib: f64,
    pub temp_c: f64,
    pub power_w: f64,
    pub power_limit_w: f64,
    pub xid: f64,
    pub throttle: f64,
    pub sm_clock_mhz: f64,
    /// (namespace, pod, container) of the pod the device plugin gave it to.
    pub holder: Option<(String, String, String)>,
}

/// Every GPU's reading at time `now` (one node's with `node`), in node then index order.
pub fn readings(seed: u64, objects: &Objects, now: i64, node: Option<&str>) -> Vec<Reading> {
    let gpus = gpus(objects);
    let first_node = xid_node(&gpus).unwrap_or_default().to_string();
    let last_node = gpus.last().map(|g| g.node.to_string()).unwrap_or_default();
    let step = now / 5;
    gpus.iter()
        .filter(|g| node.is_none_or(|n| n == g.node))
        .map(|g| {
            let id = format!("{}/{}", g.node, g.index);
            let n = |k: &str| rng::noise(seed, &format!("{id}/{k}"), step);
            let (util, fb_share) = match g.holder.as_ref().map(|h| h.3) {
                Some(Profile::Train) => (88.0 + 11.0 * n("u"), 0.74 + 0.1 * n("m")),
                Some(_) => (25.0 + 45.0 * n("u"), 0.2 + 0.25 * n("m")),
                None => (0.0, 0.006),
            };
            let fb_used = (g.fb_total_mib * fb_share).round();
            // The last GPU node's first GPU has a failing fan: it runs hot and the hardware slows it down.
            let overheating = g.node == last_node && g.index == 0;
            let temp = if overheating { 89.0 } else { (33.0 + util * 0.45 + 3.0 * n("t")).round() };
            // Idle draw is about a tenth of the board limit; full load approaches the limit.
            let idle = g.power_limit_w * 0.1;
            let power =
                (idle + util / 100.0 * (g.power_limit_w * 0.85 - idle) + 0.03 * g.power_limit_w * n("p")).round();
            let sm_clock = if overheating {
                1095.0
            } else if util > 0.0 {
                1980.0
            } else {
                345.0
            };
            Reading {
                node: g.node.to_string(),
                index: g.index,
                uuid: format!("GPU-{}", rng::Rng::new(seed ^ rng::hash(&id)).uuid()),
                pci_bus_id: format!("00000000:{:02X}:00.0", 0x18 + g.index * 0x10),
                model: g.model,
                util: util.round(),
                fb_used_mib: fb_used,
                fb_total_mib: g.fb_total_mib,
                temp_c: temp,
                power_w: power,
                power_limit_w: g.power_limit_w,
                xid: if g.node == first_node && g.index == XID_GPU { 79.0 } else { 0.0 },
                throttle: if overheating { HW_THERMAL_SLOWDOWN } else { 0.0 },
                sm_clock_mhz: sm_clock,
                holder: g.holder.as_ref().map(|(ns, pod, container, _)| (ns.clone(), pod.clone(), container.clone())),
            }
        })
        .collect()
}

/// The GPUs the device plugin gave pod `namespace/pod`, as read at `now`.
pub fn held_by(seed: u64, objects: &Objects, now: i64, namespace: &str, pod: &str) -> Vec<Reading> {
    readings(seed, objects, now, None)
        .into_iter()
        .filter(|r| r.holder.as_ref().is_some_and(|(ns, p, _)| ns == namespace && p == pod))
        .collect()
}

/// The exporter's text at time `now`: every GPU node's, or one node's (an exporter pod's own).
pub fn render(seed: u64, objects: &Objects, now: i64, node: Option<&str>) -> String {
    let samples: Vec<(String, [f64; 8])> = readings(seed, objects, now, node)
        .iter()
        .map(|r| {
            let values = [
                r.util,
                r.fb_used_mib,
                r.fb_total_mib - r.fb_used_mib,
                r.temp_c,
                r.power_w,
                r.xid,
                r.throttle,
                r.sm_clock_mhz,
            ];
            (labels(r), values)
        })
        .collect();
    let metrics = [
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %)."),
        ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB)."),
        ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB)."),
        ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C)."),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W)."),
        ("DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered."),
        ("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "Current clock throttle reasons."),
        ("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz)."),
    ];
    let mut out = String::new();
    for (i, (name, help)) in metrics.iter().enumerate() {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, values) in &samples {
            let _ = writeln!(out, "{name}{{{labels}}} {}", values[i]);
        }
    }
    out
}

fn labels(r: &Reading) -> String {
    let mut text = format!(
        "gpu=\"{}\",UUID=\"{}\",pci_bus_id=\"{}\",device=\"nvidia{}\",modelName=\"{}\",Hostname=\"{}\",DCGM_FI_DRIVER_VERSION=\"{DRIVER}\"",
        r.index, r.uuid, r.pci_bus_id, r.index, r.model, r.node
    );
    if let Some((ns, pod, container)) = &r.holder {
        let _ = write!(text, ",container=\"{container}\",namespace=\"{ns}\",pod=\"{pod}\"");
    }
    text
}

/// Parses exporter text into (metric, labels, value) triples (tests and benches read it back with this).
pub fn parse(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (head, value) = l.rsplit_once(' ')?;
            let (name, rest) = head.split_once('{')?;
            let labels = rest
                .trim_end_matches('}')
                .split("\",")
                .filter_map(|kv| {
                    let (k, v) = kv.split_once("=\"")?;
                    Some((k.to_string(), v.trim_end_matches('"').to_string()))
                })
                .collect();
            Some((name.to_string(), labels, value.parse().ok()?))
        })
        .collect()
}
