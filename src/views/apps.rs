//! ReplicaSets, StatefulSets and DaemonSets: described with the status of the pods they select; `enter` shows them.

use super::{Fetch, Printed};
use crate::describe::apps;

pub const REPLICA_SETS: Printed = Printed {
    group: "apps",
    kind: "ReplicaSet",
    columns: &[],
    fetches: &[Fetch::SelectedPods],
    print: |obj, related, events, now| apps::describe_replica_set(obj, related.pods, events, now),
};

pub const STATEFUL_SETS: Printed = Printed {
    group: "apps",
    kind: "StatefulSet",
    columns: &[],
    fetches: &[Fetch::SelectedPods],
    print: |obj, related, events, now| apps::describe_stateful_set(obj, related.pods, events, now),
};

pub const DAEMON_SETS: Printed = Printed {
    group: "apps",
    kind: "DaemonSet",
    columns: &[],
    fetches: &[Fetch::SelectedPods],
    print: |obj, related, events, now| apps::describe_daemon_set(obj, related.pods, events, now),
};
