//! From a GPU fault in triage (an XID, a hot GPU) to its remedy: the steps an operator takes on that node — cordon,
//! drain its GPU pods, restart its device-plugin pod (the known way out once a GPU is marked unhealthy), validate
//! and uncordon on pass — each with where it stands now, each run through its own confirmed flow.

use super::{Mode, State, warning};
use crate::action::Action;
use crate::event::ObjectAddress;
use crate::model::drain::DrainOptions;
use crate::model::operation::{Cascade, Operation};
use crate::model::pods::PodRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Cordon,
    DrainGpuPods,
    RestartDevicePlugin,
    Requalify,
}

pub const STEPS: [Step; 4] = [Step::Cordon, Step::DrainGpuPods, Step::RestartDevicePlugin, Step::Requalify];

/// The remedy panel for one node's GPU fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub node: String,
    /// The triage line's words: "gpu3 XID 79 GPU has fallen off the bus".
    pub fault: String,
    pub selected: usize,
}

/// How the device plugin's pods are named by the NVIDIA GPU operator and the plugin's own DaemonSet.
const DEVICE_PLUGIN: &str = "device-plugin";

impl State {
    /// `enter` on a GPU fault line of triage.
    pub(super) fn open_remedy(&mut self, node: String, fault: String) {
        self.mode = Mode::Remedy(Remedy { node, fault, selected: 0 });
    }

    /// Where a step stands now, from what the console holds.
    pub fn remedy_status(&self, remedy: &Remedy, step: Step) -> String {
        let node = self.node_rows.values().find(|n| n.id.name == remedy.node);
        let gpu_pods = self.pods.all().filter(|p| p.node == remedy.node && p.gpus > 0 && !p.finished()).count();
        match step {
            Step::Cordon => match node {
                Some(n) if n.status.contains("SchedulingDisabled") => "cordoned".into(),
                Some(_) => "schedulable: new GPU work still lands here".into(),
                None => "node not listed".into(),
            },
            Step::DrainGpuPods => format!("{gpu_pods} GPU pod(s) on the node"),
            Step::RestartDevicePlugin => match self.device_plugin(&remedy.node) {
                Some(pod) => format!(
                    "{}/{} (up {}; its DaemonSet recreates it)",
                    pod.id.namespace,
                    pod.id.name,
                    crate::model::age(self.now - pod.created)
                ),
                None => "no device-plugin pod on the node".into(),
            },
            Step::Requalify => match node.and_then(|n| n.validated.clone()) {
                Some(v) => format!("last validation: {v}"),
                None => "never validated".into(),
            },
        }
    }

    pub(super) fn act_in_remedy(&mut self, action: Action) {
        let Mode::Remedy(remedy) = &mut self.mode else { return };
        match action {
            Action::Down => remedy.selected = (remedy.selected + 1).min(STEPS.len() - 1),
            Action::Up => remedy.selected = remedy.selected.saturating_sub(1),
            Action::Back => self.mode = Mode::Normal,
            Action::Accept | Action::DrillIn | Action::Confirm => {
                let (node, step) = (remedy.node.clone(), STEPS[remedy.selected]);
                self.mode = Mode::Normal;
                self.run_remedy_step(node, step);
            }
            _ => {}
        }
    }

    fn run_remedy_step(&mut self, node: String, step: Step) {
        match step {
            Step::Cordon => self.ask_operation_on(Operation::Cordon, vec![ObjectAddress::node(&node)]),
            Step::DrainGpuPods => {
                self.open_drain_on(vec![node], DrainOptions { gpu_only: true, ..DrainOptions::default() })
            }
            Step::RestartDevicePlugin => match self.device_plugin(&node) {
                Some(pod) => {
                    let pod = ObjectAddress::pod(&pod.id.namespace, &pod.id.name);
                    let delete = Operation::Delete { force: false, grace: None, cascade: Cascade::Background };
                    self.ask_operation_on(delete, vec![pod]);
                }
                None => self.notice = Some(warning(format!("no device-plugin pod runs on {node}"))),
            },
            Step::Requalify => match self.node_rows.values().find(|n| n.id.name == node).cloned() {
                Some(row) => self.ask_validation(&row, true),
                None => self.notice = Some(warning(format!("node {node} is not listed"))),
            },
        }
    }

    /// The device-plugin pod on `node` (a DaemonSet pod whose name says so).
    fn device_plugin(&self, node: &str) -> Option<&PodRow> {
        self.pods.all().find(|p| {
            p.node == node
                && p.id.name.contains(DEVICE_PLUGIN)
                && p.owner.as_ref().is_some_and(|(k, _)| k == "DaemonSet")
        })
    }
}

#[cfg(test)]
mod tests;

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Cordon => "cordon the node",
            Step::DrainGpuPods => "drain its GPU pods (preview first)",
            Step::RestartDevicePlugin => "restart its device-plugin pod",
            Step::Requalify => "validate it, uncordon on pass",
        }
    }
}
