//! HTTP plumbing shared by the handlers: the body type, query parsing, Accept negotiation, JSON/Status responses.

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::Frame;
use hyper::{Response, StatusCode, header};
use serde_json::Value;
use tokio::sync::mpsc;

use super::error::ApiError;

pub type Body = UnsyncBoxBody<Bytes, Infallible>;
pub type Reply = Response<Body>;

pub const JSON: &str = "application/json";

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed_unsync()
}

/// A body fed line by line from a channel; ends when the sender is dropped.
pub fn streaming(rx: mpsc::Receiver<Bytes>) -> Body {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (Ok::<_, Infallible>(Frame::data(chunk)), rx))
    });
    StreamBody::new(stream.boxed()).boxed_unsync()
}

pub fn respond(code: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

pub fn json(code: u16, value: &Value) -> Reply {
    respond(code, JSON, serde_json::to_vec(value).unwrap_or_default())
}

pub fn error(e: &ApiError) -> Reply {
    json(e.code, &e.status())
}

/// Query parameters; kube-rs sends `?&limit=500`, so empty pairs are skipped. Later duplicates win for [`Query::get`];
/// [`Query::all`] keeps every value in order (exec's repeated `command`).
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: &str) -> Self {
        Query(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter, in request order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// `true`/`1` (and a bare flag) count as set.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1" | ""))
    }

    pub fn dry_run(&self) -> bool {
        self.get("dryRun") == Some("All")
    }

    /// A non-negative integer parameter; a malformed one is a 400, never silently ignored.
    pub fn number(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(|n| Some(n as u64)).ok_or_else(|| {
                ApiError::bad_request(format!("invalid value for {key}: \"{v}\": must be a non-negative integer"))
            }),
        }
    }
}

/// Decodes `%XX` escapes and `+` (as space); invalid escapes are kept verbatim.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// What the client wants back, decided by the first acceptable media range (as client-go does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Json,
    Table,
    DiscoveryV2,
    DiscoveryV2Beta1,
}

pub fn negotiate(accept: Option<&str>) -> Wanted {
    let Some(accept) = accept else { return Wanted::Json };
    for range in accept.split(',') {
        let params: Vec<&str> = range.split(';').map(str::trim).collect();
        let has = |p: &str| params.iter().any(|x| x.eq_ignore_ascii_case(p));
        if has("as=Table") && has("g=meta.k8s.io") {
            return Wanted::Table;
        }
        if has("as=APIGroupDiscoveryList") && has("g=apidiscovery.k8s.io") {
            if has("v=v2") {
                return Wanted::DiscoveryV2;
            }
            if has("v=v2beta1") {
                return Wanted::DiscoveryV2Beta1;
            }
        }
        let media = params.first().copied().unwrap_or_default();
        if matches!(
            media,
            "application/json" | "*/*" | "application/*" | "application/vnd.kubernetes.protobuf" | "application/yaml"
        ) {
            return Wanted::Json;
        }
    }
    Wanted::Json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_skips_empty_pairs_and_decodes() {
        let q = Query::parse("&limit=500&labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1&fieldSelector=a%3D%5Cx");
        assert_eq!(q.get("limit"), Some("500"));
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("fieldSelector"), Some("a=\\x"));
        let exec = Query::parse("command=sh&command=-c&command=exit+3&limit=1&limit=2");
        assert_eq!(exec.all("command"), ["sh", "-c", "exit 3"]);
        assert_eq!(exec.get("limit"), Some("2"));
        assert!(Query::parse("limit=-1").number("limit").is_err());
        assert_eq!(Query::parse("limit=5").number("limit").unwrap(), Some(5));
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn accept_negotiation_follows_client_go_order() {
        let table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(negotiate(Some(table)), Wanted::Table);
        let disco = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(negotiate(Some(disco)), Wanted::DiscoveryV2);
        assert_eq!(
            negotiate(Some(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            )),
            Wanted::DiscoveryV2Beta1
        );
        assert_eq!(negotiate(Some("application/vnd.kubernetes.protobuf,application/json")), Wanted::Json);
        assert_eq!(negotiate(None), Wanted::Json);
    }
}
