//! Log streams of one pod: a follow stream per container (prefixed when there are several), lines batched into the
//! UI every 50 ms and never dropped (a full channel holds the reader back), reconnection with a marker line when a
//! container restarts, and a clear reason when the stream ends.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::io::AsyncBufReadExt;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kube::api::{ListParams, LogParams};
use kube::{Api, Client};
use ratatui::style::{Color, Modifier, Style};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::{AbortHandle, JoinSet};

use crate::event::{Data, Event};
use crate::model::logs::{LogLine, LogTarget};

/// How often buffered lines reach the UI, and the most a batch holds.
const BATCH_EVERY: Duration = Duration::from_millis(50);
const BATCH_MAX: usize = 8192;

/// How often a workload's pods are listed for new ones to follow.
const DISCOVER_EVERY: Duration = Duration::from_secs(2);

/// How often a stopped container is checked for its restart.
const RESTART_POLL: Duration = Duration::from_secs(1);

pub fn spawn(client: Client, target: LogTarget, generation: u64, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        let why = stream(client, &target, generation, &tx).await;
        let _ = tx.send(Event::Data(Data::LogEnded { generation, why }));
    })
    .abort_handle()
}

async fn stream(client: Client, target: &LogTarget, generation: u64, tx: &UnboundedSender<Event>) -> String {
    let api: Api<Pod> = Api::namespaced(client, &target.namespace);
    let (lines_tx, mut lines_rx) = mpsc::channel::<LogLine>(BATCH_MAX);
    let mut readers =
        Readers { api: api.clone(), target: target.clone(), set: JoinSet::new(), following: HashSet::new() };
    let workload = target.selector.is_some();
    let described = if workload {
        if let Err(why) = readers.discover(&lines_tx, Some(target.tail)).await {
            return why;
        }
        format!("{} pods, new ones join", readers.following.len())
    } else {
        match readers.start_pod(&lines_tx).await {
            Ok(described) => described,
            Err(why) => return why,
        }
    };
    if tx.send(Event::Data(Data::LogStream { generation, described })).is_err() {
        return String::new();
    }
    // One pod's stream ends when its readers do; a workload's goes on as its pods come and go.
    let keep_sender = workload.then_some(lines_tx);
    let mut batch = Vec::new();
    let mut reasons = Vec::new();
    let mut tick = tokio::time::interval(BATCH_EVERY);
    let mut discovery = tokio::time::interval(DISCOVER_EVERY);
    loop {
        tokio::select! {
            line = lines_rx.recv() => match line {
                Some(line) => {
                    batch.push(line);
                    if batch.len() >= BATCH_MAX && !send(tx, generation, &mut batch) {
                        return String::new();
                    }
                }
                None => break,
            },
            _ = tick.tick() => if !batch.is_empty() && !send(tx, generation, &mut batch) {
                return String::new();
            },
            _ = discovery.tick(), if keep_sender.is_some() => {
                if let Some(lines_tx) = &keep_sender {
                    // A failed listing is retried at the next tick; the pods already followed go on.
                    let _ = readers.discover(lines_tx, None).await;
                }
            },
            Some(Ok((label, why))) = readers.set.join_next(), if keep_sender.is_some() => {
                batch.push(LogLine::marker(format!("— {label}: {why} —")));
            },
        }
    }
    send(tx, generation, &mut batch);
    while let Some(done) = readers.set.join_next().await {
        reasons.extend(done.ok().map(|(_, why)| why));
    }
    reasons.sort();
    reasons.dedup();
    reasons.join("; ")
}

/// The container readers of one stream: what they follow and how they end.
struct Readers {
    api: Api<Pod>,
    target: LogTarget,
    /// Each reader ends with (the pod or container it followed, why it ended).
    set: JoinSet<(String, String)>,
    /// Pods already followed (a finished one is not followed again).
    following: HashSet<String>,
}

impl Readers {
    /// Follows one pod's containers; says what the stream is (its container, or the previous instance of it).
    async fn start_pod(&mut self, lines: &mpsc::Sender<LogLine>) -> Result<String, String> {
        let pod = self.api.get(&self.target.pod).await.map_err(|e| gone_or(&e, &self.target.pod))?;
        let containers: Vec<String> = match &self.target.container {
            Some(c) => vec![c.clone()],
            None => pod.spec.iter().flat_map(|s| s.containers.iter().map(|c| c.name.clone())).collect(),
        };
        let crash_looping = containers.len() == 1 && status_of(&pod, &containers[0]).is_some_and(is_crash_looping);
        let previous = self.target.previous.unwrap_or(crash_looping);
        for container in &containers {
            let prefix = if containers.len() > 1 { format!("[{container}] ") } else { String::new() };
            self.follow(&self.target.pod.clone(), container, prefix, previous, Some(self.target.tail), lines);
        }
        let what =
            if containers.len() == 1 { containers[0].clone() } else { format!("{} containers", containers.len()) };
        Ok(format!("{what}{}", if previous { " — previous instance (it is crash-looping)" } else { "" }))
    }

    /// Starts following the workload's pods not followed yet (`tail` lines of each; None: from their first line).
    async fn discover(&mut self, lines: &mpsc::Sender<LogLine>, tail: Option<i64>) -> Result<(), String> {
        let selector = self.target.selector.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
        let pods =
            self.api.list(&ListParams::default().labels(&selector.join(","))).await.map_err(|e| e.to_string())?;
        for pod in pods.items {
            // A pod whose containers have not started has no log yet; it is picked up at a later listing.
            let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
            let Some(name) = pod.metadata.name.clone().filter(|_| phase != "Pending") else { continue };
            if !self.following.insert(name.clone()) {
                continue;
            }
            let containers: Vec<String> =
                pod.spec.iter().flat_map(|s| s.containers.iter().map(|c| c.name.clone())).collect();
            for container in &containers {
                let label = if containers.len() > 1 { format!("{name}/{container}") } else { name.clone() };
                self.follow(&name, container, format!("[{label}] "), false, tail, lines);
            }
        }
        Ok(())
    }

    fn follow(
        &mut self,
        pod: &str,
        container: &str,
        prefix: String,
        previous: bool,
        tail: Option<i64>,
        lines: &mpsc::Sender<LogLine>,
    ) {
        let label = prefix.trim().trim_matches(['[', ']']).to_string();
        let follow = Follow {
            api: self.api.clone(),
            pod: pod.to_string(),
            container: container.to_string(),
            prefix,
            previous,
            tail,
            since: self.target.since,
            timestamps: self.target.timestamps,
        };
        let lines = lines.clone();
        self.set.spawn(async move {
            let label = if label.is_empty() { follow.container.clone() } else { label };
            (label, follow.run(lines).await)
        });
    }
}

fn send(tx: &UnboundedSender<Event>, generation: u64, batch: &mut Vec<LogLine>) -> bool {
    tx.send(Event::Data(Data::LogLines { generation, lines: std::mem::take(batch) })).is_ok()
}

/// One container's log, followed across restarts.
struct Follow {
    api: Api<Pod>,
    pod: String,
    container: String,
    prefix: String,
    previous: bool,
    /// Lines from the end to start with; None: from the first line.
    tail: Option<i64>,
    since: Option<i64>,
    timestamps: bool,
}

impl Follow {
    /// Sends every line; returns why the log ended.
    async fn run(self, lines: mpsc::Sender<LogLine>) -> String {
        let mut params = LogParams {
            container: Some(self.container.clone()),
            follow: !self.previous,
            previous: self.previous,
            tail_lines: self.tail,
            since_seconds: self.since,
            timestamps: self.timestamps,
            ..LogParams::default()
        };
        let mut restarts = match self.api.get(&self.pod).await {
            Ok(pod) => status_of(&pod, &self.container).map_or(0, |s| s.restart_count),
            Err(e) => return gone_or(&e, &self.pod),
        };
        loop {
            let stream = match self.api.log_stream(&self.pod, &params).await {
                Ok(stream) => stream,
                Err(e) => return gone_or(&e, &self.pod),
            };
            let mut stream = Box::pin(stream);
            let mut raw = Vec::new();
            loop {
                raw.clear();
                match stream.read_until(b'\n', &mut raw).await {
                    Ok(0) => break,
                    Ok(_) => {
                        let line = log_line(&raw, &self.prefix);
                        if lines.send(line).await.is_err() {
                            return String::new();
                        }
                    }
                    Err(e) => return format!("{}: reading the log failed: {e}", self.container),
                }
            }
            if !params.follow {
                return if self.previous { "end of the previous instance's log".into() } else { "end of log".into() };
            }
            // The container stopped. A finished pod's containers never come back; others restart.
            match self.api.get(&self.pod).await {
                Ok(pod) => {
                    if let Some(phase) = finished(&pod) {
                        return format!("{} exited; the pod is {phase}", self.container);
                    }
                }
                Err(e) => return gone_or(&e, &self.pod),
            }
            let stopped = format!("— {} stopped; waiting for it to restart —", self.container);
            if lines.send(LogLine::marker(stopped)).await.is_err() {
                return String::new();
            }
            match self.wait_for_restart(restarts).await {
                Ok(count) => restarts = count,
                Err(why) => return why,
            }
            let marker = format!("— {} restarted (restart {restarts}); following the new instance —", self.container);
            if lines.send(LogLine::marker(marker)).await.is_err() {
                return String::new();
            }
            // The new instance from its first line.
            params.tail_lines = None;
        }
    }

    /// Waits until the container runs again with a higher restart count; Err when it never will.
    async fn wait_for_restart(&self, restarts: i32) -> Result<i32, String> {
        loop {
            tokio::time::sleep(RESTART_POLL).await;
            let pod = self.api.get(&self.pod).await.map_err(|e| gone_or(&e, &self.pod))?;
            if let Some(phase) = finished(&pod) {
                return Err(format!("{} exited; the pod is {phase}", self.container));
            }
            if let Some(s) = status_of(&pod, &self.container)
                && s.restart_count > restarts
                && s.state.as_ref().is_some_and(|st| st.running.is_some())
            {
                return Ok(s.restart_count);
            }
        }
    }
}

/// One raw log line as it is shown: invalid UTF-8 replaced, escape sequences and control characters stripped (the
/// colours it asked for kept aside), the line ending dropped, the prefix in front.
pub fn log_line(raw: &[u8], prefix: &str) -> LogLine {
    let (text, sgr) = crate::sanitize::clean_keeping_sgr(&String::from_utf8_lossy(raw));
    let text = format!("{prefix}{}", text.trim_end());
    let mut style = Style::default();
    let colors: Vec<(u32, Style)> = sgr
        .iter()
        .map(|(at, params)| {
            style = apply_sgr(style, params);
            (u32::try_from(at + prefix.len()).unwrap_or(u32::MAX), style)
        })
        .collect();
    LogLine { text, marker: false, colors: (!colors.is_empty()).then(|| colors.into_boxed_slice()) }
}

/// The style after one SGR sequence: reset, bold/dim/italic/underline, 8/16/256/RGB foreground and background.
fn apply_sgr(mut style: Style, params: &str) -> Style {
    let numbers: Vec<u16> = params.split([';', ':']).map(|p| p.parse().unwrap_or(0)).collect();
    let mut it = numbers.iter().copied();
    while let Some(n) = it.next() {
        style = match n {
            0 => Style::default(),
            1 => style.add_modifier(Modifier::BOLD),
            2 => style.add_modifier(Modifier::DIM),
            3 => style.add_modifier(Modifier::ITALIC),
            4 => style.add_modifier(Modifier::UNDERLINED),
            22 => style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style.remove_modifier(Modifier::ITALIC),
            24 => style.remove_modifier(Modifier::UNDERLINED),
            30..=37 => style.fg(Color::Indexed((n - 30) as u8)),
            90..=97 => style.fg(Color::Indexed((n - 90 + 8) as u8)),
            40..=47 => style.bg(Color::Indexed((n - 40) as u8)),
            100..=107 => style.bg(Color::Indexed((n - 100 + 8) as u8)),
            39 => Style { fg: None, ..style },
            49 => Style { bg: None, ..style },
            38 | 48 => {
                let color = match it.next() {
                    Some(5) => it.next().map(|i| Color::Indexed(i.min(255) as u8)),
                    Some(2) => match (it.next(), it.next(), it.next()) {
                        (Some(r), Some(g), Some(b)) => {
                            Some(Color::Rgb(r.min(255) as u8, g.min(255) as u8, b.min(255) as u8))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                match (n, color) {
                    (38, Some(c)) => style.fg(c),
                    (48, Some(c)) => style.bg(c),
                    _ => style,
                }
            }
            _ => style,
        };
    }
    style
}

/// The pod's phase once it has finished for good (Succeeded or Failed).
fn finished(pod: &Pod) -> Option<&str> {
    pod.status.as_ref()?.phase.as_deref().filter(|p| matches!(*p, "Succeeded" | "Failed"))
}

fn status_of<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    pod.status.as_ref()?.container_statuses.as_ref()?.iter().find(|s| s.name == container)
}

fn is_crash_looping(s: &ContainerStatus) -> bool {
    s.state.as_ref().and_then(|st| st.waiting.as_ref()).and_then(|w| w.reason.as_deref()) == Some("CrashLoopBackOff")
}

/// "pod X no longer exists" for a 404, else the API's own message.
fn gone_or(e: &kube::Error, pod: &str) -> String {
    match e {
        kube::Error::Api(s) if s.code == 404 => format!("pod {pod} no longer exists"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes a hostile or broken container may write; each must come out as plain, printable text.
    #[test]
    fn hostile_bytes_come_out_inert() {
        let corpus: &[(&[u8], &str)] = &[
            (b"plain line\n", "plain line"),
            (b"\x1b[31mred\x1b[0m and \x1b[1;4mbold\x1b[m\r\n", "red and bold"),
            (b"title\x1b]0;pwned\x07 set", "title set"),
            (b"link \x1b]8;;http://evil\x1b\\here\x1b]8;;\x1b\\ end", "link here end"),
            (b"dcs \x1bP1$r0m\x1b\\ gone", "dcs  gone"),
            (b"clear\x1b[2J\x1b[H screen", "clear screen"),
            (b"bell\x07 backspace\x08 del\x7f", "bell backspace del"),
            (b"c1 \xc2\x9b2J csi", "c1  csi"),
            (b"bad utf8 \xff\xfe end", "bad utf8 \u{fffd}\u{fffd} end"),
            (b"tab\tand\rcarriage", "tab and carriage"),
        ];
        for (raw, want) in corpus {
            let text = log_line(raw, "[p] ").text;
            assert_eq!(text, format!("[p] {want}"), "{raw:?}");
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
}
