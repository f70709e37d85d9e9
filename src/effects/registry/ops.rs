//! What the console asks registries: the catalog (paged), a repository's tags (paged), a manifest with each
//! platform's size and config, and whether an image a pod cannot pull exists for its node's platform.

use futures_util::StreamExt;

use super::{Ask, RegistryClient};
use crate::model::registry::{
    ImageConfig, ImageRef, MANIFEST_ACCEPT, ManifestDetail, Parsed, PlatformImage, PullVerdict, RegistryError,
    compressed_size, nearest, next_link, platform_matches, platform_name, sha256_digest,
};
use crate::sanitize::clean;

/// A registry that keeps sending `next` links is cut off here rather than followed forever.
const MAX_PAGES: usize = 1000;

impl RegistryClient {
    /// Every repository in the registry's catalog, following `Link` pages.
    pub async fn catalog(&self, registry: &str) -> Result<Vec<String>, RegistryError> {
        let first = format!("/v2/_catalog?n={}", self.settings().catalog_page.max(1));
        let scope = "registry:catalog:*".to_string();
        self.listing(registry, &first, scope, "the catalog".into(), "catalog", "repositories").await
    }

    /// Every tag of `repository`, following `Link` pages; a repository whose tags were all deleted has none.
    pub async fn tags(&self, registry: &str, repository: &str) -> Result<Vec<String>, RegistryError> {
        let first = format!("/v2/{repository}/tags/list");
        let scope = format!("repository:{repository}:pull");
        let (what, page) = (format!("repository {repository}"), format!("tag list of {repository}"));
        self.listing(registry, &first, scope, what, &page, "tags").await
    }

    /// The names under `field` of every page from `first` on, sanitized; `null` (all deleted) is none. A page that
    /// is not such a list is `malformed {page}`.
    async fn listing(
        &self,
        registry: &str,
        first: &str,
        scope: String,
        what: String,
        page: &str,
        field: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let base = self.settings().base_url(registry);
        let mut names = Vec::new();
        let mut pages = 0;
        let mut next = Some(first.to_string());
        while let Some(path) = next.take() {
            let ask = Ask { registry, path: &path, accept: None, scope: scope.clone(), what: what.clone() };
            let answer = self.get(&ask).await?;
            next = answer.link.as_deref().and_then(|l| next_link(l, &base));
            if let Some(elsewhere) = next.as_deref().filter(|url| !super::same_origin(url, &base)) {
                let why = format!("the next page is on another host ({elsewhere}); not followed");
                return Err(malformed(registry, &what, why));
            }
            let mut body: serde_json::Map<String, serde_json::Value> = parse(registry, page, &answer.body)?;
            let listed: Option<Vec<String>> = match body.remove(field) {
                Some(value) => serde_json::from_value(value).map_err(|e| malformed(registry, page, e.to_string()))?,
                None => None,
            };
            names.extend(listed.unwrap_or_default().iter().map(|n| clean(n)));
            pages += 1;
            if pages >= MAX_PAGES {
                break;
            }
        }
        Ok(names)
    }

    /// The manifest `reference` names; for an index, each platform's manifest and config, fetched side by side.
    pub async fn manifest(
        &self,
        registry: &str,
        repository: &str,
        reference: &str,
    ) -> Result<ManifestDetail, RegistryError> {
        let what = &format!("{repository}:{reference}");
        let answer = self.manifest_bytes(registry, repository, reference, what).await?;
        let digest = clean(&answer.digest.clone().unwrap_or_else(|| sha256_digest(&answer.body)));
        let media_type = clean(&answer.content_type.clone().unwrap_or_default());
        let parsed = Parsed::from_bytes(&answer.body).map_err(|why| malformed(registry, what, why))?;
        let (index, platforms) = match parsed {
            Parsed::Image(image) => (false, vec![Ok(self.platform(registry, repository, &digest, &image, None).await)]),
            Parsed::Index(index) => {
                // Collected first: a lazy map would hold its closure across the awaits, and the future would not
                // be Send.
                let entries: Vec<_> =
                    index.manifests.iter().map(|entry| self.index_entry(registry, repository, entry, what)).collect();
                let platforms = futures_util::stream::iter(entries).buffered(super::IN_FLIGHT).collect().await;
                (true, platforms)
            }
        };
        Ok(ManifestDetail { digest, media_type, index, platforms })
    }

    /// One entry of an index: its image manifest and config, or why it could not be read.
    async fn index_entry(
        &self,
        registry: &str,
        repository: &str,
        entry: &oci_client::manifest::ImageIndexEntry,
        what: &str,
    ) -> Result<PlatformImage, (String, String)> {
        let child = self.manifest_bytes(registry, repository, &entry.digest, what).await;
        let image = child.map_err(|e| e.to_string()).and_then(|a| match Parsed::from_bytes(&a.body) {
            Ok(Parsed::Image(image)) => Ok(image),
            Ok(Parsed::Index(_)) => Err("a nested index".to_string()),
            Err(why) => Err(why),
        });
        let declared = platform_name(entry);
        match image {
            Ok(image) => Ok(self.platform(registry, repository, &clean(&entry.digest), &image, Some(declared)).await),
            Err(why) => Err((declared, why)),
        }
    }

    async fn manifest_bytes(
        &self,
        registry: &str,
        repository: &str,
        reference: &str,
        what: &str,
    ) -> Result<super::Answer, RegistryError> {
        let path = format!("/v2/{repository}/manifests/{reference}");
        let ask = Ask {
            registry,
            path: &path,
            accept: Some(MANIFEST_ACCEPT),
            scope: format!("repository:{repository}:pull"),
            what: what.to_string(),
        };
        self.get(&ask).await
    }

    /// One platform's image: its size from the manifest, created/labels/entrypoint from its config blob. Its
    /// platform is what the index `declared`, else what the config says.
    async fn platform(
        &self,
        registry: &str,
        repository: &str,
        digest: &str,
        image: &oci_client::manifest::OciImageManifest,
        declared: Option<String>,
    ) -> PlatformImage {
        let path = format!("/v2/{repository}/blobs/{}", image.config.digest);
        let ask = Ask {
            registry,
            path: &path,
            accept: None,
            scope: format!("repository:{repository}:pull"),
            what: format!("config {} of {repository}", crate::model::registry::short_digest(&image.config.digest)),
        };
        let config = match self.get(&ask).await {
            Ok(answer) => ImageConfig::parse(&answer.body),
            Err(e) => Err(e.to_string()),
        };
        PlatformImage {
            platform: declared
                .or_else(|| config.as_ref().ok().map(|c| c.platform.clone()))
                .unwrap_or_else(|| "unknown".into()),
            digest: digest.to_string(),
            compressed_size: compressed_size(image),
            layers: image.layers.len(),
            config,
        }
    }

    /// Whether `image` can be pulled by a node of `platform` (`linux/amd64`), as far as the registry can tell.
    pub async fn check(&self, image: &str, platform: Option<&str>) -> PullVerdict {
        let parsed = match ImageRef::parse(image) {
            Ok(parsed) => parsed,
            Err(why) => {
                return PullVerdict::Failed(RegistryError::Malformed {
                    registry: "the pod spec".into(),
                    what: "image reference".into(),
                    why,
                });
            }
        };
        let (registry, repository) = (parsed.registry.as_str(), parsed.repository.as_str());
        match self.manifest(registry, repository, parsed.reference()).await {
            Ok(detail) => {
                // Every platform the manifest names counts, read or not: the runtime picks by the index alone.
                let available: Vec<String> = detail
                    .platforms
                    .iter()
                    .map(|p| match p {
                        Ok(image) => image.platform.clone(),
                        Err((declared, _)) => declared.clone(),
                    })
                    .filter(|p| p != "unknown/unknown" && p != "unknown")
                    .collect();
                match platform {
                    Some(want) if !available.is_empty() && !available.iter().any(|p| platform_matches(p, want)) => {
                        PullVerdict::MissingPlatform { wanted: want.to_string(), available }
                    }
                    _ => PullVerdict::Exists { digest: detail.digest },
                }
            }
            Err(RegistryError::NotFound { code, .. }) if code == "NAME_UNKNOWN" => {
                PullVerdict::MissingRepository { registry: registry.into(), repository: repository.into() }
            }
            Err(RegistryError::NotFound { .. }) => match (&parsed.tag, parsed.digest.is_none()) {
                (Some(tag), true) => match self.tags(registry, repository).await {
                    Ok(tags) => PullVerdict::MissingTag { tag: tag.clone(), nearest: nearest(tag, &tags) },
                    Err(RegistryError::NotFound { .. }) => {
                        PullVerdict::MissingRepository { registry: registry.into(), repository: repository.into() }
                    }
                    Err(e) => PullVerdict::Failed(e),
                },
                _ => PullVerdict::Failed(RegistryError::NotFound {
                    registry: registry.into(),
                    what: format!("digest {} of {repository}", parsed.reference()),
                    code: "MANIFEST_UNKNOWN".into(),
                }),
            },
            Err(e) => PullVerdict::Failed(e),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(registry: &str, what: &str, body: &[u8]) -> Result<T, RegistryError> {
    serde_json::from_slice(body).map_err(|e| malformed(registry, what, e.to_string()))
}

fn malformed(registry: &str, what: &str, why: String) -> RegistryError {
    RegistryError::Malformed { registry: registry.into(), what: what.into(), why }
}
