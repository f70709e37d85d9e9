//! Claims, volumes and classes: a claim is described with the pods using it and `enter` shows them; a volume with a
//! source kubectl's text is not known for here gets the generic form.

use serde_json::Value;

use super::{Drill, Fetch, Printed, View};
use crate::describe::{Related, generic, storage};
use crate::model::table::ResourceRow;

pub struct PersistentVolumeClaims;

impl View for PersistentVolumeClaims {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "PersistentVolumeClaim")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::NamespacePods]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        storage::describe_pvc(obj, related.pods, events, now)
    }

    fn drill(&self, _row: &ResourceRow) -> Drill {
        Drill::PodsUsingClaim
    }
}

pub const PERSISTENT_VOLUMES: Printed = Printed {
    group: "",
    kind: "PersistentVolume",
    fetches: &[],
    print: |obj, _, events, now| {
        storage::describe_pv(obj, events, now).unwrap_or_else(|| generic::describe_generic(obj, events, now))
    },
};

pub const STORAGE_CLASSES: Printed = Printed {
    group: "storage.k8s.io",
    kind: "StorageClass",
    fetches: &[],
    print: |obj, _, events, now| storage::describe_storage_class(obj, events, now),
};
