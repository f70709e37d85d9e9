//! The clusters the sim starts with and the Builder they are made with: `demo` (a small GPU cluster with every
//! failure an operator meets, in demo.rs) and `scale` (as many nodes and pods as asked, in scale.rs). Objects are
//! created by running the real reconcilers once and fast-forwarding each pod's lifecycle into the past, so the result
//! looks like a cluster that has been running for days.

mod demo;
mod fabric;
mod helm;
mod rollouts;
mod scale;
mod training;

use std::collections::HashMap;

use serde_json::{Value, json};

use super::clock;
use super::faults::NODE_MONITOR_GRACE_PERIOD_S;
use super::kubelet::{self, Behavior};
use super::logtext::LOG_PROFILE;
use super::object::{self, GPU};
use super::resources::{self, ResourceId};
use super::rng::Rng;
use super::scheduler::{self, NodeView};
use super::store::Store;
use super::workloads::{self, Action};
use super::{cronjob, daemonset, dcgm, lease, nodehealth};

/// What every node's kubelet runs: the control plane's version and containerd.
const KUBELET_VERSION: &str = "v1.32.4";
const CONTAINER_RUNTIME: &str = "containerd://1.7.22";
/// The port the kubelet serves on (the API server's node proxy dials it).
pub const KUBELET_PORT: u16 = 10250;
/// How long ago a scenario's lost node was given up on.
const LOST_NODE_AGO_S: f64 = 1800.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Demo,
    Scale,
}

/// Builds a scenario into an empty store.
pub struct Builder<'a> {
    store: &'a Store,
    rng: Rng,
    now: f64,
    nodes: Vec<NodeView>,
    /// Nodes whose CNI agent is not ready, with when it went down: pods created there since get no sandbox.
    cni_down: HashMap<String, f64>,
}

/// A workload's pod template knobs.
#[derive(Clone)]
struct Pods {
    image: String,
    gpus: u32,
    pool: Option<&'static str>,
    behavior: Option<&'static str>,
    log: &'static str,
    run_seconds: Option<u64>,
    restart: &'static str,
    /// Named TCP container ports: what a port-forward to the pod can reach (`sim::podnet`).
    ports: &'static [(&'static str, u16)],
    /// (claim, mount path) of each PersistentVolumeClaim the pods mount.
    claims: &'static [(&'static str, &'static str)],
    /// The CPU each pod uses (a quantity), instead of the seeded usage model.
    cpu_usage: Option<&'static str>,
}

impl Pods {
    fn new(image: &str) -> Self {
        Pods {
            image: image.into(),
            gpus: 0,
            pool: None,
            behavior: None,
            log: "serve",
            run_seconds: None,
            restart: "Always",
            ports: &[],
            claims: &[],
            cpu_usage: None,
        }
    }
    fn claims(mut self, claims: &'static [(&'static str, &'static str)]) -> Self {
        self.claims = claims;
        self
    }
    fn cpu_usage(mut self, usage: &'static str) -> Self {
        self.cpu_usage = Some(usage);
        self
    }
    fn ports(mut self, ports: &'static [(&'static str, u16)]) -> Self {
        self.ports = ports;
        self
    }
    fn gpus(mut self, n: u32, pool: &'static str) -> Self {
        self.gpus = n;
        self.pool = Some(pool);
        self
    }
    fn pool(mut self, pool: &'static str) -> Self {
        self.pool = Some(pool);
        self
    }
    fn behavior(mut self, b: &'static str) -> Self {
        self.behavior = Some(b);
        self
    }
    fn job(mut self, run_seconds: u64) -> Self {
        self.log = "train";
        self.run_seconds = Some(run_seconds);
        self.restart = "Never";
        self
    }
    fn log(mut self, log: &'static str) -> Self {
        self.log = log;
        self
    }

    fn template(&self, app: &str) -> Value {
        let mut container = json!({"name": app.split('-').next().unwrap_or(app), "image": self.image,
            "resources": {"requests": {"cpu": if self.gpus > 0 { "8" } else { "250m" }, "memory": if self.gpus > 0 { "64Gi" } else { "512Mi" }}}});
        if !self.ports.is_empty() {
            container["ports"] = container_ports(self.ports);
        }
        if !self.claims.is_empty() {
            container["volumeMounts"] =
                self.claims.iter().map(|(claim, path)| json!({"name": claim, "mountPath": path})).collect();
        }
        let mut spec = json!({"containers": [], "restartPolicy": self.restart});
        if !self.claims.is_empty() {
            spec["volumes"] = self
                .claims
                .iter()
                .map(|(claim, _)| json!({"name": claim, "persistentVolumeClaim": {"claimName": claim}}))
                .collect();
        }
        if self.gpus > 0 {
            container["resources"]["limits"] = json!({GPU: self.gpus.to_string()});
            spec["tolerations"] = json!([{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]);
        }
        spec["containers"] = json!([container]);
        if let Some(pool) = self.pool {
            spec["nodeSelector"] = json!({"gpudeck.io/pool": pool});
        }
        let mut annotations = json!({LOG_PROFILE: self.log});
        if let Some(b) = self.behavior {
            annotations[kubelet::BEHAVIOR] = json!(b);
        }
        if let Some(s) = self.run_seconds {
            annotations[kubelet::RUN_SECONDS] = json!(s.to_string());
        }
        if let Some(usage) = self.cpu_usage {
            annotations[super::metrics::CPU_USAGE] = json!(usage);
        }
        json!({"metadata": {"labels": {"app": app}, "annotations": annotations}, "spec": spec})
    }
}

impl<'a> Builder<'a> {
    pub fn new(store: &'a Store, seed: u64) -> Self {
        Builder {
            store,
            rng: Rng::derive(seed, "scenario"),
            now: clock::now_f64(),
            nodes: Vec::new(),
            cni_down: HashMap::new(),
        }
    }

    fn ago(&self, seconds: f64) -> String {
        clock::rfc3339((self.now - seconds) as i64)
    }

    fn put(&self, res: ResourceId, obj: Value) -> Option<Value> {
        match self.store.create(res, obj) {
            Ok(stored) => Some(stored.value()),
            Err(e) => {
                tracing::warn!("scenario object rejected: {e}");
                None
            }
        }
    }

    fn namespace(&self, name: &str, age_days: f64) {
        self.put(resources::NAMESPACES, json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "creationTimestamp": self.ago(age_days * 86400.0), "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}));
    }

    /// A node; `gpus` > 0 makes it a tainted GPU node of `product`.
    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        name: &str,
        pool: &str,
        gpus: u32,
        product: &str,
        ready: bool,
        disk_pressure: bool,
        control_plane: bool,
        age_days: f64,
    ) {
        let mut labels = json!({"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
            "gpudeck.io/pool": pool, "node.kubernetes.io/instance-type": if gpus == 8 { "p5.48xlarge" } else if gpus > 0 { "p4de.24xlarge" } else { "m7i.8xlarge" },
            "topology.kubernetes.io/zone": format!("us-east-1{}", ['a', 'b', 'c'][(crate::sim::rng::hash(name) % 3) as usize])});
        let mut taints = Vec::new();
        let mut capacity = json!({"cpu": if gpus > 0 { "192" } else { "32" }, "memory": if gpus > 0 { "2097152Mi" } else { "131072Mi" }, "pods": "110", "ephemeral-storage": "1920Gi"});
        if gpus > 0 {
            labels[dcgm::PRODUCT_LABEL] = json!(product);
            labels["nvidia.com/gpu.count"] = json!(gpus.to_string());
            labels["nvidia.com/gpu.present"] = json!("true");
            capacity[GPU] = json!(gpus.to_string());
            taints.push(json!({"key": GPU, "value": "present", "effect": "NoSchedule"}));
        }
        if control_plane {
            labels["node-role.kubernetes.io/control-plane"] = json!("");
        }
        let since = self.ago(age_days * 86400.0);
        // A lost node went silent half an hour ago: its lease stopped renewing then, and the node lifecycle
        // controller gave up on it one grace period later. Others renewed within the last ten seconds and posted
        // status within the last five minutes.
        let lost_at = self.now - LOST_NODE_AGO_S - NODE_MONITOR_GRACE_PERIOD_S as f64 - 4.0 * self.rng.unit();
        let (renewed, heartbeat) = if ready {
            let renewed = self.now - lease::RENEW_INTERVAL_S * self.rng.unit();
            let posted = 290.0 * self.rng.unit();
            (renewed, self.ago(posted))
        } else {
            (lost_at, clock::rfc3339((lost_at - 60.0 - 200.0 * self.rng.unit()) as i64))
        };
        let recent = self.ago(LOST_NODE_AGO_S);
        let cond = |kind: &str, status: &str, reason: &str, message: &str, at: &str| json!({"type": kind, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": heartbeat, "lastTransitionTime": at});
        let unknown =
            |kind: &str| cond(kind, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", &recent);
        let mut conditions = vec![
            cond(
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
                &since,
            ),
            if disk_pressure {
                taints.push(
                    json!({"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule", "timeAdded": recent}),
                );
                cond("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", &recent)
            } else {
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", &since)
            },
            cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", &since),
            cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", &since),
        ];
        if !ready {
            conditions = ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"].map(unknown).to_vec();
            taints.retain(|t| t["key"] != "node.kubernetes.io/disk-pressure");
            taints.push(json!({"key": nodehealth::UNREACHABLE, "effect": "NoSchedule", "timeAdded": recent}));
            taints.push(json!({"key": nodehealth::UNREACHABLE, "effect": "NoExecute", "timeAdded": recent}));
        }
        let node = json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "creationTimestamp": since,
                "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
            "spec": {"podCIDR": format!("10.244.{}.0/24", self.nodes.len()), "providerID": format!("aws:///us-east-1a/i-0{:016x}", self.rng.next_u64()), "taints": taints},
            "status": {"capacity": capacity, "allocatable": capacity, "conditions": conditions,
                "addresses": [{"type": "InternalIP", "address": kubelet::node_ip(name)}, {"type": "Hostname", "address": name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": KUBELET_PORT}},
                "nodeInfo": {"kubeletVersion": KUBELET_VERSION, "kubeProxyVersion": KUBELET_VERSION, "containerRuntimeVersion": CONTAINER_RUNTIME,
                    "osImage": "Ubuntu 22.04.5 LTS", "kernelVersion": "6.8.0-1021-aws", "operatingSystem": "linux", "architecture": "amd64",
                    "machineID": format!("{:032x}", self.rng.next_u64()), "systemUUID": self.rng.uuid(), "bootID": self.rng.uuid()}}});
        if let Some(stored) = self.put(resources::NODES, node) {
            let mut node_lease = lease::for_node(&stored, renewed);
            node_lease["metadata"]["creationTimestamp"] = json!(since);
            self.put(resources::LEASES, node_lease);
            self.nodes.push(NodeView::from_node(&stored, 0));
        }
    }

    /// A node whose kubelet (and kube-proxy, which reports the same version) lags the control plane.
    fn kubelet_version(&mut self, node: &str, version: &str) {
        let key = (resources::NODES, String::new(), node.to_string());
        let Some(stored) = self.store.get(&key) else { return };
        let mut next = stored.value();
        next["status"]["nodeInfo"]["kubeletVersion"] = json!(version);
        next["status"]["nodeInfo"]["kubeProxyVersion"] = json!(version);
        let _ = self.store.replace(resources::NODES, next, stored.rv);
    }

    /// Binds and fast-forwards a new pod created `age` seconds ago, then stores it.
    fn settle_pod(&mut self, mut pod: Value, age: f64) {
        // Random suffixes collide now and then across 50k pods; pick another, as generateName retries do.
        while self
            .store
            .get(&(resources::PODS, object::namespace(&pod).to_string(), object::name(&pod).to_string()))
            .is_some()
        {
            let name = object::name(&pod).to_string();
            let stem = name.rsplit_once('-').map_or(name.as_str(), |(stem, _)| stem).to_string();
            pod["metadata"]["name"] = json!(format!("{stem}-{}", self.rng.suffix(5)));
        }
        let created = self.now - age;
        pod["metadata"]["creationTimestamp"] = json!(clock::rfc3339(created as i64));
        match scheduler::place(&pod, &self.nodes) {
            Err(message) => {
                pod["status"] = json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [{"type": "PodScheduled", "status": "False",
                    "reason": "Unschedulable", "message": message, "lastProbeTime": null, "lastTransitionTime": clock::rfc3339(created as i64)}]});
            }
            Ok(node) => {
                pod["spec"]["nodeName"] = json!(node);
                pod["metadata"]["uid"] = json!(self.rng.uuid());
                self.fast_forward(&mut pod, created);
                // Finished pods have given their GPUs back.
                if !matches!(pod["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
                    && let Some(n) = self.nodes.iter_mut().find(|n| n.name == node)
                {
                    n.gpu_used += object::gpu_request(&pod["spec"]);
                }
            }
        }
        self.put(resources::PODS, pod);
    }

    /// Puts a bound pod into the state its behaviour would have reached by now.
    fn fast_forward(&mut self, pod: &mut Value, created: f64) {
        let start = created + 4.0;
        let node = pod["spec"]["nodeName"].as_str().unwrap_or_default();
        if self.cni_down.get(node).is_some_and(|since| created >= *since) {
            // Its node's network was already down: the sandbox never came up.
            kubelet::set_creating(pod, created);
            if let Some(next) = kubelet::step(pod, created + 2.0, false).pod {
                *pod = next;
            }
            return;
        }
        let image = pod["spec"]["containers"][0]["image"].as_str().unwrap_or_default().to_string();
        if super::images::pull_error(&image).is_some() {
            kubelet::set_creating(pod, created);
            for t in [created + 2.0, created + 22.0] {
                if let Some(next) = kubelet::step(pod, t, true).pod {
                    *pod = next;
                }
            }
            return;
        }
        match (kubelet::behavior(pod), kubelet::run_seconds(pod, 0)) {
            (Behavior::CrashLoop | Behavior::Oom, _) => {
                let reason = if kubelet::behavior(pod) == Behavior::Oom { "OOMKilled" } else { "Error" };
                // Restarts so far, at the capped back-off, and a last crash recent enough to still be backing off.
                let restarts = (((self.now - start) / 170.0) as i64).clamp(1, 400);
                let finished = self.now - 5.0 - 20.0 * self.rng.unit();
                let run = kubelet::run_seconds(pod, restarts - 1).unwrap_or(5.0);
                kubelet::set_crashloop(pod, restarts, reason, finished - run, finished);
            }
            (b, Some(run)) if start + run <= self.now && pod["spec"]["restartPolicy"] != "Always" => {
                kubelet::set_finished(pod, b == Behavior::Normal, start, start + run);
            }
            _ => kubelet::set_running(pod, start, 0, json!({})),
        }
    }

    /// Creates an owner and runs its reconciler (and its ReplicaSet's) once, settling the pods it asks for.
    fn workload(&mut self, res: ResourceId, obj: Value, age: f64) -> Option<Value> {
        let mut obj = obj;
        obj["metadata"]["creationTimestamp"] = json!(self.ago(age));
        super::defaults::apply(res, &mut obj);
        let owner = self.put(res, obj)?;
        let rv = resource_version(&owner);
        let at = self.ago(age);
        let actions = match res {
            resources::DEPLOYMENTS => workloads::reconcile_deployment(&owner, rv, &[], &at),
            resources::STATEFULSETS => workloads::reconcile_statefulset(&owner, rv, &[]),
            resources::JOBS => workloads::reconcile_job(&owner, rv, &[], &mut self.rng, &at),
            resources::REPLICASETS => workloads::reconcile_replicaset(&owner, rv, &[], &mut self.rng),
            // A ControllerRevision (a StatefulSet's) owns nothing.
            _ => Vec::new(),
        };
        for action in actions {
            if let Action::Create(child_res, mut child) = action {
                if child_res == resources::PODS {
                    let spread = age.min(86400.0) * 0.02 * self.rng.unit();
                    self.settle_pod(child, age - spread);
                } else {
                    child["metadata"]["creationTimestamp"] = json!(self.ago(age));
                    self.workload(child_res, child, age);
                }
            }
        }
        Some(owner)
    }

    fn deployment(&mut self, ns: &str, name: &str, replicas: i64, pods: &Pods, age: f64) {
        self.workload(resources::DEPLOYMENTS, json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": pods.template(name)}}), age);
    }

    fn statefulset(&mut self, ns: &str, name: &str, replicas: i64, pods: &Pods, age: f64) {
        self.workload(resources::STATEFULSETS, json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"app": name}}, "template": pods.template(name)}}), age);
    }

    /// A job created `age` seconds ago whose pods run `pods.run_seconds`; finished jobs get their final status.
    fn job(&mut self, ns: &str, name: &str, completions: i64, backoff_limit: i64, pods: &Pods, age: f64) {
        let owner = self.workload(resources::JOBS, json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"completions": completions, "parallelism": completions, "backoffLimit": backoff_limit, "template": pods.template(name)}}), age);
        let Some(mut job) = owner else { return };
        let run = pods.run_seconds.unwrap_or(0) as f64;
        let started = self.now - age + 2.0;
        let mut status = json!({"startTime": clock::rfc3339(started as i64), "active": completions, "ready": completions, "terminating": 0, "uncountedTerminatedPods": {}});
        let finished_at = clock::rfc3339((started + 2.0 + run) as i64);
        if started + 4.0 + run <= self.now {
            if pods.behavior == Some("fail") {
                // The first pods fail, and so do the retries up to the back-off limit.
                for _ in 0..backoff_limit {
                    let retry = workloads::pod_from_template(
                        &job,
                        resources::JOBS,
                        &format!("{name}-{}", self.rng.suffix(5)),
                        &job["spec"]["template"],
                        &[("job-name", name.to_string()), ("batch.kubernetes.io/job-name", name.to_string())],
                    );
                    self.settle_pod(retry, age - run - 10.0);
                }
                status = json!({"startTime": status["startTime"], "failed": completions + backoff_limit, "active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                    "conditions": [{"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": finished_at, "lastTransitionTime": finished_at},
                                   {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": finished_at, "lastTransitionTime": finished_at}]});
            } else {
                status = json!({"startTime": status["startTime"], "completionTime": finished_at, "succeeded": completions, "active": 0, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                    "conditions": [{"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": finished_at, "lastTransitionTime": finished_at},
                                   {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": finished_at, "lastTransitionTime": finished_at}]});
            }
        }
        let rv = resource_version(&job);
        job["status"] = status;
        job["spec"]["selector"] =
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": job["metadata"]["uid"]}});
        let _ = self.store.replace(resources::JOBS, job, rv);
    }

    /// The pod template of a node agent: one container asking for a little CPU and memory, tolerating every taint,
    /// system-node-critical, on every node or only the GPU nodes.
    fn daemon_template(name: &str, image: &str, ports: &[(&str, u16)], gpu_nodes_only: bool) -> Value {
        let mut template = json!({"metadata": {"labels": {"app": name}, "annotations": {LOG_PROFILE: "system"}},
            "spec": {"containers": [{"name": name, "image": image, "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}],
                "tolerations": [{"operator": "Exists"}], "restartPolicy": "Always", "priorityClassName": "system-node-critical"}});
        if !ports.is_empty() {
            template["spec"]["containers"][0]["ports"] = container_ports(ports);
        }
        if gpu_nodes_only {
            template["spec"]["nodeSelector"] = json!({"nvidia.com/gpu.present": "true"});
        }
        template
    }

    /// A DaemonSet with `template` and the pods and ControllerRevision its controller makes, fast-forwarded to
    /// running; the pod on `broken`'s node was recreated `broken`'s seconds ago and crash-loops since. A CNI agent
    /// that is not ready takes its node's pod network down from its creation on. The controller loop writes the
    /// DaemonSet's status on its first pass.
    fn per_node(&mut self, ns: &str, name: &str, template: Value, age: f64, broken: Option<(&str, f64)>) {
        let mut ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": ns, "labels": template["metadata"]["labels"], "creationTimestamp": self.ago(age)},
            "spec": {"selector": {"matchLabels": template["metadata"]["labels"]}, "template": template}});
        super::defaults::apply(resources::DAEMONSETS, &mut ds);
        let Some(owner) = self.put(resources::DAEMONSETS, ds) else { return };
        let rv = resource_version(&owner);
        let (_, objects) = self.store.snapshot();
        let nodes: Vec<Value> =
            objects.range(super::store::range(resources::NODES, None)).map(|(_, n)| n.value()).collect();
        for action in daemonset::reconcile(&owner, rv, &[], &nodes, &mut self.rng) {
            match action {
                Action::Create(resources::PODS, mut pod) => {
                    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default().to_string();
                    let pod_age = match broken {
                        Some((on, since)) if on == node => {
                            pod["metadata"]["annotations"][kubelet::BEHAVIOR] = json!("crashloop");
                            since
                        }
                        _ => age,
                    };
                    pod["metadata"]["uid"] = json!(self.rng.uuid());
                    pod["metadata"]["creationTimestamp"] = json!(self.ago(pod_age));
                    self.fast_forward(&mut pod, self.now - pod_age);
                    let ready = pod["status"]["containerStatuses"][0]["ready"] == true;
                    if kubelet::is_cni_agent(&pod) && !ready {
                        self.cni_down.insert(node, self.now - pod_age);
                    }
                    self.put(resources::PODS, pod);
                }
                Action::Create(res, mut obj) => {
                    obj["metadata"]["creationTimestamp"] = json!(self.ago(age));
                    self.put(res, obj);
                }
                _ => {}
            }
        }
    }

    /// A CronJob whose last run is its most recent scheduled time (its Jobs long trimmed), so the controller starts
    /// the next one when that time comes.
    fn cronjob(&mut self, ns: &str, name: &str, schedule: &str, suspend: bool, pods: &Pods, age: f64) {
        let mut cj = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}, "creationTimestamp": self.ago(age)},
            "spec": {"schedule": schedule, "suspend": suspend, "jobTemplate": {"metadata": {"labels": {"app": name}},
                "spec": {"backoffLimit": 2, "template": pods.template(name)}}}});
        super::defaults::apply(resources::CRONJOBS, &mut cj);
        if let Ok(parsed) = cronjob::Schedule::parse(schedule) {
            let mut at = (self.now - age) as i64;
            while let Some(next) = parsed.next_after(at).filter(|t| *t as f64 <= self.now) {
                at = next;
            }
            cj["status"] = json!({"lastScheduleTime": clock::rfc3339(at)});
        }
        self.put(resources::CRONJOBS, cj);
    }

    fn service(&self, ns: &str, name: &str, port: u16, age: f64) {
        self.service_to(ns, name, name, &[("metrics", port, port)], age);
    }

    /// A ClusterIP Service selecting `app=<app>` with (name, port, targetPort) ports.
    fn service_to(&self, ns: &str, name: &str, app: &str, ports: &[(&str, u16, u16)], age: f64) {
        let ports: Vec<Value> = ports
            .iter()
            .map(|(port_name, port, target)| json!({"name": port_name, "port": port, "targetPort": target, "protocol": "TCP"}))
            .collect();
        let first = ports.first().and_then(|p| p["port"].as_u64()).unwrap_or(0);
        self.put(resources::SERVICES, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}, "creationTimestamp": self.ago(age)},
            "spec": {"type": "ClusterIP", "clusterIP": format!("10.96.{}.{}", crate::sim::rng::hash(name) % 250, first % 250), "selector": {"app": app},
                "ports": ports}}));
    }
}

/// A container's `ports` list, as the API server stores it once defaulted (protocol TCP).
fn container_ports(ports: &[(&str, u16)]) -> Value {
    ports.iter().map(|(name, port)| json!({"name": name, "containerPort": port, "protocol": "TCP"})).collect()
}

/// The nodes whose kubelet the scenario lost: their Ready condition is already Unknown.
pub fn stopped_kubelets(store: &Store) -> Vec<String> {
    let (_, objects) = store.snapshot();
    objects
        .range(super::store::range(resources::NODES, None))
        .filter(|(_, n)| super::nodehealth::ready_status(&n.value()) == Some("Unknown"))
        .map(|(k, _)| k.2.clone())
        .collect()
}

/// Loads a scenario; `nodes`/`pods` apply to `scale`.
pub fn load(store: &Store, seed: u64, kind: Kind, nodes: usize, pods: usize) {
    let mut builder = Builder::new(store, seed);
    match kind {
        Kind::Demo => builder.demo(),
        Kind::Scale => builder.scale(nodes, pods),
    }
}

/// The resourceVersion the store gave an object it created, to write it again against.
fn resource_version(stored: &Value) -> u64 {
    stored["metadata"]["resourceVersion"].as_str().and_then(|r| r.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::store::range;

    fn count_pods(store: &Store, pred: impl Fn(&Value) -> bool) -> usize {
        let (_, objects) = store.snapshot();
        objects.range(range(resources::PODS, None)).filter(|(_, p)| pred(&p.value())).count()
    }

    fn waiting(p: &Value) -> &str {
        p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"].as_str().unwrap_or_default()
    }

    #[test]
    fn demo_has_the_failures_triage_needs() {
        let store = Store::new(42, 10_000);
        load(&store, 42, Kind::Demo, 0, 0);
        let (_, objects) = store.snapshot();
        assert_eq!(objects.range(range(resources::NODES, None)).count(), 12);
        let total = count_pods(&store, |_| true);
        assert!((120..=170).contains(&total), "{total} pods");
        assert!(count_pods(&store, |p| waiting(p) == "CrashLoopBackOff") >= 3);
        assert!(count_pods(&store, |p| waiting(p) == "ImagePullBackOff") >= 2);
        assert!(
            count_pods(&store, |p| p["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"]
                == "OOMKilled")
                >= 1
        );
        let pending = count_pods(&store, |p| p["status"]["conditions"][0]["reason"] == "Unschedulable");
        assert!(pending >= 1);
        assert!(count_pods(&store, |p| p["status"]["phase"] == "Succeeded") >= 20);
        assert!(count_pods(&store, |p| p["status"]["phase"] == "Failed") >= 3);
        let running_gpu =
            count_pods(&store, |p| p["status"]["phase"] == "Running" && object::gpu_request(&p["spec"]) > 0);
        assert!(running_gpu >= 10, "{running_gpu}");
    }

    #[test]
    fn demo_has_the_fabric_problems_triage_needs() {
        let store = Store::new(42, 10_000);
        load(&store, 42, Kind::Demo, 0, 0);
        let (_, objects) = store.snapshot();
        let get = |res, ns: &str, name: &str| objects.get(&(res, ns.to_string(), name.to_string())).map(|o| o.value());
        // Every node has its lease; the lost node's stopped renewing over half an hour ago.
        assert_eq!(objects.range(range(resources::LEASES, Some(lease::NAMESPACE))).count(), 12);
        let lost = get(resources::LEASES, lease::NAMESPACE, "gpu-a100-04").unwrap();
        let renewed = lease::renew_time(&lost).unwrap();
        assert!(clock::now_f64() - renewed > 1800.0, "{renewed}");
        assert_eq!(stopped_kubelets(&store), ["gpu-a100-04"]);
        let skewed = get(resources::NODES, "", "gpu-h100-05").unwrap();
        assert_eq!(skewed["status"]["nodeInfo"]["kubeletVersion"], "v1.31.9");
        assert_eq!(skewed["status"]["nodeInfo"]["kubeProxyVersion"], "v1.31.9");
        // calico-node crash-loops on cpu-02, and exactly the two pods created there since have no sandbox.
        let calico: Vec<Value> = objects
            .range(range(resources::PODS, Some("kube-system")))
            .map(|(_, p)| p.value())
            .filter(|p| p["metadata"]["labels"]["k8s-app"] == "calico-node")
            .collect();
        assert_eq!(calico.len(), 12);
        let broken: Vec<&Value> = calico.iter().filter(|p| waiting(p) == "CrashLoopBackOff").collect();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0]["spec"]["nodeName"], "cpu-02");
        let stuck: Vec<Value> = objects
            .range(range(resources::PODS, None))
            .map(|(_, p)| p.value())
            .filter(|p| p["spec"]["nodeName"] == "cpu-02" && waiting(p) == "ContainerCreating")
            .collect();
        assert_eq!(stuck.len(), 2, "{stuck:?}");
        assert!(stuck.iter().all(|p| p["metadata"]["namespace"] == "ml-train" && p["status"]["phase"] == "Pending"));
        // The gateway: no pod behind its Service, its certificate out in 9 days.
        let service = get(resources::SERVICES, "ml-serve", "llm-gateway").unwrap();
        let selected = count_pods(&store, |p| {
            p["metadata"]["namespace"] == "ml-serve"
                && p["metadata"]["labels"]["app"] == service["spec"]["selector"]["app"]
        });
        assert_eq!(selected, 0);
        let secret = get(resources::SECRETS, "ml-serve", "llm-gateway-tls").unwrap();
        assert_eq!(secret["type"], "kubernetes.io/tls");
        let ingress = get(resources::INGRESSES, "ml-serve", "llm-gateway").unwrap();
        assert_eq!(ingress["spec"]["tls"][0]["secretName"], "llm-gateway-tls");
        // Claims: one on a class that does not exist, one bound and 93 % full.
        let scratch = get(resources::PVCS, "ml-train", "scratch-fast").unwrap();
        assert!(get(resources::STORAGE_CLASSES, "", scratch["spec"]["storageClassName"].as_str().unwrap()).is_none());
        let checkpoints = get(resources::PVCS, "ml-train", "checkpoints").unwrap();
        assert_eq!(checkpoints["status"]["phase"], "Bound");
        assert_eq!(crate::sim::stats::claim_fill(42, &checkpoints), 0.93);
        assert!(
            count_pods(&store, |p| p["metadata"]["labels"]["app"] == "llama3-finetune"
                && p["status"]["phase"] == "Running")
                >= 1
        );
        assert!(get(resources::NETWORK_POLICIES, "ml-train", "default-deny-ingress").is_some());
        assert!(get(resources::NETWORK_POLICIES, "ml-serve", "allow-gateway").is_some());
        let hpa = get(resources::HPAS, "ml-serve", "feature-api").unwrap();
        assert_eq!(
            (hpa["spec"]["maxReplicas"].as_i64(), hpa["status"]["currentReplicas"].as_i64()),
            (Some(12), Some(12))
        );
    }

    #[test]
    fn same_seed_same_cluster() {
        let names = |seed| {
            let store = Store::new(seed, 10_000);
            load(&store, seed, Kind::Demo, 0, 0);
            let (_, objects) = store.snapshot();
            objects.range(range(resources::PODS, None)).map(|(k, p)| (k.2.clone(), p.uid.clone())).collect::<Vec<_>>()
        };
        assert_eq!(names(7), names(7));
        assert_ne!(names(7), names(8));
        // The certificate's dates follow the clock; its key follows the seed alone.
        let certificate = |seed| {
            let store = Store::new(seed, 10_000);
            load(&store, seed, Kind::Demo, 0, 0);
            let key = (resources::SECRETS, "ml-serve".to_string(), "llm-gateway-tls".to_string());
            store.get(&key).map(|s| s.value()["data"]["tls.key"].clone())
        };
        assert_eq!(certificate(7), certificate(7));
    }

    #[test]
    fn scale_creates_what_was_asked() {
        let store = Store::new(1, 10_000);
        load(&store, 1, Kind::Scale, 20, 1000);
        let (_, objects) = store.snapshot();
        assert_eq!(objects.range(range(resources::NODES, None)).count(), 20);
        assert_eq!(objects.range(range(resources::PODS, None)).count(), 1000);
    }
}
