//! The sim's image registry: which repositories and tags exist, so pulls of a missing tag fail like containerd's.

/// Repositories the sim knows; an image of one of these with any other tag fails to pull.
/// Images of repositories not listed always pull (tests and users bring their own).
pub const CATALOG: &[(&str, &[&str])] = &[
    ("nvcr.io/nvidia/pytorch", &["24.08-py3", "24.10-py3", "24.12-py3"]),
    ("nvcr.io/nvidia/tritonserver", &["24.10-py3", "24.12-py3"]),
    ("nvcr.io/nvidia/k8s/dcgm-exporter", &["3.3.8-3.6.0-ubuntu22.04"]),
    ("nvcr.io/nvidia/k8s-device-plugin", &["v0.16.2"]),
    ("nvcr.io/nvidia/gpu-operator", &["v24.6.2", "v24.9.0"]),
    ("quay.io/jupyter/pytorch-notebook", &["2024-10-28", "2024-11-19"]),
    ("registry.k8s.io/coredns/coredns", &["v1.11.1", "v1.11.3"]),
    ("registry.k8s.io/etcd", &["3.5.15-0", "3.5.16-0"]),
    ("registry.k8s.io/kube-proxy", &["v1.31.8", "v1.32.4"]),
    ("registry.k8s.io/metrics-server/metrics-server", &["v0.7.1", "v0.7.2"]),
    ("ghcr.io/acme-ml/llm-server", &["1.8.0", "1.9.0", "1.9.1"]),
    ("ghcr.io/acme-ml/reranker", &["2.3.0", "2.4.0"]),
    ("ghcr.io/acme-ml/trainer", &["0.14.2", "0.15.0"]),
    ("ghcr.io/acme-ml/tokenizer", &["0.9.0", "0.9.1"]),
    ("ghcr.io/acme-ml/feature-api", &["3.1.0"]),
    ("ghcr.io/acme-ml/vector-db", &["1.4.2"]),
    ("ghcr.io/acme-ml/web", &["5.2.0", "5.2.1"]),
];

/// Splits `repo[:tag][@digest]` into (repository, tag); the tag defaults to `latest`.
pub fn split(image: &str) -> (&str, &str) {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (without_digest, "latest"),
    }
}

/// Why pulling `image` fails, in containerd's words, or None when it pulls.
pub fn pull_error(image: &str) -> Option<String> {
    let (repo, tag) = split(image);
    let (_, tags) = CATALOG.iter().find(|(r, _)| *r == repo)?;
    (!tags.contains(&tag)).then(|| {
        format!(
            "failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": {image}: not found"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tags_of_known_repositories_fail() {
        assert_eq!(split("ghcr.io/acme-ml/reranker:2.4.1"), ("ghcr.io/acme-ml/reranker", "2.4.1"));
        assert_eq!(split("localhost:5000/app"), ("localhost:5000/app", "latest"));
        assert!(pull_error("ghcr.io/acme-ml/reranker:2.4.1").is_some_and(|e| e.contains("not found")));
        assert!(pull_error("ghcr.io/acme-ml/reranker:2.4.0").is_none());
        assert!(pull_error("nginx:1.27").is_none());
    }
}
