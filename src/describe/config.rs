//! `kubectl describe` for ConfigMaps (data values) and Secrets (data sizes, never values; a TLS one's certificate).

use super::tabwriter::Out;
use super::text::{at, events_block, human_duration, meta_header, plain, s};
use crate::model::certificate::{self, Certificate, KeyCheck};
use k8s_openapi::api::core::v1::Secret;
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

/// Sizes only, never values (kubectl prints a service-account token in full; this does not). After kubectl's text, a
/// `kubernetes.io/tls` Secret's certificate as of `now`.
pub(crate) fn describe_secret(secret: &Value, now: i64) -> String {
    let mut w = Out::default();
    meta_header(&mut w, secret);
    w.w(0, &format!("\nType:\t{}\n", s(secret, &["type"])));
    w.w(0, "\nData\n====\n");
    for (k, v) in sorted_entries(at(secret, &["data"])) {
        w.w(0, &format!("{k}:\t{} bytes\n", base64_len(v)));
    }
    let read = match serde_json::from_value::<Secret>(secret.clone()) {
        Ok(typed) => certificate::of_secret(&typed),
        // serde's text could quote the data, so it is not shown.
        Err(_) if s(secret, &["type"]) == certificate::TLS => Some(Err("the Secret's data does not decode".into())),
        Err(_) => None,
    };
    match read {
        Some(Ok(cert)) => certificate_block(&mut w, &cert, now),
        Some(Err(why)) => w.w(0, &format!("\nCertificate:\tdoes not parse: {why}\n")),
        None => {}
    }
    w.finish()
}

fn certificate_block(w: &mut Out, cert: &Certificate, now: i64) {
    let sans = if cert.sans.is_empty() { "<none>".to_string() } else { cert.sans.join(", ") };
    let human = |seconds: i64| human_duration(i128::from(seconds) * 1_000_000_000);
    let not_before = match cert.not_before - now {
        ahead if ahead > 0 => format!("{} (not valid for another {})", utc(cert.not_before), human(ahead)),
        _ => utc(cert.not_before),
    };
    let not_after = match cert.not_after - now {
        left if left > 0 => format!("{} (expires in {})", utc(cert.not_after), human(left)),
        left => format!("{} (expired {} ago)", utc(cert.not_after), human(-left)),
    };
    let chain = match cert.chain {
        1 => "1 certificate".to_string(),
        n => format!("{n} certificates"),
    };
    let key = match &cert.key {
        KeyCheck::Matches => "matches".to_string(),
        KeyCheck::Mismatch => "DOES NOT MATCH the certificate".to_string(),
        KeyCheck::Missing => "missing".to_string(),
        KeyCheck::Unreadable(why) => format!("unreadable: {why}"),
    };
    w.w(0, "\nCertificate:\n");
    for (field, value) in [
        ("Subject", cert.subject.as_str()),
        ("SANs", &sans),
        ("Issuer", &cert.issuer),
        ("Not Before", &not_before),
        ("Not After", &not_after),
        ("Chain", &chain),
        ("Key", &key),
    ] {
        w.w(1, &format!("{field}:\t{value}\n"));
    }
}

/// Unix seconds as the describer prints every time (RFC 1123 with a numeric zone, in UTC).
fn utc(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string(),
        Err(_) => "<invalid>".to_string(),
    }
}
