//! The kubelet's SPDY port-forward server: an error and a data stream per forwarded connection, paired by
//! `requestID`, each pair carried to the pod's port; the same over a plain SPDY upgrade or a WebSocket tunnel.

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::pipe::{self, ToPod};
use crate::sim::podnet::Pod;
use crate::sim::spdy::{self, CANCEL, Deflater, FIN, Frame, Headers, Inflater};

/// Frames queued for the writer; a full queue slows the pods' readers, not memory.
const QUEUE: usize = 256;
/// What one data stream buffers before the connection's reader waits for the pod.
const DATA_QUEUE: usize = 64;

/// One forwarded connection whose streams are still arriving.
#[derive(Default)]
struct Pair {
    data: Option<(u32, u16, mpsc::Receiver<ToPod>)>,
    error: Option<u32>,
}

struct Session {
    pod: Pod,
    frames: mpsc::Sender<Frame>,
    /// Data streams still open from the client's side.
    to_pod: HashMap<u32, mpsc::Sender<ToPod>>,
    pairs: HashMap<String, Pair>,
    forwards: JoinSet<()>,
}

/// Serves one SPDY connection until the client goes away (GOAWAY, EOF or a broken frame).
pub async fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(io: S, pod: Pod) {
    let (mut rd, wr) = tokio::io::split(io);
    let (frames, queued) = mpsc::channel(QUEUE);
    let writer = tokio::spawn(write_frames(wr, queued));
    let mut session = Session { pod, frames, to_pod: HashMap::new(), pairs: HashMap::new(), forwards: JoinSet::new() };
    let mut inflate = Inflater::default();
    let mut buf = BytesMut::with_capacity(64 * 1024);
    'read: loop {
        loop {
            match spdy::decode(&mut buf, &mut inflate) {
                Ok(Some(frame)) => {
                    if !session.on_frame(frame).await {
                        break 'read;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!("port-forward connection: {e}");
                    break 'read;
                }
            }
        }
        buf.reserve(64 * 1024);
        match rd.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // The connection is gone: so are its forwarded connections (dropping the set aborts them).
    drop(session);
    let _ = writer.await;
}

/// Encodes frames in the order they were queued (header blocks share one zlib stream) and writes them out.
async fn write_frames<W: AsyncWrite + Unpin>(mut wr: W, mut queued: mpsc::Receiver<Frame>) {
    let Ok(mut deflate) = Deflater::new() else { return };
    let mut out = BytesMut::new();
    while let Some(frame) = queued.recv().await {
        out.clear();
        let mut next = Some(frame);
        // Frames already waiting go out in the same write.
        while let Some(frame) = next {
            if spdy::encode(&frame, &mut deflate, &mut out).is_err() {
                return;
            }
            next = if out.len() < 256 * 1024 { queued.try_recv().ok() } else { None };
        }
        if wr.write_all(&out).await.is_err() || wr.flush().await.is_err() {
            return;
        }
    }
    let _ = wr.shutdown().await;
}

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

impl Session {
    /// Handles one frame from the client; false ends the connection.
    async fn on_frame(&mut self, frame: Frame) -> bool {
        match frame {
            Frame::SynStream { stream, headers, .. } => self.open(stream, &headers).await,
            Frame::Data { stream, flags, data } => {
                if let Some(tx) = self.to_pod.get(&stream) {
                    // A pod that stopped reading has dropped its receiver; what the client sends then is dropped too.
                    if !data.is_empty() && tx.send(ToPod::Data(data)).await.is_err() {
                        self.to_pod.remove(&stream);
                    }
                }
                if flags & FIN != 0 {
                    self.to_pod.remove(&stream);
                }
            }
            Frame::RstStream { stream, .. } => {
                if let Some(tx) = self.to_pod.remove(&stream) {
                    // If the queue is full the sender's drop still ends the pod's input.
                    let _ = tx.try_send(ToPod::Reset);
                }
            }
            // Pings the client started (odd ids) are answered; spdystream sends one every few seconds.
            Frame::Ping { id } if id % 2 == 1 => self.send(Frame::Ping { id }).await,
            Frame::GoAway { .. } => return false,
            // The kubelet's spdystream keeps no flow-control windows and reads no settings; neither does the sim.
            _ => {}
        }
        true
    }

    async fn send(&self, frame: Frame) {
        let _ = self.frames.send(frame).await;
    }

    /// A new stream: accepted when it names a port and a stream type, then paired with its sibling.
    async fn open(&mut self, stream: u32, headers: &Headers) {
        let port = header(headers, "port").and_then(|p| p.parse::<u16>().ok()).filter(|p| *p > 0);
        let kind = header(headers, "streamtype");
        let (Some(port), Some(kind @ ("error" | "data"))) = (port, kind) else {
            self.send(Frame::RstStream { stream, status: CANCEL }).await;
            return;
        };
        // Clients older than request ids send error then data streams back to back: pair them by stream id.
        let request = match header(headers, "requestid") {
            Some(id) if !id.is_empty() => id.to_string(),
            _ if kind == "error" => stream.to_string(),
            _ => stream.saturating_sub(2).to_string(),
        };
        let pair = self.pairs.entry(request.clone()).or_default();
        let duplicate = if kind == "data" { pair.data.is_some() } else { pair.error.is_some() };
        if duplicate {
            self.send(Frame::RstStream { stream, status: CANCEL }).await;
            return;
        }
        if kind == "data" {
            let (tx, rx) = mpsc::channel(DATA_QUEUE);
            self.to_pod.insert(stream, tx);
            pair.data = Some((stream, port, rx));
        } else {
            pair.error = Some(stream);
        }
        let complete = pair.data.is_some() && pair.error.is_some();
        self.send(Frame::SynReply { stream, flags: 0, headers: Vec::new() }).await;
        if !complete {
            return;
        }
        if let Some(Pair { data: Some((data, port, rx)), error: Some(error) }) = self.pairs.remove(&request) {
            self.forwards.spawn(forward(self.pod.clone(), port, data, error, rx, self.frames.clone()));
        }
    }
}

/// One forwarded connection: to the pod's port, or the runtime's refusal on the error stream; then both streams end.
async fn forward(pod: Pod, port: u16, data: u32, error: u32, rx: mpsc::Receiver<ToPod>, frames: mpsc::Sender<Frame>) {
    match pod.connect(port) {
        Ok(conn) => {
            pipe::run(conn, rx, frames.clone(), |bytes| Frame::Data { stream: data, flags: 0, data: bytes }).await
        }
        Err(why) => {
            let message = super::forward_error(&pod, port, &why);
            let _ = frames.send(Frame::Data { stream: error, flags: 0, data: Bytes::from(message) }).await;
        }
    }
    for stream in [data, error] {
        let _ = frames.send(Frame::Data { stream, flags: FIN, data: Bytes::new() }).await;
    }
}
