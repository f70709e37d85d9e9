//! Fault switches tests flip at run time (latency, dropped watches, 5xx bursts, stopped kubelets, failing kubelet
//! stats) and the node-monitor grace period; read per request or per controller pass.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// kube-controller-manager 1.32's `--node-monitor-grace-period` default (raised from 40 s in 1.32).
pub const NODE_MONITOR_GRACE_PERIOD_S: u64 = 50;

#[derive(Debug)]
pub struct Faults {
    latency_ms: AtomicU64,
    drop_watches_after_s: AtomicU64,
    error_burst: AtomicU64,
    node_monitor_grace_s: AtomicU64,
    nodes: Mutex<NodeFaults>,
}

/// What is wrong with particular nodes.
#[derive(Debug, Default)]
struct NodeFaults {
    stopped_kubelets: BTreeSet<String>,
    stats: BTreeMap<String, StatsFault>,
}

/// How a node's kubelet answers `/api/v1/nodes/{node}/proxy/stats/summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StatsFault {
    /// The kubelet takes the connection and never answers (longer than any client waits).
    Timeout,
    /// Nothing listens on the kubelet port: the API server's proxy reports connection refused.
    Refuse,
}

/// The JSON shape of `GET/POST /sim/faults`; absent fields leave a switch as it is.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSettings {
    pub latency_ms: Option<u64>,
    /// Every watch is closed this many seconds after it starts (0 = never).
    pub drop_watches_after_seconds: Option<u64>,
    /// The next N API requests are answered 503.
    pub error_burst: Option<u64>,
    /// Expire every resourceVersion issued so far (watches end with 410 and clients relist).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expire_resource_versions: bool,
    /// How long a node's kubelet may be silent before the node lifecycle controller marks it Unknown.
    pub node_monitor_grace_period_seconds: Option<u64>,
    /// The nodes whose kubelet is stopped (read back by GET; a POST replaces the whole set).
    pub stopped_kubelets: Option<BTreeSet<String>>,
    /// Stops these nodes' kubelets: their leases stop renewing and their pods stop progressing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_kubelets: Vec<String>,
    /// Starts these nodes' kubelets again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub start_kubelets: Vec<String>,
    /// Per node, how its kubelet's stats summary fails; `null` makes a node answer again.
    pub stats_summary_faults: Option<BTreeMap<String, Option<StatsFault>>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency_ms: AtomicU64::new(0),
            drop_watches_after_s: AtomicU64::new(0),
            error_burst: AtomicU64::new(0),
            node_monitor_grace_s: AtomicU64::new(NODE_MONITOR_GRACE_PERIOD_S),
            nodes: Mutex::new(NodeFaults::default()),
        }
    }
}

impl Faults {
    pub fn set(&self, s: &FaultSettings) {
        if let Some(v) = s.latency_ms {
            self.latency_ms.store(v, Ordering::Relaxed);
        }
        if let Some(v) = s.drop_watches_after_seconds {
            self.drop_watches_after_s.store(v, Ordering::Relaxed);
        }
        if let Some(v) = s.error_burst {
            self.error_burst.store(v, Ordering::Relaxed);
        }
        if let Some(v) = s.node_monitor_grace_period_seconds {
            self.node_monitor_grace_s.store(v, Ordering::Relaxed);
        }
        let mut nodes = self.lock();
        if let Some(set) = &s.stopped_kubelets {
            nodes.stopped_kubelets = set.clone();
        }
        nodes.stopped_kubelets.extend(s.stop_kubelets.iter().cloned());
        for node in &s.start_kubelets {
            nodes.stopped_kubelets.remove(node);
        }
        for (node, fault) in s.stats_summary_faults.iter().flatten() {
            match fault {
                Some(f) => nodes.stats.insert(node.clone(), *f),
                None => nodes.stats.remove(node),
            };
        }
    }

    pub fn get(&self) -> FaultSettings {
        let nodes = self.lock();
        FaultSettings {
            latency_ms: Some(self.latency_ms.load(Ordering::Relaxed)),
            drop_watches_after_seconds: Some(self.drop_watches_after_s.load(Ordering::Relaxed)),
            error_burst: Some(self.error_burst.load(Ordering::Relaxed)),
            expire_resource_versions: false,
            node_monitor_grace_period_seconds: Some(self.node_monitor_grace_period_s()),
            stopped_kubelets: Some(nodes.stopped_kubelets.clone()),
            stop_kubelets: Vec::new(),
            start_kubelets: Vec::new(),
            stats_summary_faults: Some(nodes.stats.iter().map(|(n, f)| (n.clone(), Some(*f))).collect()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NodeFaults> {
        self.nodes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn latency_ms(&self) -> u64 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    pub fn drop_watches_after_s(&self) -> u64 {
        self.drop_watches_after_s.load(Ordering::Relaxed)
    }

    /// Consumes one request of a pending 5xx burst; true when this request must fail.
    pub fn take_error(&self) -> bool {
        self.error_burst.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
    }

    pub fn node_monitor_grace_period_s(&self) -> u64 {
        self.node_monitor_grace_s.load(Ordering::Relaxed)
    }

    pub fn kubelet_stopped(&self, node: &str) -> bool {
        self.lock().stopped_kubelets.contains(node)
    }

    pub fn stats_fault(&self, node: &str) -> Option<StatsFault> {
        self.lock().stats.get(node).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_counts_down_and_partial_settings_keep_others() {
        let f = Faults::default();
        f.set(&FaultSettings { error_burst: Some(2), latency_ms: Some(5), ..Default::default() });
        f.set(&FaultSettings { drop_watches_after_seconds: Some(3), ..Default::default() });
        assert_eq!((f.latency_ms(), f.drop_watches_after_s()), (5, 3));
        assert!(f.take_error());
        assert!(f.take_error());
        assert!(!f.take_error());
        let bad: Result<FaultSettings, _> = serde_json::from_str(r#"{"latency":1}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn kubelets_stop_and_start_and_stats_faults_merge() {
        let f = Faults::default();
        assert_eq!(f.node_monitor_grace_period_s(), 50);
        let stop: FaultSettings = serde_json::from_str(
            r#"{"stopKubelets": ["a", "b"], "statsSummaryFaults": {"a": "timeout", "c": "refuse"}}"#,
        )
        .unwrap();
        f.set(&stop);
        assert!(f.kubelet_stopped("a") && f.kubelet_stopped("b"));
        f.set(&serde_json::from_str(r#"{"startKubelets": ["a"], "statsSummaryFaults": {"a": null}}"#).unwrap());
        assert!(!f.kubelet_stopped("a") && f.kubelet_stopped("b"));
        assert_eq!((f.stats_fault("a"), f.stats_fault("c")), (None, Some(StatsFault::Refuse)));
        let shown = serde_json::to_value(f.get()).unwrap();
        assert_eq!(shown["stoppedKubelets"], serde_json::json!(["b"]));
        assert_eq!(shown["statsSummaryFaults"], serde_json::json!({"c": "refuse"}));
        assert!(shown.get("stopKubelets").is_none());
        f.set(&serde_json::from_str(r#"{"stoppedKubelets": []}"#).unwrap());
        assert!(!f.kubelet_stopped("b"));
    }
}
