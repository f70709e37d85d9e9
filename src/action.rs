//! Actions: the vocabulary keymaps name (kebab-case), and the scopes a binding lives in.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    PaneTriage,
    PaneNodes,
    PanePods,
    PaneWorkloads,
    PaneGpu,
    PaneImages,
    PaneInference,
    /// The generic view of the resource `:RESOURCE` opened last.
    PaneBrowse,
    /// The Helm view (`:helm`).
    PaneHelm,
    /// In a generic view of events: Warnings only, or every event.
    ToggleWarnings,
    /// Mark or unmark the selected row for a command on several objects (inference pane: pick the image).
    TogglePick,
    /// In the inference pane: pick every image, or none.
    PickAll,
    /// Validate by inference: the picked images (inference pane) or the selected GPU node (a Job on it).
    Validate,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Back,
    DrillIn,
    Zoom,
    SortNext,
    SortPrev,
    SortReverse,
    /// In filter mode: keep the filter and leave the prompt.
    Accept,
    /// In filter and command mode: delete the last character.
    DeleteChar,
    /// `:` command mode.
    Command,
    /// In command mode: complete the word being typed.
    Complete,
    /// Describe the selected object (with its events); in the Helm view, the revision's status.
    Describe,
    /// In the Helm view: the selected revision's user-supplied values.
    HelmValues,
    /// In the Helm view: the chart's defaults merged with the user's values (`helm get values --all`).
    HelmAllValues,
    /// In the Helm view: the selected revision's notes.
    HelmNotes,
    /// In the Helm view: the selected revision's hooks.
    HelmHooks,
    /// In the Helm view: the selected revision against the marked one, or the one before it.
    HelmDiff,
    /// In the Helm view: the live objects of the selected revision's manifest.
    HelmObjects,
    /// Roll back to the selected revision (a dry-run diff first): a Helm release's, or in the history view the
    /// workload's (`:undo`).
    Rollback,
    /// The selected Deployment's, StatefulSet's or DaemonSet's rollout history (`:history`).
    History,
    /// Pause the selected Deployment's rollout, or resume it when paused (`:pause` / `:resume`, asked first).
    PauseResume,
    /// Show the selected object's YAML.
    Yaml,
    /// Open the selected pod's logs (in the logs view: follow on/off).
    Logs,
    ToggleFollow,
    ToggleWrap,
    NextMatch,
    PrevMatch,
    Left,
    Right,
    /// In the logs view: open the search prompt.
    Search,
    /// In the logs view: copy the current line to the clipboard (OSC 52, through SSH and tmux).
    Copy,
    /// In the logs view: save the buffer to a file.
    Save,
    /// In the logs view: switch between the current and the previous container instance.
    TogglePrevious,
    /// In the logs view: show or hide the server's timestamps.
    ToggleTimestamps,
    /// In the logs view: pick one container of the pod.
    PickContainer,
    /// In the logs view: draw the colours lines carry, or not.
    ToggleColors,
    /// Edit the selected object's YAML in the in-TUI editor.
    Edit,
    /// Edit the selected object's YAML in $EDITOR (the console steps aside until it exits).
    EditExternal,
    /// Scale the selected workload (prompt, then confirm).
    Scale,
    /// Rollout restart of the selected workload (confirm).
    Restart,
    /// Cordon the marked or selected nodes (confirm).
    Cordon,
    /// Uncordon the marked or selected nodes (confirm; twice for a node that failed validation).
    Uncordon,
    /// Delete the marked or selected objects (confirm).
    Delete,
    /// Evict the marked or selected pods through the Eviction API (confirm).
    Evict,
    /// Preview a drain of the marked or selected nodes (then `y` runs it).
    Drain,
    /// Cordon the selected GPU node, validate it, uncordon it on pass (one question).
    Requalify,
    /// Open the command prompt at `:label `.
    Label,
    /// Open the command prompt at `:taint `.
    Taint,
    /// A shell in the selected pod (a running pod of the selected workload): the first of bash, sh.
    Shell,
    /// Attach to the selected pod's main process.
    Attach,
    /// Add a debug container to the selected pod and attach to it (confirm).
    Debug,
    /// A shell on the selected node through a privileged pod (off unless the config enables it; confirm twice).
    NodeShell,
    /// Open the command prompt at `:pf ` (a port-forward to the selection).
    PortForward,
    /// In the port-forward list: stop the selected forward.
    StopForward,
    /// In the editor: dry-run, show the diff, then apply on confirmation.
    Apply,
    Undo,
    Redo,
    /// Show or hide Secret values.
    RevealSecrets,
    /// Yes, to a confirmation or an apply review.
    Confirm,
    /// After a conflict: take the fields from their managers (asks again first).
    Force,
    /// In the scale prompt: one more / one fewer.
    Increment,
    Decrement,
}

/// Where a binding applies; the first scope that binds a key wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Global,
    Table,
    Filter,
    Command,
    Help,
    /// A document view (describe, YAML).
    View,
    /// The `:ns` and `:ctx` pickers.
    Picker,
    /// The logs view.
    Logs,
    /// The YAML editor while editing.
    Editor,
    /// The apply review (diff), conflicts and results.
    Review,
    /// Yes/no questions.
    Confirm,
    /// The scale prompt.
    Prompt,
    /// A drain's preview, progress and report.
    Drain,
    /// The remedy steps of a GPU fault.
    Remedy,
    /// The port-forward list.
    Forwards,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Table => "table",
            Scope::Filter => "filter",
            Scope::Command => "command",
            Scope::Help => "help",
            Scope::View => "view",
            Scope::Picker => "picker",
            Scope::Logs => "logs",
            Scope::Editor => "editor",
            Scope::Review => "review",
            Scope::Confirm => "confirm",
            Scope::Prompt => "prompt",
            Scope::Drain => "drain",
            Scope::Remedy => "remedy",
            Scope::Forwards => "forwards",
        }
    }
}
