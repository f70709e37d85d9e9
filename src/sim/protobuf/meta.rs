//! The shared pieces of protobuf → JSON: a builder that leaves out what Go's `omitempty` leaves out, and
//! ObjectMeta, LabelSelector, Time, IntOrString, quantities and DeleteOptions.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use k8s_pb::apimachinery::pkg::api::resource::Quantity;
use k8s_pb::apimachinery::pkg::apis::meta::v1::{DeleteOptions, LabelSelector, ObjectMeta, Time};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;

use crate::sim::clock;

/// A JSON object built field by field, leaving out what Go's JSON leaves out. Go's protobuf marshals every
/// non-pointer field, zero or not, so empty strings and the zeros of non-pointer numbers and bools (`int0`,
/// `flag`) are dropped; `int` and `bool` are for pointer fields, where a zero was set on purpose.
#[derive(Default)]
pub struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Self {
        Obj::default()
    }

    pub fn str(mut self, key: &str, v: Option<String>) -> Self {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            self.0.insert(key.into(), json!(v));
        }
        self
    }

    pub fn int(mut self, key: &str, v: Option<i64>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), json!(v));
        }
        self
    }

    pub fn int0(self, key: &str, v: Option<i64>) -> Self {
        self.int(key, v.filter(|v| *v != 0))
    }

    pub fn flag(self, key: &str, v: Option<bool>) -> Self {
        self.bool(key, v.filter(|v| *v))
    }

    pub fn bool(mut self, key: &str, v: Option<bool>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), json!(v));
        }
        self
    }

    pub fn strings(mut self, key: &str, v: Vec<String>) -> Self {
        if !v.is_empty() {
            self.0.insert(key.into(), json!(v));
        }
        self
    }

    pub fn map(mut self, key: &str, v: BTreeMap<String, String>) -> Self {
        if !v.is_empty() {
            self.0.insert(key.into(), json!(v));
        }
        self
    }

    /// A nested message: present (even empty) when it was sent, as Go's non-pointer structs are.
    pub fn msg<M>(mut self, key: &str, v: Option<M>, to_json: impl FnOnce(M) -> Value) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), to_json(v));
        }
        self
    }

    pub fn list<M>(mut self, key: &str, v: Vec<M>, to_json: impl Fn(M) -> Value) -> Self {
        if !v.is_empty() {
            self.0.insert(key.into(), Value::Array(v.into_iter().map(to_json).collect()));
        }
        self
    }

    pub fn value(mut self, key: &str, v: Option<Value>) -> Self {
        if let Some(v) = v {
            self.0.insert(key.into(), v);
        }
        self
    }

    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

/// A metav1.Time; the zero time (sent as an empty message) is null, as Go marshals it.
pub fn time(t: Time) -> Value {
    match t.seconds {
        Some(s) if s != 0 => json!(clock::rfc3339(s)),
        _ => Value::Null,
    }
}

pub fn int_or_string(v: IntOrString) -> Value {
    // Type 1 is intstr.String; anything else is the int.
    if v.r#type == Some(1) { json!(v.str_val.unwrap_or_default()) } else { json!(v.int_val.unwrap_or(0)) }
}

pub fn quantities(v: BTreeMap<String, Quantity>) -> Value {
    Value::Object(v.into_iter().map(|(k, q)| (k, json!(q.string.unwrap_or_default()))).collect())
}

pub fn object_meta(m: ObjectMeta) -> Value {
    Obj::new()
        .str("name", m.name)
        .str("generateName", m.generate_name)
        .str("namespace", m.namespace)
        .str("uid", m.uid)
        .str("resourceVersion", m.resource_version)
        .int0("generation", m.generation)
        .value("creationTimestamp", m.creation_timestamp.map(time).filter(|t| !t.is_null()))
        .map("labels", m.labels)
        .map("annotations", m.annotations)
        .list("ownerReferences", m.owner_references, |r| {
            Obj::new()
                .str("apiVersion", r.api_version)
                .str("kind", r.kind)
                .str("name", r.name)
                .str("uid", r.uid)
                .bool("controller", r.controller)
                .bool("blockOwnerDeletion", r.block_owner_deletion)
                .done()
        })
        .strings("finalizers", m.finalizers)
        .done()
}

pub fn label_selector(s: LabelSelector) -> Value {
    Obj::new()
        .map("matchLabels", s.match_labels)
        .list("matchExpressions", s.match_expressions, |e| {
            Obj::new().str("key", e.key).str("operator", e.operator).strings("values", e.values).done()
        })
        .done()
}

pub fn delete_options(d: DeleteOptions) -> Value {
    Obj::new()
        .int("gracePeriodSeconds", d.grace_period_seconds)
        .msg("preconditions", d.preconditions, |p| {
            Obj::new().str("uid", p.uid).str("resourceVersion", p.resource_version).done()
        })
        .bool("orphanDependents", d.orphan_dependents)
        .str("propagationPolicy", d.propagation_policy)
        .strings("dryRun", d.dry_run)
        .done()
}
