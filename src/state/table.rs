//! One table pane's state: rows by uid, sort, filter, drill-down scope, and the selection (by identity, so watch
//! updates that reorder rows never move it). Sorting happens per data change, filtering per filter change; never
//! per frame.

use std::collections::{BTreeMap, HashMap};

use regex::{Regex, RegexBuilder};

use crate::model::{Health, ObjectId};
use crate::selector::LabelSelector;

/// A value a column sorts by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Num(i64),
    Text(String),
}

/// A column: its header, how wide it wants to be (0 = take the rest, at least 12), and which columns go first
/// when the terminal is narrow (higher `drop` goes first; 0 never goes).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
    pub drop: u8,
}

impl Column {
    pub const fn new(title: &'static str, width: u16, drop: u8) -> Self {
        Column { title, width, drop }
    }
}

/// What a table pane needs from its rows.
pub trait Row: Clone {
    fn columns() -> &'static [Column];
    fn id(&self) -> &ObjectId;
    fn cells(&self, now: i64) -> Vec<String>;
    fn sort_key(&self, column: usize, now: i64) -> SortKey;
    fn health(&self) -> Health;
    /// The text a filter regex matches against.
    fn search_text(&self) -> String;
    fn labels(&self) -> Option<&BTreeMap<String, String>> {
        None
    }
    /// The node a row runs on, for node drill-down.
    fn node(&self) -> Option<&str> {
        None
    }
}

/// Rows that changed, as sources send them (at most a few times a second).
#[derive(Debug, Clone)]
pub struct Delta<R> {
    /// Replace everything (an initial list or a relist).
    pub reset: bool,
    pub upserts: Vec<R>,
    /// uids
    pub deletes: Vec<String>,
}

/// The filter typed after `/`.
#[derive(Debug, Clone, Default)]
pub enum Filter {
    #[default]
    None,
    Regex {
        regex: Regex,
        inverted: bool,
    },
    Labels(LabelSelector),
}

impl Filter {
    /// `regex`, `!regex` (inverted) or `-l key=value,…`; a bad pattern is reported and matched literally.
    pub fn parse(input: &str) -> (Filter, Option<String>) {
        let input = input.trim();
        if input.is_empty() {
            return (Filter::None, None);
        }
        if let Some(sel) = input.strip_prefix("-l").map(str::trim) {
            return match LabelSelector::parse(sel) {
                Ok(s) => (Filter::Labels(s), None),
                Err(e) => (Filter::None, Some(format!("label selector: {e}"))),
            };
        }
        let (pattern, inverted) = match input.strip_prefix('!') {
            Some(rest) => (rest, true),
            None => (input, false),
        };
        match RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 20).build() {
            Ok(regex) => (Filter::Regex { regex, inverted }, None),
            Err(_) => {
                let literal = RegexBuilder::new(&regex::escape(pattern)).case_insensitive(true).build();
                let filter = literal.map(|regex| Filter::Regex { regex, inverted }).unwrap_or_default();
                (filter, Some(format!("not a valid regex, matching \"{pattern}\" literally")))
            }
        }
    }

    fn matches<R: Row>(&self, row: &R, text: &str) -> bool {
        match self {
            Filter::None => true,
            Filter::Regex { regex, inverted } => regex.is_match(text) != *inverted,
            Filter::Labels(sel) => row.labels().is_some_and(|l| sel.matches(l)),
        }
    }
}

/// Narrowing from a drill-down (node → its pods, workload → its pods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Node(String),
    Selector { namespace: String, labels: BTreeMap<String, String>, owner: String },
}

impl Scope {
    pub fn describe(&self) -> String {
        match self {
            Scope::Node(n) => format!("node {n}"),
            Scope::Selector { owner, .. } => owner.clone(),
        }
    }

    fn matches<R: Row>(&self, row: &R) -> bool {
        match self {
            Scope::Node(n) => row.node() == Some(n.as_str()),
            Scope::Selector { namespace, labels, .. } => {
                row.id().namespace == *namespace
                    && row.labels().is_some_and(|l| labels.iter().all(|(k, v)| l.get(k) == Some(v)))
            }
        }
    }
}

/// Rows live in a slab and every ordering is a list of slot numbers: re-filtering 50k rows per keystroke then needs
/// no hashing and no string copies.
#[derive(Debug)]
pub struct Table<R: Row> {
    /// Each row with its search text; `None` marks a free slot.
    slots: Vec<Option<(R, String)>>,
    free: Vec<usize>,
    /// uid → slot.
    index: HashMap<String, usize>,
    /// All slots in sort order.
    sorted: Vec<usize>,
    /// What is shown: `sorted` narrowed by namespace, scope and filter.
    view: Vec<usize>,
    /// The selected row's uid, and its position in `view` (kept in step with it).
    pub selected: Option<String>,
    selected_at: Option<usize>,
    pub sort: (usize, bool),
    pub filter: Filter,
    pub filter_text: String,
    pub scope: Option<Scope>,
    needs_sort: bool,
    needs_view: bool,
    /// The first visible row, kept so the selection stays on screen without jumping.
    pub offset: usize,
}

impl<R: Row> Default for Table<R> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            sorted: Vec::new(),
            view: Vec::new(),
            selected: None,
            selected_at: None,
            sort: (0, false),
            filter: Filter::None,
            filter_text: String::new(),
            scope: None,
            needs_sort: false,
            needs_view: false,
            offset: 0,
        }
    }
}

impl<R: Row> Table<R> {
    pub fn sorted_by(column: usize, descending: bool) -> Self {
        Table { sort: (column, descending), ..Table::default() }
    }

    pub fn apply(&mut self, delta: Delta<R>) {
        if delta.reset {
            self.slots.clear();
            self.free.clear();
            self.index.clear();
        }
        for uid in &delta.deletes {
            if let Some(slot) = self.index.remove(uid) {
                self.slots[slot] = None;
                self.free.push(slot);
            }
        }
        for row in delta.upserts {
            let text = row.search_text();
            let uid = row.id().uid.clone();
            match self.index.get(&uid) {
                Some(&slot) => self.slots[slot] = Some((row, text)),
                None => {
                    let slot = match self.free.pop() {
                        Some(slot) => {
                            self.slots[slot] = Some((row, text));
                            slot
                        }
                        None => {
                            self.slots.push(Some((row, text)));
                            self.slots.len() - 1
                        }
                    };
                    self.index.insert(uid, slot);
                }
            }
        }
        self.needs_sort = true;
    }

    fn row(&self, slot: usize) -> Option<&(R, String)> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    pub fn set_filter(&mut self, text: &str) -> Option<String> {
        let (filter, warning) = Filter::parse(text);
        self.filter = filter;
        self.filter_text = text.to_string();
        self.needs_view = true;
        warning
    }

    pub fn set_scope(&mut self, scope: Option<Scope>) {
        self.scope = scope;
        self.needs_view = true;
    }

    /// Moves the sort column by `step` (wrapping), or flips the direction with 0.
    pub fn cycle_sort(&mut self, step: isize) {
        let n = R::columns().len() as isize;
        if step == 0 {
            self.sort.1 = !self.sort.1;
        } else {
            self.sort.0 = (self.sort.0 as isize + step).rem_euclid(n) as usize;
        }
        self.needs_sort = true;
    }

    /// Re-sorts and re-filters what changed since the last call.
    pub fn refresh(&mut self, namespace: Option<&str>, now: i64) {
        if self.needs_sort {
            let (column, descending) = self.sort;
            let mut keyed: Vec<(SortKey, &str, usize)> = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(slot, r)| {
                    r.as_ref().map(|(row, _)| (row.sort_key(column, now), row.id().name.as_str(), slot))
                })
                .collect();
            keyed.sort_by(|a, b| {
                let primary = a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1));
                if descending { primary.reverse() } else { primary }
            });
            self.sorted = keyed.into_iter().map(|(_, _, slot)| slot).collect();
            self.needs_sort = false;
            self.needs_view = true;
        }
        if self.needs_view {
            let previous = self.selected_at;
            let view: Vec<usize> = self
                .sorted
                .iter()
                .copied()
                .filter(|&slot| {
                    let Some((row, text)) = self.row(slot) else { return false };
                    namespace.is_none_or(|ns| row.id().namespace == ns || row.id().namespace.is_empty())
                        && self.scope.as_ref().is_none_or(|s| s.matches(row))
                        && self.filter.matches(row, text)
                })
                .collect();
            self.view = view;
            self.needs_view = false;
            self.keep_selection(previous);
        }
    }

    /// Namespace switches change every view.
    pub fn invalidate(&mut self) {
        self.needs_view = true;
    }

    /// The selected row survives if still shown; otherwise the row now at its old position is selected.
    fn keep_selection(&mut self, previous: Option<usize>) {
        let slot = self.selected.as_ref().and_then(|uid| self.index.get(uid)).copied();
        self.selected_at = slot.and_then(|slot| self.view.iter().position(|&v| v == slot));
        if self.selected_at.is_none() {
            let at = match previous {
                Some(i) if !self.view.is_empty() => Some(i.min(self.view.len() - 1)),
                _ if !self.view.is_empty() => Some(0),
                _ => None,
            };
            self.select_at(at);
        }
    }

    fn select_at(&mut self, at: Option<usize>) {
        self.selected_at = at;
        self.selected = at.and_then(|i| self.row(self.view[i])).map(|(r, _)| r.id().uid.clone());
    }

    /// Points the selection at `uid` (a jump from another pane); it takes effect at the next refresh.
    pub fn select_uid(&mut self, uid: String) {
        self.selected = Some(uid);
        self.needs_view = true;
    }

    pub fn selected_index(&self) -> Option<usize> {
        self.selected_at
    }

    pub fn selected_row(&self) -> Option<&R> {
        self.index.get(self.selected.as_ref()?).and_then(|&slot| self.row(slot)).map(|(r, _)| r)
    }

    pub fn move_by(&mut self, step: isize) {
        if self.view.is_empty() {
            return;
        }
        let at = self.selected_at.unwrap_or(0) as isize;
        let to = (at + step).clamp(0, self.view.len() as isize - 1) as usize;
        self.select_at(Some(to));
    }

    pub fn select_first(&mut self) {
        self.select_at((!self.view.is_empty()).then_some(0));
    }

    pub fn select_last(&mut self) {
        self.select_at(self.view.len().checked_sub(1));
    }

    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    pub fn total(&self) -> usize {
        self.index.len()
    }

    /// Rows `from..from+count` of the view (rendering asks only for what fits on screen).
    pub fn window(&self, from: usize, count: usize) -> impl Iterator<Item = &R> {
        self.view.iter().skip(from).take(count).filter_map(|&slot| self.row(slot).map(|(r, _)| r))
    }

    /// All rows, unordered (for derived panes such as triage).
    pub fn all(&self) -> impl Iterator<Item = &R> {
        self.slots.iter().flatten().map(|(r, _)| r)
    }

    /// Keeps the selection inside a window of `height` rows, moving the offset as little as possible.
    pub fn scroll_to_selection(&mut self, height: usize) {
        let Some(i) = self.selected_at else {
            self.offset = 0;
            return;
        };
        if i < self.offset {
            self.offset = i;
        } else if height > 0 && i >= self.offset + height {
            self.offset = i + 1 - height;
        }
        self.offset = self.offset.min(self.view.len().saturating_sub(height.max(1)));
    }
}
