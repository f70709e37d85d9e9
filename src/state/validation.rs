//! In-cluster node validation: `v` on a GPU node asks, then a Job pinned to the node runs the validator; its pod's
//! log is read for the verdict, and the node is labelled pass/fail only after a second yes. Pure: the Job is built
//! here and sent by `effects/validation.rs`.

use serde_json::{Value, json};

use super::logs::{LogLine, LogTarget};
use super::{Mode, Notice, Pane, State, warning};
use crate::event::{Effect, ObjectAddress};
use crate::infer::report::Report;
use crate::model::GPU;
use crate::model::nodes::NodeRow;
use crate::model::operation::Operation;

pub use crate::model::nodes::VALIDATED_LABEL;
/// Names the node a validation Job is for, so the Jobs of one node can be listed.
pub const NODE_LABEL: &str = "gpudeck.io/validate-node";
pub const DEFAULT_IMAGE: &str = "ghcr.io/gpudeck/validator:0.1.0";
pub const DEFAULT_NAMESPACE: &str = "default";
/// What the validator's container runs (the image's entrypoint is `gpudeck`).
pub const ARGS: [&str; 4] = ["validate", "--device", "cuda", "--json"];
/// A validation takes seconds; a Job still running after this long is stopped by the Job controller.
const DEADLINE_SECONDS: i64 = 600;
/// Finished Jobs (and their pods, with the log) stay an hour for inspection, then the TTL controller removes them.
const TTL_SECONDS: i64 = 3600;
/// Taints of the node lifecycle controller say the node cannot run pods now; tolerating them would leave the
/// validator waiting on a broken node. A cordon is different: validating a cordoned new node is the point.
const CONDITION_TAINTS: &str = "node.kubernetes.io/";
const CORDON_TAINT: &str = "node.kubernetes.io/unschedulable";

/// Where the validator runs and what it runs (config keys `validator-image`, `validator-namespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub image: String,
    pub namespace: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { image: DEFAULT_IMAGE.into(), namespace: DEFAULT_NAMESPACE.into() }
    }
}

/// One validation of one node, from the question to the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Outcomes of the effects carry it; those of another run are dropped.
    pub id: u64,
    pub node: String,
    pub node_uid: String,
    pub namespace: String,
    /// The Job, once created (the server picks its name's suffix).
    pub job: Option<String>,
    /// The Job's pod, once it started: its log holds the verdict.
    pub pod: Option<String>,
    /// The verdict was read, or the run ended without one: its log is not scanned any more.
    pub done: bool,
    /// `:requalify`: the node was cordoned first, and the verdict labels it and (on pass) uncordons it unasked.
    pub requalify: bool,
}

pub use crate::model::validation::Step;

#[derive(Debug, Default)]
pub struct Validation {
    pub settings: Settings,
    /// The run being asked about; it becomes `current` once its Job exists.
    asked: Option<Run>,
    pub current: Option<Run>,
    last_id: u64,
}

/// The Job that validates `node`: pinned to it by hostname, one GPU, tolerating the GPU taint, the node's own
/// scheduling taints (new nodes are often tainted until validated) and a cordon, never retried, removed an hour
/// after it ends.
pub fn job_spec(settings: &Settings, node: &NodeRow) -> Value {
    let name = node.id.name.as_str();
    let labels = json!({"app.kubernetes.io/managed-by": "gpudeck", NODE_LABEL: label_value(name)});
    let mut tolerations = vec![json!({"key": GPU, "operator": "Exists", "effect": "NoSchedule"})];
    for taint in &node.taints {
        let Some((key, effect)) = taint.rsplit_once(':') else { continue };
        let lifecycle = key.starts_with(CONDITION_TAINTS) && key != CORDON_TAINT;
        let toleration = json!({"key": key, "operator": "Exists", "effect": effect});
        if matches!(effect, "NoSchedule" | "NoExecute") && !lifecycle && !tolerations.contains(&toleration) {
            tolerations.push(toleration);
        }
    }
    // Cordoned or not yet: `:requalify` cordons the node just before the Job is created.
    let cordon = json!({"key": CORDON_TAINT, "operator": "Exists", "effect": "NoSchedule"});
    if !tolerations.contains(&cordon) {
        tolerations.push(cordon);
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"generateName": job_prefix(name), "namespace": settings.namespace, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": DEADLINE_SECONDS,
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "nodeSelector": {"kubernetes.io/hostname": name},
                    "tolerations": tolerations,
                    "containers": [{
                        "name": "validator",
                        "image": settings.image,
                        "args": ARGS,
                        "resources": {"limits": {GPU: "1"}},
                    }],
                },
            },
        },
    })
}

/// `gpudeck-validate-<node>-`: the server appends five characters. A Job's name becomes its pods' `job-name`
/// label, so the whole name must stay a 63-character DNS label: the prefix keeps at most 58.
fn job_prefix(node: &str) -> String {
    let mut prefix = format!("gpudeck-validate-{}", dns_label(node));
    prefix.truncate(57);
    format!("{}-", prefix.trim_end_matches('-'))
}

/// A node name (a DNS subdomain, up to 253 characters) as a label value: 63 characters, alphanumeric at the ends.
fn label_value(node: &str) -> String {
    let mut value = dns_label(node);
    value.truncate(63);
    value.trim_end_matches('-').to_string()
}

fn dns_label(name: &str) -> String {
    let label: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    label.trim_matches('-').to_string()
}

impl State {
    /// `v`: in the nodes and GPU panes, validate the selected node in the cluster (after a yes); in the inference
    /// pane, run the picked images on this machine.
    pub(super) fn validate_selected(&mut self) {
        let node = match self.pane {
            Pane::Nodes => self.nodes.selected_row().map(|l| l.node.clone()),
            Pane::Gpu => {
                let uid = self.gpus.table.selected_row().map(|l| l.id.uid.clone());
                uid.and_then(|uid| self.node_rows.get(&uid).cloned())
            }
            Pane::Inference => {
                match self.inference.start() {
                    Ok(effect) => self.effects.push(effect),
                    Err(why) => self.notice = Some(warning(why)),
                }
                return;
            }
            Pane::Triage | Pane::Pods | Pane::Workloads | Pane::Images | Pane::Browse | Pane::Helm | Pane::History => {
                let hint = "validate: select a GPU node (nodes or gpu pane), or pick images in the inference pane (7)";
                self.notice = Some(warning(hint.into()));
                return;
            }
        };
        let Some(node) = node else {
            self.notice = Some(warning("validate: select a GPU node".into()));
            return;
        };
        self.ask_validation(&node, false);
    }

    /// `:requalify`: cordon the selected GPU node, validate it, and uncordon it on pass (on fail it stays cordoned
    /// and labelled), one question for all of it.
    pub(super) fn requalify_selected(&mut self) {
        let node = self.targets().into_iter().find(|t| t.kind == "Node");
        let Some(node) = node.and_then(|t| self.node_rows.values().find(|n| n.id.name == t.name).cloned()) else {
            self.notice = Some(warning("requalify: select a GPU node (nodes or gpu pane)".into()));
            return;
        };
        self.ask_validation(&node, true);
    }

    pub(super) fn ask_validation(&mut self, node: &NodeRow, requalify: bool) {
        let name = &node.id.name;
        if self.refuse_in_read_only(&format!("validating node {name}")) {
            return;
        }
        if node.gpu_allocatable == 0 {
            self.notice = Some(warning(format!("validate: node {name} has no GPUs")));
            return;
        }
        let v = &mut self.validation;
        v.last_id += 1;
        let run = Run {
            id: v.last_id,
            node: name.clone(),
            node_uid: node.id.uid.clone(),
            namespace: v.settings.namespace.clone(),
            job: None,
            pod: None,
            done: false,
            requalify,
        };
        let job = job_spec(&v.settings, node);
        let create = format!(
            "job {}… in namespace {} on node {name}, taking 1 GPU, running {} `gpudeck {}`",
            job_prefix(name),
            run.namespace,
            v.settings.image,
            ARGS.join(" ")
        );
        let question = if requalify {
            format!(
                "requalify node {name}: 1 cordon it, 2 create {create}, 3 label it with the verdict, 4 uncordon it on pass (on fail it stays cordoned)?"
            )
        } else {
            format!("create {create}?")
        };
        let effect = Effect::Validate { run: run.id, job, cordon: requalify.then(|| name.clone()) };
        v.asked = Some(run);
        let back = self.mode.clone();
        self.ask_to_send(question, None, effect, back);
    }

    /// How the validation's Job is getting on.
    pub(super) fn absorb_validation(&mut self, id: u64, step: Step) {
        let v = &mut self.validation;
        // The first outcome of the run asked about makes it the current one (a refused create included).
        if let Some(run) = v.asked.take_if(|r| r.id == id) {
            v.current = Some(run);
        }
        let Some(run) = v.current.as_mut().filter(|r| r.id == id) else { return };
        let node = run.node.clone();
        let flow = if run.requalify { "requalify" } else { "validate" };
        match step {
            Step::Cordoned => {
                self.notice =
                    Some(Notice { error: false, text: format!("requalify {node}: cordoned; creating the job…") })
            }
            Step::Created { job } => {
                run.job = Some(job.clone());
                self.notice = Some(Notice {
                    error: false,
                    text: format!("{flow} {node}: created job {}/{job}; waiting for its pod…", run.namespace),
                });
            }
            Step::Waiting(why) => self.notice = Some(Notice { error: false, text: format!("{flow} {node}: {why}") }),
            Step::Started { pod } => {
                let target = LogTarget::new(run.namespace.clone(), pod.clone());
                run.pod = Some(pod.clone());
                // The verdict is read from the logs view; it opens unless another prompt has the screen.
                if matches!(self.mode, Mode::Normal | Mode::Logs { .. }) {
                    self.stream_logs(target);
                } else {
                    self.notice = Some(Notice {
                        error: false,
                        text: format!(
                            "validate {node}: pod {}/{pod} started; `:ns {}` then `:logs {pod}` reads its verdict",
                            run.namespace, run.namespace
                        ),
                    });
                }
            }
            Step::Failed(why) => {
                run.done = true;
                self.notice = Some(warning(format!("validate {node}: {why}; the node is not labelled")));
            }
        }
    }

    /// The run whose pod's log the view `generation` shows, while its verdict is still awaited.
    fn awaiting_verdict(&self, generation: u64) -> Option<&Run> {
        let logs = self.logs.as_ref().filter(|l| l.generation == generation)?;
        self.validation.current.as_ref().filter(|r| {
            !r.done && r.namespace == logs.target.namespace && r.pod.as_deref() == Some(logs.target.pod.as_str())
        })
    }

    /// Lines of a logs view: when they are the validator's, look for its verdict among them.
    pub(super) fn scan_for_verdict(&mut self, generation: u64, lines: &[LogLine]) {
        let Some(run) = self.awaiting_verdict(generation) else { return };
        let texts = lines.iter().filter(|l| !l.marker).map(|l| l.text.as_str());
        let Some(found) = Report::find_in_log(texts) else { return };
        let (node, uid, requalify) = (run.node.clone(), run.node_uid.clone(), run.requalify);
        if let Some(run) = self.validation.current.as_mut() {
            run.done = true;
        }
        let report = match found {
            Ok(report) => report,
            Err(why) => {
                self.notice = Some(warning(format!("validate {node}: {why}; the node is not labelled")));
                return;
            }
        };
        let value = if report.pass { "pass" } else { "fail" };
        let summary = crate::sanitize::clean(&report.summary());
        self.notice = Some(Notice { error: !report.pass, text: format!("validate {node}: {summary}") });
        if self.read_only {
            self.notice = Some(warning(format!("validate {node}: {summary} — read-only: not labelled")));
            return;
        }
        let label = Effect::LabelNode { node: node.clone(), uid, label: VALIDATED_LABEL.into(), value: value.into() };
        if requalify {
            // The operator said yes to the whole flow: the verdict decides, unasked.
            self.effects.push(label);
            if report.pass {
                let targets = vec![ObjectAddress::node(&node)];
                self.effects.push(Effect::Operate { operation: Operation::Uncordon, targets });
            }
            let next = if report.pass { "labelled pass, uncordoning" } else { "labelled fail, it stays cordoned" };
            self.notice = Some(Notice { error: !report.pass, text: format!("requalify {node}: {summary}; {next}") });
            return;
        }
        if !matches!(self.mode, Mode::Normal | Mode::Logs { .. }) {
            return;
        }
        let back = self.mode.clone();
        let question = format!("label node {node} {VALIDATED_LABEL}={value}? verdict: {summary}");
        self.ask_to_send(question, None, label, back);
    }

    /// A logs view ended: if it was the validator's and no verdict came, say so (the view keeps its lines).
    pub(super) fn validation_log_ended(&mut self, generation: u64, why: &str) {
        let Some(node) = self.awaiting_verdict(generation).map(|r| r.node.clone()) else { return };
        if let Some(run) = self.validation.current.as_mut() {
            run.done = true;
        }
        let why = if why.is_empty() { String::new() } else { format!(" ({why})") };
        self.notice = Some(warning(format!("validate {node}: the pod ended without a verdict{why}; not labelled")));
    }

    /// Another cluster: runs of the old one are forgotten.
    pub(super) fn forget_validation(&mut self) {
        self.validation.asked = None;
        self.validation.current = None;
    }
}

#[cfg(test)]
mod tests;
