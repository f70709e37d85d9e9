//! The `:pf` list: each forward's local address → target, the pod it reaches now, bytes each way, connections
//! open and accepted, how long it has run, and the last thing it said.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::modal;
use crate::model::forward::ForwardRow;
use crate::model::registry::human_size;
use crate::theme::{Slot, Theme};

/// `stop`: the key that stops a forward, as the keymap binds it.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    forwards: &[ForwardRow],
    selected: usize,
    now: i64,
    stop: &str,
    theme: &Theme,
) {
    let mut lines = vec![Line::styled(
        format!(
            " {:<22} {:<34} {:<30} {:>10} {:>10} {:>9} {:>6}",
            "LOCAL", "TARGET", "POD", "SENT", "RECEIVED", "CONNS", "SINCE"
        ),
        theme.style(Slot::Header),
    )];
    if forwards.is_empty() {
        lines.push(Line::styled(
            " no port-forwards: :pf [LOCAL:]REMOTE on a pod, service or workload",
            theme.style(Slot::Muted),
        ));
    }
    for (i, row) in forwards.iter().enumerate() {
        let local = row.listening.unwrap_or(row.spec.local).to_string();
        let target = format!("{}:{}", row.spec.target.title(), row.spec.remote);
        let pod = match (&row.pod, row.port) {
            (Some(pod), Some(port)) => format!("{pod}:{port}"),
            _ => "…".into(),
        };
        let style = match (i == selected, row.failed) {
            (true, _) => theme.style(Slot::Selected),
            (false, true) => theme.style(Slot::Error),
            (false, false) => Style::default(),
        };
        lines.push(Line::styled(
            format!(
                " {local:<22} {target:<34} {pod:<30} {:>10} {:>10} {:>9} {:>6}",
                human_size(row.sent),
                human_size(row.received),
                format!("{}/{}", row.open, row.accepted),
                crate::model::age(now - row.since)
            ),
            style,
        ));
        if let Some(last) = &row.last {
            let slot = if row.failed { Slot::Error } else { Slot::Muted };
            lines.push(Line::styled(format!("   {last}"), theme.style(slot)));
        }
    }
    lines.push(Line::styled(format!(" {stop} stops the selected forward · esc closes"), theme.style(Slot::Prompt)));
    let width = 132.min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let inner = modal(frame, area, width, height, &format!(" port-forwards ({}) ", forwards.len()), theme);
    frame.render_widget(Paragraph::new(lines), inner);
}
