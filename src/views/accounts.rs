//! ServiceAccounts: described with their Secrets, each marked "(not found)" only when the namespace's were listed.

use serde_json::Value;

use super::{Fetch, View};
use crate::describe::{Related, account};

pub struct ServiceAccounts;

impl View for ServiceAccounts {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "ServiceAccount")
    }

    fn fetches(&self) -> &'static [Fetch] {
        &[Fetch::NamespaceSecrets]
    }

    fn describe(&self, obj: &Value, related: &Related, events: &[&Value], now: i64) -> String {
        account::describe_service_account(obj, related.secrets, events, now)
    }
}
