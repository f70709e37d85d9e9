//! Draws the Helm view: a line saying where the operator is (releases, one release's history, a revision's live
//! objects), the keys there and what could not be read, then that level's table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::layout::HELM_CHROME;
use crate::state::State;
use crate::state::helm::{Helm, Records};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let helm = &state.helm;
    let [head, body] = Layout::vertical([Constraint::Length(HELM_CHROME), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(head_line(helm, theme)), head);
    match &helm.open {
        Some(open) if open.objects_of.is_some() => {
            super::table::render_saying(frame, body, &helm.objects, state, theme, "reading the live objects…")
        }
        Some(_) => super::table::render_saying(frame, body, &helm.history, state, theme, "no revisions"),
        None => {
            let empty = if helm.listed.is_empty() && helm.errors.is_empty() {
                "loading…"
            } else if helm.errors.is_empty() {
                "no Helm releases: no helm.sh/release.v1 Secrets and no owner=helm ConfigMaps"
            } else {
                "no Helm releases could be listed: see above"
            };
            super::table::render_saying(frame, body, &helm.releases, state, theme, empty)
        }
    }
}

fn head_line(helm: &Helm, theme: &Theme) -> Line<'static> {
    let (place, keys) = match &helm.open {
        None => (
            format!(" Helm releases · {}", helm.releases.total()),
            "enter: history · d status · y manifest · i/I values · p diff · o objects · R rollback".to_string(),
        ),
        Some(open) => {
            let title = open.release.title();
            let loading = match &open.records {
                Records::Loading => " · reading its records…".to_string(),
                Records::Failed(why) => format!(" · {why}"),
                Records::Loaded(_) => String::new(),
            };
            match open.objects_of {
                Some(revision) => (
                    format!(" {title} revision {revision}: live objects{loading}"),
                    "enter: the object in its view · esc: history".to_string(),
                ),
                None => (
                    format!(" {title}: history{loading}"),
                    "enter/p diff with the previous (space marks another) · d y i I n H o · R/:rollback N · esc"
                        .to_string(),
                ),
            }
        }
    };
    let mut spans = vec![Span::styled(place, theme.style(Slot::Header))];
    for (storage, why) in &helm.errors {
        spans.push(Span::styled(format!(" · {storage}: {why} (retrying)"), theme.style(Slot::Error)));
    }
    spans.push(Span::styled(format!("  {keys}"), theme.style(Slot::Muted)));
    Line::from(spans)
}
