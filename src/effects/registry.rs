//! Registry requests: where each registry is, credentials and bearer tokens, at most 8 requests in flight,
//! bounded retries of 429 and 5xx, and a short-lived cache of answers. What is asked lives in `registry/ops`.

mod auth;
pub mod ops;

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, LINK, RETRY_AFTER, WWW_AUTHENTICATE};
use tokio::sync::Semaphore;

use crate::event::Data;
use crate::model::registry::credentials::registry_key;
use crate::model::registry::{Challenge, DOCKER_HUB, DOCKER_HUB_API, RegistryError, error_body};

/// Requests in flight across every registry: enough to fill a slow link, few enough not to trip rate limits.
pub const IN_FLIGHT: usize = 8;
/// How long an answer is reused: browsing back and forth asks once, a retry after a push sees it soon.
pub const CACHE_FOR: Duration = Duration::from_secs(30);
/// Tries of a request that got 429, a 5xx or no connection.
pub const ATTEMPTS: u32 = 3;
const CACHE_ENTRIES: usize = 8192;
const CACHE_BYTES: usize = 64 << 20;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the registries are and how to log in to them.
#[derive(Debug, Clone)]
pub struct RegistrySettings {
    /// Registries to browse (`--registry URL`, the config file): `http://127.0.0.1:5000`, `https://r.example`.
    pub registries: Vec<String>,
    /// Registry name → base URL that serves it (a pull-through mirror; the demo's own registry).
    pub mirrors: BTreeMap<String, String>,
    /// The docker config directory (`$DOCKER_CONFIG`, else `~/.docker`).
    pub docker_config: Option<PathBuf>,
    /// Where `docker-credential-*` helpers are looked up (`$PATH` when None).
    pub helper_path: Option<OsString>,
    /// The first retry's pause; later ones double it.
    pub backoff: Duration,
    /// Repositories asked for per catalog page (the reference server refuses more than 1000).
    pub catalog_page: usize,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            registries: Vec::new(),
            mirrors: BTreeMap::new(),
            docker_config: None,
            helper_path: None,
            backoff: Duration::from_millis(250),
            catalog_page: 1000,
        }
    }
}

impl RegistrySettings {
    /// Settings from the environment: `$DOCKER_CONFIG` or `~/.docker`.
    pub fn from_env() -> RegistrySettings {
        let docker_config = std::env::var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        RegistrySettings { docker_config, ..RegistrySettings::default() }
    }

    /// The base URL that serves `registry` (a name as image references write it).
    pub fn base_url(&self, registry: &str) -> String {
        let key = registry_key(registry);
        if let Some((_, mirror)) = self.mirrors.iter().find(|(name, _)| registry_key(name) == key) {
            return mirror.trim_end_matches('/').to_string();
        }
        if let Some(url) = self.registries.iter().find(|u| registry_key(u) == key) {
            return url.trim_end_matches('/').to_string();
        }
        if key == DOCKER_HUB {
            return format!("https://{DOCKER_HUB_API}");
        }
        // The container runtimes treat loopback registries as insecure (plain HTTP) too.
        let host = key.rsplit_once(':').map_or(key.as_str(), |(h, _)| h);
        if host == "localhost" || host.starts_with("127.") || host == "[::1]" {
            format!("http://{key}")
        } else {
            format!("https://{key}")
        }
    }
}

/// A successful answer: its body and the headers the operations read.
#[derive(Debug, Clone)]
pub struct Answer {
    pub body: Bytes,
    pub digest: Option<String>,
    pub content_type: Option<String>,
    pub link: Option<String>,
}

/// What a request is for: the token scope it needs and the words an error names it by.
pub struct Ask<'a> {
    pub registry: &'a str,
    /// Path below the base URL (`/v2/...`), or an absolute URL from a Link header.
    pub path: &'a str,
    pub accept: Option<&'a str>,
    /// `repository:team/app:pull`, `registry:catalog:*`.
    pub scope: String,
    /// `tag v1 of team/app`, `the catalog`: how errors name what was asked.
    pub what: String,
}

/// The registry client shared by every registry effect; clones share the cache, tokens and in-flight limit.
#[derive(Clone)]
pub struct RegistryClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: RegistrySettings,
    permits: Semaphore,
    auth: auth::Auth,
    cache: Mutex<Cache>,
    /// Requests sent (token requests included): what a cache hit saves, as the benchmarks count it.
    sent: AtomicU64,
}

/// Answers by URL and Accept, with the bytes they hold.
#[derive(Default)]
struct Cache {
    answers: HashMap<String, (Instant, Answer)>,
    bytes: usize,
}

impl RegistryClient {
    pub fn new(settings: RegistrySettings) -> anyhow::Result<RegistryClient> {
        // kube already brings ring; reqwest is built without a provider of its own.
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("gpudeck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let auth = auth::Auth::new(&settings);
        Ok(RegistryClient {
            inner: Arc::new(Inner {
                http,
                settings,
                permits: Semaphore::new(IN_FLIGHT),
                auth,
                cache: Mutex::new(Cache::default()),
                sent: AtomicU64::new(0),
            }),
        })
    }

    pub fn settings(&self) -> &RegistrySettings {
        &self.inner.settings
    }

    /// How many requests this client (and its clones) has sent, token requests included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// GETs `ask`, logging in when challenged, retrying what is worth retrying, answering from the cache when fresh.
    pub async fn get(&self, ask: &Ask<'_>) -> Result<Answer, RegistryError> {
        let base = self.inner.settings.base_url(ask.registry);
        let url = if ask.path.starts_with("http://") || ask.path.starts_with("https://") {
            ask.path.to_string()
        } else {
            format!("{base}{}", ask.path)
        };
        let key = format!("{url} {}", ask.accept.unwrap_or_default());
        if let Some(hit) = self.cached(&key) {
            return Ok(hit);
        }
        let registry = registry_key(ask.registry);
        let mut attempt = 0;
        let mut logged_in = false;
        loop {
            attempt += 1;
            let mut request = self.inner.http.get(&url);
            if let Some(accept) = ask.accept {
                request = request.header(ACCEPT, accept);
            }
            // Credentials go to the registry's own origin only, never to a host a Link header names.
            if let Some(header) = self.inner.auth.header(&registry, &ask.scope).filter(|_| same_origin(&url, &base)) {
                request = request.header(AUTHORIZATION, header);
            }
            let sent = {
                let _permit = self.permit(&registry).await?;
                self.inner.sent.fetch_add(1, Ordering::Relaxed);
                match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let headers = response.headers().clone();
                        response.bytes().await.map(|body| (status, headers, body))
                    }
                    Err(e) => Err(e),
                }
            };
            let (status, headers, body) = match sent {
                Ok(answer) => answer,
                Err(e) if attempt < ATTEMPTS && (e.is_connect() || e.is_timeout()) => {
                    self.pause(attempt, None).await;
                    continue;
                }
                Err(e) => return Err(unreachable(&registry, &transport_error(&e))),
            };
            let header = |name| headers.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
            match status {
                s if s.is_success() => {
                    let answer = Answer {
                        body,
                        digest: header("docker-content-digest").map(String::from),
                        content_type: header("content-type").map(String::from),
                        link: header(LINK.as_str()).map(String::from),
                    };
                    self.remember(key, answer.clone());
                    return Ok(answer);
                }
                StatusCode::UNAUTHORIZED if !logged_in && same_origin(&url, &base) => {
                    logged_in = true;
                    let challenge = header(WWW_AUTHENTICATE.as_str()).and_then(Challenge::parse);
                    // A token request is a request too: it counts against the in-flight limit.
                    let _permit = self.permit(&registry).await?;
                    self.inner.sent.fetch_add(1, Ordering::Relaxed);
                    self.inner.auth.log_in(&self.inner.http, &registry, challenge, &ask.scope).await?;
                }
                StatusCode::UNAUTHORIZED => return Err(self.inner.auth.refused(&registry, &headers, ask)),
                StatusCode::FORBIDDEN => {
                    return Err(RegistryError::Denied { registry, action: verb(&ask.scope), what: ask.what.clone() });
                }
                StatusCode::NOT_FOUND => {
                    let code = error_body(&body).map(|(code, _)| code).unwrap_or_default();
                    return Err(RegistryError::NotFound { registry, what: ask.what.clone(), code });
                }
                StatusCode::TOO_MANY_REQUESTS if attempt < ATTEMPTS => self.pause(attempt, retry_after(&headers)).await,
                StatusCode::TOO_MANY_REQUESTS => {
                    return Err(RegistryError::RateLimited { registry, attempts: attempt });
                }
                s if s.is_server_error() && attempt < ATTEMPTS => self.pause(attempt, retry_after(&headers)).await,
                s => {
                    let message = error_body(&body)
                        .map(|(code, message)| format!("{code}: {message}"))
                        .unwrap_or_else(|| s.canonical_reason().unwrap_or("error").to_string());
                    return Err(if s.is_server_error() {
                        RegistryError::Server { registry, status: s.as_u16(), attempts: attempt, message }
                    } else {
                        RegistryError::Refused { registry, status: s.as_u16(), message }
                    });
                }
            }
        }
    }

    /// One of the in-flight slots every request, token requests included, waits for.
    async fn permit(&self, registry: &str) -> Result<tokio::sync::SemaphorePermit<'_>, RegistryError> {
        self.inner.permits.acquire().await.map_err(|_| unreachable(registry, "closed"))
    }

    /// Waits before retry `attempt`: what Retry-After asks (up to 5 s), else the doubling back-off.
    async fn pause(&self, attempt: u32, asked: Option<Duration>) {
        let backoff = self.inner.settings.backoff * 2u32.pow(attempt.saturating_sub(1));
        tokio::time::sleep(asked.map_or(backoff, |a| a.min(Duration::from_secs(5)))).await;
    }

    fn cached(&self, key: &str) -> Option<Answer> {
        let cache = self.inner.cache.lock().ok()?;
        // What a digest names never changes: only answers about tags (and catalogs) go stale.
        let immutable = key.contains("/blobs/sha256:") || key.contains("/manifests/sha256:");
        cache.answers.get(key).filter(|(at, _)| immutable || at.elapsed() < CACHE_FOR).map(|(_, answer)| answer.clone())
    }

    /// Keeps an answer; past the entry or byte limit the stale ones go first, then all of them.
    fn remember(&self, key: String, answer: Answer) {
        let Ok(mut cache) = self.inner.cache.lock() else { return };
        let size = answer.body.len();
        if cache.answers.len() >= CACHE_ENTRIES || cache.bytes + size > CACHE_BYTES {
            cache.answers.retain(|_, (at, _)| at.elapsed() < CACHE_FOR);
            cache.bytes = cache.answers.values().map(|(_, a)| a.body.len()).sum();
            if cache.answers.len() >= CACHE_ENTRIES || cache.bytes + size > CACHE_BYTES {
                cache.answers.clear();
                cache.bytes = 0;
            }
        }
        cache.bytes += size;
        if let Some((_, replaced)) = cache.answers.insert(key, (Instant::now(), answer)) {
            cache.bytes -= replaced.body.len();
        }
    }
}

/// How long tag answers are held back to go to the loop together: one redraw per batch, not per repository.
const TAG_BATCH: Duration = Duration::from_millis(100);

/// Lists a registry into the pane: its catalog (or `known` when it serves none), then every repository's tags as
/// they come, in batches. `deliver` says false when nobody listens any more.
pub async fn browse(
    client: &RegistryClient,
    registry: &str,
    known: Vec<String>,
    mut deliver: impl FnMut(Data) -> bool,
) {
    use futures_util::StreamExt;
    let repositories = match client.catalog(registry).await {
        Ok(mut listed) => {
            if !deliver(Data::Catalog { registry: registry.into(), repositories: Ok(listed.clone()) }) {
                return;
            }
            // Repositories pods use that the catalog leaves out (hidden from us) get their tags listed too.
            listed.extend(known);
            listed.sort_unstable();
            listed.dedup();
            listed
        }
        Err(e) => {
            if !deliver(Data::Catalog { registry: registry.into(), repositories: Err(e.to_string()) }) {
                return;
            }
            known
        }
    };
    let mut answers = futures_util::stream::iter(repositories)
        .map(|repository| async move {
            let tags = client.tags(registry, &repository).await.map_err(|e| e.to_string());
            (repository, tags)
        })
        .buffer_unordered(IN_FLIGHT * 2);
    let mut batch = Vec::new();
    let mut since = Instant::now();
    while let Some(answer) = answers.next().await {
        batch.push(answer);
        if since.elapsed() >= TAG_BATCH {
            if !deliver(Data::Tags { registry: registry.into(), tags: std::mem::take(&mut batch) }) {
                return;
            }
            since = Instant::now();
        }
    }
    if !batch.is_empty() {
        deliver(Data::Tags { registry: registry.into(), tags: batch });
    }
}

/// What a scope lets you do, as an error names it: `pull`, `catalog`.
pub(crate) fn verb(scope: &str) -> String {
    match scope.rsplit_once(':') {
        Some(("registry:catalog", _)) => "catalog".into(),
        Some((_, actions)) => actions.into(),
        None => "read".into(),
    }
}

/// Whether `url` is on the registry's own scheme, host and port.
pub(crate) fn same_origin(url: &str, base: &str) -> bool {
    url.strip_prefix(base).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok().map(Duration::from_secs)
}

fn unreachable(registry: &str, why: &str) -> RegistryError {
    RegistryError::Unreachable { registry: registry.into(), why: why.into() }
}

/// The innermost cause: "connection refused", not reqwest's "error sending request".
fn transport_error(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if e.is_timeout() { "timed out".into() } else { cause.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_resolve_to_mirrors_configured_urls_docker_hub_and_loopback_http() {
        let settings = RegistrySettings {
            registries: vec!["https://harbor.example:8443/".into()],
            mirrors: BTreeMap::from([(
                "https://index.docker.io/v1/".to_string(),
                "https://mirror.example/".to_string(),
            )]),
            ..RegistrySettings::default()
        };
        assert_eq!(settings.base_url("docker.io"), "https://mirror.example", "a mirror named the way docker names Hub");
        assert_eq!(settings.base_url("harbor.example:8443"), "https://harbor.example:8443");
        assert_eq!(settings.base_url("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(settings.base_url("localhost:5000"), "http://localhost:5000");
        assert_eq!(settings.base_url("ghcr.io"), "https://ghcr.io");
        assert_eq!(RegistrySettings::default().base_url("docker.io"), "https://registry-1.docker.io");
        assert_eq!(verb("registry:catalog:*"), "catalog");
        assert_eq!(verb("repository:team/app:pull"), "pull");
    }
}
