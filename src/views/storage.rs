//! Claims, volumes and classes: a claim shows how full it is (from its kubelet), is described with the pods using
//! it and `enter` shows them; a volume with a source kubectl's text is not known for here gets the generic form.

use serde_json::Value;

use super::{Derived, Drill, Fetch, Printed, View};
use crate::describe::{Related, generic, storage};
use crate::model::table::ResourceRow;

pub struct PersistentVolumeClaims;

/// Used of capacity at the last stats summary of a node mounting the claim, or why its kubelet would not say.
const USED: Derived = Derived {
    title: "USED",
    cell: |known, id| match known.fabric.usage_of(&id.namespace, &id.name) {
        Some(usage) => format!("{}%", usage.percent()),
        None => match known.fabric.usage_unknown(&id.namespace, &id.name, known.pods) {
            Some(why) => format!("unknown: {why}"),
            None => String::new(),
        },
    },
};

impl View for PersistentVolumeClaims {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "PersistentVolumeClaim")
    }

    fn columns(&self) -> &'static [Derived] {
        &[USED]
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
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| {
        storage::describe_pv(obj, events, now).unwrap_or_else(|| generic::describe_generic(obj, events, now))
    },
};

pub const STORAGE_CLASSES: Printed = Printed {
    group: "storage.k8s.io",
    kind: "StorageClass",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| storage::describe_storage_class(obj, events, now),
};
