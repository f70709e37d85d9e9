//! Services: described with their endpoints; `enter` shows the pods they select.

use super::{Fetch, Printed};
use crate::describe::service;

pub const SERVICES: Printed = Printed {
    group: "",
    kind: "Service",
    fetches: &[Fetch::EndpointSlices],
    print: |obj, related, events, now| service::describe_service(obj, related.owned, events, now),
};
