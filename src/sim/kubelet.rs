//! The simulated kubelet: a bound pod's lifecycle (create → pull → run → exit/crash/back-off) as a pure step
//! function over the pod object; the controller loop stores the result and records the events.

use serde_json::{Value, json};

use super::clock;
use super::images;
use super::rng::{self, Rng};

pub const BEHAVIOR: &str = "sim.gpudeck.io/behavior";
pub const RUN_SECONDS: &str = "sim.gpudeck.io/run-seconds";
/// Seconds a pod's containers take to stop after SIGTERM, unless annotated with `STOP_SECONDS`.
pub const DEFAULT_STOP_SECONDS: f64 = 2.0;
/// Annotation: how long the containers ignore SIGTERM (a pod that outlives its grace period is killed then).
pub const STOP_SECONDS: &str = "sim.gpudeck.io/stop-seconds";
/// Where CNI plugins install their network configuration on the host.
pub const CNI_CONF_DIR: &str = "/etc/cni/net.d";
/// How often the kubelet's pod worker retries a sandbox it could not create.
const SANDBOX_RETRY_S: f64 = 10.0;

/// Whether a pod is a node's CNI agent: a host-network pod mounting the host's CNI configuration directory (as
/// calico-node, cilium and kube-flannel do). While one is on a node and not ready, new sandboxes there fail.
pub fn is_cni_agent(pod: &Value) -> bool {
    pod["spec"]["hostNetwork"] == true
        && pod["spec"]["volumes"].as_array().is_some_and(|vs| {
            vs.iter().any(|v| v["hostPath"]["path"].as_str().map(|p| p.trim_end_matches('/')) == Some(CNI_CONF_DIR))
        })
}

/// What the CRI answers when the CNI plugin cannot set up a sandbox's network because calico-node is not running:
/// the kubelet's FailedCreatePodSandBox message, for a sandbox id the runtime made up for this attempt.
pub fn sandbox_failure(pod: &Value, attempt_at: f64) -> String {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    let mut r = Rng::new(rng::hash(&format!("{uid}/sandbox/{}", (attempt_at * 1000.0) as i64)));
    let id = format!("{:016x}{:016x}{:016x}{:016x}", r.next_u64(), r.next_u64(), r.next_u64(), r.next_u64());
    format!(
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"{id}\": plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/"
    )
}

/// An event to record against the pod.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub warning: bool,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
}

fn normal(reason: &'static str, message: String) -> EventSpec {
    EventSpec { warning: false, reason, message, component: "kubelet" }
}

fn warning(reason: &'static str, message: String) -> EventSpec {
    EventSpec { warning: true, reason, message, component: "kubelet" }
}

/// What one step did: the new pod (None = remove it), events, and when to step again.
#[derive(Debug, Default)]
pub struct Step {
    pub pod: Option<Value>,
    pub events: Vec<EventSpec>,
    pub next: Option<f64>,
}

/// How a pod's containers behave once started, from its `sim.gpudeck.io/behavior` annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Runs until stopped (or for run-seconds, then exits 0).
    Normal,
    /// Exits 1 after a few seconds, every time.
    CrashLoop,
    /// Killed by the OOM killer after a while, every time.
    Oom,
    /// Runs for run-seconds then exits 1.
    Fail,
}

pub fn behavior(pod: &Value) -> Behavior {
    match pod["metadata"]["annotations"][BEHAVIOR].as_str() {
        Some("crashloop") => Behavior::CrashLoop,
        Some("oom") => Behavior::Oom,
        Some("fail") => Behavior::Fail,
        _ => Behavior::Normal,
    }
}

/// Seconds an instance runs before it exits (None = until stopped); deterministic per pod and restart.
pub fn run_seconds(pod: &Value, restarts: i64) -> Option<f64> {
    let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
    let spread = rng::noise(0, uid, restarts);
    match behavior(pod) {
        Behavior::CrashLoop => Some(3.0 + 5.0 * spread),
        Behavior::Oom => Some(15.0 + 15.0 * spread),
        Behavior::Normal | Behavior::Fail => {
            pod["metadata"]["annotations"][RUN_SECONDS].as_str().and_then(|s| s.parse::<f64>().ok())
        }
    }
}

/// Back-off before restart `restarts` (kubelet doubles from 10 s to 5 min; the sim runs at twice the pace).
pub fn backoff_seconds(restarts: i64) -> f64 {
    (5.0 * 2f64.powi(restarts.clamp(1, 10) as i32 - 1)).min(150.0)
}

/// The node's InternalIP, derived from its name so nodes and pods agree without a lookup.
pub fn node_ip(node: &str) -> String {
    let h = rng::hash(node);
    format!("10.0.{}.{}", h % 200 + 1, (h >> 8) % 250 + 2)
}

fn pod_ip(pod: &Value) -> String {
    let h = rng::hash(pod["metadata"]["uid"].as_str().unwrap_or_default());
    format!("10.244.{}.{}", h % 250, (h >> 8) % 250 + 2)
}

fn container_id(pod: &Value, container: &str, restarts: i64) -> String {
    let mut r =
        Rng::new(rng::hash(&format!("{}/{container}/{restarts}", pod["metadata"]["uid"].as_str().unwrap_or_default())));
    format!("containerd://{:016x}{:016x}{:016x}{:016x}", r.next_u64(), r.next_u64(), r.next_u64(), r.next_u64())
}

fn containers(pod: &Value) -> Vec<(String, String)> {
    named_images(&pod["spec"]["containers"])
}

fn init_containers(pod: &Value) -> Vec<(String, String)> {
    named_images(&pod["spec"]["initContainers"])
}

/// (name, image) of each container in a list.
fn named_images(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default().to_string(),
                        c["image"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn restarts_of(pod: &Value) -> i64 {
    pod["status"]["containerStatuses"][0]["restartCount"].as_i64().unwrap_or(0)
}

fn conditions(ready: bool, at: &str) -> Value {
    let s = |b: bool| if b { "True" } else { "False" };
    json!([
        {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": at},
        {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": at},
        {"type": "Ready", "status": s(ready), "lastProbeTime": null, "lastTransitionTime": at},
        {"type": "ContainersReady", "status": s(ready), "lastProbeTime": null, "lastTransitionTime": at},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": at}
    ])
}

fn qos(pod: &Value) -> &'static str {
    let cs = pod["spec"]["containers"].as_array().map(Vec::as_slice).unwrap_or_default();
    if cs.iter().all(|c| c["resources"].as_object().is_none_or(|r| r.is_empty())) {
        "BestEffort"
    } else if cs.iter().all(|c| {
        !c["resources"]["limits"].is_null()
            && (c["resources"]["requests"].is_null() || c["resources"]["requests"] == c["resources"]["limits"])
    }) {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// `image@sha256:…` as the runtime reports a pulled image: the registry's digest when the sim serves the image.
fn image_id(image: &str) -> String {
    let digest =
        super::registry::digest_of(image).unwrap_or_else(|| format!("sha256:{:064x}", rng::hash(image) as u128));
    format!("{image}@{digest}")
}

/// Writes a pod status where every container is in `state` (with `last` as lastState).
fn set_status(
    pod: &mut Value,
    phase: &str,
    ready: bool,
    restarts: i64,
    state: impl Fn(&str, &str) -> Value,
    last: &Value,
    at: &str,
) {
    let statuses: Vec<Value> = containers(pod)
        .iter()
        .map(|(name, image)| {
            let st = state(name, image);
            let running = st.get("running").is_some();
            let mut cs = json!({
                "name": name, "image": image, "imageID": "", "ready": ready && running, "started": running,
                "restartCount": restarts, "state": st, "lastState": last,
            });
            if running || st.get("terminated").is_some() {
                cs["containerID"] = json!(container_id(pod, name, restarts));
                cs["imageID"] = json!(image_id(image));
            }
            cs
        })
        .collect();
    let node = pod["spec"]["nodeName"].as_str().unwrap_or_default().to_string();
    let start_time = pod["status"]["startTime"].as_str().map(str::to_string).unwrap_or_else(|| at.to_string());
    let mut status = json!({
        "phase": phase, "conditions": conditions(ready, at), "hostIP": node_ip(&node), "hostIPs": [{"ip": node_ip(&node)}],
        "startTime": start_time, "qosClass": qos(pod), "containerStatuses": statuses,
    });
    let inits = init_containers(pod);
    if !inits.is_empty() {
        // Init containers ran to completion before the app containers first started; until then they wait.
        let done = phase != "Pending";
        let init_statuses: Vec<Value> = inits
            .iter()
            .map(|(name, image)| {
                let mut cs = json!({"name": name, "image": image, "imageID": "", "ready": done, "started": false,
                    "restartCount": 0, "lastState": {}, "state": {"waiting": {"reason": "PodInitializing"}}});
                if done {
                    let started = clock::parse_rfc3339(&start_time).unwrap_or(0.0);
                    cs["state"] = terminated("Completed", 0, started, started + 1.0, pod, name, 0);
                    cs["containerID"] = cs["state"]["terminated"]["containerID"].clone();
                    cs["imageID"] = json!(image_id(image));
                }
                cs
            })
            .collect();
        status["initContainerStatuses"] = json!(init_statuses);
        if !done {
            let names: Vec<&str> = inits.iter().map(|(n, _)| n.as_str()).collect();
            for c in status["conditions"].as_array_mut().into_iter().flatten().filter(|c| c["type"] == "Initialized") {
                c["status"] = json!("False");
                c["reason"] = json!("ContainersNotInitialized");
                c["message"] = json!(format!("containers with incomplete status: [{}]", names.join(" ")));
            }
        }
    }
    if phase != "Pending" {
        // A host-network pod has its node's address.
        let ip = if pod["spec"]["hostNetwork"] == true { node_ip(&node) } else { pod_ip(pod) };
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
    }
    pod["status"] = status;
}

/// Puts a bound pod straight into Running with `restarts` previous instances (scenarios use this for history).
pub fn set_running(pod: &mut Value, started_at: f64, restarts: i64, last: Value) {
    let at = clock::rfc3339(started_at as i64);
    set_status(pod, "Running", true, restarts, |_, _| json!({"running": {"startedAt": at}}), &last, &at);
}

/// A terminated-state document.
pub fn terminated(
    reason: &str,
    exit_code: i64,
    started_at: f64,
    finished_at: f64,
    pod: &Value,
    container: &str,
    restarts: i64,
) -> Value {
    json!({"terminated": {
        "exitCode": exit_code, "reason": reason, "startedAt": clock::rfc3339(started_at as i64),
        "finishedAt": clock::rfc3339(finished_at as i64), "containerID": container_id(pod, container, restarts)
    }})
}

/// Puts a pod into CrashLoopBackOff after `restarts` restarts, the last instance having ended as `last_reason`.
pub fn set_crashloop(pod: &mut Value, restarts: i64, last_reason: &str, last_started: f64, last_finished: f64) {
    let exit = if last_reason == "OOMKilled" { 137 } else { 1 };
    let pod_copy = pod.clone();
    let first = containers(pod).first().map(|(n, _)| n.clone()).unwrap_or_default();
    let last = terminated(last_reason, exit, last_started, last_finished, &pod_copy, &first, restarts - 1);
    let at = clock::rfc3339(last_finished as i64);
    set_status(
        pod,
        "Running",
        false,
        restarts,
        |name, _| json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off {}s restarting failed container={name} pod={}_{}", backoff_seconds(restarts) as i64, pod_copy["metadata"]["name"].as_str().unwrap_or_default(), pod_copy["metadata"]["namespace"].as_str().unwrap_or_default())}}),
        &last,
        &at,
    );
}

/// Puts a pod into a finished phase (Succeeded or Failed) with every container terminated.
pub fn set_finished(pod: &mut Value, succeeded: bool, started_at: f64, finished_at: f64) {
    let restarts = restarts_of(pod);
    let pod_copy = pod.clone();
    let (phase, reason, code) = if succeeded { ("Succeeded", "Completed", 0) } else { ("Failed", "Error", 1) };
    let at = clock::rfc3339(finished_at as i64);
    set_status(
        pod,
        phase,
        false,
        restarts,
        |name, _| terminated(reason, code, started_at, finished_at, &pod_copy, name, restarts),
        &json!({}),
        &at,
    );
    if let Some(conds) = pod["status"]["conditions"].as_array_mut() {
        for c in conds.iter_mut().filter(|c| c["type"] == "PodReadyToStartContainers") {
            c["status"] = json!("False");
        }
    }
}

/// When a pod in CrashLoopBackOff starts its next instance.
fn restart_due(pod: &Value, now: f64) -> f64 {
    let finished = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["finishedAt"]
        .as_str()
        .and_then(clock::parse_rfc3339);
    finished.unwrap_or(now) + backoff_seconds(restarts_of(pod))
}

fn started_at(pod: &Value) -> Option<f64> {
    pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"].as_str().and_then(clock::parse_rfc3339)
}

fn waiting_reason(pod: &Value) -> Option<&str> {
    pod["status"]["containerStatuses"]
        .as_array()?
        .iter()
        .find_map(|c| c["state"]["waiting"]["reason"].as_str().filter(|r| *r != "ContainerCreating"))
        .or_else(|| pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"].as_str())
}

/// When the kubelet is done with a terminating pod: its containers stopped, or its grace period (which ends at the
/// deletionTimestamp) ran out. None once it has deleted the pod with grace 0 and only finalizers hold it.
fn stop_due(pod: &Value, deadline: f64) -> Option<f64> {
    let meta = &pod["metadata"];
    let grace = meta["deletionGracePeriodSeconds"].as_i64().unwrap_or(0).max(0) as f64;
    if grace == 0.0 && meta["finalizers"].as_array().is_some_and(|f| !f.is_empty()) {
        return None;
    }
    let stop = meta["annotations"][STOP_SECONDS].as_str().and_then(|s| s.parse::<f64>().ok());
    let requested = deadline - grace;
    Some(requested + stop.unwrap_or(DEFAULT_STOP_SECONDS).clamp(0.0, grace))
}

/// When a pod in its current state next needs the kubelet (None = nothing to do until it changes).
pub fn next_due(pod: &Value, now: f64) -> Option<f64> {
    if let Some(deadline) = pod["metadata"]["deletionTimestamp"].as_str().and_then(clock::parse_rfc3339) {
        return stop_due(pod, deadline);
    }
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return None;
    }
    match pod["status"]["phase"].as_str() {
        Some("Succeeded" | "Failed") => None,
        _ => match (started_at(pod), waiting_reason(pod)) {
            (Some(start), _) => run_seconds(pod, restarts_of(pod)).map(|run| start + run),
            // The kubelet re-reports the back-off every sync (about 10 s) until the restart is due.
            (None, Some("CrashLoopBackOff")) => Some(restart_due(pod, now).min(now + 10.0)),
            (None, Some("ErrImagePull" | "ImagePullBackOff")) => Some(now + 20.0),
            (None, _) => Some(now + 1.5),
        },
    }
}

/// Advances a bound pod by one lifecycle step at time `now`; `network_ready` says whether its node's pod network
/// can set up a new sandbox.
pub fn step(pod: &Value, now: f64, network_ready: bool) -> Step {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let at = clock::rfc3339(now as i64);
    if pod["metadata"]["deletionTimestamp"].is_string() {
        return Step { pod: None, events: vec![], next: None };
    }
    let mut next = pod.clone();
    let mut events = Vec::new();
    let restarts = restarts_of(pod);
    match (pod["status"]["phase"].as_str(), started_at(pod), waiting_reason(pod)) {
        (Some("Succeeded" | "Failed"), _, _) => return Step::default(),
        (_, Some(start), _) => {
            // A running instance reached its end.
            let first = containers(pod).first().map(|(n, _)| n.clone()).unwrap_or_default();
            let restart_always = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always") == "Always";
            match behavior(pod) {
                Behavior::Normal | Behavior::Fail if !restart_always => {
                    let ok = behavior(pod) == Behavior::Normal;
                    set_finished(&mut next, ok, start, now);
                }
                b => {
                    let reason = if b == Behavior::Oom { "OOMKilled" } else { "Error" };
                    set_crashloop(&mut next, restarts + 1, reason, start, now);
                    events.push(warning(
                        "BackOff",
                        format!(
                            "Back-off restarting failed container {first} in pod {name}_{}",
                            pod["metadata"]["namespace"].as_str().unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        (_, None, Some("CrashLoopBackOff")) if now < restart_due(pod, now) => {
            let first = containers(pod).first().map(|(n, _)| n.clone()).unwrap_or_default();
            let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
            events.push(warning(
                "BackOff",
                format!("Back-off restarting failed container {first} in pod {name}_{namespace}"),
            ));
        }
        (_, None, Some("CrashLoopBackOff")) => {
            let last = pod["status"]["containerStatuses"][0]["lastState"].clone();
            set_running(&mut next, now, restarts, last);
            for (c, image) in containers(pod) {
                events.push(normal("Pulled", format!("Container image \"{image}\" already present on machine")));
                events.push(normal("Created", format!("Created container {c}")));
                events.push(normal("Started", format!("Started container {c}")));
            }
        }
        (_, None, waiting)
            if !network_ready
                && pod["spec"]["hostNetwork"] != true
                && restarts == 0
                && matches!(waiting, None | Some("ContainerCreating" | "PodInitializing")) =>
        {
            // No sandbox, so nothing else can start: the pod stays Pending, creating, and the worker retries.
            set_creating(&mut next, now);
            for c in next["status"]["conditions"].as_array_mut().into_iter().flatten() {
                if c["type"] == "PodReadyToStartContainers" {
                    c["status"] = json!("False");
                }
                if let Some(old) =
                    pod["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|o| o["type"] == c["type"]))
                {
                    c["lastTransitionTime"] = old["lastTransitionTime"].clone();
                }
            }
            events.push(warning("FailedCreatePodSandBox", sandbox_failure(pod, now)));
            return Step { pod: Some(next), events, next: Some(now + SANDBOX_RETRY_S) };
        }
        (_, None, waiting) => {
            let failing: Vec<(String, String, String)> = containers(pod)
                .into_iter()
                .filter_map(|(c, image)| images::pull_error(&image).map(|e| (c, image, e)))
                .collect();
            if failing.is_empty() {
                set_running(&mut next, now, restarts, pod["status"]["containerStatuses"][0]["lastState"].clone());
                for (c, image) in containers(pod) {
                    events.push(normal("Pulling", format!("Pulling image \"{image}\"")));
                    events.push(normal("Pulled", format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 2483121344 bytes.")));
                    events.push(normal("Created", format!("Created container {c}")));
                    events.push(normal("Started", format!("Started container {c}")));
                }
            } else {
                let reason = if waiting == Some("ErrImagePull") { "ImagePullBackOff" } else { "ErrImagePull" };
                let fails: Vec<String> = failing.iter().map(|(c, _, _)| c.clone()).collect();
                set_status(
                    &mut next,
                    "Pending",
                    false,
                    restarts,
                    |c, image| {
                        if fails.iter().any(|f| f == c) {
                            let message = if reason == "ErrImagePull" {
                                format!(
                                    "rpc error: code = NotFound desc = {}",
                                    images::pull_error(image).unwrap_or_default()
                                )
                            } else {
                                format!("Back-off pulling image \"{image}\"")
                            };
                            json!({"waiting": {"reason": reason, "message": message}})
                        } else {
                            json!({"waiting": {"reason": "ContainerCreating"}})
                        }
                    },
                    &json!({}),
                    &at,
                );
                for (_, image, err) in &failing {
                    if reason == "ErrImagePull" {
                        events.push(normal("Pulling", format!("Pulling image \"{image}\"")));
                        events.push(warning(
                            "Failed",
                            format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = {err}"),
                        ));
                        events.push(warning("Failed", "Error: ErrImagePull".to_string()));
                    } else {
                        events.push(normal("BackOff", format!("Back-off pulling image \"{image}\"")));
                        events.push(warning("Failed", "Error: ImagePullBackOff".to_string()));
                    }
                }
            }
        }
    }
    let due = next_due(&next, now);
    Step { pod: Some(next), events, next: due }
}

/// The status of a pod just bound to a node: Pending with containers being created.
pub fn set_creating(pod: &mut Value, now: f64) {
    let at = clock::rfc3339(now as i64);
    set_status(pod, "Pending", false, 0, |_, _| json!({"waiting": {"reason": "ContainerCreating"}}), &json!({}), &at);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(image: &str, behavior: Option<&str>, restart: &str) -> Value {
        let mut p = json!({
            "metadata": {"name": "p", "namespace": "ns", "uid": "u-1", "annotations": {}},
            "spec": {"nodeName": "gpu-1", "restartPolicy": restart, "containers": [{"name": "main", "image": image}]},
            "status": {"phase": "Pending"}
        });
        if let Some(b) = behavior {
            p["metadata"]["annotations"][BEHAVIOR] = json!(b);
        }
        p
    }

    fn reasons(step: &Step) -> Vec<&str> {
        step.events.iter().map(|e| e.reason).collect()
    }

    #[test]
    fn normal_pod_goes_creating_then_running() {
        let mut p = pod("nginx:1.27", None, "Always");
        set_creating(&mut p, 100.0);
        assert_eq!(next_due(&p, 100.0), Some(101.5));
        let s = step(&p, 101.5, true);
        let running = s.pod.unwrap();
        assert_eq!(running["status"]["phase"], "Running");
        assert_eq!(running["status"]["containerStatuses"][0]["ready"], true);
        assert!(running["status"]["podIP"].is_string());
        assert_eq!(
            reasons(&Step { pod: None, events: s.events, next: None }),
            ["Pulling", "Pulled", "Created", "Started"]
        );
        assert_eq!(s.next, None);
    }

    #[test]
    fn without_a_pod_network_a_new_pod_never_gets_a_sandbox() {
        let mut p = pod("nginx:1.27", None, "Always");
        set_creating(&mut p, 100.0);
        let first = step(&p, 101.5, false);
        let stuck = first.pod.unwrap();
        assert_eq!(stuck["status"]["phase"], "Pending");
        assert_eq!(stuck["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "ContainerCreating");
        assert_eq!(
            stuck["status"]["conditions"][0],
            json!({"type": "PodReadyToStartContainers", "status": "False", "lastProbeTime": null, "lastTransitionTime": "1970-01-01T00:01:40Z"})
        );
        assert_eq!(first.next, Some(111.5));
        let event = &first.events[0];
        assert_eq!((event.reason, event.warning), ("FailedCreatePodSandBox", true));
        let id = event.message.split('"').nth(1).unwrap();
        assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert!(event.message.ends_with("plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory: check that the calico/node container is running and has mounted /var/lib/calico/"));
        // Each retry is a new sandbox, and leaves the pod as it was.
        let again = step(&stuck, 111.5, false);
        assert_eq!(again.pod.as_ref(), Some(&stuck));
        assert_ne!(again.events[0].message, event.message);
        // A host-network pod needs no pod network.
        let mut host = pod("nginx:1.27", None, "Always");
        host["spec"]["hostNetwork"] = json!(true);
        set_creating(&mut host, 100.0);
        let started = step(&host, 101.5, false).pod.unwrap();
        assert_eq!(started["status"]["phase"], "Running");
        assert_eq!(started["status"]["podIP"], node_ip("gpu-1"));
    }

    #[test]
    fn init_containers_wait_then_complete_and_cni_agents_are_known_by_their_mount() {
        let mut p = pod("docker.io/calico/node:v3.28.2", None, "Always");
        p["spec"]["initContainers"] = json!([{"name": "install-cni", "image": "docker.io/calico/cni:v3.28.2"}]);
        p["spec"]["hostNetwork"] = json!(true);
        p["spec"]["volumes"] = json!([{"name": "cni-net-dir", "hostPath": {"path": "/etc/cni/net.d"}}]);
        assert!(is_cni_agent(&p));
        set_creating(&mut p, 0.0);
        assert_eq!(p["status"]["initContainerStatuses"][0]["state"]["waiting"]["reason"], "PodInitializing");
        let initialized =
            p["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == "Initialized").unwrap().clone();
        assert_eq!(initialized["status"], "False");
        assert_eq!(initialized["message"], "containers with incomplete status: [install-cni]");
        set_running(&mut p, 5.0, 0, json!({}));
        let init = &p["status"]["initContainerStatuses"][0];
        assert_eq!(init["state"]["terminated"]["reason"], "Completed");
        assert_eq!(init["ready"], true);
        p["spec"]["volumes"] = json!([{"name": "lib-modules", "hostPath": {"path": "/lib/modules"}}]);
        assert!(!is_cni_agent(&p));
    }

    #[test]
    fn missing_tag_goes_err_image_pull_then_back_off() {
        let mut p = pod("ghcr.io/acme-ml/reranker:2.4.1", None, "Always");
        set_creating(&mut p, 0.0);
        let first = step(&p, 2.0, true);
        let pulled = first.pod.unwrap();
        assert_eq!(pulled["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "ErrImagePull");
        assert!(first.events.iter().any(|e| e.warning && e.message.contains("not found")));
        let second = step(&pulled, 22.0, true).pod.unwrap();
        assert_eq!(second["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "ImagePullBackOff");
    }

    #[test]
    fn crashloop_counts_restarts_and_keeps_last_state() {
        let mut p = pod("app:1", Some("crashloop"), "Always");
        set_running(&mut p, 0.0, 0, json!({}));
        let due = next_due(&p, 0.0).unwrap();
        assert!((3.0..8.0).contains(&due));
        let crashed = step(&p, due, true).pod.unwrap();
        let cs = &crashed["status"]["containerStatuses"][0];
        assert_eq!(cs["restartCount"], 1);
        assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
        let waiting = step(&crashed, due + 1.0, true);
        assert_eq!(waiting.pod.as_ref(), Some(&crashed));
        assert_eq!(waiting.events[0].reason, "BackOff");
        // Kubernetes timestamps have whole seconds, so the restart is due from the truncated finish time.
        assert_eq!(waiting.next, Some(due.floor() + backoff_seconds(1)));
        let again = step(&crashed, due + backoff_seconds(1), true).pod.unwrap();
        assert!(again["status"]["containerStatuses"][0]["state"]["running"].is_object());
        assert_eq!(again["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"], "Error");
    }

    #[test]
    fn oom_and_job_endings() {
        let mut oom = pod("app:1", Some("oom"), "Always");
        set_running(&mut oom, 0.0, 0, json!({}));
        let killed = step(&oom, 40.0, true).pod.unwrap();
        assert_eq!(killed["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"], "OOMKilled");
        assert_eq!(killed["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"], 137);
        let mut job = pod("trainer:1", None, "Never");
        job["metadata"]["annotations"][RUN_SECONDS] = json!("30");
        set_running(&mut job, 0.0, 0, json!({}));
        assert_eq!(next_due(&job, 0.0), Some(30.0));
        let done = step(&job, 30.0, true).pod.unwrap();
        assert_eq!(done["status"]["phase"], "Succeeded");
        assert_eq!(done["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
        job["metadata"]["annotations"][BEHAVIOR] = json!("fail");
        assert_eq!(step(&job, 30.0, true).pod.unwrap()["status"]["phase"], "Failed");
    }

    #[test]
    fn terminating_pods_are_removed_after_grace() {
        let mut p = pod("app:1", None, "Always");
        // Deleted at 10 with 30 s of grace: the containers stop after the default 2 s.
        p["metadata"]["deletionTimestamp"] = json!("1970-01-01T00:00:40Z");
        p["metadata"]["deletionGracePeriodSeconds"] = json!(30);
        assert_eq!(next_due(&p, 0.0), Some(12.0));
        assert!(step(&p, 12.0, true).pod.is_none());
        // Containers that ignore SIGTERM are killed when the grace runs out.
        p["metadata"]["annotations"][STOP_SECONDS] = json!("600");
        assert_eq!(next_due(&p, 0.0), Some(40.0));
        // Deleted with grace 0 and held by a finalizer: nothing left for the kubelet.
        p["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        p["metadata"]["finalizers"] = json!(["example.com/hold"]);
        assert_eq!(next_due(&p, 0.0), None);
    }
}
