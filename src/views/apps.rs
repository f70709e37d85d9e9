//! ReplicaSets, StatefulSets and DaemonSets: described with the status of the pods they select; `enter` shows them.

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, apps};

pub struct ReplicaSets;

impl View for ReplicaSets {
    fn kind(&self) -> (&'static str, &'static str) {
        ("apps", "ReplicaSet")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::SelectedPods]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        apps::describe_replica_set(obj, related.pods, events, now)
    }
}

pub struct StatefulSets;

impl View for StatefulSets {
    fn kind(&self) -> (&'static str, &'static str) {
        ("apps", "StatefulSet")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::SelectedPods]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        apps::describe_stateful_set(obj, related.pods, events, now)
    }
}

pub struct DaemonSets;

impl View for DaemonSets {
    fn kind(&self) -> (&'static str, &'static str) {
        ("apps", "DaemonSet")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::SelectedPods]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        apps::describe_daemon_set(obj, related.pods, events, now)
    }
}
