//! Warning Event → WarningEvent: which object it is about, why, how often and when last (for triage).

use k8s_openapi::api::core::v1::Event;

use super::{ObjectId, unix};
use crate::sanitize::clean;

#[derive(Debug, Clone, PartialEq)]
pub struct WarningEvent {
    /// The event's own uid (deltas are keyed by it).
    pub uid: String,
    /// The involved object's kind ("Pod", "ReplicaSet"…) and identity.
    pub kind: String,
    pub object: ObjectId,
    pub reason: String,
    pub message: String,
    pub count: i32,
    /// When it last happened, in unix seconds.
    pub last: i64,
}

impl WarningEvent {
    pub fn from_event(e: &Event) -> Self {
        let o = &e.involved_object;
        let last = e
            .last_timestamp
            .as_ref()
            .map(unix)
            .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
            .or_else(|| e.first_timestamp.as_ref().map(unix))
            .unwrap_or_else(|| super::created(&e.metadata));
        WarningEvent {
            uid: e.metadata.uid.clone().unwrap_or_default(),
            kind: clean(o.kind.as_deref().unwrap_or_default()),
            object: ObjectId {
                namespace: clean(o.namespace.as_deref().unwrap_or_default()),
                name: clean(o.name.as_deref().unwrap_or_default()),
                uid: o.uid.clone().unwrap_or_default(),
            },
            reason: clean(e.reason.as_deref().unwrap_or_default()),
            message: clean(e.message.as_deref().unwrap_or_default()),
            count: e.count.unwrap_or(1),
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_involved_object_and_the_last_time() {
        let e: Event = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "x.1", "namespace": "ml", "uid": "e1", "creationTimestamp": "2026-11-25T10:00:00Z"},
            "involvedObject": {"kind": "ReplicaSet", "namespace": "ml", "name": "web-5d9f", "uid": "rs1"},
            "reason": "FailedCreate", "message": "exceeded quota: gpu\u{1b}[31m", "type": "Warning", "count": 7,
            "lastTimestamp": "2026-11-25T10:05:00Z"}))
        .unwrap();
        let w = WarningEvent::from_event(&e);
        assert_eq!((w.kind.as_str(), w.object.name.as_str(), w.object.uid.as_str()), ("ReplicaSet", "web-5d9f", "rs1"));
        assert_eq!((w.reason.as_str(), w.count), ("FailedCreate", 7));
        assert!(!w.message.contains('\u{1b}'), "escape sequences are stripped: {:?}", w.message);
        assert_eq!(w.last, 1_795_601_100, "2026-11-25T10:05:00Z");
    }
}
