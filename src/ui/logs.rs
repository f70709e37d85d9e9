//! Draws the logs view: a header with the stream's state (following or paused with new lines counted, lines dropped
//! from the top, why it ended) and only the lines that fit, cut to the screen so a 10 MB line costs no more than a
//! short one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
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
            let mut pieces = 0;
            for range in char_windows(&line.text, 0, width).take(height) {
                rows.push(styled(line, range, current, logs, theme));
                pieces += 1;
                if rows.len() == height {
                    break;
                }
            }
            if pieces == 0 {
                rows.push(Line::default());
            }
        } else {
            let range = char_windows(&line.text, logs.hscroll, width).next().unwrap_or(0..0);
            rows.push(styled(line, range, current, logs, theme));
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
    if logs.colors {
        parts.push("colours".into());
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

/// Byte ranges of `width` characters each, from character `skip` on (the lazily computed rows of a line, so a 10 MB
/// line is only read as far as the screen needs).
fn char_windows(text: &str, skip: usize, width: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut bounds = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).skip(skip).step_by(width);
    let mut start = bounds.next();
    std::iter::from_fn(move || {
        let from = start?;
        let to = bounds.next();
        start = to;
        match to {
            Some(to) => Some(from..to),
            None if from < text.len() => Some(from..text.len()),
            None => None,
        }
    })
}

/// A shown part of a line: markers muted; the line's own colours when they are on; search matches highlighted over
/// them; the current match's line marked.
fn styled<'a>(line: &LogLine, range: std::ops::Range<usize>, current: bool, logs: &Logs, theme: &Theme) -> Line<'a> {
    let piece = &line.text[range.clone()];
    if line.marker {
        return Line::from(Span::styled(piece.to_string(), theme.style(Slot::Muted)));
    }
    let base = if current { theme.style(Slot::Selected) } else { Style::default() };
    let colors: &[(u32, Style)] = match (&line.colors, logs.colors) {
        (Some(c), true) => c,
        _ => &[],
    };
    let matches: Vec<std::ops::Range<usize>> = logs
        .search
        .as_ref()
        .map(|r| r.find_iter(piece).filter(|m| !m.is_empty()).map(|m| m.range()).collect())
        .unwrap_or_default();
    if colors.is_empty() && matches.is_empty() {
        return Line::from(Span::styled(piece.to_string(), base));
    }
    // Cut where a colour starts or a match starts or ends; style each cut by the colour in force and the match.
    let mut cuts: Vec<usize> = vec![0, piece.len()];
    cuts.extend(colors.iter().map(|&(at, _)| at as usize).filter(|&at| range.contains(&at)).map(|at| at - range.start));
    cuts.extend(matches.iter().flat_map(|m| [m.start, m.end]));
    cuts.sort_unstable();
    cuts.dedup();
    let spans = cuts.windows(2).map(|w| {
        let (from, to) = (w[0], w[1]);
        let color = colors.iter().rev().find(|&&(at, _)| at as usize <= range.start + from).map(|&(_, s)| s);
        let style = if matches.iter().any(|m| m.start <= from && to <= m.end) {
            theme.style(Slot::Match)
        } else {
            color.map_or(base, |c| base.patch(c))
        };
        Span::styled(piece[from..to].to_string(), style)
    });
    Line::from(spans.collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::logs::LogTarget;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    /// The style of the first cell of `word` on screen.
    fn style_of(logs: &Logs, word: &str) -> Style {
        let (theme, _) = Theme::load(Some("default"), false);
        let mut terminal = Terminal::new(TestBackend::new(60, 4)).unwrap();
        terminal.draw(|f| render(f, f.area(), logs, &theme)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let row: String = (0..60).map(|x| buffer[(x, 1)].symbol().to_string()).collect();
        let at = row.find(word).unwrap_or_else(|| panic!("{word} not in {row:?}"));
        buffer[(row[..at].chars().count() as u16, 1)].style()
    }

    #[test]
    fn colours_are_drawn_only_when_on_and_searches_show_over_them() {
        let target = LogTarget { tail: 10, ..LogTarget::new("a", "p") };
        let mut logs = Logs::new(target, 1, 10);
        logs.push(vec![crate::sources::logs::log_line(b"ok \x1b[1;31mFAIL\x1b[0m done", "")]);
        assert_eq!(style_of(&logs, "FAIL").fg, Some(Color::Reset), "colours are off by default");
        logs.colors = true;
        let fail = style_of(&logs, "FAIL");
        assert_eq!(fail.fg, Some(Color::Indexed(1)));
        assert!(fail.add_modifier.contains(ratatui::style::Modifier::BOLD));
        assert_eq!(style_of(&logs, "done").fg, Some(Color::Reset), "reset by 0");
        logs.set_search("AI", 2);
        let (theme, _) = Theme::load(Some("default"), false);
        assert_eq!(style_of(&logs, "AI").bg, theme.style(Slot::Match).bg, "a match shows over the colour");
    }
}
