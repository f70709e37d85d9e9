//! Which pods and nodes use each image: by repository, then by the tag the spec names and the digest the
//! container runs (`imageID`). Worked out from the pods table when the images pane needs it, not per delta.

use std::collections::{BTreeSet, HashMap};

use crate::model::ObjectId;
use crate::model::pods::PodRow;
use crate::model::registry::ImageRef;

/// The pods using one tag (or digest) of a repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    pub pods: Vec<ObjectId>,
    pub nodes: BTreeSet<String>,
    /// Digests the pods' containers run, with how many run each: more than one means the tag moved under them.
    pub digests: HashMap<String, usize>,
    /// Pods that cannot pull it.
    pub failing: usize,
}

#[derive(Debug, Default)]
pub struct Usage {
    /// `registry/repository` → tag or digest → users.
    by_repository: HashMap<String, HashMap<String, Users>>,
}

impl Usage {
    pub fn of<'a>(pods: impl Iterator<Item = &'a PodRow>) -> Usage {
        // Tens of thousands of pods name a few hundred images: parse each image once.
        let mut parsed: HashMap<&str, Option<ImageRef>> = HashMap::new();
        let mut by_repository: HashMap<String, HashMap<String, Users>> = HashMap::new();
        for pod in pods {
            for (image, digest) in &pod.images {
                let Some(reference) = parsed.entry(image).or_insert_with(|| ImageRef::parse(image).ok()) else {
                    continue;
                };
                let key = reference.tag.clone().or_else(|| reference.digest.clone()).unwrap_or_default();
                let users = by_repository.entry(reference.repository_key()).or_default().entry(key).or_default();
                users.pods.push(pod.id.clone());
                if !pod.node.is_empty() {
                    users.nodes.insert(pod.node.clone());
                }
                if let Some(digest) = digest {
                    *users.digests.entry(digest.to_string()).or_default() += 1;
                }
                if pod.pull_image.as_deref() == Some(&**image) {
                    users.failing += 1;
                }
            }
        }
        Usage { by_repository }
    }

    pub fn of_tag(&self, repository: &str, tag: &str) -> Option<&Users> {
        self.by_repository.get(repository)?.get(tag)
    }

    /// Registries some pod's image comes from.
    pub fn registries(&self) -> impl Iterator<Item = &str> {
        let names: BTreeSet<&str> =
            self.by_repository.keys().filter_map(|k| k.split_once('/').map(|(registry, _)| registry)).collect();
        names.into_iter()
    }

    /// Repositories of `registry` some pod uses.
    pub fn repositories<'a>(&'a self, registry: &'a str) -> impl Iterator<Item = &'a str> {
        self.by_repository.keys().filter_map(move |k| k.strip_prefix(registry)?.strip_prefix('/'))
    }

    /// Tags (and pinned digests) pods name in `repository`.
    pub fn tags<'a>(&'a self, repository: &str) -> impl Iterator<Item = &'a str> {
        self.by_repository.get(repository).into_iter().flat_map(|tags| tags.keys().map(String::as_str))
    }

    pub fn pods_of(&self, repository: &str) -> usize {
        self.by_repository.get(repository).map_or(0, |tags| tags.values().map(|u| u.pods.len()).sum())
    }

    pub fn failing(&self, repository: &str) -> bool {
        self.by_repository.get(repository).is_some_and(|tags| tags.values().any(|u| u.failing > 0))
    }
}
