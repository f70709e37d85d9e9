//! Discovery documents (/version, legacy /api /apis, aggregated v2 and v2beta1) and the minimal /openapi/v3, for
//! whatever the cluster's catalog serves (built-ins and CRD-defined resources); pure.

use serde_json::{Value, json};

use super::http::Wanted;
use super::resources::{self, Catalog, ResourceType};
use super::rng;

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
pub fn root(catalog: &Catalog, core: bool, wanted: Wanted) -> (&'static str, Value) {
    match wanted {
        Wanted::DiscoveryV2 => (V2_CONTENT_TYPE, aggregated(catalog, core, "apidiscovery.k8s.io/v2")),
        Wanted::DiscoveryV2Beta1 => (V2BETA1_CONTENT_TYPE, aggregated(catalog, core, "apidiscovery.k8s.io/v2beta1")),
        Wanted::Json | Wanted::Table if core => (
            "application/json",
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        Wanted::Json | Wanted::Table => ("application/json", group_list(catalog)),
    }
}

/// Each named group with its versions, in first-seen order (the first is the preferred one).
fn groups(catalog: &Catalog) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for (g, v) in catalog.group_versions().into_iter().filter(|(g, _)| !g.is_empty()) {
        match out.iter_mut().find(|(name, _)| *name == g) {
            Some((_, versions)) => versions.push(v),
            None => out.push((g, vec![v])),
        }
    }
    out
}

fn group_list(catalog: &Catalog) -> Value {
    let groups: Vec<Value> = groups(catalog).into_iter().map(|(g, v)| group_doc(g, &v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn group_doc(group: &str, versions: &[&str]) -> Value {
    let gv = |v: &str| json!({"groupVersion": format!("{group}/{v}"), "version": v});
    let all: Vec<Value> = versions.iter().map(|v| gv(v)).collect();
    json!({"name": group, "versions": all, "preferredVersion": gv(versions.first().copied().unwrap_or_default())})
}

/// `/apis/{group}`.
pub fn group(catalog: &Catalog, name: &str) -> Option<Value> {
    groups(catalog).into_iter().find(|(g, _)| *g == name).map(|(g, v)| {
        let mut doc = group_doc(g, &v);
        doc["kind"] = json!("APIGroup");
        doc["apiVersion"] = json!("v1");
        doc
    })
}

/// Legacy `APIResourceList` for one group/version, subresources listed as `pods/log`. shortNames and categories
/// are `omitempty` in metav1.APIResource.
pub fn resource_list(catalog: &Catalog, group: &str, version: &str) -> Value {
    let mut list = Vec::new();
    for (_, r) in catalog.in_group_version(group, version) {
        let mut doc = json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind, "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            doc["categories"] = json!(r.categories);
        }
        list.push(doc);
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

fn aggregated(catalog: &Catalog, core: bool, api_version: &str) -> Value {
    let items: Vec<Value> = if core {
        let resources: Vec<Value> = catalog.in_group_version("", "v1").map(|(_, r)| aggregated_resource(r)).collect();
        vec![json!({"metadata": {}, "versions": [{"version": "v1", "freshness": "Current", "resources": resources}]})]
    } else {
        groups(catalog)
            .into_iter()
            .map(|(g, versions)| {
                let versions: Vec<Value> = versions
                    .into_iter()
                    .map(|v| {
                        let resources: Vec<Value> =
                            catalog.in_group_version(g, v).map(|(_, r)| aggregated_resource(r)).collect();
                        json!({"version": v, "freshness": "Current", "resources": resources})
                    })
                    .collect();
                json!({"metadata": {"name": g}, "versions": versions})
            })
            .collect()
    };
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

/// `/openapi/v3`: one entry per group/version. The hash follows the document, so kubectl's cache of it is
/// refreshed when a CRD changes what a group/version holds.
pub fn openapi_root(catalog: &Catalog) -> Value {
    let mut paths = serde_json::Map::new();
    for (g, v) in catalog.group_versions() {
        let key = if g.is_empty() { format!("api/{v}") } else { format!("apis/{g}/{v}") };
        let doc = openapi_group_version(catalog, g, v).unwrap_or_default();
        let hash = format!("{:016X}", rng::hash(&doc.to_string()));
        paths.insert(key.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}));
    }
    json!({"paths": paths})
}

/// The per group/version document: just enough for kubectl to leave field validation to the server
/// (a PATCH operation listing `fieldValidation`, and a schema carrying each kind's GVK).
pub fn openapi_group_version(catalog: &Catalog, group: &str, version: &str) -> Option<Value> {
    let all: Vec<(usize, &ResourceType)> = catalog.in_group_version(group, version).collect();
    if all.is_empty() {
        return None;
    }
    let members: Vec<(usize, &ResourceType)> = all.into_iter().filter(|(_, r)| !r.is_metrics()).collect();
    let prefix = if group.is_empty() { format!("/api/{version}") } else { format!("/apis/{group}/{version}") };
    let params = json!([
        {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
        {"name": "force", "in": "query", "schema": {"type": "boolean"}}
    ]);
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    for (id, r) in members {
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
        schemas.insert(schema_name(id, r), json!({"type": "object", "x-kubernetes-group-version-kind": [gvk]}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas}
    }))
}

/// `io.k8s.api.apps.v1.Deployment`, or `org.kubeflow.v1.TrainJob` for a custom resource: the names the real
/// server's OpenAPI uses.
fn schema_name(id: usize, r: &ResourceType) -> String {
    if resources::custom(id).is_some() {
        let reversed: Vec<&str> = r.group.split('.').rev().collect();
        return format!("{}.{}.{}", reversed.join("."), r.version, r.kind);
    }
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
        let (ct, doc) = root(&Catalog::default(), true, Wanted::DiscoveryV2);
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
        let (_, apis) = root(&Catalog::default(), false, Wanted::DiscoveryV2Beta1);
        assert_eq!(apis["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        assert!(apis["items"].as_array().unwrap().iter().any(|g| g["metadata"]["name"] == "metrics.k8s.io"));
    }

    #[test]
    fn legacy_lists_subresources_and_openapi_has_field_validation() {
        let apps = resource_list(&Catalog::default(), "apps", "v1");
        assert!(
            apps["resources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "deployments/scale" && r["kind"] == "Scale")
        );
        let doc = openapi_group_version(&Catalog::default(), "apps", "v1").unwrap();
        let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation"));
        assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
        assert!(openapi_group_version(&Catalog::default(), "nope", "v1").is_none());
        let url =
            openapi_root(&Catalog::default())["paths"]["api/v1"]["serverRelativeURL"].as_str().unwrap().to_string();
        assert!(url.starts_with("/openapi/v3/api/v1?hash="), "{url}");
    }
}
