//! The request log: one JSON line per API request, appended to a file tests can read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    pub time: String,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub verb: &'a str,
    pub user: &'a str,
    pub status: u16,
    #[serde(rename = "durationMs")]
    pub duration_ms: f64,
}

pub struct RequestLog(Mutex<BufWriter<File>>);

impl RequestLog {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(RequestLog(Mutex::new(BufWriter::new(File::create(path)?))))
    }

    /// Appends and flushes one line; a failing disk must not fail the request, so errors are only traced.
    pub fn write(&self, entry: &Entry) {
        let mut file = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let result = serde_json::to_writer(&mut *file, entry)
            .map_err(std::io::Error::other)
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.flush());
        if let Err(e) = result {
            tracing::warn!("request log write failed: {e}");
        }
    }
}
