//! HorizontalPodAutoscalers and PodDisruptionBudgets: what scales a workload and what limits its disruption.

use serde_json::Value;

use super::View;
use crate::describe::{Related, generic, scaling};

pub struct HorizontalPodAutoscalers;

impl View for HorizontalPodAutoscalers {
    fn kind(&self) -> (&'static str, &'static str) {
        ("autoscaling", "HorizontalPodAutoscaler")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        // kubectl reads autoscaling/v2 whatever version was asked for; a v1 object has another shape.
        if obj["apiVersion"] == "autoscaling/v2" {
            scaling::describe_hpa(obj, events, now)
        } else {
            generic::describe_generic(obj, events, now)
        }
    }
}

pub struct PodDisruptionBudgets;

impl View for PodDisruptionBudgets {
    fn kind(&self) -> (&'static str, &'static str) {
        ("policy", "PodDisruptionBudget")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        scaling::describe_pdb(obj, events, now)
    }
}
