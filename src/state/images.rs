//! The images pane: registries → repositories → tags → one manifest's detail; which pods and nodes run each image;
//! the registries' verdicts on images pods cannot pull. Pure: requests go out as effects.

pub mod lines;
mod usage;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::table::{Delta, Table};
use crate::event::Effect;
use crate::model::ObjectId;
use crate::model::pods::PodRow;
use crate::model::registry::credentials::registry_key;
use crate::model::registry::{ImageRef, ManifestDetail, PullVerdict, is_version, version_order};
use lines::{RepoLine, TagLine, TagSummary};
pub use usage::{Usage, Users};

/// A verdict is asked again after this long (seconds): an operator may have pushed the tag meanwhile.
pub const CHECK_AGAIN_AFTER: i64 = 60;
/// Coming back to the pane lists a registry again when its listing is older than this (seconds).
pub const BROWSE_AGAIN_AFTER: i64 = 60;
/// While pods churn, who uses which image is worked out again at most this often (seconds), not per burst.
const USAGE_EVERY: i64 = 2;

/// What a registry's catalog said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    Loading,
    Catalog(usize),
    /// No catalog for us (Docker Hub, GHCR, or not allowed): the repositories pods use are listed instead.
    NoCatalog(String),
}

/// The manifest shown for one tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub generation: u64,
    /// None while it is fetched.
    pub manifest: Option<Result<ManifestDetail, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub asked: i64,
    pub verdict: Option<PullVerdict>,
}

#[derive(Debug, Default)]
pub struct Images {
    /// Registries from `--registry` and the config, browsed even when no pod uses them.
    pub configured: Vec<String>,
    pub registries: BTreeMap<String, Listing>,
    /// When each registry was last asked for its listing.
    browsed_at: HashMap<String, i64>,
    usage_at: i64,
    pub repos: Table<RepoLine>,
    pub tags: Table<TagLine>,
    /// Each repository's tags as listed, in version order (uid → tags).
    listed: HashMap<String, Vec<String>>,
    /// The repository whose tags are shown (its uid).
    pub open: Option<String>,
    pub detail: Option<Detail>,
    generation: u64,
    pub usage: Usage,
    /// Pods changed since usage was worked out.
    pub usage_stale: bool,
    /// Image (as pods name it) → the registry's verdict.
    pub checks: HashMap<String, Check>,
    /// Repositories typed with `:images REF` (uids), listed even where there is no catalog.
    typed: BTreeSet<String>,
    /// The clock at the last `enter`, stamped on listings asked for.
    now: i64,
}

impl Images {
    pub fn new(configured: Vec<String>) -> Images {
        let mut images = Images { configured, usage_stale: true, ..Images::default() };
        images.tags = Table::sorted_by(0, true);
        images
    }

    /// The pane is in view (`arriving`: it just came into view): work out usage if pods changed, and browse
    /// registries not browsed yet, or, on arrival, not for a minute.
    pub fn enter<'a>(&mut self, pods: impl Iterator<Item = &'a PodRow>, now: i64, arriving: bool) -> Vec<Effect> {
        self.now = now;
        let recount = self.usage_stale && (arriving || now - self.usage_at >= USAGE_EVERY);
        if recount {
            self.usage = Usage::of(pods);
            self.usage_stale = false;
            self.usage_at = now;
            self.refresh_counts();
        }
        // Which registries to list changes only on arrival or with usage (`:images` browses its own).
        if !(arriving || recount) {
            return Vec::new();
        }
        if arriving {
            let old: Vec<String> = self
                .browsed_at
                .iter()
                .filter(|(r, at)| {
                    now - **at >= BROWSE_AGAIN_AFTER && self.registries.get(*r) != Some(&Listing::Loading)
                })
                .map(|(r, _)| r.clone())
                .collect();
            for registry in old {
                self.registries.remove(&registry);
            }
        }
        let typed = self.typed.iter().filter_map(|uid| uid.split_once('/').map(|(registry, _)| registry.to_string()));
        let wanted: BTreeSet<String> =
            self.configured.iter().cloned().chain(self.usage.registries().map(String::from)).chain(typed).collect();
        wanted.into_iter().filter_map(|registry| self.browse(registry)).collect()
    }

    /// Lists `registry` unless it is listed or being listed.
    fn browse(&mut self, registry: String) -> Option<Effect> {
        if self.registries.contains_key(&registry) {
            return None;
        }
        let mut known: BTreeSet<String> = self.usage.repositories(&registry).map(String::from).collect();
        known.extend(self.typed.iter().filter_map(|uid| Some(uid.strip_prefix(&format!("{registry}/"))?.to_string())));
        for repository in &known {
            self.upsert_repo(&registry, repository);
        }
        let effect = Effect::BrowseRegistry { registry: registry.clone(), known: known.into_iter().collect() };
        self.browsed_at.insert(registry.clone(), self.now);
        self.registries.insert(registry, Listing::Loading);
        Some(effect)
    }

    /// `:images REF`: a registry (`127.0.0.1:5000`, `https://r.example`) is browsed; a repository (`ghcr.io/org/app`)
    /// is listed and opened, for registries without a catalog.
    pub fn open_typed(&mut self, input: &str) -> Result<Option<Effect>, String> {
        let input = input.trim();
        let bare = input.split_once("://").map_or(input, |(_, rest)| rest).trim_end_matches('/');
        if !bare.contains('/') {
            let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
            if bare.is_empty() || !bare.chars().all(valid) {
                return Err(format!("\"{input}\" is neither a registry (host[:port]) nor a repository (host/name)"));
            }
            let registry = registry_key(input);
            if !self.configured.contains(&registry) {
                self.configured.push(registry.clone());
            }
            self.registries.remove(&registry);
            return Ok(self.browse(registry));
        }
        let image = ImageRef::parse(bare)?;
        let uid = image.repository_key();
        self.typed.insert(uid.clone());
        // Asked again so the typed repository is listed, whatever the registry's catalog said before.
        self.registries.remove(&image.registry);
        let effect = self.browse(image.registry.clone());
        self.open = Some(uid);
        self.detail = None;
        self.rebuild_tags();
        Ok(effect)
    }

    pub fn absorb_catalog(&mut self, registry: &str, repositories: Result<Vec<String>, String>) {
        let listing = match repositories {
            Ok(repositories) => {
                // Repositories gone from the catalog since the last listing go, unless pods use or someone typed them.
                let listed: BTreeSet<&String> = repositories.iter().collect();
                let gone: Vec<String> = self
                    .repos
                    .all()
                    .filter(|l| l.id.namespace == registry && l.pods == 0 && !listed.contains(&l.id.name))
                    .filter(|l| !self.typed.contains(&l.id.uid))
                    .map(|l| l.id.uid.clone())
                    .collect();
                for uid in &gone {
                    self.listed.remove(uid);
                }
                self.repos.apply(Delta { reset: false, upserts: vec![], deletes: gone });
                for repository in &repositories {
                    self.upsert_repo(registry, repository);
                }
                Listing::Catalog(repositories.len())
            }
            Err(why) => Listing::NoCatalog(why),
        };
        self.registries.insert(registry.to_string(), listing);
    }

    pub fn absorb_tags(&mut self, registry: &str, batch: Vec<(String, Result<Vec<String>, String>)>) {
        let mut lines = Vec::with_capacity(batch.len());
        let mut opened = false;
        for (repository, tags) in batch {
            let uid = format!("{registry}/{repository}");
            let summary = tags.map(|mut tags| {
                tags.sort_by(|a, b| version_order(a, b));
                // The highest version, not `latest`: that is what an operator compares a pod's tag with.
                let newest = tags.iter().rev().find(|t| is_version(t)).or(tags.last()).cloned();
                let summary = TagSummary { count: tags.len(), newest };
                self.listed.insert(uid.clone(), tags);
                summary
            });
            let mut line = self.repo_line(registry, &repository);
            line.tags = Some(summary);
            opened |= self.open.as_deref() == Some(uid.as_str());
            lines.push(line);
        }
        self.repos.apply(Delta { reset: false, upserts: lines, deletes: vec![] });
        if opened {
            self.rebuild_tags();
        }
    }

    /// enter: a repository opens its tags; a tag opens its manifest.
    pub fn drill_in(&mut self) -> Option<Effect> {
        if self.detail.is_some() {
            return None;
        }
        let Some(open) = self.open.clone() else {
            self.open = self.repos.selected_row().map(|r| r.id.uid.clone());
            // A filter typed over another repository's tags would hide this one's.
            self.tags.set_filter("");
            self.rebuild_tags();
            return None;
        };
        let tag = self.tags.selected_row().map(|t| t.id.name.clone())?;
        let line = self.repos.get(&open)?;
        let (registry, repository) = (line.id.namespace.clone(), line.id.name.clone());
        self.generation += 1;
        let effect = Effect::RegistryManifest {
            registry: registry.clone(),
            repository: repository.clone(),
            reference: tag.clone(),
            generation: self.generation,
        };
        self.detail = Some(Detail { registry, repository, tag, generation: self.generation, manifest: None });
        Some(effect)
    }

    pub fn absorb_manifest(&mut self, generation: u64, manifest: Result<ManifestDetail, String>) {
        if let Some(detail) = self.detail.as_mut().filter(|d| d.generation == generation) {
            detail.manifest = Some(manifest);
        }
    }

    /// esc: the detail closes, then the tags; says whether there was anything to close.
    pub fn back(&mut self) -> bool {
        if self.detail.take().is_some() {
            return true;
        }
        self.open.take().is_some()
    }

    /// The line being shown: tags of the open repository, or the repositories.
    pub fn showing_tags(&self) -> bool {
        self.open.is_some()
    }

    /// Who uses the open repository's image at `tag`.
    pub fn users(&self, tag: &str) -> Option<&Users> {
        self.usage.of_tag(self.open.as_deref()?, tag)
    }

    /// What pods and triage say about a pod that cannot pull `image`, given the kubelet's message: the registry's
    /// answer alone when it names the cause, after the kubelet's own error when it does not (the registry has the
    /// image, or could not be asked from here).
    pub fn verdict(&self, image: &str, kubelet: &str) -> Option<String> {
        let verdict = self.checks.get(image)?.verdict.as_ref()?;
        let names_the_cause = matches!(
            verdict,
            PullVerdict::MissingTag { .. }
                | PullVerdict::MissingRepository { .. }
                | PullVerdict::MissingPlatform { .. }
        );
        Some(if names_the_cause || kubelet.is_empty() {
            format!("registry: {verdict}")
        } else {
            format!("{kubelet} · registry: {verdict}")
        })
    }

    /// Asks the registry about an image a pod cannot pull, unless it was asked recently.
    pub fn want_check(&mut self, image: &str, platform: Option<&str>, now: i64) -> Option<Effect> {
        if self.checks.get(image).is_some_and(|c| now - c.asked < CHECK_AGAIN_AFTER) {
            return None;
        }
        let verdict = self.checks.remove(image).and_then(|c| c.verdict);
        // Images no pod has asked about for ten minutes are pulled fine now, or gone with their pods.
        self.checks.retain(|_, c| now - c.asked < 10 * CHECK_AGAIN_AFTER);
        self.checks.insert(image.to_string(), Check { asked: now, verdict });
        Some(Effect::CheckImage { image: image.to_string(), platform: platform.map(String::from) })
    }

    pub fn absorb_check(&mut self, image: &str, verdict: PullVerdict, now: i64) {
        self.checks.insert(image.to_string(), Check { asked: now, verdict: Some(verdict) });
    }

    fn repo_line(&self, registry: &str, repository: &str) -> RepoLine {
        let uid = format!("{registry}/{repository}");
        let existing = self.repos.get(&uid);
        RepoLine {
            id: ObjectId { namespace: registry.into(), name: repository.into(), uid: uid.clone() },
            tags: existing.and_then(|l| l.tags.clone()),
            pods: self.usage.pods_of(&uid),
            failing: self.usage.failing(&uid),
        }
    }

    fn upsert_repo(&mut self, registry: &str, repository: &str) {
        let line = self.repo_line(registry, repository);
        if self.repos.get(&line.id.uid) != Some(&line) {
            self.repos.apply(Delta { reset: false, upserts: vec![line], deletes: vec![] });
        }
    }

    /// Pod counts of every repository line, after usage changed.
    fn refresh_counts(&mut self) {
        let usage = &self.usage;
        self.repos.update_each(true, |line| {
            let (pods, failing) = (usage.pods_of(&line.id.uid), usage.failing(&line.id.uid));
            let changed = (line.pods, line.failing) != (pods, failing);
            (line.pods, line.failing) = (pods, failing);
            changed
        });
        self.rebuild_tags();
    }

    /// The open repository's tags, plus the tags pods name that the registry does not list (flagged).
    fn rebuild_tags(&mut self) {
        let Some(uid) = self.open.clone() else { return };
        let mut tags: Vec<String> = self.listed.get(&uid).cloned().unwrap_or_default();
        let used = self.usage.tags(&uid);
        tags.extend(used.filter(|t| !t.starts_with("sha256:")).map(String::from));
        tags.sort_by(|a, b| version_order(a, b));
        tags.dedup();
        let listed: Option<std::collections::HashSet<&String>> = self.listed.get(&uid).map(|l| l.iter().collect());
        let lines = tags
            .iter()
            .enumerate()
            .map(|(rank, tag)| {
                let users = self.usage.of_tag(&uid, tag);
                TagLine {
                    id: ObjectId { namespace: String::new(), name: tag.clone(), uid: tag.clone() },
                    rank,
                    pods: users.map_or(0, |u| u.pods.len()),
                    nodes: users.map(|u| u.nodes.iter().cloned().collect()).unwrap_or_default(),
                    failing: users.is_some_and(|u| u.failing > 0),
                    missing: listed.as_ref().is_some_and(|l| !l.contains(tag)),
                }
            })
            .collect();
        self.tags.apply(Delta { reset: true, upserts: lines, deletes: vec![] });
    }
}

#[cfg(test)]
mod tests;
