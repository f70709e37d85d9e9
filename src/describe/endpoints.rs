//! `kubectl describe` for Endpoints (subsets) and EndpointSlices (ports, then each endpoint's conditions).

use super::tabwriter::Out;
use super::text::{at, events_block, int, list, meta_header, plain, s};
use serde_json::Value;

/// A list of strings joined with `sep`, `<none>` when empty.
fn joined(items: impl Iterator<Item = String>, sep: &str) -> String {
    let text = items.collect::<Vec<_>>().join(sep);
    if text.is_empty() { "<none>".to_string() } else { text }
}

pub(crate) fn describe_endpoints(ep: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    meta_header(&mut w, ep);
    w.w(0, "Subsets:\n");
    for subset in list(ep, &["subsets"]) {
        for (title, key) in [("Addresses", "addresses"), ("NotReadyAddresses", "notReadyAddresses")] {
            let ips = joined(list(subset, &[key]).iter().map(|a| s(a, &["ip"]).to_string()), ",");
            w.w(1, &format!("{title}:\t{ips}\n"));
        }
        let ports = list(subset, &["ports"]);
        if !ports.is_empty() {
            w.w(1, "Ports:\n");
            w.w(2, "Name\tPort\tProtocol\n");
            w.w(2, "----\t----\t--------\n");
            for p in ports {
                let name = s(p, &["name"]);
                let name = if name.is_empty() { "<unset>" } else { name };
                w.w(2, &format!("{name}\t{}\t{}\n", int(p, &["port"]), s(p, &["protocol"])));
            }
        }
        w.w(0, "\n");
    }
    events_block(&mut w, events, now);
    w.finish()
}

pub(crate) fn describe_endpoint_slice(eps: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    meta_header(&mut w, eps);
    w.w(0, &format!("AddressType:\t{}\n", s(eps, &["addressType"])));
    let or_unset = |v: &Value| match v {
        Value::Null => "<unset>".to_string(),
        v => plain(v),
    };
    let ports = list(eps, &["ports"]);
    if ports.is_empty() {
        w.w(0, "Ports: <unset>\n");
    } else {
        w.w(0, "Ports:\n");
        w.w(1, "Name\tPort\tProtocol\n");
        w.w(1, "----\t----\t--------\n");
        for p in ports {
            let name = s(p, &["name"]);
            let name = if name.is_empty() { "<unset>" } else { name };
            w.w(1, &format!("{name}\t{}\t{}\n", or_unset(at(p, &["port"])), s(p, &["protocol"])));
        }
    }
    let endpoints = list(eps, &["endpoints"]);
    if endpoints.is_empty() {
        w.w(0, "Endpoints: <none>\n");
    } else {
        w.w(0, "Endpoints:\n");
        for e in endpoints {
            w.w(1, &format!("- Addresses:\t{}\n", joined(list(e, &["addresses"]).iter().map(plain), ", ")));
            w.w(2, "Conditions:\n");
            w.w(3, &format!("Ready:\t{}\n", or_unset(at(e, &["conditions", "ready"]))));
            w.w(2, &format!("Hostname:\t{}\n", or_unset(at(e, &["hostname"]))));
            let target = at(e, &["targetRef"]);
            if !target.is_null() {
                w.w(2, &format!("TargetRef:\t{}/{}\n", s(target, &["kind"]), s(target, &["name"])));
            }
            w.w(2, &format!("NodeName:\t{}\n", or_unset(at(e, &["nodeName"]))));
            w.w(2, &format!("Zone:\t{}\n", or_unset(at(e, &["zone"]))));
        }
    }
    events_block(&mut w, events, now);
    w.finish()
}
