//! HTTP upgrades of API requests (exec, attach, port-forward): which upgrade a request asks for, the WebSocket
//! handshake's 101 reply, and the upgraded socket handed to a session task; no Kubernetes semantics.

use std::future::Future;

use hyper::body::Incoming;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::http::{self, Reply};

/// The server's end of an upgraded WebSocket connection.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// What a request asks to be upgraded to.
#[derive(Debug, Default)]
pub enum Upgrade {
    /// A plain request.
    #[default]
    None,
    WebSocket(WebSocketRequest),
    /// Another protocol, by its `Upgrade` header (`SPDY/3.1`, which kubectl falls back to).
    Other(String),
}

/// A WebSocket upgrade not yet answered: its handshake key, the subprotocols offered, and the connection to come.
#[derive(Debug)]
pub struct WebSocketRequest {
    key: String,
    protocols: Vec<String>,
    on_upgrade: OnUpgrade,
}

/// Reads the upgrade a request asks for; for a WebSocket it takes hyper's handle on the connection, so call it
/// before the body is consumed.
pub fn take(req: &mut Request<Incoming>) -> Upgrade {
    let text = |name: header::HeaderName| {
        req.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",")
    };
    let upgrade = text(header::UPGRADE);
    // `Connection: keep-alive, Upgrade` is as valid as `Connection: Upgrade` (wsstream matches it the same way).
    let connection_upgrade = text(header::CONNECTION).split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if upgrade.is_empty() || !connection_upgrade {
        return Upgrade::None;
    }
    let key = text(header::SEC_WEBSOCKET_KEY);
    if !upgrade.eq_ignore_ascii_case("websocket") || key.is_empty() {
        return Upgrade::Other(upgrade);
    }
    // kube-rs sends one comma-separated header, gorilla (kubectl) may send several: both read the same.
    let protocols = text(header::SEC_WEBSOCKET_PROTOCOL)
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    Upgrade::WebSocket(WebSocketRequest { key, protocols, on_upgrade: hyper::upgrade::on(req) })
}

impl WebSocketRequest {
    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> &[String] {
        &self.protocols
    }

    /// The first protocol the client offers that the server supports: the client's order decides, as in wsstream.
    pub fn choose(&self, supported: &[&'static str]) -> Option<&'static str> {
        self.protocols.iter().find_map(|p| supported.iter().copied().find(|s| s == p))
    }

    /// Answers 101 Switching Protocols with `protocol`, and runs `session` on the socket once hyper hands the
    /// connection over (after the reply is written; the connection needs `with_upgrades`).
    pub fn accept<F, Fut>(self, protocol: &'static str, session: F) -> Reply
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = derive_accept_key(self.key.as_bytes());
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    session(WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await).await
                }
                Err(e) => tracing::debug!("upgrade did not complete: {e}"),
            }
        });
        let mut resp = Response::new(http::full(Vec::new()));
        *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = resp.headers_mut();
        headers.insert(header::UPGRADE, header::HeaderValue::from_static("websocket"));
        headers.insert(header::CONNECTION, header::HeaderValue::from_static("Upgrade"));
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, header::HeaderValue::from_static(protocol));
        if let Ok(v) = header::HeaderValue::from_str(&accept) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, v);
        }
        resp
    }
}
