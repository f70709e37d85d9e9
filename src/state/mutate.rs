//! Scale and restart: the replicas prompt (+/- or a typed number, with autoscaler and scale-to-zero warnings), the
//! yes/no confirmations every mutation goes through, the read-only refusal, and rollout progress until ready.

use super::{Mode, Notice, State, warning};
use crate::action::Action;
use crate::event::{Effect, ObjectKind, ObjectRef};
use crate::model::workloads::WorkloadRow;

/// The scale prompt: the target, what it has now, and the number being chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalePrompt {
    pub target: ObjectRef,
    pub current: i32,
    pub input: String,
    /// A digit was typed: further digits extend the number instead of replacing the current value.
    pub typed: bool,
    /// "replicas", or "parallelism" for a job.
    pub field: &'static str,
    /// The autoscaler that will override a manual scale, once looked up.
    pub hpa: Option<String>,
}

/// A yes/no question in front of a mutation; `second` is asked after the first yes (scaling to zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    pub second: Option<String>,
    pub yes: Confirmed,
    /// Where no (or esc) returns.
    pub back: Mode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// Send this, and follow the workload's rollout when given.
    Send(Box<(Effect, Option<Rollout>)>),
    /// Re-send the conflicting documents with force.
    Force,
    /// Close the editor, dropping its unapplied text.
    Discard,
    Quit,
}

/// A scale or restart being followed until every replica is updated and ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    pub uid: String,
    /// `scale deployment ml/web to 5`, `restart statefulset ml/db`.
    pub what: String,
    /// The workload's generation before the change: progress counts only once the controller has seen a newer one.
    pub from_generation: i64,
    pub started: i64,
}

/// Rollouts still unfinished after this long are reported and no longer followed.
pub const ROLLOUT_PATIENCE: i64 = 600;

impl Rollout {
    /// Done: the controller saw the change, and every replica is updated, ready, and no old one is left.
    pub fn done(&self, row: &WorkloadRow) -> bool {
        row.generation > self.from_generation
            && row.observed >= row.generation
            && row.updated == row.desired
            && row.ready == row.desired
            && row.current == row.desired
    }

    /// `2 of 5 updated, 4 ready`.
    pub fn progress(row: &WorkloadRow) -> String {
        format!("{} of {} updated, {} ready", row.updated, row.desired, row.ready)
    }
}

impl State {
    /// In read-only mode every mutation is refused here, before any request exists.
    /// Asks before sending `effect` (twice when `second` is given); no or esc returns to `back`.
    pub(super) fn ask_to_send(&mut self, question: String, second: Option<String>, effect: Effect, back: Mode) {
        let yes = Confirmed::Send(Box::new((effect, None)));
        self.mode = Mode::Confirm(Box::new(Confirm { question, second, yes, back }));
    }

    pub(super) fn refuse_in_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.notice = Some(warning(format!("read-only: {what} refused; nothing was sent")));
        }
        self.read_only
    }

    fn selected_workload(&mut self, verb: &str) -> Option<(ObjectRef, WorkloadRow)> {
        let found = self.selected_object().filter(|o| o.kind != ObjectKind::Pod && o.kind != ObjectKind::Node);
        let row = found.as_ref().and_then(|o| self.workloads.get(&o.uid).cloned());
        if row.is_none() {
            self.notice = Some(warning(format!("{verb}: select a deployment, statefulset or job")));
        }
        found.zip(row)
    }

    /// `s`: the scale prompt for the selected workload (a job's parallelism).
    pub(super) fn open_scale(&mut self) {
        if self.refuse_in_read_only("scale") {
            return;
        }
        let Some((target, row)) = self.selected_workload("scale") else { return };
        let field = if target.kind == ObjectKind::Job { "parallelism" } else { "replicas" };
        if target.kind != ObjectKind::Job {
            self.effects.push(Effect::LookupHpa { target: target.clone() });
        }
        let current = row.scale;
        self.mode =
            Mode::Scale(ScalePrompt { target, current, input: current.to_string(), typed: false, field, hpa: None });
    }

    /// `r`: rollout restart of the selected deployment or statefulset, after a yes.
    pub(super) fn ask_restart(&mut self) {
        if self.refuse_in_read_only("restart") {
            return;
        }
        let Some((target, row)) = self.selected_workload("restart") else { return };
        if target.kind == ObjectKind::Job {
            self.notice =
                Some(warning("restart: a job's pods are not restarted in place; delete and re-create it".into()));
            return;
        }
        let what = format!("restart {}", target.title());
        let rollout =
            Rollout { uid: target.uid.clone(), what: what.clone(), from_generation: row.generation, started: self.now };
        self.mode = Mode::Confirm(Box::new(Confirm {
            question: format!("{what}? every pod is replaced, a few at a time"),
            second: None,
            yes: Confirmed::Send(Box::new((Effect::Restart { target }, Some(rollout)))),
            back: Mode::Normal,
        }));
    }

    pub(super) fn act_in_scale(&mut self, action: Action) {
        let Mode::Scale(prompt) = &mut self.mode else { return };
        let value = prompt.input.parse::<i32>().unwrap_or(prompt.current);
        match action {
            Action::Back => self.mode = Mode::Normal,
            Action::Up | Action::Increment => {
                prompt.input = (value + 1).to_string();
                prompt.typed = true;
            }
            Action::Down | Action::Decrement => {
                prompt.input = (value - 1).max(0).to_string();
                prompt.typed = true;
            }
            Action::DeleteChar => {
                prompt.input.pop();
            }
            Action::Accept => {
                let Ok(desired) = prompt.input.parse::<i32>() else {
                    self.notice = Some(warning(format!("scale: \"{}\" is not a number", prompt.input)));
                    return;
                };
                let prompt = prompt.clone();
                self.confirm_scale(prompt, desired);
            }
            _ => {}
        }
    }

    /// Digits typed at the scale prompt replace or extend the number.
    pub(super) fn type_in_scale(&mut self, c: char) {
        if let Mode::Scale(prompt) = &mut self.mode
            && c.is_ascii_digit()
            && prompt.input.len() < 6
        {
            if !prompt.typed || prompt.input == "0" {
                prompt.input.clear();
            }
            prompt.typed = true;
            prompt.input.push(c);
        }
    }

    fn confirm_scale(&mut self, prompt: ScalePrompt, desired: i32) {
        let t = &prompt.target;
        let what = format!("scale {} to {desired}", t.title());
        if desired == prompt.current {
            self.notice = Some(Notice { error: false, text: format!("{what}: already {desired}; nothing sent") });
            self.mode = Mode::Normal;
            return;
        }
        let from_generation = self.workloads.get(&t.uid).map_or(0, |w| w.generation);
        let rollout = (t.kind != ObjectKind::Job).then(|| Rollout {
            uid: t.uid.clone(),
            what: what.clone(),
            from_generation,
            started: self.now,
        });
        let hpa = prompt.hpa.as_ref().map(|h| format!(" — {h} manages it and will override this")).unwrap_or_default();
        self.mode = Mode::Confirm(Box::new(Confirm {
            question: format!("{what} (now {})?{hpa}", prompt.current),
            second: (desired == 0).then(|| format!("{what}: this stops every pod. Really scale to 0?")),
            yes: Confirmed::Send(Box::new((
                Effect::Scale { target: prompt.target.clone(), replicas: desired },
                rollout,
            ))),
            back: Mode::Scale(prompt),
        }));
    }

    pub(super) fn act_in_confirm(&mut self, action: Action) {
        let Mode::Confirm(confirm) = &mut self.mode else { return };
        match action {
            Action::Confirm if confirm.second.is_some() => confirm.question = confirm.second.take().unwrap_or_default(),
            Action::Confirm => {
                let confirm = confirm.clone();
                self.mode = Mode::Normal;
                match confirm.yes {
                    // The context may have turned read-only since the question was asked.
                    Confirmed::Send(_) if self.refuse_in_read_only("the change") => {}
                    Confirmed::Send(send) => {
                        let (effect, rollout) = *send;
                        self.effects.push(effect);
                        self.notice = Some(Notice { error: false, text: "sent…".into() });
                        self.rollouts.extend(rollout);
                    }
                    Confirmed::Force => {
                        self.mode = Mode::Editor;
                        self.force_conflicts();
                    }
                    Confirmed::Discard => {
                        self.effects.push(crate::event::Effect::Autosave(None));
                        self.close_editor();
                    }
                    Confirmed::Quit => {
                        // The last keystrokes may be younger than the quiet time: keep them now.
                        self.autosave();
                        self.quit = true;
                    }
                }
            }
            Action::Back => {
                let back = confirm.back.clone();
                self.mode = back;
            }
            _ => {}
        }
    }

    /// The autoscaler lookup answered.
    pub(super) fn absorb_hpa(&mut self, uid: String, hpa: Option<String>) {
        if let Mode::Scale(prompt) = &mut self.mode
            && prompt.target.uid == uid
        {
            prompt.hpa = hpa;
        }
    }

    /// Finished rollouts leave with a notice; those past their patience leave with a warning.
    pub(super) fn settle_rollouts(&mut self) {
        let mut notices = Vec::new();
        self.rollouts.retain(|r| match self.workloads.get(&r.uid) {
            None => {
                notices.push(warning(format!("{}: the workload is gone", r.what)));
                false
            }
            Some(row) if r.done(row) => {
                notices.push(Notice {
                    error: false,
                    text: format!("{}: done, {} of {} ready", r.what, row.ready, row.desired),
                });
                false
            }
            Some(row) if self.now - r.started > ROLLOUT_PATIENCE => {
                let minutes = ROLLOUT_PATIENCE / 60;
                notices.push(warning(format!("{}: not done after {minutes} min ({})", r.what, Rollout::progress(row))));
                false
            }
            Some(_) => true,
        });
        // Several finishing at once share the status line.
        if !notices.is_empty() {
            let error = notices.iter().any(|n| n.error);
            let text = notices.into_iter().map(|n| n.text).collect::<Vec<_>>().join("; ");
            self.notice = Some(Notice { error, text });
        }
    }
}
