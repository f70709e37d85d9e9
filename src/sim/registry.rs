//! The demo's read-only container registries: one plain-HTTP Distribution API per registry the demo's images name
//! (ghcr.io, nvcr.io, quay.io, registry.k8s.io), seeded from `images::CATALOG` with OCI manifests, multi-arch indexes and configs, so the
//! images pane and the pull checks work with no setup. The tag the ImagePullBackOff pod wants is not there.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::http::{Query, Reply, json as reply_json, respond};
use super::images::CATALOG;
use super::rng;
use crate::model::registry::sha256_digest;

const INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// One registry's content: repositories with their tags, manifests by tag and digest, config blobs by digest.
#[derive(Default)]
pub struct Content {
    tags: BTreeMap<String, Vec<String>>,
    manifests: HashMap<(String, String), (&'static str, Vec<u8>)>,
    blobs: HashMap<String, Vec<u8>>,
}

impl Content {
    /// The repositories of `CATALOG` under `host`, named without it (`acme-ml/web`).
    pub fn seeded(host: &str) -> Content {
        let mut content = Content::default();
        for (image, tags) in CATALOG {
            let Some(repository) = image.strip_prefix(host).and_then(|r| r.strip_prefix('/')) else { continue };
            for (i, tag) in tags.iter().enumerate() {
                content.add(repository, tag, i, tags.len());
            }
        }
        content
    }

    /// Adds `repository:tag`, the `nth` of its `count` tags (older tags were built earlier). GPU frameworks are
    /// built for amd64 and arm64 (Grace Hopper nodes); the rest for amd64 only.
    fn add(&mut self, repository: &str, tag: &str, nth: usize, count: usize) {
        let multi =
            ["pytorch", "tritonserver", "llm-server", "kube-proxy", "coredns"].iter().any(|m| repository.ends_with(m));
        let arches: &[&str] = if multi { &["amd64", "arm64"] } else { &["amd64"] };
        // Built a few days apart, the newest a week ago (counted in whole days, so every seeding agrees).
        let today = super::clock::now() / 86_400 * 86_400 + 9 * 3600;
        let age_days = (count - nth) as i64 * 5 + 2;
        let created = super::clock::rfc3339(today - age_days * 86_400);
        let source = format!("{repository}:{tag}");
        let commit = format!(
            "{:016x}{:016x}{:08x}",
            rng::mix(rng::hash(&source)),
            rng::mix(rng::hash(&source) ^ 1),
            rng::mix(rng::hash(tag)) as u32
        );
        let mut entries = Vec::new();
        for arch in arches {
            let seed = rng::hash(&format!("{repository}:{tag}:{arch}"));
            let name = repository.rsplit('/').next().unwrap_or(repository);
            let config = serde_json::to_vec(&json!({
                "created": created,
                "architecture": arch,
                "os": "linux",
                "config": {
                    "Entrypoint": [format!("/opt/{name}/bin/serve")],
                    "Cmd": ["--port", "8080"],
                    // What a CI build stamps on its image: the commit it built, where the source is, when.
                    "Labels": {
                        "org.opencontainers.image.title": name,
                        "org.opencontainers.image.version": tag,
                        "org.opencontainers.image.source": format!("https://github.com/example/{name}"),
                        "org.opencontainers.image.revision": commit,
                        "org.opencontainers.image.created": created,
                    },
                },
                "rootfs": {"type": "layers", "diff_ids": []},
            }))
            .unwrap_or_default();
            let config_digest = sha256_digest(&config);
            // Framework images run to gigabytes; services to a few hundred megabytes.
            let scale: u64 = if repository.starts_with("nvidia/") { 1 << 30 } else { 48 << 20 };
            let layers: Vec<_> = (0..4u64)
                .map(|l| {
                    let size = scale / (l + 1) + rng::mix(seed ^ l) % (scale / 8);
                    json!({"mediaType": LAYER, "digest": format!("sha256:{:064x}", u128::from(rng::mix(seed + l))), "size": size})
                })
                .collect();
            let manifest = serde_json::to_vec(&json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": {"mediaType": CONFIG, "digest": config_digest, "size": config.len()},
                "layers": layers,
            }))
            .unwrap_or_default();
            let digest = sha256_digest(&manifest);
            entries.push(json!({"mediaType": MANIFEST, "digest": digest, "size": manifest.len(),
                "platform": {"architecture": arch, "os": "linux"}}));
            self.blobs.insert(config_digest, config);
            if !multi {
                self.manifests.insert((repository.into(), tag.into()), (MANIFEST, manifest.clone()));
            }
            self.manifests.insert((repository.into(), digest), (MANIFEST, manifest));
        }
        if multi {
            let index = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}))
                .unwrap_or_default();
            self.manifests.insert((repository.into(), sha256_digest(&index)), (INDEX, index.clone()));
            self.manifests.insert((repository.into(), tag.into()), (INDEX, index));
        }
        self.tags.entry(repository.into()).or_default().push(tag.into());
    }

    /// The digest `repository:tag` resolves to (an index for multi-arch images), as a kubelet reports in `imageID`.
    pub fn digest(&self, repository: &str, tag: &str) -> Option<String> {
        self.manifests.get(&(repository.to_string(), tag.to_string())).map(|(_, body)| sha256_digest(body))
    }

    fn handle(&self, method: &Method, path: &str, query: &str, accept: &str) -> Reply {
        if method != Method::GET && method != Method::HEAD {
            return error(405, "UNSUPPORTED", "the demo registry is read-only");
        }
        let Some(rest) = path.strip_prefix("/v2/") else { return error(404, "NOT_FOUND", "not a registry path") };
        if rest.is_empty() {
            return reply_json(200, &json!({}));
        }
        if rest == "_catalog" {
            let names: Vec<&String> = self.tags.keys().collect();
            return paged(&names, query, "/v2/_catalog", |page| json!({"repositories": page}));
        }
        if let Some(name) = rest.strip_suffix("/tags/list") {
            let Some(tags) = self.tags.get(name) else { return unknown_name(name) };
            let tags: Vec<&String> = tags.iter().collect();
            return paged(&tags, query, &format!("/v2/{name}/tags/list"), |page| json!({"name": name, "tags": page}));
        }
        if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
            if !self.tags.contains_key(name) {
                return unknown_name(name);
            }
            return match self.manifests.get(&(name.to_string(), reference.to_string())) {
                // Like the reference server: OCI content only for clients that accept it.
                Some((media_type, body)) if accept.contains(media_type) => {
                    let mut reply =
                        respond(200, media_type, if method == Method::HEAD { Vec::new() } else { body.clone() });
                    if let Ok(v) = sha256_digest(body).parse() {
                        reply.headers_mut().insert("docker-content-digest", v);
                    }
                    reply
                }
                Some(_) => error(
                    404,
                    "MANIFEST_UNKNOWN",
                    "OCI manifest found, but accept header does not support OCI manifests",
                ),
                None => error(404, "MANIFEST_UNKNOWN", &format!("manifest unknown: {reference}")),
            };
        }
        if let Some((name, digest)) = rest.rsplit_once("/blobs/") {
            return match self.blobs.get(digest) {
                Some(body) if self.tags.contains_key(name) => respond(200, "application/octet-stream", body.clone()),
                _ => error(404, "BLOB_UNKNOWN", "blob unknown to registry"),
            };
        }
        error(404, "NOT_FOUND", "not a registry path")
    }
}

/// A page of `items` after `last`, `n` long, with a `Link` to the next one (as Docker Hub pages tags).
fn paged(items: &[&String], query: &str, path: &str, body: impl Fn(&[&String]) -> serde_json::Value) -> Reply {
    let query = Query::parse(query);
    let start = query.get("last").map_or(0, |last| items.partition_point(|i| i.as_str() <= last));
    let n = query.get("n").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1000).min(1000);
    let page = &items[start.min(items.len())..(start + n).min(items.len())];
    let mut reply = reply_json(200, &body(page));
    if start + n < items.len() {
        if let Some(last) = page.last() {
            if let Ok(v) = format!("<{path}?last={last}&n={n}>; rel=\"next\"").parse() {
                reply.headers_mut().insert("link", v);
            }
        }
    }
    reply
}

fn error(code: u16, kind: &str, message: &str) -> Reply {
    reply_json(code, &json!({"errors": [{"code": kind, "message": message}]}))
}

fn unknown_name(name: &str) -> Reply {
    error(404, "NAME_UNKNOWN", &format!("repository name not known to registry: {name}"))
}

/// The registry hosts the demo's images name, each served from its own loopback port.
pub const HOSTS: [&str; 4] = ["ghcr.io", "nvcr.io", "quay.io", "registry.k8s.io"];

/// Starts one registry per host; answers `(host, base URL)` pairs and the serving tasks.
pub async fn start(
    shutdown: &watch::Receiver<bool>,
) -> anyhow::Result<(Vec<(String, String)>, Vec<tokio::task::JoinHandle<()>>)> {
    let mut served = Vec::new();
    let mut tasks = Vec::new();
    for host in HOSTS {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        served.push((host.to_string(), format!("http://{}", listener.local_addr()?)));
        tasks.push(tokio::spawn(serve(Arc::new(Content::seeded(host)), listener, shutdown.clone())));
    }
    Ok((served, tasks))
}

async fn serve(content: Arc<Content>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let content = content.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let accept = req.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                        let reply = content.handle(req.method(), req.uri().path(), req.uri().query().unwrap_or_default(), &accept);
                        async move { Ok::<_, Infallible>(reply) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
            _ = shutdown.changed() => {
                connections.abort_all();
                return;
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// The digest the demo registry serves for `image`, for the kubelet's `imageID`.
pub fn digest_of(image: &str) -> Option<String> {
    static DIGESTS: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    let digests = DIGESTS.get_or_init(|| {
        let mut digests = HashMap::new();
        for host in HOSTS {
            let content = Content::seeded(host);
            for (repository, tags) in &content.tags {
                for tag in tags {
                    if let Some(digest) = content.digest(repository, tag) {
                        digests.insert(format!("{host}/{repository}:{tag}"), digest);
                    }
                }
            }
        }
        digests
    });
    let (repository, tag) = super::images::split(image);
    digests.get(&format!("{repository}:{tag}")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(reply: Reply) -> (u16, serde_json::Value) {
        use http_body_util::BodyExt;
        let status = reply.status().as_u16();
        let bytes = reply.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn serves_the_demo_catalog_without_the_missing_tag() {
        let ghcr = Content::seeded("ghcr.io");
        let (status, catalog) = body(ghcr.handle(&Method::GET, "/v2/_catalog", "n=2", "")).await;
        assert_eq!((status, catalog["repositories"].as_array().map(Vec::len)), (200, Some(2)));
        let (_, tags) = body(ghcr.handle(&Method::GET, "/v2/acme-ml/reranker/tags/list", "", "")).await;
        assert_eq!(tags["tags"], json!(["2.3.0", "2.4.0"]), "2.4.1 is what the failing pod wants");
        let accept = crate::model::registry::MANIFEST_ACCEPT;
        let (status, index) =
            body(ghcr.handle(&Method::GET, "/v2/acme-ml/llm-server/manifests/1.9.1", "", accept)).await;
        assert_eq!((status, index["manifests"].as_array().map(Vec::len)), (200, Some(2)));
        let (status, _) = body(ghcr.handle(&Method::GET, "/v2/acme-ml/llm-server/manifests/1.9.1", "", "")).await;
        assert_eq!(status, 404, "OCI content needs an Accept that names it");
        assert_eq!(body(ghcr.handle(&Method::PUT, "/v2/x/manifests/y", "", "")).await.0, 405);
        assert!(digest_of("ghcr.io/acme-ml/web:5.2.1").is_some_and(|d| d.starts_with("sha256:")));
        assert_eq!(digest_of("ghcr.io/acme-ml/reranker:2.4.1"), None);
    }
}
