use super::*;
use crate::model::pods::PodRow;
use crate::model::registry::RegistryError;
use crate::model::{Health, ObjectId};

fn pod(name: &str, node: &str, image: &str, digest: Option<&str>, pulling: bool) -> PodRow {
    PodRow {
        id: ObjectId { namespace: "ml".into(), name: name.into(), uid: format!("uid-{name}") },
        ready: (0, 1),
        status: if pulling { "ImagePullBackOff".into() } else { "Running".into() },
        health: if pulling { Health::Error } else { Health::Ok },
        restarts: 0,
        last_restart: None,
        created: 0,
        node: node.into(),
        gpus: 0,
        why: String::new(),
        labels: Default::default(),
        owner: None,
        claims: Vec::new(),
        empty_dir: false,
        containers: vec!["main".into()],
        ports: Vec::new(),
        usage: None,
        gpu_util: None,
        images: vec![(image.into(), digest.map(std::sync::Arc::from))],
        pull_image: pulling.then(|| image.to_string()),
        registry: None,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn registries_pods_use_are_browsed_once_and_their_repositories_listed_with_pod_counts() {
    let pods = [
        pod("web-1", "n1", "ghcr.io/acme/web:5.2.1", Some("sha256:a"), false),
        pod("web-2", "n2", "ghcr.io/acme/web:5.2.1", Some("sha256:b"), false),
        pod("rr-1", "n1", "ghcr.io/acme/reranker:2.4.1", None, true),
    ];
    let mut images = Images::new(strings(&["127.0.0.1:5000"]));
    let mut effects = Vec::new();
    effects.extend(images.enter(pods.iter(), 1000, true));
    let browsed: Vec<(&str, &[String])> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::BrowseRegistry { registry, known } => Some((registry.as_str(), known.as_slice())),
            _ => None,
        })
        .collect();
    let known = strings(&["acme/reranker", "acme/web"]);
    assert_eq!(browsed, vec![("127.0.0.1:5000", &[][..]), ("ghcr.io", &known[..])]);
    effects.clear();
    effects.extend(images.enter(pods.iter(), 1001, false));
    effects.extend(images.enter(pods.iter(), 1001 + BROWSE_AGAIN_AFTER, false));
    assert!(effects.is_empty(), "a registry is browsed once, not at every settle");

    images.absorb_catalog("ghcr.io", Ok(strings(&["acme/reranker", "acme/web", "acme/tools"])));
    images.absorb_tags(
        "ghcr.io",
        vec![
            ("acme/web".into(), Ok(strings(&["5.2.0", "5.10.0", "5.2.1"]))),
            ("acme/reranker".into(), Ok(strings(&["2.3.0", "2.4.0"]))),
            ("acme/tools".into(), Err("denied".into())),
        ],
    );
    images.repos.refresh(None, 0);
    let web = images.repos.get("ghcr.io/acme/web").unwrap();
    assert_eq!(
        (web.pods, web.tags.clone()),
        (2, Some(Ok(lines::TagSummary { count: 3, newest: Some("5.10.0".into()) })))
    );
    assert!(images.repos.get("ghcr.io/acme/reranker").unwrap().failing);
    assert_eq!(images.repos.get("ghcr.io/acme/tools").unwrap().tags, Some(Err("denied".into())));

    // Back in the pane a minute later: listed again; a repository gone from the catalog goes unless pods use it.
    effects.extend(images.enter(pods.iter(), 1000 + BROWSE_AGAIN_AFTER, true));
    let again: Vec<&Effect> = effects
        .iter()
        .filter(|e| matches!(e, Effect::BrowseRegistry { registry, .. } if registry == "ghcr.io"))
        .collect();
    assert_eq!(
        (effects.len(), again.len()),
        (1, 1),
        "ghcr.io asked again; 127.0.0.1:5000 is still being listed: {effects:?}"
    );
    images.absorb_catalog("ghcr.io", Ok(strings(&["acme/web"])));
    images.repos.refresh(None, 0);
    assert!(images.repos.get("ghcr.io/acme/tools").is_none());
    assert!(images.repos.get("ghcr.io/acme/reranker").is_some(), "pods still use it");
}

#[test]
fn tags_open_newest_first_with_the_missing_tag_pods_want_flagged_then_a_manifest() {
    let pods = [pod("rr-1", "n1", "ghcr.io/acme/reranker:2.4.1", None, true)];
    let mut images = Images::new(Vec::new());
    let mut effects = Vec::new();
    effects.extend(images.enter(pods.iter(), 1000, true));
    images.absorb_tags("ghcr.io", vec![("acme/reranker".into(), Ok(strings(&["2.3.0", "2.4.0"])))]);
    images.repos.refresh(None, 0);
    images.repos.select_uid("ghcr.io/acme/reranker".into());
    effects.extend(images.drill_in());
    images.tags.refresh(None, 0);
    let shown: Vec<(String, bool, bool)> =
        images.tags.window(0, images.tags.len()).map(|t| (t.id.name.clone(), t.failing, t.missing)).collect();
    assert_eq!(
        shown,
        vec![("2.4.1".into(), true, true), ("2.4.0".into(), false, false), ("2.3.0".into(), false, false)]
    );

    effects.clear();
    images.tags.select_uid("2.4.0".into());
    effects.extend(images.drill_in());
    let Some(Effect::RegistryManifest { reference, generation, .. }) = effects.first() else { panic!("{effects:?}") };
    assert_eq!(reference, "2.4.0");
    let generation = *generation;
    images.absorb_manifest(generation + 1, Err("late answer of another request".into()));
    assert_eq!(images.detail.as_ref().unwrap().manifest, None, "answers to other requests are dropped");
    images.absorb_manifest(generation, Err("manifest unknown".into()));
    assert!(images.detail.as_ref().unwrap().manifest.is_some());
    assert!(images.back() && images.detail.is_none() && images.showing_tags());
    assert!(images.back() && !images.showing_tags());
    assert!(!images.back(), "nothing left to close");
}

#[test]
fn typed_repositories_are_listed_where_the_registry_has_no_catalog_and_checks_are_not_repeated() {
    let mut images = Images::new(Vec::new());
    let mut effects = Vec::new();
    effects.extend(images.open_typed("docker.io/library/nginx").unwrap());
    assert_eq!(
        effects,
        vec![Effect::BrowseRegistry { registry: "docker.io".into(), known: strings(&["library/nginx"]) }]
    );
    assert_eq!(images.open.as_deref(), Some("docker.io/library/nginx"));
    images.absorb_catalog("docker.io", Err("unauthorized: no credentials for docker.io".into()));
    assert!(matches!(images.registries.get("docker.io"), Some(Listing::NoCatalog(_))));
    assert!(images.open_typed("ghcr.io/Not A Reference").is_err());
    assert!(images.open_typed("no such host!").is_err());

    effects.clear();
    effects.extend(images.want_check("ghcr.io/a/b:1", Some("linux/amd64"), 1000));
    effects.extend(images.want_check("ghcr.io/a/b:1", Some("linux/amd64"), 1010));
    assert_eq!(effects.len(), 1, "one question per image while the answer is fresh");
    let verdict = PullVerdict::MissingTag { tag: "1".into(), nearest: strings(&["0.9"]) };
    images.absorb_check("ghcr.io/a/b:1", verdict, 1010);
    assert_eq!(images.verdict("ghcr.io/a/b:1", "Back-off").as_deref(), Some("registry: tag 1 not found; nearest: 0.9"));
    let unreachable = RegistryError::Unreachable { registry: "ghcr.io".into(), why: "timed out".into() };
    images.absorb_check("ghcr.io/a/c:1", PullVerdict::Failed(unreachable), 1010);
    assert_eq!(
        images.verdict("ghcr.io/a/c:1", "x509: certificate signed by unknown authority").as_deref(),
        Some("x509: certificate signed by unknown authority · registry: cannot reach ghcr.io: timed out"),
        "when the registry cannot say, the kubelet's error stays first"
    );
    effects.extend(images.want_check("ghcr.io/a/b:1", None, 1010 + CHECK_AGAIN_AFTER));
    assert_eq!(effects.len(), 2, "asked again once the answer is old");
    assert!(images.verdict("ghcr.io/a/b:1", "").is_some(), "the old verdict stays shown while the new one is asked");
}
