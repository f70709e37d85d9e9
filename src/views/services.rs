//! Services: described with their endpoints; `enter` shows the pods they select.

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, service};

pub struct Services;

impl View for Services {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Service")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::EndpointSlices]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        service::describe_service(obj, related.owned, events, now)
    }
}
