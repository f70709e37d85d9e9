//! Tests of server-side apply and managedFields bookkeeping.

use super::managed::{parse_fields_v1, to_fields_v1};
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

    let err =
        server_side_apply(Some(&scaled), &deployment(Some(2), containers.clone()), "kubectl", false, T1).unwrap_err();
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
