//! How an in-cluster validation Job is getting on: what its effect reports and the validation flow reads.

/// How a validation Job is getting on, as its effect reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The node was cordoned first (`:requalify`): no other work lands while it is validated.
    Cordoned,
    Created {
        job: String,
    },
    /// The pod is not running yet, and why (unschedulable, pulling).
    Waiting(String),
    Started {
        pod: String,
    },
    /// The run ended before a pod could say anything: the Job was refused, or its pod cannot start.
    Failed(String),
}
