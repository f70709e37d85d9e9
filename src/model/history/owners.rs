//! Who wrote a revision: the field managers (the workload's `metadata.managedFields`) that own the template fields
//! the revision changed from the one before it — the first revision, its whole template. managedFields describes
//! the object as it is and keeps only each manager's latest write, so: the current revision's writers are known;
//! an older revision's writer is known when a manager's latest write is when the revision was made (its
//! ReplicaSet or ControllerRevision is created in the same seconds); otherwise a manager that owns the fields it
//! changed and wrote no earlier than it is a likely writer, marked `?`.

use serde_json::Value;

use super::Revision;
use crate::sanitize::clean;

/// A path into a pod template, as FieldsV1 spells its steps: `f:spec`, `k:{"name":"web"}`, `f:image`.
type Path = Vec<Step>;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    /// A list item by its key fields (containers, env and volumes by name).
    Keyed(Value),
}

/// How far apart a write and the revision it made may be (the controller creates the holder right after).
const SAME_WRITE: i64 = 10;

/// Fills each revision's `written_by` (revisions newest first; `current`: the one the workload runs now).
pub fn attribute(revisions: &mut [Revision], managed_fields: &Value, current: Option<i64>) {
    let owners: Vec<(String, i64, &Value)> = managed_fields
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["subresource"].as_str().is_none_or(str::is_empty))
        .filter_map(|e| {
            let template = e["fieldsV1"].get("f:spec")?.get("f:template")?;
            let time = e["time"].as_str().map_or(0, crate::model::helm::unix);
            Some((clean(e["manager"].as_str().unwrap_or("unknown")), time, template))
        })
        .collect();
    for i in 0..revisions.len() {
        let changed = match revisions.get(i + 1) {
            Some(older) => {
                let mut out = Vec::new();
                changed_paths(&older.template, &revisions[i].template, &mut Vec::new(), &mut out);
                out
            }
            None => vec![Vec::new()],
        };
        let revision = &revisions[i];
        let exact: Vec<&String> =
            owners.iter().filter(|(_, t, _)| (t - revision.created).abs() <= SAME_WRITE).map(|(m, ..)| m).collect();
        let mut names: Vec<String> = Vec::new();
        for (manager, time, fields) in &owners {
            let owns_change = changed.iter().any(|path| owns(fields, path));
            let name = if Some(revision.number) == current || exact.contains(&manager) {
                manager.clone()
            } else if exact.is_empty() && *time + SAME_WRITE >= revision.created {
                format!("{manager}?")
            } else {
                continue;
            };
            if owns_change && !names.contains(&name) {
                names.push(name);
            }
        }
        revisions[i].written_by = names;
    }
}

/// The paths where `old` and `new` differ, as deep as both are objects or keyed lists.
fn changed_paths(old: &Value, new: &Value, path: &mut Path, out: &mut Vec<Path>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                path.push(Step::Field(key.clone()));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => changed_paths(x, y, path, out),
                    _ => out.push(path.clone()),
                }
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) if keyed(a) && keyed(b) => {
            let mut names: Vec<&Value> = Vec::new();
            for name in a.iter().chain(b.iter()).map(|item| &item["name"]) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            for name in names {
                let find = |list: &[Value]| list.iter().find(|item| &item["name"] == name).cloned();
                path.push(Step::Keyed(serde_json::json!({"name": name})));
                match (find(a), find(b)) {
                    (Some(x), Some(y)) => changed_paths(&x, &y, path, out),
                    (None, None) => {}
                    _ => out.push(path.clone()),
                }
                path.pop();
            }
        }
        _ if old != new => out.push(path.clone()),
        _ => {}
    }
}

/// A list FieldsV1 keys by name (containers, env, volumes, volumeMounts).
fn keyed(list: &[Value]) -> bool {
    list.iter().all(|item| item["name"].is_string())
}

/// Whether a manager's template fields hold `path` (or something below it, or a leaf above it).
fn owns(fields: &Value, path: &[Step]) -> bool {
    let Some((step, rest)) = path.split_first() else { return true };
    let Some(map) = fields.as_object() else { return false };
    let child = match step {
        Step::Field(name) => map.get(&format!("f:{name}")),
        Step::Keyed(key) => map.iter().find_map(|(k, v)| {
            let parsed: Value = serde_json::from_str(k.strip_prefix("k:")?).ok()?;
            (&parsed == key).then_some(v)
        }),
    };
    match child {
        // An empty set is a leaf: the manager owns the whole value.
        Some(v) if v.as_object().is_some_and(|m| m.is_empty()) => true,
        Some(v) => owns(v, rest),
        None => false,
    }
}
