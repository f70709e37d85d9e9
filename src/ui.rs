//! Rendering: a pure function of state, theme and keymap into a frame. No IO, no colours named here.

mod browse;
mod drain;
mod editor;
mod forwards;
mod gpus;
mod helm;
mod highlight;
mod history;
mod images;
mod inference;
mod logs;
mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::action::{Action, Scope};
use crate::keymap::Keymap;
use crate::state::editor::Stage;
use crate::state::logs::LogPromptKind;
use crate::state::mutate::ScalePrompt;
use crate::state::picker::Picker;
use crate::state::remedy::{Remedy, STEPS};
use crate::state::{DocStyle, Mode, PANES, Pane, State};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let screen = state.screen();
    if !state.zoom {
        frame.render_widget(title_bar(state, theme, screen.title.width), screen.title);
        frame.render_widget(tab_bar(state, theme, screen.tabs.width), screen.tabs);
    }
    // The body shows the view under any question asked over it; the question is drawn last, over it.
    let view = state.mode.beneath();
    if let (Mode::Editor, Some(e)) = (view, &state.editor) {
        editor::render(frame, screen.body, e, theme);
    } else if let Mode::Document { title, lines, style, scroll, secrets, reveal } = view {
        let masked = if *reveal { &[][..] } else { &secrets[..] };
        document(frame, screen.body, title, lines, *style, *scroll, masked, theme);
    } else if let (Mode::Logs { .. }, Some(l)) = (view, &state.logs) {
        logs::render(frame, screen.body, l, theme);
    } else if let (Mode::Drain, Some(d)) = (view, &state.drain) {
        drain::render(frame, screen.body, d, state.now, theme);
    } else {
        for &(pane, area) in &screen.panes {
            let area = if screen.bordered { pane_border(frame, area, pane, state, theme) } else { area };
            match pane {
                Pane::Triage => table::render(frame, area, &state.triage, state, theme, "nothing is broken"),
                Pane::Nodes => table::render(frame, area, &state.nodes, state, theme, "no nodes"),
                Pane::Pods => table::render(frame, area, &state.pods, state, theme, "no pods"),
                Pane::Workloads => table::render(frame, area, &state.workloads, state, theme, "no workloads"),
                Pane::Gpu => gpus::render(frame, area, state, theme),
                Pane::Images => images::render(frame, area, state, theme),
                Pane::Inference => inference::render(frame, area, state, theme),
                Pane::Browse => browse::render(frame, area, &state.browse, state, theme),
                Pane::Helm => helm::render(frame, area, state, theme),
                Pane::History => history::render(frame, area, state, theme),
            }
        }
    }
    frame.render_widget(status_line(state, theme, keymap), screen.status);
    match &state.mode {
        Mode::Help { scroll } => help(frame, frame.area(), *scroll, theme, keymap),
        Mode::Picker(p) => picker(frame, frame.area(), state, p, theme),
        Mode::Scale(prompt) => scale_prompt(frame, frame.area(), prompt, theme),
        Mode::Confirm(confirm) => question(frame, frame.area(), &confirm.question, theme),
        Mode::Remedy(r) => remedy(frame, frame.area(), state, r, theme),
        Mode::Forwards { selected } => {
            let stop = keymap.key_for(Scope::Forwards, Action::StopForward).unwrap_or_else(|| "stop-forward".into());
            forwards::render(frame, frame.area(), &state.forwards, *selected, state.now, &stop, theme)
        }
        _ => {}
    }
}

/// The plural ending of a count's noun: "1 tag", "2 tags".
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A box in the middle of `area`, `width` wide and `height` tall (borders included), cleared and framed.
fn modal(frame: &mut Frame, area: Rect, width: u16, height: u16, title: &str, theme: &Theme) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, rect);
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.style(Slot::BorderFocused)).title(title.to_string());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

fn scale_prompt(frame: &mut Frame, area: Rect, prompt: &ScalePrompt, theme: &Theme) {
    let t = &prompt.target;
    let title = format!(" scale {} ", t.title());
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!(" {}: now {} → ", prompt.field, prompt.current)),
            Span::styled(format!("{}█", prompt.input), theme.style(Slot::Prompt)),
        ]),
        Line::styled(" +/- or type a number · enter confirms · esc cancels", theme.style(Slot::Muted)),
    ];
    if let Some(hpa) = &prompt.hpa {
        lines.push(Line::styled(format!(" {hpa} manages it and will override this"), theme.style(Slot::Warn)));
    }
    let inner = modal(frame, area, 64, lines.len() as u16 + 2, &title, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A yes/no question, wrapped to the box.
fn question(frame: &mut Frame, area: Rect, question: &str, theme: &Theme) {
    let width = 72.min(area.width);
    let text_width = usize::from(width.saturating_sub(4)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    let mut current = String::new();
    for word in question.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > text_width {
            lines.push(Line::raw(format!(" {}", std::mem::take(&mut current))));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(Line::raw(format!(" {current}")));
    lines.push(Line::styled(" y yes · n or esc no", theme.style(Slot::Prompt)));
    let inner = modal(frame, area, width, lines.len() as u16 + 2, " confirm ", theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The remedy of a GPU fault: its steps, where each stands, the selected one run by enter.
fn remedy(frame: &mut Frame, area: Rect, state: &State, remedy: &Remedy, theme: &Theme) {
    let mut lines = vec![Line::raw(format!(" {}", remedy.fault)), Line::raw("")];
    for (i, step) in STEPS.iter().enumerate() {
        let style = if i == remedy.selected { theme.style(Slot::Selected) } else { Style::default() };
        lines.push(Line::styled(
            format!(" {}. {:<36} {}", i + 1, step.title(), state.remedy_status(remedy, *step)),
            style,
        ));
    }
    lines.push(Line::styled(" enter runs the step (each asks first) · esc closes", theme.style(Slot::Prompt)));
    let width = 110.min(area.width);
    let inner = modal(frame, area, width, lines.len() as u16 + 2, &format!(" remedy: node {} ", remedy.node), theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The `:ns`/`:ctx` list as a box in the middle of the screen, scrolled to keep the selection in sight.
fn picker(frame: &mut Frame, area: Rect, state: &State, picker: &Picker, theme: &Theme) {
    let items = state.picks(picker);
    let what = match picker.command {
        "ns" => "namespace",
        "ctx" => "context",
        _ => "container",
    };
    let width = 48.min(area.width);
    let height = (items.len().max(1) as u16 + 3).min(area.height.saturating_sub(2)).max(4).min(area.height);
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, rect);
    let block = Block::default().borders(Borders::ALL).border_style(theme.style(Slot::BorderFocused)).title(format!(
        " {what} ({} of {}) ",
        items.len(),
        state.picks(&Picker { query: String::new(), ..picker.clone() }).len()
    ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [query, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(format!("›{}█", picker.query)).style(theme.style(Slot::Prompt)), query);
    let rows = usize::from(list.height).max(1);
    let first = picker.selected.saturating_sub(rows - 1);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, item)| {
            let style = if i == picker.selected { theme.style(Slot::Selected) } else { Style::default() };
            Line::from(Span::styled(format!(" {item:<width$}", width = usize::from(list.width) - 1), style))
        })
        .collect();
    let empty =
        if items.is_empty() { vec![Line::from(Span::styled(" no match", theme.style(Slot::Muted)))] } else { lines };
    frame.render_widget(Paragraph::new(empty), list);
}

/// A dashboard pane's frame, titled with its number, name and row count; the focused one stands out.
fn pane_border(frame: &mut Frame, area: Rect, pane: Pane, state: &State, theme: &Theme) -> Rect {
    let number = PANES.iter().position(|p| *p == pane).unwrap_or(0) + 1;
    let slot = if pane == state.pane { Slot::BorderFocused } else { Slot::Border };
    let block = Block::default().borders(Borders::ALL).border_style(theme.style(slot)).title(Span::styled(
        format!(" {number} {} ({}) ", pane_title(state, pane), shown_rows(state, pane)),
        theme.style(slot),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// A pane's name; the generic view is named after what it lists (`services`).
fn pane_title(state: &State, pane: Pane) -> String {
    match pane {
        Pane::Browse if state.browse.listing.is_some() => state.browse.title(),
        _ => pane.title().to_string(),
    }
}

fn shown_rows(state: &State, pane: Pane) -> usize {
    state.table(pane).shown()
}

/// A describe or YAML text, from line `scroll`, with the values of `secrets` lines masked.
#[allow(clippy::too_many_arguments)]
fn document(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[String],
    style: DocStyle,
    scroll: usize,
    secrets: &[std::ops::Range<usize>],
    theme: &Theme,
) {
    let [head, text] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let hidden = if secrets.is_empty() { "" } else { "; secret values hidden, x shows" };
    let shown = format!(
        " {title}  (lines {}-{} of {}; esc closes{hidden})",
        scroll + 1,
        (scroll + usize::from(text.height)).min(lines.len()),
        lines.len()
    );
    frame.render_widget(Paragraph::new(shown).style(theme.style(Slot::Header)), head);
    let visible: Vec<Line> = lines
        .iter()
        .enumerate()
        .skip(scroll)
        .take(usize::from(text.height))
        .map(|(i, l)| match (style, secrets.iter().any(|r| r.contains(&i))) {
            (DocStyle::Yaml, true) => {
                let masked = crate::manifest::mask_value(l);
                let spans = highlight::yaml(&masked, theme).spans;
                Line::from(spans.into_iter().map(|s| Span::styled(s.content.into_owned(), s.style)).collect::<Vec<_>>())
            }
            (DocStyle::Yaml, false) => highlight::yaml(l, theme),
            (DocStyle::Diff, _) => highlight::diff(l, theme),
            (DocStyle::Text, _) => Line::from(l.as_str()),
        })
        .collect();
    frame.render_widget(Paragraph::new(visible), text);
}

fn title_bar(state: &State, theme: &Theme, width: u16) -> Paragraph<'static> {
    let demo = state.title == "demo cluster";
    let style = theme.style(if demo { Slot::TitleDemo } else { Slot::Title });
    let ns = state.namespace.clone().unwrap_or_else(|| "all namespaces".into());
    let mut left = format!(" gpudeck │ {} │ {ns}", state.title);
    if state.read_only {
        left.push_str(" │ read-only");
    }
    let waiting: Vec<&str> = ["nodes", "pods"].into_iter().filter(|r| !state.synced.contains(r)).collect();
    let rollout = state.rollouts.first().and_then(|r| {
        let row = state.workloads.get(&r.uid)?;
        Some(format!("{}: {} ", r.what, crate::state::mutate::Rollout::progress(row)))
    });
    let right = if let Some(rollout) = rollout {
        rollout
    } else if !waiting.is_empty() {
        format!("syncing {}… ", waiting.join(", "))
    } else if state.metrics_unavailable.is_some() {
        "no metrics API ".to_string()
    } else {
        String::new()
    };
    let pad = usize::from(width).saturating_sub(left.chars().count() + right.chars().count());
    Paragraph::new(Line::from(format!("{left}{}{right}", " ".repeat(pad)))).style(style)
}

fn tab_bar(state: &State, theme: &Theme, width: u16) -> Paragraph<'static> {
    let narrowing = match state.pane {
        Pane::Pods => state.pods.scope.as_ref().map(|s| s.describe()),
        Pane::Gpu => state.gpus.drill.as_ref().map(|node| format!("node {node}")),
        _ => None,
    };
    let filter = state.table(state.pane).filter_text();
    let mut after = Vec::new();
    if let Some(scope) = narrowing {
        after.push(Span::styled(format!(" ▸ {scope}"), theme.style(Slot::Prompt)));
    }
    if !filter.is_empty() {
        after.push(Span::styled(format!(" /{filter}"), theme.style(Slot::Prompt)));
    }
    // Narrow terminals: the other panes' counts go first, then their names, so the filter stays in sight.
    let room = usize::from(width).saturating_sub(after.iter().map(|s| s.content.chars().count()).sum());
    let tabs = (0..3)
        .map(|detail| tabs(state, theme, detail))
        .find(|spans| spans.iter().map(|s| s.content.chars().count()).sum::<usize>() <= room)
        .unwrap_or_else(|| tabs(state, theme, 2));
    Paragraph::new(Line::from(tabs.into_iter().chain(after).collect::<Vec<_>>()))
}

/// One tab per pane; the focused one always in full, the others with less as `terse` grows (0 full, 1 without
/// counts, 2 numbers only).
fn tabs(state: &State, theme: &Theme, terse: u8) -> Vec<Span<'static>> {
    state
        .panes()
        .map(|pane| {
            // Panes past the ninth have no number key: their tab shows the name alone.
            let i = PANES.iter().position(|p| *p == pane).unwrap_or(0);
            let key = if i < 9 { format!(" {}", i + 1) } else { String::new() };
            let pane = &pane;
            let focused = *pane == state.pane;
            let slot = if focused { Slot::TabActive } else { Slot::Tab };
            let text = match (focused, terse) {
                (true, _) | (false, 0) => {
                    format!("{key} {} ({}) ", pane_title(state, *pane), shown_rows(state, *pane))
                }
                (false, 1) => format!("{key} {} ", pane_title(state, *pane)),
                (false, _) if key.is_empty() => format!(" {} ", pane_title(state, *pane)),
                (false, _) => format!("{key} "),
            };
            Span::styled(text, theme.style(slot))
        })
        .collect()
}

fn status_line(state: &State, theme: &Theme, keymap: &Keymap) -> Paragraph<'static> {
    if let Mode::Filter { input, .. } = &state.mode {
        let hint = "  (regex, !inverse, -l key=value; enter keeps, esc cancels)";
        return Paragraph::new(Line::from(vec![
            Span::styled(format!("/{input}█"), theme.style(Slot::Prompt)),
            Span::styled(hint, theme.style(Slot::Muted)),
        ]));
    }
    if let Mode::Logs { prompt: Some(prompt) } = &state.mode {
        let (label, hint) = match prompt.kind {
            LogPromptKind::Search => ("/", "  (regex, any case; enter searches, esc cancels)"),
            LogPromptKind::Filter => ("&", "  (only matching lines; -C N for N lines of context; empty shows all)"),
            LogPromptKind::Save => ("save to: ", "  (the whole buffer; enter saves, esc cancels)"),
        };
        return Paragraph::new(Line::from(vec![
            Span::styled(format!("{label}{}█", prompt.input), theme.style(Slot::Prompt)),
            Span::styled(hint, theme.style(Slot::Muted)),
        ]));
    }
    if let Mode::Command { input } = &state.mode {
        let candidates = state.candidates(input);
        let shown: Vec<&str> = candidates.iter().take(8).map(String::as_str).collect();
        let more = if candidates.len() > shown.len() { " …" } else { "" };
        return Paragraph::new(Line::from(vec![
            Span::styled(format!(":{input}█"), theme.style(Slot::Prompt)),
            Span::styled(format!("  {}{more}  (tab completes)", shown.join(" ")), theme.style(Slot::Muted)),
        ]));
    }
    if let Some(n) = &state.notice {
        return Paragraph::new(format!(" {}", n.text)).style(theme.style(if n.error {
            Slot::NoticeError
        } else {
            Slot::Notice
        }));
    }
    if let Some(w) = state.warnings.first() {
        let more =
            if state.warnings.len() > 1 { format!(" (+{} more)", state.warnings.len() - 1) } else { String::new() };
        return Paragraph::new(format!(" {w}{more}")).style(theme.style(Slot::NoticeError));
    }
    let (scope, wanted): (Scope, &[(Action, &str)]) = match state.mode {
        Mode::Logs { .. } => (
            Scope::Logs,
            &[
                (Action::ToggleFollow, "follow/pause"),
                (Action::Search, "search"),
                (Action::Filter, "filter"),
                (Action::NextMatch, "next"),
                (Action::PrevMatch, "previous"),
                (Action::ToggleWrap, "wrap"),
                (Action::Copy, "copy"),
                (Action::Save, "save"),
                (Action::TogglePrevious, "previous"),
                (Action::Bottom, "end"),
                (Action::Back, "close"),
            ],
        ),
        Mode::Editor if state.editor.as_ref().is_some_and(|e| e.stage == Stage::Editing) => (
            Scope::Editor,
            &[
                (Action::Apply, "dry-run & apply"),
                (Action::Back, "close"),
                (Action::Undo, "undo"),
                (Action::Redo, "redo"),
                (Action::Search, "search"),
                (Action::NextMatch, "next"),
                (Action::RevealSecrets, "secrets"),
            ],
        ),
        Mode::Editor => match state.editor.as_ref().map(|e| &e.stage) {
            Some(Stage::Sending { .. }) => (Scope::Review, &[(Action::Back, "stop")]),
            Some(Stage::Searching(_)) => (Scope::Filter, &[(Action::Accept, "find"), (Action::Back, "cancel")]),
            Some(Stage::Conflict { .. }) => {
                (Scope::Review, &[(Action::Force, "force"), (Action::Back, "back to editing")])
            }
            Some(Stage::Results { .. }) => (Scope::Review, &[(Action::Back, "close"), (Action::Down, "scroll")]),
            _ => (
                Scope::Review,
                &[(Action::Confirm, "apply"), (Action::Back, "back to editing"), (Action::Down, "scroll")],
            ),
        },
        Mode::Scale(_) => (
            Scope::Prompt,
            &[
                (Action::Increment, "more"),
                (Action::Decrement, "fewer"),
                (Action::Accept, "confirm"),
                (Action::Back, "cancel"),
            ],
        ),
        Mode::Confirm(_) => (Scope::Confirm, &[(Action::Confirm, "yes"), (Action::Back, "no")]),
        Mode::Remedy(_) => (Scope::Remedy, &[(Action::Accept, "run step"), (Action::Back, "close")]),
        Mode::Forwards { .. } => (Scope::Forwards, &[(Action::StopForward, "stop"), (Action::Back, "close")]),
        Mode::Drain => {
            (Scope::Drain, &[(Action::Confirm, "drain"), (Action::Back, "cancel/stop/close"), (Action::Down, "scroll")])
        }
        _ => (
            Scope::Table,
            &[
                (Action::Help, "help"),
                (Action::Command, "command"),
                (Action::Filter, "filter"),
                (Action::DrillIn, "drill in"),
                (Action::Logs, "logs"),
                (Action::NextPane, "next pane"),
            ],
        ),
    };
    let hints: Vec<String> = wanted
        .iter()
        .map(|&(action, what)| keymap.key_for(scope, action).map(|k| format!("{k} {what}")))
        .chain([keymap.key_for(Scope::Global, Action::Quit).map(|k| format!("{k} quit"))])
        .flatten()
        .collect();
    Paragraph::new(format!(" {}", hints.join("  "))).style(theme.style(Slot::Muted))
}

/// The live keymap, one line per action with all its keys; two columns when one would not fit, scrolled by `scroll`
/// rows when even two do not.
fn help(frame: &mut Frame, area: Rect, scroll: usize, theme: &Theme, keymap: &Keymap) {
    let mut grouped: Vec<(Scope, Action, Vec<String>)> = Vec::new();
    for (scope, key, action) in keymap.listing() {
        match grouped.last_mut() {
            Some((s, a, keys)) if *s == scope && *a == action => keys.push(key),
            _ => grouped.push((scope, action, vec![key])),
        }
    }
    let line = |(scope, action, keys): &(Scope, Action, Vec<String>)| {
        Line::from(vec![
            Span::styled(format!("{:<8}", scope.as_str()), theme.style(Slot::Muted)),
            Span::styled(format!("{:<18}", serde_kebab(*action)), theme.style(Slot::Header)),
            Span::raw(keys.join(" ")),
        ])
    };
    let rows = usize::from(area.height.saturating_sub(2)).max(1);
    let columns = if grouped.len() > rows && area.width >= 80 { 2 } else { 1 };
    let per_column = grouped.len().div_ceil(columns).min(rows);
    // Scrolling moves whole rows of the layout: every column advances together.
    let last_scroll = grouped.len().div_ceil(columns).saturating_sub(per_column);
    let first = scroll.min(last_scroll) * columns;
    let shown = &grouped[first.min(grouped.len())..];
    let width = (39 * columns as u16 + 2).min(area.width);
    let height = (per_column as u16 + 2).min(area.height);
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, rect);
    let title = if last_scroll > 0 {
        format!(
            " keys {}-{} of {} (j/k scroll, esc closes) ",
            first + 1,
            (first + per_column * columns).min(grouped.len()),
            grouped.len()
        )
    } else {
        " keys (esc closes) ".to_string()
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let halves = Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns]).split(inner);
    for (c, chunk) in shown.chunks(per_column).take(columns).enumerate() {
        let lines: Vec<Line> = chunk.iter().map(line).collect();
        frame.render_widget(Paragraph::new(lines), halves[c]);
    }
}

/// The kebab-case name keymaps use for an action.
fn serde_kebab(action: Action) -> String {
    let debug = format!("{action:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
