//! The drain view: what the drain does to each pod of the node (GPU pods first), the budgets, where GPU work lands,
//! then each pod's progress and the report.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};

use crate::model::age;
use crate::model::drain::DrainStep;
use crate::state::drain::{Drain, DrainPod, Fate, Phase};
use crate::theme::{Slot, Theme};

pub fn render(frame: &mut Frame, area: Rect, drain: &Drain, now: i64, theme: &Theme) {
    let [head, body, foot] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(3), Constraint::Length(2)]).areas(area);
    let evicted = drain.evicted().count();
    let gpu_pods = drain.evicted().filter(|p| p.gpus > 0).count();
    let gpus: u32 = drain.evicted().map(|p| p.gpus).sum();
    let stays = drain.pods.len() - evicted;
    let budgets = match &drain.budgets {
        None => "budgets: listing…".to_string(),
        Some(Ok(())) => {
            let waiting = drain.evicted().filter(|p| p.budget.as_ref().is_some_and(|b| b.allowed < 1)).count();
            format!("budgets: {waiting} pod(s) guarded by a budget that allows no disruption now (eviction waits)")
        }
        Some(Err(why)) => format!("budgets: cannot list them ({why})"),
    };
    let mut flags = Vec::new();
    if drain.options.gpu_only {
        flags.push("GPU pods only".to_string());
    }
    if drain.options.disable_eviction {
        flags.push("DELETES without eviction".to_string());
    }
    flags.push(format!("timeout {}s", drain.options.timeout));
    let head_lines = vec![
        Line::from(Span::styled(
            format!(" drain {}  ({})", drain.nodes.join(", "), flags.join(", ")),
            theme.style(Slot::Header),
        )),
        Line::from(format!(" cordon, then evict {evicted} pod(s) ({gpu_pods} holding {gpus} GPUs); {stays} stay")),
        Line::from(format!(" {budgets}")),
    ];
    frame.render_widget(Paragraph::new(head_lines), head);

    let header =
        Row::new(["", "POD", "GPUS", "HELD", "OWNER", "BUDGET", "AFTER", "PROGRESS"]).style(theme.style(Slot::Header));
    let rows = drain.pods.iter().skip(drain.scroll).take(usize::from(body.height.saturating_sub(1))).map(|p| {
        let (mark, slot) = fate(p);
        Row::new(vec![
            mark.to_string(),
            format!("{}/{}", p.id.namespace, p.id.name),
            if p.gpus > 0 { p.gpus.to_string() } else { String::new() },
            if p.gpus > 0 { age(now - p.since) } else { String::new() },
            owner(p),
            budget(p),
            after(p),
            progress(p),
        ])
        .style(slot.map(|s| theme.style(s)).unwrap_or_default())
    });
    // Wide enough for a whole pod name and owner on a 180-column terminal; AFTER and PROGRESS take what is left.
    let widths = [
        Constraint::Length(6),
        Constraint::Length(40),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(36),
        Constraint::Length(20),
        Constraint::Min(20),
        Constraint::Min(20),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), body);

    let (text, slot) = match (&drain.phase, drain.blocked()) {
        (Phase::Preview, Some(why)) => (format!(" y refused: {why}"), Slot::NoticeError),
        (Phase::Preview, None) if drain.armed => (
            format!(
                " --disable-eviction DELETES {evicted} pods without asking their budgets: y again to go on, esc cancels"
            ),
            Slot::NoticeError,
        ),
        (Phase::Preview, None) => {
            (" y cordons and drains · esc cancels · nothing has been sent".to_string(), Slot::Prompt)
        }
        (Phase::Running, _) => {
            (" draining… esc stops sending evictions (those sent are not undone)".to_string(), Slot::Prompt)
        }
        (Phase::Done, _) => (format!(" {} · esc closes", drain.report()), Slot::Notice),
    };
    frame.render_widget(Paragraph::new(text).style(theme.style(slot)), foot);
}

fn fate(p: &DrainPod) -> (&'static str, Option<Slot>) {
    match p.fate {
        Fate::Evict => ("evict", None),
        Fate::Lost => ("LOST", Some(Slot::Error)),
        Fate::Blocks => ("bare", Some(Slot::Error)),
        Fate::Stays(_) => ("stays", Some(Slot::Muted)),
    }
}

fn owner(p: &DrainPod) -> String {
    let recreated = match (&p.owner, &p.fate) {
        (_, Fate::Stays(why)) => return (*why).to_string(),
        (Some((kind, name)), _) => format!("{kind} {name}, recreated"),
        (None, _) => "none: lost with the node".to_string(),
    };
    if p.empty_dir { format!("{recreated}; emptyDir lost") } else { recreated }
}

fn budget(p: &DrainPod) -> String {
    match &p.budget {
        None => String::new(),
        Some(b) if b.allowed > 0 => format!("{} allows {}", b.name, b.allowed),
        Some(b) => format!("{} allows 0 ({}/{})", b.name, b.healthy, b.desired),
    }
}

fn after(p: &DrainPod) -> String {
    match &p.lands {
        Some(Ok(node)) => format!("fits on {node}"),
        Some(Err(why)) => why.clone(),
        None => String::new(),
    }
}

fn progress(p: &DrainPod) -> String {
    match &p.step {
        None => String::new(),
        Some(DrainStep::Evicting) => "terminating…".into(),
        Some(DrainStep::Waiting(why)) => format!("waiting: {why}"),
        Some(DrainStep::Gone) => "gone".into(),
        Some(DrainStep::Failed(why)) => format!("failed: {why}"),
    }
}
