//! Fault switches tests flip at run time (latency, dropped watches, 5xx bursts); atomics only, read per request.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub struct Faults {
    latency_ms: AtomicU64,
    drop_watches_after_s: AtomicU64,
    error_burst: AtomicU64,
}

/// The JSON shape of `GET/POST /sim/faults`; absent fields leave a switch as it is.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSettings {
    pub latency_ms: Option<u64>,
    /// Every watch is closed this many seconds after it starts (0 = never).
    pub drop_watches_after_seconds: Option<u64>,
    /// The next N API requests are answered 503.
    pub error_burst: Option<u64>,
    /// Expire every resourceVersion issued so far (watches end with 410 and clients relist).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expire_resource_versions: bool,
}

impl Faults {
    pub fn set(&self, s: &FaultSettings) {
        if let Some(v) = s.latency_ms {
            self.latency_ms.store(v, Ordering::Relaxed);
        }
        if let Some(v) = s.drop_watches_after_seconds {
            self.drop_watches_after_s.store(v, Ordering::Relaxed);
        }
        if let Some(v) = s.error_burst {
            self.error_burst.store(v, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> FaultSettings {
        FaultSettings {
            latency_ms: Some(self.latency_ms.load(Ordering::Relaxed)),
            drop_watches_after_seconds: Some(self.drop_watches_after_s.load(Ordering::Relaxed)),
            error_burst: Some(self.error_burst.load(Ordering::Relaxed)),
            expire_resource_versions: false,
        }
    }

    pub fn latency_ms(&self) -> u64 {
        self.latency_ms.load(Ordering::Relaxed)
    }

    pub fn drop_watches_after_s(&self) -> u64 {
        self.drop_watches_after_s.load(Ordering::Relaxed)
    }

    /// Consumes one request of a pending 5xx burst; true when this request must fail.
    pub fn take_error(&self) -> bool {
        self.error_burst.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_counts_down_and_partial_settings_keep_others() {
        let f = Faults::default();
        f.set(&FaultSettings { error_burst: Some(2), latency_ms: Some(5), ..Default::default() });
        f.set(&FaultSettings { drop_watches_after_seconds: Some(3), ..Default::default() });
        assert_eq!((f.latency_ms(), f.drop_watches_after_s()), (5, 3));
        assert!(f.take_error());
        assert!(f.take_error());
        assert!(!f.take_error());
        let bad: Result<FaultSettings, _> = serde_json::from_str(r#"{"latency":1}"#);
        assert!(bad.is_err());
    }
}
