//! Draws one table pane: the header with the sort column marked, and only the rows that fit on screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Text;
use ratatui::widgets::{Paragraph, Row as TableRow, Table as TableWidget};

use crate::model::Health;
use crate::model::cell::Cell;
use crate::state::State;
use crate::state::table::{Column, Row, Table};
use crate::theme::{Slot, Theme};

/// Indices of the columns that fit in `width`, dropping the most expendable first.
fn fitting(columns: &[Column], width: u16) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..columns.len()).collect();
    let need = |keep: &[usize]| -> u16 {
        keep.iter().map(|&i| if columns[i].width == 0 { FILL_MIN } else { columns[i].width }).sum::<u16>()
            + (keep.len() as u16).saturating_sub(1)
    };
    while need(&keep) > width {
        let Some(pos) = keep
            .iter()
            .enumerate()
            .filter(|(_, i)| columns[**i].drop > 0)
            .max_by_key(|(_, i)| columns[**i].drop)
            .map(|(p, _)| p)
        else {
            break;
        };
        keep.remove(pos);
    }
    keep
}

/// The narrowest a fill column (names) may get.
const FILL_MIN: u16 = 23;

/// Draws a table fed by the console's own watches: an empty one says "loading…" until the first list has arrived.
pub fn render<R: Row>(frame: &mut Frame, area: Rect, table: &Table<R>, state: &State, theme: &Theme, empty: &str) {
    let empty = if table.total() == 0 && state.synced.is_empty() { "loading…" } else { empty };
    render_saying(frame, area, table, state, theme, empty);
}

/// Draws `table` in `area`; `empty` is said when no row is shown.
pub fn render_saying<R: Row>(
    frame: &mut Frame,
    area: Rect,
    table: &Table<R>,
    state: &State,
    theme: &Theme,
    empty: &str,
) {
    let all = table.columns();
    let shown = fitting(all, area.width);
    let columns: Vec<(usize, &Column)> = shown.iter().map(|&i| (i, &all[i])).collect();
    let header = TableRow::new(columns.iter().map(|&(i, c)| {
        let mark = match (i == table.sort.0, table.sort.1) {
            (true, false) => "↑",
            (true, true) => "↓",
            _ => "",
        };
        format!("{}{mark}", c.title)
    }))
    .style(theme.style(Slot::Header));
    let height = usize::from(area.height.saturating_sub(1));
    let selected = table.selected.as_deref();
    let rows = table.window(table.offset, height).map(|row| {
        let slot = if selected == Some(row.id().uid.as_str()) {
            Some(Slot::Selected)
        } else if table.marked.contains(&row.id().uid) {
            Some(Slot::Marked)
        } else {
            match row.health() {
                Health::Ok => None,
                Health::Done => Some(Slot::Done),
                Health::Pending => Some(Slot::Pending),
                Health::Warn => Some(Slot::Warn),
                Health::Error => Some(Slot::Error),
            }
        };
        let cells = row.cells();
        let now = state.now;
        TableRow::new(shown.iter().map(move |&i| match cells.get(i) {
            Some(Cell::Heat(levels)) => Text::from(super::gpus::heat_line(levels, theme)),
            Some(cell) => Text::from(cell.shown(now).into_owned()),
            None => Text::default(),
        }))
        .style(slot.map(|s| theme.style(s)).unwrap_or_default())
    });
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, c)| if c.width == 0 { Constraint::Min(FILL_MIN) } else { Constraint::Length(c.width) })
        .collect();
    frame.render_widget(TableWidget::new(rows, widths).header(header).column_spacing(1), area);
    if table.is_empty() && area.height > 2 {
        let at = Rect { y: area.y + 2, height: 1, ..area };
        frame.render_widget(Paragraph::new(format!("  {empty}")).style(theme.style(Slot::Muted)), at);
    }
}
