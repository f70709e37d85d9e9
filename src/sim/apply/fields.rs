//! Field sets of JSON objects as FieldsV1 paths, and walking an object along such a path; no IO.
//!
//! A field set is a set of paths written as FieldsV1 components: `f:<field>` for a
//! map member, `k:{"<mergeKey>":<value>}` for an element of a merge-keyed list.
//! Keeping the components verbatim makes the stored FieldsV1 form a plain tree of
//! those paths, and lets entries written by others round-trip untouched.

use serde_json::{Map, Value};

use super::{FieldSet, Path};
use crate::sim::patch::merge_key;

/// Metadata the server owns; an apply configuration never claims it.
const SERVER_METADATA: [&str; 7] =
    ["name", "namespace", "resourceVersion", "uid", "managedFields", "creationTimestamp", "generation"];

/// Fields no manager may own: identity, server bookkeeping and the status subresource.
pub(super) fn is_excluded(path: &[String]) -> bool {
    match path {
        [field] => ["f:apiVersion", "f:kind", "f:status"].contains(&field.as_str()),
        [metadata, field] if metadata == "f:metadata" => {
            field.strip_prefix("f:").is_some_and(|name| SERVER_METADATA.contains(&name))
        }
        _ => false,
    }
}

/// The leaf paths an object specifies.
pub(super) fn field_set(obj: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Value::Object(map) = obj {
        collect_map(map, &mut Vec::new(), &mut Vec::new(), &mut set);
    }
    set
}

pub(super) fn collect_map<'a>(
    map: &'a Map<String, Value>,
    path: &mut Path,
    keys: &mut Vec<&'a str>,
    out: &mut FieldSet,
) {
    for (key, child) in map {
        path.push(format!("f:{key}"));
        keys.push(key);
        if !is_excluded(path) {
            collect_value(child, path, keys, out);
        }
        keys.pop();
        path.pop();
    }
}

/// Non-empty maps contribute their members; merge-keyed lists their elements (the
/// element itself plus its members); everything else, atomic lists and empty maps
/// included, is one leaf.
pub(super) fn collect_value<'a>(v: &'a Value, path: &mut Path, keys: &mut Vec<&'a str>, out: &mut FieldSet) {
    match v {
        Value::Object(map) if !map.is_empty() => collect_map(map, path, keys, out),
        Value::Array(items) => match keyed_elements(items, keys) {
            Some(elements) => {
                for (component, element) in elements {
                    path.push(component);
                    out.insert(path.clone());
                    collect_map(element, path, keys, out);
                    path.pop();
                }
            }
            None => {
                out.insert(path.clone());
            }
        },
        _ => {
            out.insert(path.clone());
        }
    }
}

/// The `k:` component and map of every element, when the list at `keys` has a merge
/// key that every element carries; otherwise the list is treated as atomic.
pub(super) fn keyed_elements<'a>(items: &'a [Value], keys: &[&str]) -> Option<Vec<(String, &'a Map<String, Value>)>> {
    let key = merge_key(keys)?;
    items
        .iter()
        .map(|item| {
            let map = item.as_object()?;
            let id = map.get(key)?;
            Some((key_component(key, id), map))
        })
        .collect()
}

fn key_component(key: &str, id: &Value) -> String {
    let mut map = Map::new();
    map.insert(key.to_string(), id.clone());
    format!("k:{}", Value::Object(map))
}

pub(super) fn parse_key(component: &str) -> Option<Map<String, Value>> {
    let json = component.strip_prefix("k:")?;
    match serde_json::from_str(json) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn element_matches(element: &Value, key: &Map<String, Value>) -> bool {
    key.iter().all(|(k, v)| element.get(k) == Some(v))
}

/// `f:spec`, `k:{"name":"web"}`, `f:image` → `.spec[name="web"].image`.
pub(super) fn display_path(path: &[String]) -> String {
    path.iter().map(|c| display_component(c)).collect()
}

fn display_component(component: &str) -> String {
    if let Some(name) = component.strip_prefix("f:") {
        return format!(".{name}");
    }
    match parse_key(component) {
        Some(key) => {
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("[{}]", parts.join(","))
        }
        None => format!("[{component}]"),
    }
}

fn step<'a>(v: &'a Value, component: &str) -> Option<&'a Value> {
    if let Some(name) = component.strip_prefix("f:") {
        return v.get(name);
    }
    let key = parse_key(component)?;
    v.as_array()?.iter().find(|e| element_matches(e, &key))
}

fn step_mut<'a>(v: &'a mut Value, component: &str) -> Option<&'a mut Value> {
    if let Some(name) = component.strip_prefix("f:") {
        return v.get_mut(name);
    }
    let key = parse_key(component)?;
    v.as_array_mut()?.iter_mut().find(|e| element_matches(e, &key))
}

pub(super) fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, c| step(v, c))
}

fn lookup_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, c| step_mut(v, c))
}

/// Remove the member or list element at `path`; false when it was not there.
pub(super) fn remove_at(obj: &mut Value, path: &[String]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    let Some(parent) = lookup_mut(obj, parent) else {
        return false;
    };
    if let Some(name) = last.strip_prefix("f:") {
        return parent.as_object_mut().is_some_and(|m| m.remove(name).is_some());
    }
    match (parse_key(last), parent.as_array_mut()) {
        (Some(key), Some(items)) => {
            let before = items.len();
            items.retain(|e| !element_matches(e, &key));
            items.len() != before
        }
        _ => false,
    }
}
