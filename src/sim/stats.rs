//! The kubelet's `/stats/summary` behind the API server's node proxy (`/api/v1/nodes/{node}/proxy/...`): the
//! node's and each running pod's CPU, memory, network and filesystems, and the pods' volumes (claims filled to a
//! seeded or annotated level), consistent with metrics.k8s.io; and the proxy's errors when the kubelet is stopped
//! or a fault makes it refuse or hang.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::error::ApiError;
use super::faults::StatsFault;
use super::http::{self, Reply};
use super::object::Stored;
use super::store::{self, Objects};
use super::world::World;
use super::{clock, kubelet, metrics, resources, rng, scenario};

/// Annotation on a PersistentVolumeClaim: how full its volume is, in percent (else a seeded, modest level).
pub const USED_PERCENT: &str = "sim.gpudeck.io/used-percent";
/// How long a hanging kubelet keeps the request before the sim lets it go: longer than any client waits.
const HANG: Duration = Duration::from_secs(600);
/// The kubelet recomputes volume usage this often (its volumeStatsAggPeriod).
const VOLUME_STATS_PERIOD_S: i64 = 60;
/// ext4's default bytes per inode, which the sim's filesystems are sized by.
const BYTES_PER_INODE: u64 = 16 * 1024;
const MI: u64 = 1024 * 1024;

/// `GET /api/v1/nodes/{node[:port]}/proxy/{path}`: the kubelet's answer, or the API server's error reaching it.
pub async fn proxy(world: &Arc<World>, node: &str, path: &str) -> Result<Reply, ApiError> {
    let name = node.split(':').next().unwrap_or(node);
    let Some(stored) = world.store.get(&(resources::NODES, String::new(), name.to_string())) else {
        return Err(ApiError::not_found(resources::get(resources::NODES), name));
    };
    let kubelet = format!("{}:{}", kubelet::node_ip(name), scenario::KUBELET_PORT);
    let fault =
        if world.faults.kubelet_stopped(name) { Some(StatsFault::Refuse) } else { world.faults.stats_fault(name) };
    match fault {
        Some(StatsFault::Refuse) => {
            return Err(ApiError::failure(
                500,
                format!("error trying to reach service: dial tcp {kubelet}: connect: connection refused"),
            ));
        }
        Some(StatsFault::Timeout) => {
            tokio::time::sleep(HANG).await;
            return Err(ApiError::failure(
                500,
                "error trying to reach service: net/http: timeout awaiting response headers".to_string(),
            ));
        }
        None => {}
    }
    if path.trim_end_matches('/') != "stats/summary" {
        return Ok(http::respond(404, "text/plain; charset=utf-8", "404 page not found\n"));
    }
    let (_, objects) = world.store.snapshot();
    Ok(http::json(200, &summary(world.seed, &objects, &stored, clock::now_f64())))
}

/// A filesystem's stats as the kubelet reports them.
fn fs(at: &str, capacity: u64, used: u64) -> Value {
    let used = used.min(capacity);
    let inodes = capacity / BYTES_PER_INODE;
    let inodes_used = (used / MI).min(inodes);
    json!({"time": at, "availableBytes": capacity - used, "capacityBytes": capacity, "usedBytes": used,
        "inodesFree": inodes - inodes_used, "inodes": inodes, "inodesUsed": inodes_used})
}

/// A share of the node's filesystem: the filesystem's capacity and what is free on it, and this share's own use.
fn on_node_fs(at: &str, (capacity, node_used): (u64, u64), used: u64) -> Value {
    let mut share = fs(at, capacity, node_used);
    share["usedBytes"] = json!(used);
    share["inodesUsed"] = json!(1 + used / MI);
    share
}

/// CPU stats: the rate now and a cumulative count consistent with running at about that rate since `since`.
fn cpu(at: &str, nano_cores: u64, since: f64, now: f64) -> Value {
    let seconds = (now - since).max(0.0) as u128;
    let total = u128::from(nano_cores) * seconds * 4 / 5;
    json!({"time": at, "usageNanoCores": nano_cores, "usageCoreNanoSeconds": total.min(u128::from(u64::MAX)) as u64})
}

/// Memory stats for a working set; `available` only where there is a limit to measure against.
fn memory(at: &str, working_set: u64, available: Option<u64>, seed: u64, key: &str) -> Value {
    let cache = (working_set as f64 * 0.15 * rng::noise(seed, key, -3)) as u64;
    let mut m = json!({"time": at, "usageBytes": working_set + cache, "workingSetBytes": working_set,
        "rssBytes": working_set * 4 / 5, "pageFaults": working_set / 4096, "majorPageFaults": (working_set / MI) % 97});
    if let Some(a) = available {
        m["availableBytes"] = json!(a);
    }
    m
}

/// Interface counters that grow with time since `since`.
fn network(at: &str, interface: &str, seed: u64, key: &str, since: f64, now: f64) -> Value {
    let seconds = (now - since).max(0.0);
    let rate = 50_000.0 + 5_000_000.0 * rng::noise(seed, key, -4);
    let (rx, tx) = ((rate * seconds) as u64, (rate * 0.6 * seconds) as u64);
    let counters = json!({"name": interface, "rxBytes": rx, "rxErrors": 0, "txBytes": tx, "txErrors": 0});
    let mut n = counters.clone();
    n["time"] = json!(at);
    n["interfaces"] = json!([counters]);
    n
}

fn quantity(v: &Value) -> Option<u64> {
    v.as_str().and_then(crate::model::bytes)
}

fn time_of(v: &Value) -> Option<f64> {
    v.as_str().and_then(clock::parse_rfc3339)
}

/// The Summary for `node` at `now`.
fn summary(seed: u64, objects: &Objects, node: &Arc<Stored>, now: f64) -> Value {
    let value = node.value();
    let name = crate::sim::object::name(&value).to_string();
    let at = metrics::timestamp(now as i64);
    let booted = time_of(&value["metadata"]["creationTimestamp"]).unwrap_or(now);
    let boot_time = clock::rfc3339(booted as i64);
    let (node_cpu, node_memory) = metrics::node_usage(seed, objects, &name, now as i64).unwrap_or_default();
    let memory_capacity = quantity(&value["status"]["capacity"]["memory"]).unwrap_or(0);
    let fs_capacity = quantity(&value["status"]["capacity"]["ephemeral-storage"]).unwrap_or(0);
    // A node under disk pressure is past the kubelet's nodefs.available<10% eviction threshold.
    let pressure = value["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == "DiskPressure" && c["status"] == "True"));
    let fill =
        if pressure { 0.925 + 0.02 * rng::noise(seed, &name, -5) } else { 0.18 + 0.37 * rng::noise(seed, &name, -5) };
    let fs_used = (fs_capacity as f64 * fill) as u64;
    let images = fs_used / 3;
    let shares = metrics::cpu_shares(seed, objects, now as i64);
    let pods: Vec<Value> = objects
        .range(store::range(resources::PODS, None))
        .filter(|(_, p)| p.field(resources::PODS, "spec.nodeName") == Some(name.as_str()) && metrics::running(p))
        .map(|(_, p)| pod_stats(seed, objects, p, &shares, &at, (fs_capacity, fs_used), now))
        .collect();
    let pods_cpu: u64 = pods.iter().filter_map(|p| p["cpu"]["usageNanoCores"].as_u64()).sum();
    let pods_memory: u64 = pods.iter().filter_map(|p| p["memory"]["workingSetBytes"].as_u64()).sum();
    let kubelet_cpu = 40_000_000 + (30_000_000.0 * rng::noise(seed, &name, now as i64 / metrics::WINDOW_S)) as u64;
    let system = |container: &str, nano: u64, working_set: u64, available: Option<u64>| {
        json!({"name": container, "startTime": boot_time, "cpu": cpu(&at, nano, booted, now),
            "memory": memory(&at, working_set, available, seed, &format!("{name}/{container}"))})
    };
    json!({
        "node": {
            "nodeName": name,
            "systemContainers": [
                system("kubelet", kubelet_cpu, 180 * MI, None),
                system("runtime", kubelet_cpu / 2, 240 * MI, None),
                system("pods", pods_cpu, pods_memory, Some(memory_capacity.saturating_sub(pods_memory))),
            ],
            "startTime": boot_time,
            "cpu": cpu(&at, node_cpu, booted, now),
            "memory": memory(&at, node_memory, Some(memory_capacity.saturating_sub(node_memory)), seed, &name),
            "network": network(&at, "ens5", seed, &name, booted, now),
            "fs": fs(&at, fs_capacity, fs_used),
            "runtime": {"imageFs": on_node_fs(&at, (fs_capacity, fs_used), images),
                "containerFs": on_node_fs(&at, (fs_capacity, fs_used), images)},
            "rlimit": {"time": at, "maxpid": 4_194_304, "curproc": 400 + 25 * pods.len()},
        },
        "pods": pods,
    })
}

/// One running pod: its containers (usage split as metrics.k8s.io reports it), totals, network, volumes and
/// ephemeral storage on the node's filesystem (`node_fs` is its capacity and use).
fn pod_stats(
    seed: u64,
    objects: &Objects,
    stored: &Stored,
    shares: &HashMap<String, f64>,
    at: &str,
    node_fs: (u64, u64),
    now: f64,
) -> Value {
    let pod = stored.value();
    let uid = stored.uid.as_str();
    let started = time_of(&pod["status"]["startTime"]).unwrap_or(now);
    let usage = metrics::container_usage(seed, stored, &pod, shares, now as i64);
    let statuses = pod["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
    let mut ephemeral = 0;
    let containers: Vec<Value> = usage
        .iter()
        .map(|(container, nano, working_set)| {
            let status = statuses.iter().find(|s| s["name"] == container.as_str());
            let since = status.and_then(|s| time_of(&s["state"]["running"]["startedAt"])).unwrap_or(started);
            let key = format!("{uid}/{container}");
            let rootfs = (20.0 + 200.0 * rng::noise(seed, &key, -6)) as u64 * MI;
            let logs = (1.0 + 50.0 * rng::noise(seed, &key, -8)) as u64 * MI;
            ephemeral += rootfs + logs;
            json!({"name": container, "startTime": clock::rfc3339(since as i64), "cpu": cpu(at, *nano, since, now),
                "memory": memory(at, *working_set, None, seed, &key),
                "rootfs": on_node_fs(at, node_fs, rootfs), "logs": on_node_fs(at, node_fs, logs)})
        })
        .collect();
    let volume_time = clock::rfc3339((now as i64) / VOLUME_STATS_PERIOD_S * VOLUME_STATS_PERIOD_S);
    let volumes: Vec<Value> = pod["spec"]["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| volume_stats(seed, objects, &pod, v, &volume_time, node_fs))
        .collect();
    ephemeral +=
        volumes.iter().filter(|v| v.get("pvcRef").is_none()).filter_map(|v| v["usedBytes"].as_u64()).sum::<u64>();
    let nano: u64 = usage.iter().map(|(_, n, _)| n).sum();
    let working_set: u64 = usage.iter().map(|(_, _, m)| m).sum();
    let mut stats = json!({
        "podRef": {"name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"], "uid": uid},
        "startTime": clock::rfc3339(started as i64),
        "containers": containers,
        "cpu": cpu(at, nano, started, now),
        "memory": memory(at, working_set, None, seed, uid),
        "ephemeral-storage": on_node_fs(at, node_fs, ephemeral),
        "process_stats": {"process_count": 1 + usage.len() * (1 + (rng::noise(seed, uid, -9) * 30.0) as usize)},
    });
    // A host-network pod shares the node's interfaces; the kubelet reports none of its own.
    if pod["spec"]["hostNetwork"] != true {
        stats["network"] = network(at, "eth0", seed, uid, started, now);
    }
    if !volumes.is_empty() {
        stats["volume"] = json!(volumes);
    }
    stats
}

/// Stats of one pod volume the kubelet measures: a bound claim's volume at its fill level (with its pvcRef), or
/// an emptyDir, ConfigMap, Secret, projected or downward-API volume on the node's filesystem; None for the kinds
/// it has no metrics for (hostPath and the like) and for claims not bound.
fn volume_stats(
    seed: u64,
    objects: &Objects,
    pod: &Value,
    volume: &Value,
    at: &str,
    node_fs: (u64, u64),
) -> Option<Value> {
    let name = volume["name"].as_str()?;
    let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    let mut stats = if let Some(claim_name) = volume["persistentVolumeClaim"]["claimName"].as_str() {
        let claim = objects.get(&(resources::PVCS, namespace.to_string(), claim_name.to_string()))?.value();
        let bound = claim["spec"]["volumeName"].as_str().filter(|v| !v.is_empty())?;
        let pv = objects.get(&(resources::PVS, String::new(), bound.to_string())).map(|p| p.value());
        let capacity = pv
            .and_then(|pv| quantity(&pv["spec"]["capacity"]["storage"]))
            .or_else(|| quantity(&claim["status"]["capacity"]["storage"]))?;
        let fill = claim_fill(seed, &claim);
        let mut s = fs(at, capacity, (capacity as f64 * fill).round() as u64);
        s["pvcRef"] = json!({"name": claim_name, "namespace": namespace});
        s
    } else {
        let used = if volume.get("emptyDir").is_some() {
            (rng::noise(seed, &format!("{uid}/{name}"), -10) * 2048.0) as u64 * MI
        } else if ["configMap", "secret", "projected", "downwardAPI"].iter().any(|k| volume.get(*k).is_some()) {
            12 * 1024
        } else {
            return None;
        };
        on_node_fs(at, node_fs, used)
    };
    stats["name"] = json!(name);
    Some(stats)
}

/// How full a claim's volume is (0–1): its `sim.gpudeck.io/used-percent`, else a seeded 8–45 %.
pub fn claim_fill(seed: u64, claim: &Value) -> f64 {
    let fixed = claim["metadata"]["annotations"][USED_PERCENT].as_str().and_then(|p| p.trim().parse::<f64>().ok());
    match fixed {
        Some(percent) => (percent / 100.0).clamp(0.0, 1.0),
        None => 0.08 + 0.37 * rng::noise(seed, claim["metadata"]["uid"].as_str().unwrap_or_default(), -7),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_fill_to_their_annotation_or_a_modest_seeded_level() {
        let annotated = json!({"metadata": {"uid": "c1", "annotations": {USED_PERCENT: "93"}}});
        assert_eq!(claim_fill(1, &annotated), 0.93);
        for uid in ["a", "b", "c", "d"] {
            let f = claim_fill(7, &json!({"metadata": {"uid": uid}}));
            assert!((0.08..0.45).contains(&f), "{uid}: {f}");
            assert_eq!(f, claim_fill(7, &json!({"metadata": {"uid": uid}})));
        }
        let s = fs("t", 1000 * BYTES_PER_INODE, 930 * BYTES_PER_INODE);
        assert_eq!(s["availableBytes"].as_u64().unwrap() + s["usedBytes"].as_u64().unwrap(), 1000 * BYTES_PER_INODE);
    }
}
