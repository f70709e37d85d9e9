//! `kubectl describe` for ConfigMaps (data values) and Secrets (data sizes only, never values).

use super::tabwriter::Out;
use super::text::{at, events_block, meta_header, plain, s};
use serde_json::Value;

/// Keys sorted (kubectl walks a Go map, so its order varies from run to run).
fn sorted_entries(v: &Value) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = v.as_object().into_iter().flatten().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// The decoded length of base64 text, as `len([]byte)` after JSON decoding.
fn base64_len(v: &Value) -> usize {
    let text = v.as_str().unwrap_or("");
    let chars = text.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let padding = text.bytes().rev().filter(|b| !b.is_ascii_whitespace()).take_while(|b| *b == b'=').count();
    (chars * 3 / 4).saturating_sub(padding)
}

pub(crate) fn describe_config_map(cm: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    meta_header(&mut w, cm);
    w.w(0, "\nData\n====\n");
    for (k, v) in sorted_entries(at(cm, &["data"])) {
        w.w(0, &format!("{k}:\n----\n"));
        w.w(0, &format!("{}\n", plain(v)));
        w.w(0, "\n");
    }
    w.w(0, "\nBinaryData\n====\n");
    for (k, v) in sorted_entries(at(cm, &["binaryData"])) {
        w.w(0, &format!("{k}: {} bytes\n", base64_len(v)));
    }
    w.w(0, "\n");
    events_block(&mut w, events, now);
    w.finish()
}

/// Sizes only, never values (kubectl prints a service-account token in full; this does not).
pub(crate) fn describe_secret(secret: &Value) -> String {
    let mut w = Out::default();
    meta_header(&mut w, secret);
    w.w(0, &format!("\nType:\t{}\n", s(secret, &["type"])));
    w.w(0, "\nData\n====\n");
    for (k, v) in sorted_entries(at(secret, &["data"])) {
        w.w(0, &format!("{k}:\t{} bytes\n", base64_len(v)));
    }
    w.finish()
}
