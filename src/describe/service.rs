//! `kubectl describe service`: type, IPs, ports with their endpoints (EndpointSlices or Endpoints), policies.

use super::tabwriter::Out;
use super::text::{annotations_block, at, events_block, format_labels, int, labels_block, list, plain, s};
use serde_json::Value;

pub(crate) fn describe_service(svc: &Value, owned: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(svc, &["metadata"]);
    let spec = at(svc, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, &format!("Selector:\t{}\n", format_labels(at(spec, &["selector"]))));
    w.w(0, &format!("Type:\t{}\n", s(spec, &["type"])));
    let policy = at(spec, &["ipFamilyPolicy"]);
    if !policy.is_null() {
        w.w(0, &format!("IP Family Policy:\t{}\n", plain(policy)));
    }
    let joined = |key: &str| {
        let items = list(spec, &[key]);
        if items.is_empty() { "<none>".to_string() } else { items.iter().map(plain).collect::<Vec<_>>().join(",") }
    };
    w.w(0, &format!("IP Families:\t{}\n", joined("ipFamilies")));
    w.w(0, &format!("IP:\t{}\n", s(spec, &["clusterIP"])));
    w.w(0, &format!("IPs:\t{}\n", joined("clusterIPs")));
    if !list(spec, &["externalIPs"]).is_empty() {
        w.w(0, &format!("External IPs:\t{}\n", joined("externalIPs")));
    }
    for (title, key) in [("Desired LoadBalancer IP", "loadBalancerIP"), ("External Name", "externalName")] {
        let v = s(spec, &[key]);
        if !v.is_empty() {
            w.w(0, &format!("{title}:\t{v}\n"));
        }
    }
    let ingress = list(svc, &["status", "loadBalancer", "ingress"]);
    if !ingress.is_empty() {
        let text: Vec<String> = ingress
            .iter()
            .map(|i| {
                let ip = s(i, &["ip"]);
                if ip.is_empty() {
                    s(i, &["hostname"]).to_string()
                } else if let Some(mode) = at(i, &["ipMode"]).as_str() {
                    format!("{ip} ({mode})")
                } else {
                    ip.to_string()
                }
            })
            .collect();
        w.w(0, &format!("LoadBalancer Ingress:\t{}\n", text.join(", ")));
    }
    let slices = endpoint_slices(owned);
    for p in list(spec, &["ports"]) {
        let port_name = s(p, &["name"]);
        let name = if port_name.is_empty() { "<unset>" } else { port_name };
        let proto = s(p, &["protocol"]);
        w.w(0, &format!("Port:\t{name}\t{}/{proto}\n", int(p, &["port"])));
        let target = at(p, &["targetPort"]);
        let target = if target.is_null() { "0".to_string() } else { plain(target) };
        w.w(0, &format!("TargetPort:\t{target}/{proto}\n"));
        let node_port = int(p, &["nodePort"]);
        if node_port != 0 {
            w.w(0, &format!("NodePort:\t{name}\t{node_port}/{proto}\n"));
        }
        w.w(0, &format!("Endpoints:\t{}\n", format_endpoints(&slices, port_name)));
    }
    w.w(0, &format!("Session Affinity:\t{}\n", s(spec, &["sessionAffinity"])));
    let etp = s(spec, &["externalTrafficPolicy"]);
    if !etp.is_empty() {
        w.w(0, &format!("External Traffic Policy:\t{etp}\n"));
    }
    let itp = at(spec, &["internalTrafficPolicy"]);
    if !itp.is_null() {
        w.w(0, &format!("Internal Traffic Policy:\t{}\n", plain(itp)));
    }
    let hc = int(spec, &["healthCheckNodePort"]);
    if hc != 0 {
        w.w(0, &format!("HealthCheck NodePort:\t{hc}\n"));
    }
    if !list(spec, &["loadBalancerSourceRanges"]).is_empty() {
        w.w(0, &format!("LoadBalancer Source Ranges:\t{}\n", joined("loadBalancerSourceRanges")));
    }
    events_block(&mut w, events, now);
    w.finish()
}

/// One slice's view: ports (name, port) and endpoints (first address, ready).
pub(super) struct Slice {
    ports: Vec<(String, i64)>,
    endpoints: Vec<(String, bool)>,
}

/// EndpointSlices as given, sorted by name like the list kubectl reads; an Endpoints object becomes one slice per
/// subset (ready addresses, then not-ready ones).
pub(super) fn endpoint_slices(owned: &[Value]) -> Vec<Slice> {
    let mut sorted: Vec<&Value> = owned.iter().collect();
    sorted.sort_by(|a, b| s(a, &["metadata", "name"]).cmp(s(b, &["metadata", "name"])));
    let port_list = |ports: &[Value]| ports.iter().map(|p| (s(p, &["name"]).to_string(), int(p, &["port"]))).collect();
    let mut out = Vec::new();
    for obj in sorted {
        if s(obj, &["kind"]) == "Endpoints" || !at(obj, &["subsets"]).is_null() {
            for subset in list(obj, &["subsets"]) {
                let mut endpoints = Vec::new();
                for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
                    for a in list(subset, &[key]) {
                        endpoints.push((s(a, &["ip"]).to_string(), ready));
                    }
                }
                out.push(Slice { ports: port_list(list(subset, &["ports"])), endpoints });
            }
        } else {
            let endpoints = list(obj, &["endpoints"])
                .iter()
                .map(|e| {
                    let addr = list(e, &["addresses"]).first().map(plain).unwrap_or_default();
                    (addr, at(e, &["conditions", "ready"]).as_bool().unwrap_or(true))
                })
                .collect();
            out.push(Slice { ports: port_list(list(obj, &["ports"])), endpoints });
        }
    }
    out
}

/// kubectl's `formatEndpointSlices` for one service port: ready `ip:port`s, at most three then `+ N more...`.
pub(super) fn format_endpoints(slices: &[Slice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut shown: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    let mut take = |text: String, ready: bool, shown: &mut Vec<String>| {
        if shown.len() == MAX {
            more = true;
        }
        if !ready {
            return;
        }
        if !more {
            shown.push(text);
        }
        count += 1;
    };
    for slice in slices {
        if slice.ports.is_empty() {
            for (addr, ready) in &slice.endpoints {
                take(addr.clone(), *ready, &mut shown);
            }
        } else {
            for (name, port) in &slice.ports {
                if name != port_name {
                    continue;
                }
                for (addr, ready) in &slice.endpoints {
                    let host = if addr.contains(':') { format!("[{addr}]") } else { addr.clone() };
                    take(format!("{host}:{port}"), *ready, &mut shown);
                }
            }
        }
    }
    let joined = shown.join(",");
    if more { format!("{joined} + {} more...", count.saturating_sub(MAX)) } else { joined }
}
