//! The kubelet's WebSocket port-forward (`v4.channel.k8s.io`, what kube-rs speaks): per requested port a data
//! channel 2i and an error channel 2i+1, each opened with the port's two little-endian bytes; one connection per port.

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::pipe::{self, ToPod};
use crate::sim::podnet::Pod;
use crate::sim::upgrade::Stream;

/// A message for channel `channel`: its number, then the bytes.
fn on_channel(channel: u8, bytes: &[u8]) -> Message {
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.push(channel);
    out.extend_from_slice(bytes);
    Message::binary(out)
}

/// Serves the socket until every port's connection has ended or the client closes it.
pub async fn serve(ws: WebSocketStream<Stream>, pod: Pod, ports: Vec<u16>) {
    let (mut sink, mut source) = ws.split();
    let (out, mut queued) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(message) = queued.recv().await {
            if sink.send(message).await.is_err() {
                return;
            }
        }
        let _ = sink.send(Message::Close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() }))).await;
        // After a close the client started, the send fails; closing still flushes tungstenite's queued reply.
        let _ = sink.close().await;
    });
    let mut to_pod: Vec<Option<mpsc::Sender<ToPod>>> = Vec::with_capacity(ports.len());
    let mut forwards = JoinSet::new();
    for (i, port) in ports.iter().enumerate() {
        let (data, error) = ((2 * i) as u8, (2 * i + 1) as u8);
        for channel in [data, error] {
            let _ = out.send(on_channel(channel, &port.to_le_bytes())).await;
        }
        match pod.connect(*port) {
            Ok(conn) => {
                let (tx, rx) = mpsc::channel(64);
                to_pod.push(Some(tx));
                forwards.spawn(pipe::run(conn, rx, out.clone(), move |bytes| on_channel(data, &bytes)));
            }
            Err(why) => {
                to_pod.push(None);
                let _ = out.send(on_channel(error, super::forward_error(&pod, *port, &why).as_bytes())).await;
            }
        }
    }
    loop {
        tokio::select! {
            message = source.next() => match message {
                Some(Ok(Message::Binary(bytes))) if bytes.len() > 1 => {
                    // Only data channels carry bytes to the pod; the error channels are the server's to write.
                    let channel = usize::from(bytes[0]);
                    if channel % 2 == 0
                        && let Some(Some(tx)) = to_pod.get(channel / 2)
                        && tx.send(ToPod::Data(bytes.slice(1..))).await.is_err()
                    {
                        to_pod[channel / 2] = None;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            // Every pod connection ended: the kubelet then closes the socket.
            done = forwards.join_next() => if done.is_none() { break },
        }
    }
    // The client's end of input reaches each pod as EOF; what the pods still send goes out before the close.
    to_pod.clear();
    while forwards.join_next().await.is_some() {}
    drop(out);
    let _ = writer.await;
}
