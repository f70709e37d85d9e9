//! Draws the GPU pane: summary, DCGM state, fit and pending GPU pods above the nodes × GPUs heat grid, the local
//! GPUs below it; or one node GPU by GPU with five minutes of utilization history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row as TableRow, Table as TableWidget};

use super::plural;
use crate::model::cell::Heat;
use crate::model::gpu::GpuProcess;
use crate::model::human_bytes;
use crate::state::State;
use crate::state::gpus::{Feed, Gpus, History, LocalLine, fit};
use crate::theme::{Slot, Theme};

/// Local GPUs listed one per line; more are counted.
const MAX_LOCAL: usize = 8;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let gpus = &state.gpus;
    if let Some(node) = &gpus.drill {
        return drill(frame, area, state, node, theme);
    }
    let (above, below) = gpus.chrome();
    let [head, grid, foot] =
        Layout::vertical([Constraint::Length(above), Constraint::Min(2), Constraint::Length(below)]).areas(area);
    frame.render_widget(Paragraph::new(summary(state, theme)), head);
    super::table::render(frame, grid, &gpus.table, state, theme, "no GPU nodes");
    frame.render_widget(Paragraph::new(local(gpus, theme)), foot);
}

/// The DCGM feed in words, and how loudly: where the figures come from, whether they are late, which exporters
/// failed. A live feed is not timed to the second (that would redraw every second); a stalled one is.
fn dcgm_status(gpus: &Gpus, every: std::time::Duration, now: i64) -> (String, Slot) {
    match &gpus.dcgm {
        Feed::Waiting => ("DCGM: waiting for the first scrape".into(), Slot::Muted),
        Feed::Unavailable(why) => (format!("DCGM unavailable: {why}; showing allocation only"), Slot::Warn),
        Feed::Live { at } => {
            let count = gpus.summary.scraped;
            let mut text = match &gpus.via {
                Some(prometheus) => format!("DCGM: {count} GPUs via Prometheus {prometheus}"),
                None => format!("DCGM: {count} GPUs from {} exporter{}", gpus.exporters, plural(gpus.exporters)),
            };
            // Worst news first: a line cut short by a narrow pane loses the least.
            let mut slot = Slot::Muted;
            if now - at > 3 * every.as_secs() as i64 {
                text.push_str(&format!(", last scrape {} ago", crate::model::age(now - at)));
                slot = Slot::Warn;
            }
            if let Some((node, why)) = gpus.stale_nodes.first_key_value() {
                text.push_str(&format!("; {} failed: {node} {why}", gpus.stale_nodes.len()));
                slot = Slot::Warn;
            }
            if every > gpus.dcgm_every {
                let focused = gpus.dcgm_every.as_secs();
                text.push_str(&format!("; every {} s ({focused} s while this pane has focus)", every.as_secs()));
            }
            (text, slot)
        }
    }
}

/// The slot a heat cell is drawn in.
pub fn heat_slot(heat: Heat) -> Slot {
    match heat {
        Heat::Free => Slot::Muted,
        Heat::Held => Slot::Ok,
        Heat::Idle => Slot::HeatIdle,
        Heat::Low => Slot::HeatLow,
        Heat::Mid => Slot::HeatMid,
        Heat::High => Slot::HeatHigh,
        Heat::Hot => Slot::Warn,
        Heat::Xid => Slot::Error,
    }
}

fn utilization_slot(percent: f64) -> Slot {
    heat_slot(Heat::of_util(percent))
}

/// A history of percentages in `width` cells of eighth blocks. A longer history is bucketed, each cell showing its
/// bucket's peak, so the line always spans the whole history and a short spike is not lost.
pub fn sparkline(values: impl ExactSizeIterator<Item = u64>, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let values: Vec<u64> = values.collect();
    let per_cell = values.len().div_ceil(width.max(1)).max(1);
    values
        .chunks(per_cell)
        .map(|bucket| bucket.iter().copied().max().unwrap_or(0))
        .map(|v| BARS[(v.min(100) as usize * 7).div_ceil(100)])
        .collect()
}

fn summary<'a>(state: &'a State, theme: &Theme) -> Vec<Line<'a>> {
    let (gpus, now) = (&state.gpus, state.now);
    let s = &gpus.summary;
    let mut first =
        format!("{} GPUs · {} nodes · {} requested · {} free", s.allocatable, s.nodes, s.requested, s.free.free);
    if s.free.free > 0 {
        first.push_str(&format!(" (largest block {}, {}% fragmented)", s.free.largest_block, s.free.percent()));
    }
    if let Some(util) = s.mean_util {
        first.push_str(&format!(" · util {util:.0}%"));
    }
    let (text, slot) = dcgm_status(gpus, state.dcgm_interval(), now);
    let dcgm = Line::styled(text, theme.style(slot));
    vec![Line::raw(first), dcgm, fit_line(gpus, theme), pending_line(gpus, now, theme)]
}

fn fit_line<'a>(gpus: &Gpus, theme: &Theme) -> Line<'a> {
    let Some(query) = &gpus.fit else {
        return Line::styled("fit: :fit GPUS [PRODUCT] shows where a job can land now", theme.style(Slot::Muted));
    };
    let report = fit::fit(&gpus.lines(), query);
    let excluded = match report.excluded.first() {
        Some((node, why)) => format!("; {} node(s) excluded, {node}: {why}", report.excluded.len()),
        None => String::new(),
    };
    if report.fits.is_empty() {
        let largest = match &report.largest {
            Some((node, free)) => format!("largest free block is {free} on {node}"),
            None => "no node has that product".into(),
        };
        return Line::styled(
            format!("fit {}: nowhere now, {largest}{excluded}", query.describe()),
            theme.style(Slot::Warn),
        );
    }
    let nodes: Vec<String> = report.fits.iter().map(|(n, free)| format!("{n} ({free} free)")).collect();
    Line::styled(
        format!("fit {}: {} node(s): {}{excluded}", query.describe(), nodes.len(), nodes.join(", ")),
        theme.style(Slot::Ok),
    )
}

fn pending_line<'a>(gpus: &Gpus, now: i64, theme: &Theme) -> Line<'a> {
    let Some(first) = gpus.pending.values().min_by_key(|p| p.since) else {
        return Line::styled("no GPU pods pending", theme.style(Slot::Muted));
    };
    let more = match gpus.pending.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    let why = if first.why.is_empty() { "waiting for the scheduler" } else { &first.why };
    Line::styled(
        format!(
            "pending {}/{} wants {} GPUs for {}: {why}{more}",
            first.id.namespace,
            first.id.name,
            first.gpus,
            crate::model::age(now - first.since)
        ),
        theme.style(Slot::Pending),
    )
}

fn local<'a>(gpus: &'a Gpus, theme: &Theme) -> Vec<Line<'a>> {
    match &gpus.local {
        Feed::Waiting => vec![Line::styled("local GPUs: sampling…", theme.style(Slot::Muted))],
        Feed::Unavailable(why) => {
            vec![Line::styled(format!("local GPUs: NVML unavailable: {why}"), theme.style(Slot::Muted))]
        }
        Feed::Live { .. } => {
            let mut lines: Vec<Line> = gpus.local_gpus.iter().take(MAX_LOCAL).map(|l| local_line(l, theme)).collect();
            let mut processes: Vec<(u32, &GpuProcess)> =
                gpus.local_gpus.iter().flat_map(|l| l.gpu.processes.iter().map(move |p| (l.gpu.index, p))).collect();
            // The biggest first: when the line is cut, what is cut matters least.
            processes.sort_by_key(|(_, p)| std::cmp::Reverse(p.memory));
            let processes: Vec<String> = processes
                .into_iter()
                .map(|(gpu, p)| {
                    let memory = p.memory.map(human_bytes).unwrap_or_else(|| "?".into());
                    format!("{} {} on {gpu} ({memory})", p.pid, if p.name.is_empty() { "?" } else { &p.name })
                })
                .collect();
            let more = match gpus.local_gpus.len().saturating_sub(MAX_LOCAL) {
                0 => String::new(),
                n => format!(" (+{n} GPUs not listed)"),
            };
            let text = match processes.is_empty() {
                true => format!(" {more} no compute processes"),
                false => format!(" {more} processes: {}", processes.join(", ")),
            };
            lines.push(Line::styled(text, theme.style(Slot::Muted)));
            lines
        }
    }
}

fn local_line<'a>(line: &'a LocalLine, theme: &Theme) -> Line<'a> {
    let g = &line.gpu;
    if let Some(why) = &g.error {
        return Line::styled(format!("local {} {}: {why}", g.index, g.name), theme.style(Slot::Error));
    }
    let dash = || "–".to_string();
    let (sm, mem_util) = g.util.unwrap_or_default();
    let memory = g.memory.map(|(u, t)| format!("{}/{}", human_bytes(u), human_bytes(t))).unwrap_or_else(dash);
    let power = match (g.power_mw, g.power_limit_mw) {
        (Some(p), Some(l)) => format!("{}/{} W", p / 1000, l / 1000),
        (Some(p), None) => format!("{} W", p / 1000),
        _ => dash(),
    };
    let clocks = g.clocks_mhz.map(|(s, m)| format!("{s}/{m} MHz")).unwrap_or_else(dash);
    let pcie = g.pcie_kbs.map(|(tx, rx)| format!("↑{:.1} ↓{:.1} MB/s", tx as f64 / 1000.0, rx as f64 / 1000.0));
    let errors = match (g.ecc_uncorrected, g.retired_pages) {
        (None, None) => "ECC –".to_string(),
        (ecc, pages) => format!(
            "ECC {} retired {}",
            ecc.map(|e| e.to_string()).unwrap_or_else(dash),
            pages.map(|p| p.to_string()).unwrap_or_else(dash)
        ),
    };
    let error_slot = if g.ecc_uncorrected.unwrap_or(0) > 0 { Slot::Error } else { Slot::Muted };
    Line::from(vec![
        Span::raw(format!("local {} {} {} ", g.index, g.name, short_uuid(&g.uuid))),
        Span::raw(format!("SM {sm:>3}% ")),
        Span::styled(sparkline(line.sm.values(), 20), theme.style(utilization_slot(f64::from(sm)))),
        Span::raw(format!(" mem {mem_util:>3}% ")),
        Span::styled(sparkline(line.mem.values(), 10), theme.style(utilization_slot(f64::from(mem_util)))),
        Span::raw(format!(
            " {memory} · {}°C · {power} · {clocks} · fan {} · {} · ",
            g.temp_c.map(|t| t.to_string()).unwrap_or_else(dash),
            g.fan_percent.map(|f| format!("{f}%")).unwrap_or_else(dash),
            pcie.unwrap_or_else(|| "PCIe –".into()),
        )),
        Span::styled(errors, theme.style(error_slot)),
    ])
}

/// One node GPU by GPU: utilization with its history, memory, heat, power, clock, holder and faults.
fn drill(frame: &mut Frame, area: Rect, state: &State, node: &str, theme: &Theme) {
    let (gpus, now) = (&state.gpus, state.now);
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    let line = gpus.table.all().find(|l| l.id.name == node);
    let title = match line {
        Some(l) => format!(
            "node {node} · {} · {} GPUs ({} allocatable) · {} requested · {} free{}",
            l.product,
            l.heat.len(),
            l.allocatable,
            l.requested,
            l.free(),
            l.unschedulable.as_ref().map(|u| format!(" · not schedulable: {u}")).unwrap_or_default()
        ),
        None => format!("node {node} is gone"),
    };
    let scraped = gpus.scraped.get(node).map(Vec::as_slice).unwrap_or_default();
    let (mut status, slot) = dcgm_status(gpus, state.dcgm_interval(), now);
    if let Some(why) = gpus.stale_nodes.get(node) {
        status = format!("this node's exporter is not answering ({why}): figures from an earlier scrape");
    }
    status.push_str(" · history: the last 5 minutes · esc goes back");
    frame.render_widget(
        Paragraph::new(vec![Line::styled(title, theme.style(Slot::Header)), Line::styled(status, theme.style(slot))]),
        head,
    );
    let header = TableRow::new(["GPU", "UTIL", "LAST 5 MIN", "MEM GiB", "TEMP", "POWER", "SM MHz", "FAULT", "POD"])
        .style(theme.style(Slot::Header));
    // The history narrows first on a small terminal; the fault and the holder matter more.
    let history_width = usize::from(area.width).saturating_sub(110).clamp(8, 30);
    let rows = scraped.iter().map(|g| {
        let empty = History::default();
        let history = gpus.history.get(&(node.to_string(), g.index)).unwrap_or(&empty);
        let util = g.util.unwrap_or(0.0);
        let fault = match g.fault() {
            Some(f) => (format!("{}: {}", f.problem, f.why), if f.serious { Slot::Error } else { Slot::Warn }),
            None => (String::new(), Slot::Ok),
        };
        let opt = |v: Option<f64>, unit: &str| v.map(|v| format!("{v:.0}{unit}")).unwrap_or_else(|| "–".into());
        TableRow::new(vec![
            Line::raw(format!("{} {}", g.index, short_uuid(&g.uuid))),
            Line::styled(opt(g.util, "%"), theme.style(utilization_slot(util))),
            Line::styled(sparkline(history.values(), history_width), theme.style(utilization_slot(util))),
            Line::raw(match (g.fb_used_mib, g.fb_total_mib()) {
                (Some(u), Some(t)) => format!("{:.1}/{:.0}", u / 1024.0, t / 1024.0),
                _ => "–".into(),
            }),
            Line::raw(opt(g.temp_c, "°C")),
            Line::raw(opt(g.power_w, "W")),
            Line::raw(opt(g.sm_clock_mhz, "")),
            Line::styled(fault.0, theme.style(fault.1)),
            Line::raw(g.holder.as_ref().map(|(ns, pod)| format!("{ns}/{pod}")).unwrap_or_else(|| "–".into())),
        ])
    });
    let mut rows: Vec<TableRow> = rows.collect();
    if scraped.is_empty() {
        // No DCGM figures for this node: its GPUs by allocation alone.
        let heat = line.map(|l| l.heat.as_slice()).unwrap_or_default();
        rows = heat
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let state = if *h == Heat::Held { "requested by a pod" } else { "free" };
                TableRow::new(vec![Line::raw(i.to_string()), Line::styled(state, theme.style(heat_slot(*h)))])
            })
            .collect();
    }
    let widths = [
        Constraint::Length(14),
        Constraint::Length(5),
        Constraint::Length(history_width as u16),
        Constraint::Length(10),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(40),
        Constraint::Min(16),
    ];
    frame.render_widget(TableWidget::new(rows, widths).header(header).column_spacing(1), body);
}

/// `GPU-8f2a…` is enough to tell GPUs of one node apart and to find the full UUID in `nvidia-smi -L`.
fn short_uuid(uuid: &str) -> String {
    uuid.chars().take(12).collect()
}

/// A heat-grid cell's glyphs, each in its slot's style (on top of the row's).
pub fn heat_line<'a>(levels: &[Heat], theme: &Theme) -> Line<'a> {
    let mut spans = Vec::with_capacity(levels.len() * 2);
    for (i, level) in levels.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(level.glyph().to_string(), theme.style(heat_slot(*level))));
    }
    Line::from(spans)
}
