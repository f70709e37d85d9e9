//! Screen geometry: where the chrome and each visible pane go for a terminal size. Rendering draws into these
//! rectangles and reducers page and scroll by them, so both always agree.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::model::pane::Pane;

/// The smallest terminal that gets the dashboard (several panes at once) instead of one pane with a tab bar.
pub const DASHBOARD_MIN: (u16, u16) = (160, 45);

/// Lines of the images pane above its table: what the registries said, and where the operator is.
pub const IMAGES_CHROME: u16 = 2;

/// Lines of the inference pane above its table: the model and device, the progress or verdict, the keys.
pub const INFERENCE_CHROME: u16 = 3;
/// The generic view's line above its table: the resource, its API version and how the listing stands.
pub const BROWSE_CHROME: u16 = 1;
/// The Helm view's line above its table: where in it the operator is, what the keys do, and what cannot be read.
pub const HELM_CHROME: u16 = 1;
/// The history view's line above its table: the workload, whether it is paused, the keys.
pub const HISTORY_CHROME: u16 = 1;

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
    /// Lines of the GPU pane above and below its table (summary, fit, pending pods; local GPUs).
    pub gpu_chrome: (u16, u16),
}

impl Screen {
    pub fn new(size: (u16, u16), zoom: bool, focused: Pane, gpu_chrome: (u16, u16)) -> Screen {
        let area = Rect::new(0, 0, size.0, size.1);
        let zero = Rect::default();
        if zoom {
            let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
            let panes = vec![(focused, body)];
            return Screen { title: zero, tabs: zero, body, status, panes, bordered: false, gpu_chrome };
        }
        let [title, tabs, body, status] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)])
                .areas(area);
        // Browsing registries or any resource, and validating, are errands of their own: they take the whole body, not a dashboard slot.
        if size.0 < DASHBOARD_MIN.0
            || size.1 < DASHBOARD_MIN.1
            || matches!(focused, Pane::Images | Pane::Inference | Pane::Browse | Pane::Helm | Pane::History)
        {
            let panes = vec![(focused, body)];
            return Screen { title, tabs, body, status, panes, bordered: false, gpu_chrome };
        }
        // Triage and the GPU grid on top (what is broken, what is busy); pods below, where the long list is, with
        // nodes and workloads stacked beside it.
        let [top, bottom] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body);
        let [triage, gpu] = Layout::horizontal([Constraint::Percentage(52), Constraint::Percentage(48)]).areas(top);
        let [pods, side] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(bottom);
        let [nodes, workloads] = Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(side);
        let panes = vec![
            (Pane::Triage, triage),
            (Pane::Gpu, gpu),
            (Pane::Pods, pods),
            (Pane::Nodes, nodes),
            (Pane::Workloads, workloads),
        ];
        Screen { title, tabs, body, status, panes, bordered: true, gpu_chrome }
    }

    /// Table body rows (below the header, inside any border) of `pane`, or 0 when it is not on screen.
    pub fn rows(&self, pane: Pane) -> usize {
        let border = if self.bordered { 2 } else { 0 };
        let chrome = match pane {
            Pane::Gpu => self.gpu_chrome.0 + self.gpu_chrome.1,
            Pane::Images => IMAGES_CHROME,
            Pane::Inference => INFERENCE_CHROME,
            Pane::Browse => BROWSE_CHROME,
            Pane::Helm => HELM_CHROME,
            Pane::History => HISTORY_CHROME,
            _ => 0,
        };
        self.panes
            .iter()
            .find(|(p, _)| *p == pane)
            .map_or(0, |(_, r)| usize::from(r.height.saturating_sub(border + 1 + chrome)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_get_one_pane_large_ones_all_five() {
        let small = Screen::new((80, 24), false, Pane::Pods, (4, 1));
        assert_eq!(small.panes.len(), 1);
        assert_eq!(small.rows(Pane::Pods), 24 - 4, "title, tabs, header and status take four rows");
        assert_eq!(small.rows(Pane::Nodes), 0);
        let large = Screen::new((200, 50), false, Pane::Pods, (4, 1));
        assert_eq!(large.panes.len(), 5);
        assert!(large.panes.iter().all(|(_, r)| r.width >= 80 && r.height >= 12), "{:?}", large.panes);
        assert_eq!(large.rows(Pane::Gpu), 19 - 2 - 1 - 5, "the GPU pane's summary and local lines take table rows");
        let zoomed = Screen::new((200, 50), true, Pane::Nodes, (4, 1));
        assert_eq!(zoomed.panes, vec![(Pane::Nodes, Rect::new(0, 0, 200, 49))]);
        assert_eq!(zoomed.rows(Pane::Nodes), 48);
    }
}
