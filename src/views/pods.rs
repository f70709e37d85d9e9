//! Pods: described as kubectl does (containers, conditions, volumes, QoS, tolerations).

use serde_json::Value;

use super::View;
use crate::describe::{Related, pod};

pub struct Pods;

impl View for Pods {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Pod")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        pod::describe_pod(obj, events, now)
    }
}
