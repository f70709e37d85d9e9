//! The controller loop: follows the store's changes and, every tick, schedules pending pods, steps the kubelet's
//! timers, reconciles workloads, records events and applies status churn. The only writer besides the API.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::broadcast;

use super::clock;
use super::kubelet::{self, EventSpec};
use super::object::{self, Stored};
use super::resources::{self, ResourceId};
use super::rng::Rng;
use super::scheduler::{self, NodeView};
use super::store::{ChangeKind, Key, Signal};
use super::workloads::{self, Action};
use super::world::World;
use super::{cronjob, daemonset, dcgm, deletion, disruption, endpoints, hpa, nodehealth, validator};

mod autoscaling;
mod claims;
mod events;
mod nodes;

const TICK: Duration = Duration::from_millis(200);
/// Annotation stamped on each churn update with the unix time it was written.
pub const CHURNED_AT: &str = "sim.gpudeck.io/churned-at";
/// How long an unschedulable pod waits before the scheduler tries it again.
const SCHEDULE_RETRY_S: f64 = 10.0;
/// Ticks between node lifecycle passes (its `--node-monitor-period`).
const NODE_MONITOR_TICKS: u64 = (nodehealth::MONITOR_PERIOD_S * 1000.0) as u64 / TICK.as_millis() as u64;
/// Ticks between autoscaler passes (its sync period).
const AUTOSCALER_TICKS: u64 = (hpa::SYNC_PERIOD_S * 1000.0) as u64 / TICK.as_millis() as u64;

const WORKLOADS: [ResourceId; 6] = [
    resources::DEPLOYMENTS,
    resources::REPLICASETS,
    resources::STATEFULSETS,
    resources::JOBS,
    resources::DAEMONSETS,
    resources::CRONJOBS,
];

pub struct Controllers {
    world: Arc<World>,
    rng: Rng,
    /// Kubelet timers: (due in ms, pod) plus the due time per pod so a pod has at most one.
    timers: BTreeSet<(i64, Key)>,
    due: HashMap<Key, i64>,
    /// Pending pods without a node, with the time of the next scheduling attempt.
    unscheduled: HashMap<Key, f64>,
    dirty: BTreeSet<Key>,
    /// Owner uid → the objects it owns; uid → key for workloads.
    owned: HashMap<String, BTreeSet<Key>>,
    workloads_by_uid: HashMap<String, Key>,
    /// (involved uid, reason, message) → event, so repeats count up instead of piling up.
    events: HashMap<(String, &'static str, String), Key>,
    /// (involved uid, reason) → the distinct recent messages and when the last came, for combining events.
    similar_events: HashMap<(String, &'static str), (BTreeSet<String>, f64)>,
    /// Running pods churn picks from, refreshed now and then.
    churn_pool: Vec<Key>,
    /// Namespaces whose pods or services changed: their Endpoints and EndpointSlices are due a sync.
    endpoint_namespaces: BTreeSet<String>,
    /// Claims due a pass of the volume binder.
    claims: BTreeSet<Key>,
    /// Jobs with a deadline or a TTL after finishing: looked at as time passes.
    timed_jobs: BTreeSet<Key>,
    /// Deployments mid-rollout: looked at again each second, so a progress deadline passes with no change to them.
    rolling: BTreeSet<Key>,
    /// Node → when its kubelet next renews its lease, for every node a kubelet registered.
    kubelets: HashMap<String, f64>,
    /// What the autoscaler remembers of each HorizontalPodAutoscaler.
    hpa_history: HashMap<Key, hpa::History>,
    /// CNI agent pods (calico-node and the like) → (their node, whether they are ready).
    cni_agents: HashMap<Key, (String, bool)>,
    churn_per_s: f64,
    churn_debt: f64,
    last_churn: Instant,
}

impl Controllers {
    pub fn new(world: Arc<World>, churn_per_s: f64) -> Self {
        let rng = Rng::derive(world.seed, "controllers");
        Controllers {
            world,
            rng,
            timers: BTreeSet::new(),
            due: HashMap::new(),
            unscheduled: HashMap::new(),
            dirty: BTreeSet::new(),
            owned: HashMap::new(),
            workloads_by_uid: HashMap::new(),
            events: HashMap::new(),
            similar_events: HashMap::new(),
            churn_pool: Vec::new(),
            endpoint_namespaces: BTreeSet::new(),
            claims: BTreeSet::new(),
            timed_jobs: BTreeSet::new(),
            rolling: BTreeSet::new(),
            kubelets: HashMap::new(),
            cni_agents: HashMap::new(),
            hpa_history: HashMap::new(),
            churn_per_s,
            churn_debt: 0.0,
            last_churn: Instant::now(),
        }
    }

    /// Runs on its own thread until `stop` is set. The loop is CPU-bound (50k-pod scans), so it must not occupy an
    /// async worker that serves watches.
    /// `ready` fires once the indexes are built (seconds for 50k pods), so a started sim is a running cluster.
    pub fn run(mut self, stop: Arc<AtomicBool>, ready: tokio::sync::oneshot::Sender<()>) {
        let mut rx = self.world.store.subscribe();
        self.resync();
        // A started sim looks like a cluster that has been running: the lost node's pods are already marked not
        // ready and every Service has its Endpoints, so a client's first `get ep` does not race the first tick.
        self.monitor_nodes(clock::now_f64());
        self.sync_endpoints();
        self.last_churn = Instant::now();
        let _ = ready.send(());
        let mut ticks: u64 = 0;
        while !stop.load(Ordering::Relaxed) {
            let started = Instant::now();
            if !self.drain(&mut rx) {
                self.resync();
            }
            let now = clock::now_f64();
            self.schedule(now);
            self.fire_timers(now);
            self.reconcile(now);
            self.bind_claims(now);
            self.renew_leases(now);
            if ticks % NODE_MONITOR_TICKS == 0 {
                self.monitor_nodes(now);
            }
            if ticks % AUTOSCALER_TICKS == 0 {
                self.autoscale(now);
            }
            if ticks % 50 == 0 {
                self.refresh_churn_pool();
            }
            // CronJobs act on the clock, not only on changes; endpoints follow pods at most once a second.
            if ticks % 5 == 0 {
                self.sync_endpoints();
                let crons = self.workloads_by_uid.values().filter(|k| k.0 == resources::CRONJOBS).cloned();
                self.dirty.extend(crons.collect::<Vec<_>>());
                self.dirty.extend(self.timed_jobs.iter().cloned());
                self.dirty.extend(self.rolling.iter().cloned());
            }
            self.churn();
            ticks += 1;
            std::thread::sleep(TICK.saturating_sub(started.elapsed()));
        }
    }

    /// Brings the Endpoints and EndpointSlices of every namespace whose pods or Services changed up to date.
    fn sync_endpoints(&mut self) {
        for ns in std::mem::take(&mut self.endpoint_namespaces) {
            endpoints::sync_namespace(&self.world, &ns);
        }
    }

    /// Rebuilds every index from a snapshot (at start, and after falling behind the change stream).
    fn resync(&mut self) {
        let (_, objects) = self.world.store.snapshot();
        self.owned.clear();
        self.workloads_by_uid.clear();
        self.kubelets.retain(|node, _| objects.contains_key(&(resources::NODES, String::new(), node.clone())));
        let now = clock::now_f64();
        for (key, obj) in objects.iter() {
            self.index(key, None, Some(obj));
            if key.0 == resources::NODES {
                self.track_node(key, Some(obj), now);
            }
            if key.0 == resources::PODS {
                self.track_pod(key, &obj.value(), now);
            }
            if WORKLOADS.contains(&key.0) {
                self.dirty.insert(key.clone());
            }
            if matches!(key.0, resources::SERVICES | resources::PDBS) {
                self.endpoint_namespaces.insert(key.1.clone());
            }
            if key.0 == resources::NAMESPACES {
                disruption::ensure_default_service_account(&self.world, &key.2);
            }
            if key.0 == resources::PVCS {
                self.claims.insert(key.clone());
            }
            if key.0 == resources::JOBS {
                self.track_job(key, Some(obj));
            }
        }
        self.refresh_churn_pool();
    }

    fn track_job(&mut self, key: &Key, job: Option<&Arc<Stored>>) {
        match job {
            Some(job) if workloads::job_is_timed(&job.value()) => self.timed_jobs.insert(key.clone()),
            _ => self.timed_jobs.remove(key),
        };
    }

    /// Applies queued changes to the indexes; false when the stream lagged and a resync is needed.
    fn drain(&mut self, rx: &mut broadcast::Receiver<Signal>) -> bool {
        let now = clock::now_f64();
        loop {
            match rx.try_recv() {
                Ok(Signal::Change(change)) => {
                    let key = &change.key;
                    let current = (change.kind != ChangeKind::Deleted).then_some(&change.object);
                    self.index(key, change.previous.as_ref(), current);
                    if matches!(key.0, resources::PODS | resources::SERVICES | resources::ENDPOINTS | resources::PDBS) {
                        self.endpoint_namespaces.insert(key.1.clone());
                    }
                    if key.0 == resources::NAMESPACES && change.kind == ChangeKind::Added {
                        disruption::ensure_default_service_account(&self.world, &key.2);
                    }
                    self.track_storage(key, change.kind, &change.object);
                    if key.0 == resources::JOBS {
                        self.track_job(key, current);
                    }
                    match key.0 {
                        resources::PODS => match current {
                            Some(pod) => {
                                let value = pod.value();
                                // However a running pod came to be deleted (API, eviction, scale-down), its
                                // kubelet says it is stopping the containers.
                                let stopping =
                                    pod.terminating && change.previous.as_ref().is_some_and(|p| !p.terminating);
                                if stopping && value["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty()) {
                                    self.killing(&value, now);
                                }
                                self.track_pod(key, &value, now)
                            }
                            None => self.forget_pod(key),
                        },
                        resources::NODES => {
                            self.track_node(key, current, now);
                            if let Some(node) = current
                                && let Some(next) = scheduler::with_cordon_taint(&node.value())
                            {
                                // Lost to another writer: its change comes through here again.
                                let _ = self.world.store.replace(resources::NODES, next, node.rv);
                            }
                            self.unscheduled.values_mut().for_each(|t| *t = now);
                            // Which nodes a DaemonSet runs on follows their labels and taints.
                            let daemons = self.workloads_by_uid.values().filter(|k| k.0 == resources::DAEMONSETS);
                            self.dirty.extend(daemons.cloned().collect::<Vec<_>>());
                        }
                        res if WORKLOADS.contains(&res) && current.is_some() => {
                            self.dirty.insert(key.clone());
                        }
                        _ => {}
                    }
                }
                Ok(Signal::Expire) => {}
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => return true,
                Err(broadcast::error::TryRecvError::Lagged(_)) => return false,
            }
        }
    }

    /// Keeps the ownership indexes current and marks the owner of a changed object dirty.
    fn index(&mut self, key: &Key, previous: Option<&Arc<Stored>>, current: Option<&Arc<Stored>>) {
        if let Some(owner) = previous.and_then(|p| p.owner_uid.clone()) {
            if let Some(set) = self.owned.get_mut(&owner) {
                set.remove(key);
            }
            self.mark_owner(&owner);
        }
        if WORKLOADS.contains(&key.0) {
            if let Some(p) = previous {
                self.workloads_by_uid.remove(&p.uid);
            }
            if let Some(c) = current {
                self.workloads_by_uid.insert(c.uid.clone(), key.clone());
            }
        }
        if let Some(c) = current
            && let Some(owner) = c.owner_uid.clone()
        {
            self.owned.entry(owner.clone()).or_default().insert(key.clone());
            self.mark_owner(&owner);
        }
    }

    fn mark_owner(&mut self, owner_uid: &str) {
        if let Some(k) = self.workloads_by_uid.get(owner_uid) {
            self.dirty.insert(k.clone());
        }
    }

    fn track_pod(&mut self, key: &Key, pod: &Value, now: f64) {
        let bound = pod["spec"]["nodeName"].as_str().is_some_and(|n| !n.is_empty());
        if bound && kubelet::is_cni_agent(pod) {
            let ready = pod["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"));
            let node = pod["spec"]["nodeName"].as_str().unwrap_or_default().to_string();
            self.cni_agents.insert(key.clone(), (node, ready));
        } else {
            self.cni_agents.remove(key);
        }
        let finished = matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"));
        if !bound && !finished && !pod["metadata"]["deletionTimestamp"].is_string() {
            self.unscheduled.entry(key.clone()).or_insert(now);
        } else {
            self.unscheduled.remove(key);
        }
        let due = kubelet::next_due(pod, now);
        self.set_timer(key, due);
    }

    fn forget_pod(&mut self, key: &Key) {
        self.unscheduled.remove(key);
        self.cni_agents.remove(key);
        self.set_timer(key, None);
    }

    /// Whether new sandboxes on `node` get a network: it has no CNI agent of its own, or one that is ready.
    fn network_ready(&self, node: &str) -> bool {
        let mut agents = self.cni_agents.values().filter(|(n, _)| n == node).peekable();
        agents.peek().is_none() || agents.any(|(_, ready)| *ready)
    }

    fn set_timer(&mut self, key: &Key, due: Option<f64>) {
        if let Some(old) = self.due.remove(key) {
            self.timers.remove(&(old, key.clone()));
        }
        if let Some(t) = due {
            let ms = (t * 1000.0) as i64;
            self.timers.insert((ms, key.clone()));
            self.due.insert(key.clone(), ms);
        }
    }

    fn schedule(&mut self, now: f64) {
        let ready: Vec<Key> = self.unscheduled.iter().filter(|(_, t)| **t <= now).map(|(k, _)| k.clone()).collect();
        if ready.is_empty() {
            return;
        }
        let (_, objects) = self.world.store.snapshot();
        let mut used: HashMap<String, u32> = HashMap::new();
        for (_, pod) in objects.range(super::store::range(resources::PODS, None)) {
            let node = pod.field(resources::PODS, "spec.nodeName").unwrap_or_default();
            let phase = pod.field(resources::PODS, "status.phase").unwrap_or_default();
            if pod.gpus > 0 && !node.is_empty() && !matches!(phase, "Succeeded" | "Failed") {
                *used.entry(node.to_string()).or_default() += pod.gpus;
            }
        }
        let mut nodes: Vec<NodeView> = objects
            .range(super::store::range(resources::NODES, None))
            .map(|(k, n)| NodeView::from_node(&n.value(), used.get(&k.2).copied().unwrap_or(0)))
            .collect();
        for key in ready {
            let Some(stored) = objects.get(&key) else {
                self.unscheduled.remove(&key);
                continue;
            };
            let pod = stored.value();
            match scheduler::place(&pod, &nodes) {
                Ok(node) => {
                    let mut bound = pod.clone();
                    bound["spec"]["nodeName"] = json!(node);
                    kubelet::set_creating(&mut bound, now);
                    if validator::is_validator(&pod) {
                        let key = (resources::NODES, String::new(), node.clone());
                        let product = objects.get(&key).and_then(|n| n.labels.get(dcgm::PRODUCT_LABEL).cloned());
                        let faulty = dcgm::faulty_node(&objects).as_deref() == Some(node.as_str());
                        validator::on_bind(&mut bound, &product.unwrap_or_default(), faulty);
                    }
                    if self.world.store.replace(resources::PODS, bound, stored.rv).is_ok() {
                        let ns = object::namespace(&pod);
                        let message = format!("Successfully assigned {ns}/{} to {node}", key.2);
                        self.record(
                            &pod,
                            &EventSpec { warning: false, reason: "Scheduled", message, component: "default-scheduler" },
                            now,
                        );
                        if let Some(n) = nodes.iter_mut().find(|n| n.name == node) {
                            n.gpu_used += stored.gpus;
                        }
                        self.unscheduled.remove(&key);
                    }
                }
                Err(message) => {
                    self.unscheduled.insert(key.clone(), now + SCHEDULE_RETRY_S);
                    let mut next = pod.clone();
                    let at = clock::rfc3339(now as i64);
                    let since =
                        pod["status"]["conditions"][0]["lastTransitionTime"].as_str().unwrap_or(&at).to_string();
                    next["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": message, "lastProbeTime": null, "lastTransitionTime": since}]);
                    if next != pod {
                        let _ = self.world.store.replace(resources::PODS, next, stored.rv);
                    }
                    self.record(
                        &pod,
                        &EventSpec {
                            warning: true,
                            reason: "FailedScheduling",
                            message,
                            component: "default-scheduler",
                        },
                        now,
                    );
                }
            }
        }
    }

    fn fire_timers(&mut self, now: f64) {
        let now_ms = (now * 1000.0) as i64;
        while let Some((due, key)) = self.timers.first().cloned() {
            if due > now_ms {
                break;
            }
            self.timers.remove(&(due, key.clone()));
            self.due.remove(&key);
            let Some(stored) = self.world.store.get(&key) else { continue };
            // A stopped kubelet does nothing for its pods until it starts again.
            let node = stored.field(resources::PODS, "spec.nodeName").unwrap_or_default();
            if !node.is_empty() && self.world.faults.kubelet_stopped(node) {
                self.set_timer(&key, Some(now + nodehealth::MONITOR_PERIOD_S));
                continue;
            }
            let pod = stored.value();
            let step = kubelet::step(&pod, now, self.network_ready(node));
            let written = match &step.pod {
                None => deletion::kubelet_done(&self.world, &key, stored.rv),
                Some(next) if *next == pod => Ok(()),
                Some(next) => self.world.store.replace(resources::PODS, next.clone(), stored.rv).map(|_| ()),
            };
            match written {
                Ok(()) => {
                    for e in &step.events {
                        self.record(&pod, e, now);
                    }
                    self.set_timer(&key, step.next);
                }
                // Someone else changed the pod meanwhile: look again shortly.
                Err(_) => self.set_timer(&key, Some(now + 0.5)),
            }
        }
    }

    fn owned_objects(&self, uid: &str) -> Vec<(Key, Arc<Stored>)> {
        self.owned
            .get(uid)
            .map(|keys| keys.iter().filter_map(|k| self.world.store.get(k).map(|o| (k.clone(), o))).collect())
            .unwrap_or_default()
    }

    fn reconcile(&mut self, now: f64) {
        let at = clock::rfc3339(now as i64);
        let dirty = std::mem::take(&mut self.dirty);
        for key in dirty {
            let Some(stored) = self.world.store.get(&key) else {
                self.rolling.remove(&key);
                continue;
            };
            // A workload being deleted makes no new pods (each controller checks its DeletionTimestamp).
            if stored.terminating {
                continue;
            }
            let obj = stored.value();
            let owned = self.owned_objects(&stored.uid);
            let actions = match key.0 {
                resources::REPLICASETS => workloads::reconcile_replicaset(&obj, stored.rv, &owned, &mut self.rng),
                resources::DEPLOYMENTS => {
                    let rses: Vec<(Value, u64)> = owned
                        .iter()
                        .filter(|(k, _)| k.0 == resources::REPLICASETS)
                        .map(|(_, o)| (o.value(), o.rv))
                        .collect();
                    let actions = workloads::reconcile_deployment(&obj, stored.rv, &rses, &at);
                    let written = actions.iter().rev().find_map(|a| match a {
                        Action::Update(resources::DEPLOYMENTS, d, _) => Some(d),
                        _ => None,
                    });
                    if workloads::deployment_rolling(written.unwrap_or(&obj)) {
                        self.rolling.insert(key.clone());
                    } else {
                        self.rolling.remove(&key);
                    }
                    actions
                }
                resources::STATEFULSETS => workloads::reconcile_statefulset(&obj, stored.rv, &owned),
                resources::JOBS => workloads::reconcile_job(&obj, stored.rv, &owned, &mut self.rng, &at),
                resources::CRONJOBS => cronjob::reconcile(&obj, stored.rv, &owned, now as i64),
                resources::DAEMONSETS => {
                    let (_, objects) = self.world.store.snapshot();
                    let nodes: Vec<Value> =
                        objects.range(super::store::range(resources::NODES, None)).map(|(_, n)| n.value()).collect();
                    daemonset::reconcile(&obj, stored.rv, &owned, &nodes, &mut self.rng)
                }
                _ => Vec::new(),
            };
            self.apply(actions, now);
        }
    }

    fn apply(&mut self, actions: Vec<Action>, now: f64) {
        for action in actions {
            match action {
                Action::Create(res, obj) => {
                    if let Err(e) = self.world.store.create(res, obj) {
                        tracing::debug!("controller create failed: {e}");
                    }
                }
                Action::Update(res, obj, rv) => {
                    let key = (res, object::namespace(&obj).to_string(), object::name(&obj).to_string());
                    if self.world.store.replace(res, obj, rv).is_err() {
                        // Stale: reconcile again with the newer object next tick.
                        self.dirty.insert(key);
                    }
                }
                Action::Terminate(key) => {
                    if let Some(stored) = self.world.store.get(&key).filter(|s| !s.terminating) {
                        // A scale-down deletes the pod gracefully, as the replica controllers do through the API.
                        let opts = deletion::DeleteOptions {
                            precondition_uid: Some(stored.uid.clone()),
                            ..Default::default()
                        };
                        // Gone or changed meanwhile: the next reconcile looks again.
                        let _ = deletion::delete(&self.world, &key, &opts);
                    }
                }
                Action::Delete(key) => {
                    // Gone already: nothing to do.
                    let _ = deletion::delete(&self.world, &key, &deletion::DeleteOptions::default());
                }
                Action::Event(involved, spec) => self.record(&involved, &spec, now),
            }
        }
    }

    fn refresh_churn_pool(&mut self) {
        if self.churn_per_s <= 0.0 {
            return;
        }
        let (_, objects) = self.world.store.snapshot();
        self.churn_pool = objects
            .range(super::store::range(resources::PODS, None))
            .filter(|(_, p)| p.ready && !p.terminating)
            .map(|(k, _)| k.clone())
            .collect();
    }

    /// `--churn`: that many pod status updates per second, each a container restart of a running pod.
    fn churn(&mut self) {
        if self.churn_pool.is_empty() {
            return;
        }
        // Owed by elapsed time, not ticks, so a slow tick does not lower the rate.
        self.churn_debt += self.churn_per_s * self.last_churn.elapsed().as_secs_f64();
        self.last_churn = Instant::now();
        while self.churn_debt >= 1.0 {
            self.churn_debt -= 1.0;
            let key = &self.churn_pool[self.rng.below(self.churn_pool.len() as u64) as usize];
            let Some(stored) = self.world.store.get(key) else { continue };
            let pod = stored.value();
            let now = clock::now_f64();
            let Some(started) = pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
                .as_str()
                .and_then(clock::parse_rfc3339)
            else {
                continue;
            };
            let restarts = pod["status"]["containerStatuses"][0]["restartCount"].as_i64().unwrap_or(0);
            let container = pod["spec"]["containers"][0]["name"].as_str().unwrap_or_default().to_string();
            let last = kubelet::terminated("Error", 1, started, now, &pod, &container, restarts);
            let mut next = pod.clone();
            kubelet::set_running(&mut next, now, restarts + 1, last);
            // Lets a watcher measure delivery latency to the millisecond.
            next["metadata"]["annotations"][CHURNED_AT] = json!(format!("{now:.6}"));
            let _ = self.world.store.replace(resources::PODS, next, stored.rv);
        }
    }
}
