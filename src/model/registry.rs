//! Registry facts → the console's own types: image references, tag order, nearest tags, auth challenges, paging
//! links, manifest and config summaries, errors and pull verdicts. Pure: the requests live in `effects/registry`.

pub mod credentials;
mod tags;

use std::collections::BTreeMap;
use std::fmt;

use oci_client::manifest::{OciImageIndex, OciImageManifest, OciManifest};

use crate::sanitize::clean;
pub use tags::{is_version, nearest, version_order};

/// Every manifest type the console reads; registries answer 404 or down-convert to schema1 without it.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

/// Docker Hub's name in image references, and where its registry API really is.
pub const DOCKER_HUB: &str = "docker.io";
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// `registry/repository[:tag][@digest]`, normalized as the container runtime does (`nginx` is
/// `docker.io/library/nginx:latest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(image: &str) -> Result<ImageRef, String> {
        let parsed = oci_client::Reference::try_from(image.trim()).map_err(|e| format!("image \"{image}\": {e}"))?;
        let digest = parsed.digest().map(String::from);
        let tag = parsed.tag().map(String::from).or_else(|| digest.is_none().then(|| "latest".to_string()));
        Ok(ImageRef {
            registry: parsed.registry().to_string(),
            repository: parsed.repository().to_string(),
            tag,
            digest,
        })
    }

    /// What a manifest request names: the digest when pinned, else the tag.
    pub fn reference(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }

    /// `registry/repository`, the key the pane and usage maps share.
    pub fn repository_key(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// How a registry asks to be authenticated (`WWW-Authenticate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer { realm: String, service: Option<String>, scope: Option<String>, error: Option<String> },
}

impl Challenge {
    pub fn parse(header: &str) -> Option<Challenge> {
        let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
        if scheme.eq_ignore_ascii_case("basic") {
            return Some(Challenge::Basic);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let params = auth_params(rest);
        let get = |k: &str| params.get(k).cloned();
        Some(Challenge::Bearer {
            realm: get("realm")?,
            service: get("service"),
            scope: get("scope"),
            error: get("error"),
        })
    }
}

/// `k="v", k2=v2` pairs; quoted values may hold commas (scopes like `repository:a:pull,push`).
fn auth_params(text: &str) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (value, tail) = match after.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            },
            None => after.split_once(',').unwrap_or((after, "")),
        };
        params.insert(key, value.trim().to_string());
        rest = tail.trim_start_matches([',', ' ']);
    }
    params
}

/// The next page of a `Link: <url>; rel="next"` header, resolved against the registry's base URL.
pub fn next_link(header: &str, base: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.replace(' ', "").contains("rel=\"next\"") {
            return None;
        }
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        Some(if url.starts_with("http://") || url.starts_with("https://") {
            url.to_string()
        } else {
            format!("{}/{}", base.trim_end_matches('/'), url.trim_start_matches('/'))
        })
    })
}

/// One platform of an image: its manifest, what it takes to pull, and its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformImage {
    /// `linux/arm64/v8`.
    pub platform: String,
    pub digest: String,
    /// Config plus every layer, compressed, as a pull downloads it.
    pub compressed_size: u64,
    pub layers: usize,
    pub config: Result<ImageConfig, String>,
}

/// What an image config says about the image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageConfig {
    /// RFC 3339, as written.
    pub created: Option<String>,
    pub platform: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

/// The fields of an image config the console shows; the rest (rootfs, history) is not read. Only `os` and
/// `architecture` are required, as the image spec says.
#[derive(serde::Deserialize)]
struct ConfigFile {
    created: Option<String>,
    os: String,
    architecture: String,
    variant: Option<String>,
    #[serde(default)]
    config: ContainerConfig,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ContainerConfig {
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    labels: Option<BTreeMap<String, String>>,
}

impl ImageConfig {
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
        let file: ConfigFile = serde_json::from_slice(bytes).map_err(|e| format!("image config: {e}"))?;
        let cleaned = |v: Option<Vec<String>>| v.unwrap_or_default().iter().map(|s| clean(s)).collect();
        let platform = match &file.variant {
            Some(v) => format!("{}/{}/{v}", file.os, file.architecture),
            None => format!("{}/{}", file.os, file.architecture),
        };
        Ok(ImageConfig {
            created: file.created.map(|c| clean(&c)),
            platform: clean(&platform),
            entrypoint: cleaned(file.config.entrypoint),
            cmd: cleaned(file.config.cmd),
            labels: file.config.labels.unwrap_or_default().iter().map(|(k, v)| (clean(k), clean(v))).collect(),
        })
    }
}

/// A manifest as fetched: an image, or an index of per-platform images (filled in as they are fetched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestDetail {
    pub digest: String,
    pub media_type: String,
    /// An index (multi-platform) rather than a single image.
    pub index: bool,
    /// The platforms, in the index's order; a platform whose manifest could not be read says why.
    pub platforms: Vec<Result<PlatformImage, (String, String)>>,
}

/// A manifest body, parsed: an image's config and layers, or an index's entries.
#[derive(Debug)]
pub enum Parsed {
    Image(Box<OciImageManifest>),
    Index(OciImageIndex),
}

impl Parsed {
    pub fn from_bytes(bytes: &[u8]) -> Result<Parsed, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("manifest is not JSON: {e}"))?;
        if value.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1) {
            return Err("schema1 manifest (deprecated; push it again as schema2 or OCI)".into());
        }
        match serde_json::from_value::<OciManifest>(value).map_err(|e| format!("manifest: {e}"))? {
            OciManifest::Image(image) => Ok(Parsed::Image(Box::new(image))),
            OciManifest::ImageIndex(index) => Ok(Parsed::Index(index)),
        }
    }
}

/// Config plus layers: what pulling one image manifest downloads.
pub fn compressed_size(image: &OciImageManifest) -> u64 {
    let sizes = std::iter::once(image.config.size).chain(image.layers.iter().map(|l| l.size));
    // Sizes are the registry's word: a negative one counts as nothing, an absurd total stops at the maximum.
    sizes.map(|s| u64::try_from(s).unwrap_or(0)).fold(0, u64::saturating_add)
}

/// `os/arch[/variant]` of an index entry, sanitized; attestation manifests say `unknown/unknown`.
pub fn platform_name(entry: &oci_client::manifest::ImageIndexEntry) -> String {
    let name = match &entry.platform {
        Some(p) => match &p.variant {
            Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
            None => format!("{}/{}", p.os, p.architecture),
        },
        None => "unknown/unknown".into(),
    };
    clean(&name)
}

/// Whether an image for `have` runs on a node of `want` (`linux/arm64` matches `linux/arm64/v8`).
pub fn platform_matches(have: &str, want: &str) -> bool {
    have == want || have.starts_with(&format!("{want}/"))
}

/// Why a registry request failed, in the words an operator acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("unauthorized: no credentials for {registry}")]
    NoCredentials { registry: String },
    #[error("cannot get credentials for {registry}: {why}")]
    Credentials { registry: String, why: String },
    #[error("unauthorized: {registry} refused the credentials for {user}")]
    BadCredentials { registry: String, user: String },
    #[error("denied: {registry} refused {action} on {what}")]
    Denied { registry: String, action: String, what: String },
    #[error("{what} not found in {registry}")]
    NotFound { registry: String, what: String, code: String },
    #[error("rate limited by {registry} (429) after {attempts} tries")]
    RateLimited { registry: String, attempts: u32 },
    #[error("{registry} answered {status} after {attempts} tries: {message}")]
    Server { registry: String, status: u16, attempts: u32, message: String },
    #[error("{registry} answered {status}: {message}")]
    Refused { registry: String, status: u16, message: String },
    #[error("cannot reach {registry}: {why}")]
    Unreachable { registry: String, why: String },
    #[error("malformed {what} from {registry}: {why}")]
    Malformed { registry: String, what: String, why: String },
}

/// The first `{"errors":[{"code","message"}]}` entry of a registry error body.
pub fn error_body(body: &[u8]) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = value.get("errors")?.get(0)?;
    Some((
        clean(first.get("code")?.as_str().unwrap_or_default()),
        clean(first.get("message").and_then(|m| m.as_str()).unwrap_or_default()),
    ))
}

/// What the registry says about an image a pod cannot pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullVerdict {
    /// The reference resolves and has the node's platform: the registry is not the problem.
    Exists {
        digest: String,
    },
    MissingTag {
        tag: String,
        nearest: Vec<String>,
    },
    MissingRepository {
        registry: String,
        repository: String,
    },
    MissingPlatform {
        wanted: String,
        available: Vec<String>,
    },
    /// The registry could not be asked (or refused): that is the answer.
    Failed(RegistryError),
}

impl fmt::Display for PullVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PullVerdict::Exists { digest } => {
                write!(f, "the registry has it ({}); check the node's pull secret and network", short_digest(digest))
            }
            PullVerdict::MissingTag { tag, nearest } if nearest.is_empty() => {
                write!(f, "tag {tag} not found; the repository has no tags")
            }
            PullVerdict::MissingTag { tag, nearest } => {
                write!(f, "tag {tag} not found; nearest: {}", nearest.join(", "))
            }
            PullVerdict::MissingRepository { registry, repository } => {
                write!(f, "repository {repository} not found in {registry}")
            }
            PullVerdict::MissingPlatform { wanted, available } => {
                write!(f, "manifest has no {wanted} platform (has {})", available.join(", "))
            }
            PullVerdict::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// `sha256:<hex>` of content, as registries address it.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// The sha256 of content as lowercase hex, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `sha256:0123456789ab`: enough to tell digests apart on screen (a malformed one is shown whole).
pub fn short_digest(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// Human size with binary units, as registries' UIs show it.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests;
