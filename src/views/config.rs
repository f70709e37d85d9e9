//! ConfigMaps and Secrets: a ConfigMap's data in full, a Secret's keys with their sizes only (as kubectl).

use super::{Derived, Printed};
use crate::describe::config;
use crate::model::age;

/// A TLS Secret's certificate: how long it has left, or why it cannot be read.
const EXPIRES: Derived = Derived {
    title: "EXPIRES",
    cell: |known, id| match known.fabric.certificate_of(&id.uid) {
        Some(Ok(cert)) if cert.not_after > known.now => format!("in {}", age(cert.not_after - known.now)),
        Some(Ok(cert)) => format!("expired {} ago", age(known.now - cert.not_after)),
        Some(Err(_)) => "unreadable".into(),
        None => String::new(),
    },
};

pub const CONFIG_MAPS: Printed = Printed {
    group: "",
    kind: "ConfigMap",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| config::describe_config_map(obj, events, now),
};

pub const SECRETS: Printed = Printed {
    group: "",
    kind: "Secret",
    columns: &[EXPIRES],
    fetches: &[],
    print: |obj, _, _, now| config::describe_secret(obj, now),
};
