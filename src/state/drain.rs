//! `:drain`: a preview built from what the console already holds (which pods go, GPU pods first with their GPUs and
//! owners, what stays, what is lost, each pod's budget, where evicted GPU work can land), then the drain itself
//! followed pod by pod until a final report. `esc` while it runs stops sending evictions.

use super::gpus::GpuNodeLine;
use super::{Mode, Notice, State, warning};
use crate::event::Effect;
use crate::model::drain::{Budget, DrainOptions, DrainStep, Evictee};
use crate::model::pods::PodRow;
use crate::model::{GPU, ObjectId};

/// What the drain does with one pod of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Evicted; its controller recreates it elsewhere.
    Evict,
    /// Evicted with `--force` although nothing recreates it: it is lost.
    Lost,
    /// A bare pod without `--force`: the drain refuses to start, as kubectl does.
    Blocks,
    /// Left where it is, and why (a DaemonSet pod, a static pod, not a GPU pod under `--gpu-only`).
    Stays(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DrainPod {
    pub id: ObjectId,
    pub node: String,
    pub gpus: u32,
    /// When the pod was created: how long it has held its GPUs.
    pub since: i64,
    pub owner: Option<(String, String)>,
    pub fate: Fate,
    /// Its emptyDir volumes are deleted with it.
    pub empty_dir: bool,
    /// The budget guarding it, once the budgets are listed.
    pub budget: Option<Budget>,
    /// For an evicted GPU pod: the node it fits on now, or why it would go Pending.
    pub lands: Option<Result<String, String>>,
    /// What the drain has done with it so far.
    pub step: Option<DrainStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Preview,
    Running,
    /// Finished, or stopped by esc (the report counts what was not sent).
    Done,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drain {
    pub nodes: Vec<String>,
    pub options: DrainOptions,
    /// Evicted first (GPU pods first, most GPUs first), then those that stay.
    pub pods: Vec<DrainPod>,
    /// None until the budgets are listed; Err when they could not be.
    pub budgets: Option<Result<(), String>>,
    pub phase: Phase,
    pub generation: u64,
    pub scroll: usize,
    /// `--disable-eviction` was answered yes once; the second yes sends.
    pub armed: bool,
}

impl Drain {
    pub fn evicted(&self) -> impl Iterator<Item = &DrainPod> {
        self.pods.iter().filter(|p| matches!(p.fate, Fate::Evict | Fate::Lost))
    }

    /// Why `y` would be refused now.
    pub fn blocked(&self) -> Option<String> {
        let bare: Vec<&str> = self.pods.iter().filter(|p| p.fate == Fate::Blocks).map(|p| p.id.name.as_str()).collect();
        (!bare.is_empty()).then(|| {
            format!(
                "{} bare pod(s) would be lost ({}): :drain --force to evict them anyway",
                bare.len(),
                bare.join(", ")
            )
        })
    }

    /// The report line: evicted, skipped and why, failed and why.
    pub fn report(&self) -> String {
        let gone = self.evicted().filter(|p| p.step == Some(DrainStep::Gone)).count();
        let failed: Vec<String> = self
            .evicted()
            .filter_map(|p| match &p.step {
                Some(DrainStep::Failed(why)) => Some(format!("{}: {why}", p.id.name)),
                _ => None,
            })
            .collect();
        let unsent = self.evicted().filter(|p| p.step.is_none()).count();
        let stayed = self.pods.iter().filter(|p| matches!(p.fate, Fate::Stays(_))).count();
        let mut parts = vec![format!("{gone} evicted"), format!("{stayed} stayed")];
        if unsent > 0 {
            parts.push(format!("{unsent} not sent (stopped)"));
        }
        if !failed.is_empty() {
            parts.push(format!("{} failed: {}", failed.len(), failed.join("; ")));
        }
        format!("drain {}: {}", self.nodes.join(", "), parts.join(", "))
    }
}

impl State {
    /// `:drain [flags]` on the marked or selected nodes: opens the preview; nothing is sent yet.
    pub(super) fn open_drain(&mut self, args: &[&str]) {
        let options = match DrainOptions::parse(args) {
            Ok(options) => options,
            Err(why) => {
                self.notice = Some(warning(why));
                return;
            }
        };
        let targets = self.targets();
        if targets.is_empty() || targets.iter().any(|t| t.kind != "Node") {
            self.notice = Some(warning("drain: select a node (nodes or gpu pane; space marks several)".into()));
            return;
        }
        self.open_drain_on(targets.into_iter().map(|t| t.name).collect(), options);
    }

    /// The preview of draining `nodes`.
    pub(super) fn open_drain_on(&mut self, nodes: Vec<String>, options: DrainOptions) {
        if self.refuse_in_read_only("drain") {
            return;
        }
        let mut pods = plan(self.pods.all(), &nodes, &options);
        place_gpu_pods(&mut pods, self.gpus.table.all(), &nodes);
        self.drain_generation += 1;
        let generation = self.drain_generation;
        let namespaces: Vec<String> = pods
            .iter()
            .map(|p| p.id.namespace.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        self.effects.push(Effect::LoadBudgets { namespaces, generation });
        self.drain = Some(Drain {
            nodes,
            options,
            pods,
            budgets: None,
            phase: Phase::Preview,
            generation,
            scroll: 0,
            armed: false,
        });
        self.mode = Mode::Drain;
    }

    pub(super) fn absorb_budgets(&mut self, generation: u64, budgets: Result<Vec<Budget>, String>) {
        let Some(drain) = self.drain.as_mut().filter(|d| d.generation == generation) else { return };
        let labels = |p: &DrainPod| self.pods.get(&p.id.uid).map(|r| r.labels.clone()).unwrap_or_default();
        match budgets {
            Ok(budgets) => {
                for pod in &mut drain.pods {
                    let labels = labels(pod);
                    pod.budget = budgets.iter().find(|b| b.guards(&pod.id.namespace, &labels)).cloned();
                }
                drain.budgets = Some(Ok(()));
            }
            Err(why) => drain.budgets = Some(Err(why)),
        }
    }

    /// Keys in the drain view: `y` starts it (twice with `--disable-eviction`), esc stops it or closes the view.
    pub(super) fn act_in_drain(&mut self, action: crate::action::Action) {
        use crate::action::Action;
        // The context may have turned read-only since the preview opened.
        if action == Action::Confirm && self.refuse_in_read_only("drain") {
            return;
        }
        let Some(drain) = self.drain.as_mut() else {
            self.mode = Mode::Normal;
            return;
        };
        match (action, &drain.phase) {
            (Action::Confirm, Phase::Preview) => {
                if let Some(why) = drain.blocked() {
                    self.notice = Some(warning(why));
                    return;
                }
                let effect = Effect::Drain {
                    nodes: drain.nodes.clone(),
                    pods: drain
                        .evicted()
                        .map(|p| Evictee {
                            namespace: p.id.namespace.clone(),
                            name: p.id.name.clone(),
                            uid: p.id.uid.clone(),
                        })
                        .collect(),
                    options: drain.options.clone(),
                    generation: drain.generation,
                };
                if drain.options.disable_eviction && !drain.armed {
                    drain.armed = true;
                } else {
                    self.effects.push(effect);
                    drain.phase = Phase::Running;
                }
            }
            (Action::Back, Phase::Running) => {
                self.effects.push(Effect::StopDrain);
            }
            (Action::Back, _) => {
                self.mode = Mode::Normal;
                if let Some(d) = self.drain.take().filter(|d| d.phase != Phase::Preview) {
                    self.notice = Some(Notice { error: false, text: d.report() });
                }
            }
            (Action::Down, _) => drain.scroll = (drain.scroll + 1).min(drain.pods.len().saturating_sub(1)),
            (Action::Up, _) => drain.scroll = drain.scroll.saturating_sub(1),
            (Action::Top, _) => drain.scroll = 0,
            (Action::Bottom, _) => drain.scroll = drain.pods.len().saturating_sub(1),
            _ => {}
        }
    }

    pub(super) fn absorb_drain(&mut self, generation: u64, update: crate::model::drain::DrainUpdate) {
        use crate::model::drain::DrainUpdate;
        let Some(drain) = self.drain.as_mut().filter(|d| d.generation == generation) else { return };
        match update {
            DrainUpdate::Pod { uid, step } => {
                if let Some(pod) = drain.pods.iter_mut().find(|p| p.id.uid == uid) {
                    pod.step = Some(step);
                }
            }
            DrainUpdate::Cordoned(Err(why)) => {
                drain.phase = Phase::Done;
                self.notice = Some(warning(format!("drain stopped: cordon failed: {why}")));
            }
            DrainUpdate::Cordoned(Ok(())) => {}
            DrainUpdate::Finished => {
                drain.phase = Phase::Done;
                let report = drain.report();
                let failed = drain.evicted().any(|p| matches!(p.step, Some(DrainStep::Failed(_)) | None));
                self.notice = Some(if failed { warning(report) } else { Notice { error: false, text: report } });
            }
        }
    }
}

/// Which pods of `nodes` go and which stay, GPU pods first (most GPUs first), then the rest, then what stays.
fn plan<'a>(pods: impl Iterator<Item = &'a PodRow>, nodes: &[String], options: &DrainOptions) -> Vec<DrainPod> {
    let mut out: Vec<DrainPod> = pods
        .filter(|p| nodes.contains(&p.node) && !p.finished())
        .map(|p| {
            let owner_kind = p.owner.as_ref().map(|(kind, _)| kind.as_str());
            let fate = match owner_kind {
                Some("DaemonSet") => Fate::Stays("DaemonSet pod"),
                // A static pod's mirror: the kubelet owns it, the API cannot evict it.
                Some("Node") => Fate::Stays("static pod"),
                _ if options.gpu_only && p.gpus == 0 => Fate::Stays("not a GPU pod (--gpu-only)"),
                None if options.force => Fate::Lost,
                None => Fate::Blocks,
                Some(_) => Fate::Evict,
            };
            DrainPod {
                id: p.id.clone(),
                node: p.node.clone(),
                gpus: p.gpus,
                since: p.created,
                owner: p.owner.clone(),
                fate,
                empty_dir: p.empty_dir,
                budget: None,
                lands: None,
                step: None,
            }
        })
        .collect();
    let rank = |p: &DrainPod| (matches!(p.fate, Fate::Stays(_)), std::cmp::Reverse(p.gpus));
    out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Where each evicted GPU pod fits now, biggest first, on the GPU nodes the drain leaves, as the scheduler would
/// fit them one after another (best fit: the tightest node that has room, of the drained node's GPU product).
fn place_gpu_pods<'a>(pods: &mut [DrainPod], lines: impl Iterator<Item = &'a GpuNodeLine>, drained: &[String]) {
    let lines: Vec<&GpuNodeLine> = lines.collect();
    let product_of =
        |node: &str| lines.iter().find(|l| l.id.name == node).map(|l| l.product.clone()).unwrap_or_default();
    let mut free: Vec<(String, String, u32)> = lines
        .iter()
        .filter(|l| !drained.contains(&l.id.name) && l.unschedulable.is_none())
        .map(|l| (l.id.name.clone(), l.product.clone(), l.free()))
        .collect();
    for pod in pods.iter_mut().filter(|p| p.gpus > 0 && matches!(p.fate, Fate::Evict | Fate::Lost)) {
        let product = product_of(&pod.node);
        let candidates = free.iter_mut().filter(|(_, p, _)| *p == product);
        let best = candidates.filter(|(_, _, n)| *n >= pod.gpus).min_by_key(|(name, _, n)| (*n, name.clone()));
        pod.lands = Some(match best {
            Some((name, _, n)) => {
                *n -= pod.gpus;
                Ok(name.clone())
            }
            None => {
                let largest = free.iter().filter(|(_, p, _)| *p == product).map(|(_, _, n)| *n).max().unwrap_or(0);
                let product = if product.is_empty() { GPU.to_string() } else { product.clone() };
                Err(format!(
                    "Pending: no other node has {} free {product} now (largest free block: {largest})",
                    pod.gpus
                ))
            }
        });
    }
}

#[cfg(test)]
mod tests;
