//! The generic view (`:svc`, `:pvc`, `:trainjobs`…): any resource the cluster serves, with the server's own columns
//! kept live by a watch, the shared filter, sort and selection, and resolving what an operator typed to a resource.
//! Owns its state; its reducers return the effects they need. Pure.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::table::{Column, Delta, Row, Scope, SortKey, Table};
use crate::event::{BrowseUpdate, Effect, Listing, ObjectAddress};
use crate::manifest::KnownResource;
use crate::model::cell::Cell;
use crate::model::table::ResourceRow;
use crate::model::{Health, ObjectId};
use crate::views::{Derived, Drill, Known};

/// Cells wider than this are cut in the column (the whole text still filters).
const WIDEST: u16 = 40;

#[derive(Debug, Default)]
pub struct Browse {
    /// What is listed; None until a `:RESOURCE` opens a view.
    pub listing: Option<Listing>,
    pub table: Table<ResourceRow>,
    /// The watch the rows come from; updates of older watches are dropped.
    pub generation: u64,
    /// The whole list has arrived (every page).
    pub complete: bool,
    /// Why the list or watch last failed (it is retried), until rows arrive again.
    pub error: Option<String>,
    /// What the operator should know about the listing (narrowed to a namespace).
    pub note: Option<String>,
    /// A `:RESOURCE` that discovery did not know, waiting for discovery to be asked again.
    pub awaiting: Option<String>,
    /// The object (namespace, name) to select once the listing brings it (enter on a triage line).
    pub wanted: Option<(String, String)>,
    /// Where the kind's own columns (`views::Derived`) sit among a row's cells, once the listing has columns.
    derived_at: Option<usize>,
    /// When the kind's own columns were last computed (a certificate's time left counts down).
    derived_when: i64,
}

impl Row for ResourceRow {
    fn columns() -> &'static [Column] {
        // The server's columns replace these when the list arrives.
        &[]
    }

    fn id(&self) -> &ObjectId {
        &self.id
    }

    fn cells(&self) -> Vec<Cell> {
        self.cells.clone()
    }

    fn sort_key(&self, column: usize, now: i64) -> SortKey<'_> {
        match self.cells.get(column) {
            Some(Cell::Int(n)) => SortKey::Num(*n),
            Some(Cell::Since(t)) => SortKey::Num(now - t),
            Some(Cell::Text(s)) => SortKey::Text(s),
            _ => SortKey::Text(""),
        }
    }

    fn health(&self) -> Health {
        self.health
    }

    fn search_text(&self) -> String {
        let mut text = String::new();
        for cell in &self.cells {
            if let Cell::Text(s) = cell {
                text.push_str(s);
                text.push(' ');
            }
        }
        text
    }

    fn labels(&self) -> Option<&BTreeMap<String, String>> {
        Some(&self.labels)
    }
}

impl Browse {
    /// Starts listing `resource` (events: Warnings only when `warnings_only`); the rows of any earlier listing go.
    pub fn open(&mut self, resource: KnownResource, namespace: Option<String>, warnings_only: bool) -> Effect {
        let field_selector = (warnings_only && resource.plural == "events").then(|| "type=Warning".to_string());
        let listing = Listing { resource, namespace, field_selector };
        self.generation += 1;
        self.table = Table::default();
        self.complete = false;
        self.error = None;
        self.note = None;
        self.wanted = None;
        self.derived_at = None;
        self.listing = Some(listing.clone());
        Effect::Browse { listing, generation: self.generation }
    }

    /// The same listing again, with the events Warning-only toggle flipped; None when not listing events.
    pub fn toggle_warnings(&mut self) -> Option<Effect> {
        let listing = self.listing.clone().filter(|l| l.resource.plural == "events")?;
        Some(self.open(listing.resource, listing.namespace, listing.field_selector.is_none()))
    }

    pub fn absorb(&mut self, generation: u64, update: BrowseUpdate, known: &Known<'_>) {
        if generation != self.generation {
            return;
        }
        match update {
            BrowseUpdate::Listed { mut columns, mut delta, complete } => {
                if delta.reset {
                    // The kind's own columns go before the server's AGE, which stays last as in kubectl.
                    let at = columns.len() - usize::from(columns.last().is_some_and(|c| c == "AGE"));
                    columns.splice(at..at, self.derived().iter().map(|d| d.title.to_string()));
                    self.derived_at = Some(at);
                    self.derived_when = known.now;
                    self.add_derived(&mut delta.upserts, known);
                    self.table.set_columns(fit_columns(&columns, &delta.upserts, known.now));
                } else {
                    self.add_derived(&mut delta.upserts, known);
                }
                self.error = None;
                self.complete = complete;
                self.table.apply(delta);
            }
            BrowseUpdate::Changed(mut delta) => {
                self.error = None;
                self.add_derived(&mut delta.upserts, known);
                self.table.apply(delta);
            }
            BrowseUpdate::Failed(why) => self.error = Some(why),
            BrowseUpdate::Note(note) => self.note = Some(note),
        }
        if let Some((namespace, name)) = &self.wanted {
            let found = self.table.all().find(|r| r.id.namespace == *namespace && r.id.name == *name);
            if let Some(uid) = found.map(|r| r.id.uid.clone()) {
                self.table.select_uid(uid);
                self.wanted = None;
            }
        }
    }

    /// The columns the listed kind's view adds to the server's.
    fn derived(&self) -> &'static [Derived] {
        match &self.listing {
            Some(l) => crate::views::of(l.resource.group(), &l.resource.kind).columns(),
            None => &[],
        }
    }

    /// Puts the kind's own cells into rows that arrived with the server's cells only.
    fn add_derived(&self, rows: &mut [ResourceRow], known: &Known<'_>) {
        let (derived, Some(at)) = (self.derived(), self.derived_at) else { return };
        if derived.is_empty() {
            return;
        }
        for row in rows {
            let at = at.min(row.cells.len());
            let cells = derived_cells(derived, known, &row.id);
            row.cells.splice(at..at, cells);
        }
    }

    /// Recomputes the kind's own columns after what they show changed (or a minute passed); only rows whose cells
    /// differ are replaced.
    pub fn refresh_derived(&mut self, known: &Known<'_>, changed: bool) {
        let (derived, Some(at)) = (self.derived(), self.derived_at) else { return };
        if derived.is_empty() || !(changed || known.now - self.derived_when >= 60) {
            return;
        }
        self.derived_when = known.now;
        let mut upserts = Vec::new();
        for row in self.table.all() {
            let at = at.min(row.cells.len());
            let fresh = derived_cells(derived, known, &row.id);
            if row.cells.get(at..at + fresh.len()) != Some(&fresh[..]) {
                let mut row = row.clone();
                row.cells.splice(at..at + fresh.len(), fresh);
                upserts.push(row);
            }
        }
        if !upserts.is_empty() {
            self.table.apply(Delta { reset: false, upserts, deletes: vec![] });
        }
    }

    /// The pane's title: the resource's plural, `warning events` when events are narrowed to Warnings.
    pub fn title(&self) -> String {
        match &self.listing {
            None => "resources".into(),
            Some(l) if l.field_selector.is_some() => format!("warning {}", l.resource.plural),
            Some(l) => l.resource.plural.clone(),
        }
    }

    /// The selected object, as the describe, YAML and edit effects address it.
    pub fn selected(&self) -> Option<ObjectAddress> {
        self.address_of(self.table.selected.as_deref()?)
    }

    /// The object of row `uid`.
    pub fn address_of(&self, uid: &str) -> Option<ObjectAddress> {
        let listing = self.listing.as_ref()?;
        let row = self.table.get(uid)?;
        Some(ObjectAddress {
            api_version: listing.resource.api_version.clone(),
            kind: listing.resource.kind.clone(),
            namespace: row.id.namespace.clone(),
            name: row.id.name.clone(),
        })
    }
}

impl super::State {
    /// `enter` in the generic view does what the kind's view says: a CRD opens its objects, a namespace becomes the
    /// one in view, an object that selects pods (a Service, a ReplicaSet, a DaemonSet…) or a claim shows its pods;
    /// anything else is described.
    pub(super) fn drill_into_resource(&mut self) {
        let (Some(listing), Some(row)) = (&self.browse.listing, self.browse.table.selected_row()) else { return };
        let resource = &listing.resource;
        let owner = format!("{} {}/{}", resource.kind.to_lowercase(), row.id.namespace, row.id.name);
        let namespace = row.id.namespace.clone();
        match crate::views::of(resource.group(), &resource.kind).drill(row) {
            Drill::Command(command) => self.run_command(&command),
            Drill::Namespace => {
                self.notice = Some(super::Notice { error: false, text: format!("namespace {}", row.id.name) });
                self.namespace = Some(row.id.name.clone());
            }
            Drill::SelectedPods => match row.selector.as_deref().map(|s| (s, plain_labels(s))) {
                Some((_, Some(labels))) => self.show_pods(Scope::Selector { namespace, labels, owner }),
                Some((selector, None)) => {
                    self.notice = Some(super::warning(format!(
                        "{owner} selects pods by expressions ({selector}); the pods pane filters by equality only: try / -l {selector}"
                    )))
                }
                None => self.request_document(false),
            },
            Drill::PodsUsingClaim => {
                let claim = row.id.name.clone();
                self.show_pods(Scope::Claim { namespace, claim });
            }
            Drill::Describe => self.request_document(false),
        }
    }

    fn show_pods(&mut self, scope: Scope) {
        self.pods.set_scope(Some(scope));
        self.pods.set_filter("");
        self.pane = super::Pane::Pods;
    }
}

/// `app=web,tier=api` as a map; None when any requirement is not a plain equality (`in`, `!=`, `exists`).
fn plain_labels(selector: &str) -> Option<BTreeMap<String, String>> {
    selector
        .split(',')
        .map(|pair| {
            let (key, value) = pair.split_once('=')?;
            let (key, value) = (key.trim(), value.trim_start_matches('=').trim());
            (!key.is_empty() && !key.ends_with('!') && !key.contains(' ')).then(|| (key.to_string(), value.to_string()))
        })
        .collect()
}

/// Column widths from the first page: the widest of the title and the cells (at most `WIDEST`); NAME fills the
/// rest, shared with a last column that wants more (an event's MESSAGE). Columns right of the third give way first
/// on narrow terminals, NAMESPACE and NAME never.
fn derived_cells(derived: &[Derived], known: &Known<'_>, id: &ObjectId) -> Vec<Cell> {
    derived.iter().map(|d| Cell::Text((d.cell)(known, id))).collect()
}

fn fit_columns(names: &[String], rows: &[ResourceRow], now: i64) -> Vec<Column> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let widest = rows.iter().take(500).filter_map(|r| r.cells.get(i)).map(|c| c.shown(now).chars().count());
            let width = widest.max().unwrap_or(0).max(name.chars().count()).min(usize::from(WIDEST)) as u16;
            let keep = name == "NAME" || name == "NAMESPACE";
            let fills = name == "NAME" || (i + 1 == names.len() && width == WIDEST);
            Column {
                title: Cow::Owned(name.clone()),
                width: if fills { 0 } else { width.max(3) },
                drop: if keep { 0 } else { i.saturating_sub(1).min(255) as u8 },
            }
        })
        .collect()
}

/// The resource a word names, as kubectl resolves it: an exact name (plural, singular, kind, short name, optionally
/// `.group`), core and then the first group discovery listed winning ties; else a kind starting with the word.
pub fn resolve<'a>(resources: &'a [KnownResource], word: &str) -> Option<&'a KnownResource> {
    let word = word.to_lowercase();
    let listable = || resources.iter().filter(|r| r.verbs.is_empty() || r.allows("list"));
    let exact: Vec<&KnownResource> = listable().filter(|r| r.names_exactly(&word)).collect();
    exact
        .iter()
        .find(|r| r.group().is_empty())
        .or(exact.first())
        .copied()
        .or_else(|| listable().find(|r| r.named(&word)))
}

/// The names closest to an unknown word (edit distance, then a shared prefix), for "did you mean".
pub fn nearest(resources: &[KnownResource], word: &str) -> Vec<String> {
    let word = word.to_lowercase();
    let mut scored: Vec<(usize, &str)> = resources
        .iter()
        .flat_map(KnownResource::names)
        .map(|name| (distance(&word, name), name))
        .filter(|(d, name)| *d <= (word.len() / 4).max(1) || name.starts_with(&word))
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
