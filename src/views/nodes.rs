//! Nodes: described with their non-terminated pods, allocated resources (GPUs included) and Lease.

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, node};

pub struct Nodes;

impl View for Nodes {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Node")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::PodsOnNode, Fetch::NodeLease]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        node::describe_node(obj, related.pods, related.lease, events, now)
    }
}
