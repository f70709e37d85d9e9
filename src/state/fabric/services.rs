//! Load balancing: a Service with no (ready) endpoint, a `targetPort` its pods do not declare, a LoadBalancer
//! that got no address; an Ingress whose backend has no endpoint or whose TLS Secret is missing.

use super::{Fabric, Finding, Verdict};
use crate::model::Health;
use crate::model::pods::PodRow;
use crate::model::services::{IngressFacts, ServiceFacts, TargetPort};
use crate::state::table::Table;

/// How long a LoadBalancer may wait for its address before it is a problem.
pub const BALANCER_GRACE: i64 = 5 * 60;

/// Ready and not-ready endpoints across a Service's slices, and one pod behind them.
pub(super) struct Endpoints<'a> {
    pub(super) ready: u32,
    pub(super) not_ready: u32,
    sample: Option<&'a str>,
}

pub(super) fn endpoints<'a>(fabric: &'a Fabric, namespace: &str, service: &str) -> Endpoints<'a> {
    let slices = fabric.slices_of.get(&(namespace.to_string(), service.to_string()));
    let slices = slices.into_iter().flatten().filter_map(|uid| fabric.slices.get(uid));
    let mut e = Endpoints { ready: 0, not_ready: 0, sample: None };
    for slice in slices {
        e.ready += slice.ready;
        e.not_ready += slice.not_ready;
        if e.sample.is_none() || slice.ready > 0 {
            e.sample = slice.sample_pod.as_deref().or(e.sample);
        }
    }
    e
}

/// Who sends traffic to a Service: the Ingresses and ExternalName Services that name it.
fn routed_by(fabric: &Fabric, s: &ServiceFacts) -> Vec<String> {
    let name = (s.id.namespace.clone(), s.id.name.clone());
    let ingresses = fabric.ingresses_to.get(&name).into_iter().flatten().filter_map(|uid| fabric.ingresses.get(uid));
    let aliases = fabric.aliases_of.get(&name).into_iter().flatten().filter_map(|uid| fabric.services.get(uid));
    ingresses
        .map(|i| format!("ingress {}", i.id.name))
        .chain(aliases.map(|a| format!("service {}/{}", a.id.namespace, a.id.name)))
        .collect()
}

pub fn judge_service(fabric: &Fabric, s: &ServiceFacts, pods: &Table<PodRow>, now: i64) -> Verdict {
    if s.service_type == "LoadBalancer" && s.balancer_addresses == 0 {
        let waited = now - s.created;
        if waited < BALANCER_GRACE {
            return Verdict::fine().recheck(Some(s.created + BALANCER_GRACE));
        }
        return Verdict::of(Finding {
            problem: "NoAddress",
            why: format!(
                "LoadBalancer has no external address after {}: no load-balancer controller assigned one",
                crate::model::age(waited)
            ),
            severity: Health::Error,
            weight: 57,
            since: s.created + BALANCER_GRACE,
        });
    }
    if s.selector.is_empty() || s.service_type == "ExternalName" {
        return Verdict::fine();
    }
    let ends = endpoints(fabric, &s.id.namespace, &s.id.name);
    let routed = routed_by(fabric, s);
    let severity = if routed.is_empty() { Health::Warn } else { Health::Error };
    let routed_note = if routed.is_empty() { String::new() } else { format!("; {} routes to it", routed.join(", ")) };
    if ends.ready == 0 {
        let (problem, why) = if ends.not_ready > 0 {
            ("NoReadyEndpoints", format!("0 of {} endpoints ready", ends.not_ready))
        } else {
            ("NoEndpoints", why_no_endpoints(fabric, s, pods))
        };
        return Verdict::of(Finding {
            problem,
            why: format!("{why}{routed_note}"),
            severity,
            weight: 74,
            since: s.created,
        });
    }
    let sample = ends.sample.and_then(|uid| pods.get(uid)).filter(|p| !p.ports.is_empty());
    if let Some(pod) = sample {
        let undeclared = s.target_ports.iter().find_map(|t| match t {
            TargetPort::Number(n) if !pod.ports.iter().any(|(_, p)| p == n) => Some(*n),
            _ => None,
        });
        if let Some(port) = undeclared {
            let declared: Vec<String> = pod.ports.iter().map(|(_, p)| p.to_string()).collect();
            return Verdict::of(Finding {
                problem: "PortMismatch",
                why: format!(
                    "targetPort {port} is not a port pod {} declares ({}){routed_note}",
                    pod.id.name,
                    declared.join(",")
                ),
                severity: Health::Warn,
                weight: 56,
                since: s.created,
            });
        }
    }
    Verdict::fine()
}

/// Why a Service with a selector has no endpoint at all: it selects no pod, or its pods lack the named port, or
/// none of them is running.
fn why_no_endpoints(fabric: &Fabric, s: &ServiceFacts, pods: &Table<PodRow>) -> String {
    let selector: Vec<String> = s.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let in_namespace = fabric.pods_in.get(&s.id.namespace).into_iter().flatten().filter_map(|uid| pods.get(uid));
    let selected: Vec<&PodRow> =
        in_namespace.filter(|p| s.selector.iter().all(|(k, v)| p.labels.get(k) == Some(v))).collect();
    if selected.is_empty() {
        return format!("selector {} matches no pod", selector.join(","));
    }
    let named = s.target_ports.iter().find_map(|t| match t {
        TargetPort::Name(name) if !selected.iter().any(|p| p.ports.iter().any(|(n, _)| &**n == name)) => Some(name),
        _ => None,
    });
    match named {
        Some(name) => format!("none of the {} selected pods declares port \"{name}\" (targetPort)", selected.len()),
        None => format!("{} pods selected, none has an address yet", selected.len()),
    }
}

pub fn judge_ingress(fabric: &Fabric, i: &IngressFacts) -> Verdict {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    for backend in &i.backends {
        let name = (i.id.namespace.clone(), backend.clone());
        match fabric.service_named.get(&name).and_then(|uid| fabric.services.get(uid)) {
            None => problems.push(("BackendMissing", format!("backend service {backend} does not exist"))),
            Some(s) if s.selector.is_empty() => {}
            Some(_) => {
                let ends = endpoints(fabric, &i.id.namespace, backend);
                if ends.ready == 0 {
                    problems.push(("BackendDown", format!("backend service {backend} has no ready endpoint")));
                }
            }
        }
    }
    if fabric.synced.contains("secrets") {
        for tls in &i.tls {
            let name = (i.id.namespace.clone(), tls.secret.clone());
            if !fabric.secret_named.contains_key(&name) {
                let why = format!("TLS secret {} not found (or not of type kubernetes.io/tls)", tls.secret);
                problems.push(("TLSSecretMissing", why));
            }
        }
    }
    let Some(problem) = problems.first().map(|(p, _)| *p) else { return Verdict::fine() };
    let why: Vec<String> = problems.into_iter().map(|(_, why)| why).collect();
    let hosts = if i.hosts.is_empty() { String::new() } else { format!(" ({})", i.hosts.join(",")) };
    Verdict::of(Finding {
        problem,
        why: format!("{}{hosts}", why.join("; ")),
        severity: Health::Error,
        weight: 75,
        since: i.created,
    })
}
