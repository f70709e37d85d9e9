//! A table cell as the state hands it to the UI: a value (text, a number, an age, a GPU heat grid) that `ui/` formats,
//! so nothing the state produces has to be parsed back.

use std::borrow::Cow;

use super::dcgm::DcgmGpu;
use super::{age, age_in_minutes};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A unix time shown as an age that keeps counting (kubectl's AGE).
    Since(i64),
    /// A unix time shown as an age that changes at most once a minute (how long a triage problem has lasted).
    SinceMinutes(i64),
    /// A span of seconds (a finished job's duration).
    Span(i64),
    /// Restarts, with when the last one happened: `3 (5m ago)`.
    Restarts {
        count: i32,
        last: Option<i64>,
    },
    /// One level per GPU of a node.
    Heat(Vec<Heat>),
    /// No value (a CRD's printer column pointing at a missing field).
    Empty,
}

impl Cell {
    /// Text, or `Empty` when there is none.
    pub fn text(s: String) -> Cell {
        if s.is_empty() { Cell::Empty } else { Cell::Text(s) }
    }

    /// The cell as text at `now`: ages as kubectl prints them, a heat grid as its glyphs.
    pub fn shown(&self, now: i64) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Since(t) => Cow::Owned(age(now - t)),
            Cell::SinceMinutes(t) => Cow::Owned(age_in_minutes(now - t)),
            Cell::Span(seconds) => Cow::Owned(age(*seconds)),
            Cell::Restarts { count, last: Some(t) } => Cow::Owned(format!("{count} ({} ago)", age(now - t))),
            Cell::Restarts { count, last: None } => Cow::Owned(count.to_string()),
            Cell::Heat(levels) => {
                let mut grid = String::with_capacity(levels.len() * 4);
                for (i, level) in levels.iter().enumerate() {
                    if i > 0 {
                        grid.push(' ');
                    }
                    grid.push(level.glyph());
                }
                Cow::Owned(grid)
            }
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

/// What one GPU of the heat grid shows; each has its own glyph, so the grid reads without colour too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heat {
    /// Free: no pod holds it (idle by DCGM, or free by allocation where DCGM has no figure).
    Free,
    /// Requested by a pod, where DCGM has no figure.
    Held,
    /// Held by a pod but idle (under 5 %): the waste operators look for.
    Idle,
    Low,
    Mid,
    High,
    Hot,
    Xid,
}

impl Heat {
    pub const ALL: [Heat; 8] =
        [Heat::Free, Heat::Held, Heat::Idle, Heat::Low, Heat::Mid, Heat::High, Heat::Hot, Heat::Xid];

    pub fn glyph(self) -> char {
        match self {
            Heat::Free => '□',
            Heat::Held => '■',
            Heat::Idle => '·',
            Heat::Low => '▃',
            Heat::Mid => '▅',
            Heat::High => '█',
            Heat::Hot => '▲',
            Heat::Xid => '✗',
        }
    }

    pub fn of(gpu: &DcgmGpu) -> Heat {
        if gpu.xid.is_some() {
            return Heat::Xid;
        }
        if gpu.heat_problem().is_some() {
            return Heat::Hot;
        }
        match Heat::of_util(gpu.util.unwrap_or(0.0)) {
            Heat::Idle if gpu.holder.is_none() => Heat::Free,
            level => level,
        }
    }

    /// The level of a utilization percentage: under 5 % idle, under 40 % low, under 75 % mid, else high.
    pub fn of_util(percent: f64) -> Heat {
        match percent {
            u if u < 5.0 => Heat::Idle,
            u if u < 40.0 => Heat::Low,
            u if u < 75.0 => Heat::Mid,
            _ => Heat::High,
        }
    }
}
