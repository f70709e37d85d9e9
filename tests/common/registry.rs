//! A real registry for tests: Debian's `docker-registry` (distribution 2.8) on a free loopback port, stopped and
//! waited for on drop, and a seeder that pushes blobs, images and multi-arch indexes over the HTTP API.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

pub fn registry_available() -> bool {
    Command::new("docker-registry").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[macro_export]
macro_rules! require_registry {
    () => {
        if !common::registry::registry_available() {
            eprintln!("SKIPPED: docker-registry not found on PATH (scripts/test.sh installs it from Debian)");
            return;
        }
    };
}

pub struct RegistryServer {
    child: Child,
    /// `127.0.0.1:PORT`, as image references name it.
    pub host: String,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl RegistryServer {
    /// A registry with its own storage; `auth` is a YAML `auth:` block body (htpasswd, token) or empty.
    pub fn start(auth: &str) -> RegistryServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self::start_on(&dir.path().join("data"), auth);
        server._dir = Some(dir);
        server
    }

    /// A registry serving `storage` (a filesystem driver root); retried when the free port was taken meanwhile.
    pub fn start_on(storage: &Path, auth: &str) -> RegistryServer {
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let config = storage.with_extension(format!("{port}.yml"));
            let auth = if auth.is_empty() { String::new() } else { format!("auth:\n{auth}\n") };
            std::fs::write(
                &config,
                format!(
                    "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\n\
                     storage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\n\
                     http: {{addr: \"127.0.0.1:{port}\", secret: gpudeck-tests}}\n{auth}",
                    storage.display()
                ),
            )
            .unwrap();
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("docker-registry runs");
            let mut server = RegistryServer {
                child,
                host: format!("127.0.0.1:{port}"),
                url: format!("http://127.0.0.1:{port}"),
                _dir: None,
            };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("docker-registry did not start on a free port in 5 tries");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return false;
            }
            if std::net::TcpStream::connect(&self.host).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes content over the registry API, as `docker push` does: blobs by monolithic upload, then manifests.
pub struct Seeder {
    http: reqwest::Client,
    base: String,
    authorization: Option<String>,
}

/// One pushed image manifest: its digest and what a pull downloads.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub manifest_size: usize,
    pub compressed_size: u64,
}

impl Seeder {
    pub fn new(server: &RegistryServer, authorization: Option<String>) -> Seeder {
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        Seeder { http: reqwest::Client::new(), base: server.url.clone(), authorization }
    }

    fn with_auth(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.authorization {
            Some(value) => request.header("authorization", value),
            None => request,
        }
    }

    pub async fn blob(&self, repository: &str, bytes: Vec<u8>) -> String {
        let digest = gpudeck::model::registry::sha256_digest(&bytes);
        let started = self.with_auth(self.http.post(format!("{}/v2/{repository}/blobs/uploads/", self.base)));
        let response = started.send().await.unwrap();
        assert_eq!(response.status(), 202, "upload start of {repository}");
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let location = if location.starts_with("http") { location } else { format!("{}{location}", self.base) };
        let separator = if location.contains('?') { '&' } else { '?' };
        let put = self.http.put(format!("{location}{separator}digest={digest}"));
        let response = self.with_auth(put).header("content-type", "application/octet-stream").body(bytes).send().await;
        assert_eq!(response.unwrap().status(), 201, "blob {digest} of {repository}");
        digest
    }

    pub async fn manifest(&self, repository: &str, reference: &str, media_type: &str, body: Vec<u8>) -> String {
        let digest = gpudeck::model::registry::sha256_digest(&body);
        let put = self.http.put(format!("{}/v2/{repository}/manifests/{reference}", self.base));
        let response = self.with_auth(put).header("content-type", media_type).body(body).send().await.unwrap();
        let status = response.status();
        assert_eq!(status, 201, "manifest {repository}:{reference}: {}", response.text().await.unwrap_or_default());
        digest
    }

    /// An image of two layers for `arch`, with `labels` and `created` in its config; tagged when `tag` is given.
    pub async fn image(&self, repository: &str, tag: Option<&str>, arch: &str, labels: Value, created: &str) -> Pushed {
        let config = serde_json::to_vec(&json!({
            "created": created, "architecture": arch, "os": "linux",
            "config": {"Entrypoint": ["/app"], "Cmd": ["--serve"], "Labels": labels},
            "rootfs": {"type": "layers", "diff_ids": []},
        }))
        .unwrap();
        self.image_with_config(repository, tag, config, arch).await
    }

    /// An image whose config blob is `config` as given (malformed ones included).
    pub async fn image_with_config(&self, repository: &str, tag: Option<&str>, config: Vec<u8>, seed: &str) -> Pushed {
        let layers: Vec<Vec<u8>> =
            (0..2).map(|i| format!("{repository} {seed} layer {i} ").repeat(50 + i * 30).into_bytes()).collect();
        let mut descriptors = Vec::new();
        let mut compressed = config.len() as u64;
        for layer in layers {
            compressed += layer.len() as u64;
            let size = layer.len();
            descriptors.push(json!({"mediaType": LAYER, "digest": self.blob(repository, layer).await, "size": size}));
        }
        let config_size = config.len();
        let config_digest = self.blob(repository, config).await;
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": config_digest, "size": config_size},
            "layers": descriptors,
        }))
        .unwrap();
        let manifest_size = manifest.len();
        let digest = gpudeck::model::registry::sha256_digest(&manifest);
        self.manifest(repository, tag.unwrap_or(&digest), MANIFEST, manifest).await;
        Pushed { digest, manifest_size, compressed_size: compressed }
    }

    /// A multi-arch index over images already pushed, tagged `tag`.
    pub async fn index(&self, repository: &str, tag: &str, images: &[(&str, &Pushed)]) -> String {
        let manifests: Vec<Value> = images
            .iter()
            .map(|(arch, p)| {
                json!({"mediaType": MANIFEST, "digest": p.digest, "size": p.manifest_size,
                    "platform": {"architecture": arch, "os": "linux"}})
            })
            .collect();
        let index =
            serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests})).unwrap();
        self.manifest(repository, tag, INDEX, index).await
    }
}

/// Writes `~/.docker/config.json` with `config` into a fresh directory; returns it.
pub fn docker_config(config: Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    std::fs::write(path.join("config.json"), serde_json::to_vec(&config).unwrap()).unwrap();
    (dir, path)
}
