//! The object store: a persistent ordered map (cheap snapshots for paging), one resourceVersion counter, a bounded
//! change history for watch resumption, and a broadcast of every change. No HTTP, no controllers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use imbl::OrdMap;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::clock;
use super::error::ApiError;
use super::object::{self, Stored};
use super::resources::{self, Catalog, ResourceId};
use super::rng::Rng;

/// (resource, namespace, name); cluster-scoped objects have an empty namespace.
pub type Key = (ResourceId, String, String);
pub type Objects = OrdMap<Key, Arc<Stored>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One committed change. For a deletion `object` is the last state re-stamped with the deletion's resourceVersion.
#[derive(Debug)]
pub struct Change {
    pub kind: ChangeKind,
    pub key: Key,
    pub object: Arc<Stored>,
    /// The state before, so a watcher can tell an object leaving its selector.
    pub previous: Option<Arc<Stored>>,
}

impl Change {
    pub fn rv(&self) -> u64 {
        self.object.rv
    }
}

/// What watchers and controllers receive.
#[derive(Debug, Clone)]
pub enum Signal {
    Change(Arc<Change>),
    /// Every resourceVersion so far was expired (a fault): end with 410 so clients relist.
    Expire,
}

/// Where a new watch starts.
pub enum WatchStart {
    /// Replay these changes (all newer than the requested version), then follow.
    Replay(Vec<Arc<Change>>, broadcast::Receiver<Signal>),
    /// Start from a snapshot (RV unset or "0"): synthetic ADDED for each object, then follow.
    Snapshot(u64, Objects, broadcast::Receiver<Signal>),
}

struct Inner {
    objects: Objects,
    rv: u64,
    history: VecDeque<Arc<Change>>,
    history_cap: usize,
    /// Watches from a version older than this get 410 Expired.
    oldest_valid: u64,
    /// Recent snapshots by resourceVersion, so `continue` tokens page through one consistent list.
    snapshots: VecDeque<(u64, Objects)>,
    rng: Rng,
}

pub struct Store {
    inner: Mutex<Inner>,
    tx: broadcast::Sender<Signal>,
    /// The resource types served: built-ins plus what established CRDs add.
    catalog: RwLock<Catalog>,
}

const SNAPSHOTS_KEPT: usize = 32;
/// Per-receiver buffer; a watcher further behind than this is ended with 410, never silently skipped.
const BROADCAST_CAPACITY: usize = 1 << 16;

impl Store {
    pub fn new(seed: u64, history_cap: usize) -> Self {
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            inner: Mutex::new(Inner {
                objects: OrdMap::new(),
                rv: 1000,
                history: VecDeque::new(),
                history_cap: history_cap.max(1),
                oldest_valid: 1000,
                snapshots: VecDeque::new(),
                rng: Rng::derive(seed, "store"),
            }),
            tx,
            catalog: RwLock::new(Catalog::default()),
        }
    }

    /// What this cluster serves now (cheap: the custom ids are shared).
    pub fn catalog(&self) -> Catalog {
        self.catalog.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn set_catalog(&self, catalog: Catalog) {
        *self.catalog.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = catalog;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current version and an O(1) snapshot of every object.
    pub fn snapshot(&self) -> (u64, Objects) {
        let inner = self.lock();
        (inner.rv, inner.objects.clone())
    }

    pub fn current_rv(&self) -> u64 {
        self.lock().rv
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Stored>> {
        self.lock().objects.get(key).cloned()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.tx.subscribe()
    }

    /// Keeps a snapshot for `continue` tokens issued at `rv`.
    pub fn remember_snapshot(&self, rv: u64, objects: Objects) {
        let mut inner = self.lock();
        if inner.snapshots.iter().any(|(r, _)| *r == rv) {
            return;
        }
        if inner.snapshots.len() == SNAPSHOTS_KEPT {
            inner.snapshots.pop_front();
        }
        inner.snapshots.push_back((rv, objects));
    }

    pub fn snapshot_at(&self, rv: u64) -> Option<Objects> {
        self.lock().snapshots.iter().find(|(r, _)| *r == rv).map(|(_, o)| o.clone())
    }

    /// Starts a watch at `rv` (None = from a fresh snapshot). Subscribes under the lock, so no change falls between.
    pub fn watch_from(&self, rv: Option<u64>) -> Result<WatchStart, ApiError> {
        let inner = self.lock();
        let rx = self.tx.subscribe();
        match rv {
            None => Ok(WatchStart::Snapshot(inner.rv, inner.objects.clone(), rx)),
            Some(v) if v < inner.oldest_valid => {
                Err(ApiError::gone(format!("too old resource version: {v} ({})", inner.oldest_valid)))
            }
            Some(v) => Ok(WatchStart::Replay(inner.history.iter().filter(|c| c.rv() > v).cloned().collect(), rx)),
        }
    }

    /// Expires every version issued so far: watches end with 410 and clients must relist.
    pub fn expire_all(&self) {
        let mut inner = self.lock();
        inner.oldest_valid = inner.rv;
        inner.history.clear();
        inner.snapshots.clear();
        let _ = self.tx.send(Signal::Expire);
    }

    /// A fresh uid from the store's seeded generator.
    pub fn new_uid(&self) -> String {
        self.lock().rng.uuid()
    }

    /// Creates an object; fills uid, creationTimestamp, generation and resourceVersion.
    pub fn create(&self, res: ResourceId, mut value: Value) -> Result<Arc<Stored>, ApiError> {
        let ns = object::namespace(&value).to_string();
        let name = object::name(&value).to_string();
        let key = (res, ns, name.clone());
        let mut inner = self.lock();
        if inner.objects.contains_key(&key) {
            return Err(ApiError::already_exists(resources::get(res), &name));
        }
        let uid = inner.rng.uuid();
        let meta = object::obj_mut(&mut value, "metadata");
        if !meta.get("uid").is_some_and(Value::is_string) {
            meta.insert("uid".into(), json!(uid));
        }
        if !meta.get("creationTimestamp").is_some_and(Value::is_string) {
            meta.insert("creationTimestamp".into(), json!(clock::rfc3339(clock::now())));
        }
        meta.entry("generation").or_insert(json!(1));
        Ok(self.commit(&mut inner, ChangeKind::Added, key, &mut value, None))
    }

    /// Replaces an existing object if its version is still `expected_rv` (optimistic concurrency).
    pub fn replace(&self, res: ResourceId, mut value: Value, expected_rv: u64) -> Result<Arc<Stored>, ApiError> {
        let key = (res, object::namespace(&value).to_string(), object::name(&value).to_string());
        let mut inner = self.lock();
        let previous =
            inner.objects.get(&key).cloned().ok_or_else(|| ApiError::not_found(resources::get(res), &key.2))?;
        if previous.rv != expected_rv {
            return Err(ApiError::conflict(resources::get(res), &key.2));
        }
        Ok(self.commit(&mut inner, ChangeKind::Modified, key, &mut value, Some(previous)))
    }

    /// Deletes an object (if `expected_rv` is given, only at that version); returns its last state.
    pub fn delete(&self, key: &Key, expected_rv: Option<u64>) -> Result<Arc<Stored>, ApiError> {
        let mut inner = self.lock();
        let previous =
            inner.objects.get(key).cloned().ok_or_else(|| ApiError::not_found(resources::get(key.0), &key.2))?;
        if expected_rv.is_some_and(|rv| rv != previous.rv) {
            return Err(ApiError::conflict(resources::get(key.0), &key.2));
        }
        let mut value = previous.value();
        Ok(self.commit(&mut inner, ChangeKind::Deleted, key.clone(), &mut value, Some(previous)))
    }

    /// Moves every object of `from` to `to` (a CRD redefined its resource), keeping versions; no watch events,
    /// as the objects themselves did not change.
    pub fn rekey(&self, from: ResourceId, to: ResourceId) {
        let mut inner = self.lock();
        let keys: Vec<Key> = inner.objects.range(range(from, None)).map(|(k, _)| k.clone()).collect();
        for key in keys {
            if let Some(old) = inner.objects.remove(&key) {
                let stored = Arc::new(Stored::new(to, &old.value(), old.rv));
                inner.objects.insert((to, key.1, key.2), stored);
            }
        }
    }

    fn commit(
        &self,
        inner: &mut Inner,
        kind: ChangeKind,
        key: Key,
        value: &mut Value,
        previous: Option<Arc<Stored>>,
    ) -> Arc<Stored> {
        inner.rv += 1;
        let rv = inner.rv;
        object::obj_mut(value, "metadata").insert("resourceVersion".into(), json!(rv.to_string()));
        let stored = Arc::new(Stored::new(key.0, value, rv));
        if kind == ChangeKind::Deleted {
            inner.objects.remove(&key);
        } else {
            inner.objects.insert(key.clone(), stored.clone());
        }
        let change = Arc::new(Change { kind, key, object: stored.clone(), previous });
        if inner.history.len() == inner.history_cap
            && let Some(dropped) = inner.history.pop_front()
        {
            inner.oldest_valid = dropped.rv();
        }
        inner.history.push_back(change.clone());
        // No receivers is fine: nobody is watching yet.
        let _ = self.tx.send(Signal::Change(change));
        stored
    }
}

/// The key range holding one resource in one namespace (or in all, with `namespace` None).
pub fn range(res: ResourceId, namespace: Option<&str>) -> (std::ops::Bound<Key>, std::ops::Bound<Key>) {
    use std::ops::Bound::{Excluded, Included};
    match namespace {
        Some(ns) => (Included((res, ns.to_string(), String::new())), Excluded((res, format!("{ns}\0"), String::new()))),
        None => (Included((res, String::new(), String::new())), Excluded((res + 1, String::new(), String::new()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{CONFIGMAPS, PODS};

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "a"}, "data": {"k": "v"}})
    }

    #[test]
    fn create_replace_delete_bump_versions_and_record_history() {
        let store = Store::new(1, 100);
        let mut rx = store.subscribe();
        let a = store.create(CONFIGMAPS, cm("x")).unwrap();
        assert_eq!(a.rv, 1001);
        assert!(matches!(store.create(CONFIGMAPS, cm("x")), Err(e) if e.code == 409));
        let mut next = a.value();
        next["data"]["k"] = json!("w");
        assert!(matches!(store.replace(CONFIGMAPS, next.clone(), 999), Err(e) if e.reason == "Conflict"));
        let b = store.replace(CONFIGMAPS, next, a.rv).unwrap();
        assert_eq!(b.value()["metadata"]["resourceVersion"], "1002");
        let key = (CONFIGMAPS, "a".to_string(), "x".to_string());
        let gone = store.delete(&key, None).unwrap();
        assert_eq!(gone.rv, 1003);
        assert!(store.get(&key).is_none());
        let kinds: Vec<ChangeKind> = (0..3)
            .map(|_| match rx.try_recv().unwrap() {
                Signal::Change(c) => c.kind,
                Signal::Expire => panic!("no expiry"),
            })
            .collect();
        assert_eq!(kinds, [ChangeKind::Added, ChangeKind::Modified, ChangeKind::Deleted]);
        match store.watch_from(Some(1001)).unwrap() {
            WatchStart::Replay(changes, _) => {
                assert_eq!(changes.iter().map(|c| c.rv()).collect::<Vec<_>>(), [1002, 1003])
            }
            WatchStart::Snapshot(..) => panic!("expected replay"),
        }
    }

    #[test]
    fn old_versions_expire_when_history_overflows_or_on_demand() {
        let store = Store::new(1, 2);
        for i in 0..4 {
            store.create(CONFIGMAPS, cm(&format!("c{i}"))).unwrap();
        }
        assert!(matches!(store.watch_from(Some(1001)), Err(e) if e.code == 410));
        assert!(store.watch_from(Some(1003)).is_ok());
        store.expire_all();
        assert!(matches!(store.watch_from(Some(1003)), Err(e) if e.code == 410));
        assert!(store.watch_from(Some(store.current_rv())).is_ok());
    }

    #[test]
    fn ranges_select_one_namespace_or_all() {
        let store = Store::new(1, 10);
        store.create(CONFIGMAPS, cm("x")).unwrap();
        let mut other = cm("y");
        other["metadata"]["namespace"] = json!("ab");
        store.create(CONFIGMAPS, other).unwrap();
        let (_, objs) = store.snapshot();
        assert_eq!(objs.range(range(CONFIGMAPS, Some("a"))).count(), 1);
        assert_eq!(objs.range(range(CONFIGMAPS, None)).count(), 2);
        assert_eq!(objs.range(range(PODS, None)).count(), 0);
    }
}
