//! Endpoints, EndpointSlices, Ingresses and NetworkPolicies, described as kubectl does (an Ingress with its
//! backends' endpoints; a v1beta1 Ingress, whose shape differs, in the generic form).

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, endpoints, generic, network};

pub struct Endpoints;

impl View for Endpoints {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Endpoints")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        endpoints::describe_endpoints(obj, events, now)
    }
}

pub struct EndpointSlices;

impl View for EndpointSlices {
    fn kind(&self) -> (&'static str, &'static str) {
        ("discovery.k8s.io", "EndpointSlice")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        endpoints::describe_endpoint_slice(obj, events, now)
    }
}

pub struct Ingresses;

impl View for Ingresses {
    fn kind(&self) -> (&'static str, &'static str) {
        ("networking.k8s.io", "Ingress")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::Backends]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        if obj["apiVersion"] == "networking.k8s.io/v1" {
            network::describe_ingress(obj, related.owned, events, now)
        } else {
            generic::describe_generic(obj, events, now)
        }
    }
}

pub struct NetworkPolicies;

impl View for NetworkPolicies {
    fn kind(&self) -> (&'static str, &'static str) {
        ("networking.k8s.io", "NetworkPolicy")
    }

    fn describe(&self, obj: &Value, _related: &Related, _events: &[&Value], _now: i64) -> String {
        network::describe_network_policy(obj)
    }
}
