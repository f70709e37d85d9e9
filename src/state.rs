//! The console's state and its pure reducers: `act` for actions, `absorb` for data, `settle` once per burst.
//! No IO, no clock reads, no async: everything arrives as an argument.

mod absorb;
pub mod browse;
pub mod command;
pub mod drain;
pub mod editor;
pub mod fabric;
mod forward;
pub mod gpus;
pub mod helm;
pub mod history;
pub mod images;
pub mod inference;
pub mod logs;
pub mod mutate;
mod navigate;
pub mod nodes;
mod operate;
mod pane;
pub mod picker;
pub mod pods;
pub mod remedy;
pub mod session;
mod stuck;
pub mod table;
pub mod triage;
pub mod validation;
pub mod workloads;

use std::collections::{BTreeSet, HashMap};

use crate::action::Action;
use crate::event::{Effect, ObjectAddress, ObjectKind, ObjectRef, PodUsage};
use crate::layout::Screen;
use crate::model::nodes::NodeRow;
use crate::model::operation::{Cascade, Operation};
use crate::model::pods::PodRow;
use crate::model::workloads::WorkloadRow;
pub use mutate::{Confirm, Confirmed};
use nodes::NodeLine;
pub use pane::{PANES, Pane, TablePane};
use table::{Delta, Scope, Table};
use triage::{TriageRow, Warnings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a filter; `before` is restored on cancel.
    Filter {
        input: String,
        before: String,
    },
    /// Typing a `:` command.
    Command {
        input: String,
    },
    /// A describe or YAML text (or a diff), scrolled to `scroll`; `secrets` are the lines of Secret values, masked
    /// until `reveal`.
    Document {
        title: String,
        lines: Vec<String>,
        style: DocStyle,
        scroll: usize,
        secrets: Vec<std::ops::Range<usize>>,
        reveal: bool,
    },
    /// The key list, scrolled by `scroll` rows (it is longer than a small screen).
    Help {
        scroll: usize,
    },
    /// Choosing a namespace or context from a list.
    Picker(picker::Picker),
    /// The logs view (`State::logs`), with the search or save prompt being typed.
    Logs {
        prompt: Option<logs::LogPrompt>,
    },
    /// The YAML editor (`State::editor`); its stage says which keys apply.
    Editor,
    /// A drain's preview, progress and report (`State::drain`).
    Drain,
    /// The steps out of a GPU fault, offered on its triage line.
    Remedy(remedy::Remedy),
    /// The running port-forwards (`State::forwards`), one selected.
    Forwards {
        selected: usize,
    },
    /// Choosing a workload's replicas.
    Scale(mutate::ScalePrompt),
    /// A yes/no question before a mutation.
    Confirm(Box<Confirm>),
}

impl Mode {
    /// A text (or a diff) shown from its top.
    pub fn document(title: String, lines: Vec<String>, style: DocStyle) -> Mode {
        Mode::Document { title, lines, style, scroll: 0, secrets: Vec::new(), reveal: false }
    }

    /// The view on screen: this mode, or for a question, the view it was asked over (the editor under "apply?",
    /// the logs under a validator's "label the node?").
    pub fn beneath(&self) -> &Mode {
        match self {
            Mode::Confirm(c) => c.back.beneath(),
            view => view,
        }
    }
}

/// How a document's lines are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocStyle {
    Text,
    /// Keys highlighted.
    Yaml,
    /// `+`/`-` lines coloured, `@@` and `===` headers muted.
    Diff,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

#[derive(Debug)]
pub struct State {
    /// Context name, or "demo cluster".
    pub title: String,
    /// Mutations are refused (`--readonly`, or a context the config lists).
    pub read_only: bool,
    /// `--readonly` was given: every context is read-only.
    pub always_read_only: bool,
    /// Contexts the config marks read-only.
    pub read_only_contexts: Vec<String>,
    pub pane: Pane,
    pub zoom: bool,
    pub mode: Mode,
    pub triage: Table<TriageRow>,
    pub nodes: Table<NodeLine>,
    pub pods: Table<PodRow>,
    pub workloads: Table<WorkloadRow>,
    pub gpus: gpus::Gpus,
    pub images: images::Images,
    pub inference: inference::Inference,
    /// The generic view (`:svc`, `:pvc`, a CRD's objects…).
    pub browse: browse::Browse,
    /// What triage judges between the pods: Services, claims, certificates, policies, autoscalers, the node layer.
    pub fabric: fabric::Fabric,
    /// Helm releases, from their records.
    pub helm: helm::Helm,
    pub history: history::HistoryView,
    stuck: stuck::StuckRollouts,
    /// The images pane was in view at the last settle (coming back to it lists stale registries again).
    images_in_view: bool,
    node_rows: HashMap<String, NodeRow>,
    pod_usage: PodUsage,
    /// GPU utilization of the pods holding GPUs, from the last DCGM scrape.
    pod_gpu_util: gpus::PodGpuUtil,
    /// Why usage columns are empty (no metrics.k8s.io), shown in the title bar.
    pub metrics_unavailable: Option<String>,
    node_usage: HashMap<String, (u64, u64)>,
    /// Recent Warning events, for triage lines about objects that have none of their own.
    warning_events: Warnings,
    /// GPUs requested by the unfinished pods on each node, kept in step with pod deltas.
    gpus_by_node: HashMap<String, u32>,
    /// Triage must be rebuilt from scratch (after a relist); otherwise it follows deltas.
    triage_stale: bool,
    /// Node lines must be rebuilt (a node, its GPU count or its usage changed).
    node_lines_stale: bool,
    pub namespace: Option<String>,
    pub notice: Option<Notice>,
    /// Warnings from loading keymaps and themes, shown until dismissed.
    pub warnings: Vec<String>,
    pub now: i64,
    pub size: (u16, u16),
    /// Resources whose first list has arrived.
    pub synced: BTreeSet<&'static str>,
    pub namespaces: BTreeSet<String>,
    /// Context names from the kubeconfig (empty for the demo cluster).
    pub contexts: Vec<String>,
    /// IO the loop must run for the last actions.
    pub effects: Vec<Effect>,
    /// The open logs view; it stays while the mode is `Logs`.
    pub logs: Option<logs::Logs>,
    /// The drain being previewed, run or reported; it stays while the mode is `Drain`.
    pub drain: Option<drain::Drain>,
    /// Answers about older drains are dropped.
    drain_generation: u64,
    /// The log stream the view takes lines from; lines of older streams are dropped.
    log_generation: u64,
    /// Lines a logs view keeps (`--log-lines`).
    pub log_capacity: usize,
    /// The describe/YAML request whose answer is awaited; older answers are dropped.
    pub document_generation: u64,
    /// The last apply or dry-run sent; only grows, so no late outcome reaches a later editor.
    pub apply_generation: u64,
    /// The open YAML editor; it stays while the mode is `Editor` (or a question asked from it).
    pub editor: Option<editor::Editor>,
    /// What discovery says the cluster serves, for validation and `:edit KIND/NAME`.
    pub resources: Vec<crate::manifest::KnownResource>,
    pub kinds: crate::manifest::KnownKinds,
    /// Scales and restarts followed until done.
    pub rollouts: Vec<mutate::Rollout>,
    /// In-cluster node validation: its settings and the run in progress.
    pub validation: validation::Validation,
    /// Unapplied edits found in the recovery file at start, until `:recover` or `:discard`.
    pub recovered: Option<String>,
    /// Where node shells and debug containers come from.
    pub sessions: session::SessionSettings,
    /// Port-forwards started this run, in the order asked.
    pub forwards: Vec<crate::model::forward::ForwardRow>,
    /// The last forward id given out.
    forward_ids: u64,
    pub quit: bool,
}

impl State {
    pub fn new(title: impl Into<String>, read_only: bool, now: i64, size: (u16, u16)) -> Self {
        State {
            title: title.into(),
            read_only,
            always_read_only: read_only,
            read_only_contexts: Vec::new(),
            pane: Pane::Triage,
            zoom: false,
            mode: Mode::Normal,
            triage: Table::sorted_by(0, false),
            nodes: Table::default(),
            pods: Table::sorted_by(0, false),
            workloads: Table::default(),
            gpus: gpus::Gpus::new(std::time::Duration::from_secs(10)),
            images: images::Images::new(Vec::new()),
            inference: inference::Inference::new(
                crate::infer::bundle::ModelSource::Shipped,
                crate::infer::images::ImageSource::Shipped,
                crate::infer::device::DeviceRequest::Auto,
            ),
            browse: browse::Browse::default(),
            fabric: fabric::Fabric::default(),
            helm: helm::Helm::default(),
            history: history::HistoryView::default(),
            stuck: stuck::StuckRollouts::default(),
            images_in_view: false,
            node_rows: HashMap::new(),
            pod_usage: HashMap::new(),
            pod_gpu_util: HashMap::new(),
            metrics_unavailable: None,
            node_usage: HashMap::new(),
            warning_events: Warnings::default(),
            gpus_by_node: HashMap::new(),
            triage_stale: false,
            node_lines_stale: false,
            namespace: None,
            notice: None,
            warnings: Vec::new(),
            now,
            size,
            synced: BTreeSet::new(),
            namespaces: BTreeSet::new(),
            contexts: Vec::new(),
            effects: Vec::new(),
            logs: None,
            log_generation: 0,
            drain: None,
            drain_generation: 0,
            log_capacity: logs::DEFAULT_CAPACITY,
            document_generation: 0,
            apply_generation: 0,
            editor: None,
            resources: Vec::new(),
            kinds: crate::manifest::KnownKinds::new(),
            rollouts: Vec::new(),
            validation: validation::Validation::default(),
            recovered: None,
            sessions: session::SessionSettings::default(),
            forwards: Vec::new(),
            forward_ids: 0,
            quit: false,
        }
    }

    /// How often DCGM should be scraped now (the GPU pane in focus wants it often).
    pub fn dcgm_interval(&self) -> std::time::Duration {
        self.gpus.scrape_every(self.pane == Pane::Gpu)
    }

    /// Where everything goes on the current terminal.
    pub fn screen(&self) -> Screen {
        Screen::new(self.size, self.zoom, self.pane, self.gpus.chrome())
    }

    pub fn act(&mut self, action: Action) {
        let page = self.screen().rows(self.pane).max(1) as isize;
        match (&self.mode, action) {
            (Mode::Confirm(_), Action::Quit) => self.quit = true,
            (_, Action::Quit) if self.editor.as_ref().is_some_and(|e| e.dirty()) => self.leave_editor(true),
            (_, Action::Quit) => self.quit = true,
            (Mode::Editor, action) => self.act_in_editor(action),
            (Mode::Scale(_), action) => self.act_in_scale(action),
            (Mode::Confirm(_), action) => self.act_in_confirm(action),
            (Mode::Drain, action) => self.act_in_drain(action),
            (Mode::Remedy(_), action) => self.act_in_remedy(action),
            (Mode::Forwards { .. }, action) => self.act_in_forwards(action),
            (Mode::Help { .. }, Action::Help | Action::Back) => self.mode = Mode::Normal,
            (Mode::Help { scroll }, action) => {
                let step = match action {
                    Action::Down => 1,
                    Action::Up => -1,
                    Action::PageDown => page,
                    Action::PageUp => -page,
                    _ => 0,
                };
                // The renderer clamps to what the screen can show; here only the sign matters at the top.
                self.mode = Mode::Help { scroll: (*scroll as isize + step).max(0) as usize };
            }
            (Mode::Picker(_), action) => self.act_in_picker(action, page),
            (Mode::Logs { .. }, action) => self.act_in_logs(action),
            (Mode::Document { .. }, action) => self.scroll_document(action, page),
            (Mode::Command { .. }, Action::Back) => self.mode = Mode::Normal,
            (Mode::Command { input }, Action::Accept) => {
                let input = input.clone();
                self.mode = Mode::Normal;
                self.run_command(&input);
            }
            (Mode::Command { .. }, Action::DeleteChar) => {
                if let Mode::Command { input } = &mut self.mode {
                    input.pop();
                }
            }
            (Mode::Command { input }, Action::Complete) => {
                let completed = self.complete(input);
                self.mode = Mode::Command { input: completed };
            }
            (Mode::Command { .. }, _) => {}
            (Mode::Filter { .. }, Action::Accept) => self.mode = Mode::Normal,
            (Mode::Filter { before, .. }, Action::Back) => {
                let before = before.clone();
                self.notice = self.focused().filter(&before).map(warning);
                self.mode = Mode::Normal;
            }
            (Mode::Filter { .. }, Action::DeleteChar) => {
                if let Mode::Filter { input, .. } = &mut self.mode {
                    input.pop();
                }
                self.apply_filter_input();
            }
            (Mode::Filter { .. }, _) => {}
            (Mode::Normal, Action::Help) => self.mode = Mode::Help { scroll: 0 },
            (Mode::Normal, Action::Command) => self.mode = Mode::Command { input: String::new() },
            (Mode::Normal, Action::NextPane) => self.cycle_pane(1),
            (Mode::Normal, Action::PrevPane) => self.cycle_pane(-1),
            (Mode::Normal, Action::PaneTriage) => self.pane = Pane::Triage,
            (Mode::Normal, Action::PaneNodes) => self.pane = Pane::Nodes,
            (Mode::Normal, Action::PanePods) => self.pane = Pane::Pods,
            (Mode::Normal, Action::PaneWorkloads) => self.pane = Pane::Workloads,
            (Mode::Normal, Action::PaneGpu) => self.pane = Pane::Gpu,
            (Mode::Normal, Action::PaneImages) => self.pane = Pane::Images,
            (Mode::Normal, Action::PaneInference) => self.pane = Pane::Inference,
            (Mode::Normal, Action::PaneBrowse) => self.pane = Pane::Browse,
            (Mode::Normal, Action::PaneHelm) => self.open_helm(None),
            (Mode::Normal, Action::ToggleWarnings) if self.pane == Pane::Browse => {
                self.effects.extend(self.browse.toggle_warnings());
            }
            (Mode::Normal, Action::TogglePick) => self.toggle_mark(),
            (Mode::Normal, Action::PickAll) if self.pane == Pane::Inference => self.inference.pick_all(),
            (Mode::Normal, Action::Up) => self.focused().move_by(-1),
            (Mode::Normal, Action::Down) => self.focused().move_by(1),
            (Mode::Normal, Action::PageUp) => self.focused().move_by(-page),
            (Mode::Normal, Action::PageDown) => self.focused().move_by(page),
            (Mode::Normal, Action::Top) => self.focused().first(),
            (Mode::Normal, Action::Bottom) => self.focused().last(),
            (Mode::Normal, Action::SortNext) => self.focused().sort(1),
            (Mode::Normal, Action::SortPrev) => self.focused().sort(-1),
            (Mode::Normal, Action::SortReverse) => self.focused().sort(0),
            (Mode::Normal, Action::Zoom) => self.zoom = !self.zoom,
            (Mode::Normal, Action::Filter) => {
                let before = self.focused().filter_text().to_string();
                self.mode = Mode::Filter { input: before.clone(), before };
            }
            (Mode::Normal, Action::Back) => self.back(),
            (Mode::Normal, Action::DrillIn) => self.drill_in(),
            (Mode::Normal, Action::Describe) if self.pane == Pane::Helm => self.helm_doc(helm::Doc::Status),
            (Mode::Normal, Action::Describe | Action::Yaml) if self.pane == Pane::History => self.history_describe(),
            (Mode::Normal, Action::Yaml) if self.pane == Pane::Helm => self.helm_doc(helm::Doc::Manifest),
            (Mode::Normal, Action::Describe) => self.request_document(false),
            (Mode::Normal, Action::Yaml) => self.request_document(true),
            (Mode::Normal, Action::HelmValues) => self.helm_doc(helm::Doc::Values),
            (Mode::Normal, Action::HelmAllValues) => self.helm_doc(helm::Doc::AllValues),
            (Mode::Normal, Action::HelmNotes) => self.helm_doc(helm::Doc::Notes),
            (Mode::Normal, Action::HelmHooks) => self.helm_doc(helm::Doc::Hooks),
            (Mode::Normal, Action::HelmDiff) => self.helm_doc(helm::Doc::Diff(None)),
            (Mode::Normal, Action::HelmObjects) => self.helm_doc(helm::Doc::Objects),
            (Mode::Normal, Action::Rollback) if self.pane == Pane::History => self.undo_selected(),
            (Mode::Normal, Action::Rollback) => self.rollback_selected(),
            (Mode::Normal, Action::History) => self.open_history(&[]),
            (Mode::Normal, Action::PauseResume) => self.toggle_pause(),
            (Mode::Normal, Action::Logs) => self.open_logs(),
            (Mode::Normal, Action::Edit) => self.edit_selected(false),
            (Mode::Normal, Action::EditExternal) => self.edit_selected(true),
            (Mode::Normal, Action::Scale) => self.open_scale(),
            (Mode::Normal, Action::Restart) => self.ask_restart(),
            (Mode::Normal, Action::Validate) => self.validate_selected(),
            (Mode::Normal, Action::Cordon) => self.ask_operation(Operation::Cordon),
            (Mode::Normal, Action::Uncordon) => self.ask_operation(Operation::Uncordon),
            (Mode::Normal, Action::Delete) => {
                self.ask_operation(Operation::Delete { force: false, grace: None, cascade: Cascade::Background })
            }
            (Mode::Normal, Action::Evict) => self.ask_operation(Operation::Evict),
            (Mode::Normal, Action::Drain) => self.open_drain(&[]),
            (Mode::Normal, Action::Requalify) => self.requalify_selected(),
            (Mode::Normal, Action::Label) => self.mode = Mode::Command { input: "label ".into() },
            (Mode::Normal, Action::Taint) => self.mode = Mode::Command { input: "taint ".into() },
            (Mode::Normal, Action::Shell) => self.shell_command(&[], false),
            (Mode::Normal, Action::Attach) => self.shell_command(&[], true),
            (Mode::Normal, Action::Debug) => self.debug_command(&[]),
            (Mode::Normal, Action::NodeShell) => self.node_shell_command(),
            (Mode::Normal, Action::PortForward) => self.mode = Mode::Command { input: "pf ".into() },
            (
                Mode::Normal,
                Action::ToggleFollow
                | Action::ToggleWrap
                | Action::NextMatch
                | Action::PrevMatch
                | Action::Left
                | Action::Right
                | Action::Search
                | Action::Copy
                | Action::Save
                | Action::TogglePrevious
                | Action::ToggleTimestamps
                | Action::PickContainer
                | Action::ToggleColors
                | Action::Apply
                | Action::Undo
                | Action::Redo
                | Action::RevealSecrets
                | Action::Confirm
                | Action::Force
                | Action::Increment
                | Action::Decrement
                | Action::PickAll
                | Action::ToggleWarnings
                | Action::StopForward,
            ) => {}
            (Mode::Normal, Action::Accept | Action::DeleteChar | Action::Complete) => {}
        }
        self.settle();
    }

    /// A character typed at the filter prompt (the view narrows as you type) or the command prompt.
    pub fn type_char(&mut self, c: char) {
        match &mut self.mode {
            Mode::Filter { input, .. } => {
                input.push(c);
                self.apply_filter_input();
                self.settle();
            }
            Mode::Command { input } => input.push(c),
            Mode::Picker(_) => self.type_in_picker(c),
            Mode::Logs { prompt: Some(prompt) } => prompt.input.push(c),
            Mode::Editor => {
                if let Some(editor::Stage::Searching(input)) = self.editor.as_mut().map(|e| &mut e.stage) {
                    input.push(c);
                }
            }
            Mode::Scale(_) => self.type_in_scale(c),
            _ => {}
        }
    }

    fn scroll_document(&mut self, action: Action, page: isize) {
        // The document's own title line takes one row of the body.
        let height = usize::from(self.screen().body.height).saturating_sub(1);
        let Mode::Document { lines, scroll, .. } = &mut self.mode else { return };
        // The furthest scroll still fills the screen.
        let last = lines.len().saturating_sub(height) as isize;
        let to = match action {
            Action::Back | Action::Quit => {
                self.mode = Mode::Normal;
                return;
            }
            Action::Down => *scroll as isize + 1,
            Action::Up => *scroll as isize - 1,
            Action::PageDown => *scroll as isize + page,
            Action::PageUp => *scroll as isize - page,
            Action::Top => 0,
            Action::Bottom => last,
            Action::RevealSecrets => {
                if let Mode::Document { reveal, .. } = &mut self.mode {
                    *reveal = !*reveal;
                }
                return;
            }
            _ => return,
        };
        *scroll = to.clamp(0, last.max(0)) as usize;
    }

    fn apply_filter_input(&mut self) {
        let input = match &self.mode {
            Mode::Filter { input, .. } => input.clone(),
            _ => return,
        };
        self.notice = self.focused().filter(&input).map(warning);
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.settle();
    }

    /// Recomputes derived panes and views once per burst of events.
    pub fn settle(&mut self) {
        if self.triage_stale {
            let triage = triage::derive(
                self.pods.all(),
                self.node_rows.values(),
                self.workloads.all(),
                &self.warning_events,
                self.now,
            );
            self.triage.apply(Delta { reset: true, upserts: triage, deletes: vec![] });
            self.triage.apply(self.gpus.fault_lines(&self.node_rows, self.now));
            self.triage_stale = false;
            self.fabric.judge_all();
            self.helm.rejudge();
            self.stuck = stuck::StuckRollouts::default();
        }
        self.judge_rollouts();
        let (release_lines, open_release_changed) = self.helm.settle(self.now);
        self.triage.apply(release_lines);
        if open_release_changed && self.helm.open.as_ref().is_some_and(|o| o.records != helm::Records::Loading) {
            self.request_records();
        }
        let world = fabric::World {
            pods: &self.pods,
            nodes: &self.node_rows,
            workloads: &self.workloads,
            warnings: &self.warning_events,
        };
        let between = self.fabric.settle(&world, self.now);
        self.triage.apply(between);
        let changed = self.fabric.take_changed();
        let known = crate::views::Known { fabric: &self.fabric, pods: &self.pods, now: self.now };
        self.browse.refresh_derived(&known, changed);
        if let Some(nodes) = self.fabric.stats_due(&self.pods, self.now) {
            self.effects.push(Effect::VolumeStats { nodes });
        }
        if self.node_lines_stale {
            // A few hundred nodes: rebuilding them all is cheaper than tracking which line changed.
            let lines: Vec<NodeLine> = self
                .node_rows
                .values()
                .map(|n| NodeLine {
                    node: n.clone(),
                    gpus_allocated: self.gpus_by_node.get(n.id.name.as_str()).copied().unwrap_or(0),
                    usage: self.node_usage.get(&n.id.name).copied(),
                })
                .collect();
            self.nodes.apply(Delta { reset: true, upserts: lines, deletes: vec![] });
            self.node_lines_stale = false;
            self.gpus.stale = true;
        }
        if self.gpus.stale {
            self.gpus.rebuild(&self.node_rows, &self.gpus_by_node);
        }
        if !self.rollouts.is_empty() {
            self.settle_rollouts();
        }
        if self.pane == Pane::History {
            self.follow_history();
        }
        let arriving = self.pane == Pane::Images && !self.images_in_view;
        self.images_in_view = self.pane == Pane::Images;
        if self.images_in_view {
            let effects = self.images.enter(self.pods.all(), self.now, arriving);
            self.effects.extend(effects);
        }
        if self.pane == Pane::Inference {
            let effect = self.inference.enter();
            self.effects.extend(effect);
        }
        let ns = self.namespace.clone();
        let (now, screen) = (self.now, self.screen());
        self.triage.refresh(ns.as_deref(), now);
        self.nodes.refresh(ns.as_deref(), now);
        self.pods.refresh(ns.as_deref(), now);
        self.workloads.refresh(ns.as_deref(), now);
        self.gpus.table.refresh(None, now);
        self.images.repos.refresh(None, now);
        self.images.tags.refresh(None, now);
        self.inference.table.refresh(None, now);
        self.browse.table.refresh(ns.as_deref(), now);
        self.helm.releases.refresh(ns.as_deref(), now);
        self.helm.history.refresh(None, now);
        self.helm.objects.refresh(None, now);
        self.history.table.refresh(None, now);
        self.triage.scroll_to_selection(screen.rows(Pane::Triage));
        self.nodes.scroll_to_selection(screen.rows(Pane::Nodes));
        self.pods.scroll_to_selection(screen.rows(Pane::Pods));
        self.workloads.scroll_to_selection(screen.rows(Pane::Workloads));
        self.gpus.table.scroll_to_selection(screen.rows(Pane::Gpu));
        self.images.repos.scroll_to_selection(screen.rows(Pane::Images));
        self.images.tags.scroll_to_selection(screen.rows(Pane::Images));
        self.inference.table.scroll_to_selection(screen.rows(Pane::Inference));
        self.browse.table.scroll_to_selection(screen.rows(Pane::Browse));
        self.helm.releases.scroll_to_selection(screen.rows(Pane::Helm));
        self.history.table.scroll_to_selection(screen.rows(Pane::History));
        self.helm.history.scroll_to_selection(screen.rows(Pane::Helm));
        self.helm.objects.scroll_to_selection(screen.rows(Pane::Helm));
    }
}

fn warning(text: String) -> Notice {
    Notice { error: true, text }
}

#[cfg(test)]
mod tests;
