//! The YAML editor and its apply flow: edit (ratatui-textarea holds the text, undo and search), check as you pause,
//! dry-run and review the diff, apply, and on conflict offer force. The buffer is never dropped by a failure.

use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, Input, Key, TextArea};
use serde_json::Value;

use super::{Confirm, Confirmed, Mode, Notice, State, warning};
use crate::action::Action;
use crate::event::{Effect, ObjectAddress};
use crate::manifest::{self, Checked, Problem, locate};
use crate::model::mutation::{DocOutcome, FieldConflict, MutationError};

/// Where the editor is in the apply flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Editing,
    /// Typing a search pattern.
    Searching(String),
    /// A dry-run (or, when `dry_run` is false, the real apply) is in flight; outcomes arrive one per document.
    Sending {
        dry_run: bool,
        force: bool,
        outcomes: Vec<DocOutcome>,
    },
    /// The dry-run's diff, waiting for y (apply) or esc (back to editing).
    Review {
        outcomes: Vec<DocOutcome>,
        force: bool,
        scroll: usize,
    },
    /// Fields other managers own; `f` forces (after its own confirmation), esc goes back to editing. After a real
    /// apply the other documents went in, so force resends only these; after a dry-run it resends them all.
    Conflict {
        conflicts: Vec<(String, Vec<FieldConflict>)>,
        dry_run: bool,
    },
    /// Per-document results of a multi-document apply.
    Results {
        outcomes: Vec<DocOutcome>,
        scroll: usize,
    },
}

#[derive(Debug)]
pub struct Editor {
    /// `deployment ml/web`, `new deployment`, `file manifests.yaml`.
    pub title: String,
    pub area: TextArea<'static>,
    /// The text as opened (or last applied): leaving with anything else asks first.
    original: Vec<String>,
    /// Bumped by every change to the text; validation and autosave wait for it to settle.
    pub revision: u64,
    /// Shown as [modified]: set by every change, and made exact (an undo back to the original) after each pause,
    /// so a keystroke never compares the whole buffer.
    pub modified: bool,
    pub checked: Checked,
    /// Problems the server found in the last dry-run or apply, pinned to lines; cleared by the next check.
    pub server_problems: Vec<Problem>,
    /// Lines with Secret values, masked until revealed.
    pub secrets: Vec<Range<usize>>,
    pub reveal: bool,
    /// First line and column on screen.
    pub top: usize,
    pub left: usize,
    pub stage: Stage,
    /// The apply or dry-run whose outcomes count (from `State::apply_generation`, which only grows, so a closed
    /// editor's late outcomes never land in the next one).
    generation: u64,
    /// The documents sent, in order, with their lines (to pin errors) — kept so force resends exactly these.
    sent: Vec<(Range<usize>, Value)>,
    /// What the review saw of each sent document's live object, for the apply that follows it.
    reviewed: Vec<Option<u64>>,
}

impl Editor {
    pub fn new(title: String, text: &str) -> Editor {
        let lines: Vec<String> = text.lines().map(String::from).collect();
        let mut editor = Editor {
            title,
            area: text_area(lines.clone()),
            original: lines,
            revision: 0,
            modified: false,
            checked: Checked::default(),
            server_problems: Vec::new(),
            secrets: Vec::new(),
            reveal: false,
            top: 0,
            left: 0,
            stage: Stage::Editing,
            generation: 0,
            sent: Vec::new(),
            reviewed: Vec::new(),
        };
        editor.secrets = manifest::secret_lines(editor.area.lines());
        editor
    }

    /// Unapplied edits: the text differs from what was opened or last applied.
    pub fn dirty(&self) -> bool {
        self.area.lines() != self.original.as_slice() && !(self.original.is_empty() && self.area.is_empty())
    }

    pub fn text(&self) -> String {
        let mut text = self.area.lines().join("\n");
        text.push('\n');
        text
    }

    /// Every problem to show, syntax and server ones together, in line order.
    pub fn problems(&self) -> Vec<&Problem> {
        let mut all: Vec<&Problem> = self.checked.problems.iter().chain(&self.server_problems).collect();
        all.sort_by_key(|p| (p.line, p.column));
        all
    }

    /// Drops the run in flight (its outcomes will find no one waiting) and returns to editing.
    pub fn abandon_run(&mut self) {
        self.generation = 0;
        if !matches!(self.stage, Stage::Searching(_)) {
            self.stage = Stage::Editing;
        }
    }

    /// How many documents the run in flight sends.
    pub fn sending(&self) -> usize {
        self.sent.len()
    }

    /// Holds a Secret: its text must not be written to the recovery file.
    pub fn holds_secret(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// Keeps the cursor on screen in a text area of `height` rows and `width` columns.
    fn follow_cursor(&mut self, height: usize, width: usize) {
        let ratatui_textarea::DataCursor(row, col) = self.area.cursor();
        let (height, width) = (height.max(1), width.max(1));
        self.top = self.top.min(row).max((row + 1).saturating_sub(height));
        self.left = self.left.min(col).max((col + 1).saturating_sub(width));
    }
}

/// The text area for `lines`, with a deep undo history.
fn text_area(lines: Vec<String>) -> TextArea<'static> {
    let mut area = TextArea::new(lines);
    area.set_max_histories(1000);
    area
}

/// crossterm's key as ratatui-textarea's input (without its crossterm feature, which would pull a second backend).
fn input_of(key: &KeyEvent) -> Input {
    let code = match key.code {
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Enter => Key::Enter,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Tab => Key::Tab,
        KeyCode::Delete => Key::Delete,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Esc => Key::Esc,
        KeyCode::F(n) => Key::F(n),
        _ => Key::Null,
    };
    Input {
        key: code,
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
        shift: key.modifiers.contains(KeyModifiers::SHIFT),
    }
}

/// Marks a recovered buffer's title.
const RECOVERED: &str = " (recovered)";
/// Between the title and the context in the recovery file's first line.
const FROM_CONTEXT: &str = " · context ";

/// The editor's text rows and columns on the current screen (a header line, a problem line, and a gutter).
pub fn text_size(state: &State) -> (usize, usize) {
    let body = state.screen().body;
    let lines = state.editor.as_ref().map_or(1, |e| e.area.lines().len());
    (usize::from(body.height).saturating_sub(2), usize::from(body.width).saturating_sub(gutter_width(lines)))
}

/// Line numbers wide enough for the last line, a problem marker, and a space.
pub fn gutter_width(lines: usize) -> usize {
    lines.max(1).to_string().len().max(3) + 2
}

impl State {
    /// Opens the editor on `text` (a fetched object, a template or a file).
    pub fn open_editor(&mut self, title: String, text: &str) {
        let mut editor = Editor::new(title, text);
        editor.checked = manifest::check(editor.area.lines(), &self.kinds);
        self.editor = Some(editor);
        self.mode = Mode::Editor;
        self.notice = None;
    }

    /// `e` / `E`: fetch the selected object's YAML for the in-TUI editor or for $EDITOR.
    pub(super) fn edit_selected(&mut self, external: bool) {
        if self.refuse_in_read_only("edit") {
            return;
        }
        let Some(address) = self.selected_address() else {
            self.notice = Some(warning("edit: select an object first".into()));
            return;
        };
        self.request_edit(address, external);
    }

    pub(super) fn request_edit(&mut self, address: ObjectAddress, external: bool) {
        self.document_generation += 1;
        self.effects.push(Effect::Edit { address, generation: self.document_generation, external });
        self.notice = Some(Notice { error: false, text: "loading…".into() });
    }

    /// The fetched text arrives: into the in-TUI editor, and for `E` on to $EDITOR as well.
    pub(super) fn absorb_edit_text(&mut self, title: String, text: Result<String, String>, external: bool) {
        if let Some(open) = &self.editor {
            self.notice = Some(warning(format!("{title} not opened: {} is still open in the editor", open.title)));
            return;
        }
        match text {
            Err(why) => self.notice = Some(warning(format!("{title}: {why}"))),
            Ok(text) => {
                self.open_editor(title, &text);
                if external {
                    self.effects.push(Effect::ExternalEditor { text, generation: self.document_generation });
                }
            }
        }
    }

    /// $EDITOR returned: unchanged text closes the editor as kubectl edit does; otherwise it goes straight to the
    /// dry-run, or stays in the in-TUI editor with its problems shown.
    pub(super) fn absorb_external_edit(&mut self, text: Result<String, String>) {
        let Some(editor) = self.editor.as_mut() else { return };
        let text = match text {
            Err(why) => {
                self.notice = Some(warning(format!("$EDITOR: {why}; the in-TUI editor has the text")));
                return;
            }
            Ok(text) => text,
        };
        let lines: Vec<String> = text.lines().map(String::from).collect();
        if lines == editor.original {
            self.editor = None;
            self.mode = Mode::Normal;
            self.notice = Some(Notice { error: false, text: "edit cancelled: no changes made".into() });
            return;
        }
        editor.area = text_area(lines);
        self.after_edit();
        self.check_editor();
        self.start_apply(true, false);
    }

    /// A key the editor's keymap does not bind: it edits the text.
    pub fn edit_key(&mut self, key: KeyEvent) {
        let (height, width) = text_size(self);
        let Some(editor) = self.editor.as_mut() else { return };
        if editor.stage != Stage::Editing {
            return;
        }
        let changed = editor.area.input(input_of(&key));
        editor.follow_cursor(height, width);
        if changed {
            self.after_edit();
        }
    }

    /// The text changed: results pinned to old lines no longer hold; check and autosave once typing pauses.
    fn after_edit(&mut self) {
        let Some(editor) = self.editor.as_mut() else { return };
        editor.revision += 1;
        editor.modified = true;
        editor.server_problems.clear();
        self.effects.push(Effect::Wake { token: editor.revision });
    }

    /// The quiet time after an edit passed: check the text, and keep it in the recovery file.
    pub(super) fn editor_idle(&mut self, token: u64) {
        if self.editor.as_ref().is_none_or(|e| e.revision != token) {
            return;
        }
        self.check_editor();
        if let Some(editor) = self.editor.as_mut() {
            editor.modified = editor.dirty();
        }
        self.autosave();
    }

    /// Keeps the editor's unapplied text in the recovery file, headed by what it is and where it came from. Not a
    /// Secret's values, and not while the last session's edits still wait for `:recover` or `:discard`.
    pub(super) fn autosave(&mut self) {
        let Some(editor) = &self.editor else { return };
        if self.recovered.is_some() {
            return;
        }
        let keep = editor.modified && !editor.holds_secret();
        let title = editor.title.trim_end_matches(RECOVERED);
        let header = format!("# {title}{FROM_CONTEXT}{}", self.title);
        self.effects.push(Effect::Autosave(keep.then(|| format!("{header}\n{}", editor.text()))));
    }

    fn check_editor(&mut self) {
        let Some(editor) = self.editor.as_mut() else { return };
        editor.checked = manifest::check(editor.area.lines(), &self.kinds);
        editor.secrets = manifest::secret_lines(editor.area.lines());
    }

    pub(super) fn act_in_editor(&mut self, action: Action) {
        let (height, width) = text_size(self);
        let page = height.max(1) as isize;
        let Some(editor) = self.editor.as_mut() else {
            self.mode = Mode::Normal;
            return;
        };
        match (&mut editor.stage, action) {
            (Stage::Editing, Action::Back) => self.leave_editor(false),
            (Stage::Editing, Action::Apply) => {
                self.check_editor();
                self.start_apply(true, false);
            }
            (Stage::Editing, Action::Undo) => {
                if editor.area.undo() {
                    self.after_edit();
                }
            }
            (Stage::Editing, Action::Redo) => {
                if editor.area.redo() {
                    self.after_edit();
                }
            }
            (Stage::Editing, Action::Search) => editor.stage = Stage::Searching(String::new()),
            (Stage::Editing, Action::NextMatch) => {
                if !editor.area.search_forward(false) {
                    self.notice = Some(warning("no match".into()));
                }
            }
            (Stage::Editing, Action::PrevMatch) => {
                if !editor.area.search_back(false) {
                    self.notice = Some(warning("no match".into()));
                }
            }
            (Stage::Editing, Action::RevealSecrets) => editor.reveal = !editor.reveal,
            (Stage::Editing, _) => {}
            (Stage::Searching(_), Action::Back) => editor.stage = Stage::Editing,
            (Stage::Searching(input), Action::DeleteChar) => {
                input.pop();
            }
            (Stage::Searching(input), Action::Accept) => {
                let pattern = std::mem::take(input);
                editor.stage = Stage::Editing;
                match editor.area.set_search_pattern(&pattern) {
                    Err(e) => self.notice = Some(warning(format!("search: {e}"))),
                    Ok(()) if !editor.area.search_forward(true) => self.notice = Some(warning("no match".into())),
                    Ok(()) => {}
                }
            }
            (Stage::Searching(_), _) => {}
            (Stage::Sending { .. }, Action::Back) => {
                // Documents not yet sent are not sent; any late outcome carries a generation no one waits for.
                editor.abandon_run();
                self.effects.push(Effect::CancelApply);
                self.notice = Some(warning("apply stopped; documents already sent stay applied".into()));
            }
            (Stage::Sending { .. }, _) => {}
            (Stage::Review { .. }, Action::Back) => editor.stage = Stage::Editing,
            (Stage::Review { force, outcomes, .. }, Action::Confirm) => {
                // Each document goes with what its diff was made against: a change since is refused.
                editor.reviewed = outcomes.iter().map(|o| o.result.as_ref().ok().map(|c| c.seen)).collect();
                let force = *force;
                self.start_apply(false, force);
            }
            (Stage::Results { .. }, Action::Back | Action::Confirm) => {
                self.close_editor();
                return;
            }
            (Stage::Review { scroll, .. } | Stage::Results { scroll, .. }, action) => {
                *scroll = match action {
                    Action::Down => *scroll + 1,
                    Action::Up => scroll.saturating_sub(1),
                    Action::PageDown => *scroll + page as usize,
                    Action::PageUp => scroll.saturating_sub(page as usize),
                    Action::Top => 0,
                    _ => *scroll,
                };
            }
            (Stage::Conflict { .. }, Action::Back) => editor.stage = Stage::Editing,
            (Stage::Conflict { conflicts, .. }, Action::Force) => {
                let fields: usize = conflicts.iter().map(|(_, c)| c.len()).sum();
                let managers: std::collections::BTreeSet<&str> =
                    conflicts.iter().flat_map(|(_, c)| c.iter().map(|c| c.manager.as_str())).collect();
                let managers: Vec<&str> = managers.into_iter().collect();
                self.mode = Mode::Confirm(Box::new(Confirm {
                    question: format!(
                        "force: take {fields} field{} from {} and apply? (a dry-run shows the diff first)",
                        if fields == 1 { "" } else { "s" },
                        managers.join(", ")
                    ),
                    second: None,
                    yes: Confirmed::Force,
                    back: Mode::Editor,
                }));
            }
            (Stage::Conflict { .. }, _) => {}
        }
        if let Some(editor) = self.editor.as_mut() {
            editor.follow_cursor(height, width);
        }
    }

    /// Sends the documents for a dry-run (or the real apply after review), unless the text has problems.
    pub(super) fn start_apply(&mut self, dry_run: bool, force: bool) {
        if self.refuse_in_read_only("apply") {
            return;
        }
        let Some(editor) = self.editor.as_mut() else { return };
        if dry_run {
            if let Some(p) = editor.checked.problems.iter().find(|p| !p.warning) {
                let (line, text) = (p.line, format!("not sent: line {}: {}", p.at(), p.message));
                self.notice = Some(warning(text));
                self.editor_goto(line);
                return;
            }
            if editor.checked.documents.is_empty() {
                self.notice = Some(warning("not sent: the buffer holds no document".into()));
                return;
            }
            if !force {
                editor.sent = editor.checked.documents.iter().map(|d| (d.lines.clone(), d.value.clone())).collect();
            }
        }
        self.apply_generation += 1;
        editor.generation = self.apply_generation;
        editor.stage = Stage::Sending { dry_run, force, outcomes: Vec::new() };
        let documents = editor.sent.iter().map(|(_, v)| v.clone()).collect();
        let reviewed = if dry_run { Vec::new() } else { editor.reviewed.clone() };
        self.effects.push(Effect::Apply { documents, reviewed, dry_run, force, generation: editor.generation });
        self.notice = None;
    }

    /// Force was confirmed: a dry-run with force first, of every document after a dry-run conflict, or of those
    /// that conflicted in a real apply (the others are in).
    pub(super) fn force_conflicts(&mut self) {
        let Some(editor) = self.editor.as_mut() else { return };
        let Stage::Conflict { conflicts, dry_run } = &editor.stage else { return };
        if !dry_run {
            let titles: Vec<&String> = conflicts.iter().map(|(t, _)| t).collect();
            editor.sent.retain(|(_, v)| titles.contains(&&manifest::title_of(v)));
        }
        self.mode = Mode::Editor;
        self.start_apply(true, true);
    }

    /// One document's outcome; when all have arrived the flow moves on.
    pub(super) fn absorb_applied(&mut self, generation: u64, outcome: DocOutcome) {
        let Some(editor) = self.editor.as_mut().filter(|e| e.generation == generation) else { return };
        let Stage::Sending { dry_run, force, outcomes } = &mut editor.stage else { return };
        outcomes.push(outcome);
        if outcomes.len() < editor.sent.len() {
            self.notice = Some(Notice {
                error: false,
                text: format!("applying {} of {}…", outcomes.len() + 1, editor.sent.len()),
            });
            return;
        }
        let (dry_run, force, outcomes) = (*dry_run, *force, std::mem::take(outcomes));
        let conflicts: Vec<(String, Vec<FieldConflict>)> = outcomes
            .iter()
            .filter_map(|o| match &o.result {
                Err(MutationError::Conflict(c)) => Some((o.title.clone(), c.clone())),
                _ => None,
            })
            .collect();
        let failed = outcomes.iter().any(|o| o.result.is_err());
        let lines: Vec<String> = editor.area.lines().to_vec();
        editor.server_problems = pin_errors(&lines, &editor.sent, &outcomes);
        self.notice = None;
        if !conflicts.is_empty() {
            editor.stage = Stage::Conflict { conflicts, dry_run };
        } else if failed {
            editor.stage = Stage::Editing;
            let first = outcomes.iter().find_map(|o| o.result.as_ref().err().map(|e| format!("{}: {e}", o.title)));
            let applied = outcomes.iter().filter(|o| o.result.is_ok()).count();
            let done = if dry_run || applied == 0 { String::new() } else { format!(" ({applied} applied)") };
            self.notice = Some(warning(format!("{}{done}", first.unwrap_or_default())));
            if let Some(line) = editor.server_problems.first().map(|p| p.line) {
                self.editor_goto(line);
            }
        } else if dry_run {
            if outcomes.iter().all(|o| o.result.as_ref().is_ok_and(|c| c.diff.is_empty())) {
                editor.stage = Stage::Editing;
                self.notice = Some(Notice { error: false, text: "no changes: the cluster already matches".into() });
            } else {
                editor.stage = Stage::Review { outcomes, force, scroll: 0 };
            }
        } else {
            editor.original = lines;
            editor.modified = false;
            self.effects.push(Effect::Autosave(None));
            if outcomes.len() == 1 {
                let o = &outcomes[0];
                let verb = o.result.as_ref().map(|c| c.verb).unwrap_or_default();
                self.close_editor();
                self.notice = Some(Notice { error: false, text: format!("{} {verb} (server-side apply)", o.title) });
            } else {
                editor.stage = Stage::Results { outcomes, scroll: 0 };
            }
        }
    }

    /// esc in the editor (or quit): leave at once when nothing is unapplied, else ask first.
    pub(super) fn leave_editor(&mut self, quit: bool) {
        let Some(editor) = &self.editor else { return };
        if !editor.dirty() {
            if quit {
                self.quit = true;
            } else {
                self.close_editor();
            }
            return;
        }
        let kept = if editor.holds_secret() { "" } else { " (the recovery file keeps them)" };
        self.mode = Mode::Confirm(Box::new(Confirm {
            question: if quit {
                format!("quit with unapplied edits to {}?{kept}", editor.title)
            } else {
                format!("discard unapplied edits to {}?", editor.title)
            },
            second: None,
            yes: if quit { Confirmed::Quit } else { Confirmed::Discard },
            back: Mode::Editor,
        }));
    }

    pub(super) fn close_editor(&mut self) {
        self.editor = None;
        self.mode = Mode::Normal;
    }

    /// Moves the editor's cursor to a line: the problem that stopped a send.
    pub fn editor_goto(&mut self, line: usize) {
        let (height, width) = text_size(self);
        if let Some(editor) = self.editor.as_mut() {
            editor.area.move_cursor(CursorMove::Jump(line.min(u16::MAX as usize) as u16, 0));
            editor.follow_cursor(height, width);
        }
    }
}

/// Each failed document's errors as problems on the lines they concern: 422 causes at their fields, a missing
/// namespace at metadata.namespace, anything else at the document's first line.
fn pin_errors(lines: &[String], sent: &[(Range<usize>, Value)], outcomes: &[DocOutcome]) -> Vec<Problem> {
    let mut out = Vec::new();
    for ((range, _), outcome) in sent.iter().zip(outcomes) {
        let Err(error) = &outcome.result else { continue };
        let at = |path: &str| locate::line_of(lines, range.clone(), path).unwrap_or(range.start);
        let problem = Problem::on;
        match error {
            MutationError::Invalid { causes, message } if causes.is_empty() => {
                out.push(problem(range.start, message.clone()))
            }
            MutationError::Invalid { causes, .. } => {
                out.extend(causes.iter().map(|(field, message)| problem(at(field), format!("{field}: {message}"))))
            }
            MutationError::Conflict(conflicts) => out.extend(
                conflicts.iter().map(|c| problem(at(&c.field), format!("{} is owned by {}", c.field, c.manager))),
            ),
            MutationError::NamespaceMissing(_) => out.push(problem(at("metadata.namespace"), error.to_string())),
            other => out.push(problem(range.start, other.to_string())),
        }
    }
    out
}

mod commands;
#[cfg(test)]
mod tests;
