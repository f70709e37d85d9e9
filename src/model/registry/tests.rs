use std::cmp::Ordering;

use super::*;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn references_normalize_as_the_runtime_does() {
    let hub = ImageRef::parse("nginx").unwrap();
    assert_eq!(
        (hub.registry.as_str(), hub.repository.as_str(), hub.reference()),
        ("docker.io", "library/nginx", "latest")
    );
    let local = ImageRef::parse("127.0.0.1:5000/team/app:v1").unwrap();
    assert_eq!((local.registry.as_str(), local.repository.as_str()), ("127.0.0.1:5000", "team/app"));
    assert_eq!(local.repository_key(), "127.0.0.1:5000/team/app");
    let pinned = ImageRef::parse(&format!("ghcr.io/a/b@sha256:{}", "0".repeat(64))).unwrap();
    assert_eq!(pinned.tag, None);
    assert!(pinned.reference().starts_with("sha256:"));
    assert!(ImageRef::parse("UPPER/case:bad tag").is_err());
}

#[test]
fn versions_sort_by_number_with_prereleases_first_and_words_after_versions() {
    let mut tags = strings(&["v1.10", "latest", "v1.2", "v1.3-rc1", "v1.3", "v1.9", "24.12-py3", "main"]);
    tags.sort_by(|a, b| version_order(a, b));
    assert_eq!(tags, strings(&["v1.2", "v1.3-rc1", "v1.3", "v1.9", "v1.10", "24.12-py3", "latest", "main"]));
    assert_eq!(version_order("1.2.1", "1.2"), Ordering::Greater);
    assert_eq!(version_order("2.4.0", "2.4.1"), Ordering::Less);
}

#[test]
fn nearest_tags_share_the_longest_prefix_then_neighbour_in_order() {
    let tags = strings(&["v1.0", "v1.1", "v1.2", "v1.3-rc1", "v2.0"]);
    assert_eq!(nearest("v1.3", &tags), strings(&["v1.2", "v1.3-rc1"]));
    assert_eq!(nearest("2.4.1", &strings(&["2.3.0", "2.4.0"])), strings(&["2.3.0", "2.4.0"]));
    assert!(nearest("v1", &[]).is_empty());
}

#[test]
fn challenges_and_links_parse_as_registries_send_them() {
    let bearer = r#"Bearer realm="http://127.0.0.1:9/token",service="reg",scope="repository:team/app:pull,push",error="insufficient_scope""#;
    assert_eq!(
        Challenge::parse(bearer),
        Some(Challenge::Bearer {
            realm: "http://127.0.0.1:9/token".into(),
            service: Some("reg".into()),
            scope: Some("repository:team/app:pull,push".into()),
            error: Some("insufficient_scope".into()),
        })
    );
    assert_eq!(Challenge::parse(r#"Basic realm="r""#), Some(Challenge::Basic));
    assert_eq!(Challenge::parse("Negotiate"), None);
    let base = "http://127.0.0.1:5000";
    assert_eq!(
        next_link(r#"</v2/_catalog?last=multi&n=3>; rel="next""#, base).as_deref(),
        Some("http://127.0.0.1:5000/v2/_catalog?last=multi&n=3")
    );
    assert_eq!(next_link(r#"<https://r.example/v2/x/tags/list?n=2>; rel="prev""#, base), None);
}

#[test]
fn configs_keep_what_operators_read_and_strip_escapes() {
    let config = br#"{"created":"2024-05-01T10:00:00Z","os":"linux","architecture":"arm64","variant":"v8",
        "config":{"Entrypoint":["/bin/serve"],"Cmd":["--port","80"],"Labels":{"title":"demo\u001b[31m"}},
        "rootfs":{"type":"layers","diff_ids":[]}}"#;
    let parsed = ImageConfig::parse(config).unwrap();
    assert_eq!(parsed.platform, "linux/arm64/v8");
    assert_eq!(parsed.entrypoint, strings(&["/bin/serve"]));
    assert_eq!(parsed.created.as_deref(), Some("2024-05-01T10:00:00Z"));
    assert!(!parsed.labels["title"].contains('\u{1b}'));
    assert!(ImageConfig::parse(b"{\"os\":\"linux\"}").unwrap_err().contains("architecture"));
}

#[test]
fn manifests_parse_images_and_indexes_and_refuse_schema1() {
    let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:c","size":100},
        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:l","size":900}]}"#;
    let Ok(Parsed::Image(m)) = Parsed::from_bytes(image) else { panic!("an image manifest") };
    assert_eq!(compressed_size(&m), 1000);
    let index = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
        "digest":"sha256:a","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}"#;
    let Ok(Parsed::Index(i)) = Parsed::from_bytes(index) else { panic!("an index") };
    assert_eq!(platform_name(&i.manifests[0]), "linux/arm64/v8");
    assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
    assert!(!platform_matches("linux/amd64", "linux/arm64"));
    assert!(Parsed::from_bytes(br#"{"schemaVersion":1,"name":"x"}"#).unwrap_err().contains("schema1"));
    assert!(Parsed::from_bytes(b"<html>").unwrap_err().contains("not JSON"));
}

#[test]
fn verdicts_say_exactly_what_is_wrong() {
    let missing = PullVerdict::MissingTag { tag: "v1.3".into(), nearest: strings(&["v1.2", "v1.3-rc1"]) };
    assert_eq!(missing.to_string(), "tag v1.3 not found; nearest: v1.2, v1.3-rc1");
    let creds = PullVerdict::Failed(RegistryError::NoCredentials { registry: "registry.example:5000".into() });
    assert_eq!(creds.to_string(), "unauthorized: no credentials for registry.example:5000");
    let platform = PullVerdict::MissingPlatform { wanted: "linux/arm64".into(), available: strings(&["linux/amd64"]) };
    assert_eq!(platform.to_string(), "manifest has no linux/arm64 platform (has linux/amd64)");
    assert_eq!(
        error_body(br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known"}]}"#),
        Some(("NAME_UNKNOWN".into(), "repository name not known".into()))
    );
    assert_eq!(human_size(1536), "1.5 KiB");
}
