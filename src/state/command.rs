//! The `:` command prompt: candidates and completion for commands, namespaces and contexts, and running a command.

use super::browse;
use super::{Notice, Pane, State, warning};
use crate::event::Effect;

/// The `:` commands, for completion and the unknown-command hint.
pub const COMMANDS: &[&str] = &[
    "triage",
    "nodes",
    "pods",
    "workloads",
    "deploy",
    "sts",
    "jobs",
    "gpu",
    "images",
    "inference",
    "fit",
    "logs",
    "ns",
    "ctx",
    "new",
    "apply",
    "edit",
    "recover",
    "discard",
    "cordon",
    "drain",
    "requalify",
    "uncordon",
    "delete",
    "evict",
    "label",
    "taint",
    "shell",
    "attach",
    "debug",
    "node-shell",
    "pf",
    "helm",
    "rollback",
    "helm-unlock",
    "diff",
    "history",
    "undo",
    "pause",
    "resume",
    "q",
];

impl State {
    /// Candidates for the word being typed at the command prompt: commands, then namespaces or contexts.
    pub fn candidates(&self, input: &str) -> Vec<String> {
        match input.split_once(' ') {
            None => {
                let resources = self.resources.iter().flat_map(|r| r.names());
                let mut names: Vec<String> = COMMANDS
                    .iter()
                    .copied()
                    .chain(resources)
                    .filter(|c| c.starts_with(input))
                    .map(str::to_string)
                    .collect();
                names.sort();
                names.dedup();
                names
            }
            Some(("ns", word)) => std::iter::once("all".to_string())
                .chain(self.namespaces.iter().cloned())
                .filter(|n| n.starts_with(word))
                .collect(),
            Some(("ctx", word)) => self.contexts.iter().filter(|c| c.starts_with(word)).cloned().collect(),
            Some(("new", word)) => crate::manifest::templates::NAMES
                .iter()
                .filter(|n| n.starts_with(word))
                .map(|n| n.to_string())
                .collect(),
            Some(_) => Vec::new(),
        }
    }

    /// Completes the last word to the longest prefix shared by its candidates (a space follows a unique command).
    pub(super) fn complete(&self, input: &str) -> String {
        let candidates = self.candidates(input);
        let Some(first) = candidates.first() else { return input.to_string() };
        let common = candidates.iter().fold(first.clone(), |acc, c| {
            acc.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
        });
        match input.split_once(' ') {
            None if candidates.len() == 1 && matches!(common.as_str(), "ns" | "ctx" | "new") => format!("{common} "),
            None => common,
            Some((cmd, _)) => format!("{cmd} {common}"),
        }
    }

    pub(super) fn run_command(&mut self, input: &str) {
        let mut words = input.split_whitespace();
        let (command, arg) = (words.next().unwrap_or_default(), words.next());
        let args: Vec<&str> = input.split_whitespace().skip(1).collect();
        if self.operation_command(command, &args) {
            return;
        }
        match command {
            "drain" => return self.open_drain(&args),
            "requalify" => return self.requalify_selected(),
            "shell" | "attach" => return self.shell_command(&args, command == "attach"),
            "debug" => return self.debug_command(&args),
            "node-shell" => return self.node_shell_command(),
            "pf" | "port-forward" => return self.forward_command(&args),
            "helm" => return self.open_helm(arg),
            "rollback" => return self.rollback_command(&args),
            "helm-unlock" => return self.unlock_command(),
            "diff" => return self.diff_command(&args),
            "history" => return self.open_history(&args),
            "undo" => return self.undo_command(&args),
            "pause" | "resume" => return self.pause_command(&args, command == "pause"),
            _ => {}
        }
        match (command, arg) {
            ("q" | "quit", _) => self.quit = true,
            ("logs" | "log", _) => self.logs_command(input.split_whitespace().skip(1).collect()),
            ("triage", _) => self.pane = Pane::Triage,
            ("nodes" | "no" | "node", _) => self.pane = Pane::Nodes,
            ("pods" | "po" | "pod", _) => self.pane = Pane::Pods,
            ("gpu" | "gpus", _) => self.pane = Pane::Gpu,
            ("inference" | "infer" | "validate", _) => self.pane = Pane::Inference,
            ("images" | "image" | "img", arg) => {
                self.pane = Pane::Images;
                if let Some(reference) = arg {
                    match self.images.open_typed(reference) {
                        Ok(effect) => self.effects.extend(effect),
                        Err(why) => self.notice = Some(warning(why)),
                    }
                }
            }
            ("fit", _) => {
                let args: Vec<&str> = input.split_whitespace().skip(1).collect();
                match super::gpus::fit::FitQuery::parse(&args) {
                    Ok(query) => {
                        self.gpus.fit = Some(query);
                        self.pane = Pane::Gpu;
                    }
                    Err(usage) => self.notice = Some(warning(usage)),
                }
            }
            ("workloads" | "deploy" | "deployments" | "sts" | "statefulsets" | "jobs" | "job", _) => {
                self.pane = Pane::Workloads;
                let kind = match command {
                    "deploy" | "deployments" => "^deployment ",
                    "sts" | "statefulsets" => "^statefulset ",
                    "jobs" | "job" => "^job ",
                    _ => "",
                };
                self.notice = self.workloads.set_filter(kind).map(warning);
            }
            ("ns", None) => self.open_picker("ns"),
            ("ns", Some("all" | "-A")) => self.namespace = None,
            ("ns", Some(ns)) if self.namespaces.is_empty() || self.namespaces.contains(ns) => {
                self.namespace = Some(ns.to_string())
            }
            ("ns", Some(ns)) => self.notice = Some(warning(format!("no namespace \"{ns}\""))),
            ("ctx", Some(ctx)) if self.contexts.iter().any(|c| c == ctx) => {
                self.effects.push(Effect::SwitchContext(ctx.to_string()));
                self.notice = Some(Notice { error: false, text: format!("connecting to {ctx}…") });
            }
            ("ctx", Some(ctx)) => self.notice = Some(warning(format!("no context \"{ctx}\" in the kubeconfig"))),
            ("ctx", None) if self.contexts.is_empty() => {
                self.notice = Some(Notice { error: false, text: "no contexts: this is the demo cluster".into() })
            }
            ("ctx", None) => self.open_picker("ctx"),
            ("yaml", _) => {
                let args: Vec<&str> = input.split_whitespace().skip(1).collect();
                if let Some(address) = self.address_in("yaml", &args) {
                    self.document_generation += 1;
                    self.effects.push(Effect::Yaml { address, generation: self.document_generation });
                    self.notice = Some(Notice { error: false, text: "loading…".into() });
                }
            }
            ("new" | "apply" | "edit" | "recover" | "discard", _) => {
                let args: Vec<&str> = input.split_whitespace().skip(1).collect();
                self.editor_command(command, &args);
            }
            ("", _) => {}
            (word, _) => self.open_resource(word),
        }
    }

    /// `:RESOURCE`: a generic view of any resource discovery knows. A word it does not know asks discovery again
    /// once (a CRD created since the last answer), then says so with the nearest names.
    fn open_resource(&mut self, word: &str) {
        match browse::resolve(&self.resources, word) {
            Some(resource) => {
                let effect = self.browse.open(resource.clone(), self.namespace.clone(), false);
                self.effects.push(effect);
                self.pane = Pane::Browse;
                self.notice = None;
            }
            None => {
                self.browse.awaiting = Some(word.to_string());
                self.effects.push(Effect::Discover);
                self.notice = Some(Notice { error: false, text: format!("looking up \"{word}\"…") });
            }
        }
    }

    /// Discovery answered (`failed`: or could not) while a `:RESOURCE` waited for it.
    pub(super) fn resolve_awaited(&mut self, failed: Option<&str>) {
        let Some(word) = self.browse.awaiting.take() else { return };
        if browse::resolve(&self.resources, &word).is_some() {
            self.open_resource(&word);
            return;
        }
        let nearest = browse::nearest(&self.resources, &word);
        let hint = match (failed, nearest.is_empty()) {
            (Some(why), _) => format!(" (discovery failed: {why})"),
            (None, true) => format!(" (commands: :{})", COMMANDS.join(" :")),
            (None, false) => {
                format!("; nearest: {}", nearest.iter().map(|n| format!(":{n}")).collect::<Vec<_>>().join(" "))
            }
        };
        self.notice = Some(warning(format!("unknown command or resource \":{word}\"{hint}")));
    }
}
