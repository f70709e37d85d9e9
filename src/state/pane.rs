//! The one place that knows which table each pane shows: focus, cycling, and the table operations every pane
//! supports.

use super::State;
use super::table::{Row, Table};

pub use crate::model::pane::{PANES, Pane};

/// The operations every table pane supports, so reducers and the UI can work on whichever pane they are given.
pub trait TablePane {
    fn move_by(&mut self, step: isize);
    fn first(&mut self);
    fn last(&mut self);
    fn filter(&mut self, text: &str) -> Option<String>;
    fn filter_text(&self) -> &str;
    fn sort(&mut self, step: isize);
    fn clear_scope(&mut self) -> bool;
    fn select(&mut self, uid: String);
    /// Rows shown (after namespace, scope and filter).
    fn shown(&self) -> usize;
    fn selected_uid(&self) -> Option<&str>;
    fn toggle_mark(&mut self);
    /// The uids of the rows marked with `space`, in the order shown.
    fn marked(&self) -> Vec<String>;
    fn clear_marks(&mut self);
}

impl<R: Row> TablePane for Table<R> {
    fn move_by(&mut self, step: isize) {
        Table::move_by(self, step);
    }
    fn first(&mut self) {
        self.select_first();
    }
    fn last(&mut self) {
        self.select_last();
    }
    fn filter(&mut self, text: &str) -> Option<String> {
        self.set_filter(text)
    }
    fn filter_text(&self) -> &str {
        &self.filter_text
    }
    fn sort(&mut self, step: isize) {
        self.cycle_sort(step);
    }
    fn clear_scope(&mut self) -> bool {
        let had = self.scope.is_some();
        self.set_scope(None);
        had
    }
    fn select(&mut self, uid: String) {
        self.select_uid(uid);
    }
    fn shown(&self) -> usize {
        self.len()
    }
    fn selected_uid(&self) -> Option<&str> {
        self.selected.as_deref()
    }
    fn toggle_mark(&mut self) {
        Table::toggle_mark(self);
    }
    fn marked(&self) -> Vec<String> {
        self.marked_in_order()
    }
    fn clear_marks(&mut self) {
        self.marked.clear();
    }
}

impl State {
    pub(super) fn focused(&mut self) -> &mut dyn TablePane {
        match self.pane {
            Pane::Triage => &mut self.triage,
            Pane::Nodes => &mut self.nodes,
            Pane::Pods => &mut self.pods,
            Pane::Workloads => &mut self.workloads,
            Pane::Gpu => &mut self.gpus.table,
            Pane::Images if self.images.showing_tags() => &mut self.images.tags,
            Pane::Images => &mut self.images.repos,
            Pane::Inference => &mut self.inference.table,
            Pane::Browse => &mut self.browse.table,
            Pane::Helm => match &self.helm.open {
                Some(open) if open.objects_of.is_some() => &mut self.helm.objects,
                Some(_) => &mut self.helm.history,
                None => &mut self.helm.releases,
            },
            Pane::History => &mut self.history.table,
        }
    }

    /// The table a pane shows (the images pane: its tag list while a repository is open).
    pub fn table(&self, pane: Pane) -> &dyn TablePane {
        match pane {
            Pane::Triage => &self.triage,
            Pane::Nodes => &self.nodes,
            Pane::Pods => &self.pods,
            Pane::Workloads => &self.workloads,
            Pane::Gpu => &self.gpus.table,
            Pane::Images if self.images.showing_tags() => &self.images.tags,
            Pane::Images => &self.images.repos,
            Pane::Inference => &self.inference.table,
            Pane::Browse => &self.browse.table,
            Pane::Helm => match &self.helm.open {
                Some(open) if open.objects_of.is_some() => &self.helm.objects,
                Some(_) => &self.helm.history,
                None => &self.helm.releases,
            },
            Pane::History => &self.history.table,
        }
    }

    /// The panes tabs show and `tab` cycles through: the generic view once `:RESOURCE` has opened something (or
    /// `8` went there), the Helm view once `:helm` has.
    pub fn panes(&self) -> impl Iterator<Item = Pane> + '_ {
        PANES.into_iter().filter(|p| match p {
            Pane::Browse => self.browse.listing.is_some() || self.pane == Pane::Browse,
            Pane::Helm => self.helm.visited || self.pane == Pane::Helm,
            Pane::History => self.history.visited || self.pane == Pane::History,
            _ => true,
        })
    }

    pub(super) fn cycle_pane(&mut self, step: isize) {
        let panes: Vec<Pane> = self.panes().collect();
        let at = panes.iter().position(|p| *p == self.pane).unwrap_or(0) as isize;
        self.pane = panes[(at + step).rem_euclid(panes.len() as isize) as usize];
    }
}
