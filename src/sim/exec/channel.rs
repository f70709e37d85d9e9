//! One exec or attach over a `v5`/`v4.channel.k8s.io` WebSocket: each binary message's first byte names its
//! stream (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255 = close the stream in the next byte);
//! the session's output goes out, the final Status on stream 3, then a normal close.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::super::shell::{Exit, Output};
use super::super::upgrade::Socket;
use super::{Plan, Streams, internal_error};

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// How long the server waits for the client's half of the close handshake after the Status.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// `remotecommand.TerminalSize` as client-go marshals it (no JSON tags: Go's field names).
#[derive(Deserialize)]
struct TerminalSize {
    #[serde(rename = "Width")]
    width: u16,
    #[serde(rename = "Height")]
    height: u16,
}

/// How long the first output waits for the client to speak first (see `serve`).
const FIRST_OUTPUT_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs the session on `socket` until it exits or the client goes away.
pub async fn serve(mut socket: Socket, v5: bool, streams: Streams, plan: Plan) {
    // An empty message on the lowest writable stream tells the client the streams are ready (as wsstream does).
    let ready = if streams.stdout {
        STDOUT
    } else if streams.stderr {
        STDERR
    } else {
        ERROR
    };
    if socket.send(Message::binary(vec![ready])).await.is_err() {
        return;
    }
    let (mut session, first, ending) = match plan {
        Plan::Run { session, first, ending } => (session, first, ending),
        Plan::Refuse(message) => return finish(socket, internal_error(&message)).await,
    };
    // kubectl registers its stream readers after the connection is up, and drops what arrives before them
    // ("Unknown stream id 1, discarding message"): a prompt or an attach's recent output sent at once can be lost on a
    // busy machine. The first output waits for the client's first message (a terminal's size, stdin) or a moment.
    let mut early = match tokio::time::timeout(FIRST_OUTPUT_WAIT, socket.next()).await {
        Ok(None) => return,
        Ok(Some(message)) => Some(message),
        Err(_) => None,
    };
    if let Some(exit) = send(&mut socket, streams, first).await {
        return finish(socket, ending.status(&exit)).await;
    }
    loop {
        let message = match early.take() {
            Some(message) => message,
            None => match socket.next().await {
                Some(message) => message,
                None => return,
            },
        };
        let data = match message {
            Ok(Message::Binary(data)) => data,
            // Pings are answered by tungstenite; text is not part of the protocol.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Text(_) | Message::Frame(_)) => continue,
            // The client closed or the connection broke: no one is left to tell how it ended.
            Ok(Message::Close(_)) | Err(_) => return,
        };
        let output = match (data.first().copied(), data.get(1..).unwrap_or_default()) {
            (Some(STDIN), bytes) if streams.stdin => session.input(bytes),
            (Some(RESIZE), json) => {
                // One JSON object a message; a malformed one is skipped, as the apiserver's decoder would stop.
                if let Ok(size) = serde_json::from_slice::<TerminalSize>(json) {
                    session.resize(size.width, size.height);
                }
                continue;
            }
            (Some(CLOSE), [STDIN]) if v5 => session.close_stdin(),
            _ => continue,
        };
        if let Some(exit) = send(&mut socket, streams, output).await {
            return finish(socket, ending.status(&exit)).await;
        }
    }
}

/// Sends what the session wrote on the streams the client asked for; returns the exit once there is one.
async fn send(socket: &mut Socket, streams: Streams, output: Output) -> Option<Exit> {
    for (stream, wanted, bytes) in [(STDOUT, streams.stdout, output.stdout), (STDERR, streams.stderr, output.stderr)] {
        if wanted && !bytes.is_empty() {
            let mut frame = Vec::with_capacity(bytes.len() + 1);
            frame.push(stream);
            frame.extend(bytes);
            if socket.send(Message::binary(frame)).await.is_err() {
                // The client is gone: nothing more to say to it.
                return Some(Exit::Code(0));
            }
        }
    }
    output.exit
}

/// Writes the Status on the error stream, closes normally, and waits briefly for the client to close too:
/// closing the TCP connection at once could reset it before the client has read the end of the output.
async fn finish(mut socket: Socket, status: Value) {
    let mut frame = vec![ERROR];
    frame.extend(serde_json::to_vec(&status).unwrap_or_default());
    let _ = socket.send(Message::binary(frame)).await;
    let _ = socket.close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() })).await;
    let _ = tokio::time::timeout(CLOSE_WAIT, async { while let Some(Ok(_)) = socket.next().await {} }).await;
}
