//! What a non-apply write changed, as field sets: the fields it set and the subtrees it removed or replaced; no IO.

use serde_json::{Map, Value};

use super::fields::{collect_map, collect_value, is_excluded, keyed_elements};
use super::{FieldSet, Path};

/// What a non-apply write changed: leaves it set (`changed`) and subtrees that are
/// gone or were replaced (`removed`).
#[derive(Default)]
pub(super) struct Diff {
    pub(super) changed: FieldSet,
    removed: FieldSet,
}

impl Diff {
    pub(super) fn is_removed(&self, path: &[String]) -> bool {
        (1..=path.len()).any(|len| self.removed.contains(&path[..len]))
    }

    pub(super) fn maps<'a>(
        &mut self,
        old: &'a Map<String, Value>,
        new: &'a Map<String, Value>,
        path: &mut Path,
        keys: &mut Vec<&'a str>,
    ) {
        for (key, value) in new {
            path.push(format!("f:{key}"));
            keys.push(key);
            if !is_excluded(path) {
                match old.get(key) {
                    None => collect_value(value, path, keys, &mut self.changed),
                    Some(before) if before == value => {}
                    Some(before) => self.values(before, value, path, keys),
                }
            }
            keys.pop();
            path.pop();
        }
        for key in old.keys().filter(|k| !new.contains_key(*k)) {
            path.push(format!("f:{key}"));
            if !is_excluded(path) {
                self.removed.insert(path.clone());
            }
            path.pop();
        }
    }

    fn values<'a>(&mut self, old: &'a Value, new: &'a Value, path: &mut Path, keys: &mut Vec<&'a str>) {
        match (old, new) {
            (Value::Object(old), Value::Object(new_map)) => {
                self.maps(old, new_map, path, keys);
                // An empty map is itself a leaf.
                if new_map.is_empty() {
                    self.changed.insert(path.clone());
                }
            }
            (Value::Array(old), Value::Array(new_items)) => {
                match (keyed_elements(old, keys), keyed_elements(new_items, keys)) {
                    (Some(old), Some(new_items)) => self.lists(&old, &new_items, path, keys),
                    _ => self.replaced(new, path, keys),
                }
            }
            _ => self.replaced(new, path, keys),
        }
    }

    /// The value at `path` was replaced as a whole.
    fn replaced<'a>(&mut self, new: &'a Value, path: &mut Path, keys: &mut Vec<&'a str>) {
        self.removed.insert(path.clone());
        collect_value(new, path, keys, &mut self.changed);
    }

    fn lists<'a>(
        &mut self,
        old: &[(String, &'a Map<String, Value>)],
        new: &[(String, &'a Map<String, Value>)],
        path: &mut Path,
        keys: &mut Vec<&'a str>,
    ) {
        for (component, element) in new {
            path.push(component.clone());
            match old.iter().find(|(c, _)| c == component) {
                None => {
                    self.changed.insert(path.clone());
                    collect_map(element, path, keys, &mut self.changed);
                }
                Some((_, before)) if before == element => {}
                Some((_, before)) => self.maps(before, element, path, keys),
            }
            path.pop();
        }
        for (component, _) in old.iter().filter(|(c, _)| !new.iter().any(|(n, _)| n == c)) {
            path.push(component.clone());
            self.removed.insert(path.clone());
            path.pop();
        }
    }
}
