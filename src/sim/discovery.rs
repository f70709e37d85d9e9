//! Discovery documents (/version, legacy /api /apis, aggregated v2 and v2beta1) and the minimal /openapi/v3; pure.

use serde_json::{Value, json};

use super::http::Wanted;
use super::resources::{self, RESOURCES, ResourceType};

/// `minor` picks the kubectl binary the Cloud SDK dispatcher runs, so it stays at 32.
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-gpudeck-sim",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-11-25T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc", "platform": "linux/amd64"
    })
}

pub const V2_CONTENT_TYPE: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
pub const V2BETA1_CONTENT_TYPE: &str = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/// `/api` or `/apis` in the form the client asked for: (content type, body).
pub fn root(core: bool, wanted: Wanted) -> (&'static str, Value) {
    match wanted {
        Wanted::DiscoveryV2 => (V2_CONTENT_TYPE, aggregated(core, "apidiscovery.k8s.io/v2")),
        Wanted::DiscoveryV2Beta1 => (V2BETA1_CONTENT_TYPE, aggregated(core, "apidiscovery.k8s.io/v2beta1")),
        Wanted::Json | Wanted::Table if core => (
            "application/json",
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        Wanted::Json | Wanted::Table => ("application/json", group_list()),
    }
}

fn groups() -> Vec<(&'static str, &'static str)> {
    resources::group_versions().into_iter().filter(|(g, _)| !g.is_empty()).collect()
}

fn group_list() -> Value {
    let groups: Vec<Value> = groups().into_iter().map(|(g, v)| group_doc(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn group_doc(group: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [gv], "preferredVersion": gv})
}

/// `/apis/{group}`.
pub fn group(name: &str) -> Option<Value> {
    groups().into_iter().find(|(g, _)| *g == name).map(|(g, v)| {
        let mut doc = group_doc(g, v);
        doc["kind"] = json!("APIGroup");
        doc["apiVersion"] = json!("v1");
        doc
    })
}

fn in_group_version(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceType> {
    RESOURCES.iter().filter(move |r| r.group == group && r.version == version)
}

/// Legacy `APIResourceList` for one group/version, subresources listed as `pods/log`.
pub fn resource_list(group: &str, version: &str) -> Value {
    let mut list = Vec::new();
    for r in in_group_version(group, version) {
        list.push(json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
            "verbs": r.verbs, "shortNames": r.short_names, "categories": r.categories,
        }));
        for s in r.subresources {
            list.push(json!({
                "name": format!("{}/{}", r.plural, s.name), "singularName": "", "namespaced": r.namespaced,
                "group": s.group, "version": s.version, "kind": s.kind, "verbs": s.verbs,
            }));
        }
    }
    let gv = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
}

fn aggregated(core: bool, api_version: &str) -> Value {
    let gvs: Vec<(&str, &str)> =
        resources::group_versions().into_iter().filter(|(g, _)| g.is_empty() == core).collect();
    let items: Vec<Value> = gvs
        .into_iter()
        .map(|(g, v)| {
            let resources: Vec<Value> = in_group_version(g, v).map(aggregated_resource).collect();
            let metadata = if core { json!({}) } else { json!({"name": g}) };
            json!({"metadata": metadata, "versions": [{"version": v, "freshness": "Current", "resources": resources}]})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items})
}

fn aggregated_resource(r: &ResourceType) -> Value {
    let subs: Vec<Value> = r
        .subresources
        .iter()
        .map(|s| json!({"subresource": s.name, "responseKind": {"group": s.group, "version": s.version, "kind": s.kind}, "verbs": s.verbs}))
        .collect();
    let mut doc = json!({
        "resource": r.plural, "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" }, "verbs": r.verbs,
    });
    if !r.singular.is_empty() {
        doc["singularResource"] = json!(r.singular);
    }
    if !r.short_names.is_empty() {
        doc["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        doc["categories"] = json!(r.categories);
    }
    if !subs.is_empty() {
        doc["subresources"] = json!(subs);
    }
    doc
}

/// `/openapi/v3`: one entry per group/version. The hash is constant because the documents never change.
pub fn openapi_root() -> Value {
    let mut paths = serde_json::Map::new();
    for (g, v) in resources::group_versions() {
        let key = if g.is_empty() { format!("api/{v}") } else { format!("apis/{g}/{v}") };
        paths.insert(key.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash=0001")}));
    }
    json!({"paths": paths})
}

/// The per group/version document: just enough for kubectl to leave field validation to the server
/// (a PATCH operation listing `fieldValidation`, and a schema carrying each kind's GVK).
pub fn openapi_group_version(group: &str, version: &str) -> Option<Value> {
    let members: Vec<&ResourceType> = in_group_version(group, version).filter(|r| !r.is_metrics()).collect();
    if members.is_empty() && !in_group_version(group, version).any(|r| r.is_metrics()) {
        return None;
    }
    let prefix = if group.is_empty() { format!("/api/{version}") } else { format!("/apis/{group}/{version}") };
    let params = json!([
        {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
        {"name": "force", "in": "query", "schema": {"type": "boolean"}}
    ]);
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    for r in members {
        let gvk = json!({"group": group, "version": version, "kind": r.kind});
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let collection = item.trim_end_matches("/{name}").to_string();
        let op = |verb: &str, action: &str| {
            json!({"operationId": format!("{verb}{}", r.kind), "x-kubernetes-action": action,
                   "x-kubernetes-group-version-kind": gvk, "parameters": params, "responses": {"200": {"description": "OK"}}})
        };
        paths.insert(item, json!({"get": op("read", "get"), "put": op("replace", "put"), "patch": op("patch", "patch"), "delete": op("delete", "delete")}));
        paths.insert(collection, json!({"get": op("list", "list"), "post": op("create", "post")}));
        schemas.insert(schema_name(r), json!({"type": "object", "x-kubernetes-group-version-kind": [gvk]}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas}
    }))
}

/// `io.k8s.api.apps.v1.Deployment`, the name the real server's OpenAPI uses.
fn schema_name(r: &ResourceType) -> String {
    let package = match r.group {
        "" => "core".to_string(),
        g => g.split('.').next().unwrap_or(g).to_string(),
    };
    format!("io.k8s.api.{package}.{}.{}", r.version, r.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_core_has_empty_metadata_and_pods_with_log() {
        let (ct, doc) = root(true, Wanted::DiscoveryV2);
        assert_eq!(ct, V2_CONTENT_TYPE);
        assert_eq!(doc["items"][0]["metadata"], json!({}));
        let pods = doc["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap();
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert!(pods["subresources"].as_array().unwrap().iter().any(|s| s["subresource"] == "log"));
        let (_, apis) = root(false, Wanted::DiscoveryV2Beta1);
        assert_eq!(apis["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        assert!(apis["items"].as_array().unwrap().iter().any(|g| g["metadata"]["name"] == "metrics.k8s.io"));
    }

    #[test]
    fn legacy_lists_subresources_and_openapi_has_field_validation() {
        let apps = resource_list("apps", "v1");
        assert!(
            apps["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "deployments/scale" && r["kind"] == "Scale")
        );
        let doc = openapi_group_version("apps", "v1").unwrap();
        let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation"));
        assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
        assert!(openapi_group_version("nope", "v1").is_none());
        assert_eq!(openapi_root()["paths"]["api/v1"]["serverRelativeURL"], "/openapi/v3/api/v1?hash=0001");
    }
}
