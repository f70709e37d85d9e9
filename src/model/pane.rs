//! The console's panes and their names: vocabulary the layout, the state and the UI share.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Triage,
    Nodes,
    Pods,
    Workloads,
    Gpu,
    Images,
    Inference,
    /// The generic view of whatever `:RESOURCE` opened last.
    Browse,
    /// Helm releases (`:helm`).
    Helm,
    /// One workload's rollout history (`:history`).
    History,
}

pub const PANES: [Pane; 10] = [
    Pane::Triage,
    Pane::Nodes,
    Pane::Pods,
    Pane::Workloads,
    Pane::Gpu,
    Pane::Images,
    Pane::Inference,
    Pane::Browse,
    Pane::Helm,
    Pane::History,
];

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Triage => "triage",
            Pane::Nodes => "nodes",
            Pane::Pods => "pods",
            Pane::Workloads => "workloads",
            Pane::Gpu => "gpu",
            Pane::Images => "images",
            Pane::Inference => "inference",
            Pane::Browse => "resources",
            Pane::Helm => "helm",
            Pane::History => "history",
        }
    }
}
