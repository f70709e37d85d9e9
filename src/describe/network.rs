//! `kubectl describe` for NetworkPolicies (rules in words) and Ingresses (rules with each backend's endpoints).

use super::service::{endpoint_slices, format_endpoints};
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, events_block, format_selector, go_time, int, label_selector, labels_block, list, or_none,
    plain, s,
};
use serde_json::Value;

pub(crate) fn describe_network_policy(np: &Value) -> String {
    let mut w = Out::default();
    let meta = at(np, &["metadata"]);
    let spec = at(np, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    w.w(0, &format!("Created on:\t{}\n", go_time(at(meta, &["creationTimestamp"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, "Spec:\n");
    w.w(1, "PodSelector: ");
    let pods = at(spec, &["podSelector"]);
    if format_selector(pods).is_empty() {
        w.w(2, "<none> (Allowing the specific traffic to all pods in this namespace)\n");
    } else {
        w.w(2, &format!("{}\n", label_selector(pods)));
    }
    let types: Vec<String> = list(spec, &["policyTypes"]).iter().map(plain).collect();
    for (ty, key, peers, words) in [
        ("Ingress", "ingress", "from", ["ingress", "From", "source"]),
        ("Egress", "egress", "to", ["egress", "To", "destination"]),
    ] {
        if types.iter().any(|t| t == ty) {
            w.w(1, &format!("Allowing {} traffic:\n", words[0]));
            rules(&mut w, list(spec, &[key]), peers, words);
        } else {
            w.w(1, &format!("Not affecting {} traffic\n", words[0]));
        }
    }
    w.w(1, &format!("Policy Types: {}\n", or_none(&types.join(", "))));
    w.finish()
}

/// `printNetworkPolicySpecIngressFrom` / `...EgressTo`, which differ only in their words.
fn rules(w: &mut Out, rules: &[Value], peers_key: &str, [direction, peer, ends]: [&str; 3]) {
    const INDENT: &str = "    ";
    if rules.is_empty() {
        w.w(0, &format!("{INDENT}<none> (Selected pods are isolated for {direction} connectivity)\n"));
        return;
    }
    for (i, rule) in rules.iter().enumerate() {
        let ports = list(rule, &["ports"]);
        if ports.is_empty() {
            w.w(0, &format!("{INDENT}To Port: <any> (traffic allowed to all ports)\n"));
        }
        for port in ports {
            let proto = at(port, &["protocol"]).as_str().unwrap_or("TCP");
            let number = match at(port, &["port"]) {
                Value::Null => "<nil>".to_string(),
                v => plain(v),
            };
            if at(port, &["endPort"]).is_null() {
                w.w(0, &format!("{INDENT}To Port: {number}/{proto}\n"));
            } else {
                w.w(0, &format!("{INDENT}To Port Range: {number}-{}/{proto}\n", int(port, &["endPort"])));
            }
        }
        let peers = list(rule, &[peers_key]);
        if peers.is_empty() {
            w.w(0, &format!("{INDENT}{peer}: <any> (traffic not restricted by {ends})\n"));
        }
        for p in peers {
            w.w(0, &format!("{INDENT}{peer}:\n"));
            let (pods, namespaces, block) =
                (at(p, &["podSelector"]), at(p, &["namespaceSelector"]), at(p, &["ipBlock"]));
            if !namespaces.is_null() {
                w.w(1, &format!("{INDENT}NamespaceSelector: {}\n", label_selector(namespaces)));
            }
            if !pods.is_null() {
                w.w(1, &format!("{INDENT}PodSelector: {}\n", label_selector(pods)));
            }
            if pods.is_null() && namespaces.is_null() && !block.is_null() {
                w.w(1, &format!("{INDENT}IPBlock:\n"));
                w.w(2, &format!("{INDENT}CIDR: {}\n", s(block, &["cidr"])));
                let except: Vec<String> = list(block, &["except"]).iter().map(plain).collect();
                w.w(2, &format!("{INDENT}Except: {}\n", except.join(", ")));
            }
        }
        if i + 1 != rules.len() {
            w.w(0, &format!("{INDENT}----------\n"));
        }
    }
}

/// `describeIngressV1`; `owned` holds the namespace's EndpointSlices and Services, which backends are resolved in.
pub(crate) fn describe_ingress(ing: &Value, owned: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(ing, &["metadata"]);
    let spec = at(ing, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    let mut addresses: Vec<&str> = list(ing, &["status", "loadBalancer", "ingress"])
        .iter()
        .map(|i| if s(i, &["ip"]).is_empty() { s(i, &["hostname"]) } else { s(i, &["ip"]) })
        .filter(|a| !a.is_empty())
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    w.w(0, &format!("Address:\t{}\n", addresses.join(",")));
    w.w(0, &format!("Ingress Class:\t{}\n", at(spec, &["ingressClassName"]).as_str().unwrap_or("<none>")));
    let default = at(spec, &["defaultBackend"]);
    let default = if default.is_null() { "<default>".to_string() } else { backend(default, owned) };
    w.w(0, &format!("Default backend:\t{default}\n"));
    let tls = list(spec, &["tls"]);
    if !tls.is_empty() {
        w.w(0, "TLS:\n");
        for t in tls {
            let hosts: Vec<String> = list(t, &["hosts"]).iter().map(plain).collect();
            let secret = s(t, &["secretName"]);
            if secret.is_empty() {
                w.w(1, &format!("SNI routes {}\n", hosts.join(",")));
            } else {
                w.w(1, &format!("{secret} terminates {}\n", hosts.join(",")));
            }
        }
    }
    w.w(0, "Rules:\n  Host\tPath\tBackends\n");
    w.w(1, "----\t----\t--------\n");
    let mut count = 0;
    for rule in list(spec, &["rules"]).iter().filter(|r| !at(r, &["http"]).is_null()) {
        count += 1;
        let host = s(rule, &["host"]);
        w.w(1, &format!("{}\t\n", if host.is_empty() { "*" } else { host }));
        for path in list(rule, &["http", "paths"]) {
            w.w(2, &format!("\t{} \t{}\n", s(path, &["path"]), backend(at(path, &["backend"]), owned)));
        }
    }
    if count == 0 {
        w.w(1, &format!("*\t*\t{default}\n"));
    }
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    events_block(&mut w, events, now);
    w.finish()
}

/// `describeBackendV1`: `service:port (endpoints)` for a service backend, the reference for a resource backend.
fn backend(b: &Value, owned: &[Value]) -> String {
    let svc = at(b, &["service"]);
    if !svc.is_null() {
        let name = s(svc, &["name"]);
        let (number, port_name) = (int(svc, &["port", "number"]), s(svc, &["port", "name"]));
        let text = format!("{name}:{}", if number != 0 { number.to_string() } else { port_name.to_string() });
        let Some(service) = owned.iter().find(|o| s(o, &["kind"]) == "Service" && s(o, &["metadata", "name"]) == name)
        else {
            return format!("{text} (<error: services \"{name}\" not found>)");
        };
        // The last service port the backend names decides which endpoint port is shown.
        let mut sp_name = "";
        for sp in list(service, &["spec", "ports"]) {
            if (number != 0 && number == int(sp, &["port"])) || (!port_name.is_empty() && port_name == s(sp, &["name"]))
            {
                sp_name = s(sp, &["name"]);
            }
        }
        let slices: Vec<Value> = owned
            .iter()
            .filter(|o| {
                s(o, &["kind"]) == "EndpointSlice"
                    && s(o, &["metadata", "labels", "kubernetes.io/service-name"]) == name
            })
            .cloned()
            .collect();
        return format!("{text} ({})", format_endpoints(&endpoint_slices(&slices), sp_name));
    }
    let resource = at(b, &["resource"]);
    if !resource.is_null() {
        let group = at(resource, &["apiGroup"]).as_str().unwrap_or("<none>");
        return format!("APIGroup: {group}, Kind: {}, Name: {}", s(resource, &["kind"]), s(resource, &["name"]));
    }
    String::new()
}
