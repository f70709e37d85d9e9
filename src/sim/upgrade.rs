//! HTTP/1.1 connection upgrades (WebSocket, SPDY/3.1): what a client offered, the 101 that accepts it, and the
//! upgraded byte stream; knows nothing of Kubernetes.

use std::future::Future;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{HeaderMap, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};

use super::http::{self, Reply};

/// The byte stream hyper hands over after a 101.
pub type Stream = TokioIo<Upgraded>;
/// The server's end of an upgraded WebSocket connection.
pub type Socket = WebSocketStream<Stream>;

/// A request's offer to switch protocols, taken before its body is read.
pub struct Offer {
    headers: HeaderMap,
    on_upgrade: OnUpgrade,
}

impl Offer {
    /// Takes the pending upgrade of a request that names one in `Upgrade`; None for ordinary requests.
    pub fn take(req: &mut Request<Incoming>) -> Option<Offer> {
        req.headers()
            .contains_key(header::UPGRADE)
            .then(|| Offer { headers: req.headers().clone(), on_upgrade: hyper::upgrade::on(req) })
    }

    fn upgrade_is(&self, protocol: &str) -> bool {
        self.headers
            .get_all(header::UPGRADE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(protocol))
    }

    pub fn is_websocket(&self) -> bool {
        self.upgrade_is("websocket")
    }

    pub fn is_spdy(&self) -> bool {
        self.upgrade_is("SPDY/3.1")
    }

    /// Values of a header that may repeat or list several comma-separated values, in the client's order.
    fn list(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// `Sec-WebSocket-Protocol`: the subprotocols a WebSocket client offers.
    pub fn websocket_protocols(&self) -> Vec<String> {
        self.list("sec-websocket-protocol")
    }

    /// `X-Stream-Protocol-Version`: the streaming protocols a SPDY client offers.
    pub fn stream_protocols(&self) -> Vec<String> {
        self.list("x-stream-protocol-version")
    }

    /// The 101 that accepts a WebSocket speaking `protocol`, and the server side of the socket once hyper lets go of
    /// the connection (None when the client went away first). None when the offer lacks `Sec-WebSocket-Key`.
    pub fn accept_websocket(
        self,
        protocol: Option<&str>,
    ) -> Option<(Reply, impl Future<Output = Option<WebSocketStream<Stream>>> + Send + 'static)> {
        let accept = derive_accept_key(self.headers.get("sec-websocket-key")?.as_bytes());
        let mut reply = switching("websocket");
        set(&mut reply, "sec-websocket-accept", &accept);
        if let Some(p) = protocol {
            set(&mut reply, "sec-websocket-protocol", p);
        }
        let on_upgrade = self.on_upgrade;
        let socket = async move {
            let upgraded = on_upgrade.await.ok()?;
            Some(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await)
        };
        Some((reply, socket))
    }

    /// The first subprotocol the client offers that the server supports: the client's order decides, as in wsstream.
    pub fn choose(&self, supported: &[&'static str]) -> Option<&'static str> {
        self.websocket_protocols().iter().find_map(|p| supported.iter().copied().find(|s| s == p))
    }

    /// The 101 that accepts a WebSocket speaking `protocol`, with `session` run on the socket once hyper hands the
    /// connection over; None when the offer lacks `Sec-WebSocket-Key`.
    pub fn accept_session<F, Fut>(self, protocol: &'static str, session: F) -> Option<Reply>
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (reply, socket) = self.accept_websocket(Some(protocol))?;
        tokio::spawn(async move {
            match socket.await {
                Some(socket) => session(socket).await,
                None => tracing::debug!("the client went away before the upgrade completed"),
            }
        });
        Some(reply)
    }

    /// The 101 that accepts SPDY/3.1 for the streaming `protocol`, and the raw stream it then runs on.
    pub fn accept_spdy(self, protocol: &str) -> (Reply, impl Future<Output = Option<Stream>> + Send + 'static) {
        let mut reply = switching("SPDY/3.1");
        set(&mut reply, "x-stream-protocol-version", protocol);
        let on_upgrade = self.on_upgrade;
        (reply, async move { on_upgrade.await.ok().map(TokioIo::new) })
    }
}

/// A WebSocket's binary messages as one byte stream, message boundaries meaningless (how kubectl tunnels SPDY);
/// either side's end ends it, with a normal close, which the Go client reads as EOF.
pub fn byte_stream(ws: WebSocketStream<Stream>) -> DuplexStream {
    let (ours, theirs) = tokio::io::duplex(256 * 1024);
    tokio::spawn(async move {
        let (mut sink, mut source) = ws.split();
        let (mut rd, mut wr) = tokio::io::split(theirs);
        let inbound = async {
            while let Some(Ok(message)) = source.next().await {
                let bytes = match message {
                    Message::Binary(bytes) => bytes,
                    Message::Close(_) => break,
                    _ => continue,
                };
                if wr.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        };
        let outbound = async {
            let mut buf = BytesMut::with_capacity(64 * 1024);
            loop {
                buf.reserve(64 * 1024);
                match rd.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if sink.send(Message::Binary(buf.split().freeze())).await.is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = sink.send(Message::Close(Some(CloseFrame { code: CloseCode::Normal, reason: "".into() }))).await;
            // After a close the client started, the send fails; closing still flushes tungstenite's queued reply.
            let _ = sink.close().await;
        };
        tokio::join!(inbound, outbound);
    });
    ours
}

fn switching(protocol: &str) -> Reply {
    let mut reply = Response::new(http::full(Vec::new()));
    *reply.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    set(&mut reply, "connection", "Upgrade");
    set(&mut reply, "upgrade", protocol);
    reply
}

fn set(reply: &mut Reply, name: &'static str, value: &str) {
    if let Ok(v) = header::HeaderValue::from_str(value) {
        reply.headers_mut().insert(name, v);
    }
}
