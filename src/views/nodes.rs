//! Nodes: described with their non-terminated pods, allocated resources (GPUs included) and Lease.

use super::{Fetch, Printed};
use crate::describe::node;

pub const NODES: Printed = Printed {
    group: "",
    kind: "Node",
    columns: &[],
    fetches: &[Fetch::PodsOnNode, Fetch::NodeLease],
    print: |obj, related, events, now| node::describe_node(obj, related.pods, related.lease, events, now),
};
