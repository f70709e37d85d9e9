//! Screen geometry: where the chrome and each visible pane go for a terminal size. Rendering draws into these
//! rectangles and reducers page and scroll by them, so both always agree.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::state::Pane;

/// The smallest terminal that gets the dashboard (several panes at once) instead of one pane with a tab bar.
pub const DASHBOARD_MIN: (u16, u16) = (160, 45);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    /// Title bar and tab bar; empty when zoomed.
    pub title: Rect,
    pub tabs: Rect,
    /// Everything between the tab bar and the status line (documents and help use all of it).
    pub body: Rect,
    pub status: Rect,
    /// The panes on screen; in the dashboard each has a border, alone it has none.
    pub panes: Vec<(Pane, Rect)>,
    pub bordered: bool,
}

impl Screen {
    pub fn new(size: (u16, u16), zoom: bool, focused: Pane) -> Screen {
        let area = Rect::new(0, 0, size.0, size.1);
        let zero = Rect::default();
        if zoom {
            let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
            return Screen { title: zero, tabs: zero, body, status, panes: vec![(focused, body)], bordered: false };
        }
        let [title, tabs, body, status] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)])
                .areas(area);
        if size.0 < DASHBOARD_MIN.0 || size.1 < DASHBOARD_MIN.1 {
            return Screen { title, tabs, body, status, panes: vec![(focused, body)], bordered: false };
        }
        // Triage and nodes on top (short lists), pods and workloads below, where the long lists are.
        let [top, bottom] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
        let [triage, nodes] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
        let [pods, workloads] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(bottom);
        let panes =
            vec![(Pane::Triage, triage), (Pane::Nodes, nodes), (Pane::Pods, pods), (Pane::Workloads, workloads)];
        Screen { title, tabs, body, status, panes, bordered: true }
    }

    /// Table body rows (below the header, inside any border) of `pane`, or 0 when it is not on screen.
    pub fn rows(&self, pane: Pane) -> usize {
        let border = if self.bordered { 2 } else { 0 };
        self.panes.iter().find(|(p, _)| *p == pane).map_or(0, |(_, r)| usize::from(r.height.saturating_sub(border + 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_get_one_pane_large_ones_all_four() {
        let small = Screen::new((80, 24), false, Pane::Pods);
        assert_eq!(small.panes.len(), 1);
        assert_eq!(small.rows(Pane::Pods), 24 - 4, "title, tabs, header and status take four rows");
        assert_eq!(small.rows(Pane::Nodes), 0);
        let large = Screen::new((200, 50), false, Pane::Pods);
        assert_eq!(large.panes.len(), 4);
        assert!(large.panes.iter().all(|(_, r)| r.width >= 70 && r.height >= 16), "{:?}", large.panes);
        let zoomed = Screen::new((200, 50), true, Pane::Nodes);
        assert_eq!(zoomed.panes, vec![(Pane::Nodes, Rect::new(0, 0, 200, 49))]);
        assert_eq!(zoomed.rows(Pane::Nodes), 48);
    }
}
