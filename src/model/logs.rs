//! What a log stream is of and the lines it yields: the vocabulary the log source and the logs view share.

use std::collections::BTreeMap;

use ratatui::style::Style;

/// What a log stream is of, as the source needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    /// The pod, or for a workload its "kind/name" as shown.
    pub pod: String,
    /// A workload's pod selector: every pod it selects is followed, and pods that start later join.
    pub selector: Option<BTreeMap<String, String>>,
    /// None: every container of the pod, each line prefixed with its container's name.
    pub container: Option<String>,
    /// The previous (crashed) instance; None lets the source choose it for a crash-looping container.
    pub previous: Option<bool>,
    pub tail: i64,
    /// Only lines newer than this many seconds.
    pub since: Option<i64>,
    pub timestamps: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub text: String,
    /// A line gpudeck wrote (reconnected, stream ended), drawn apart from the container's output.
    pub marker: bool,
    /// The colours the container asked for (SGR sequences), as (byte offset in `text`, style from there on); drawn
    /// only when the view's colours are on. None for the many lines without any.
    pub colors: Option<Box<[(u32, Style)]>>,
}

impl LogLine {
    /// A line of the container's output, without colours.
    pub fn plain(text: impl Into<String>) -> LogLine {
        LogLine { text: text.into(), marker: false, colors: None }
    }

    /// A line gpudeck writes into the stream.
    pub fn marker(text: impl Into<String>) -> LogLine {
        LogLine { text: text.into(), marker: true, colors: None }
    }
}
