//! The logs view: a bounded ring of lines that says how many it dropped, following or paused (new lines counted),
//! wrap and horizontal scroll, and regex search with next/previous. Batches from a replaced stream are dropped.

use std::collections::{BTreeMap, VecDeque};

use regex::{Regex, RegexBuilder};

use super::{Mode, Notice, Pane, State, warning};
use crate::action::Action;
use crate::event::{Effect, ObjectKind};
use crate::model::pods::PodRow;
use crate::model::workloads::WorkloadRow;

/// Lines kept before the oldest go (and are counted).
pub const DEFAULT_CAPACITY: usize = 100_000;

pub use crate::model::logs::{LogLine, LogTarget};

/// What the logs view's prompt is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogPromptKind {
    Search,
    /// Only matching lines, with context.
    Filter,
    Save,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPrompt {
    pub kind: LogPromptKind,
    pub input: String,
}

impl LogTarget {
    /// A pod's log as `kubectl logs -f` starts it: every container, the last `DEFAULT_TAIL` lines, no timestamps.
    pub fn new(namespace: impl Into<String>, pod: impl Into<String>) -> LogTarget {
        LogTarget {
            namespace: namespace.into(),
            pod: pod.into(),
            selector: None,
            container: None,
            previous: None,
            tail: DEFAULT_TAIL,
            since: None,
            timestamps: false,
        }
    }
}

/// A case-insensitive regex for what was typed, and a warning when it was invalid and is matched literally.
fn pattern_regex(text: &str) -> Result<(Regex, Option<String>), String> {
    let build = |p: &str| RegexBuilder::new(p).case_insensitive(true).size_limit(1 << 20).build();
    match build(text) {
        Ok(r) => Ok((r, None)),
        Err(_) => build(&regex::escape(text))
            .map(|r| (r, Some(format!("not a valid regex, matching \"{text}\" literally"))))
            .map_err(|e| e.to_string()),
    }
}

/// grep -C: the lines a filter keeps, by absolute line number (dropped lines included), so the ring can drop from
/// the front without renumbering.
#[derive(Debug)]
pub struct LogFilter {
    pub regex: Regex,
    pub context: usize,
    /// As typed, for the header.
    pub text: String,
    shown: VecDeque<u64>,
    /// Lines still to keep after the last match.
    after: usize,
}

impl LogFilter {
    /// Looks at line `number` of the buffer, whose oldest line is number `first`.
    fn take(&mut self, first: u64, number: u64, text: &str) {
        if self.regex.is_match(text) {
            let from =
                number.saturating_sub(self.context as u64).max(first).max(self.shown.back().map_or(0, |&n| n + 1));
            self.shown.extend(from..=number);
            self.after = self.context;
        } else if self.after > 0 {
            self.shown.push_back(number);
            self.after -= 1;
        }
    }
}

#[derive(Debug)]
pub struct Logs {
    pub target: LogTarget,
    /// What the stream turned out to be ("web (previous)", "3 containers"), from the source.
    pub described: String,
    /// The stream whose batches this view takes; batches from an older one are dropped.
    pub generation: u64,
    lines: VecDeque<LogLine>,
    pub capacity: usize,
    /// Lines that went from the top because the buffer was full.
    pub dropped: u64,
    /// The view sticks to the newest line; off = paused, the stream keeps buffering.
    pub follow: bool,
    /// First line shown (index into the buffer) while paused.
    top: usize,
    /// Lines that arrived while paused.
    pub unseen: u64,
    pub wrap: bool,
    /// Draw the colours lines carry (SGR); off, every line is plain.
    pub colors: bool,
    pub hscroll: usize,
    pub search: Option<Regex>,
    pub search_text: String,
    /// Only matching lines, with context, when set.
    pub filter: Option<LogFilter>,
    /// The line the last search landed on (drawn as the current match; `n`/`N` continue from it).
    pub matched: Option<usize>,
    /// Why the stream stopped, when it has.
    pub ended: Option<String>,
}

impl Logs {
    pub fn new(target: LogTarget, generation: u64, capacity: usize) -> Logs {
        Logs {
            target,
            described: String::new(),
            generation,
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            follow: true,
            top: 0,
            unseen: 0,
            wrap: false,
            colors: false,
            hscroll: 0,
            search: None,
            search_text: String::new(),
            matched: None,
            filter: None,
            ended: None,
        }
    }

    /// Lines in view: every buffered line, or with a filter the matching ones and their context.
    pub fn len(&self) -> usize {
        match &self.filter {
            Some(f) => f.shown.len(),
            None => self.lines.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Line `i` of the view.
    pub fn line(&self, i: usize) -> Option<&LogLine> {
        match &self.filter {
            Some(f) => self.lines.get(usize::try_from(f.shown.get(i)?.checked_sub(self.dropped)?).ok()?),
            None => self.lines.get(i),
        }
    }

    /// Lines in the buffer, filtered or not.
    pub fn buffered(&self) -> usize {
        self.lines.len()
    }

    /// Appends a batch; the oldest lines go when the buffer is full, and a paused view keeps showing the same lines.
    pub fn push(&mut self, batch: Vec<LogLine>) {
        let before = self.len();
        let mut shifted = 0;
        for line in batch {
            if self.lines.len() == self.capacity {
                self.lines.pop_front();
                self.dropped += 1;
                shifted += match &mut self.filter {
                    Some(f) if f.shown.front().is_some_and(|&n| n < self.dropped) => {
                        f.shown.pop_front().map_or(0, |_| 1)
                    }
                    Some(_) => 0,
                    None => 1,
                };
            }
            let number = self.dropped + self.lines.len() as u64;
            if let Some(f) = &mut self.filter {
                f.take(self.dropped, number, &line.text);
            }
            self.lines.push_back(line);
        }
        self.top = self.top.saturating_sub(shifted);
        self.matched = self.matched.and_then(|m| m.checked_sub(shifted));
        if !self.follow {
            self.unseen += (self.len() + shifted).saturating_sub(before) as u64;
        }
    }

    /// Shows only lines matching `text` ("-C N pattern" sets the context, 2 lines by default), or every line again
    /// when it is empty; says when the pattern was taken literally.
    pub fn set_filter(&mut self, text: &str) -> Option<String> {
        let text = text.trim();
        self.top = 0;
        self.matched = None;
        self.set_follow(true);
        if text.is_empty() {
            self.filter = None;
            return None;
        }
        let (context, pattern) = match text.strip_prefix("-C").map(str::trim_start).and_then(|r| r.split_once(' ')) {
            Some((n, rest)) if n.parse::<usize>().is_ok() => (n.parse().unwrap_or(2), rest.trim()),
            _ => (2, text),
        };
        let (regex, warning) = match pattern_regex(pattern) {
            Ok(found) => found,
            Err(why) => {
                self.filter = None;
                return Some(why);
            }
        };
        let mut filter = LogFilter { regex, context, text: text.to_string(), shown: VecDeque::new(), after: 0 };
        for (i, line) in self.lines.iter().enumerate() {
            let number = self.dropped + i as u64;
            filter.take(self.dropped, number, &line.text);
        }
        self.filter = Some(filter);
        warning
    }

    /// The first line shown in a window of `height` lines.
    pub fn first_shown(&self, height: usize) -> usize {
        if self.follow { self.len().saturating_sub(height) } else { self.top.min(self.last_top(height)) }
    }

    fn last_top(&self, height: usize) -> usize {
        self.len().saturating_sub(height.max(1))
    }

    /// Scrolls by `step` lines; scrolling up pauses, reaching the end again resumes following.
    pub fn scroll(&mut self, step: isize, height: usize) {
        let from = self.first_shown(height) as isize;
        let to = (from + step).clamp(0, self.last_top(height) as isize) as usize;
        self.top = to;
        self.set_follow(to >= self.last_top(height) && step > 0 || self.follow && step >= 0);
    }

    pub fn to_top(&mut self) {
        self.top = 0;
        self.set_follow(false);
    }

    pub fn to_end(&mut self) {
        self.set_follow(true);
    }

    /// Pause or resume following.
    pub fn toggle_follow(&mut self, height: usize) {
        self.top = self.first_shown(height);
        self.set_follow(!self.follow);
    }

    fn set_follow(&mut self, follow: bool) {
        if follow {
            self.unseen = 0;
        }
        self.follow = follow;
    }

    /// Sets the search (case-insensitive regex; an invalid one is matched literally) and jumps to the first match
    /// at or after the top of the screen.
    pub fn set_search(&mut self, text: &str, height: usize) -> Option<String> {
        self.search_text = text.to_string();
        self.matched = None;
        if text.is_empty() {
            self.search = None;
            return None;
        }
        let (regex, warning) = match pattern_regex(text) {
            Ok(found) => found,
            Err(why) => {
                self.search = None;
                return Some(why);
            }
        };
        self.search = Some(regex);
        let from = self.first_shown(height);
        let found = self.find(from, true, height);
        warning.or(found)
    }

    /// Moves the next (or previous) matching line to the top of the screen; says so when there is none.
    pub fn next_match(&mut self, forward: bool, height: usize) -> Option<String> {
        let from = self.matched.unwrap_or_else(|| self.first_shown(height));
        match (forward, from.checked_sub(1)) {
            (true, _) => self.find(from + 1, true, height),
            (false, Some(before)) => self.find(before, false, height),
            (false, None) => Some(format!("no match for \"{}\" above", self.search_text)),
        }
    }

    fn find(&mut self, start: usize, forward: bool, height: usize) -> Option<String> {
        let regex = self.search.as_ref()?;
        let hit = if forward {
            (start..self.len()).find(|&i| self.line(i).is_some_and(|l| regex.is_match(&l.text)))
        } else {
            (0..=start.min(self.len().saturating_sub(1)))
                .rev()
                .find(|&i| self.line(i).is_some_and(|l| regex.is_match(&l.text)))
        };
        match hit {
            Some(i) => {
                self.matched = Some(i);
                self.top = i.min(self.last_top(height));
                self.set_follow(false);
                None
            }
            None => Some(format!("no match for \"{}\" {}", self.search_text, if forward { "below" } else { "above" })),
        }
    }
}

impl State {
    /// Opens the logs of the selected pod (pods pane, a pod's triage line), or of every pod of the selected workload
    /// (workloads pane, a failed job's triage line).
    pub(super) fn open_logs(&mut self) {
        let subject = match self.pane {
            Pane::Pods => self.pods.selected_row().map(|p| (p.id.namespace.clone(), p.id.name.clone(), None)),
            Pane::Workloads => self.workloads.selected_row().map(workload_subject),
            Pane::Triage => self.triage.selected_row().and_then(|t| t.object.as_ref()).and_then(|o| match o.kind {
                ObjectKind::Pod => Some((o.namespace.clone(), o.name.clone(), None)),
                ObjectKind::Node => None,
                _ => self.workloads.get(&o.uid).map(workload_subject),
            }),
            Pane::Nodes | Pane::Gpu | Pane::Images | Pane::Inference | Pane::Browse | Pane::Helm | Pane::History => {
                None
            }
        };
        let Some((namespace, pod, selector)) = subject else {
            self.notice = Some(Notice { error: false, text: "logs: select a pod or a workload".into() });
            return;
        };
        self.stream_logs(LogTarget { selector, ..LogTarget::new(namespace, pod) });
    }

    /// `:logs [-c CONTAINER] [--tail N] [--since 10m] [-p] [--timestamps] [POD]`: a pod by name (in the namespace in
    /// view, else wherever it is unique) or the selection, with kubectl's options.
    pub(super) fn logs_command(&mut self, words: Vec<&str>) {
        match self.parse_logs_command(&words) {
            Ok(Some(target)) => self.stream_logs(target),
            Ok(None) => self.open_logs(),
            Err(why) => self.notice = Some(warning(format!(":logs: {why}"))),
        }
    }

    fn parse_logs_command(&self, words: &[&str]) -> Result<Option<LogTarget>, String> {
        let (mut container, mut tail, mut since, mut previous, mut timestamps, mut pod) =
            (None, DEFAULT_TAIL, None, None, false, None);
        let mut words = words.iter();
        while let Some(&word) = words.next() {
            let mut value = || words.next().copied().ok_or_else(|| format!("{word} needs a value"));
            match word {
                "-c" | "--container" => container = Some(value()?.to_string()),
                "--tail" => tail = value()?.parse().map_err(|_| "--tail takes a number of lines".to_string())?,
                "--since" => since = Some(seconds(value()?).ok_or("--since takes a duration like 30s, 10m or 2h")?),
                "-p" | "--previous" => previous = Some(true),
                "--timestamps" => timestamps = true,
                flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
                name => pod = Some(name),
            }
        }
        let options =
            container.is_some() || since.is_some() || previous.is_some() || timestamps || tail != DEFAULT_TAIL;
        let (namespace, pod) = match pod {
            Some(name) => {
                let in_view = |p: &&PodRow| self.namespace.as_deref().is_none_or(|ns| p.id.namespace == ns);
                let found: Vec<&PodRow> = self.pods.all().filter(|p| p.id.name == name).filter(in_view).collect();
                match found.as_slice() {
                    [p] => (p.id.namespace.clone(), p.id.name.clone()),
                    [] => return Err(format!("no pod \"{name}\"")),
                    _ => return Err(format!("pod \"{name}\" is in several namespaces; :ns picks one")),
                }
            }
            None if !options => return Ok(None),
            // Options while a pod's logs are open apply to that pod.
            None => match (self.logs.as_ref().filter(|l| l.target.selector.is_none()), self.pods.selected_row()) {
                (Some(l), _) => (l.target.namespace.clone(), l.target.pod.clone()),
                (None, Some(p)) if self.pane == Pane::Pods => (p.id.namespace.clone(), p.id.name.clone()),
                _ => return Err("options need a pod: name one, or select it in the pods pane".into()),
            },
        };
        Ok(Some(LogTarget { namespace, pod, selector: None, container, previous, tail, since, timestamps }))
    }

    /// Starts a stream for `target` into a fresh view (the previous stream's late batches are then dropped).
    pub(super) fn stream_logs(&mut self, target: LogTarget) {
        self.log_generation += 1;
        self.effects.push(Effect::Logs { target: target.clone(), generation: self.log_generation });
        self.show_logs(Logs::new(target, self.log_generation, self.log_capacity));
    }

    /// Shows an already filled logs view (benchmarks and snapshots start from a buffer, not a stream).
    pub fn show_logs(&mut self, logs: Logs) {
        self.logs = Some(logs);
        self.mode = Mode::Logs { prompt: None };
    }

    /// The containers of the pod whose logs are open.
    pub(super) fn logs_containers(&self) -> Vec<String> {
        let Some(target) = self.logs.as_ref().map(|l| &l.target) else { return Vec::new() };
        let pod = self.pods.all().find(|p| p.id.name == target.pod && p.id.namespace == target.namespace);
        pod.map(|p| p.containers.clone()).unwrap_or_default()
    }

    /// Lines of log text on screen (the body less the view's header line).
    pub fn log_rows(&self) -> usize {
        usize::from(self.screen().body.height).saturating_sub(1).max(1)
    }

    pub(super) fn act_in_logs(&mut self, action: Action) {
        let height = self.log_rows();
        let Mode::Logs { prompt } = &mut self.mode else { return };
        if let Some(LogPrompt { kind, input }) = prompt {
            match action {
                Action::Accept => {
                    let (kind, input) = (*kind, std::mem::take(input));
                    self.mode = Mode::Logs { prompt: None };
                    self.prompted(kind, input, height);
                }
                Action::Back => self.mode = Mode::Logs { prompt: None },
                Action::DeleteChar => {
                    input.pop();
                }
                _ => {}
            }
            return;
        }
        let Some(logs) = self.logs.as_mut() else { return };
        let page = height as isize;
        match action {
            Action::Back | Action::Quit => {
                self.mode = Mode::Normal;
                self.logs = None;
                self.effects.push(Effect::StopLogs);
            }
            Action::Down => logs.scroll(1, height),
            Action::Up => logs.scroll(-1, height),
            Action::PageDown => logs.scroll(page, height),
            Action::PageUp => logs.scroll(-page, height),
            Action::Top => logs.to_top(),
            Action::Bottom => logs.to_end(),
            Action::ToggleFollow => logs.toggle_follow(height),
            Action::ToggleWrap => logs.wrap = !logs.wrap,
            Action::ToggleColors => logs.colors = !logs.colors,
            Action::Left => logs.hscroll = logs.hscroll.saturating_sub(HSCROLL_STEP),
            Action::Right => logs.hscroll += HSCROLL_STEP,
            Action::NextMatch | Action::PrevMatch => {
                self.notice = logs.next_match(action == Action::NextMatch, height).map(warning);
            }
            Action::Search => {
                let input = logs.search_text.clone();
                self.mode = Mode::Logs { prompt: Some(LogPrompt { kind: LogPromptKind::Search, input }) };
            }
            Action::Filter => {
                let input = logs.filter.as_ref().map(|f| f.text.clone()).unwrap_or_default();
                self.mode = Mode::Logs { prompt: Some(LogPrompt { kind: LogPromptKind::Filter, input }) };
            }
            Action::PickContainer if logs.target.selector.is_some() => {
                self.notice =
                    Some(warning("a workload's logs show every container; open a pod's logs to pick one".into()));
            }
            Action::PickContainer => self.open_picker(LOGS_CONTAINER),
            Action::Save => {
                let input = format!("{}.log", logs.target.pod.replace('/', "-"));
                self.mode = Mode::Logs { prompt: Some(LogPrompt { kind: LogPromptKind::Save, input }) };
            }
            Action::Copy => {
                let at = logs.matched.unwrap_or_else(|| logs.first_shown(height));
                if let Some(line) = logs.line(at) {
                    self.effects.push(Effect::Copy(line.text.clone()));
                    self.notice = Some(Notice { error: false, text: "copied the line (OSC 52)".into() });
                }
            }
            Action::TogglePrevious | Action::ToggleTimestamps => {
                let mut target = logs.target.clone();
                if action == Action::TogglePrevious {
                    // The stream chose for a crash-looping pod; the toggle flips what is shown now.
                    let shown_previous = target.previous.unwrap_or(logs.described.contains("previous"));
                    target.previous = Some(!shown_previous);
                } else {
                    target.timestamps = !target.timestamps;
                }
                self.stream_logs(target);
            }
            _ => {}
        }
    }

    /// What enter does at the logs view's prompt.
    fn prompted(&mut self, kind: LogPromptKind, input: String, height: usize) {
        let Some(logs) = self.logs.as_mut() else { return };
        match kind {
            LogPromptKind::Search => self.notice = logs.set_search(&input, height).map(warning),
            LogPromptKind::Filter => self.notice = logs.set_filter(&input).map(warning),
            LogPromptKind::Save if input.trim().is_empty() => self.notice = Some(warning("save: no file name".into())),
            LogPromptKind::Save => {
                let lines = (0..logs.len()).filter_map(|i| logs.line(i)).map(|l| l.text.clone()).collect();
                self.effects.push(Effect::SaveLogs { path: input.trim().to_string(), lines });
                self.notice = Some(Notice { error: false, text: "saving…".into() });
            }
        }
    }
}

/// "30s", "10m", "2h", "1d" in seconds.
fn seconds(duration: &str) -> Option<i64> {
    let split = duration.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = duration.split_at(split);
    let n: i64 = number.parse().ok()?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(n * unit)
}

/// The picker command that switches the logs view to one container (the picked name is its argument).
pub const LOGS_CONTAINER: &str = "logs -c";

/// Lines a stream starts with, like `kubectl logs --tail`.
pub const DEFAULT_TAIL: i64 = 1000;

/// A workload as a log subject: its namespace, "kind/name", and the selector of its pods.
fn workload_subject(w: &WorkloadRow) -> (String, String, Option<BTreeMap<String, String>>) {
    (w.id.namespace.clone(), format!("{}/{}", w.kind.as_str().to_lowercase(), w.id.name), Some(w.selector.clone()))
}

/// Columns one `left`/`right` moves an unwrapped view.
const HSCROLL_STEP: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> LogTarget {
        LogTarget::new("ml", "train-1")
    }

    fn lines(range: std::ops::Range<usize>) -> Vec<LogLine> {
        range.map(|i| LogLine::plain(format!("step {i} loss 0.{i}"))).collect()
    }

    fn shown(l: &Logs, height: usize) -> Vec<String> {
        let first = l.first_shown(height);
        (first..first + height).filter_map(|i| l.line(i)).map(|l| l.text.clone()).collect()
    }

    #[test]
    fn a_full_ring_drops_the_oldest_and_counts_them() {
        let mut l = Logs::new(target(), 1, 5);
        l.push(lines(0..3));
        l.push(lines(3..8));
        assert_eq!((l.len(), l.dropped), (5, 3));
        assert_eq!(shown(&l, 2), ["step 6 loss 0.6", "step 7 loss 0.7"], "following shows the newest");
    }

    #[test]
    fn pausing_keeps_the_view_and_counts_new_lines() {
        let mut l = Logs::new(target(), 1, 100);
        l.push(lines(0..10));
        l.scroll(-3, 4);
        assert!(!l.follow, "scrolling up pauses");
        assert_eq!(shown(&l, 4)[0], "step 3 loss 0.3");
        l.push(lines(10..15));
        assert_eq!((shown(&l, 4)[0].as_str(), l.unseen), ("step 3 loss 0.3", 5), "the view stays put");
        l.to_end();
        assert_eq!((l.follow, l.unseen), (true, 0));
        assert_eq!(shown(&l, 4)[3], "step 14 loss 0.14");
        l.toggle_follow(4);
        l.push(lines(15..17));
        assert_eq!((shown(&l, 4)[3].as_str(), l.unseen), ("step 14 loss 0.14", 2));
    }

    #[test]
    fn a_paused_view_holds_its_lines_while_the_ring_drops() {
        let mut l = Logs::new(target(), 1, 10);
        l.push(lines(0..10));
        l.to_top();
        l.scroll(4, 3);
        assert_eq!(shown(&l, 3)[0], "step 4 loss 0.4");
        l.push(lines(10..12));
        assert_eq!((shown(&l, 3)[0].as_str(), l.dropped), ("step 4 loss 0.4", 2));
    }

    #[test]
    fn search_jumps_forward_and_back_and_says_when_nothing_is_left() {
        let mut l = Logs::new(target(), 1, 100);
        l.push(lines(0..50));
        l.push(vec![LogLine::plain("ERROR: CUDA out of memory")]);
        l.push(lines(51..60));
        l.push(vec![LogLine::plain("error: NCCL timeout")]);
        l.to_top();
        assert_eq!(l.set_search("error", 5), None);
        assert_eq!(shown(&l, 5)[0], "ERROR: CUDA out of memory");
        assert_eq!(l.next_match(true, 5), None);
        assert_eq!((l.matched, l.first_shown(5)), (Some(60), 56), "the last match sits as high as a screen allows");
        assert!(l.next_match(true, 5).is_some_and(|m| m.contains("below")));
        assert_eq!(l.next_match(false, 5), None);
        assert_eq!((l.matched, shown(&l, 5)[0].as_str()), (Some(50), "ERROR: CUDA out of memory"));
        assert!(l.set_search("loss (", 5).is_some_and(|w| w.contains("literally")));
    }

    fn view(l: &Logs) -> Vec<String> {
        (0..l.len()).filter_map(|i| l.line(i)).map(|l| l.text.clone()).collect()
    }

    #[test]
    fn a_filter_keeps_matches_with_context_as_lines_arrive_and_go() {
        let mut l = Logs::new(target(), 1, 12);
        let text = |t: &str| LogLine::plain(t);
        l.push(["a", "b", "c", "ERR 1", "d", "e", "f", "g"].map(text).to_vec());
        assert_eq!(l.set_filter("-C 1 err"), None);
        assert_eq!(view(&l), ["c", "ERR 1", "d"]);
        l.push(["h", "ERR 2", "ERR 3", "i", "j"].map(text).to_vec());
        assert_eq!(
            view(&l),
            ["c", "ERR 1", "d", "h", "ERR 2", "ERR 3", "i"],
            "context before and after, no line twice"
        );
        l.to_top();
        l.push(["k", "l", "m", "n"].map(text).to_vec());
        assert_eq!((l.dropped, view(&l)[0].as_str()), (5, "h"), "lines gone from the ring leave the view");
        assert_eq!(l.unseen, 0, "nothing new matched while paused");
        l.push(["ERR 4"].map(text).to_vec());
        assert_eq!((view(&l).last().map(String::as_str), l.unseen), (Some("ERR 4"), 2), "n and ERR 4 arrived");
        assert_eq!(l.set_filter(""), None);
        assert_eq!(l.len(), 12, "an empty filter shows every line");
    }
}
