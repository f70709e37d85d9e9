//! Draws the generic view: a line naming the resource and how its listing stands (loading, live, failing, narrowed),
//! then the server's columns through the shared table renderer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::layout::BROWSE_CHROME;
use crate::state::State;
use crate::state::browse::Browse;
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, browse: &Browse, state: &State, theme: &Theme) {
    let [head, body] = Layout::vertical([Constraint::Length(BROWSE_CHROME), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(head_line(browse, theme)), head);
    let empty = match (&browse.listing, &browse.error) {
        (None, _) => "type :RESOURCE to list any kind the cluster serves (:svc :pvc :cm :ds :crd :events …)".into(),
        (Some(_), Some(_)) => "nothing listed: see the error above".into(),
        (Some(_), None) if !browse.complete => "loading…".into(),
        (Some(_), None) => format!("no {}", browse.title()),
    };
    super::table::render_saying(frame, body, &browse.table, state, theme, &empty);
}

fn head_line(browse: &Browse, theme: &Theme) -> Line<'static> {
    let Some(listing) = &browse.listing else {
        return Line::styled(" no resource open", theme.style(Slot::Muted));
    };
    let r = &listing.resource;
    let mut spans = vec![Span::styled(format!(" {} ({})", r.kind, r.api_version), theme.style(Slot::Header))];
    let (text, slot) = match (&browse.error, browse.complete) {
        (Some(why), _) => (format!(" · {why} (retrying)"), Slot::Error),
        (None, false) => (format!(" · listing… {}", browse.table.total()), Slot::Pending),
        (None, true) => (format!(" · {} · live", browse.table.total()), Slot::Muted),
    };
    spans.push(Span::styled(text, theme.style(slot)));
    if let Some(note) = &browse.note {
        spans.push(Span::styled(format!(" · {note}"), theme.style(Slot::Warn)));
    }
    if r.plural == "events" {
        let toggle = if listing.field_selector.is_some() { "W shows all events" } else { "W: warnings only" };
        spans.push(Span::styled(format!(" · {toggle}"), theme.style(Slot::Muted)));
    }
    Line::from(spans)
}
