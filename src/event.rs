//! What reaches the app loop: terminal input, the clock, and data from sources (facts from outside).

use crossterm::event::KeyEvent;

use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::workloads::{WorkloadKind, WorkloadRow};
use crate::state::table::Delta;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The 1 Hz clock, in unix seconds (the only time the UI shows).
    Tick(i64),
    Data(Data),
    /// SIGTERM/SIGHUP (an SSH drop): leave cleanly.
    Terminate,
}

#[derive(Debug)]
pub enum Data {
    Pods(Delta<PodRow>),
    Nodes(Delta<NodeRow>),
    Workloads(WorkloadKind, Delta<WorkloadRow>),
    /// A watch failed (it retries with back-off); the message says why.
    SourceError {
        resource: &'static str,
        message: String,
    },
}
