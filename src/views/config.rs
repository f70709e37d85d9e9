//! ConfigMaps and Secrets: a ConfigMap's data in full, a Secret's keys with their sizes only (as kubectl).

use super::Printed;
use crate::describe::config;

pub const CONFIG_MAPS: Printed = Printed {
    group: "",
    kind: "ConfigMap",
    fetches: &[],
    print: |obj, _, events, now| config::describe_config_map(obj, events, now),
};

pub const SECRETS: Printed =
    Printed { group: "", kind: "Secret", fetches: &[], print: |obj, _, _, now| config::describe_secret(obj, now) };
