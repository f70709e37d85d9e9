//! Endpoints, EndpointSlices, Ingresses and NetworkPolicies, described as kubectl does (an Ingress with its
//! backends' endpoints; a v1beta1 Ingress, whose shape differs, in the generic form).

use super::{Fetch, Printed};
use crate::describe::{endpoints, generic, network};

pub const ENDPOINTS: Printed = Printed {
    group: "",
    kind: "Endpoints",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| endpoints::describe_endpoints(obj, events, now),
};

pub const ENDPOINT_SLICES: Printed = Printed {
    group: "discovery.k8s.io",
    kind: "EndpointSlice",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| endpoints::describe_endpoint_slice(obj, events, now),
};

pub const INGRESSES: Printed = Printed {
    group: "networking.k8s.io",
    kind: "Ingress",
    columns: &[],
    fetches: &[Fetch::Backends],
    print: |obj, related, events, now| {
        if obj["apiVersion"] == "networking.k8s.io/v1" {
            network::describe_ingress(obj, related.owned, events, now)
        } else {
            generic::describe_generic(obj, events, now)
        }
    },
};

pub const NETWORK_POLICIES: Printed = Printed {
    group: "networking.k8s.io",
    kind: "NetworkPolicy",
    columns: &[],
    fetches: &[],
    print: |obj, _, _, _| network::describe_network_policy(obj),
};
