//! Deployments: described with their old and new ReplicaSets; `enter` shows the pods they select.

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, workload};

pub struct Deployments;

impl View for Deployments {
    fn kind(&self) -> (&'static str, &'static str) {
        ("apps", "Deployment")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::ReplicaSets]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        workload::describe_deployment(obj, related.owned, events, now)
    }
}
