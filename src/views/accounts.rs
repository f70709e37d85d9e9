//! ServiceAccounts: described with their Secrets, each marked "(not found)" only when the namespace's were listed.

use super::{Fetch, Printed};
use crate::describe::account;

pub const SERVICE_ACCOUNTS: Printed = Printed {
    group: "",
    kind: "ServiceAccount",
    columns: &[],
    fetches: &[Fetch::NamespaceSecrets],
    print: |obj, related, events, now| account::describe_service_account(obj, related.secrets, events, now),
};
