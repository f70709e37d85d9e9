//! Kubernetes objects → the console's own rows, at the edge; every string is sanitized here. No IO.

pub mod cell;
pub mod certificate;
pub mod dcgm;
pub mod drain;
pub mod events;
pub mod forward;
pub mod gpu;
pub mod helm;
pub mod history;
pub mod logs;
pub mod mutation;
pub mod nodelayer;
pub mod nodes;
pub mod operation;
pub mod pane;
pub mod pods;
pub mod policies;
pub mod registry;
pub mod services;
pub mod session;
pub mod storage;
pub mod table;
pub mod tls;
pub mod validation;
pub mod workloads;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

use crate::sanitize::clean;

/// How a row looks to an operator: drives colour and the triage ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Health {
    #[default]
    Ok,
    Done,
    Pending,
    Warn,
    Error,
}

/// An API path with its query, each value encoded (selectors carry `=` and `,`, continue tokens `+`).
pub fn api_url(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let start = path.len() + 1;
    form_urlencoded::Serializer::for_suffix(format!("{path}?"), start).extend_pairs(query).finish()
}

/// Rows that changed, as sources send them (at most a few times a second).
#[derive(Debug, Clone)]
pub struct Delta<R> {
    /// Replace everything (an initial list or a relist).
    pub reset: bool,
    pub upserts: Vec<R>,
    /// uids
    pub deletes: Vec<String>,
}

impl<R> Default for Delta<R> {
    fn default() -> Self {
        Delta { reset: false, upserts: Vec::new(), deletes: Vec::new() }
    }
}

/// Namespace, name and uid of an object (selection follows the uid through reorders).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectId {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

impl ObjectId {
    pub fn of(meta: &ObjectMeta) -> Self {
        ObjectId {
            namespace: clean(meta.namespace.as_deref().unwrap_or_default()),
            name: clean(meta.name.as_deref().unwrap_or_default()),
            uid: meta.uid.clone().unwrap_or_default(),
        }
    }
}

/// Unix seconds of a Kubernetes timestamp.
pub fn unix(t: &Time) -> i64 {
    t.0.as_second()
}

pub fn created(meta: &ObjectMeta) -> i64 {
    meta.creation_timestamp.as_ref().map(unix).unwrap_or(0)
}

pub fn labels(meta: &ObjectMeta) -> BTreeMap<String, String> {
    meta.labels.as_ref().map(|l| l.iter().map(|(k, v)| (clean(k), clean(v))).collect()).unwrap_or_default()
}

/// kubectl's compact age: 45s, 12m, 5h, 3d, 2y.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 => format!("{}h", s / 3600),
        172_800..63_072_000 => format!("{}d", s / 86_400),
        _ => format!("{}y", s / 31_536_000),
    }
}

/// An age that changes at most once a minute ("<1m", "12m", "5h"): the triage pane lists problems by how long
/// they have lasted, and per-second ticking would repaint it every second on an otherwise quiet cluster.
pub fn age_in_minutes(seconds: i64) -> String {
    match seconds.max(0) {
        0..60 => "<1m".to_string(),
        s @ 60..7200 => format!("{}m", s / 60),
        s => age(s),
    }
}

/// A CPU quantity ("250m", "2", "123456789n", "1500u") in millicores.
pub fn cpu_milli(q: &str) -> Option<u64> {
    let (num, scale) = match q.char_indices().last()? {
        (i, 'n') => (&q[..i], 1e-6),
        (i, 'u') => (&q[..i], 1e-3),
        (i, 'm') => (&q[..i], 1.0),
        _ => (q, 1000.0),
    };
    num.parse::<f64>().ok().map(|n| (n * scale).round() as u64)
}

/// A memory quantity ("512Mi", "123456Ki", "1G", "1048576") in bytes.
pub fn bytes(q: &str) -> Option<u64> {
    const UNITS: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (num, scale) = UNITS.iter().find_map(|(u, s)| q.strip_suffix(u).map(|n| (n, *s))).unwrap_or((q, 1.0));
    num.parse::<f64>().ok().map(|n| (n * scale).round() as u64)
}

/// "1.5Gi", "512Mi" — memory the way top prints it.
pub fn human_bytes(b: u64) -> String {
    const GI: f64 = 1073741824.0;
    let b = b as f64;
    if b >= GI { format!("{:.1}Gi", b / GI) } else { format!("{:.0}Mi", b / 1048576.0) }
}

/// `nvidia.com/gpu`, the resource every GPU count reads.
pub const GPU: &str = "nvidia.com/gpu";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(cpu_milli("250m"), Some(250));
        assert_eq!(cpu_milli("2"), Some(2000));
        assert_eq!(cpu_milli("1893000000n"), Some(1893));
        assert_eq!(cpu_milli("x"), None);
        assert_eq!(bytes("512Mi"), Some(512 * 1048576));
        assert_eq!(bytes("8092Ki"), Some(8092 * 1024));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("1048576"), Some(1048576));
        assert_eq!(human_bytes(3 * 1073741824 / 2), "1.5Gi");
    }

    #[test]
    fn ages_like_kubectl() {
        assert_eq!(age(5), "5s");
        assert_eq!(age(119), "119s");
        assert_eq!(age(600), "10m");
        assert_eq!(age(3 * 3600), "3h");
        assert_eq!(age(5 * 86400), "5d");
        assert_eq!(age(800 * 86400), "2y");
        assert_eq!(age(-3), "0s");
        assert_eq!([age_in_minutes(59), age_in_minutes(119), age_in_minutes(7300)], ["<1m", "1m", "2h"]);
    }
}
