//! The controller loop's events: recording one (a repeat counts up on the existing Event, and many different
//! messages for one reason on one object are combined, as client-go's event correlator does) and the kubelet's
//! Killing event.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::Controllers;
use crate::sim::clock;
use crate::sim::kubelet::EventSpec;
use crate::sim::object;
use crate::sim::resources;

/// client-go's EventAggregator: distinct messages before they are combined, and the window they count in.
const AGGREGATE_AFTER: usize = 10;
const AGGREGATE_INTERVAL_S: f64 = 600.0;
/// The dedup key of an object's combined event (no real message looks like it).
const COMBINED: &str = "\0combined";

impl Controllers {
    /// The kubelet's event for a pod it starts stopping.
    pub(super) fn killing(&mut self, pod: &Value, now: f64) {
        let container = pod["spec"]["containers"][0]["name"].as_str().unwrap_or_default().to_string();
        let spec = EventSpec {
            warning: false,
            reason: "Killing",
            message: format!("Stopping container {container}"),
            component: "kubelet",
        };
        self.record(pod, &spec, now);
    }

    /// Records an event, counting up a repeat of the same reason and message on the same object.
    pub(super) fn record(&mut self, involved: &Value, spec: &EventSpec, now: f64) {
        let uid = involved["metadata"]["uid"].as_str().unwrap_or_default().to_string();
        let at = clock::rfc3339(now as i64);
        let (message, dedup) = self.correlate(&uid, spec, now);
        if let Some(key) = self.events.get(&dedup).cloned()
            && let Some(existing) = self.world.store.get(&key)
        {
            let mut ev = existing.value();
            ev["count"] = json!(ev["count"].as_i64().unwrap_or(1) + 1);
            ev["lastTimestamp"] = json!(at);
            ev["message"] = json!(message);
            let _ = self.world.store.replace(resources::EVENTS, ev, existing.rv);
            return;
        }
        let name = object::name(involved);
        let namespace = match object::namespace(involved) {
            "" => "default",
            ns => ns,
        };
        let event_name = format!("{name}.{:016x}", self.rng.next_u64());
        let host = involved["spec"]["nodeName"].as_str().unwrap_or_default();
        let mut source = json!({"component": spec.component});
        if spec.component == "kubelet" && !host.is_empty() {
            source["host"] = json!(host);
        }
        let ev = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": event_name, "namespace": namespace},
            "involvedObject": {"kind": involved["kind"], "namespace": object::namespace(involved), "name": name, "uid": uid,
                "apiVersion": involved["apiVersion"], "resourceVersion": involved["metadata"]["resourceVersion"]},
            "reason": spec.reason, "message": message, "source": source,
            "firstTimestamp": at, "lastTimestamp": at, "count": 1,
            "type": if spec.warning { "Warning" } else { "Normal" },
            "eventTime": null, "reportingComponent": spec.component, "reportingInstance": host,
        });
        if self.world.store.create(resources::EVENTS, ev).is_ok() {
            self.events.insert(dedup, (resources::EVENTS, namespace.to_string(), event_name));
        }
    }

    /// EventAggregator: within ten minutes of the last one, the tenth distinct message for one reason on one
    /// object and every one after it go into a single event, `(combined from similar events): <latest>`. Returns
    /// the message to record and the key repeats count up under.
    fn correlate(&mut self, uid: &str, spec: &EventSpec, now: f64) -> (String, (String, &'static str, String)) {
        let similar = self.similar_events.entry((uid.to_string(), spec.reason)).or_insert((BTreeSet::new(), now));
        if now - similar.1 > AGGREGATE_INTERVAL_S {
            similar.0.clear();
        }
        similar.1 = now;
        similar.0.insert(spec.message.clone());
        if similar.0.len() < AGGREGATE_AFTER {
            return (spec.message.clone(), (uid.to_string(), spec.reason, spec.message.clone()));
        }
        // The set stays just under the limit, so every later message is combined too.
        similar.0.pop_first();
        let combined = format!("(combined from similar events): {}", spec.message);
        (combined, (uid.to_string(), spec.reason, COMBINED.to_string()))
    }
}
