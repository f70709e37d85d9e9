//! Interactive sessions in a container over kube's WebSocket exec and attach (`v5.channel.k8s.io`, then v4): connect
//! while the console still has the screen, then bridge the terminal to the remote TTY (keys out as raw bytes, output
//! in, window resizes forwarded) until the remote side ends, and read its exit code from the API's Status.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{AttachParams, AttachedProcess, TerminalSize};
use kube::{Api, Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::model::mutation::MutationError;
use crate::model::session::{Entry, Session};

/// How long the key reader waits in one poll: the longest it outlives a session.
const KEY_POLL_MS: i64 = 50;
/// How long opening a session may take before the console gives up and keeps the screen.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Opens the session's stream; nothing has left the screen yet, so a refusal is only a message.
pub async fn connect(client: &Client, session: &Session) -> Result<AttachedProcess, String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &session.namespace);
    let params = in_container(AttachParams::interactive_tty(), session);
    let refused = |e: kube::Error, resource: &str| refusal(e, resource, &session.namespace);
    match &session.entry {
        Entry::Attach => api.attach(&session.pod, &params).await.map_err(|e| refused(e, "pods/attach")),
        Entry::Exec(command) => {
            let command = match command.is_empty() {
                true => vec![shell_of(&api, session).await.map_err(|e| refused(e, "pods/exec"))?.to_string()],
                false => command.clone(),
            };
            api.exec(&session.pod, command, &params).await.map_err(|e| refused(e, "pods/exec"))
        }
    }
}

/// `params` aimed at the session's container (the API's default, the only one, when none is named).
fn in_container(params: AttachParams, session: &Session) -> AttachParams {
    match &session.container {
        Some(container) => params.container(container.clone()),
        None => params,
    }
}

/// A refused upgrade in words: a 403 names the verb and resource, anything else says what the API said.
fn refusal(e: kube::Error, resource: &str, namespace: &str) -> String {
    MutationError::from_kube(e, "create", resource, namespace).to_string()
}

/// `bash` when the container runs it, else `sh`: asked with a command that does nothing, as no API says which
/// shells an image has.
async fn shell_of(api: &Api<Pod>, session: &Session) -> Result<&'static str, kube::Error> {
    let params = in_container(AttachParams::default().stderr(false), session);
    let mut probe = api.exec(&session.pod, ["bash", "-c", "exit 0"], &params).await?;
    let status = probe.take_status();
    if let Some(mut out) = probe.stdout() {
        let mut sink = Vec::new();
        let _ = out.read_to_end(&mut sink).await;
    }
    let status = match status {
        Some(status) => status.await,
        None => None,
    };
    Ok(if exit_code(status.as_ref()) == Ok(0) { "bash" } else { "sh" })
}

/// The exit code the API reported: 0 for Success, the `ExitCode` cause of a NonZeroExitCode, else the message.
pub fn exit_code(status: Option<&Status>) -> Result<i32, String> {
    let Some(status) = status else { return Err("the connection closed without an exit status".into()) };
    if status.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    let code = status.details.as_ref().and_then(|d| d.causes.as_ref()).and_then(|causes| {
        causes.iter().find(|c| c.reason.as_deref() == Some("ExitCode")).and_then(|c| c.message.as_deref()?.parse().ok())
    });
    match (status.reason.as_deref(), code) {
        (Some("NonZeroExitCode"), Some(code)) => Ok(code),
        _ => Err(status.message.clone().unwrap_or_else(|| "the session failed".into())),
    }
}

/// Gives the terminal to the remote TTY until the session ends. The caller has left the alternate screen and keeps
/// raw mode on, so every key (ctrl-c too) goes to the remote side, which echoes.
pub async fn bridge(mut process: AttachedProcess) -> Result<i32, String> {
    let mut stdin = process.stdin().ok_or("the session has no stdin")?;
    let mut stdout = process.stdout().ok_or("the session has no output")?;
    let status = process.take_status().ok_or("the session has no status")?;
    let mut resize = process.terminal_size();
    let size = || crossterm::terminal::size().ok().map(|(width, height)| TerminalSize { width, height });
    if let (Some(tx), Some(size)) = (resize.as_mut(), size()) {
        let _ = tx.send(size).await;
    }
    let mut resized = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
        .map_err(|e| format!("cannot follow window resizes: {e}"))?;
    let keys = KeyReader::start();
    let mut keys_rx = keys.rx;
    let mut screen = tokio::io::stdout();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = stdout.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let written = screen.write_all(&buf[..n]).await;
                    if written.and(screen.flush().await).is_err() {
                        break;
                    }
                }
            },
            Some(typed) = keys_rx.recv() => {
                // A remote side that stopped reading has ended; its status says how.
                if stdin.write_all(&typed).await.is_err() {
                    break;
                }
            }
            Some(()) = resized.recv() => {
                if let (Some(tx), Some(size)) = (resize.as_mut(), size()) {
                    let _ = tx.send(size).await;
                }
            }
        }
    }
    keys.stop.store(true, Ordering::Relaxed);
    let _ = keys.thread.join();
    exit_code(status.await.as_ref())
}

/// Raw bytes from the terminal on a thread that polls, so it stops within one poll of the session's end and never
/// sits in a read that would take the console's next keystroke.
struct KeyReader {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl KeyReader {
    fn start() -> KeyReader {
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            // crossterm reads the controlling terminal when stdin is not one; so does this.
            let tty = if std::io::stdin().is_terminal() { None } else { std::fs::File::open("/dev/tty").ok() };
            let stdin = std::io::stdin();
            let fd = match &tty {
                Some(file) => file.as_fd(),
                None => stdin.as_fd(),
            };
            let timeout = rustix::event::Timespec { tv_sec: 0, tv_nsec: KEY_POLL_MS * 1_000_000 };
            let mut buf = [0u8; 4096];
            while !stopped.load(Ordering::Relaxed) {
                let mut fds = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
                match rustix::event::poll(&mut fds, Some(&timeout)) {
                    Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                    Ok(_) => match rustix::io::read(fd, &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) if tx.send(buf[..n].to_vec()).is_err() => break,
                        Ok(_) => {}
                    },
                    Err(_) => break,
                }
            }
        });
        KeyReader { rx, stop, thread }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    fn failure(reason: &str, code: Option<&str>, message: &str) -> Status {
        Status {
            status: Some("Failure".into()),
            reason: Some(reason.into()),
            message: Some(message.into()),
            details: Some(StatusDetails {
                causes: Some(vec![StatusCause {
                    reason: Some("ExitCode".into()),
                    message: code.map(str::to_string),
                    ..StatusCause::default()
                }]),
                ..StatusDetails::default()
            }),
            ..Status::default()
        }
    }

    #[test]
    fn the_exit_code_comes_from_the_status() {
        let success = Status { status: Some("Success".into()), ..Status::default() };
        assert_eq!(exit_code(Some(&success)), Ok(0));
        assert_eq!(exit_code(Some(&failure("NonZeroExitCode", Some("3"), "exit code 3"))), Ok(3));
        assert_eq!(
            exit_code(Some(&failure("InternalError", None, "executable file not found in $PATH"))),
            Err("executable file not found in $PATH".into())
        );
        assert!(exit_code(None).unwrap_err().contains("without an exit status"));
    }
}
