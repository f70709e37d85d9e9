//! Server-side apply and managedFields bookkeeping on JSON objects; no IO.
//!
//! A field set is a set of paths written as FieldsV1 components: `f:<field>` for a
//! map member, `k:{"<mergeKey>":<value>}` for an element of a merge-keyed list.
//! Keeping the components verbatim makes the stored FieldsV1 form a plain tree of
//! those paths, and lets entries written by others round-trip untouched.

use super::patch::{merge_key, strategic_merge_patch};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

type Path = Vec<String>;
type FieldSet = BTreeSet<Path>;

const APPLY: &str = "Apply";
const UPDATE: &str = "Update";

/// Metadata the server owns; an apply configuration never claims it.
const SERVER_METADATA: [&str; 7] =
    ["name", "namespace", "resourceVersion", "uid", "managedFields", "creationTimestamp", "generation"];

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

/// Fields no manager may own: identity, server bookkeeping and the status subresource.
fn is_excluded(path: &[String]) -> bool {
    match path {
        [field] => ["f:apiVersion", "f:kind", "f:status"].contains(&field.as_str()),
        [metadata, field] if metadata == "f:metadata" => {
            field.strip_prefix("f:").is_some_and(|name| SERVER_METADATA.contains(&name))
        }
        _ => false,
    }
}

/// The leaf paths an object specifies.
fn field_set(obj: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Value::Object(map) = obj {
        collect_map(map, &mut Vec::new(), &mut Vec::new(), &mut set);
    }
    set
}

fn collect_map<'a>(map: &'a Map<String, Value>, path: &mut Path, keys: &mut Vec<&'a str>, out: &mut FieldSet) {
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
fn collect_value<'a>(v: &'a Value, path: &mut Path, keys: &mut Vec<&'a str>, out: &mut FieldSet) {
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
fn keyed_elements<'a>(items: &'a [Value], keys: &[&str]) -> Option<Vec<(String, &'a Map<String, Value>)>> {
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

fn parse_key(component: &str) -> Option<Map<String, Value>> {
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
fn display_path(path: &[String]) -> String {
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

fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, c| step(v, c))
}

fn lookup_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, c| step_mut(v, c))
}

/// Remove the member or list element at `path`; false when it was not there.
fn remove_at(obj: &mut Value, path: &[String]) -> bool {
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

/// What a non-apply write changed: leaves it set (`changed`) and subtrees that are
/// gone or were replaced (`removed`).
#[derive(Default)]
struct Diff {
    changed: FieldSet,
    removed: FieldSet,
}

impl Diff {
    fn is_removed(&self, path: &[String]) -> bool {
        (1..=path.len()).any(|len| self.removed.contains(&path[..len]))
    }

    fn maps<'a>(
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

/// One managedFields entry: the stored JSON (so unknown keys such as `subresource`
/// survive) and its parsed field set.
struct Entry {
    raw: Map<String, Value>,
    fields: FieldSet,
}

impl Entry {
    fn new(manager: &str, operation: &str, fields: FieldSet) -> Entry {
        let mut raw = Map::new();
        raw.insert("manager".to_string(), Value::from(manager));
        raw.insert("operation".to_string(), Value::from(operation));
        Entry { raw, fields }
    }

    fn manager(&self) -> &str {
        self.raw.get("manager").and_then(Value::as_str).unwrap_or_default()
    }

    fn is(&self, manager: &str, operation: &str) -> bool {
        self.manager() == manager && self.raw.get("operation").and_then(Value::as_str) == Some(operation)
    }

    fn touch(&mut self, api_version: &str, now: &str) {
        self.raw.insert("apiVersion".to_string(), Value::from(api_version));
        self.raw.insert("time".to_string(), Value::from(now));
    }

    fn into_value(mut self) -> Value {
        self.raw.insert("fieldsType".to_string(), Value::from("FieldsV1"));
        self.raw.insert("fieldsV1".to_string(), to_fields_v1(&self.fields));
        Value::Object(self.raw)
    }
}

fn read_entries(obj: &Value) -> Vec<Entry> {
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
fn write_entries(obj: &mut Value, entries: Vec<Entry>) {
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
fn parse_fields_v1(tree: &Map<String, Value>, path: &mut Path, out: &mut FieldSet) {
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

fn to_fields_v1(set: &FieldSet) -> Value {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: &str = "2024-01-01T00:00:00Z";
    const T1: &str = "2024-01-01T00:01:00Z";

    fn config_map(data: Value) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "namespace": "default", "labels": {"app": "demo"}},
            "data": data
        })
    }

    fn config_map_without_data() -> Value {
        let mut cm = config_map(Value::Null);
        cm.as_object_mut().unwrap().remove("data");
        cm
    }

    fn deployment(replicas: Option<i64>, containers: Value) -> Value {
        let mut spec = json!({
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": containers}
            }
        });
        if let Some(replicas) = replicas {
            spec["replicas"] = json!(replicas);
        }
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": spec
        })
    }

    fn managed(obj: &Value) -> &Vec<Value> {
        obj["metadata"]["managedFields"].as_array().unwrap()
    }

    fn entry<'a>(obj: &'a Value, manager: &str, operation: &str) -> Option<&'a Value> {
        managed(obj).iter().find(|e| e["manager"] == manager && e["operation"] == operation)
    }

    fn fields_of(obj: &Value, manager: &str, operation: &str) -> Value {
        entry(obj, manager, operation).unwrap()["fieldsV1"].clone()
    }

    fn conflicts(err: ApplyError) -> Vec<Conflict> {
        match err {
            ApplyError::Conflicts(c) => c,
            ApplyError::Invalid(m) => panic!("expected conflicts, got invalid: {m}"),
        }
    }

    fn conflict(manager: &str, field: &str) -> Conflict {
        Conflict { manager: manager.to_string(), field: field.to_string() }
    }

    #[test]
    fn create_records_apply_entry_with_exact_fields_v1() {
        let applied = config_map(json!({"LOG_LEVEL": "info"}));
        let out = server_side_apply(None, &applied, "kubectl", false, T0).unwrap();
        assert_eq!(
            managed(&out),
            &vec![json!({
                "manager": "kubectl",
                "operation": "Apply",
                "apiVersion": "v1",
                "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {"f:LOG_LEVEL": {}}, "f:metadata": {"f:labels": {"f:app": {}}}}
            })]
        );
        let mut content = out.clone();
        content["metadata"].as_object_mut().unwrap().remove("managedFields");
        assert_eq!(content, applied);
    }

    #[test]
    fn create_records_keyed_elements_and_atomic_lists() {
        let applied = deployment(
            Some(2),
            json!([{
                "name": "web",
                "image": "nginx:1",
                "args": ["--port", "80"],
                "ports": [{"containerPort": 80}],
                "resources": {}
            }]),
        );
        let out = server_side_apply(None, &applied, "kubectl", false, T0).unwrap();
        assert_eq!(
            fields_of(&out, "kubectl", "Apply"),
            json!({"f:spec": {
                "f:replicas": {},
                "f:selector": {"f:matchLabels": {"f:app": {}}},
                "f:template": {
                    "f:metadata": {"f:labels": {"f:app": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {
                        ".": {},
                        "f:args": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {"k:{\"containerPort\":80}": {".": {}, "f:containerPort": {}}},
                        "f:resources": {}
                    }}}
                }
            }})
        );
        // An empty map is kept in the object, as the real server keeps `resources: {}`.
        assert_eq!(out["spec"]["template"]["spec"]["containers"][0]["resources"], json!({}));
    }

    #[test]
    fn reapply_without_a_key_deletes_it() {
        let first = config_map(json!({"LOG_LEVEL": "info", "MODE": "fast"}));
        let live = server_side_apply(None, &first, "kubectl", false, T0).unwrap();
        let second = config_map(json!({"MODE": "fast"}));
        let out = server_side_apply(Some(&live), &second, "kubectl", false, T1).unwrap();
        assert_eq!(out["data"], json!({"MODE": "fast"}));
        assert_eq!(
            fields_of(&out, "kubectl", "Apply"),
            json!({"f:data": {"f:MODE": {}}, "f:metadata": {"f:labels": {"f:app": {}}}})
        );
        assert_eq!(entry(&out, "kubectl", "Apply").unwrap()["time"], T1);
    }

    #[test]
    fn dropping_the_last_key_removes_the_emptied_map() {
        let live = server_side_apply(None, &config_map(json!({"A": "1"})), "kubectl", false, T0).unwrap();
        let mut next = config_map_without_data();
        next["metadata"].as_object_mut().unwrap().remove("labels");
        let out = server_side_apply(Some(&live), &next, "kubectl", false, T1).unwrap();
        assert_eq!(out.get("data"), None);
        assert_eq!(out["metadata"].get("labels"), None);
        // Nothing left to own: the manager disappears from managedFields.
        assert_eq!(out["metadata"].get("managedFields"), None);
    }

    #[test]
    fn dropped_field_owned_by_another_manager_is_kept() {
        let live = server_side_apply(None, &config_map(json!({"A": "1"})), "kubectl", false, T0).unwrap();
        let live = server_side_apply(Some(&live), &config_map(json!({"A": "1"})), "helm", false, T0).unwrap();
        let out = server_side_apply(Some(&live), &config_map_without_data(), "kubectl", false, T1).unwrap();
        assert_eq!(out["data"], json!({"A": "1"}));
        assert_eq!(fields_of(&out, "kubectl", "Apply"), json!({"f:metadata": {"f:labels": {"f:app": {}}}}));
    }

    #[test]
    fn changing_a_field_owned_by_another_manager_conflicts() {
        let live = server_side_apply(None, &config_map(json!({"LOG_LEVEL": "info"})), "kubectl", false, T0).unwrap();
        let err =
            server_side_apply(Some(&live), &config_map(json!({"LOG_LEVEL": "debug"})), "helm", false, T1).unwrap_err();
        assert_eq!(err.to_string(), "Apply failed with 1 conflict: conflict with \"kubectl\": .data.LOG_LEVEL");
        assert_eq!(conflicts(err), vec![conflict("kubectl", ".data.LOG_LEVEL")]);
    }

    #[test]
    fn force_moves_ownership() {
        let live = server_side_apply(None, &config_map(json!({"LOG_LEVEL": "info"})), "kubectl", false, T0).unwrap();
        let mut applied = config_map(json!({"LOG_LEVEL": "debug"}));
        applied["metadata"].as_object_mut().unwrap().remove("labels");
        let out = server_side_apply(Some(&live), &applied, "helm", true, T1).unwrap();
        assert_eq!(out["data"]["LOG_LEVEL"], "debug");
        assert_eq!(fields_of(&out, "helm", "Apply"), json!({"f:data": {"f:LOG_LEVEL": {}}}));
        assert_eq!(fields_of(&out, "kubectl", "Apply"), json!({"f:metadata": {"f:labels": {"f:app": {}}}}));
        // kubectl, having lost LOG_LEVEL, can now drop it from its config without deleting it.
        let out = server_side_apply(Some(&out), &config_map_without_data(), "kubectl", false, T1).unwrap();
        assert_eq!(out["data"]["LOG_LEVEL"], "debug");
    }

    #[test]
    fn force_drops_a_manager_left_with_nothing() {
        let live = server_side_apply(
            None,
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"A": "1"}}),
            "kubectl",
            false,
            T0,
        )
        .unwrap();
        let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"A": "2"}});
        let out = server_side_apply(Some(&live), &applied, "helm", true, T1).unwrap();
        assert_eq!(managed(&out).len(), 1);
        assert_eq!(managed(&out)[0]["manager"], "helm");
    }

    #[test]
    fn equal_values_are_shared_without_conflict() {
        let applied = config_map(json!({"LOG_LEVEL": "info"}));
        let live = server_side_apply(None, &applied, "kubectl", false, T0).unwrap();
        let out = server_side_apply(Some(&live), &applied, "helm", false, T1).unwrap();
        let expected = json!({"f:data": {"f:LOG_LEVEL": {}}, "f:metadata": {"f:labels": {"f:app": {}}}});
        assert_eq!(fields_of(&out, "kubectl", "Apply"), expected);
        assert_eq!(fields_of(&out, "helm", "Apply"), expected);
        // Shared fields can't be changed by either side without a conflict.
        let err =
            server_side_apply(Some(&out), &config_map(json!({"LOG_LEVEL": "warn"})), "kubectl", false, T1).unwrap_err();
        assert_eq!(conflicts(err), vec![conflict("helm", ".data.LOG_LEVEL")]);
    }

    #[test]
    fn scale_then_apply_conflicts_on_replicas() {
        let containers = json!([{"name": "web", "image": "nginx:1"}]);
        let live = server_side_apply(None, &deployment(Some(1), containers.clone()), "kubectl", false, T0).unwrap();
        let mut scaled = live.clone();
        scaled["spec"]["replicas"] = json!(3);
        record_update(Some(&live), &mut scaled, "kubectl-scale", T1);
        assert_eq!(
            entry(&scaled, "kubectl-scale", "Update").unwrap(),
            &json!({
                "manager": "kubectl-scale",
                "operation": "Update",
                "apiVersion": "apps/v1",
                "time": T1,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:replicas": {}}}
            })
        );
        assert!(fields_of(&scaled, "kubectl", "Apply")["f:spec"].get("f:replicas").is_none());

        let err = server_side_apply(Some(&scaled), &deployment(Some(2), containers.clone()), "kubectl", false, T1)
            .unwrap_err();
        assert_eq!(err.to_string(), "Apply failed with 1 conflict: conflict with \"kubectl-scale\": .spec.replicas");
        // Leaving replicas out of the config keeps the scaled value.
        let out = server_side_apply(Some(&scaled), &deployment(None, containers), "kubectl", false, T1).unwrap();
        assert_eq!(out["spec"]["replicas"], 3);
    }

    #[test]
    fn containers_merge_by_name_through_apply() {
        let live = server_side_apply(
            None,
            &deployment(Some(1), json!([{"name": "web", "image": "nginx:1"}])),
            "kubectl",
            false,
            T0,
        )
        .unwrap();
        let sidecar = deployment(None, json!([{"name": "sidecar", "image": "envoy:1"}]));
        let out = server_side_apply(Some(&live), &sidecar, "mesh", false, T1).unwrap();
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "web", "image": "nginx:1"}, {"name": "sidecar", "image": "envoy:1"}])
        );

        let err = server_side_apply(
            Some(&out),
            &deployment(None, json!([{"name": "web", "image": "nginx:2"}])),
            "mesh",
            false,
            T1,
        )
        .unwrap_err();
        assert_eq!(conflicts(err), vec![conflict("kubectl", ".spec.template.spec.containers[name=\"web\"].image")]);

        // kubectl dropping its container removes it; mesh's container stays.
        let out = server_side_apply(Some(&out), &deployment(Some(1), json!([])), "kubectl", false, T1).unwrap();
        assert_eq!(out["spec"]["template"]["spec"]["containers"], json!([{"name": "sidecar", "image": "envoy:1"}]));
    }

    #[test]
    fn reapplying_own_fields_never_conflicts() {
        let live = server_side_apply(None, &config_map(json!({"A": "1"})), "kubectl", false, T0).unwrap();
        let out = server_side_apply(Some(&live), &config_map(json!({"A": "2"})), "kubectl", false, T1).unwrap();
        assert_eq!(out["data"], json!({"A": "2"}));
        assert_eq!(managed(&out).len(), 1);
    }

    #[test]
    fn service_port_conflicts_name_the_numeric_key() {
        let service = |target: i64| {
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "svc"},
                "spec": {
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "targetPort": target}, {"port": 443, "targetPort": 8443}]
                }
            })
        };
        let live = server_side_apply(None, &service(8080), "kubectl", false, T0).unwrap();
        let err = server_side_apply(Some(&live), &service(9090), "argo", false, T1).unwrap_err();
        assert_eq!(conflicts(err), vec![conflict("kubectl", ".spec.ports[port=80].targetPort")]);
        let mut bigger = service(9090);
        bigger["spec"]["selector"]["app"] = json!("api");
        let err = server_side_apply(Some(&live), &bigger, "argo", false, T1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Apply failed with 2 conflicts: conflict with \"kubectl\": .spec.ports[port=80].targetPort; \
             conflict with \"kubectl\": .spec.selector.app"
        );
        let out = server_side_apply(Some(&live), &bigger, "argo", true, T1).unwrap();
        assert_eq!(out["spec"]["ports"], json!([{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}]));
        assert_eq!(
            fields_of(&out, "kubectl", "Apply")["f:spec"],
            json!({"f:ports": {
                "k:{\"port\":80}": {".": {}, "f:port": {}},
                "k:{\"port\":443}": {".": {}, "f:port": {}, "f:targetPort": {}}
            }})
        );
    }

    #[test]
    fn conflicts_are_listed_in_the_message() {
        let err = ApplyError::Conflicts(vec![
            conflict("kubectl", ".data.A"),
            conflict("helm", ".spec.ports[port=80].targetPort"),
        ]);
        assert_eq!(
            err.to_string(),
            "Apply failed with 2 conflicts: conflict with \"kubectl\": .data.A; \
             conflict with \"helm\": .spec.ports[port=80].targetPort"
        );
    }

    #[test]
    fn invalid_configurations_are_rejected() {
        for (applied, message) in [
            (json!({"kind": "ConfigMap", "metadata": {"name": "x"}}), "apply configuration must set apiVersion"),
            (json!({"apiVersion": "v1", "metadata": {"name": "x"}}), "apply configuration must set kind"),
            (
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}),
                "apply configuration must set metadata.name",
            ),
            (json!([]), "apply configuration must be a JSON object"),
        ] {
            let err = server_side_apply(None, &applied, "kubectl", false, T0).unwrap_err();
            assert!(matches!(err, ApplyError::Invalid(_)));
            assert_eq!(err.to_string(), message);
        }
        let bad_list = deployment(None, json!([{"image": "nameless"}]));
        let err = server_side_apply(None, &bad_list, "kubectl", false, T0).unwrap_err();
        assert!(matches!(err, ApplyError::Invalid(_)), "{err}");
    }

    #[test]
    fn status_and_server_metadata_are_ignored() {
        let live = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "uid": "u-1", "resourceVersion": "7", "generation": 1},
            "data": {"A": "1"}
        });
        let applied = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "uid": "other", "resourceVersion": "1",
                          "creationTimestamp": null, "managedFields": [{"manager": "x"}]},
            "data": {"A": "1", "B": null},
            "status": {"phase": "Bogus"}
        });
        let out = server_side_apply(Some(&live), &applied, "kubectl", false, T0).unwrap();
        assert_eq!(out["metadata"]["uid"], "u-1");
        assert_eq!(out["metadata"]["resourceVersion"], "7");
        assert_eq!(out.get("status"), None);
        assert_eq!(out["data"], json!({"A": "1"}));
        assert_eq!(managed(&out).len(), 1);
        assert_eq!(fields_of(&out, "kubectl", "Apply"), json!({"f:data": {"f:A": {}}}));
    }

    #[test]
    fn record_update_on_create_owns_everything_but_excluded_fields() {
        let mut pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
            "status": {"phase": "Pending"}
        });
        record_update(None, &mut pod, "kubectl-create", T0);
        assert_eq!(
            managed(&pod),
            &vec![json!({
                "manager": "kubectl-create",
                "operation": "Update",
                "apiVersion": "v1",
                "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {
                    "f:metadata": {"f:labels": {"f:a": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"c\"}": {".": {}, "f:image": {}, "f:name": {}}}}
                }
            })]
        );
        assert_eq!(pod["status"]["phase"], "Pending");
    }

    #[test]
    fn record_update_takes_changed_and_removed_fields_away() {
        let live = server_side_apply(None, &config_map(json!({"A": "1", "B": "2"})), "kubectl", false, T0).unwrap();
        let mut edited = live.clone();
        edited["data"] = json!({"A": "changed", "C": "3"});
        record_update(Some(&live), &mut edited, "kubectl-edit", T1);
        assert_eq!(fields_of(&edited, "kubectl", "Apply"), json!({"f:metadata": {"f:labels": {"f:app": {}}}}));
        assert_eq!(fields_of(&edited, "kubectl-edit", "Update"), json!({"f:data": {"f:A": {}, "f:C": {}}}));
        // Content is not touched.
        assert_eq!(edited["data"], json!({"A": "changed", "C": "3"}));
    }

    #[test]
    fn record_update_without_changes_keeps_entries_and_adds_none() {
        let live = server_side_apply(None, &config_map(json!({"A": "1"})), "kubectl", false, T0).unwrap();
        let mut same = live.clone();
        same["metadata"].as_object_mut().unwrap().remove("managedFields");
        same["metadata"]["resourceVersion"] = json!("9");
        record_update(Some(&live), &mut same, "other", T1);
        assert_eq!(same["metadata"]["managedFields"], live["metadata"]["managedFields"]);
    }

    #[test]
    fn record_update_tracks_keyed_list_elements() {
        let containers = json!([{"name": "web", "image": "nginx:1"}, {"name": "old", "image": "x"}]);
        let live = server_side_apply(None, &deployment(Some(1), containers), "kubectl", false, T0).unwrap();
        let mut new = live.clone();
        new["spec"]["template"]["spec"]["containers"] = json!([
            {"name": "web", "image": "nginx:2"},
            {"name": "debug", "image": "busybox"}
        ]);
        record_update(Some(&live), &mut new, "kubectl-set", T1);
        assert_eq!(
            fields_of(&new, "kubectl-set", "Update"),
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"debug\"}": {".": {}, "f:image": {}, "f:name": {}},
                "k:{\"name\":\"web\"}": {"f:image": {}}
            }}}}})
        );
        let kubectl = fields_of(&new, "kubectl", "Apply");
        assert_eq!(
            kubectl["f:spec"]["f:template"]["f:spec"]["f:containers"],
            json!({"k:{\"name\":\"web\"}": {".": {}, "f:name": {}}})
        );
    }

    #[test]
    fn fields_v1_round_trips() {
        let tree = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}}}}
        });
        let mut set = FieldSet::new();
        parse_fields_v1(tree.as_object().unwrap(), &mut Vec::new(), &mut set);
        assert_eq!(set.len(), 4);
        assert_eq!(to_fields_v1(&set), tree);
        let image: Path = ["f:spec", "f:containers", "k:{\"name\":\"web\"}", "f:image"].map(String::from).to_vec();
        assert!(set.contains(&image));
        assert_eq!(display_path(&image), ".spec.containers[name=\"web\"].image");
    }
}
