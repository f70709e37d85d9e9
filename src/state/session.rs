//! `:shell`, `:attach`, `:debug` and `:node-shell`: which pod a session reaches from the selection (a workload or a
//! triage line picks a running pod of it), the questions before a debug container or a privileged node shell, and
//! how the session's end reads on the status line. Exec and attach are writes: read-only refuses them.

use super::{Mode, Notice, State, warning};
use crate::event::{Effect, ObjectAddress};
use crate::model::session::{Cleanup, DebugArgs, Entry, NodeShell, Session, ended, parse_shell};

/// Where node shells and debug containers come from (the config's `node-shell` and `debug-image`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// None: the node shell is off (the default; it runs a privileged pod on the node).
    pub node_shell: Option<NodeShell>,
    pub debug_image: String,
}

pub const DEFAULT_DEBUG_IMAGE: &str = "busybox:1.36";

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings { node_shell: None, debug_image: DEFAULT_DEBUG_IMAGE.into() }
    }
}

impl Default for NodeShell {
    fn default() -> Self {
        NodeShell { image: DEFAULT_DEBUG_IMAGE.into(), namespace: "default".into(), ttl_seconds: 3600 }
    }
}

/// The kinds whose pods a session or a forward may pick from.
pub(super) const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];

impl State {
    /// `:shell [-c CONTAINER] [COMMAND...]` (`attach`: `:attach [-c CONTAINER]`) on the selected pod.
    pub(super) fn shell_command(&mut self, args: &[&str], attach: bool) {
        let verb = if attach { "attach" } else { "shell" };
        if self.refuse_in_read_only(verb) {
            return;
        }
        let (container, command) = match parse_shell(args, !attach) {
            Ok(parsed) => parsed,
            Err(usage) => return self.notice = Some(warning(usage)),
        };
        let (namespace, pod) = match self.session_pod(verb) {
            Ok(found) => found,
            Err(why) => return self.notice = Some(warning(why)),
        };
        let entry = if attach { Entry::Attach } else { Entry::Exec(command) };
        let session = Session { namespace, pod, container, entry, cleanup: Cleanup::Keep, label: None };
        self.notice = Some(Notice { error: false, text: format!("{}: connecting…", session.title()) });
        self.effects.push(Effect::Session(Box::new(session)));
    }

    /// `:debug [--image IMAGE] [--target CONTAINER]`: asks first, as the container cannot be removed from the pod.
    pub(super) fn debug_command(&mut self, args: &[&str]) {
        if self.refuse_in_read_only("debug") {
            return;
        }
        let parsed = match DebugArgs::parse(args) {
            Ok(parsed) => parsed,
            Err(usage) => return self.notice = Some(warning(usage)),
        };
        let (namespace, pod) = match self.session_pod("debug") {
            Ok(found) => found,
            Err(why) => return self.notice = Some(warning(why)),
        };
        let image = parsed.image.unwrap_or_else(|| self.sessions.debug_image.clone());
        let target = parsed.target.as_ref().map(|t| format!(", sharing {t}'s processes")).unwrap_or_default();
        let question = format!(
            "add a debug container ({image}{target}) to pod {namespace}/{pod} and attach? it stays in the pod until \
             the pod is replaced"
        );
        let effect = Effect::StartDebug { namespace, pod, image, target: parsed.target };
        self.ask_to_send(question, None, effect, Mode::Normal);
    }

    /// `:node-shell` on the selected node: off unless the config enables it, asked twice (it is a privileged pod
    /// with the host's namespaces).
    pub(super) fn node_shell_command(&mut self) {
        if self.refuse_in_read_only("node-shell") {
            return;
        }
        let Some(settings) = self.sessions.node_shell.clone() else {
            return self.notice = Some(warning(
                "node shell is off: it runs a privileged pod on the node; enable it with [node-shell] enabled = true \
                 in the config"
                    .into(),
            ));
        };
        let node = match self.selected_address().filter(|a| a.kind == "Node") {
            Some(node) => node.name,
            None => return self.notice = Some(warning("node-shell: select a node".into())),
        };
        let question = format!(
            "start a privileged pod ({}) on node {node} in {} with the host's PID and network, and open a shell on \
             the host?",
            settings.image, settings.namespace
        );
        let second = format!(
            "really? it is deleted when the shell ends, or after {}s by its own deadline if gpudeck cannot",
            settings.ttl_seconds
        );
        let effect = Effect::StartNodeShell { node, shell: settings };
        self.ask_to_send(question, Some(second), effect, Mode::Normal);
    }

    /// The pod a session reaches: the selected pod (it must run), or a running pod of the selected workload.
    fn session_pod(&self, verb: &str) -> Result<(String, String), String> {
        let address = self.selected_address().ok_or_else(|| format!("{verb}: select a pod or a workload"))?;
        match address.kind.as_str() {
            "Pod" => {
                let row = self.pods.all().find(|p| p.id.namespace == address.namespace && p.id.name == address.name);
                match row.map(|p| p.status.as_str()) {
                    Some(status @ ("Pending" | "Succeeded" | "Failed" | "Completed" | "Terminating")) => {
                        Err(format!("{verb}: pod {} is {status}; a session needs a running container", address.name))
                    }
                    _ => Ok((address.namespace, address.name)),
                }
            }
            kind if WORKLOADS.contains(&kind) => {
                self.running_pod_of(&address).ok_or_else(|| format!("{verb}: {} has no running pod", address.title()))
            }
            "Node" => Err(format!("{verb}: select a pod (a shell on the node itself is :node-shell)")),
            _ => Err(format!("{verb}: {} is not a pod or a workload", address.title())),
        }
    }

    /// A running pod the workload owns, by name, so the same one is picked each time.
    pub(super) fn running_pod_of(&self, workload: &ObjectAddress) -> Option<(String, String)> {
        let mut running: Vec<_> = self
            .pods
            .all()
            .filter(|p| p.id.namespace == workload.namespace && p.status == "Running" && self.owns(workload, p))
            .map(|p| (p.id.namespace.clone(), p.id.name.clone()))
            .collect();
        running.sort();
        running.into_iter().next()
    }

    /// A node shell or debug container is up (or could not start): the session follows at once.
    pub(super) fn absorb_session_ready(&mut self, ready: Result<Box<Session>, String>) {
        match ready {
            Ok(session) => {
                self.notice = Some(Notice { error: false, text: format!("{}: connecting…", session.title()) });
                self.effects.push(Effect::Session(session));
            }
            Err(why) => self.notice = Some(warning(why)),
        }
    }

    /// The terminal is back: the exit code (or why the session could not start) on the status line, and what
    /// the cleanup could not remove.
    pub(super) fn absorb_session_ended(&mut self, title: &str, result: &Result<i32, String>, cleanup: Option<String>) {
        let (error, mut text) = ended(title, result);
        if let Some(left) = &cleanup {
            text = format!("{text}; {left}");
        }
        self.notice = Some(Notice { error: error || cleanup.is_some(), text });
    }
}
