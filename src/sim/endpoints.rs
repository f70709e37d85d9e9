//! The endpoints and endpointslice controllers: for each Service with a selector, ready and not-ready pod
//! addresses with ports resolved against the pods' named container ports (pure), and the sync of one namespace.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::object;
use super::resources::{self, ResourceId};
use super::rng::{self, Rng};
use super::store::{self, Key};
use super::world::World;

/// Stamped on the Endpoints the controller writes; only those are removed with their Service.
const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";

/// Brings the Endpoints and EndpointSlices of every selector Service in `ns` in line with its pods, and removes
/// the Endpoints of Services that are gone (their slices go with the Service, which owns them); the namespace's
/// PodDisruptionBudgets follow the same pods.
pub fn sync_namespace(world: &World, ns: &str) {
    let (_, objects) = world.store.snapshot();
    let services: Vec<Value> = objects
        .range(store::range(resources::SERVICES, Some(ns)))
        .map(|(_, o)| o.value())
        .filter(|s| s["spec"]["selector"].as_object().is_some_and(|m| !m.is_empty()))
        .collect();
    for (key, _) in objects.range(store::range(resources::ENDPOINTS, Some(ns))) {
        let orphan = objects.get(&(resources::SERVICES, key.1.clone(), key.2.clone())).is_none();
        let ours = objects.get(key).is_some_and(|o| o.value()["metadata"]["annotations"][TRIGGER_TIME].is_string());
        if orphan && ours {
            let _ = world.store.delete(key, None);
        }
    }
    let has_budgets = objects.range(store::range(resources::PDBS, Some(ns))).next().is_some();
    if services.is_empty() && !has_budgets {
        return;
    }
    let pods: Vec<PodView> = objects
        .range(store::range(resources::PODS, Some(ns)))
        .map(|(_, o)| PodView { pod: o.value(), ready: o.ready, terminating: o.terminating })
        .collect();
    if has_budgets {
        super::disruption::sync_namespace(world, ns, &pods);
    }
    let zone = |node: &str| {
        let n = objects.get(&(resources::NODES, String::new(), node.to_string()))?.value();
        n["metadata"]["labels"]["topology.kubernetes.io/zone"].as_str().map(str::to_string)
    };
    for service in &services {
        let name = object::name(service);
        put(world, resources::ENDPOINTS, &objects, endpoints(service, &pods));
        let want = slices(service, &pods, &zone);
        let wanted: Vec<&str> = want.iter().map(object::name).collect();
        for (key, o) in objects.range(store::range(resources::ENDPOINT_SLICES, Some(ns))) {
            if o.labels.get("kubernetes.io/service-name").map(String::as_str) == Some(name)
                && !wanted.contains(&key.2.as_str())
            {
                let _ = world.store.delete(key, None);
            }
        }
        for slice in want {
            put(world, resources::ENDPOINT_SLICES, &objects, slice);
        }
    }
}

/// Creates `want` or replaces the stored object when it says something else; a lost race is retried next pass.
fn put(world: &World, res: ResourceId, objects: &store::Objects, want: Value) {
    let key: Key = (res, object::namespace(&want).to_string(), object::name(&want).to_string());
    match objects.get(&key) {
        None => {
            let _ = world.store.create(res, want);
        }
        Some(stored) => {
            let current = stored.value();
            if !same(&current, &want) {
                let mut next = current;
                for field in ["subsets", "endpoints", "ports", "addressType"] {
                    match want.get(field) {
                        Some(v) => next[field] = v.clone(),
                        None => {
                            next.as_object_mut().map(|o| o.remove(field));
                        }
                    }
                }
                next["metadata"]["labels"] = want["metadata"]["labels"].clone();
                let _ = world.store.replace(res, next, stored.rv);
            }
        }
    }
}

/// What the controller needs of one pod in the Service's namespace.
#[derive(Debug, Clone)]
pub struct PodView {
    pub pod: Value,
    pub ready: bool,
    pub terminating: bool,
}

fn selected(service: &Value, pod: &Value) -> bool {
    let Some(selector) = service["spec"]["selector"].as_object().filter(|s| !s.is_empty()) else { return false };
    selector.iter().all(|(k, v)| pod["metadata"]["labels"][k.as_str()] == *v)
}

/// A Service port's target on one pod: a number, a named container port, or the service port itself.
fn target_port(port: &Value, pod: &Value) -> Option<i64> {
    match &port["targetPort"] {
        Value::Number(n) => n.as_i64(),
        Value::String(name) => match name.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
                c["ports"].as_array()?.iter().find(|p| p["name"] == *name).and_then(|p| p["containerPort"].as_i64())
            }),
        },
        _ => port["port"].as_i64(),
    }
}

/// A resolved port: (name, number, protocol).
type Port = (String, i64, String);

/// The pod's resolved ports, in the Service's order.
fn ports_for(service: &Value, pod: &Value) -> Vec<Port> {
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let number = target_port(p, pod)?;
            Some((
                p["name"].as_str().unwrap_or_default().to_string(),
                number,
                p["protocol"].as_str().unwrap_or("TCP").to_string(),
            ))
        })
        .collect()
}

fn target_ref(pod: &Value) -> Value {
    json!({"kind": "Pod", "namespace": object::namespace(pod), "name": object::name(pod), "uid": pod["metadata"]["uid"]})
}

/// Pods the Service selects that have an IP, grouped by the ports they resolve to.
fn groups<'a>(service: &Value, pods: &'a [PodView]) -> BTreeMap<Vec<Port>, Vec<&'a PodView>> {
    let mut out: BTreeMap<_, Vec<&PodView>> = BTreeMap::new();
    for p in pods {
        let phase = p.pod["status"]["phase"].as_str().unwrap_or_default();
        let has_ip = p.pod["status"]["podIP"].as_str().is_some_and(|ip| !ip.is_empty());
        if !selected(service, &p.pod) || !has_ip || matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        out.entry(ports_for(service, &p.pod)).or_default().push(p);
    }
    for members in out.values_mut() {
        members.sort_by(|a, b| ip(&a.pod).cmp(ip(&b.pod)));
    }
    out
}

fn ip(pod: &Value) -> &str {
    pod["status"]["podIP"].as_str().unwrap_or_default()
}

/// The v1 Endpoints object (named as the Service); terminating pods are left out, not-ready ones listed apart.
pub fn endpoints(service: &Value, pods: &[PodView]) -> Value {
    let publish_not_ready = service["spec"]["publishNotReadyAddresses"] == true;
    let mut subsets = Vec::new();
    for (ports, members) in groups(service, pods) {
        let address = |p: &PodView| {
            let mut a = json!({"ip": ip(&p.pod), "targetRef": target_ref(&p.pod)});
            if let Some(node) = p.pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty()) {
                a["nodeName"] = json!(node);
            }
            a
        };
        let live: Vec<&&PodView> = members.iter().filter(|p| !p.terminating).collect();
        let ready: Vec<Value> = live.iter().filter(|p| p.ready || publish_not_ready).map(|p| address(p)).collect();
        let not_ready: Vec<Value> =
            live.iter().filter(|p| !p.ready && !publish_not_ready).map(|p| address(p)).collect();
        if ready.is_empty() && not_ready.is_empty() {
            continue;
        }
        let mut subset = json!({});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready);
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] = json!(not_ready);
        }
        let ports: Vec<Value> = ports
            .iter()
            .map(|(name, port, protocol)| {
                let mut p = json!({"port": port, "protocol": protocol});
                if !name.is_empty() {
                    p["name"] = json!(name);
                }
                p
            })
            .collect();
        if !ports.is_empty() {
            subset["ports"] = json!(ports);
        }
        subsets.push(subset);
    }
    let mut meta = json!({"name": object::name(service), "namespace": object::namespace(service)});
    if let Some(labels) = service["metadata"]["labels"].as_object().filter(|l| !l.is_empty()) {
        meta["labels"] = Value::Object(labels.clone());
    }
    meta["annotations"] = json!({TRIGGER_TIME: super::clock::rfc3339(super::clock::now())});
    let mut doc = json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": meta});
    if !subsets.is_empty() {
        doc["subsets"] = json!(subsets);
    }
    doc
}

/// The discovery.k8s.io/v1 EndpointSlices, one per distinct port set (at least one, empty when nothing matches),
/// owned by the Service. `zone` maps a node name to its topology zone.
pub fn slices(service: &Value, pods: &[PodView], zone: &dyn Fn(&str) -> Option<String>) -> Vec<Value> {
    let name = object::name(service);
    let mut labels = service["metadata"]["labels"].as_object().cloned().unwrap_or_default();
    labels.insert("kubernetes.io/service-name".into(), json!(name));
    labels.insert("endpointslice.kubernetes.io/managed-by".into(), json!("endpointslice-controller.k8s.io"));
    let mut groups: Vec<(Vec<Port>, Vec<&PodView>)> = groups(service, pods).into_iter().collect();
    if groups.is_empty() {
        // No endpoints: one slice with the Service's own ports, as the controller keeps.
        let ports = service["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["targetPort"].is_number() || p["targetPort"].is_null())
            .filter_map(|p| {
                Some((
                    p["name"].as_str().unwrap_or_default().to_string(),
                    target_port(p, &Value::Null)?,
                    p["protocol"].as_str().unwrap_or("TCP").to_string(),
                ))
            })
            .collect();
        groups.push((ports, Vec::new()));
    }
    let uid = service["metadata"]["uid"].as_str().unwrap_or_default();
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (ports, members))| {
            let endpoints: Vec<Value> = members
                .iter()
                .map(|p| {
                    let mut e = json!({"addresses": [ip(&p.pod)],
                        "conditions": {"ready": p.ready && !p.terminating, "serving": p.ready, "terminating": p.terminating},
                        "targetRef": target_ref(&p.pod)});
                    if let Some(node) = p.pod["spec"]["nodeName"].as_str().filter(|n| !n.is_empty()) {
                        e["nodeName"] = json!(node);
                        if let Some(z) = zone(node) {
                            e["zone"] = json!(z);
                        }
                    }
                    e
                })
                .collect();
            let ports: Vec<Value> = ports
                .iter()
                .map(|(name, port, protocol)| json!({"name": name, "port": port, "protocol": protocol}))
                .collect();
            let suffix = Rng::new(rng::hash(&format!("{uid}/{i}"))).suffix(5);
            let mut slice = json!({
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": format!("{name}-{suffix}"), "generateName": format!("{name}-"), "namespace": object::namespace(service),
                    "labels": labels,
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": uid, "controller": true, "blockOwnerDeletion": true}]},
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            });
            // `endpoints` has no omitempty: a slice with none says null.
            if members.is_empty() {
                slice["endpoints"] = Value::Null;
            }
            slice
        })
        .collect()
}

/// Whether a stored object already says what `want` says (ignoring server-set metadata).
pub fn same(stored: &Value, want: &Value) -> bool {
    let fields = ["subsets", "endpoints", "ports", "addressType"];
    fields.iter().all(|f| stored.get(*f) == want.get(*f)) && stored["metadata"]["labels"] == want["metadata"]["labels"]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Value {
        json!({"metadata": {"name": "web", "namespace": "a", "uid": "s1", "labels": {"app": "web"}},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}})
    }

    fn pod(name: &str, ip: &str, ready: bool, terminating: bool) -> PodView {
        PodView {
            pod: json!({"metadata": {"name": name, "namespace": "a", "uid": format!("u-{name}"), "labels": {"app": "web"}},
                "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
                "status": {"phase": "Running", "podIP": ip}}),
            ready,
            terminating,
        }
    }

    #[test]
    fn endpoints_split_ready_from_not_ready_and_resolve_named_ports() {
        let pods =
            [pod("b", "10.0.0.2", false, false), pod("a", "10.0.0.1", true, false), pod("c", "10.0.0.3", true, true)];
        let ep = endpoints(&service(), &pods);
        let subset = &ep["subsets"][0];
        assert_eq!(subset["addresses"][0]["ip"], "10.0.0.1");
        assert_eq!(subset["addresses"][0]["targetRef"]["name"], "a");
        assert_eq!(subset["notReadyAddresses"][0]["ip"], "10.0.0.2");
        assert_eq!(subset["addresses"].as_array().unwrap().len(), 1, "terminating pods are left out");
        assert_eq!(subset["ports"], json!([{"name": "http", "port": 8080, "protocol": "TCP"}]));
        let slice = &slices(&service(), &pods, &|_| Some("z1".into()))[0];
        assert_eq!(slice["endpoints"].as_array().unwrap().len(), 3);
        assert_eq!(slice["endpoints"][2]["conditions"], json!({"ready": false, "serving": true, "terminating": true}));
        assert_eq!(slice["endpoints"][0]["zone"], "z1");
        assert_eq!(slice["metadata"]["labels"]["kubernetes.io/service-name"], "web");
        assert!(endpoints(&service(), &[]).get("subsets").is_none());
        assert!(slices(&service(), &[], &|_| None)[0]["endpoints"].is_null());
    }
}
