//! URL paths → what is being asked for (discovery, openapi, a resource, a service proxy, the fault control); pure.

use super::resources::{self, Catalog, ResourceId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Version,
    Health,
    /// `/api`
    CoreVersions,
    /// `/apis`
    Groups,
    /// `/apis/{group}`
    Group(String),
    /// `/api/v1`, `/apis/{group}/{version}`
    GroupVersion(String, String),
    /// `/openapi/v3`
    OpenApiRoot,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`
    OpenApi(String, String),
    /// `/api/v1/namespaces/{ns}/services/{svc}[:{port}]/proxy/{path}`
    ServiceProxy {
        namespace: String,
        service: String,
        path: String,
    },
    /// `/api/v1/namespaces/{ns}/pods/{pod}[:{port}]/proxy/{path}`
    PodProxy {
        namespace: String,
        pod: String,
        path: String,
    },
    /// `/api/v1/nodes/{node}[:{port}]/proxy/{path}`: the node's kubelet
    NodeProxy {
        node: String,
        path: String,
    },
    Resource(Target),
    /// `/sim/{what}`: fault switches and restart
    Control(String),
}

/// A request on a resource collection or object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub res: ResourceId,
    /// Some for namespaced requests; None for cluster-scoped resources or all-namespace lists.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Parses a path against what the cluster serves; None means 404.
pub fn parse(path: &str, catalog: &Catalog) -> Option<Route> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segs.as_slice() {
        ["version"] => Some(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => Some(Route::Health),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["apis", group] => known_group(catalog, group).then(|| Route::Group(group.to_string())),
        ["openapi", "v3"] => Some(Route::OpenApiRoot),
        ["openapi", "v3", "api", "v1"] => Some(Route::OpenApi(String::new(), "v1".into())),
        ["openapi", "v3", "apis", group, version] => Some(Route::OpenApi(group.to_string(), version.to_string())),
        ["sim", what] => Some(Route::Control(what.to_string())),
        ["api", "v1", rest @ ..] => under_group_version(catalog, "", "v1", rest),
        ["apis", group, version, rest @ ..] => under_group_version(catalog, group, version, rest),
        _ => None,
    }
}

fn known_group(catalog: &Catalog, group: &str) -> bool {
    !group.is_empty() && catalog.types().any(|(_, r)| r.group == group)
}

fn under_group_version(catalog: &Catalog, group: &str, version: &str, rest: &[&str]) -> Option<Route> {
    if !catalog.group_versions().contains(&(group, version)) {
        return None;
    }
    let find = |plural: &str| catalog.lookup(group, version, plural);
    let target = |res, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Some(Route::Resource(Target {
            res,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
        }))
    };
    match rest {
        [] => Some(Route::GroupVersion(group.to_string(), version.to_string())),
        ["namespaces", ns, "services", svc, "proxy", path @ ..] if group.is_empty() => {
            Some(Route::ServiceProxy { namespace: ns.to_string(), service: svc.to_string(), path: path.join("/") })
        }
        ["namespaces", ns, "pods", pod, "proxy", path @ ..] if group.is_empty() => {
            Some(Route::PodProxy { namespace: ns.to_string(), pod: pod.to_string(), path: path.join("/") })
        }
        ["nodes", node, "proxy", path @ ..] if group.is_empty() => {
            Some(Route::NodeProxy { node: node.to_string(), path: path.join("/") })
        }
        // `/api/v1/namespaces/{name}/status` is the namespace's own subresource, not a collection.
        ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => {
            target(resources::NAMESPACES, None, Some(name), Some(sub))
        }
        ["namespaces", ns, plural, tail @ ..] => {
            let res = find(plural).filter(|r| resources::get(*r).namespaced)?;
            match tail {
                [] => target(res, Some(ns), None, None),
                [name] => target(res, Some(ns), Some(name), None),
                [name, sub] if has_subresource(res, sub) => target(res, Some(ns), Some(name), Some(sub)),
                _ => None,
            }
        }
        [plural, tail @ ..] => {
            let res = find(plural)?;
            let namespaced = resources::get(res).namespaced;
            match tail {
                [] => target(res, None, None, None),
                [name] if !namespaced => target(res, None, Some(name), None),
                [name, sub] if !namespaced && has_subresource(res, sub) => target(res, None, Some(name), Some(sub)),
                _ => None,
            }
        }
    }
}

fn has_subresource(res: ResourceId, sub: &str) -> bool {
    resources::get(res).subresources.iter().any(|s| s.name == sub)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{DEPLOYMENTS, NAMESPACES, NODE_METRICS, NODES, PODS};

    fn parse_builtin(path: &str) -> Option<Route> {
        parse(path, &Catalog::default())
    }

    fn res(res: ResourceId, ns: Option<&str>, name: Option<&str>, sub: Option<&str>) -> Option<Route> {
        Some(Route::Resource(Target {
            res,
            namespace: ns.map(Into::into),
            name: name.map(Into::into),
            subresource: sub.map(Into::into),
        }))
    }

    #[test]
    fn parses_resource_paths() {
        assert_eq!(parse_builtin("/api/v1/pods"), res(PODS, None, None, None));
        assert_eq!(parse_builtin("/api/v1/namespaces/a/pods/p/log"), res(PODS, Some("a"), Some("p"), Some("log")));
        assert_eq!(parse_builtin("/api/v1/namespaces/a/pods/p/exec"), res(PODS, Some("a"), Some("p"), Some("exec")));
        assert_eq!(
            parse_builtin("/api/v1/namespaces/a/pods/p/attach"),
            res(PODS, Some("a"), Some("p"), Some("attach"))
        );
        assert_eq!(parse_builtin("/api/v1/namespaces"), res(NAMESPACES, None, None, None));
        assert_eq!(parse_builtin("/api/v1/namespaces/demo"), res(NAMESPACES, None, Some("demo"), None));
        assert_eq!(
            parse_builtin("/api/v1/namespaces/demo/status"),
            res(NAMESPACES, None, Some("demo"), Some("status"))
        );
        assert_eq!(parse_builtin("/api/v1/nodes/n1"), res(NODES, None, Some("n1"), None));
        assert_eq!(
            parse_builtin("/apis/apps/v1/namespaces/a/deployments/w/scale"),
            res(DEPLOYMENTS, Some("a"), Some("w"), Some("scale"))
        );
        assert_eq!(parse_builtin("/apis/metrics.k8s.io/v1beta1/nodes"), res(NODE_METRICS, None, None, None));
        assert_eq!(parse_builtin("/apis/apps/v1"), Some(Route::GroupVersion("apps".into(), "v1".into())));
    }

    #[test]
    fn rejects_unknown_paths() {
        for p in [
            "/",
            "/api/v2/pods",
            "/api/v1/widgets",
            "/api/v1/namespaces/a/nodes",
            "/api/v1/namespaces/a/pods/p/exec/more",
            "/apis/nope",
            "/api/v1/pods/p",
            "/apis/apps/v1/namespaces/a/deployments/w/log",
        ] {
            assert_eq!(parse_builtin(p), None, "{p}");
        }
    }

    #[test]
    fn parses_service_proxy() {
        assert_eq!(
            parse_builtin("/api/v1/namespaces/gpu-operator/services/nvidia-dcgm-exporter:9400/proxy/metrics"),
            Some(Route::ServiceProxy {
                namespace: "gpu-operator".into(),
                service: "nvidia-dcgm-exporter:9400".into(),
                path: "metrics".into()
            })
        );
        assert_eq!(
            parse_builtin("/api/v1/nodes/cpu-02:10250/proxy/stats/summary"),
            Some(Route::NodeProxy { node: "cpu-02:10250".into(), path: "stats/summary".into() })
        );
    }
}
