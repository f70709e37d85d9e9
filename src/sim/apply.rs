//! Server-side apply and managedFields bookkeeping on JSON objects: the apply and update entry points, conflicts and
//! dropped fields; no IO.
//!
//! Field sets and their FieldsV1 paths are built in `fields`, a non-apply write's changes are found by `diff`, and
//! `managed` reads and writes the metadata.managedFields entries.

mod diff;
mod fields;
mod managed;

use super::patch::strategic_merge_patch;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

use diff::Diff;
use fields::{display_path, field_set, lookup, parse_key, remove_at};
use managed::{Entry, read_entries, write_entries};

type Path = Vec<String>;
type FieldSet = BTreeSet<Path>;

const APPLY: &str = "Apply";
const UPDATE: &str = "Update";

/// Metadata an apply configuration cannot set (name and namespace it may state, as
/// long as they match, which is the caller's concern).
const UNAPPLIABLE_METADATA: [&str; 5] = ["resourceVersion", "uid", "managedFields", "creationTimestamp", "generation"];

/// A field the applier wants to change that another manager owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub manager: String,
    /// The field as kubectl prints it, e.g. `.spec.template.spec.containers[name="web"].image`.
    pub field: String,
}

#[derive(Debug)]
pub enum ApplyError {
    Conflicts(Vec<Conflict>),
    Invalid(String),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Conflicts(conflicts) => {
                let plural = if conflicts.len() == 1 { "" } else { "s" };
                let list: Vec<String> =
                    conflicts.iter().map(|c| format!("conflict with {:?}: {}", c.manager, c.field)).collect();
                write!(f, "Apply failed with {} conflict{plural}: {}", conflicts.len(), list.join("; "))
            }
            ApplyError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ApplyError {}

/// Server-side apply of `applied` (a full object: apiVersion, kind, metadata.name, ...)
/// by `manager` onto `live` (None = create). Returns the new object with
/// metadata.managedFields updated; `now` (RFC 3339) becomes managedFields[].time.
/// Status and server-owned metadata in `applied` are ignored; uid, resourceVersion
/// and creationTimestamp are the caller's to fill.
pub fn server_side_apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, ApplyError> {
    let config = apply_configuration(applied)?;
    let api_version = config["apiVersion"].as_str().unwrap_or_default();
    let applied_set = field_set(&config);
    let mut result = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));
    let mut entries = read_entries(&result);
    let own = entries.iter().position(|e| e.is(manager, APPLY));

    let conflicts = find_conflicts(&entries, own, &applied_set, &config, &result);
    if !conflicts.is_empty() && !force {
        let conflicts = conflicts
            .iter()
            .map(|(i, path)| Conflict { manager: entries[*i].manager().to_string(), field: display_path(path) })
            .collect();
        return Err(ApplyError::Conflicts(conflicts));
    }
    // Forcing takes the contested fields away from their owners.
    for (i, path) in &conflicts {
        entries[*i].fields.remove(path);
    }

    strategic_merge_patch(&mut result, &config).map_err(|e| ApplyError::Invalid(e.0))?;

    let previous = own.map(|i| std::mem::take(&mut entries[i].fields)).unwrap_or_default();
    let mut owned: Vec<&FieldSet> = entries.iter().map(|e| &e.fields).collect();
    owned.push(&applied_set);
    remove_dropped_fields(&mut result, &previous, &owned);

    let index = match own {
        Some(i) => {
            entries[i].fields = applied_set;
            i
        }
        None => {
            entries.push(Entry::new(manager, APPLY, applied_set));
            entries.len() - 1
        }
    };
    entries[index].touch(api_version, now);
    write_entries(&mut result, entries);
    Ok(result)
}

/// Record a non-apply write (create/update/patch/scale by `manager`): fields whose
/// value changed between `old` (None = create) and `new` become owned by `manager`
/// with operation "Update" and are taken away from other managers' sets, as are
/// fields the write removed. Only new.metadata.managedFields is modified; when `new`
/// carries none, the entries of `old` are the starting point.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, now: &str) {
    let empty = Map::new();
    let old_map = old.and_then(Value::as_object).unwrap_or(&empty);
    let Some(new_map) = new.as_object() else {
        return;
    };
    let mut diff = Diff::default();
    diff.maps(old_map, new_map, &mut Vec::new(), &mut Vec::new());
    let api_version = new_map.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_string();

    // A write that carries no managedFields keeps the stored ones, as the real server does.
    let has_own_entries = new.pointer("/metadata/managedFields").is_some();
    let mut entries = match old {
        Some(old) if !has_own_entries => read_entries(old),
        _ => read_entries(new),
    };
    for entry in entries.iter_mut().filter(|e| !e.is(manager, UPDATE)) {
        entry.fields.retain(|p| !diff.changed.contains(p) && !diff.is_removed(p));
    }
    let index = match entries.iter().position(|e| e.is(manager, UPDATE)) {
        Some(i) => i,
        None => {
            entries.push(Entry::new(manager, UPDATE, FieldSet::new()));
            entries.len() - 1
        }
    };
    let entry = &mut entries[index];
    entry.fields.retain(|p| !diff.is_removed(p));
    if !diff.changed.is_empty() {
        entry.fields.extend(diff.changed);
        entry.touch(&api_version, now);
    }
    write_entries(new, entries);
}

/// Validate the apply body and reduce it to what the applier may set: `null`
/// members mean "not specified", and status and server-owned metadata are ignored.
fn apply_configuration(applied: &Value) -> Result<Value, ApplyError> {
    let invalid = |what: &str| ApplyError::Invalid(format!("apply configuration must set {what}"));
    if !applied.is_object() {
        return Err(ApplyError::Invalid("apply configuration must be a JSON object".to_string()));
    }
    for (pointer, what) in [("/apiVersion", "apiVersion"), ("/kind", "kind"), ("/metadata/name", "metadata.name")] {
        if applied.pointer(pointer).and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(invalid(what));
        }
    }
    let mut config = without_nulls(applied);
    if let Some(root) = config.as_object_mut() {
        root.remove("status");
    }
    if let Some(metadata) = config.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in UNAPPLIABLE_METADATA {
            metadata.remove(field);
        }
    }
    Ok(config)
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, child)| !child.is_null())
                .map(|(k, child)| (k.clone(), without_nulls(child)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// For each applied field: the entries of other managers that own it while the
/// applied value differs from the live one.
fn find_conflicts(
    entries: &[Entry],
    own: Option<usize>,
    applied_set: &FieldSet,
    config: &Value,
    live: &Value,
) -> Vec<(usize, Path)> {
    let mut conflicts = Vec::new();
    for path in applied_set {
        if !differs(lookup(config, path), lookup(live, path)) {
            continue;
        }
        for (i, entry) in entries.iter().enumerate() {
            if Some(i) != own && entry.fields.contains(path) {
                conflicts.push((i, path.clone()));
            }
        }
    }
    conflicts
}

/// Maps and list elements are compared through their members, so two maps never
/// differ as a whole; a missing live value always differs.
fn differs(applied: Option<&Value>, live: Option<&Value>) -> bool {
    match (applied, live) {
        (Some(a), Some(l)) => a != l && !(a.is_object() && l.is_object()),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Fields the applier owned before but no longer specifies are deleted, unless some
/// manager (the applier's new set included) still owns them or something inside them.
fn remove_dropped_fields(obj: &mut Value, previous: &FieldSet, owned: &[&FieldSet]) {
    for path in previous {
        let still_owned = owned.iter().any(|set| owns_within(set, path));
        if still_owned || is_key_field(path) {
            continue;
        }
        if remove_at(obj, path) {
            remove_emptied_parents(obj, path, owned);
        }
    }
}

/// Whether `set` holds `path` or any path below it (they sort right after it).
fn owns_within(set: &FieldSet, path: &[String]) -> bool {
    set.range(path.to_vec()..).next().is_some_and(|p| p.starts_with(path))
}

/// The merge-key member of a list element identifies it; it goes only with the element.
fn is_key_field(path: &[String]) -> bool {
    match path {
        [.., element, field] => match (parse_key(element), field.strip_prefix("f:")) {
            (Some(key), Some(name)) => key.contains_key(name),
            _ => false,
        },
        _ => false,
    }
}

/// A map or list left empty by a removal goes too (Go's omitempty), up to the first
/// list element or owned field.
fn remove_emptied_parents(obj: &mut Value, path: &[String], owned: &[&FieldSet]) {
    for len in (1..path.len()).rev() {
        let parent = &path[..len];
        let is_element = parent.last().is_some_and(|c| c.starts_with("k:"));
        if is_element || owned.iter().any(|set| set.contains(parent)) {
            return;
        }
        let empty = match lookup(obj, parent) {
            Some(Value::Object(map)) => map.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            _ => false,
        };
        if !empty {
            return;
        }
        remove_at(obj, parent);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
