//! One table pane's state: rows by uid, sort, filter, drill-down scope, and the selection (by identity, so watch
//! updates that reorder rows never move it). Changed rows move into place per data change, filtering happens per
//! filter change; never per frame.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::model::cell::Cell;
use crate::model::{Health, ObjectId};

/// A value a column sorts by, borrowed from the row so sorting allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey<'a> {
    Num(i64),
    Text(&'a str),
}

/// A column: its header, how wide it wants to be (0 = take the rest, at least 12), and which columns go first
/// when the terminal is narrow (higher `drop` goes first; 0 never goes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Fixed for the console's own panes; the server's column names for a generic view.
    pub title: Cow<'static, str>,
    pub width: u16,
    pub drop: u8,
}

impl Column {
    pub const fn new(title: &'static str, width: u16, drop: u8) -> Self {
        Column { title: Cow::Borrowed(title), width, drop }
    }
}

/// What a table pane needs from its rows.
pub trait Row: Clone {
    /// The columns a table of these rows starts with (a generic view replaces them with the server's).
    fn columns() -> &'static [Column];
    fn id(&self) -> &ObjectId;
    /// One cell per column, as values the UI formats (ages count from its clock).
    fn cells(&self) -> Vec<Cell>;
    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_>;
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
    /// The PersistentVolumeClaims a row mounts, for claim drill-down.
    fn claims(&self) -> &[String] {
        &[]
    }
}

mod filter;
pub use filter::Filter;

pub use crate::model::Delta;

/// Narrowing from a drill-down (node → its pods, workload → its pods).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Node(String),
    Selector {
        namespace: String,
        labels: BTreeMap<String, String>,
        owner: String,
    },
    /// The pods that mount a PersistentVolumeClaim.
    Claim {
        namespace: String,
        claim: String,
    },
}

impl Scope {
    pub fn describe(&self) -> String {
        match self {
            Scope::Node(n) => format!("node {n}"),
            Scope::Selector { owner, .. } => owner.clone(),
            Scope::Claim { namespace, claim } => format!("persistentvolumeclaim {namespace}/{claim}"),
        }
    }

    fn matches<R: Row>(&self, row: &R) -> bool {
        match self {
            Scope::Node(n) => row.node() == Some(n.as_str()),
            Scope::Selector { namespace, labels, .. } => {
                row.id().namespace == *namespace
                    && row.labels().is_some_and(|l| labels.iter().all(|(k, v)| l.get(k) == Some(v)))
            }
            Scope::Claim { namespace, claim } => row.id().namespace == *namespace && row.claims().contains(claim),
        }
    }
}

/// Rows live in a slab and every ordering is a list of slot numbers: re-filtering 50k rows per keystroke then needs
/// no hashing and no string copies. Small deltas move only the rows they touch (binary search in the sorted list and
/// the view); a reset, a sort change or a delta touching many rows re-sorts everything.
#[derive(Debug)]
pub struct Table<R: Row> {
    /// Each row with its search text; `None` marks a free slot.
    slots: Vec<Option<(R, String)>>,
    free: Vec<usize>,
    /// uid → slot.
    index: HashMap<String, usize>,
    /// All placed slots in sort order.
    sorted: Vec<usize>,
    /// What is shown: `sorted` narrowed by namespace, scope and filter, in the same order.
    view: Vec<usize>,
    /// Views for the filter texts typed on the way to the current one (while rows, sort and scope stay as they are),
    /// so backspace restores a view instead of scanning every row again.
    earlier_views: Vec<(String, Vec<usize>)>,
    /// Slots written since the last refresh and not yet placed in `sorted` and `view`.
    unplaced: Vec<usize>,
    /// The clock the current order was computed with; placing rows later uses it too, so ages compare consistently.
    sorted_at: i64,
    /// The namespace the view was narrowed to.
    view_namespace: Option<String>,
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
    columns: Cow<'static, [Column]>,
    /// Rows marked with `space` (by uid) for a command on several objects; a deleted row's mark goes with it.
    pub marked: BTreeSet<String>,
}

impl<R: Row> Default for Table<R> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            sorted: Vec::new(),
            view: Vec::new(),
            earlier_views: Vec::new(),
            unplaced: Vec::new(),
            sorted_at: 0,
            view_namespace: None,
            selected: None,
            selected_at: None,
            sort: (0, false),
            filter: Filter::None,
            filter_text: String::new(),
            scope: None,
            needs_sort: false,
            needs_view: false,
            offset: 0,
            columns: Cow::Borrowed(R::columns()),
            marked: BTreeSet::new(),
        }
    }
}

/// The total order of rows: the sort column, then name, then uid (so every row has exactly one place).
fn order<R: Row>(a: &R, b: &R, (column, descending): (usize, bool), now: i64) -> Ordering {
    let primary = a
        .sort_key(column, now)
        .cmp(&b.sort_key(column, now))
        .then_with(|| a.id().name.cmp(&b.id().name))
        .then_with(|| a.id().uid.cmp(&b.id().uid));
    if descending { primary.reverse() } else { primary }
}

impl<R: Row> Table<R> {
    pub fn sorted_by(column: usize, descending: bool) -> Self {
        Table { sort: (column, descending), ..Table::default() }
    }

    pub fn apply(&mut self, delta: Delta<R>) {
        if delta.reset {
            // A relist keeps the marks of rows that are still there.
            let listed: HashSet<&str> = delta.upserts.iter().map(|r| r.id().uid.as_str()).collect();
            self.marked.retain(|uid| listed.contains(uid.as_str()));
            self.slots.clear();
            self.free.clear();
            self.index.clear();
            self.unplaced.clear();
            self.needs_sort = true;
        }
        // Moving rows one by one costs a memmove each; past a few hundred a full sort is cheaper.
        if delta.upserts.len() + delta.deletes.len() > 256.max(self.sorted.len() / 32) {
            self.needs_sort = true;
        }
        for uid in &delta.deletes {
            self.marked.remove(uid);
            if let Some(slot) = self.index.remove(uid) {
                self.unplace(slot);
                self.slots[slot] = None;
                self.free.push(slot);
            }
        }
        if delta.reset || !delta.upserts.is_empty() || !delta.deletes.is_empty() {
            self.earlier_views.clear();
        }
        for row in delta.upserts {
            let mut text = row.search_text();
            if text.is_ascii() {
                text.make_ascii_lowercase();
            } else {
                text = text.to_lowercase();
            }
            let uid = row.id().uid.clone();
            let slot = match self.index.get(&uid) {
                Some(&slot) => {
                    self.unplace(slot);
                    self.slots[slot] = Some((row, text));
                    slot
                }
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
                    slot
                }
            };
            self.unplaced.push(slot);
        }
    }

    /// Takes a slot's current row out of `sorted` and `view` before the row changes or goes.
    fn unplace(&mut self, slot: usize) {
        if let Some(i) = self.unplaced.iter().position(|&s| s == slot) {
            self.unplaced.swap_remove(i);
            return;
        }
        if self.needs_sort {
            return;
        }
        if let Ok(i) = self.locate(&self.sorted, slot) {
            self.sorted.remove(i);
        }
        if !self.needs_view
            && let Ok(i) = self.locate(&self.view, slot)
        {
            self.view.remove(i);
        }
    }

    /// Where `slot` is (Ok) or belongs (Err) in an ordering of slots.
    fn locate(&self, ordering: &[usize], slot: usize) -> Result<usize, usize> {
        let Some((row, _)) = self.row(slot) else { return Err(0) };
        ordering.binary_search_by(|&probe| match self.row(probe) {
            Some((other, _)) => order(other, row, self.sort, self.sorted_at),
            None => Ordering::Less,
        })
    }

    fn row(&self, slot: usize) -> Option<&(R, String)> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    /// Whether a row passes the namespace, the drill-down scope and the filter.
    fn shows(&self, slot: usize) -> bool {
        let Some((row, text)) = self.row(slot) else { return false };
        self.view_namespace.as_deref().is_none_or(|ns| row.id().namespace == ns || row.id().namespace.is_empty())
            && self.scope.as_ref().is_none_or(|s| s.matches(row))
            && self.filter.matches(row, text)
    }

    /// Typing narrows the current view; backspace brings back the view it narrowed; anything else rebuilds it.
    pub fn set_filter(&mut self, text: &str) -> Option<String> {
        let (filter, warning) = Filter::parse(text);
        let current = !self.needs_sort && !self.needs_view && self.unplaced.is_empty();
        let previous = self.selected_at;
        if current && filter.narrows(&self.filter) {
            let view: Vec<usize> = self
                .view
                .iter()
                .copied()
                .filter(|&slot| self.row(slot).is_some_and(|(row, search)| filter.matches(row, search)))
                .collect();
            let earlier = std::mem::replace(&mut self.view, view);
            self.earlier_views.push((std::mem::take(&mut self.filter_text), earlier));
            self.filter = filter;
            self.filter_text = text.to_string();
            self.keep_selection(previous);
            return warning;
        }
        match self.earlier_views.iter().rposition(|(t, _)| t == text) {
            Some(at) if current => {
                self.view = self.earlier_views.swap_remove(at).1;
                self.earlier_views.truncate(at);
                self.keep_selection(previous);
            }
            _ => {
                self.earlier_views.clear();
                self.needs_view = true;
            }
        }
        self.filter = filter;
        self.filter_text = text.to_string();
        warning
    }

    pub fn set_scope(&mut self, scope: Option<Scope>) {
        self.scope = scope;
        self.earlier_views.clear();
        self.needs_view = true;
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Replaces the columns (a generic view learns them from the server's Table); rows are sorted again.
    pub fn set_columns(&mut self, columns: Vec<Column>) {
        if *self.columns == columns[..] {
            return;
        }
        if self.sort.0 >= columns.len() {
            self.sort = (0, false);
        }
        self.columns = Cow::Owned(columns);
        self.earlier_views.clear();
        self.needs_sort = true;
    }

    /// Moves the sort column by `step` (wrapping), or flips the direction with 0.
    pub fn cycle_sort(&mut self, step: isize) {
        let n = self.columns.len().max(1) as isize;
        if step == 0 {
            self.sort.1 = !self.sort.1;
            // Every tie is broken by name, then uid: the current order reversed is exactly the order sorted the
            // other way, so flipping costs a reversal, not a sort.
            if !self.needs_sort && self.unplaced.is_empty() {
                self.sorted.reverse();
                if !self.needs_view {
                    self.view.reverse();
                    self.selected_at = self.selected_at.map(|i| self.view.len() - 1 - i);
                }
                self.earlier_views.clear();
                return;
            }
        } else {
            self.sort.0 = (self.sort.0 as isize + step).rem_euclid(n) as usize;
        }
        self.earlier_views.clear();
        self.needs_sort = true;
    }

    /// Brings `sorted` and `view` up to date with what changed since the last call.
    pub fn refresh(&mut self, namespace: Option<&str>, now: i64) {
        if self.view_namespace.as_deref() != namespace {
            self.view_namespace = namespace.map(str::to_string);
            self.earlier_views.clear();
            self.needs_view = true;
        }
        let previous = self.selected_at;
        let unplaced = std::mem::take(&mut self.unplaced);
        if self.needs_sort {
            self.sorted_at = now;
            // Each row's key once, not once per comparison: a full sort of 50k rows stays within a frame.
            let (column, descending) = self.sort;
            let mut keyed: Vec<(SortKey<'_>, &str, &str, usize)> = self
                .slots
                .iter()
                .enumerate()
                .filter_map(|(slot, s)| {
                    s.as_ref().map(|(r, _)| (r.sort_key(column, now), &*r.id().name, &*r.id().uid, slot))
                })
                .collect();
            // The same total order as `order`: key, then name, then uid.
            if descending {
                keyed.sort_unstable_by(|a, b| (b.0, b.1, b.2).cmp(&(a.0, a.1, a.2)));
            } else {
                keyed.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
            }
            self.sorted = keyed.into_iter().map(|k| k.3).collect();
            self.needs_sort = false;
            self.needs_view = true;
        } else {
            for &slot in &unplaced {
                if let Err(i) = self.locate(&self.sorted, slot) {
                    self.sorted.insert(i, slot);
                }
            }
        }
        if self.needs_view {
            self.view = self.sorted.iter().copied().filter(|&slot| self.shows(slot)).collect();
            self.needs_view = false;
        } else {
            for &slot in &unplaced {
                if self.shows(slot)
                    && let Err(i) = self.locate(&self.view, slot)
                {
                    self.view.insert(i, slot);
                }
            }
        }
        self.keep_selection(previous);
    }

    /// Changes rows in place (`change` says whether it changed one); `resort` when the change can move rows in the
    /// current sort order. Filters never look at what such changes touch (usage figures).
    pub fn update_each(&mut self, resort: bool, mut change: impl FnMut(&mut R) -> bool) {
        let mut changed = false;
        for (row, _) in self.slots.iter_mut().flatten() {
            changed |= change(row);
        }
        if changed && resort {
            self.earlier_views.clear();
            self.needs_sort = true;
        }
    }

    pub fn get(&self, uid: &str) -> Option<&R> {
        self.index.get(uid).and_then(|&slot| self.row(slot)).map(|(r, _)| r)
    }

    /// The selected row survives if still shown; otherwise the row now at its old position is selected.
    fn keep_selection(&mut self, previous: Option<usize>) {
        let slot = self.selected.as_ref().and_then(|uid| self.index.get(uid)).copied();
        self.selected_at = slot.and_then(|slot| self.locate(&self.view, slot).ok());
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

    /// `space`: marks the selected row, or unmarks it.
    pub fn toggle_mark(&mut self) {
        let Some(uid) = self.selected.clone() else { return };
        if !self.marked.remove(&uid) {
            self.marked.insert(uid);
        }
    }

    /// The marked rows' uids in the order the table shows them (marked rows a filter hides come last).
    pub fn marked_in_order(&self) -> Vec<String> {
        if self.marked.is_empty() {
            return Vec::new();
        }
        let mut ordered: Vec<String> =
            self.window(0, self.len()).map(|r| r.id().uid.clone()).filter(|uid| self.marked.contains(uid)).collect();
        let hidden: Vec<String> = self.marked.iter().filter(|uid| !ordered.contains(uid)).cloned().collect();
        ordered.extend(hidden);
        ordered
    }

    pub fn selected_row(&self) -> Option<&R> {
        self.get(self.selected.as_ref()?)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pods::PodRow;

    fn pod(i: u64, restarts: i32) -> PodRow {
        PodRow {
            id: ObjectId {
                namespace: format!("ns-{}", i % 3),
                name: format!("pod-{:03}", i % 40),
                uid: format!("u{i}"),
            },
            ready: (1, 1),
            status: if restarts % 2 == 0 { "Running".into() } else { "CrashLoopBackOff".into() },
            health: Health::Ok,
            restarts,
            last_restart: None,
            created: 1000 - (i as i64 % 17),
            node: format!("node-{}", i % 5),
            gpus: 0,
            why: String::new(),
            labels: BTreeMap::new(),
            owner: None,
            claims: Vec::new(),
            empty_dir: false,
            containers: vec!["main".into()],
            ports: Vec::new(),
            usage: None,
            gpu_util: None,
            images: Vec::new(),
            pull_image: None,
            registry: None,
        }
    }

    fn shown(t: &Table<PodRow>) -> Vec<String> {
        t.window(0, usize::MAX).map(|p| format!("{}:{}", p.id.uid, p.restarts)).collect()
    }

    /// Typing narrows the view and backspace restores it; each step shows what a fresh scan with that filter shows,
    /// and a data change in between drops the remembered views rather than restoring a stale one.
    #[test]
    fn typing_and_backspace_match_a_fresh_scan() {
        let rows: Vec<PodRow> = (0..300).map(|i| pod(i, (i % 3) as i32)).collect();
        let fresh = |filter: &str, rows: &[PodRow]| {
            let mut t: Table<PodRow> = Table::default();
            t.apply(Delta { reset: true, upserts: rows.to_vec(), deletes: vec![] });
            t.set_filter(filter);
            t.refresh(None, 2000);
            shown(&t)
        };
        let mut live: Table<PodRow> = Table::default();
        live.apply(Delta { reset: true, upserts: rows.clone(), deletes: vec![] });
        live.refresh(None, 2000);
        for text in ["P", "Po", "Pod-0", "pod-01", "pod-0", "po", "", "crash", "!crash", "node-[12]", "node-"] {
            live.set_filter(text);
            live.refresh(None, 2000);
            assert_eq!(shown(&live), fresh(text, &rows), "filter {text:?}");
        }
        live.set_filter("pod-0");
        live.refresh(None, 2000);
        live.set_filter("pod-01");
        live.refresh(None, 2000);
        let changed = vec![PodRow { restarts: 5, ..pod(3, 0) }, pod(1001, 1)];
        live.apply(Delta { reset: false, upserts: changed.clone(), deletes: vec![] });
        live.refresh(None, 2000);
        live.set_filter("pod-0");
        live.refresh(None, 2000);
        let now: Vec<PodRow> = live.all().cloned().collect();
        assert_eq!(shown(&live), fresh("pod-0", &now));
        assert!(shown(&live).contains(&"u3:5".to_string()), "the changed row, not the remembered one");
    }

    /// Many small deltas moved into place one row at a time give exactly the order and view a full rebuild gives,
    /// for every sort column, with a filter and a namespace narrowing the view.
    #[test]
    fn incremental_deltas_match_a_full_rebuild() {
        for column in 0..PodRow::columns().len() {
            let mut live: Table<PodRow> = Table::sorted_by(column, column % 2 == 1);
            live.set_filter("crash|node-[12]");
            live.apply(Delta { reset: true, upserts: (0..120).map(|i| pod(i, 0)).collect(), deletes: vec![] });
            live.refresh(Some("ns-1"), 2000);
            let mut seed = 7u64 + column as u64;
            for round in 0..60 {
                let mut delta = Delta::default();
                for _ in 0..5 {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let i = (seed >> 33) % 160;
                    if seed % 4 == 0 {
                        delta.deletes.push(format!("u{i}"));
                    } else {
                        delta.upserts.push(pod(i, (seed % 5) as i32 + round));
                    }
                }
                live.apply(delta);
                live.refresh(Some("ns-1"), 2000);
            }
            let mut rebuilt: Table<PodRow> = Table::sorted_by(column, column % 2 == 1);
            rebuilt.set_filter("crash|node-[12]");
            rebuilt.apply(Delta { reset: true, upserts: live.all().cloned().collect(), deletes: vec![] });
            rebuilt.refresh(Some("ns-1"), 2000);
            assert!(!shown(&rebuilt).is_empty());
            assert_eq!(shown(&live), shown(&rebuilt), "sort column {column}");
        }
    }

    /// Flipping the direction reverses the order in place; it equals sorting the other way from scratch, for every
    /// column, with the selection kept on the same row.
    #[test]
    fn reversing_equals_sorting_the_other_way() {
        let rows: Vec<PodRow> = (0..200).map(|i| pod(i, (i % 4) as i32)).collect();
        for column in 0..PodRow::columns().len() {
            let mut live: Table<PodRow> = Table::sorted_by(column, false);
            live.set_filter("node-[12]");
            live.apply(Delta { reset: true, upserts: rows.clone(), deletes: vec![] });
            live.refresh(None, 2000);
            live.select_uid("u17".into());
            live.cycle_sort(0);
            live.refresh(None, 2000);
            let mut fresh: Table<PodRow> = Table::sorted_by(column, true);
            fresh.set_filter("node-[12]");
            fresh.apply(Delta { reset: true, upserts: rows.clone(), deletes: vec![] });
            fresh.refresh(None, 2000);
            assert_eq!(shown(&live), shown(&fresh), "sort column {column}");
            assert_eq!(live.selected_row().map(|r| r.id.uid.as_str()), Some("u17"));
            fresh.select_uid("u17".into());
            fresh.refresh(None, 2000);
            assert_eq!(live.selected_index(), fresh.selected_index(), "sort column {column}");
        }
    }
}
