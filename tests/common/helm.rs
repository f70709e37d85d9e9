//! Helm's own record format for the tests, from `tests/fixtures/helm_record.py` (Python's gzip and base64), so no
//! record a test writes or reads passes through gpudeck's encoder.

use std::io::Write;
use std::process::{Command, Stdio};

const RECORDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/helm_record.py");

/// Runs the fixture in `mode` (secret, configmap, garbage: a record of the release JSON; decode: the release a
/// record object holds) on `input`, returning what it printed.
pub fn record_tool(mode: &str, input: &str) -> String {
    let mut child = Command::new("python3")
        .args([RECORDS, mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("input written");
    let out = child.wait_with_output().expect("python3 ends");
    assert!(out.status.success(), "helm_record.py {mode} failed");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The release a record object (a Secret or ConfigMap as JSON) holds, decoded as Helm reads it.
pub fn decode(object: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(&record_tool("decode", &object.to_string())).expect("a release")
}
