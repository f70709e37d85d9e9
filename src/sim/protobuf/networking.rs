//! networking.k8s.io/v1 Ingress from protobuf (`kubectl create ingress`).

use serde_json::Value;

use k8s_pb::api::networking::v1 as net;

use super::meta::{Obj, object_meta};

fn backend(b: net::IngressBackend) -> Value {
    Obj::new()
        .msg("service", b.service, |s| {
            Obj::new()
                .str("name", s.name)
                .msg("port", s.port, |p| Obj::new().str("name", p.name).int0("number", p.number.map(i64::from)).done())
                .done()
        })
        .msg("resource", b.resource, |r| {
            Obj::new().str("apiGroup", r.api_group).str("kind", r.kind).str("name", r.name).done()
        })
        .done()
}

pub fn ingress(i: net::Ingress) -> Value {
    Obj::new()
        .msg("metadata", i.metadata, object_meta)
        .msg("spec", i.spec, |s| {
            Obj::new()
                .str("ingressClassName", s.ingress_class_name)
                .msg("defaultBackend", s.default_backend, backend)
                .list("tls", s.tls, |t| Obj::new().strings("hosts", t.hosts).str("secretName", t.secret_name).done())
                .list("rules", s.rules, |r| {
                    // The rule value is inlined in JSON: `http` sits beside `host`.
                    let http = r.ingress_rule_value.and_then(|v| v.http);
                    Obj::new()
                        .str("host", r.host)
                        .msg("http", http, |h| {
                            Obj::new()
                                .list("paths", h.paths, |p| {
                                    Obj::new()
                                        .str("path", p.path)
                                        .str("pathType", p.path_type)
                                        .msg("backend", p.backend, backend)
                                        .done()
                                })
                                .done()
                        })
                        .done()
                })
                .done()
        })
        .done()
}
