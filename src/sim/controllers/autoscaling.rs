//! The controller loop's horizontal pod autoscaler: every sync period, each autoscaler's target scale and pods,
//! the pods' metrics as metrics.k8s.io reports them, one pass of `hpa::reconcile`, and its status, scale and
//! events written.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Controllers;
use crate::sim::hpa::{self, PodSample};
use crate::sim::object::{self, Stored};
use crate::sim::resources::{self, ResourceId};
use crate::sim::store::{self, Objects};
use crate::sim::{clock, disruption, metrics};

/// The scalable kinds an autoscaler can target, by apiVersion group and kind.
fn target_resource(api_version: &str, kind: &str) -> Option<ResourceId> {
    match (api_version.split('/').next().unwrap_or_default(), kind) {
        ("apps", "Deployment") => Some(resources::DEPLOYMENTS),
        ("apps", "StatefulSet") => Some(resources::STATEFULSETS),
        ("apps", "ReplicaSet") => Some(resources::REPLICASETS),
        _ => None,
    }
}

/// A container's requests in milli-units.
fn milli_map(list: &Value) -> BTreeMap<String, i64> {
    list.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    Some((k.clone(), hpa::parse_milli(v.as_str()?).or_else(|| v.as_i64().map(|n| n * 1000))?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn sample(
    seed: u64,
    stored: &Stored,
    pod: &Value,
    shares: &std::collections::HashMap<String, f64>,
    now: i64,
) -> PodSample {
    let ready =
        pod["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == "Ready")).map(|c| {
            let at = c["lastTransitionTime"].as_str().and_then(clock::parse_rfc3339).unwrap_or(0.0);
            (c["status"] == "True", at)
        });
    let requests = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["name"].as_str().unwrap_or_default().to_string(), milli_map(&c["resources"]["requests"])))
        .collect();
    // As the metrics API carries them: CPU in whole nanocores rounded up to milli, memory in whole KiB.
    let usage = metrics::running(stored).then(|| {
        metrics::container_usage(seed, stored, pod, shares, now)
            .into_iter()
            .map(|(name, nano, bytes)| {
                let values = BTreeMap::from([
                    ("cpu".to_string(), nano.div_ceil(1_000_000) as i64),
                    ("memory".to_string(), (bytes / 1024 * 1024) as i64 * 1000),
                ]);
                (name, values)
            })
            .collect()
    });
    PodSample {
        name: object::name(pod).to_string(),
        phase: pod["status"]["phase"].as_str().unwrap_or("Pending").to_string(),
        deleting: stored.terminating,
        start: pod["status"]["startTime"].as_str().and_then(clock::parse_rfc3339),
        ready,
        requests,
        usage,
    }
}

impl Controllers {
    /// One pass of the autoscaler over every HorizontalPodAutoscaler.
    pub(super) fn autoscale(&mut self, now: f64) {
        let (_, objects) = self.world.store.snapshot();
        let hpas: Vec<(store::Key, std::sync::Arc<Stored>)> =
            objects.range(store::range(resources::HPAS, None)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if hpas.is_empty() {
            return;
        }
        let shares = metrics::cpu_shares(self.world.seed, &objects, now as i64);
        self.hpa_history.retain(|key, _| objects.contains_key(key));
        for (key, stored) in hpas {
            let autoscaler = stored.value();
            let reference = &autoscaler["spec"]["scaleTargetRef"];
            let (api_version, kind) =
                (reference["apiVersion"].as_str().unwrap_or_default(), reference["kind"].as_str().unwrap_or_default());
            let name = reference["name"].as_str().unwrap_or_default();
            let target = target_resource(api_version, kind)
                .ok_or_else(|| {
                    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
                    format!("unable to determine resource for scale target reference: no matches for kind \"{kind}\" in group \"{group}\"")
                })
                .and_then(|res| {
                    let found = objects.get(&(res, key.1.clone(), name.to_string()));
                    found.map(|t| (res, t.clone())).ok_or_else(|| {
                        format!("{} \"{name}\" not found", resources::get(res).qualified())
                    })
                });
            let pods = match &target {
                Ok((_, workload)) => self.selected_pods(&objects, &key.1, &workload.value(), &shares, now),
                Err(_) => Vec::new(),
            };
            let replicas =
                target.as_ref().map(|(_, w)| w.value()["spec"]["replicas"].as_i64().unwrap_or(1)).map_err(Clone::clone);
            let metric_time = (now as i64 - now as i64 % metrics::WINDOW_S) as f64;
            let history = self.hpa_history.entry(key.clone()).or_default();
            let outcome = hpa::reconcile(&autoscaler, replicas, &pods, metric_time, history, now);
            if outcome.status != autoscaler["status"] {
                let mut next = autoscaler.clone();
                next["status"] = outcome.status;
                // Lost to another writer: the next sync looks again.
                let _ = self.world.store.replace(resources::HPAS, next, stored.rv);
            }
            if let (Some(replicas), Ok((res, workload))) = (outcome.scale_to, &target) {
                self.scale(*res, workload, replicas);
            }
            for e in &outcome.events {
                self.record(&autoscaler, e, now);
            }
        }
    }

    /// The pods in `namespace` the workload's selector picks, as the autoscaler samples them.
    fn selected_pods(
        &self,
        objects: &Objects,
        namespace: &str,
        workload: &Value,
        shares: &std::collections::HashMap<String, f64>,
        now: f64,
    ) -> Vec<PodSample> {
        let selector = &workload["spec"]["selector"];
        objects
            .range(store::range(resources::PODS, Some(namespace)))
            .filter_map(|(_, p)| {
                let pod = p.value();
                disruption::selects(selector, &pod).then(|| sample(self.world.seed, p, &pod, shares, now as i64))
            })
            .collect()
    }

    /// Sets a workload's replicas as a write to its scale subresource does (a spec change: a new generation).
    fn scale(&mut self, res: ResourceId, workload: &Stored, replicas: i64) {
        let mut next = workload.value();
        next["spec"]["replicas"] = json!(replicas);
        let generation = next["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
        next["metadata"]["generation"] = json!(generation);
        // Lost to another writer: the next sync scales again if it still should.
        let _ = self.world.store.replace(res, next, workload.rv);
    }
}
