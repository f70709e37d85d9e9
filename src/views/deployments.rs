//! Deployments: described with their old and new ReplicaSets; `enter` shows the pods they select.

use super::{Fetch, Printed};
use crate::describe::workload;

pub const DEPLOYMENTS: Printed = Printed {
    group: "apps",
    kind: "Deployment",
    columns: &[],
    fetches: &[Fetch::ReplicaSets],
    print: |obj, related, events, now| workload::describe_deployment(obj, related.owned, events, now),
};
