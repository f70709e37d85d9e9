//! Draws the logs view: a header with the stream's state (following or paused with new lines counted, lines dropped
//! from the top, why it ended) and only the lines that fit, cut to the screen so a 10 MB line costs no more than a
//! short one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::state::logs::{LogLine, Logs};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, logs: &Logs, theme: &Theme) {
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(header(logs)).style(theme.style(Slot::Header)), head);
    let (width, height) = (usize::from(body.width).max(1), usize::from(body.height));
    let mut rows: Vec<Line> = Vec::with_capacity(height);
    let first =
        if logs.wrap && logs.follow { first_fitting_from_end(logs, width, height) } else { logs.first_shown(height) };
    for i in first..logs.len() {
        let Some(line) = logs.line(i) else { break };
        let current = logs.matched == Some(i);
        if logs.wrap {
            let chars: Vec<char> = line.text.chars().take(width * height).collect();
            for chunk in chars.chunks(width) {
                rows.push(styled(line, &chunk.iter().collect::<String>(), current, logs, theme));
                if rows.len() == height {
                    break;
                }
            }
            if chars.is_empty() {
                rows.push(Line::default());
            }
        } else {
            let shown: String = line.text.chars().skip(logs.hscroll).take(width).collect();
            rows.push(styled(line, &shown, current, logs, theme));
        }
        if rows.len() >= height {
            break;
        }
    }
    if logs.is_empty() {
        let text = if logs.ended.is_some() { "  (no lines)" } else { "  waiting for lines…" };
        rows.push(Line::from(Span::styled(text, theme.style(Slot::Muted))));
    }
    frame.render_widget(Paragraph::new(rows), body);
}

/// The stream's state, most urgent first (a narrow terminal cuts the end).
fn header(logs: &Logs) -> String {
    let t = &logs.target;
    let mut parts = vec![format!(" logs {}/{}", t.namespace, t.pod)];
    parts.push(match (logs.follow, logs.unseen) {
        (true, _) => "following".into(),
        (false, 0) => "paused (f follows)".into(),
        (false, n) => format!("paused, {n} new (f follows)"),
    });
    if let Some(why) = &logs.ended {
        parts.push(format!("ended: {why}"));
    }
    if let Some(f) = &logs.filter {
        parts.push(format!("&{} ({} of {} lines)", f.text, logs.len(), logs.buffered()));
    }
    if !logs.search_text.is_empty() {
        parts.push(format!("/{} (n/N)", logs.search_text));
    }
    if logs.dropped > 0 {
        parts.push(format!("{} dropped from the top", logs.dropped));
    }
    if logs.wrap {
        parts.push("wrap".into());
    } else if logs.hscroll > 0 {
        parts.push(format!("from column {}", logs.hscroll + 1));
    }
    if !logs.described.is_empty() {
        parts.push(logs.described.clone());
    }
    parts.push(format!("{} lines", logs.buffered()));
    parts.join(" · ")
}

/// With wrapping, the first line that still lets the newest line show in full at the bottom.
fn first_fitting_from_end(logs: &Logs, width: usize, height: usize) -> usize {
    let mut rows = 0;
    for i in (0..logs.len()).rev() {
        let chars = logs.line(i).map_or(0, |l| l.text.chars().take(width * height).count());
        rows += chars.div_ceil(width).max(1);
        if rows > height {
            return i + 1;
        }
    }
    0
}

/// A shown slice of a line: markers muted, search matches highlighted, the current match's line marked.
fn styled<'a>(line: &LogLine, shown: &str, current: bool, logs: &Logs, theme: &Theme) -> Line<'a> {
    if line.marker {
        return Line::from(Span::styled(shown.to_string(), theme.style(Slot::Muted)));
    }
    let base = if current { theme.style(Slot::Selected) } else { ratatui::style::Style::default() };
    let Some(regex) = &logs.search else { return Line::from(Span::styled(shown.to_string(), base)) };
    let mut spans = Vec::new();
    let mut at = 0;
    for m in regex.find_iter(shown).filter(|m| !m.is_empty()) {
        spans.push(Span::styled(shown[at..m.start()].to_string(), base));
        spans.push(Span::styled(m.as_str().to_string(), theme.style(Slot::Match)));
        at = m.end();
    }
    spans.push(Span::styled(shown[at..].to_string(), base));
    Line::from(spans)
}
