//! Services: ready/all endpoints from the EndpointSlices as a column, described with their endpoints; `enter` shows
//! the pods they select.

use super::{Derived, Fetch, Printed};
use crate::describe::service;

const ENDPOINTS: Derived = Derived {
    title: "ENDPOINTS",
    cell: |known, id| match known.fabric.endpoints_of(&id.namespace, &id.name) {
        Some((ready, not_ready)) => format!("{ready}/{}", ready + not_ready),
        None => String::new(),
    },
};

pub const SERVICES: Printed = Printed {
    group: "",
    kind: "Service",
    columns: &[ENDPOINTS],
    fetches: &[Fetch::EndpointSlices],
    print: |obj, related, events, now| service::describe_service(obj, related.owned, events, now),
};
