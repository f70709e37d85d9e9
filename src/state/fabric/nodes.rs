//! The node layer: per node, its CNI pod's health and the pods whose sandbox the CNI could not set up (one line
//! naming both), a kubelet outside the supported version skew or apart from its pool, and a Lease the kubelet
//! stopped renewing while the node still says Ready.

use std::collections::{BTreeMap, HashMap};

use super::{Fabric, Finding, NODE, World};
use crate::event::{ObjectKind, ObjectRef};
use crate::model::Health;
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::state::triage::{TriageRow, WARNING_WINDOW};

/// The kubelet's event when the runtime could not create a pod's sandbox (the CNI ADD failed, usually).
pub const SANDBOX_FAILED: &str = "FailedCreatePodSandBox";
/// How many minors a kubelet may lag the API server (Kubernetes' version skew policy since 1.28).
pub const KUBELET_SKEW: u32 = 3;

/// Every node-layer line, and when one may appear by itself (a Lease running out).
pub fn lines(fabric: &Fabric, world: &World<'_>, now: i64) -> (Vec<TriageRow>, Option<i64>) {
    let mut lines = cni_lines(fabric, world, now);
    lines.extend(kubelet_lines(fabric, world.nodes));
    let (leases, recheck) = lease_lines(fabric, world.nodes, now);
    lines.extend(leases);
    (lines, recheck)
}

fn node_named<'a>(nodes: &'a HashMap<String, NodeRow>, name: &str) -> Option<&'a NodeRow> {
    nodes.values().find(|n| n.id.name == name)
}

/// A line per node whose CNI pod is not running and ready, whose network is unavailable, or where pods are stuck
/// without a sandbox.
fn cni_lines(fabric: &Fabric, world: &World<'_>, now: i64) -> Vec<TriageRow> {
    let mut cni_pods: BTreeMap<&str, (&str, &PodRow)> = BTreeMap::new();
    for ds in fabric.cnis.values() {
        let plugin = ds.cni.as_deref().unwrap_or_default();
        let pods = fabric.pods_in.get(&ds.id.namespace).into_iter().flatten().filter_map(|uid| world.pods.get(uid));
        let owned = pods.filter(|p| p.owner.as_ref().is_some_and(|(k, n)| k == "DaemonSet" && *n == ds.id.name));
        for p in owned.filter(|p| !p.node.is_empty()) {
            cni_pods.insert(p.node.as_str(), (plugin, p));
        }
    }
    let mut stuck: BTreeMap<&str, Vec<(&PodRow, &str)>> = BTreeMap::new();
    for (uid, e) in &fabric.sandbox_failures {
        let Some(p) = world.pods.get(uid) else { continue };
        if now - e.last <= WARNING_WINDOW && p.ready.0 == 0 && !p.finished() && !p.node.is_empty() {
            stuck.entry(p.node.as_str()).or_default().push((p, e.message.as_str()));
        }
    }
    let mut nodes: Vec<&str> = stuck.keys().copied().collect();
    nodes.extend(cni_pods.iter().filter(|(_, (_, p))| !healthy(p)).map(|(n, _)| *n));
    let unavailable = world.nodes.values().filter(|n| n.pressure.iter().any(|c| c == "NetworkUnavailable"));
    nodes.extend(unavailable.map(|n| n.id.name.as_str()));
    nodes.sort_unstable();
    nodes.dedup();
    nodes
        .into_iter()
        .filter_map(|name| {
            let node = node_named(world.nodes, name)?;
            let mut why = Vec::new();
            let cni = cni_pods.get(name);
            let problem = match cni {
                Some((plugin, p)) if !healthy(p) => {
                    why.push(format!("{plugin} pod {} is {} ({} restarts)", p.id.name, p.status, p.restarts));
                    "CNIDown"
                }
                _ if node.pressure.iter().any(|c| c == "NetworkUnavailable") => {
                    why.push("NetworkUnavailable".into());
                    "NetworkUnavailable"
                }
                _ => "SandboxFailed",
            };
            if let Some(pods) = stuck.get(name) {
                let message = pods.iter().map(|(_, m)| *m).next().unwrap_or_default();
                why.push(format!("{} pods stuck without a sandbox: {message}", pods.len()));
            }
            let since = cni.map(|(_, p)| p.last_restart.unwrap_or(p.created)).unwrap_or(node.created);
            let finding = Finding { problem, why: why.join("; "), severity: Health::Error, weight: 93, since };
            let mut line = finding.line(format!("node/cni/{name}"), NODE, &node.id);
            // Enter goes where the fix starts: the CNI pod (its logs are one more key away).
            line.object = cni.map(|(_, p)| ObjectRef {
                kind: ObjectKind::Pod,
                namespace: p.id.namespace.clone(),
                name: p.id.name.clone(),
                uid: p.id.uid.clone(),
            });
            Some(line)
        })
        .collect()
}

fn healthy(p: &PodRow) -> bool {
    p.status == "Running" && p.ready.0 == p.ready.1
}

/// `v1.31.9` → 31.
fn minor(version: &str) -> Option<u32> {
    version.trim_start_matches('v').split('.').nth(1)?.parse().ok()
}

/// Kubelets newer than the API server or more than `KUBELET_SKEW` minors behind it (errors), and kubelets on
/// another minor than most of their pool (a warning: a half-finished upgrade).
fn kubelet_lines(fabric: &Fabric, nodes: &HashMap<String, NodeRow>) -> Vec<TriageRow> {
    let mut pools: HashMap<&str, BTreeMap<u32, usize>> = HashMap::new();
    for n in nodes.values() {
        if let Some(m) = minor(&n.kubelet) {
            *pools.entry(n.pool.as_str()).or_default().entry(m).or_default() += 1;
        }
    }
    let mut lines = Vec::new();
    for n in nodes.values() {
        let Some(kubelet) = minor(&n.kubelet) else { continue };
        let server = fabric.server_minor;
        let (severity, why) = match server {
            Some(api) if kubelet > api => {
                (Health::Error, format!("kubelet {} is newer than the API server 1.{api}: unsupported", n.kubelet))
            }
            Some(api) if api - kubelet > KUBELET_SKEW => (
                Health::Error,
                format!(
                    "kubelet {} is {} minors behind the API server 1.{api} (at most {KUBELET_SKEW})",
                    n.kubelet,
                    api - kubelet
                ),
            ),
            _ => {
                let Some(counts) = pools.get(n.pool.as_str()) else { continue };
                let Some((&usual, &others)) = counts.iter().max_by_key(|(m, c)| (**c, **m)) else { continue };
                if usual == kubelet {
                    continue;
                }
                let api = server.map(|m| format!("; API server 1.{m}")).unwrap_or_default();
                (
                    Health::Warn,
                    format!("kubelet {} here, 1.{usual} on {others} other nodes of pool {}{api}", n.kubelet, n.pool),
                )
            }
        };
        let finding = Finding { problem: "VersionSkew", why, severity, weight: 40, since: n.created };
        lines.push(finding.line(format!("node/kubelet/{}", n.id.name), NODE, &n.id));
    }
    lines
}

/// Ready nodes whose Lease ran out: the kubelet stopped (or cannot reach the API server), and the node goes
/// NotReady once the controller's grace period ends. The earliest time a fresh Lease runs out comes back.
fn lease_lines(fabric: &Fabric, nodes: &HashMap<String, NodeRow>, now: i64) -> (Vec<TriageRow>, Option<i64>) {
    let mut next: Option<i64> = None;
    let mut lines = Vec::new();
    for lease in fabric.leases.values() {
        let Some(renewed) = lease.renewed else { continue };
        let Some(node) = node_named(nodes, &lease.node).filter(|n| n.status.starts_with("Ready")) else { continue };
        let expires = renewed + lease.duration;
        if now <= expires {
            next = Some(next.map_or(expires + 1, |t| t.min(expires + 1)));
            continue;
        }
        let finding = Finding {
            problem: "LeaseExpired",
            why: format!(
                "kubelet last renewed its Lease {} ago (duration {}s); the node still says Ready and turns NotReady when the grace period ends",
                crate::model::age(now - renewed),
                lease.duration
            ),
            severity: Health::Error,
            weight: 94,
            since: renewed,
        };
        lines.push(finding.line(format!("node/lease/{}", node.id.name), NODE, &node.id));
    }
    (lines, next)
}
