//! Pods: described as kubectl does (containers, conditions, volumes, QoS, tolerations).

use super::Printed;
use crate::describe::pod;

pub const PODS: Printed = Printed {
    group: "",
    kind: "Pod",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| pod::describe_pod(obj, events, now),
};
