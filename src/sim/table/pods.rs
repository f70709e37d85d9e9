//! The Pod table (Ready, Status and Restarts computed as printPod does), as kube-apiserver 1.32's printers.go prints it; no IO.

use serde_json::Value;

use super::{
    AGE, Column, NAME, age, at, column, condition, human_duration, int, is_set, list, name, non_empty_or,
    parse_rfc3339, text, wide,
};

pub const POD_COLUMNS: &[Column] = &[
    NAME,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    wide(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    ),
    wide(
        "Node",
        "string",
        "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
    ),
    wide(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
    ),
    wide(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
    ),
];

pub fn pod_cells(pod: &Value, now: i64) -> Vec<Value> {
    let summary = PodSummary::of(pod);
    vec![
        name(pod),
        format!("{}/{}", summary.ready, summary.total).into(),
        summary.reason.into(),
        summary.restarts.describe(now).into(),
        age(pod, now),
        non_empty_or(pod_ip(pod), "<none>").into(),
        non_empty_or(text(pod, "/spec/nodeName"), "<none>").into(),
        non_empty_or(text(pod, "/status/nominatedNodeName"), "<none>").into(),
        readiness_gates(pod).into(),
    ]
}

/// Restart count and the latest `lastState.terminated.finishedAt` behind it.
#[derive(Clone, Copy, Default)]
struct Restarts {
    count: i64,
    last: Option<i64>,
}

impl Restarts {
    fn record(&mut self, status: &Value) {
        self.count = self.count.saturating_add(int(status, "/restartCount"));
        if let Some(finished) = parse_rfc3339(text(status, "/lastState/terminated/finishedAt")) {
            self.last = Some(self.last.map_or(finished, |last| last.max(finished)));
        }
    }

    /// "0", "6", or "6 (179m ago)" once a restart time is known.
    fn describe(self, now: i64) -> String {
        match self.last {
            Some(last) if self.count != 0 => {
                format!("{} ({} ago)", self.count, human_duration(now.saturating_sub(last)))
            }
            _ => self.count.to_string(),
        }
    }
}

/// The Ready/Status/Restarts columns of printPod, computed together as Go does.
struct PodSummary {
    ready: usize,
    total: usize,
    reason: String,
    restarts: Restarts,
}

impl PodSummary {
    fn of(pod: &Value) -> Self {
        let phase = pod_phase(pod);
        let sidecars = sidecar_names(pod);
        let init = InitScan::of(pod, &sidecars);
        let initialized =
            init.blocked.is_none() || condition(list(pod, "/status/conditions"), "Initialized") == Some("True");
        let mut summary = PodSummary {
            ready: init.ready,
            total: list(pod, "/spec/containers").len() + sidecars.len(),
            reason: init.blocked.unwrap_or_else(|| initial_reason(pod, phase)),
            restarts: init.all,
        };
        // While init containers block, only their restarts count; once past them
        // (or marked Initialized) sidecar restarts carry over into the app containers'.
        if initialized {
            summary.restarts = init.sidecars;
            summary.scan_containers(pod);
        }
        if let Some(reason) = deletion_reason(pod, phase) {
            summary.reason = reason.to_string();
        }
        summary
    }

    /// Walks app containers last to first, so the first container's trouble wins the Status column.
    fn scan_containers(&mut self, pod: &Value) {
        let mut has_running = false;
        for status in list(pod, "/status/containerStatuses").iter().rev() {
            self.restarts.record(status);
            if let Some(reason) = container_reason(status) {
                self.reason = reason;
            } else if at(status, "/ready").as_bool() == Some(true) && is_set(status, "/state/running") {
                has_running = true;
                self.ready += 1;
            }
        }
        // A finished container beside a still-running one is not a completed pod.
        if self.reason == "Completed" && has_running {
            self.reason = if pod_ready(pod) { "Running" } else { "NotReady" }.to_string();
        }
    }
}

/// The registry sets phase Pending on create; the sim may not have.
fn pod_phase(pod: &Value) -> &str {
    non_empty_or(text(pod, "/status/phase"), "Pending")
}

/// Names of restartable ("sidecar") init containers, which count as app containers in Ready.
fn sidecar_names(pod: &Value) -> Vec<&str> {
    list(pod, "/spec/initContainers")
        .iter()
        .filter(|c| text(c, "/restartPolicy") == "Always")
        .map(|c| text(c, "/name"))
        .collect()
}

/// status.reason over phase, and SchedulingGated over both.
fn initial_reason(pod: &Value, phase: &str) -> String {
    let gated = list(pod, "/status/conditions")
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated");
    if gated {
        return "SchedulingGated".to_string();
    }
    non_empty_or(text(pod, "/status/reason"), phase).to_string()
}

/// A waiting reason, else a terminated reason (or its signal/exit code); None for a running container.
fn container_reason(status: &Value) -> Option<String> {
    let waiting = text(status, "/state/waiting/reason");
    if !waiting.is_empty() {
        return Some(waiting.to_string());
    }
    let terminated = at(status, "/state/terminated");
    (!terminated.is_null()).then(|| terminated_reason(terminated))
}

/// `reason`, or "Signal:N" / "ExitCode:N" when the runtime gave none.
fn terminated_reason(terminated: &Value) -> String {
    let reason = text(terminated, "/reason");
    if !reason.is_empty() {
        return reason.to_string();
    }
    match int(terminated, "/signal") {
        0 => format!("ExitCode:{}", int(terminated, "/exitCode")),
        signal => format!("Signal:{signal}"),
    }
}

/// hasPodReadyCondition: any Ready condition that is True.
fn pod_ready(pod: &Value) -> bool {
    list(pod, "/status/conditions").iter().any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
}

/// "Unknown" for pods on a lost node, "Terminating" for deleted pods still running.
fn deletion_reason(pod: &Value, phase: &str) -> Option<&'static str> {
    if !is_set(pod, "/metadata/deletionTimestamp") {
        return None;
    }
    if text(pod, "/status/reason") == "NodeLost" {
        return Some("Unknown");
    }
    (!matches!(phase, "Succeeded" | "Failed")).then_some("Terminating")
}

/// What the init container statuses say, up to the first one still blocking the pod.
#[derive(Default)]
struct InitScan {
    all: Restarts,
    sidecars: Restarts,
    ready: usize,
    blocked: Option<String>,
}

impl InitScan {
    fn of(pod: &Value, sidecars: &[&str]) -> Self {
        let declared = list(pod, "/spec/initContainers").len();
        let mut scan = InitScan::default();
        for (index, status) in list(pod, "/status/initContainerStatuses").iter().enumerate() {
            let is_sidecar = sidecars.contains(&text(status, "/name"));
            scan.all.record(status);
            if is_sidecar {
                scan.sidecars.record(status);
            }
            match init_step(status, is_sidecar, index, declared) {
                InitStep::Finished => {}
                InitStep::SidecarStarted => scan.ready += usize::from(at(status, "/ready").as_bool() == Some(true)),
                InitStep::Blocked(reason) => {
                    scan.blocked = Some(reason);
                    break;
                }
            }
        }
        scan
    }
}

enum InitStep {
    Finished,
    SidecarStarted,
    Blocked(String),
}

/// One init container's verdict, in printPod's order of precedence.
fn init_step(status: &Value, is_sidecar: bool, index: usize, declared: usize) -> InitStep {
    let terminated = at(status, "/state/terminated");
    if !terminated.is_null() && int(terminated, "/exitCode") == 0 {
        return InitStep::Finished;
    }
    if is_sidecar && at(status, "/started").as_bool() == Some(true) {
        return InitStep::SidecarStarted;
    }
    if !terminated.is_null() {
        return InitStep::Blocked(format!("Init:{}", terminated_reason(terminated)));
    }
    // PodInitializing is the kubelet's placeholder, not a problem worth showing.
    match text(status, "/state/waiting/reason") {
        "" | "PodInitializing" => InitStep::Blocked(format!("Init:{index}/{declared}")),
        waiting => InitStep::Blocked(format!("Init:{waiting}")),
    }
}

/// v1→internal conversion makes `status.podIP` authoritative over `podIPs[0]`.
fn pod_ip(pod: &Value) -> &str {
    let ip = text(pod, "/status/podIP");
    if ip.is_empty() { list(pod, "/status/podIPs").first().map_or("", |p| text(p, "/ip")) } else { ip }
}

/// "true/total" over spec.readinessGates, "<none>" without any.
fn readiness_gates(pod: &Value) -> String {
    let gates = list(pod, "/spec/readinessGates");
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = list(pod, "/status/conditions");
    let passing = gates.iter().filter(|g| condition(conditions, text(g, "/conditionType")) == Some("True")).count();
    format!("{passing}/{}", gates.len())
}
