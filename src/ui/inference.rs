//! Draws the inference pane: the model and device, a progress bar or the verdict, the images with their results,
//! and the selected image drawn with half-block characters beside its top labels.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::layout::INFERENCE_CHROME;
use crate::state::State;
use crate::state::inference::{Inference, Preview, Run};
use crate::theme::{Slot, Theme};

/// Widest the preview panel gets (a 32-pixel image drawn twice its size, plus a margin).
const PREVIEW_MAX_WIDTH: u16 = 66;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let inference = &state.inference;
    let [head, body] = Layout::vertical([Constraint::Length(INFERENCE_CHROME), Constraint::Min(1)]).areas(area);
    frame.render_widget(Paragraph::new(head_lines(inference, head.width, theme)), head);
    let panel = (body.width / 3).clamp(20, PREVIEW_MAX_WIDTH);
    let [list, side] = Layout::horizontal([Constraint::Min(20), Constraint::Length(panel)]).areas(body);
    let empty = match &inference.model {
        None => "reading the model and images…",
        Some(Err(_)) => "no images: the model or the image directory could not be read",
        Some(Ok(_)) => "no images",
    };
    super::table::render(frame, list, &inference.table, state, theme, empty);
    selected(frame, side, inference, theme);
}

fn head_lines(inference: &Inference, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let model = match &inference.model {
        None => Line::styled("reading the model…", theme.style(Slot::Muted)),
        Some(Err(why)) => Line::styled(why.clone(), theme.style(Slot::Error)),
        Some(Ok(m)) => Line::raw(format!(
            "model {} ({}, {} classes, {}×{}) sha256 {} · device {}",
            m.name,
            m.architecture,
            m.classes,
            m.input[1],
            m.input[2],
            m.sha256.get(..12).unwrap_or(&m.sha256),
            inference.device.name()
        )),
    };
    let (status, note) = match &inference.run {
        None => (
            Line::styled(
                "not run yet: v or enter validates the picked images on this machine",
                theme.style(Slot::Muted),
            ),
            None,
        ),
        Some(run) => run_lines(run, width, theme),
    };
    let keys = "space: pick · a: all or none · v/enter: run · /: filter";
    let note = note.unwrap_or_else(|| Line::styled(keys, theme.style(Slot::Header)));
    vec![model, status, note]
}

/// The progress bar while running; the verdict, then why the CPU ran (if it did), once done.
fn run_lines(run: &Run, width: u16, theme: &Theme) -> (Line<'static>, Option<Line<'static>>) {
    match &run.report {
        None => {
            let label = format!(" {}/{} · {}", run.done, run.total, run.phase);
            let bar = usize::from(width).saturating_sub(label.chars().count() + 2).clamp(10, 40);
            let filled = (bar * run.done).checked_div(run.total).unwrap_or(0).min(bar);
            let line = Line::from(vec![
                Span::raw("["),
                Span::styled("█".repeat(filled), theme.style(Slot::Ok)),
                Span::styled("░".repeat(bar - filled), theme.style(Slot::Muted)),
                Span::raw("]"),
                Span::raw(label),
            ]);
            (line, None)
        }
        Some(Err(why)) => (Line::styled(format!("could not run: {why}"), theme.style(Slot::Error)), None),
        Some(Ok(report)) => {
            let slot = if report.pass { Slot::Ok } else { Slot::Error };
            let verdict = Line::styled(report.summary(), theme.style(slot));
            let note = report.device.fallback.as_ref().map(|why| {
                Line::styled(format!("{} ran on the CPU: {why}", report.device.requested), theme.style(Slot::Warn))
            });
            (verdict, note)
        }
    }
}

/// The selected image, its top labels and its throughput context.
fn selected(frame: &mut Frame, area: Rect, inference: &Inference, theme: &Theme) {
    let Some(line) = inference.table.selected_row() else { return };
    let inner = Rect { x: area.x + 1, width: area.width.saturating_sub(1), ..area };
    let mut text = vec![Line::styled(line.id.name.clone(), theme.style(Slot::Header))];
    let below: Vec<Line> = match (&line.problem, &line.result) {
        (Some(why), _) => vec![Line::styled(why.clone(), theme.style(Slot::Error))],
        (None, Some(result)) => result
            .top
            .iter()
            .map(|s| {
                let bar = "▇".repeat((s.probability * 10.0).round() as usize);
                Line::raw(format!("{:<10} {:.3} {bar}", s.label, s.probability))
            })
            .collect(),
        (None, None) => vec![Line::styled("not classified yet", theme.style(Slot::Muted))],
    };
    let image_rows = inner.height.saturating_sub(2 + below.len() as u16);
    if let Some(preview) = &line.preview {
        // Square: each cell is two pixels tall, so the image is as many cells wide as it is pixels tall.
        let side = inner.width.min(image_rows * 2);
        text.extend(half_blocks(preview, side, theme.has_colour()));
    }
    text.push(Line::raw(""));
    text.extend(below);
    frame.render_widget(Paragraph::new(text), inner);
}

/// The image scaled (nearest pixel) to `side`×`side` pixels: one cell per two pixel rows, `▀` with the upper pixel
/// as foreground and the lower as background; without colour, a luminance ramp.
pub fn half_blocks(preview: &Preview, side: u16, colour: bool) -> Vec<Line<'static>> {
    const RAMP: &[char] = &[' ', '.', ':', '-', '=', '+', '*', '#', '%', '@'];
    let side = usize::from(side);
    if side == 0 || preview.side == 0 {
        return Vec::new();
    }
    let pixel = |x: usize, y: usize| {
        let (sx, sy) = (x * preview.side / side, y * preview.side / side);
        let at = (sy * preview.side + sx) * 3;
        preview.pixels.get(at..at + 3).map_or((0, 0, 0), |p| (p[0], p[1], p[2]))
    };
    (0..side / 2)
        .map(|row| {
            let spans: Vec<Span> = (0..side)
                .map(|x| {
                    let (top, bottom) = (pixel(x, row * 2), pixel(x, row * 2 + 1));
                    if colour {
                        let style = Style::default()
                            .fg(Color::Rgb(top.0, top.1, top.2))
                            .bg(Color::Rgb(bottom.0, bottom.1, bottom.2));
                        Span::styled("▀", style)
                    } else {
                        let luma =
                            |p: (u8, u8, u8)| 0.299 * f32::from(p.0) + 0.587 * f32::from(p.1) + 0.114 * f32::from(p.2);
                        let level = ((luma(top) + luma(bottom)) / 2.0 / 256.0 * RAMP.len() as f32) as usize;
                        Span::raw(RAMP[level.min(RAMP.len() - 1)].to_string())
                    }
                })
                .collect();
            Line::from(spans)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_blocks_put_the_upper_pixel_in_front_and_the_lower_behind() {
        // 2×2: red, green over blue, white.
        let preview = Preview { side: 2, pixels: vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255] };
        let lines = half_blocks(&preview, 2, true);
        assert_eq!(lines.len(), 1);
        let styles: Vec<(Option<Color>, Option<Color>)> =
            lines[0].spans.iter().map(|s| (s.style.fg, s.style.bg)).collect();
        assert_eq!(
            styles,
            [
                (Some(Color::Rgb(255, 0, 0)), Some(Color::Rgb(0, 0, 255))),
                (Some(Color::Rgb(0, 255, 0)), Some(Color::Rgb(255, 255, 255)))
            ]
        );
        // Scaled up by nearest pixel: 4 cells wide, 2 rows.
        let lines = half_blocks(&preview, 4, true);
        assert_eq!((lines.len(), lines[0].spans.len()), (2, 4));
        assert_eq!(lines[1].spans[3].style.bg, Some(Color::Rgb(255, 255, 255)));
        // Without colour: dark to light.
        let mono: String = half_blocks(&preview, 2, false)[0].spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(mono.chars().count(), 2);
        assert!(mono.chars().all(|c| c != ' '), "{mono:?}");
    }
}
