//! The controller loop's node side: every running kubelet renews its Lease when due and posts node status, and the
//! node lifecycle controller marks silent nodes Unknown, keeps condition taints in line and pods' readiness with
//! their node. A stopped kubelet (a fault, or the scenario's lost node) does none of its part.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Controllers;
use crate::sim::kubelet::EventSpec;
use crate::sim::object::Stored;
use crate::sim::store::{self, Key, Objects};
use crate::sim::{lease, nodehealth, resources};

fn lease_key(node: &str) -> Key {
    (resources::LEASES, lease::NAMESPACE.to_string(), node.to_string())
}

impl Controllers {
    /// Keeps the set of kubelets in line with the nodes: a node some kubelet registered (it has a Ready condition)
    /// has one, renewing from its lease's last renewal; a deleted node's lease goes with it, as the garbage
    /// collector removes what a Node owns.
    pub(super) fn track_node(&mut self, key: &Key, node: Option<&Arc<Stored>>, now: f64) {
        match node {
            Some(node) => {
                let value = node.value();
                if nodehealth::ready_status(&value).is_some() && !self.kubelets.contains_key(&key.2) {
                    let renewed = self.world.store.get(&lease_key(&key.2)).and_then(|l| lease::renew_time(&l.value()));
                    let due = renewed.map_or(now, |t| t + lease::RENEW_INTERVAL_S);
                    self.kubelets.insert(key.2.clone(), due);
                }
            }
            None => {
                self.kubelets.remove(&key.2);
                // Gone already: nothing to collect.
                let _ = self.world.store.delete(&lease_key(&key.2), None);
            }
        }
    }

    /// Each running kubelet whose renewal is due renews its lease (creating it when missing), one write per node
    /// every ten seconds or so.
    pub(super) fn renew_leases(&mut self, now: f64) {
        let due: Vec<String> = self.kubelets.iter().filter(|(_, t)| **t <= now).map(|(n, _)| n.clone()).collect();
        for node in due {
            if self.world.faults.kubelet_stopped(&node) {
                continue;
            }
            let written = match self.world.store.get(&lease_key(&node)) {
                Some(current) => self
                    .world
                    .store
                    .replace(resources::LEASES, lease::renewed(&current.value(), now), current.rv)
                    .is_ok(),
                None => match self.world.store.get(&(resources::NODES, String::new(), node.clone())) {
                    Some(n) => self.world.store.create(resources::LEASES, lease::for_node(&n.value(), now)).is_ok(),
                    None => false,
                },
            };
            let next = if written {
                now + lease::RENEW_INTERVAL_S * (1.0 + lease::RENEW_JITTER * self.rng.unit())
            } else {
                // Lost to another writer: try again next tick.
                now
            };
            self.kubelets.insert(node, next);
        }
    }

    /// The node-monitor pass: running kubelets post status when due (and their pods' readiness on coming back),
    /// silent nodes go Unknown with a NodeNotReady event, condition taints follow conditions, and pods on an
    /// unready node are marked not ready.
    pub(super) fn monitor_nodes(&mut self, now: f64) {
        let (_, objects) = self.world.store.snapshot();
        let grace = self.world.faults.node_monitor_grace_period_s() as f64;
        for (key, stored) in objects.range(store::range(resources::NODES, None)) {
            let node = stored.value();
            let stopped = self.world.faults.kubelet_stopped(&key.2);
            let mut next = None;
            if self.kubelets.contains_key(&key.2) && !stopped {
                next = nodehealth::kubelet_status(&node, now);
                if next.is_some() && nodehealth::ready_status(&node) != Some("True") {
                    self.kubelet_back(&objects, &node, now);
                }
            }
            if next.is_none() {
                let renewed = objects.get(&lease_key(&key.2)).and_then(|l| lease::renew_time(&l.value()));
                next = nodehealth::monitor(&node, renewed, now, grace);
                if next.is_some() {
                    self.node_event(&node, "NodeNotReady", "node-controller", now);
                }
            }
            let current = next.as_ref().unwrap_or(&node);
            if let Some(tainted) = nodehealth::with_condition_taints(current, now) {
                next = Some(tainted);
            }
            let unready = nodehealth::ready_status(next.as_ref().unwrap_or(&node)).is_some_and(|s| s != "True");
            if let Some(next) = next {
                // Lost to another writer: the next pass looks again.
                let _ = self.world.store.replace(resources::NODES, next, stored.rv);
            }
            if unready {
                self.mark_pods_not_ready(&objects, &key.2, now);
            }
        }
    }

    /// A kubelet back on a node the controller had given up on: it says the node is ready and its running pods
    /// whose containers are ready are Ready again.
    fn kubelet_back(&mut self, objects: &Objects, node: &Value, now: f64) {
        let name = crate::sim::object::name(node).to_string();
        self.node_event(node, "NodeReady", "kubelet", now);
        for (_, pod) in pods_on(objects, &name) {
            if let Some(next) = nodehealth::pod_ready_again(&pod.value(), now) {
                let _ = self.world.store.replace(resources::PODS, next, pod.rv);
            }
        }
    }

    fn mark_pods_not_ready(&mut self, objects: &Objects, node: &str, now: f64) {
        for (_, pod) in pods_on(objects, node).filter(|(_, p)| p.ready) {
            let value = pod.value();
            if let Some(next) = nodehealth::pod_not_ready(&value, now)
                && self.world.store.replace(resources::PODS, next, pod.rv).is_ok()
            {
                let spec = EventSpec {
                    warning: true,
                    reason: "NodeNotReady",
                    message: "Node is not ready".into(),
                    component: "node-controller",
                };
                self.record(&value, &spec, now);
            }
        }
    }

    /// `Node NAME status is now: REASON`, recorded against the node's reference as the kubelet and
    /// RecordNodeStatusChange make it (its uid is the node's name there; `spec.nodeName` gives a kubelet event
    /// its host).
    fn node_event(&mut self, node: &Value, reason: &'static str, component: &'static str, now: f64) {
        let name = crate::sim::object::name(node);
        let involved = json!({"kind": "Node", "apiVersion": "v1", "metadata": {"name": name, "uid": name}, "spec": {"nodeName": name}});
        let spec =
            EventSpec { warning: false, reason, message: format!("Node {name} status is now: {reason}"), component };
        self.record(&involved, &spec, now);
    }
}

fn pods_on<'a>(objects: &'a Objects, node: &'a str) -> impl Iterator<Item = (&'a Key, &'a Arc<Stored>)> {
    objects
        .range(store::range(resources::PODS, None))
        .filter(move |(_, p)| p.field(resources::PODS, "spec.nodeName") == Some(node))
}
