//! `pods/exec` and `pods/attach`: the options, kube-apiserver's refusals before the upgrade, the container's
//! shell session, and the metav1.Status it ends with on the error channel.

mod channel;

use std::sync::Arc;

use hyper::Method;
use serde_json::{Value, json};

use super::api::Ctx;
use super::error::ApiError;
use super::http::Reply;
use super::routes::Target;
use super::shell::{Container, Exit, Session, Start};
use super::world::World;
use super::{clock, dcgm, logs, object, read, resources, rng};

/// The remote command subprotocols served, in the server's preference: kubectl asks only for v5, kube-rs for both.
pub const V5: &str = "v5.channel.k8s.io";
pub const V4: &str = "v4.channel.k8s.io";

/// How many lines of the container's output an attach shows first.
const ATTACH_RECENT_LINES: u64 = 3;

/// Whether a request is an exec or attach on a pod.
pub fn serves(target: &Target) -> bool {
    target.res == resources::PODS
        && target.name.is_some()
        && matches!(target.subresource.as_deref(), Some("exec" | "attach"))
}

/// Which streams the client asked for.
#[derive(Debug, Clone, Copy)]
pub struct Streams {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

/// What runs once the socket is up.
pub enum Plan {
    /// A session and what it printed as it started (possibly its exit already).
    Run { session: Box<Session>, first: super::shell::Output, ending: Ending },
    /// The kubelet could not start it: the message goes out as an internal error on the error channel.
    Refuse(String),
}

pub fn connect(world: &Arc<World>, mut ctx: Ctx, target: &Target, verb: &'static str) -> Result<Reply, ApiError> {
    let pods = resources::get(resources::PODS);
    let (name, namespace) = (target.name.clone().unwrap_or_default(), target.namespace.clone().unwrap_or_default());
    if ctx.method != Method::GET && ctx.method != Method::POST {
        return Err(ApiError::method_not_allowed(ctx.method.as_str()));
    }
    // Kubernetes' `view` role grants neither pods/exec nor pods/attach, and neither does the sim's viewer.
    if ctx.user.read_only {
        return Err(ApiError::forbidden(ctx.user.name, verb, pods, target.subresource.as_deref(), &name, &namespace));
    }
    let pod = read::fetch(world, target)?.value();
    let container = logs::pick_container(&pod, &name, ctx.query.get("container"))?;
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(format!("pod {name} does not have a host assigned")));
    }
    let attach = target.subresource.as_deref() == Some("attach");
    let command: Vec<String> = ctx.query.all("command").into_iter().map(str::to_string).collect();
    if !attach && command.is_empty() {
        return Err(ApiError::bad_request("you must specify at least one command for the container"));
    }
    let mut streams = Streams {
        stdin: ctx.query.flag("stdin"),
        stdout: ctx.query.flag("stdout"),
        stderr: ctx.query.flag("stderr"),
        tty: ctx.query.flag("tty"),
    };
    if !streams.stdin && !streams.stdout && !streams.stderr {
        return Err(ApiError::bad_request("you must specify at least 1 of stdin, stdout, stderr"));
    }
    // A terminal has one output stream; the kubelet drops stderr rather than refuse.
    streams.stderr &= !streams.tty;
    let offer = ctx.upgrade.take().ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
    if !offer.is_websocket() {
        return Err(ApiError::bad_request(format!(
            "the gpudeck sim serves exec and attach over WebSocket ({V5}, {V4}) only, not SPDY"
        )));
    }
    let Some(protocol) = offer.choose(&[V5, V4]) else {
        return Err(ApiError::bad_request(format!(
            "requested protocol(s) are not supported: {:?}; supports [{V5} {V4}]",
            offer.websocket_protocols()
        )));
    };
    let plan = plan(world, &pod, &container, command, attach, streams);
    offer
        .accept_session(protocol, move |socket| channel::serve(socket, protocol == V5, streams, plan))
        .ok_or_else(|| ApiError::bad_request("a WebSocket upgrade needs Sec-WebSocket-Key"))
}

/// Starts the session, or the kubelet's refusal when the container is not running (it finds only running ones).
fn plan(world: &World, pod: &Value, container: &str, command: Vec<String>, attach: bool, s: Streams) -> Plan {
    let running = ["containerStatuses", "ephemeralContainerStatuses"]
        .iter()
        .filter_map(|list| pod["status"][*list].as_array())
        .flatten()
        .find(|c| c["name"] == container)
        .is_some_and(|c| c["state"]["running"].is_object());
    if !running {
        return Plan::Refuse(format!("unable to upgrade connection: container not found (\"{container}\")"));
    }
    let now = clock::now_f64();
    let container = shell_container(world, pod, container, now as i64);
    let start = if attach {
        Start::Attach(logs::recent_lines(pod, &container.name, now, ATTACH_RECENT_LINES))
    } else {
        Start::Exec(command.clone())
    };
    let exec_id = exec_id(&container.name, &command);
    let (session, first) = Session::start(container, start, s.stdin, s.tty);
    Plan::Run { session: Box::new(session), first, ending: Ending { command, attach, exec_id } }
}

/// The container as its processes see it, holding its share of the pod's GPUs in container order.
fn shell_container(world: &World, pod: &Value, name: &str, now: i64) -> Container {
    let text = |p: &str| pod.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
    let (_, objects) = world.store.snapshot();
    let mut held = dcgm::held_by(world.seed, &objects, now, &text("/metadata/namespace"), &text("/metadata/name"));
    let mut gpus = Vec::new();
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let n = object::container_gpus(c) as usize;
        let share: Vec<_> = held.drain(..n.min(held.len())).collect();
        if c["name"] == name {
            gpus = share;
            break;
        }
    }
    Container::from_pod(pod, name, gpus, now)
}

/// What the final Status needs to know about the session.
pub struct Ending {
    command: Vec<String>,
    attach: bool,
    exec_id: String,
}

impl Ending {
    /// The Status for how the session exited; an attach ends with its shell, not with an exit code to report.
    pub fn status(&self, exit: &Exit) -> Value {
        if self.attach {
            final_status(&Exit::Code(0), &[], "")
        } else {
            final_status(exit, &self.command, &self.exec_id)
        }
    }
}

/// The Status the error channel carries at the end, as the apiserver's stream translator writes it.
pub fn final_status(exit: &Exit, command: &[String], exec_id: &str) -> Value {
    match exit {
        Exit::Code(0) => json!({"metadata": {}, "status": "Success"}),
        Exit::Code(code) => json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
                command.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
        }),
        Exit::NotStarted(why) => internal_error(&format!(
            "error executing command in container: failed to exec in container: failed to start exec \"{exec_id}\": OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown"
        )),
    }
}

/// apierrors.NewInternalError as JSON.
pub fn internal_error(message: &str) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("Internal error occurred: {message}"),
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    })
}

/// containerd's exec id: 64 hex digits, here derived from what was run so that it is deterministic.
pub fn exec_id(container: &str, command: &[String]) -> String {
    let mut r = rng::Rng::new(rng::hash(&format!("{container}\0{}", command.join("\0"))));
    (0..4).map(|_| format!("{:016x}", r.next_u64())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_decode_as_client_go_expects() {
        let cmd = vec!["sh".to_string(), "-c".into(), "exit 3".into()];
        assert_eq!(final_status(&Exit::Code(0), &cmd, ""), json!({"metadata": {}, "status": "Success"}));
        let failed = final_status(&Exit::Code(3), &cmd, "");
        assert_eq!(
            failed["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
        );
        assert_eq!(failed["details"]["causes"][0], json!({"reason": "ExitCode", "message": "3"}));
        let id = exec_id("main", &cmd);
        assert_eq!((id.len(), id == exec_id("main", &cmd)), (64, true));
        let refused =
            final_status(&Exit::NotStarted("exec: \"x\": executable file not found in $PATH".into()), &cmd, &id);
        assert_eq!(refused["reason"], "InternalError");
        assert!(refused["message"].as_str().unwrap().starts_with("Internal error occurred: error executing command"));
    }
}
