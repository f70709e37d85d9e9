//! ConfigMaps and Secrets: a ConfigMap's data in full, a Secret's keys with their sizes only (as kubectl).

use serde_json::Value;

use super::View;
use crate::describe::{Related, config};

pub struct ConfigMaps;

impl View for ConfigMaps {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "ConfigMap")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        config::describe_config_map(obj, events, now)
    }
}

pub struct Secrets;

impl View for Secrets {
    fn kind(&self) -> (&'static str, &'static str) {
        ("", "Secret")
    }

    fn describe(&self, obj: &Value, _related: &Related, _events: &[&Value], _now: i64) -> String {
        config::describe_secret(obj)
    }
}
