//! Draws the history view: the workload, whether its rollout is paused, the keys, then its revisions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::layout::HISTORY_CHROME;
use crate::state::State;
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let view = &state.history;
    let [head, body] = Layout::vertical([Constraint::Length(HISTORY_CHROME), Constraint::Min(1)]).areas(area);
    let title = view.target.as_ref().map_or("no workload".to_string(), |t| t.title());
    let mut spans = vec![Span::styled(format!(" {title}: rollout history"), theme.style(Slot::Header))];
    let empty = match &view.history {
        None => "reading its revisions…",
        Some(Err(why)) => {
            spans.push(Span::styled(format!(" · {why}"), theme.style(Slot::Error)));
            "no history could be read: see above"
        }
        Some(Ok(history)) => {
            if history.paused {
                spans.push(Span::styled(" · paused (:resume)", theme.style(Slot::Warn)));
            }
            "no revisions: nothing controlled by it holds a template"
        }
    };
    spans.push(Span::styled(
        "  enter: diff with now · d revision & provenance · R/:undo N · :pause :resume · esc".to_string(),
        theme.style(Slot::Muted),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), head);
    super::table::render_saying(frame, body, &view.table, state, theme, empty);
}
