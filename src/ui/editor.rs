//! The YAML editor on screen: line numbers and problem markers, highlighted YAML with Secret values masked, the
//! cursor and search matches; the dry-run diff, conflicts and results of the apply flow in its place.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::highlight;
use crate::diff::DiffKind;
use crate::manifest;
use crate::model::mutation::DocOutcome;
use crate::state::editor::{Editor, Stage, gutter_width};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, editor: &Editor, theme: &Theme) {
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(header(editor)).style(theme.style(Slot::Header)), head);
    match &editor.stage {
        Stage::Review { outcomes, force, scroll } => {
            let what = if *force { "dry-run with force" } else { "dry-run" };
            let title = format!("{what}: what the API server would change — y applies, esc goes back to editing");
            outcome_lines(frame, body, &title, outcomes, *scroll, true, theme);
        }
        Stage::Results { outcomes, scroll } => {
            outcome_lines(frame, body, "applied — esc closes", outcomes, *scroll, false, theme)
        }
        Stage::Conflict { conflicts, .. } => {
            let mut lines = vec![Line::styled(
                "conflicts: other field managers own what this apply changes",
                theme.style(Slot::Error),
            )];
            for (title, fields) in conflicts {
                lines.push(Line::styled(format!(" {title}"), theme.style(Slot::Header)));
                for c in fields {
                    lines.push(Line::from(vec![
                        Span::raw(format!("   {:<50}", c.field)),
                        Span::styled(format!("owned by {}", c.manager), theme.style(Slot::Warn)),
                    ]));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                " f: force (take these fields; asks again, then shows the diff)   esc: back to editing",
                theme.style(Slot::Muted),
            ));
            frame.render_widget(Paragraph::new(lines), body);
        }
        _ => text(frame, body, editor, theme),
    }
    frame.render_widget(footer(editor, theme), foot);
}

fn header(editor: &Editor) -> String {
    let ratatui_textarea::DataCursor(row, col) = editor.area.cursor();
    let modified = if editor.modified { " [modified]" } else { "" };
    let problems = editor.problems().len();
    let state = match &editor.stage {
        Stage::Sending { dry_run: true, .. } => "  dry-run…".to_string(),
        Stage::Sending { outcomes, .. } => format!("  applying {} of {}…", outcomes.len() + 1, editor.sending()),
        _ => String::new(),
    };
    let secrets = match (editor.holds_secret(), editor.reveal) {
        (true, false) => "  secret values hidden",
        (true, true) => "  SECRET VALUES SHOWN",
        _ => "",
    };
    format!(
        " {}{modified}  ln {}, col {}  {problems} problem{}{state}{secrets}",
        editor.title,
        row + 1,
        col + 1,
        if problems == 1 { "" } else { "s" }
    )
}

/// The problem on the cursor's line, else the first one, else the keys that matter.
fn footer(editor: &Editor, theme: &Theme) -> Paragraph<'static> {
    if let Stage::Searching(input) = &editor.stage {
        return Paragraph::new(Line::from(vec![
            Span::styled(format!("search: {input}█"), theme.style(Slot::Prompt)),
            Span::styled("  (regex; enter finds, esc cancels)", theme.style(Slot::Muted)),
        ]));
    }
    let row = editor.area.cursor().0;
    let problems = editor.problems();
    match problems.iter().find(|p| p.line == row).or(problems.first()) {
        Some(p) => Paragraph::new(format!(" line {}: {}", p.at(), p.message)).style(theme.style(if p.warning {
            Slot::Warn
        } else {
            Slot::Error
        })),
        None => Paragraph::new(" no problems").style(theme.style(Slot::Muted)),
    }
}

/// The visible lines with their gutter.
fn text(frame: &mut Frame, area: Rect, editor: &Editor, theme: &Theme) {
    let lines = editor.area.lines();
    let gutter = gutter_width(lines.len());
    let width = usize::from(area.width).saturating_sub(gutter);
    let problems = editor.problems();
    let ratatui_textarea::DataCursor(cursor_row, cursor_col) = editor.area.cursor();
    let search = editor.area.search_pattern();
    let shown: Vec<Line> = (editor.top..lines.len())
        .take(usize::from(area.height))
        .map(|i| {
            let (marker, slot) = match problems.iter().find(|p| p.line == i) {
                Some(p) if p.warning => ("▲", Slot::Warn),
                Some(_) => ("●", Slot::Error),
                None => (" ", Slot::Muted),
            };
            let number = format!("{marker}{:>w$} ", i + 1, w = gutter - 2);
            let gutter_style = theme.style(slot);
            let masked = !editor.reveal && editor.secrets.iter().any(|r| r.contains(&i));
            // Files and $EDITOR output are untrusted text too: no escape sequence reaches the terminal.
            let line = crate::sanitize::owned(if masked { manifest::mask_value(&lines[i]) } else { lines[i].clone() });
            let mut layers = yaml_layers(&line, theme);
            if let Some(re) = search {
                layers.extend(re.find_iter(&line).map(|m| (m.range(), theme.style(Slot::Match))));
            }
            let cursor = (i == cursor_row).then_some(cursor_col);
            let mut spans = vec![Span::styled(number, gutter_style)];
            spans.extend(window(&line, &layers, editor.left, width, cursor, theme.style(Slot::Cursor)));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(shown), area);
}

/// The YAML highlighter's spans as byte ranges with styles.
fn yaml_layers(line: &str, theme: &Theme) -> Vec<(Range<usize>, Style)> {
    let mut at = 0;
    highlight::yaml(line, theme)
        .spans
        .iter()
        .map(|s| {
            let range = at..at + s.content.len();
            at = range.end;
            (range, s.style)
        })
        .collect()
}

/// Characters `left..left + width` of `line`, each styled by the layers covering it (later ones on top), and the
/// cursor (a block past the end of the line when it sits there).
fn window(
    line: &str,
    layers: &[(Range<usize>, Style)],
    left: usize,
    width: usize,
    cursor: Option<usize>,
    cursor_style: Style,
) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut push = |text: &str, style: Style| match spans.last_mut() {
        Some(last) if last.style == style => last.content.to_mut().push_str(text),
        _ => spans.push(Span::styled(text.to_string(), style)),
    };
    let mut shown = 0;
    for (n, (byte, c)) in line.char_indices().enumerate().skip(left).take(width) {
        let mut style =
            layers.iter().filter(|(r, _)| r.contains(&byte)).fold(Style::default(), |s, (_, layer)| s.patch(*layer));
        if cursor == Some(n) {
            style = style.patch(cursor_style);
        }
        push(c.encode_utf8(&mut [0; 4]), style);
        shown += 1;
    }
    if let Some(col) = cursor
        && col >= line.chars().count()
        && col >= left
        && shown < width
    {
        push(" ", cursor_style);
    }
    spans
}

/// Each document's title and its diff (a review) or its result (after applying), scrolled.
fn outcome_lines(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    outcomes: &[DocOutcome],
    scroll: usize,
    diffs: bool,
    theme: &Theme,
) {
    let mut lines = vec![Line::styled(title.to_string(), theme.style(Slot::Prompt))];
    for o in outcomes {
        match &o.result {
            Err(e) => lines.push(Line::styled(format!(" {}: {e}", o.title), theme.style(Slot::Error))),
            Ok(change) if diffs && change.diff.is_empty() => {
                lines.push(Line::styled(format!(" {}: no changes", o.title), theme.style(Slot::Muted)))
            }
            Ok(change) if diffs => {
                let what = if change.verb == "created" { "created" } else { "changes" };
                lines.push(Line::styled(format!(" {} ({what})", o.title), theme.style(Slot::Header)));
                lines.extend(change.diff.iter().map(|d| {
                    let slot = match d.kind {
                        DiffKind::Hunk => Slot::Muted,
                        DiffKind::Context => Slot::Notice,
                        DiffKind::Removed => Slot::DiffRemoved,
                        DiffKind::Added => Slot::DiffAdded,
                    };
                    Line::styled(format!("   {}", d.text), theme.style(slot))
                }));
            }
            Ok(change) => lines.push(Line::styled(format!(" {} {}", o.title, change.verb), theme.style(Slot::Ok))),
        }
    }
    let skip = scroll.min(lines.len().saturating_sub(1));
    frame.render_widget(Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()), area);
}
