//! What the Helm view asks of the cluster and what comes back: vocabulary shared by `state/helm` and
//! `effects/helm`.

use serde_json::Value;

use super::Revision;
use super::Storage;
use super::live::LiveObject;
use crate::model::Delta;
use crate::model::mutation::DocOutcome;

/// A release and where its records are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRef {
    pub namespace: String,
    pub name: String,
    pub storage: Storage,
}

impl ReleaseRef {
    pub fn title(&self) -> String {
        format!("release {}/{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelmEffect {
    /// Every record of the release, decoded whole.
    Records { release: ReleaseRef, generation: u64 },
    /// The live objects of a manifest's documents (their namespaces filled in), compared with them.
    Objects { documents: Vec<Value>, generation: u64 },
    /// Roll back to `target`: a dry-run of its manifest against the live objects, or the apply and the records
    /// Helm writes. Refused when the latest revision is no longer `expect_latest` (someone else acted).
    Rollback { release: ReleaseRef, target: i64, expect_latest: i64, dry_run: bool, generation: u64 },
    /// Mark a stuck pending revision failed, as operators do by hand.
    Unlock { release: ReleaseRef, revision: i64 },
}

#[derive(Debug)]
pub enum HelmData {
    /// One watch's records (Secrets, ConfigMaps, or Helm 2's), each a revision summary.
    Revisions(Storage, Delta<Revision>),
    Records {
        generation: u64,
        result: Result<Vec<Value>, String>,
    },
    Objects {
        generation: u64,
        result: Result<Vec<LiveObject>, String>,
    },
    /// The rollback's dry-run, document by document.
    Reviewed {
        generation: u64,
        result: Result<Vec<DocOutcome>, String>,
    },
    /// A rollback or unlock finished: what it did, or why not.
    Written {
        what: String,
        result: Result<String, String>,
    },
}
