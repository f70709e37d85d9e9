//! Patch semantics on JSON objects: merge (RFC 7386), JSON patch (RFC 6902), strategic merge; no IO.

use serde_json::{Map, Value};
use std::fmt;

/// A patch that cannot be applied; the message is shown to the client as-is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError(pub String);

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatchError {}

/// The strategic-merge directive key inside a map or a list element.
const PATCH_DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";

/// RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    ::json_patch::merge(target, patch);
}

/// RFC 6902 JSON patch. The document is left untouched when any operation fails
/// (the library undoes the operations already applied).
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    if !patch.is_array() {
        return Err(PatchError("json patch must be a JSON array of operations".to_string()));
    }
    let ops: ::json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| PatchError(format!("invalid json patch: {e}")))?;
    ::json_patch::patch(target, &ops).map_err(|e| PatchError(e.to_string()))
}

/// Kubernetes strategic merge patch, as kubectl sends it. On error `target` is unchanged.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError("strategic merge patch must be a JSON object".to_string()));
    };
    // Work on a copy so a failure half-way never leaves a half-patched object behind.
    let merged = merge_map(into_map(target.clone()), patch, &mut Vec::new())?;
    *target = Value::Object(merged);
    Ok(())
}

/// The merge key of the list at `path` (map keys from the object root, list indices
/// left out), following the `patchMergeKey` tags of the Kubernetes core types.
pub fn merge_key(path: &[&str]) -> Option<&'static str> {
    let (field, parents) = path.split_last()?;
    match *field {
        "containers" | "initContainers" | "ephemeralContainers" | "env" | "volumes" | "imagePullSecrets" => {
            Some("name")
        }
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "ports" => ports_merge_key(parents),
        _ => None,
    }
}

/// Container ports and Service ports share a field name but not a merge key.
fn ports_merge_key(parents: &[&str]) -> Option<&'static str> {
    match parents.last() {
        Some(&("containers" | "initContainers" | "ephemeralContainers")) => Some("containerPort"),
        Some(&"spec") => Some("port"),
        _ => None,
    }
}

/// `metadata.finalizers` is a list of strings with patch strategy "merge": a patch adds
/// to it instead of replacing it.
fn is_primitive_merge_list(path: &[&str]) -> bool {
    path.ends_with(&["metadata", "finalizers"])
}

/// The `map[string]string` fields Go serializes with `omitempty`: an empty one is dropped rather than stored as
/// `{}`, otherwise `kubectl diff` reports a spurious `annotations: {}`. Struct-valued empties (`emptyDir: {}`) stay.
const OMITEMPTY_MAPS: &[&str] = &[
    "/metadata/labels",
    "/metadata/annotations",
    "/data",
    "/binaryData",
    "/stringData",
    "/spec/nodeSelector",
    "/spec/selector/matchLabels",
    "/spec/template/metadata/labels",
    "/spec/template/metadata/annotations",
    "/spec/template/spec/nodeSelector",
    "/spec/jobTemplate/spec/template/metadata/labels",
];

/// Removes the empty `omitempty` maps listed above.
pub fn drop_empty_maps(v: &mut Value) {
    for path in OMITEMPTY_MAPS {
        let Some((parent, field)) = path.rsplit_once('/') else { continue };
        let parent = if parent.is_empty() { Some(&mut *v) } else { v.pointer_mut(parent) };
        if let Some(Value::Object(map)) = parent
            && matches!(map.get(field), Some(Value::Object(m)) if m.is_empty())
        {
            map.remove(field);
        }
    }
}

/// Take the map out of a value; anything that is not a map merges like an empty one.
fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn directive(map: &Map<String, Value>) -> Option<&str> {
    map.get(PATCH_DIRECTIVE).and_then(Value::as_str)
}

/// A value taken from the patch where nothing in the target merges with it:
/// directives are dropped, and `null` members mean "absent" just like in a merge.
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, child)| !k.starts_with('$') && !child.is_null())
                .map(|(k, child)| (k.clone(), clean(child)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(clean).collect()),
        other => other.clone(),
    }
}

fn merge_map<'a>(
    mut target: Map<String, Value>,
    patch: &'a Map<String, Value>,
    path: &mut Vec<&'a str>,
) -> Result<Map<String, Value>, PatchError> {
    match directive(patch) {
        None | Some("merge") => {}
        Some("replace") => return Ok(into_map(clean(&Value::Object(patch.clone())))),
        Some("delete") => return Ok(Map::new()),
        Some(other) => return Err(PatchError(format!("unknown patch directive {other:?}"))),
    }
    if let Some(keys) = patch.get(RETAIN_KEYS) {
        retain_keys(&mut target, keys)?;
    }
    for (key, values) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
            delete_from_list(&mut target, field, values)?;
        }
    }
    for (key, value) in patch.iter().filter(|(k, _)| !k.starts_with('$')) {
        path.push(key);
        merge_member(&mut target, key, value, path)?;
        path.pop();
    }
    for (key, order) in patch {
        if let Some(field) = key.strip_prefix(SET_ELEMENT_ORDER) {
            path.push(field);
            reorder(&mut target, field, order, path)?;
            path.pop();
        }
    }
    Ok(target)
}

/// Merge one patch member into `target`; `path` already ends with `key`.
fn merge_member<'a>(
    target: &mut Map<String, Value>,
    key: &str,
    value: &'a Value,
    path: &mut Vec<&'a str>,
) -> Result<(), PatchError> {
    match value {
        Value::Null => {
            target.remove(key);
        }
        Value::Object(sub) if directive(sub) == Some("delete") => {
            target.remove(key);
        }
        Value::Object(sub) => {
            let old = target.get_mut(key).map(Value::take).unwrap_or_default();
            let merged = merge_map(into_map(old), sub, path)?;
            target.insert(key.to_string(), Value::Object(merged));
        }
        Value::Array(items) => {
            let old = target.get_mut(key).map(Value::take).unwrap_or_default();
            let merged = merge_list(old, items, path)?;
            target.insert(key.to_string(), merged);
        }
        scalar => {
            target.insert(key.to_string(), scalar.clone());
        }
    }
    Ok(())
}

fn merge_list<'a>(target: Value, patch: &'a [Value], path: &mut Vec<&'a str>) -> Result<Value, PatchError> {
    // A `{"$patch": "replace"}` element asks for the list to be replaced wholesale.
    let replace = patch.iter().any(|item| item.as_object().and_then(directive) == Some("replace"));
    let items = patch.iter().filter(|item| !is_directive_only(item));
    if replace {
        return Ok(Value::Array(items.map(clean).collect()));
    }
    let mut existing = match target {
        Value::Array(existing) => existing,
        _ => Vec::new(),
    };
    if let Some(key) = merge_key(path) {
        for item in items {
            merge_keyed_item(&mut existing, item, key, path)?;
        }
        return Ok(Value::Array(existing));
    }
    if is_primitive_merge_list(path) {
        for item in items {
            if !existing.contains(item) {
                existing.push(item.clone());
            }
        }
        return Ok(Value::Array(existing));
    }
    Ok(Value::Array(items.map(clean).collect()))
}

/// A list element that carries nothing but a `$patch` directive.
fn is_directive_only(item: &Value) -> bool {
    item.as_object().is_some_and(|m| m.len() == 1 && m.contains_key(PATCH_DIRECTIVE))
}

fn merge_keyed_item<'a>(
    existing: &mut Vec<Value>,
    item: &'a Value,
    key: &str,
    path: &mut Vec<&'a str>,
) -> Result<(), PatchError> {
    let field = path.join(".");
    let Value::Object(patch) = item else {
        return Err(PatchError(format!("{field}: list elements must be objects with merge key {key:?}")));
    };
    let Some(id) = patch.get(key) else {
        return Err(PatchError(format!("{field}: list element does not contain the merge key {key:?}")));
    };
    if directive(patch) == Some("delete") {
        existing.retain(|e| e.get(key) != Some(id));
        return Ok(());
    }
    match existing.iter().position(|e| e.get(key) == Some(id)) {
        Some(i) => {
            let merged = merge_map(into_map(existing[i].take()), patch, path)?;
            existing[i] = Value::Object(merged);
        }
        None => existing.push(Value::Object(merge_map(Map::new(), patch, path)?)),
    }
    Ok(())
}

/// `$retainKeys`: keys of the map not named in the list are cleared.
fn retain_keys(target: &mut Map<String, Value>, keys: &Value) -> Result<(), PatchError> {
    let keys: Vec<&str> = keys
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .ok_or_else(|| PatchError("$retainKeys must be a list of strings".to_string()))?;
    target.retain(|k, _| keys.contains(&k.as_str()));
    Ok(())
}

/// `$deleteFromPrimitiveList/<field>`: remove the listed values from that list.
fn delete_from_list(target: &mut Map<String, Value>, field: &str, values: &Value) -> Result<(), PatchError> {
    let Value::Array(values) = values else {
        return Err(PatchError(format!("$deleteFromPrimitiveList/{field} must be a list")));
    };
    if let Some(Value::Array(list)) = target.get_mut(field) {
        list.retain(|v| !values.contains(v));
    }
    Ok(())
}

/// `$setElementOrder/<field>`: elements named in `order` come first, in that order;
/// elements the patch did not name (added by someone else) keep their relative order after them.
fn reorder(target: &mut Map<String, Value>, field: &str, order: &Value, path: &[&str]) -> Result<(), PatchError> {
    let Value::Array(order) = order else {
        return Err(PatchError(format!("$setElementOrder/{field} must be a list")));
    };
    let Some(Value::Array(list)) = target.get_mut(field) else {
        return Ok(());
    };
    let key = merge_key(path);
    let identity = |v: &Value| -> Option<Value> {
        match key {
            Some(key) => v.get(key).cloned(),
            None => Some(v.clone()),
        }
    };
    let wanted: Vec<Value> = order.iter().filter_map(identity).collect();
    let rank = |v: &Value| identity(v).and_then(|id| wanted.iter().position(|w| *w == id));
    let (mut named, rest): (Vec<Value>, Vec<Value>) = list.drain(..).partition(|v| rank(v).is_some());
    named.sort_by_key(|v| rank(v));
    named.extend(rest);
    *list = named;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(mut target: Value, patch: Value) -> Value {
        strategic_merge_patch(&mut target, &patch).unwrap();
        target
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
            "spec": {
                "replicas": 1,
                "template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx:1", "args": ["a", "b"]},
                    {"name": "sidecar", "image": "envoy:1"}
                ]}}
            }
        })
    }

    fn containers(v: &Value) -> &Vec<Value> {
        v["spec"]["template"]["spec"]["containers"].as_array().unwrap()
    }

    #[test]
    fn merge_patch_merges_and_null_deletes() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": true});
        merge_patch(&mut doc, &json!({"a": {"c": null, "d": 3}, "list": [9], "gone": null}));
        assert_eq!(doc, json!({"a": {"b": 1, "d": 3}, "list": [9]}));
    }

    #[test]
    fn json_patch_add_remove_replace() {
        let mut doc = json!({"spec": {"replicas": 1, "paused": true}, "tags": ["a"]});
        let ops = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 5},
            {"op": "remove", "path": "/spec/paused"},
            {"op": "add", "path": "/tags/-", "value": "b"},
            {"op": "add", "path": "/metadata", "value": {"name": "x"}},
            {"op": "test", "path": "/spec/replicas", "value": 5}
        ]);
        json_patch(&mut doc, &ops).unwrap();
        assert_eq!(doc, json!({"spec": {"replicas": 5}, "tags": ["a", "b"], "metadata": {"name": "x"}}));
    }

    #[test]
    fn json_patch_failed_test_is_an_error_and_changes_nothing() {
        let mut doc = json!({"spec": {"replicas": 1}});
        let ops = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 7},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]);
        let err = json_patch(&mut doc, &ops).unwrap_err();
        assert!(err.to_string().contains("value did not match"), "{err}");
        assert_eq!(doc, json!({"spec": {"replicas": 1}}));
    }

    #[test]
    fn json_patch_rejects_non_array_and_bad_ops() {
        let mut doc = json!({});
        assert_eq!(
            json_patch(&mut doc, &json!({"op": "add"})).unwrap_err(),
            PatchError("json patch must be a JSON array of operations".to_string())
        );
        let err = json_patch(&mut doc, &json!([{"op": "frobnicate", "path": "/a"}])).unwrap_err();
        assert!(err.0.starts_with("invalid json patch"), "{err}");
        let err = json_patch(&mut doc, &json!([{"op": "remove", "path": "/missing"}]));
        assert!(err.is_err());
    }

    #[test]
    fn smp_merges_containers_by_name_and_keeps_others() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:2"},
                {"name": "debug", "image": "busybox"}
            ]}}}}),
        );
        assert_eq!(
            containers(&out),
            &vec![
                json!({"name": "web", "image": "nginx:2", "args": ["a", "b"]}),
                json!({"name": "sidecar", "image": "envoy:1"}),
                json!({"name": "debug", "image": "busybox"}),
            ]
        );
        assert_eq!(out["spec"]["replicas"], json!(1));
    }

    #[test]
    fn smp_patch_delete_removes_one_element() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "sidecar", "$patch": "delete"}
            ]}}}}),
        );
        assert_eq!(containers(&out), &vec![json!({"name": "web", "image": "nginx:1", "args": ["a", "b"]})]);
    }

    #[test]
    fn smp_set_element_order_orders_the_list() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "web"}],
                "containers": [{"name": "web", "image": "nginx:3"}]
            }}}}),
        );
        let names: Vec<&str> = containers(&out).iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["sidecar", "web"]);
        assert_eq!(containers(&out)[1]["image"], json!("nginx:3"));
        assert!(out.to_string().find('$').is_none());
    }

    #[test]
    fn smp_set_element_order_puts_unnamed_elements_last() {
        let mut target = json!({"metadata": {"finalizers": ["a", "b", "c"]}});
        strategic_merge_patch(&mut target, &json!({"metadata": {"$setElementOrder/finalizers": ["c", "a"]}})).unwrap();
        assert_eq!(target, json!({"metadata": {"finalizers": ["c", "a", "b"]}}));
    }

    #[test]
    fn smp_null_deletes_a_label() {
        let out = smp(deployment(), json!({"metadata": {"labels": {"tier": null, "env": "prod"}}}));
        assert_eq!(out["metadata"]["labels"], json!({"app": "web", "env": "prod"}));
    }

    #[test]
    fn smp_retain_keys_clears_unlisted_keys() {
        let target = json!({"spec": {"strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1}
        }}});
        let out = smp(target, json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}));
        assert_eq!(out, json!({"spec": {"strategy": {"type": "Recreate"}}}));
    }

    #[test]
    fn smp_patch_replace_replaces_a_map() {
        let out = smp(deployment(), json!({"metadata": {"labels": {"$patch": "replace", "only": "me"}}}));
        assert_eq!(out["metadata"]["labels"], json!({"only": "me"}));
    }

    #[test]
    fn smp_patch_delete_on_a_map_removes_it() {
        let out = smp(deployment(), json!({"metadata": {"labels": {"$patch": "delete"}}}));
        assert_eq!(out["metadata"], json!({"name": "web"}));
    }

    #[test]
    fn smp_list_replace_directive_replaces_keyed_list() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"$patch": "replace"},
                {"name": "solo", "image": "x"}
            ]}}}}),
        );
        assert_eq!(containers(&out), &vec![json!({"name": "solo", "image": "x"})]);
    }

    #[test]
    fn smp_replaces_lists_without_merge_key() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "web", "args": ["c"]}
            ]}}}}),
        );
        assert_eq!(containers(&out)[0]["args"], json!(["c"]));
        let out = smp(
            json!({"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}}),
            json!({"spec": {"tolerations": [{"key": "c"}]}}),
        );
        assert_eq!(out, json!({"spec": {"tolerations": [{"key": "c"}]}}));
    }

    #[test]
    fn smp_finalizers_union_and_delete_from_primitive_list() {
        let out = smp(
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {
                "finalizers": ["b", "c"],
                "$deleteFromPrimitiveList/finalizers": ["a"]
            }}),
        );
        assert_eq!(out, json!({"metadata": {"finalizers": ["b", "c"]}}));
    }

    #[test]
    fn smp_merges_ports_by_their_own_keys() {
        let service = json!({"spec": {"ports": [
            {"port": 80, "name": "http"},
            {"port": 443, "name": "https"}
        ]}});
        let out = smp(service, json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}));
        assert_eq!(
            out["spec"]["ports"],
            json!([{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443, "name": "https"}])
        );
        let pod = json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}});
        let out = smp(pod, json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 9090}]}]}}));
        assert_eq!(out["spec"]["containers"][0]["ports"], json!([{"containerPort": 80}, {"containerPort": 9090}]));
    }

    #[test]
    fn smp_strips_directives_and_nulls_from_new_values() {
        let out = smp(
            json!({}),
            json!({"spec": {
                "$retainKeys": ["template"],
                "template": {"spec": {"containers": [
                    {"name": "new", "env": [{"name": "A", "value": "1", "$patch": "merge"}], "gone": null}
                ]}}
            }}),
        );
        assert_eq!(
            out,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "new", "env": [{"name": "A", "value": "1"}]}
            ]}}}})
        );
    }

    #[test]
    fn smp_errors_leave_target_unchanged() {
        let mut target = deployment();
        assert_eq!(
            strategic_merge_patch(&mut target, &json!([1])).unwrap_err(),
            PatchError("strategic merge patch must be a JSON object".to_string())
        );
        let bad = json!({"metadata": {"labels": {"x": "y"}}, "spec": {"template": {"spec": {
            "containers": [{"image": "no-name"}]
        }}}});
        let err = strategic_merge_patch(&mut target, &bad).unwrap_err();
        assert_eq!(
            err.to_string(),
            "spec.template.spec.containers: list element does not contain the merge key \"name\""
        );
        assert_eq!(target, deployment());
        let err = strategic_merge_patch(&mut target, &json!({"$patch": "explode"})).unwrap_err();
        assert_eq!(err.0, "unknown patch directive \"explode\"");
    }

    #[test]
    fn merge_keys_follow_kubernetes_types() {
        let cases: [(&[&str], Option<&str>); 17] = [
            (&["spec", "template", "spec", "containers"], Some("name")),
            (&["spec", "initContainers"], Some("name")),
            (&["spec", "ephemeralContainers"], Some("name")),
            (&["spec", "containers", "env"], Some("name")),
            (&["spec", "volumes"], Some("name")),
            (&["spec", "containers", "volumeMounts"], Some("mountPath")),
            (&["spec", "containers", "volumeDevices"], Some("devicePath")),
            (&["spec", "template", "spec", "containers", "ports"], Some("containerPort")),
            (&["spec", "ports"], Some("port")),
            (&["status", "conditions"], Some("type")),
            (&["spec", "tolerations"], None),
            (&["spec", "imagePullSecrets"], Some("name")),
            (&["metadata", "ownerReferences"], Some("uid")),
            (&["spec", "hostAliases"], Some("ip")),
            (&["spec", "topologySpreadConstraints"], Some("topologyKey")),
            (&["spec", "containers", "args"], None),
            (&[], None),
        ];
        for (path, key) in cases {
            assert_eq!(merge_key(path), key, "{path:?}");
        }
    }

    #[test]
    fn drop_empty_maps_removes_only_omitempty_string_maps() {
        let mut v = json!({
            "metadata": {"labels": {}, "annotations": {"a": "b"}},
            "data": {},
            "spec": {"volumes": [{"name": "shm", "emptyDir": {}}], "nodeSelector": {}, "resources": {}}
        });
        drop_empty_maps(&mut v);
        assert_eq!(
            v,
            json!({"metadata": {"annotations": {"a": "b"}}, "spec": {"volumes": [{"name": "shm", "emptyDir": {}}], "resources": {}}})
        );
    }
}
