//! The HTTP servers inside the sim's pods: the DCGM exporter's `/metrics`, a model server's health and model list,
//! and a plain server (a line naming the pod, `/echo`, `/bytes?n=`) on any other declared port; deterministic.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode, header};
use serde_json::json;

use crate::sim::object::Stored;
use crate::sim::world::World;
use crate::sim::{clock, dcgm, http};

/// Response bodies of the pods' servers: echoes stream the request body, so errors are hyper's.
type Body = UnsyncBoxBody<Bytes, hyper::Error>;

/// `/bytes` streams in pieces of this size, so a 100 MB answer never sits in memory whole.
const CHUNK: usize = 64 * 1024;

/// The server behind one declared port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    DcgmExporter,
    ModelServer,
    Plain,
}

/// What a handler may read: the world (for live metrics) and the pod as it was when the connection opened.
#[derive(Clone)]
pub struct Context {
    pub world: Arc<World>,
    pub pod: Arc<Stored>,
    pub port: u16,
}

/// Images whose `http` port speaks a model server's API (OpenAI-style `/v1/models`, Triton's `/v2/health`).
const MODEL_SERVERS: [&str; 4] = ["llm-server", "vllm", "tritonserver", "triton"];

impl App {
    /// The app on `port` of `pod`, if its spec declares the port.
    pub fn of(pod: &Stored, port: u16) -> Option<App> {
        let name = super::port_name(pod, port)?;
        if dcgm::is_exporter(pod) && port == dcgm::PORT {
            return Some(App::DcgmExporter);
        }
        let value = pod.value();
        let image = value["spec"]["containers"][0]["image"].as_str().unwrap_or_default();
        if name == "http" && MODEL_SERVERS.iter().any(|m| image.contains(m)) {
            return Some(App::ModelServer);
        }
        Some(App::Plain)
    }
}

pub async fn answer(app: App, ctx: Context, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_string();
    let reply = match (app, req.method(), path.as_str()) {
        (App::DcgmExporter, &Method::GET, "/metrics") => {
            text(200, dcgm::CONTENT_TYPE, dcgm::exporter_text(&ctx.world, &ctx.pod))
        }
        (App::ModelServer, &Method::GET, "/health") => json_reply(&json!({"status": "ok"})),
        // Triton answers readiness and liveness with an empty 200.
        (App::ModelServer, &Method::GET, "/v2/health/ready" | "/v2/health/live") => text(200, "text/plain", ""),
        (App::ModelServer, &Method::GET, "/v1/models") => json_reply(&models(&ctx.pod)),
        (App::Plain, &Method::GET, "/") => {
            let (ns, name) =
                (ctx.pod.value()["metadata"]["namespace"].clone(), ctx.pod.value()["metadata"]["name"].clone());
            let line = format!(
                "pod {}/{} port {}\n",
                ns.as_str().unwrap_or_default(),
                name.as_str().unwrap_or_default(),
                ctx.port
            );
            text(200, "text/plain; charset=utf-8", line)
        }
        (App::Plain, &Method::POST, "/echo") => echo(req),
        (App::Plain, &Method::GET, "/bytes") => {
            match http::Query::parse(req.uri().query().unwrap_or_default()).number("n") {
                Ok(n) => bytes(n.unwrap_or(0)),
                Err(_) => text(400, "text/plain; charset=utf-8", "n must be a non-negative integer\n"),
            }
        }
        // Go's net/http answers an unknown path so; the exporter and most model servers are Go or behave alike.
        _ => text(404, "text/plain; charset=utf-8", "404 page not found\n"),
    };
    Ok(reply)
}

/// The OpenAI-style model list: one model named after the workload (the pod's `app` label).
fn models(pod: &Stored) -> serde_json::Value {
    let value = pod.value();
    let id = pod
        .labels
        .get("app")
        .cloned()
        .unwrap_or_else(|| value["metadata"]["name"].as_str().unwrap_or_default().to_string());
    let created = value["metadata"]["creationTimestamp"].as_str().and_then(clock::parse_rfc3339).unwrap_or(0.0) as i64;
    json!({"object": "list", "data": [{"id": id, "object": "model", "created": created, "owned_by": "gpudeck-sim"}]})
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

fn text(code: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

fn json_reply(value: &serde_json::Value) -> Response<Body> {
    text(200, http::JSON, serde_json::to_vec(value).unwrap_or_default())
}

/// The request body, streamed straight back (with its length when the client gave one).
fn echo(req: Request<Incoming>) -> Response<Body> {
    let length = req.headers().get(header::CONTENT_LENGTH).cloned();
    let mut resp = Response::new(req.into_body().boxed_unsync());
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/octet-stream"));
    if let Some(length) = length {
        resp.headers_mut().insert(header::CONTENT_LENGTH, length);
    }
    resp
}

/// Byte `i` of a `/bytes` answer, so a client can check every byte it got.
pub fn pattern(i: u64) -> u8 {
    (i % 251) as u8
}

/// `n` bytes of `pattern`, in `CHUNK` pieces.
fn bytes(n: u64) -> Response<Body> {
    let chunks = futures_util::stream::unfold(0u64, move |sent| async move {
        (sent < n).then(|| {
            let len = (n - sent).min(CHUNK as u64);
            let piece: Vec<u8> = (sent..sent + len).map(pattern).collect();
            (Ok::<_, hyper::Error>(Frame::data(Bytes::from(piece))), sent + len)
        })
    });
    let mut resp = Response::new(StreamBody::new(chunks.boxed()).boxed_unsync());
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(header::CONTENT_LENGTH, header::HeaderValue::from(n));
    resp
}
