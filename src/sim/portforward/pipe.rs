//! One forwarded connection's bytes, both ways, between a client's stream and the pod's socket.

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

/// The largest piece read from the pod at once (one DATA frame or WebSocket message).
const CHUNK: usize = 32 * 1024;

/// What the client sent on a connection's data stream.
pub enum ToPod {
    Data(Bytes),
    /// The client reset the stream: drop the connection without waiting for the pod.
    Reset,
}

/// Writes what the client sends into the pod and sends what the pod writes out through `out` (each piece wrapped by
/// `wrap`), until the pod closes its side or the client resets. The client's end of data (the channel closing)
/// half-closes the pod's side, as a TCP FIN would, and the pod still gets to answer.
pub async fn run<T>(
    conn: DuplexStream,
    mut from_client: mpsc::Receiver<ToPod>,
    out: mpsc::Sender<T>,
    wrap: impl Fn(Bytes) -> T,
) {
    let (mut rd, mut wr) = tokio::io::split(conn);
    let down = async {
        let mut buf = BytesMut::with_capacity(CHUNK);
        loop {
            buf.reserve(CHUNK);
            match rd.read_buf(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if out.send(wrap(buf.split().freeze())).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    let up = async {
        while let Some(message) = from_client.recv().await {
            match message {
                ToPod::Data(bytes) => {
                    if wr.write_all(&bytes).await.is_err() {
                        return false;
                    }
                }
                ToPod::Reset => return true,
            }
        }
        let _ = wr.shutdown().await;
        false
    };
    tokio::pin!(down, up);
    tokio::select! {
        () = &mut down => {}
        reset = &mut up => {
            if !reset {
                down.await;
            }
        }
    }
}
