//! HorizontalPodAutoscalers and PodDisruptionBudgets: what scales a workload and what limits its disruption.

use super::Printed;
use crate::describe::{generic, scaling};

pub const HORIZONTAL_POD_AUTOSCALERS: Printed = Printed {
    group: "autoscaling",
    kind: "HorizontalPodAutoscaler",
    columns: &[],
    fetches: &[],
    // kubectl reads autoscaling/v2 whatever version was asked for; a v1 object has another shape.
    print: |obj, _, events, now| {
        if obj["apiVersion"] == "autoscaling/v2" {
            scaling::describe_hpa(obj, events, now)
        } else {
            generic::describe_generic(obj, events, now)
        }
    },
};

pub const POD_DISRUPTION_BUDGETS: Printed = Printed {
    group: "policy",
    kind: "PodDisruptionBudget",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| scaling::describe_pdb(obj, events, now),
};
