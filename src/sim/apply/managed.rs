//! metadata.managedFields entries: reading them into field sets and writing them back as FieldsV1; no IO.

use serde_json::{Map, Value};

use super::{FieldSet, Path};

/// One managedFields entry: the stored JSON (so unknown keys such as `subresource`
/// survive) and its parsed field set.
pub(super) struct Entry {
    raw: Map<String, Value>,
    pub(super) fields: FieldSet,
}

impl Entry {
    pub(super) fn new(manager: &str, operation: &str, fields: FieldSet) -> Entry {
        let mut raw = Map::new();
        raw.insert("manager".to_string(), Value::from(manager));
        raw.insert("operation".to_string(), Value::from(operation));
        Entry { raw, fields }
    }

    pub(super) fn manager(&self) -> &str {
        self.raw.get("manager").and_then(Value::as_str).unwrap_or_default()
    }

    pub(super) fn is(&self, manager: &str, operation: &str) -> bool {
        self.manager() == manager && self.raw.get("operation").and_then(Value::as_str) == Some(operation)
    }

    pub(super) fn touch(&mut self, api_version: &str, now: &str) {
        self.raw.insert("apiVersion".to_string(), Value::from(api_version));
        self.raw.insert("time".to_string(), Value::from(now));
    }

    fn into_value(mut self) -> Value {
        self.raw.insert("fieldsType".to_string(), Value::from("FieldsV1"));
        self.raw.insert("fieldsV1".to_string(), to_fields_v1(&self.fields));
        Value::Object(self.raw)
    }
}

pub(super) fn read_entries(obj: &Value) -> Vec<Entry> {
    let Some(Value::Array(items)) = obj.pointer("/metadata/managedFields") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_object)
        .map(|raw| {
            let mut fields = FieldSet::new();
            if let Some(Value::Object(tree)) = raw.get("fieldsV1") {
                parse_fields_v1(tree, &mut Vec::new(), &mut fields);
            }
            Entry { raw: raw.clone(), fields }
        })
        .collect()
}

/// Store the entries, dropping managers left owning nothing.
pub(super) fn write_entries(obj: &mut Value, entries: Vec<Entry>) {
    let entries: Vec<Value> = entries.into_iter().filter(|e| !e.fields.is_empty()).map(Entry::into_value).collect();
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let metadata = root.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        metadata.remove("managedFields");
    } else {
        metadata.insert("managedFields".to_string(), Value::Array(entries));
    }
}

/// A node is a member when it is `{}` or holds `"."`; its other keys are children.
pub(super) fn parse_fields_v1(tree: &Map<String, Value>, path: &mut Path, out: &mut FieldSet) {
    for (component, child) in tree {
        if component == "." {
            if !path.is_empty() {
                out.insert(path.clone());
            }
            continue;
        }
        let Value::Object(child) = child else {
            continue;
        };
        path.push(component.clone());
        if child.is_empty() {
            out.insert(path.clone());
        } else {
            parse_fields_v1(child, path, out);
        }
        path.pop();
    }
}

pub(super) fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        insert_fields_v1(&mut root, path);
    }
    Value::Object(root)
}

/// Paths come in sorted order, so a member is inserted (as `{}`) before anything
/// below it; meeting such an already-present empty node on the way down means it is
/// a member with children, which FieldsV1 marks with `"."`.
fn insert_fields_v1(node: &mut Map<String, Value>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let existed = node.contains_key(first);
    let child = node.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(child) = child else {
        return;
    };
    let member_gains_children = existed && child.is_empty() && !rest.is_empty();
    let member_has_children = rest.is_empty() && !child.is_empty();
    if member_gains_children || member_has_children {
        child.insert(".".to_string(), Value::Object(Map::new()));
    }
    insert_fields_v1(child, rest);
}
