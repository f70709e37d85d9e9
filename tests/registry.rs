//! The registry client against the real reference server (Debian's docker-registry 2.8 on loopback, seeded over
//! its API): catalog paging, tags, indexes with per-platform sizes and configs, htpasswd (bcrypt) logins from the
//! docker config and from a credential helper, pull verdicts; and against a scripted server, the statuses 2.8
//! never sends (403, 429, 5xx) and a malformed manifest.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use common::registry::{RegistryServer, Seeder, docker_config};
use gpudeck::effects::registry::{RegistryClient, RegistrySettings};
use gpudeck::model::registry::{PullVerdict, RegistryError};
use serde_json::json;

fn settings() -> RegistrySettings {
    RegistrySettings { backoff: Duration::from_millis(10), ..RegistrySettings::default() }
}

fn client(settings: RegistrySettings) -> RegistryClient {
    RegistryClient::new(settings).unwrap()
}

/// team/app v1 (labelled), v2; multi:1.0 for amd64 and arm64; page/r1..r6 so the catalog spans pages of 3.
async fn seed(seeder: &Seeder) -> HashMap<&'static str, common::registry::Pushed> {
    let mut pushed = HashMap::new();
    let labels = json!({"org.opencontainers.image.title": "demo-app", "com.example.gpu": "true"});
    pushed.insert("app:v1", seeder.image("team/app", Some("v1"), "amd64", labels, "2024-05-01T10:00:00Z").await);
    pushed.insert("app:v2", seeder.image("team/app", Some("v2"), "amd64", json!({}), "2024-09-09T09:09:09Z").await);
    let amd = seeder.image("multi", None, "amd64", json!({}), "2024-06-01T00:00:00Z").await;
    let arm = seeder.image("multi", None, "arm64", json!({}), "2024-06-01T00:00:00Z").await;
    seeder.index("multi", "1.0", &[("amd64", &amd), ("arm64", &arm)]).await;
    pushed.insert("multi:amd64", amd);
    pushed.insert("multi:arm64", arm);
    for i in 1..=6 {
        seeder.image(&format!("page/r{i}"), Some("latest"), "amd64", json!({}), "2024-01-01T00:00:00Z").await;
    }
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_pages_tags_index_platforms_sizes_and_labels() {
    require_registry!();
    let server = RegistryServer::start("");
    let pushed = seed(&Seeder::new(&server, None)).await;
    let registry = client(RegistrySettings { catalog_page: 3, ..settings() });

    let catalog = registry.catalog(&server.host).await.unwrap();
    let expected = ["multi", "page/r1", "page/r2", "page/r3", "page/r4", "page/r5", "page/r6", "team/app"];
    assert_eq!(catalog, expected, "every page of 3, followed through the relative Link header");

    let mut tags = registry.tags(&server.host, "team/app").await.unwrap();
    tags.sort();
    assert_eq!(tags, ["v1", "v2"]);
    let missing = registry.tags(&server.host, "no/such").await.unwrap_err();
    assert_eq!(missing.to_string(), format!("repository no/such not found in {}", server.host));

    let index = registry.manifest(&server.host, "multi", "1.0").await.unwrap();
    assert!(index.index && index.media_type.contains("image.index"), "{index:?}");
    let platforms: Vec<(String, u64)> =
        index.platforms.iter().map(|p| p.as_ref().map(|p| (p.platform.clone(), p.compressed_size)).unwrap()).collect();
    assert_eq!(
        platforms,
        [
            ("linux/amd64".to_string(), pushed["multi:amd64"].compressed_size),
            ("linux/arm64".to_string(), pushed["multi:arm64"].compressed_size)
        ],
        "config plus layers, per platform"
    );

    let app = registry.manifest(&server.host, "team/app", "v1").await.unwrap();
    assert_eq!(app.digest, pushed["app:v1"].digest, "the digest the registry reports is the one pushed");
    let config = app.platforms[0].as_ref().unwrap().config.as_ref().unwrap();
    assert_eq!(config.labels["org.opencontainers.image.title"], "demo-app");
    assert_eq!(config.created.as_deref(), Some("2024-05-01T10:00:00Z"));
    assert_eq!(config.entrypoint, ["/app"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_verdicts_name_the_missing_tag_platform_or_repository() {
    require_registry!();
    let server = RegistryServer::start("");
    let pushed = seed(&Seeder::new(&server, None)).await;
    let registry = client(settings());
    let host = &server.host;

    let verdict = registry.check(&format!("{host}/team/app:v3"), Some("linux/amd64")).await;
    assert_eq!(verdict.to_string(), "tag v3 not found; nearest: v1, v2");
    let verdict = registry.check(&format!("{host}/multi:1.0"), Some("linux/s390x")).await;
    assert_eq!(verdict.to_string(), "manifest has no linux/s390x platform (has linux/amd64, linux/arm64)");
    let verdict = registry.check(&format!("{host}/team/nothing:v1"), None).await;
    assert_eq!(verdict.to_string(), format!("repository team/nothing not found in {host}"));
    let verdict = registry.check(&format!("{host}/multi:1.0"), Some("linux/arm64")).await;
    assert!(matches!(&verdict, PullVerdict::Exists { .. }), "{verdict}");
    let verdict = registry.check(&format!("{host}/team/app@{}", pushed["app:v2"].digest), Some("linux/amd64")).await;
    assert!(matches!(&verdict, PullVerdict::Exists { digest } if *digest == pushed["app:v2"].digest), "{verdict}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htpasswd_logins_from_the_docker_config_and_a_credential_helper() {
    require_registry!();
    let dir = tempfile::tempdir().unwrap();
    let htpasswd = dir.path().join("htpasswd");
    std::fs::write(&htpasswd, format!("alice:{}\n", bcrypt::hash("s3cret", 4).unwrap())).unwrap();
    let server = RegistryServer::start(&format!("  htpasswd: {{realm: gpudeck-tests, path: {}}}", htpasswd.display()));
    let basic =
        |user: &str, password: &str| base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Seeder::new(&server, Some(format!("Basic {}", basic("alice", "s3cret"))))
        .image("team/private", Some("v1"), "amd64", json!({}), "2024-01-01T00:00:00Z")
        .await;
    let host = &server.host;

    let anonymous = client(RegistrySettings { docker_config: Some(dir.path().join("none")), ..settings() });
    let refused = anonymous.catalog(host).await.unwrap_err();
    assert_eq!(refused.to_string(), format!("unauthorized: no credentials for {host}"));
    let verdict = anonymous.check(&format!("{host}/team/private:v1"), None).await;
    assert_eq!(verdict.to_string(), format!("unauthorized: no credentials for {host}"));

    let (_wrong_dir, wrong) = docker_config(json!({"auths": {host.as_str(): {"auth": basic("alice", "guess")}}}));
    let wrong = client(RegistrySettings { docker_config: Some(wrong), ..settings() });
    let refused = wrong.tags(host, "team/private").await.unwrap_err();
    assert_eq!(refused, RegistryError::BadCredentials { registry: host.clone(), user: "alice".into() });
    assert_eq!(refused.to_string(), format!("unauthorized: {host} refused the credentials for alice"));

    let (_right_dir, right) =
        docker_config(json!({"auths": {format!("http://{host}"): {"auth": basic("alice", "s3cret")}}}));
    let right = client(RegistrySettings { docker_config: Some(right), ..settings() });
    assert_eq!(right.catalog(host).await.unwrap(), ["team/private"]);

    // A credential helper, found on the helper path, answers for this registry.
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("docker-credential-gdtest");
    std::fs::write(
        &helper,
        "#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 2\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}' \"$server\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (_helped_dir, helped) = docker_config(json!({"credHelpers": {host.as_str(): "gdtest"}}));
    let helped = client(RegistrySettings {
        docker_config: Some(helped),
        helper_path: Some(helpers.path().as_os_str().to_owned()),
        ..settings()
    });
    assert_eq!(helped.tags(host, "team/private").await.unwrap(), ["v1"]);

    // A helper that has nothing for this registry means no credentials, not a failure.
    let empty = helpers.path().join("docker-credential-empty");
    std::fs::write(&empty, "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n").unwrap();
    std::fs::set_permissions(&empty, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (_empty_dir, nothing) = docker_config(json!({"credsStore": "empty"}));
    let nothing = client(RegistrySettings {
        docker_config: Some(nothing),
        helper_path: Some(helpers.path().as_os_str().to_owned()),
        ..settings()
    });
    assert_eq!(
        nothing.catalog(host).await.unwrap_err().to_string(),
        format!("unauthorized: no credentials for {host}")
    );

    let (_missing_dir, missing) = docker_config(json!({"credsStore": "nosuchstore"}));
    let missing = client(RegistrySettings {
        docker_config: Some(missing),
        helper_path: Some(helpers.path().as_os_str().to_owned()),
        ..settings()
    });
    let why = missing.catalog(host).await.unwrap_err().to_string();
    assert_eq!(why, format!("cannot get credentials for {host}: docker-credential-nosuchstore is not installed"));
}

/// A registry that answers from a script: each path gets its statuses in turn (the last one repeats).
struct Scripted {
    url: String,
    host: String,
    hits: Arc<HashMap<String, AtomicUsize>>,
    /// The most requests it was answering at once.
    peak: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

/// What every answer of a scripted server carries besides its status and body.
#[derive(Default, Clone)]
struct Extras {
    /// `Link: <link>; rel="next"`.
    link: Option<String>,
    /// `Retry-After` on a 429.
    retry_after: Option<&'static str>,
    /// How long each answer takes.
    delay: Duration,
}

type Script = Vec<(String, Vec<(u16, &'static str)>)>;

impl Scripted {
    async fn start(script: Vec<(&'static str, Vec<(u16, &'static str)>)>) -> Scripted {
        Scripted::start_with(script.into_iter().map(|(p, a)| (p.to_string(), a)).collect(), Extras::default()).await
    }

    async fn start_with(script: Script, extras: Extras) -> Scripted {
        use hyper_util::rt::TokioIo;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let hits: Arc<HashMap<String, AtomicUsize>> =
            Arc::new(script.iter().map(|(p, _)| (p.clone(), AtomicUsize::new(0))).collect());
        let script: Arc<HashMap<String, Vec<(u16, &str)>>> = Arc::new(script.into_iter().collect());
        let (counted, peak) = (hits.clone(), Arc::new(AtomicUsize::new(0)));
        let (busy, highest) = (Arc::new(AtomicUsize::new(0)), peak.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let (script, hits, extras) = (script.clone(), counted.clone(), extras.clone());
                let (busy, highest) = (busy.clone(), highest.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let path = req.uri().path().to_string();
                        let (status, body) = match (script.get(&path), hits.get(&path)) {
                            (Some(answers), Some(count)) => {
                                let n = count.fetch_add(1, Ordering::SeqCst);
                                answers[n.min(answers.len() - 1)]
                            }
                            _ => (404, r#"{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}"#),
                        };
                        let mut reply = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
                        *reply.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        reply.headers_mut().insert("content-type", MANIFEST_TYPE.parse().unwrap());
                        if let Some(link) = &extras.link {
                            reply.headers_mut().insert("link", format!("<{link}>; rel=\"next\"").parse().unwrap());
                        }
                        if let (429, Some(after)) = (status, extras.retry_after) {
                            reply.headers_mut().insert("retry-after", after.parse().unwrap());
                        }
                        let (busy, highest, delay) = (busy.clone(), highest.clone(), extras.delay);
                        async move {
                            let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                            highest.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(delay).await;
                            busy.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, std::convert::Infallible>(reply)
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
        });
        Scripted { url: format!("http://{host}"), host, hits, peak, _task: task }
    }

    fn hits(&self, path: &str) -> usize {
        self.hits[path].load(Ordering::SeqCst)
    }
}

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_rate_limits_and_server_errors_say_what_and_retry_a_bounded_number_of_times() {
    let good_tags = r#"{"name":"ok","tags":["1.0"]}"#;
    let server = Scripted::start(vec![
        ("/v2/_catalog", vec![(200, r#"{"repositories":["denied","limited","flaky","down","ok","broken"]}"#)]),
        ("/v2/denied/tags/list", vec![(403, r#"{"errors":[{"code":"DENIED","message":"no"}]}"#)]),
        ("/v2/limited/tags/list", vec![(429, "")]),
        ("/v2/flaky/tags/list", vec![(503, ""), (200, good_tags)]),
        ("/v2/down/tags/list", vec![(502, "")]),
        ("/v2/ok/tags/list", vec![(200, good_tags)]),
        ("/v2/broken/tags/list", vec![(200, "<html>proxy error</html>")]),
        ("/v2/ok/manifests/1.0", vec![(200, r#"{"schemaVersion":2,"config":"not a descriptor"}"#)]),
    ])
    .await;
    let registry = client(RegistrySettings { registries: vec![server.url.clone()], ..settings() });
    let host = &server.host;

    let mut answers = Vec::new();
    gpudeck::effects::registry::browse(&registry, host, Vec::new(), |data| {
        if let gpudeck::event::Data::Tags { tags, .. } = data {
            answers.extend(tags);
        }
        true
    })
    .await;
    answers.sort();
    let said: HashMap<String, Result<Vec<String>, String>> = answers.into_iter().collect();
    assert_eq!(said.len(), 6, "one bad repository costs its own row only: {said:?}");
    assert_eq!(said["denied"], Err(format!("denied: {host} refused pull on repository denied")));
    assert_eq!(said["limited"], Err(format!("rate limited by {host} (429) after 3 tries")));
    assert_eq!(said["down"], Err(format!("{host} answered 502 after 3 tries: Bad Gateway")));
    assert_eq!(said["flaky"], Ok(vec!["1.0".to_string()]), "a 503 once is retried");
    assert_eq!(said["ok"], Ok(vec!["1.0".to_string()]));
    assert!(said["broken"].as_ref().unwrap_err().starts_with(&format!("malformed tag list of broken from {host}")));
    assert_eq!(server.hits("/v2/limited/tags/list"), 3, "bounded: three tries, no more");
    assert_eq!(server.hits("/v2/down/tags/list"), 3);
    assert_eq!(server.hits("/v2/denied/tags/list"), 1, "a refusal is not retried");

    let malformed = registry.manifest(host, "ok", "1.0").await.unwrap_err().to_string();
    assert!(malformed.starts_with(&format!("malformed ok:1.0 from {host}: manifest:")), "{malformed}");
    let verdict = registry.check(&format!("{host}/ok:1.0"), None).await;
    assert!(verdict.to_string().starts_with("malformed"), "{verdict}");

    // A next page on another host is not followed: the registry's credentials would go with it.
    let elsewhere = Scripted::start(vec![("/v2/_catalog", vec![(200, r#"{"repositories":["stolen"]}"#)])]).await;
    let catalog = r#"{"repositories":["a"]}"#;
    let link = Some(format!("{}/v2/_catalog", elsewhere.url));
    let linking =
        Scripted::start_with(vec![("/v2/_catalog".into(), vec![(200, catalog)])], Extras { link, ..Extras::default() })
            .await;
    let registry = client(RegistrySettings { registries: vec![linking.url.clone()], ..settings() });
    let refused = registry.catalog(&linking.host).await.unwrap_err().to_string();
    assert!(refused.contains("the next page is on another host"), "{refused}");
    assert_eq!(elsewhere.hits("/v2/_catalog"), 0);

    let nobody = client(RegistrySettings { registries: vec!["http://127.0.0.1:9".into()], ..settings() });
    let unreachable = nobody.catalog("127.0.0.1:9").await.unwrap_err().to_string();
    assert!(unreachable.starts_with("cannot reach 127.0.0.1:9: "), "{unreachable}");
}

#[test]
fn tmux_demo_verdict_in_triage_then_repositories_tags_and_a_manifest_beside_a_real_registry() {
    require_tmux!();
    require_registry!();
    let server = RegistryServer::start("");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let seeder = Seeder::new(&server, None);
        let labels = json!({"org.opencontainers.image.title": "e2e"});
        seeder.image("team/e2e", Some("v7"), "amd64", labels, "2024-05-01T10:00:00Z").await;
    });
    let args = format!("--demo --registry {}", server.url);
    let t = common::tmux::Tmux::start_with("images", &[], None, (160, 45), &args);
    t.wait_for("the console", |s| s.contains("CrashLoopBackOff"));
    t.keys(&["z"]);
    let triage = t.wait_for("the registry's verdict on the pod that cannot pull", |s| {
        s.contains("registry: tag 2.4.1 not found; nearest: 2.3.0, 2.4.0")
    });
    assert!(triage.contains("ImagePullBackOff"), "{triage}");
    t.keys(&["z", "6"]);
    let repositories = t.wait_for("every registry listed", |s| {
        s.contains("ghcr.io: 7 repositories") && s.contains(&format!("{}: 1 repository", server.host))
    });
    assert!(
        repositories.lines().any(|l| l.contains("acme-ml/reranker") && l.contains("pods cannot pull")),
        "{repositories}"
    );
    assert!(repositories.lines().any(|l| l.contains("team/e2e") && l.contains("v7")), "{repositories}");
    t.keys(&["/", "r", "e", "r", "a", "n", "k", "Enter", "Enter"]);
    let tags = t.wait_for("the reranker's tags", |s| s.contains("ghcr.io/acme-ml/reranker: 3 tags"));
    assert!(tags.lines().any(|l| l.starts_with("2.4.1") && l.contains("not in the registry")), "{tags}");
    t.keys(&["j", "Enter"]);
    let manifest =
        t.wait_for("the 2.4.0 manifest", |s| s.contains("single-platform image") && s.contains("entrypoint"));
    assert!(
        manifest.contains("linux/amd64") && manifest.contains("org.opencontainers.image.version=2.4.0"),
        "{manifest}"
    );
    t.keys(&["Escape", "Escape", "Escape", ":", "i", "m", "a", "g", "e", "s", " "]);
    for c in format!("{}/team/e2e", server.host).chars() {
        t.keys(&[&c.to_string()]);
    }
    t.keys(&["Enter"]);
    t.wait_for("a typed repository's tags", |s| s.contains(&format!("{}/team/e2e: 1 tag,", server.host)));
    t.keys(&["C-c"]);
    t.wait_for("a clean exit", |s| s.contains("EXITED:0"));
}

/// A token server as Docker Hub and Harbor run one: ES256 JWTs carrying the certificate the registry trusts, pull on
/// `public/*` for anyone (bob, password hunter2, included), everything asked for alice (password s3cret). Counts the
/// tokens it issues per scope.
struct TokenServer {
    realm: String,
    cert_pem: String,
    issued: Arc<std::sync::Mutex<HashMap<String, usize>>>,
    signer: Arc<Signer>,
    _task: tokio::task::JoinHandle<()>,
}

struct Signer {
    key: rcgen::KeyPair,
    cert_der: Vec<u8>,
}

impl Signer {
    fn jwt(&self, subject: &str, access: serde_json::Value) -> String {
        use rcgen::SigningKey;
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let header = json!({"typ": "JWT", "alg": "ES256",
            "x5c": [base64::engine::general_purpose::STANDARD.encode(&self.cert_der)]});
        let claims = json!({"iss": "gpudeck-issuer", "sub": subject, "aud": "gpudeck-registry", "exp": now + 300,
            "nbf": now - 10, "iat": now, "jti": format!("{now}-{subject}-{}", rand_suffix()), "access": access});
        let input = format!("{}.{}", url.encode(header.to_string()), url.encode(claims.to_string()));
        let der = self.key.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", url.encode(ecdsa_raw(&der)))
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// JWS wants r‖s, 32 bytes each; ring signs ECDSA as an ASN.1 SEQUENCE of two INTEGERs.
fn ecdsa_raw(der: &[u8]) -> Vec<u8> {
    let mut at = 2; // SEQUENCE tag and length (under 128 bytes for P-256)
    let mut out = Vec::new();
    for _ in 0..2 {
        assert_eq!(der[at], 0x02, "an INTEGER");
        let len = usize::from(der[at + 1]);
        let int = &der[at + 2..at + 2 + len];
        let int = if int.len() > 32 { &int[int.len() - 32..] } else { int };
        out.extend(std::iter::repeat_n(0u8, 32 - int.len()));
        out.extend_from_slice(int);
        at += 2 + len;
    }
    out
}

impl TokenServer {
    async fn start() -> TokenServer {
        use hyper_util::rt::TokioIo;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["gpudeck-token".to_string()]).unwrap().self_signed(&key).unwrap();
        let signer = Arc::new(Signer { cert_der: cert.der().to_vec(), key });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let realm = format!("http://{}/token", listener.local_addr().unwrap());
        let issued: Arc<std::sync::Mutex<HashMap<String, usize>>> = Arc::default();
        let (counts, signing) = (issued.clone(), signer.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let (counts, signing) = (counts.clone(), signing.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let reply = token_reply(&req, &signing, &counts);
                        async move { Ok::<_, std::convert::Infallible>(reply) }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                });
            }
        });
        TokenServer { realm, cert_pem: cert.pem(), issued, signer, _task: task }
    }

    fn issued(&self, scope: &str) -> usize {
        self.issued.lock().unwrap().get(scope).copied().unwrap_or(0)
    }
}

fn token_reply(
    req: &hyper::Request<hyper::body::Incoming>,
    signer: &Signer,
    issued: &std::sync::Mutex<HashMap<String, usize>>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let respond = |status: u16, body: String| {
        let mut reply = hyper::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
        *reply.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
        reply
    };
    let user = match req.headers().get("authorization").and_then(|v| v.to_str().ok()) {
        None => "",
        Some(basic) => {
            let decoded = basic
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .unwrap_or_default();
            match decoded.as_slice() {
                b"alice:s3cret" => "alice",
                b"bob:hunter2" => "bob",
                _ => return respond(401, r#"{"details":"wrong credentials"}"#.into()),
            }
        }
    };
    let query = req.uri().query().unwrap_or_default();
    let mut access = Vec::new();
    for pair in query.split('&') {
        let Some(scope) = pair.strip_prefix("scope=") else { continue };
        let scope = scope.replace("%3A", ":").replace("%2F", "/").replace("%2A", "*").replace("%2C", ",");
        *issued.lock().unwrap().entry(scope.clone()).or_default() += 1;
        let parts: Vec<&str> = scope.splitn(3, ':').collect();
        let (kind, name, actions) = (parts[0], parts[1], parts[2]);
        let allowed: Vec<&str> = actions
            .split(',')
            .filter(|action| user == "alice" || (name.starts_with("public/") && *action == "pull"))
            .collect();
        access.push(json!({"type": kind, "name": name, "actions": allowed}));
    }
    respond(200, json!({"token": signer.jwt(user, json!(access)), "expires_in": 300}).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_per_scope_from_a_token_server_reused_across_requests() {
    require_registry!();
    let tokens = TokenServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("token.pem");
    std::fs::write(&bundle, &tokens.cert_pem).unwrap();
    let server = RegistryServer::start(&format!(
        "  token: {{realm: \"{}\", service: gpudeck-registry, issuer: gpudeck-issuer, rootcertbundle: {}}}",
        tokens.realm,
        bundle.display()
    ));
    let push = |name: &str| json!({"type": "repository", "name": name, "actions": ["pull", "push"]});
    let seeder = Seeder::new(
        &server,
        Some(format!("Bearer {}", tokens.signer.jwt("alice", json!([push("public/app"), push("secret/app")])))),
    );
    seeder.image("public/app", Some("v1"), "amd64", json!({}), "2024-01-01T00:00:00Z").await;
    seeder.image("secret/app", Some("v1"), "arm64", json!({"tier": "gold"}), "2024-01-01T00:00:00Z").await;
    let host = &server.host;

    let anonymous = client(RegistrySettings { docker_config: Some(dir.path().join("none")), ..settings() });
    assert_eq!(anonymous.tags(host, "public/app").await.unwrap(), ["v1"], "anonymous pull tokens for public images");
    let refused = anonymous.tags(host, "secret/app").await.unwrap_err();
    assert_eq!(refused.to_string(), format!("unauthorized: no credentials for {host}"));
    let refused = anonymous.catalog(host).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("unauthorized: no credentials for {host}"),
        "the catalog needs its own scope"
    );

    let basic = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
    let (_config_dir, config) = docker_config(json!({"auths": {host.as_str(): {"auth": basic}}}));
    let alice = client(RegistrySettings { docker_config: Some(config), ..settings() });
    let before = tokens.issued("repository:secret/app:pull");
    assert_eq!(alice.catalog(host).await.unwrap(), ["public/app", "secret/app"], "a registry:catalog:* token");
    assert_eq!(alice.tags(host, "secret/app").await.unwrap(), ["v1"]);
    let detail = alice.manifest(host, "secret/app", "v1").await.unwrap();
    assert_eq!(detail.platforms[0].as_ref().unwrap().config.as_ref().unwrap().labels["tier"], "gold");
    assert_eq!(
        tokens.issued("repository:secret/app:pull") - before,
        1,
        "tags, manifest and config blob share one token for their scope"
    );
    assert_eq!(tokens.issued("registry:catalog:*"), 2, "one for the anonymous try, one for alice");

    // Logged in, but not allowed: denied what was asked, not "no credentials".
    let bob = base64::engine::general_purpose::STANDARD.encode("bob:hunter2");
    let (_bob_dir, config) = docker_config(json!({"auths": {host.as_str(): {"auth": bob}}}));
    let bob = client(RegistrySettings { docker_config: Some(config), ..settings() });
    assert_eq!(bob.tags(host, "public/app").await.unwrap(), ["v1"]);
    let denied = bob.tags(host, "secret/app").await.unwrap_err();
    assert_eq!(denied.to_string(), format!("denied: {host} refused pull on repository secret/app"));
    let denied = bob.catalog(host).await.unwrap_err();
    assert_eq!(denied.to_string(), format!("denied: {host} refused catalog on the catalog"));

    let wrong = base64::engine::general_purpose::STANDARD.encode("alice:guess");
    let (_wrong_dir, config) = docker_config(json!({"auths": {host.as_str(): {"auth": wrong}}}));
    let wrong = client(RegistrySettings { docker_config: Some(config), ..settings() });
    let refused = wrong.tags(host, "secret/app").await.unwrap_err();
    assert_eq!(refused.to_string(), format!("unauthorized: {host} refused the credentials for alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_eight_requests_in_flight_and_retry_after_is_honoured() {
    // 40 repositories whose tag lists each take 50 ms: listed side by side, never more than 8 at once.
    let mut script: Script = vec![];
    let names: Vec<String> = (0..40).map(|i| format!("r{i:02}")).collect();
    let catalog: &'static str = Box::leak(json!({"repositories": names}).to_string().into_boxed_str());
    script.push(("/v2/_catalog".into(), vec![(200, catalog)]));
    for name in &names {
        script.push((format!("/v2/{name}/tags/list"), vec![(200, r#"{"name":"x","tags":["1"]}"#)]));
    }
    let slow = Scripted::start_with(script, Extras { delay: Duration::from_millis(50), ..Extras::default() }).await;
    let registry = client(RegistrySettings { registries: vec![slow.url.clone()], ..settings() });
    let mut listed = 0;
    gpudeck::effects::registry::browse(&registry, &slow.host, Vec::new(), |data| {
        if let gpudeck::event::Data::Tags { tags, .. } = data {
            listed += tags.iter().filter(|(_, t)| t.is_ok()).count();
        }
        true
    })
    .await;
    assert_eq!(listed, 40);
    let peak = slow.peak.load(Ordering::SeqCst);
    assert!((2..=gpudeck::effects::registry::IN_FLIGHT).contains(&peak), "peak {peak} in flight");

    // A 429 asking for a second's pause gets it (the back-off alone would be 10 ms).
    let limited = Scripted::start_with(
        vec![("/v2/x/tags/list".into(), vec![(429, ""), (200, r#"{"name":"x","tags":["1"]}"#)])],
        Extras { retry_after: Some("1"), ..Extras::default() },
    )
    .await;
    let registry = client(RegistrySettings { registries: vec![limited.url.clone()], ..settings() });
    let started = std::time::Instant::now();
    assert_eq!(registry.tags(&limited.host, "x").await.unwrap(), ["1"]);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(4), "waited {waited:?}");
    assert_eq!(limited.hits("/v2/x/tags/list"), 2);
}
