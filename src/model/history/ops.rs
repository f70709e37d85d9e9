//! What the history view asks of the cluster and the registry and what comes back: vocabulary shared by
//! `state/history` and `effects/history`.

use super::History;
use crate::event::ObjectAddress;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryEffect {
    /// The workload and the ReplicaSets or ControllerRevisions it controls.
    Load { target: ObjectAddress, generation: u64 },
    /// What the registry says of an image: the digest its tag names now, and the OCI labels of the build running
    /// (`running`, the pods' imageID digest) or, when no pod runs it, of the tag's.
    Provenance { image: String, running: Option<String> },
    /// `:undo`: the patch `kubectl rollout undo` sends, reviewed with a server-side dry-run or sent. A send is
    /// refused when the workload changed since the review (`expect`, its resourceVersion then).
    Undo { target: ObjectAddress, revision: i64, dry_run: bool, expect: Option<String>, generation: u64 },
    /// `:pause` / `:resume` a Deployment's rollout (`spec.paused`).
    Pause { target: ObjectAddress, paused: bool },
}

/// An undo's dry-run: the template as the server would store it, against the one now.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoReview {
    pub revision: i64,
    /// The workload's resourceVersion the review was made against.
    pub resource_version: String,
    /// A unified diff of the current template against the dry-run's; empty when they are the same.
    pub diff: Vec<crate::diff::DiffLine>,
}

/// What the registry says of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The digest the tag names now, or why it could not be read (the tag is gone, the registry refused).
    pub tag: Result<String, String>,
    /// The registry says it has no such tag (or repository): the build can no longer be pulled by its tag.
    pub tag_gone: bool,
    /// `org.opencontainers.image.revision`: the commit the image was built from.
    pub commit: Option<String>,
    /// `org.opencontainers.image.source`.
    pub source: Option<String>,
    /// `org.opencontainers.image.version`.
    pub version: Option<String>,
    /// `org.opencontainers.image.created`, else the config's `created`, as unix seconds.
    pub built: Option<i64>,
}

#[derive(Debug)]
pub enum HistoryData {
    Loaded {
        generation: u64,
        result: Result<History, String>,
    },
    Provenance {
        image: String,
        running: Option<String>,
        found: Provenance,
    },
    Reviewed {
        generation: u64,
        result: Result<UndoReview, String>,
    },
    /// An undo, pause or resume finished: what it did, or why not.
    Written {
        what: String,
        result: Result<String, String>,
    },
}
