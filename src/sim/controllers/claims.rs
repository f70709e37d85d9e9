//! The controller loop's volume binding: which claims to look at after a change, and a pass of the binder.

use std::sync::Arc;

use serde_json::Value;

use super::Controllers;
use crate::sim::clock;
use crate::sim::object::Stored;
use crate::sim::resources;
use crate::sim::storage;
use crate::sim::store::{self, ChangeKind, Key};

impl Controllers {
    /// Claims to look at again after a change: the claim itself, every claim when classes or volumes change (a
    /// missing class may have appeared), and a pod mounting claims (a first consumer); a deleted claim releases
    /// its volume.
    pub(super) fn track_storage(&mut self, key: &Key, kind: ChangeKind, obj: &Arc<Stored>) {
        match key.0 {
            resources::PVCS if kind == ChangeKind::Deleted => {
                let (_, objects) = self.world.store.snapshot();
                for (_, pv) in objects.range(store::range(resources::PVS, None)) {
                    let value = pv.value();
                    if value["spec"]["claimRef"]["uid"] == obj.uid.as_str() {
                        let actions = storage::release(&value, pv.rv).into_iter().collect();
                        self.apply(actions, clock::now_f64());
                    }
                }
            }
            resources::PVCS => {
                self.claims.insert(key.clone());
            }
            resources::STORAGE_CLASSES | resources::PVS => {
                let (_, objects) = self.world.store.snapshot();
                let pending = objects
                    .range(store::range(resources::PVCS, None))
                    .filter(|(_, c)| c.value()["status"]["phase"] != "Bound")
                    .map(|(k, _)| k.clone());
                self.claims.extend(pending.collect::<Vec<_>>());
            }
            resources::PODS if kind != ChangeKind::Deleted => {
                let pod = obj.value();
                for volume in pod["spec"]["volumes"].as_array().into_iter().flatten() {
                    if let Some(claim) = volume["persistentVolumeClaim"]["claimName"].as_str() {
                        self.claims.insert((resources::PVCS, key.1.clone(), claim.to_string()));
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn bind_claims(&mut self, now: f64) {
        if self.claims.is_empty() {
            return;
        }
        let (_, objects) = self.world.store.snapshot();
        let classes: Vec<Value> =
            objects.range(store::range(resources::STORAGE_CLASSES, None)).map(|(_, c)| c.value()).collect();
        for key in std::mem::take(&mut self.claims) {
            let Some(claim) = objects.get(&key) else { continue };
            let pvc = claim.value();
            let volume = pvc["spec"]["volumeName"]
                .as_str()
                .and_then(|v| objects.get(&(resources::PVS, String::new(), v.to_string())))
                .map(|v| v.value());
            let consumed = objects.range(store::range(resources::PODS, Some(&key.1))).any(|(_, p)| {
                let pod = p.value();
                pod["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty())
                    && pod["spec"]["volumes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|v| v["persistentVolumeClaim"]["claimName"] == key.2.as_str())
            });
            let actions = storage::reconcile_claim(&pvc, claim.rv, &classes, volume.as_ref(), consumed);
            self.apply(actions, now);
        }
    }
}
