//! What breaks between the pods: Services, Ingresses, TLS certificates, claims and volumes, network policies,
//! autoscalers, probes and the node layer (CNI, kubelet versions, Leases), judged into triage lines. Holds the
//! facts the sources send and indexes over them; each change marks what it can affect, and `settle` judges only
//! that (and what a clock threshold has reached). Pure.

mod certificates;
mod nodes;
mod policy;
mod probes;
mod services;
mod storage;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};

use super::table::{Delta, Table};
use super::triage::{self, TriageRow, Warnings};
use crate::event::{Facts, ObjectAddress};
use crate::model::events::WarningEvent;
use crate::model::nodelayer::{DaemonSetFacts, LeaseFacts};
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::policies::{AutoscalerFacts, PolicyFacts};
use crate::model::services::{IngressFacts, ServiceFacts, SliceFacts};
use crate::model::storage::{ClaimFacts, VolumeFacts, VolumeUsage};
use crate::model::tls::TlsSecret;
use crate::model::workloads::WorkloadRow;
use crate::model::{Health, ObjectId};

/// Pod events that are grouped into lines here rather than shown per pod.
pub const GROUPED_REASONS: [&str; 2] = [nodes::SANDBOX_FAILED, probes::UNHEALTHY];

/// How often the kubelets of nodes with mounted claims are asked how full those claims are.
pub const VOLUME_STATS_EVERY: i64 = 60;

/// The kinds this judges, as triage labels them and the API addresses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub label: &'static str,
    pub api_version: &'static str,
    pub kind: &'static str,
}

pub const SERVICE: Kind = Kind { label: "service", api_version: "v1", kind: "Service" };
pub const INGRESS: Kind = Kind { label: "ingress", api_version: "networking.k8s.io/v1", kind: "Ingress" };
pub const SECRET: Kind = Kind { label: "secret", api_version: "v1", kind: "Secret" };
pub const CLAIM: Kind = Kind { label: "pvc", api_version: "v1", kind: "PersistentVolumeClaim" };
pub const VOLUME: Kind = Kind { label: "pv", api_version: "v1", kind: "PersistentVolume" };
pub const POLICY: Kind = Kind { label: "netpol", api_version: "networking.k8s.io/v1", kind: "NetworkPolicy" };
pub const AUTOSCALER: Kind = Kind { label: "hpa", api_version: "autoscaling/v2", kind: "HorizontalPodAutoscaler" };
pub const NODE: Kind = Kind { label: "node", api_version: "v1", kind: "Node" };
pub const POD: Kind = Kind { label: "pod", api_version: "v1", kind: "Pod" };

/// One problem, before it is a line: what, why, how bad, since when.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub problem: &'static str,
    pub why: String,
    pub severity: Health,
    /// Rank inside a severity (see `triage`: nodes 95, crash loops 90…).
    pub weight: i64,
    pub since: i64,
}

impl Finding {
    /// The triage line keyed `key`, about object `id` of `kind`.
    pub fn line(self, key: String, kind: Kind, id: &ObjectId) -> TriageRow {
        TriageRow {
            id: ObjectId { uid: key, ..id.clone() },
            object: None,
            address: Some(ObjectAddress {
                api_version: kind.api_version.into(),
                kind: kind.kind.into(),
                namespace: id.namespace.clone(),
                name: id.name.clone(),
            }),
            kind: kind.label.into(),
            problem: self.problem.into(),
            why: self.why,
            severity: self.severity,
            weight: self.weight,
            since: self.since,
        }
    }
}

/// A judgement: the problem if any, and when the verdict changes by itself (a Pending claim turns an error after
/// two minutes, a certificate nears its expiry).
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub finding: Option<Finding>,
    pub recheck: Option<i64>,
}

impl Verdict {
    pub fn fine() -> Self {
        Verdict::default()
    }

    pub fn of(finding: Finding) -> Self {
        Verdict { finding: Some(finding), recheck: None }
    }

    pub fn recheck(mut self, at: Option<i64>) -> Self {
        self.recheck = at;
        self
    }
}

/// What a change can make wrong or right again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Subject {
    Service(String),
    Ingress(String),
    Secret(String),
    Claim(String),
    Volume(String),
    /// A namespace's network policies against the Services in it.
    Policies(String),
    Autoscaler(String),
    /// Every node's CNI pod, kubelet version and Lease.
    NodeLayer,
    /// Readiness and liveness failures, per workload.
    Probes,
}

/// `(namespace, name)`.
type Name = (String, String);

fn name_of(id: &ObjectId) -> Name {
    (id.namespace.clone(), id.name.clone())
}

#[derive(Debug, Default)]
pub struct Fabric {
    services: HashMap<String, ServiceFacts>,
    service_named: HashMap<Name, String>,
    /// Each namespace's Services: a default-deny is weighed against its own namespace's alone.
    services_in: HashMap<String, BTreeSet<String>>,
    slices: HashMap<String, SliceFacts>,
    /// A Service's slices, by the Service's name.
    slices_of: HashMap<Name, BTreeSet<String>>,
    ingresses: HashMap<String, IngressFacts>,
    /// The Ingresses sending to a Service.
    ingresses_to: HashMap<Name, BTreeSet<String>>,
    /// The Ingresses naming a TLS Secret.
    ingresses_with_secret: HashMap<Name, BTreeSet<String>>,
    /// ExternalName Services pointing at a Service.
    aliases_of: HashMap<Name, BTreeSet<String>>,
    secrets: HashMap<String, TlsSecret>,
    secret_named: HashMap<Name, String>,
    claims: HashMap<String, ClaimFacts>,
    claim_named: HashMap<Name, String>,
    /// The pods mounting each claim.
    claim_users: HashMap<Name, BTreeSet<String>>,
    usage: HashMap<Name, VolumeUsage>,
    /// Why a node's stats could not be read (403, timeout), until they can.
    stats_refused: HashMap<String, String>,
    volumes: HashMap<String, VolumeFacts>,
    policies: HashMap<String, PolicyFacts>,
    policies_in: HashMap<String, BTreeSet<String>>,
    autoscalers: HashMap<String, AutoscalerFacts>,
    /// The CNI DaemonSets, by uid.
    cnis: HashMap<String, DaemonSetFacts>,
    /// DaemonSets with a rolling update under way, by uid: what the stuck-rollout judge looks at.
    rolling_daemonsets: HashMap<String, DaemonSetFacts>,
    leases: HashMap<String, LeaseFacts>,
    /// Every pod uid of each namespace: a broken Service's selector is matched against its namespace alone.
    pods_in: HashMap<String, HashSet<String>>,
    /// Pods whose sandbox could not be created (`FailedCreatePodSandBox`): the latest message each.
    sandbox_failures: std::collections::BTreeMap<String, WarningEvent>,
    /// Pods failing a probe (`Unhealthy`): the latest event each.
    probe_failures: std::collections::BTreeMap<String, WarningEvent>,
    /// The API server's minor version, for kubelet skew.
    server_minor: Option<u32>,
    /// Resources whose first list arrived; a rule that reads one waits for it (no Service is "without endpoints"
    /// before the slices have been listed).
    synced: HashSet<&'static str>,
    dirty: BTreeSet<Subject>,
    rechecks: BTreeSet<(i64, Subject)>,
    /// The keys of lines that stand for a group (a namespace, a node, a workload), by family.
    group_lines: HashMap<&'static str, HashSet<String>>,
    /// When the kubelets were last asked for volume stats.
    stats_asked: Option<i64>,
    /// Facts or stats arrived since `take_changed` was last asked (the views' own columns follow them).
    changed: bool,
}

/// Applies `delta` to `map`; returns the objects that left it (deleted, replaced, or gone in a relist) and the uids
/// that arrived, so the caller can keep its indexes.
fn apply<T>(map: &mut HashMap<String, T>, delta: Delta<T>, uid: fn(&T) -> &str) -> (Vec<T>, Vec<String>) {
    let mut left = Vec::new();
    if delta.reset {
        left.extend(map.drain().map(|(_, v)| v));
    }
    for gone in &delta.deletes {
        left.extend(map.remove(gone));
    }
    let mut arrived = Vec::with_capacity(delta.upserts.len());
    for obj in delta.upserts {
        let key = uid(&obj).to_string();
        left.extend(map.insert(key.clone(), obj));
        arrived.push(key);
    }
    (left, arrived)
}

fn index(map: &mut HashMap<Name, BTreeSet<String>>, key: Name, uid: &str, add: bool) {
    if add {
        map.entry(key).or_default().insert(uid.to_string());
    } else if let Some(set) = map.get_mut(&key) {
        set.remove(uid);
        if set.is_empty() {
            map.remove(&key);
        }
    }
}

impl Fabric {
    /// The DaemonSets whose rolling update is under way.
    pub fn rolling_daemonsets(&self) -> impl Iterator<Item = &DaemonSetFacts> {
        self.rolling_daemonsets.values()
    }

    /// Whether facts or stats arrived since this was last asked.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    pub fn absorb(&mut self, facts: Facts) {
        self.changed = true;
        match facts {
            Facts::Services(delta) => self.absorb_services(delta),
            Facts::Slices(delta) => self.absorb_slices(delta),
            Facts::Ingresses(delta) => self.absorb_ingresses(delta),
            Facts::Secrets(delta) => {
                if self.synced.insert("secrets") {
                    self.waited_for();
                }
                let (left, arrived) = apply(&mut self.secrets, delta, |s| &s.id.uid);
                for secret in &left {
                    self.secret_named.remove(&name_of(&secret.id));
                    self.secret_touched(&secret.id.clone());
                }
                for uid in arrived {
                    let Some(id) = self.secrets.get(&uid).map(|s| s.id.clone()) else { continue };
                    self.secret_named.insert(name_of(&id), uid);
                    self.secret_touched(&id);
                }
            }
            Facts::Claims(delta) => {
                self.synced.insert("persistentvolumeclaims");
                let (left, arrived) = apply(&mut self.claims, delta, |c| &c.id.uid);
                for c in &left {
                    self.claim_named.remove(&name_of(&c.id));
                    self.dirty.insert(Subject::Claim(c.id.uid.clone()));
                }
                for uid in arrived {
                    if let Some(c) = self.claims.get(&uid) {
                        self.claim_named.insert(name_of(&c.id), uid.clone());
                    }
                    self.dirty.insert(Subject::Claim(uid));
                }
            }
            Facts::Volumes(delta) => {
                let (left, arrived) = apply(&mut self.volumes, delta, |v| &v.id.uid);
                self.dirty.extend(left.iter().map(|v| Subject::Volume(v.id.uid.clone())));
                self.dirty.extend(arrived.into_iter().map(Subject::Volume));
            }
            Facts::Policies(delta) => {
                let (left, arrived) = apply(&mut self.policies, delta, |p| &p.id.uid);
                for p in &left {
                    index_ns(&mut self.policies_in, &p.id, false);
                    self.dirty.insert(Subject::Policies(p.id.namespace.clone()));
                }
                for uid in arrived {
                    let Some(p) = self.policies.get(&uid) else { continue };
                    index_ns(&mut self.policies_in, &p.id, true);
                    self.dirty.insert(Subject::Policies(p.id.namespace.clone()));
                }
            }
            Facts::Autoscalers(delta) => {
                let (left, arrived) = apply(&mut self.autoscalers, delta, |a| &a.id.uid);
                self.dirty.extend(left.iter().map(|a| Subject::Autoscaler(a.id.uid.clone())));
                self.dirty.extend(arrived.into_iter().map(Subject::Autoscaler));
            }
            Facts::DaemonSets(mut delta) => {
                if delta.reset {
                    self.rolling_daemonsets.clear();
                }
                for uid in &delta.deletes {
                    self.rolling_daemonsets.remove(uid);
                }
                for d in &delta.upserts {
                    match d.rolling {
                        Some(_) => self.rolling_daemonsets.insert(d.id.uid.clone(), d.clone()),
                        None => self.rolling_daemonsets.remove(&d.id.uid),
                    };
                }
                // Of the rest only the CNI's DaemonSet matters; the others are dropped at the door.
                delta.upserts.retain(|d| d.cni.is_some());
                apply(&mut self.cnis, delta, |d| &d.id.uid);
                self.dirty.insert(Subject::NodeLayer);
            }
            Facts::Leases(delta) => {
                self.synced.insert("leases");
                apply(&mut self.leases, delta, |l| &l.id.uid);
                self.dirty.insert(Subject::NodeLayer);
            }
        }
    }

    fn absorb_services(&mut self, delta: Delta<ServiceFacts>) {
        if self.synced.insert("services") {
            self.waited_for();
        }
        let (left, arrived) = apply(&mut self.services, delta, |s| &s.id.uid);
        for s in &left {
            self.service_named.remove(&name_of(&s.id));
            self.service_touched(s, false);
        }
        for uid in arrived {
            let Some(s) = self.services.get(&uid).cloned() else { continue };
            self.service_named.insert(name_of(&s.id), uid);
            self.service_touched(&s, true);
        }
    }

    /// A Service came or went: it, whatever routes to it and its namespace's policies are judged again.
    fn service_touched(&mut self, s: &ServiceFacts, present: bool) {
        let name = name_of(&s.id);
        if let Some(target) = &s.routes_to {
            index(&mut self.aliases_of, target.clone(), &s.id.uid, present);
            self.touch_service_named(target);
        }
        index_ns(&mut self.services_in, &s.id, present);
        self.dirty.insert(Subject::Service(s.id.uid.clone()));
        self.dirty.insert(Subject::Policies(s.id.namespace.clone()));
        self.touch_routes_to(&name);
    }

    fn touch_service_named(&mut self, name: &Name) {
        if let Some(uid) = self.service_named.get(name) {
            self.dirty.insert(Subject::Service(uid.clone()));
        }
    }

    fn touch_routes_to(&mut self, name: &Name) {
        let ingresses = self.ingresses_to.get(name).into_iter().flatten();
        self.dirty.extend(ingresses.map(|uid| Subject::Ingress(uid.clone())));
    }

    /// A list the Service and Ingress rules wait for arrived for the first time: what they skipped is judged now.
    fn waited_for(&mut self) {
        self.dirty.extend(self.services.keys().map(|u| Subject::Service(u.clone())));
        self.dirty.extend(self.ingresses.keys().map(|u| Subject::Ingress(u.clone())));
    }

    /// A TLS Secret came or went: it and the Ingresses serving it are judged again.
    fn secret_touched(&mut self, id: &ObjectId) {
        self.dirty.insert(Subject::Secret(id.uid.clone()));
        let ingresses = self.ingresses_with_secret.get(&name_of(id)).into_iter().flatten();
        self.dirty.extend(ingresses.map(|uid| Subject::Ingress(uid.clone())));
    }

    fn absorb_slices(&mut self, delta: Delta<SliceFacts>) {
        if self.synced.insert("endpointslices") {
            self.waited_for();
        }
        let (left, arrived) = apply(&mut self.slices, delta, |s| &s.id.uid);
        let mut touched: BTreeSet<Name> = BTreeSet::new();
        for s in &left {
            let service = (s.id.namespace.clone(), s.service.clone());
            index(&mut self.slices_of, service.clone(), &s.id.uid, false);
            touched.insert(service);
        }
        for uid in arrived {
            let Some(s) = self.slices.get(&uid) else { continue };
            let service = (s.id.namespace.clone(), s.service.clone());
            index(&mut self.slices_of, service.clone(), &uid, true);
            touched.insert(service);
        }
        for service in touched {
            self.touch_service_named(&service);
            self.touch_routes_to(&service);
            for alias in self.aliases_of.get(&service).into_iter().flatten() {
                self.dirty.insert(Subject::Service(alias.clone()));
            }
            self.dirty.insert(Subject::Policies(service.0));
        }
    }

    fn absorb_ingresses(&mut self, delta: Delta<IngressFacts>) {
        self.synced.insert("ingresses");
        let (left, arrived) = apply(&mut self.ingresses, delta, |i| &i.id.uid);
        for i in &left {
            self.ingress_indexed(i, false);
        }
        for uid in arrived {
            let Some(i) = self.ingresses.get(&uid).cloned() else { continue };
            self.ingress_indexed(&i, true);
        }
    }

    fn ingress_indexed(&mut self, i: &IngressFacts, present: bool) {
        let ns = &i.id.namespace;
        for backend in &i.backends {
            let name = (ns.clone(), backend.clone());
            index(&mut self.ingresses_to, name.clone(), &i.id.uid, present);
            self.touch_service_named(&name);
        }
        for tls in &i.tls {
            let name = (ns.clone(), tls.secret.clone());
            index(&mut self.ingresses_with_secret, name.clone(), &i.id.uid, present);
            if let Some(uid) = self.secret_named.get(&name) {
                self.dirty.insert(Subject::Secret(uid.clone()));
            }
        }
        self.dirty.insert(Subject::Ingress(i.id.uid.clone()));
    }

    /// Pods changed (`old` → `new`; either may be absent): the claims they mount and, for a CNI pod or one
    /// without a sandbox, the node layer.
    pub fn pod_changed(&mut self, old: Option<&PodRow>, new: Option<&PodRow>) {
        for (pod, present) in [(old, false), (new, true)] {
            let Some(p) = pod else { continue };
            let ns = self.pods_in.entry(p.id.namespace.clone()).or_default();
            if present {
                ns.insert(p.id.uid.clone());
            } else {
                ns.remove(&p.id.uid);
            }
            for claim in &p.claims {
                let name = (p.id.namespace.clone(), claim.clone());
                index(&mut self.claim_users, name.clone(), &p.id.uid, present);
                if let Some(uid) = self.claim_named.get(&name) {
                    self.dirty.insert(Subject::Claim(uid.clone()));
                }
            }
            let cni_pod = p.owner.as_ref().is_some_and(|(kind, name)| {
                kind == "DaemonSet"
                    && self.cnis.values().any(|d| d.id.name == *name && d.id.namespace == p.id.namespace)
            });
            if cni_pod || self.sandbox_failures.contains_key(&p.id.uid) {
                self.dirty.insert(Subject::NodeLayer);
            }
            if self.probe_failures.contains_key(&p.id.uid) {
                self.dirty.insert(Subject::Probes);
            }
        }
    }

    /// Every pod was listed again.
    pub fn pods_reset<'a>(&mut self, pods: impl Iterator<Item = &'a PodRow>) {
        self.pods_in.clear();
        self.claim_users.clear();
        for p in pods {
            self.pod_changed(None, Some(p));
        }
        self.dirty.extend(self.claims.keys().map(|uid| Subject::Claim(uid.clone())));
        self.dirty.insert(Subject::NodeLayer);
        self.dirty.insert(Subject::Probes);
    }

    /// The API server said its version (`v1.32.4`).
    pub fn server_version(&mut self, version: &str) {
        self.server_minor =
            version.trim_start_matches('v').split('.').nth(1).and_then(|m| m.trim_end_matches('+').parse().ok());
        self.dirty.insert(Subject::NodeLayer);
    }

    /// Nodes changed: their CNI, kubelet and Lease lines are judged again.
    pub fn nodes_changed(&mut self) {
        self.dirty.insert(Subject::NodeLayer);
    }

    /// Warning events arrived: sandbox and probe failures are kept apart, for the node and workload lines that
    /// group them.
    pub fn warnings_arrived(&mut self, delta: &Delta<WarningEvent>) {
        if delta.reset {
            self.sandbox_failures.clear();
            self.probe_failures.clear();
            self.dirty.insert(Subject::NodeLayer);
            self.dirty.insert(Subject::Probes);
        }
        for e in &delta.upserts {
            // A claim's line says its binder's or provisioner's latest Warning.
            if e.kind == "PersistentVolumeClaim" && self.claims.contains_key(&e.object.uid) {
                self.dirty.insert(Subject::Claim(e.object.uid.clone()));
            }
            let kept = match (e.kind.as_str(), e.reason.as_str()) {
                ("Pod", nodes::SANDBOX_FAILED) => (&mut self.sandbox_failures, Subject::NodeLayer),
                ("Pod", probes::UNHEALTHY) => (&mut self.probe_failures, Subject::Probes),
                _ => continue,
            };
            let newer = kept.0.get(&e.object.uid).is_none_or(|seen| seen.last <= e.last);
            if newer {
                kept.0.insert(e.object.uid.clone(), e.clone());
                self.dirty.insert(kept.1);
            }
        }
    }

    /// A node's kubelet answered the stats summary (or could not).
    pub fn absorb_volume_stats(&mut self, node: &str, result: Result<crate::model::storage::ClaimUsage, String>) {
        self.changed = true;
        match result {
            Ok(usage) => {
                self.stats_refused.remove(node);
                for (name, used) in usage {
                    if let Some(uid) = self.claim_named.get(&name) {
                        self.dirty.insert(Subject::Claim(uid.clone()));
                    }
                    self.usage.insert(name, used);
                }
            }
            Err(why) => {
                self.stats_refused.insert(node.to_string(), why);
            }
        }
    }

    /// A Service's (ready, not ready) endpoints once the slices are listed; None for one without a selector.
    pub fn endpoints_of(&self, namespace: &str, name: &str) -> Option<(u32, u32)> {
        let uid = self.service_named.get(&(namespace.to_string(), name.to_string()))?;
        let selects = self.services.get(uid).is_some_and(|s| !s.selector.is_empty());
        if !selects || !self.synced.contains("endpointslices") {
            return None;
        }
        let ends = services::endpoints(self, namespace, name);
        Some((ends.ready, ends.not_ready))
    }

    /// The certificate of TLS Secret `uid`, or why it does not parse; None for any other Secret.
    pub fn certificate_of(&self, uid: &str) -> Option<&Result<crate::model::certificate::Certificate, String>> {
        self.secrets.get(uid).map(|s| &s.certificate)
    }

    /// How full a claim was at the last answer of its node's kubelet.
    pub fn usage_of(&self, namespace: &str, claim: &str) -> Option<VolumeUsage> {
        self.usage.get(&(namespace.to_string(), claim.to_string())).copied()
    }

    /// Why a claim's usage cannot be read: the kubelet of a node it is mounted on refused or did not answer.
    pub fn usage_unknown(&self, namespace: &str, claim: &str, pods: &Table<PodRow>) -> Option<String> {
        let users = self.claim_users.get(&(namespace.to_string(), claim.to_string()))?;
        let nodes = users.iter().filter_map(|uid| pods.get(uid)).map(|p| p.node.as_str());
        nodes.filter_map(|n| self.stats_refused.get(n).map(|why| format!("node {n}: {why}"))).next()
    }

    /// The nodes whose kubelets should be asked for volume stats now: those running a pod that mounts a bound
    /// claim, once a minute.
    pub fn stats_due(&mut self, pods: &Table<PodRow>, now: i64) -> Option<Vec<String>> {
        if self.stats_asked.is_some_and(|at| now - at < VOLUME_STATS_EVERY) {
            return None;
        }
        let mut nodes = BTreeSet::new();
        for (name, users) in &self.claim_users {
            let bound =
                self.claim_named.get(name).and_then(|uid| self.claims.get(uid)).is_some_and(|c| c.phase == "Bound");
            if !bound {
                continue;
            }
            let running = users.iter().filter_map(|uid| pods.get(uid)).filter(|p| p.status == "Running");
            nodes.extend(running.map(|p| p.node.clone()));
        }
        if nodes.is_empty() {
            return None;
        }
        self.stats_asked = Some(now);
        Some(nodes.into_iter().collect())
    }

    /// Judges what changed and what a threshold reached; returns the triage lines to replace and remove.
    pub fn settle(&mut self, world: &World<'_>, now: i64) -> Delta<TriageRow> {
        while let Some((at, _)) = self.rechecks.first() {
            if *at > now {
                break;
            }
            if let Some((_, subject)) = self.rechecks.pop_first() {
                self.dirty.insert(subject);
            }
        }
        let mut delta = Delta::default();
        for subject in std::mem::take(&mut self.dirty) {
            self.judge(subject, world, now, &mut delta);
        }
        delta
    }

    fn judge(&mut self, subject: Subject, world: &World<'_>, now: i64, delta: &mut Delta<TriageRow>) {
        let (uid, kind, id, verdict) = match &subject {
            Subject::Service(uid) => {
                let Some(s) = self.services.get(uid) else { return triage::forget(delta, uid) };
                if !self.synced.contains("endpointslices") {
                    return;
                }
                (uid, SERVICE, s.id.clone(), services::judge_service(self, s, world.pods, now))
            }
            Subject::Ingress(uid) => {
                let Some(i) = self.ingresses.get(uid) else { return triage::forget(delta, uid) };
                if !self.synced.contains("endpointslices") || !self.synced.contains("services") {
                    return;
                }
                (uid, INGRESS, i.id.clone(), services::judge_ingress(self, i))
            }
            Subject::Secret(uid) => {
                let Some(secret) = self.secrets.get(uid) else { return triage::forget(delta, uid) };
                (uid, SECRET, secret.id.clone(), certificates::judge_secret(self, secret, now))
            }
            Subject::Claim(uid) => {
                let Some(c) = self.claims.get(uid) else { return triage::forget(delta, uid) };
                (uid, CLAIM, c.id.clone(), storage::judge_claim(self, c, world, now))
            }
            Subject::Volume(uid) => {
                let Some(v) = self.volumes.get(uid) else { return triage::forget(delta, uid) };
                (uid, VOLUME, v.id.clone(), storage::judge_volume(v))
            }
            Subject::Autoscaler(uid) => {
                let Some(a) = self.autoscalers.get(uid) else { return triage::forget(delta, uid) };
                (uid, AUTOSCALER, a.id.clone(), policy::judge_autoscaler(a, now))
            }
            Subject::Policies(ns) => {
                let line = policy::namespace_line(self, ns, world.pods);
                return self.replace_group("netpol", ns, line.into_iter().collect(), delta);
            }
            Subject::NodeLayer => {
                let (lines, recheck) = nodes::lines(self, world, now);
                if let Some(at) = recheck {
                    self.rechecks.insert((at, Subject::NodeLayer));
                }
                return self.replace_group("node", "", lines, delta);
            }
            Subject::Probes => {
                let lines = probes::lines(&self.probe_failures, world, now);
                return self.replace_group("probe", "", lines, delta);
            }
        };
        if let Some(at) = verdict.recheck {
            self.rechecks.insert((at, subject.clone()));
        }
        let own = verdict.finding.map(|f| f.line(uid.clone(), kind, &id));
        triage::track(delta, uid, own, world.warnings);
    }

    /// Replaces the lines of one group family (`scope`: one namespace's, or all when empty) with `lines`.
    fn replace_group(
        &mut self,
        family: &'static str,
        scope: &str,
        lines: Vec<TriageRow>,
        delta: &mut Delta<TriageRow>,
    ) {
        let keys = self.group_lines.entry(family).or_default();
        let prefix = format!("{family}/{scope}");
        let fresh: HashSet<String> = lines.iter().map(|l| l.id.uid.clone()).collect();
        let gone: Vec<String> =
            keys.iter().filter(|k| k.starts_with(&prefix) && !fresh.contains(*k)).cloned().collect();
        for key in gone {
            keys.remove(&key);
            delta.deletes.push(key);
        }
        keys.extend(fresh);
        delta.upserts.extend(lines);
    }

    /// The objects changed since a relist of everything (a new connection): every line is judged again.
    pub fn judge_all(&mut self) {
        self.dirty.extend(self.services.keys().map(|u| Subject::Service(u.clone())));
        self.dirty.extend(self.ingresses.keys().map(|u| Subject::Ingress(u.clone())));
        self.dirty.extend(self.secrets.keys().map(|u| Subject::Secret(u.clone())));
        self.dirty.extend(self.claims.keys().map(|u| Subject::Claim(u.clone())));
        self.dirty.extend(self.volumes.keys().map(|u| Subject::Volume(u.clone())));
        self.dirty.extend(self.autoscalers.keys().map(|u| Subject::Autoscaler(u.clone())));
        self.dirty.extend(self.policies_in.keys().map(|ns| Subject::Policies(ns.clone())));
        self.dirty.insert(Subject::NodeLayer);
        self.dirty.insert(Subject::Probes);
    }
}

fn index_ns(map: &mut HashMap<String, BTreeSet<String>>, id: &ObjectId, add: bool) {
    if add {
        map.entry(id.namespace.clone()).or_default().insert(id.uid.clone());
    } else if let Some(set) = map.get_mut(&id.namespace) {
        set.remove(&id.uid);
        if set.is_empty() {
            map.remove(&id.namespace);
        }
    }
}

/// What the rules read from the rest of the state.
pub struct World<'a> {
    pub pods: &'a Table<PodRow>,
    pub nodes: &'a HashMap<String, NodeRow>,
    pub workloads: &'a Table<WorkloadRow>,
    pub warnings: &'a Warnings,
}
