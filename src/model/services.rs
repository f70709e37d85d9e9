//! Services, EndpointSlices and Ingresses → what triage judges them by: what a Service selects and exposes, how
//! many of its endpoints are ready, which backends and TLS Secrets an Ingress names. At the edge; no IO.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointSlice};
use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ObjectId, created};
use crate::sanitize::clean;

/// The label an EndpointSlice names its Service by.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Where a Service port sends traffic: a container port by number or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPort {
    Number(i32),
    Name(String),
}

impl std::fmt::Display for TargetPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetPort::Number(n) => write!(f, "{n}"),
            TargetPort::Name(name) => f.write_str(name),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFacts {
    pub id: ObjectId,
    /// ClusterIP, NodePort, LoadBalancer or ExternalName.
    pub service_type: String,
    /// Empty: its endpoints are not the controller's to manage (no selector), and none are judged.
    pub selector: BTreeMap<String, String>,
    pub target_ports: Vec<TargetPort>,
    /// Addresses a LoadBalancer's `status.loadBalancer.ingress` holds.
    pub balancer_addresses: usize,
    /// An ExternalName Service's `<service>.<namespace>.svc…` target, when it points inside the cluster.
    pub routes_to: Option<(String, String)>,
    pub created: i64,
}

impl ServiceFacts {
    pub fn from_service(s: &Service) -> Self {
        let spec = s.spec.as_ref();
        let service_type = clean(spec.and_then(|s| s.type_.as_deref()).unwrap_or("ClusterIP"));
        let target_ports = spec
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
            .map(|p| match &p.target_port {
                Some(IntOrString::String(name)) => TargetPort::Name(clean(name)),
                Some(IntOrString::Int(n)) => TargetPort::Number(*n),
                None => TargetPort::Number(p.port),
            })
            .collect();
        let selector = spec
            .and_then(|s| s.selector.as_ref())
            .map(|m| m.iter().map(|(k, v)| (clean(k), clean(v))).collect())
            .unwrap_or_default();
        let routes_to = spec.and_then(|s| s.external_name.as_deref()).and_then(in_cluster_service);
        let balancer_addresses = s
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .map_or(0, Vec::len);
        ServiceFacts {
            id: ObjectId::of(&s.metadata),
            service_type,
            selector,
            target_ports,
            balancer_addresses,
            routes_to,
            created: created(&s.metadata),
        }
    }
}

/// `web.ml-serve.svc.cluster.local` → (`ml-serve`, `web`).
fn in_cluster_service(host: &str) -> Option<(String, String)> {
    let mut parts = host.trim_end_matches('.').split('.');
    let (service, namespace, svc) = (parts.next()?, parts.next()?, parts.next()?);
    (svc == "svc").then(|| (clean(namespace), clean(service)))
}

#[derive(Debug, Clone, PartialEq)]
pub struct SliceFacts {
    pub id: ObjectId,
    /// The Service the slice belongs to (its `kubernetes.io/service-name` label).
    pub service: String,
    pub ready: u32,
    pub not_ready: u32,
    /// The pod behind one ready endpoint (else any endpoint): what the Service's pods look like.
    pub sample_pod: Option<String>,
}

impl SliceFacts {
    pub fn from_slice(s: &EndpointSlice) -> Self {
        let service = s.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)).map(|n| clean(n));
        let endpoints = s.endpoints.as_deref().unwrap_or_default();
        let is_ready = |e: &&Endpoint| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
        let ready = endpoints.iter().filter(is_ready).count() as u32;
        let pod_of = |e: &Endpoint| {
            e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod")).and_then(|r| r.uid.clone())
        };
        let sample_pod =
            endpoints.iter().filter(is_ready).find_map(pod_of).or_else(|| endpoints.iter().find_map(pod_of));
        SliceFacts {
            id: ObjectId::of(&s.metadata),
            service: service.unwrap_or_default(),
            ready,
            not_ready: endpoints.len() as u32 - ready,
            sample_pod,
        }
    }
}

/// One `spec.tls` entry: the Secret that holds the certificate for `hosts`.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressTls {
    pub secret: String,
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IngressFacts {
    pub id: ObjectId,
    /// Every Service a rule or the default backend sends to, once each, in order.
    pub backends: Vec<String>,
    pub tls: Vec<IngressTls>,
    pub hosts: Vec<String>,
    pub created: i64,
}

impl IngressFacts {
    pub fn from_ingress(i: &Ingress) -> Self {
        let spec = i.spec.as_ref();
        let mut backends: Vec<String> = Vec::new();
        let mut add = |b: &IngressBackend| {
            if let Some(name) = b.service.as_ref().map(|s| clean(&s.name))
                && !backends.contains(&name)
            {
                backends.push(name);
            }
        };
        if let Some(b) = spec.and_then(|s| s.default_backend.as_ref()) {
            add(b);
        }
        let rules = spec.and_then(|s| s.rules.as_ref()).into_iter().flatten();
        let mut hosts = Vec::new();
        for rule in rules {
            hosts.extend(rule.host.as_deref().map(clean));
            let paths = rule.http.iter().flat_map(|h| h.paths.iter());
            for path in paths {
                add(&path.backend);
            }
        }
        let tls = spec
            .and_then(|s| s.tls.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let secret = clean(t.secret_name.as_deref()?);
                Some(IngressTls { secret, hosts: t.hosts.iter().flatten().map(|h| clean(h)).collect() })
            })
            .collect();
        IngressFacts { id: ObjectId::of(&i.metadata), backends, tls, hosts, created: created(&i.metadata) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_external_name_inside_the_cluster_routes_to_that_service() {
        assert_eq!(in_cluster_service("web.ml-serve.svc.cluster.local"), Some(("ml-serve".into(), "web".into())));
        assert_eq!(in_cluster_service("web.ml-serve.svc"), Some(("ml-serve".into(), "web".into())));
        assert_eq!(in_cluster_service("api.example.com"), None);
    }

    #[test]
    fn a_slice_counts_ready_and_not_ready_endpoints_and_keeps_a_ready_pod() {
        let slice: EndpointSlice = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "web-abc", "namespace": "ml", "uid": "s1", "labels": {SERVICE_NAME_LABEL: "web"}},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.0.0.1"], "conditions": {"ready": false}, "targetRef": {"kind": "Pod", "name": "web-1", "uid": "p1"}},
                {"addresses": ["10.0.0.2"], "conditions": {"ready": true}, "targetRef": {"kind": "Pod", "name": "web-2", "uid": "p2"}},
            ]}))
        .unwrap();
        let facts = SliceFacts::from_slice(&slice);
        assert_eq!((facts.service.as_str(), facts.ready, facts.not_ready), ("web", 1, 1));
        assert_eq!(facts.sample_pod.as_deref(), Some("p2"));
    }

    #[test]
    fn an_ingress_names_each_backend_once_and_its_tls_secrets() {
        let ingress: Ingress = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "gw", "namespace": "ml", "uid": "i1"},
            "spec": {"tls": [{"hosts": ["llm.example"], "secretName": "gw-tls"}],
                "rules": [{"host": "llm.example", "http": {"paths": [
                    {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "llm", "port": {"number": 80}}}},
                    {"path": "/v2", "pathType": "Prefix", "backend": {"service": {"name": "llm", "port": {"number": 80}}}}]}}]}}))
        .unwrap();
        let facts = IngressFacts::from_ingress(&ingress);
        assert_eq!(facts.backends, ["llm"]);
        assert_eq!(facts.tls, [IngressTls { secret: "gw-tls".into(), hosts: vec!["llm.example".into()] }]);
    }
}
