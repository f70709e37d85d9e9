use super::*;
use crate::action::Action;
use crate::event::{Data, Effect, Facts};
use crate::model::Delta;
use crate::model::pods::PodRow;
use crate::model::services::{ServiceFacts, SliceFacts};
use crate::model::storage::VolumeUsage;
use crate::state::{Pane, State};

fn resource(api_version: &str, kind: &str, plural: &str, short: &[&str], namespaced: bool) -> KnownResource {
    KnownResource {
        api_version: api_version.into(),
        kind: kind.into(),
        plural: plural.into(),
        namespaced,
        singular: kind.to_lowercase(),
        short_names: short.iter().map(|s| s.to_string()).collect(),
        verbs: ["get", "list", "watch"].iter().map(|s| s.to_string()).collect(),
    }
}

fn served() -> Vec<KnownResource> {
    vec![
        resource("v1", "Service", "services", &["svc"], true),
        resource("v1", "Event", "events", &["ev"], true),
        resource("events.k8s.io/v1", "Event", "events", &["ev"], true),
        resource("v1", "Namespace", "namespaces", &["ns"], false),
        resource("v1", "PersistentVolumeClaim", "persistentvolumeclaims", &["pvc"], true),
        resource("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", &["crd"], false),
        resource("kubeflow.org/v1", "TrainJob", "trainjobs", &["tj"], true),
    ]
}

fn row(ns: &str, name: &str, cells: Vec<Cell>, selector: Option<&str>) -> ResourceRow {
    ResourceRow {
        id: ObjectId { namespace: ns.into(), name: name.into(), uid: format!("{ns}/{name}") },
        labels: BTreeMap::new(),
        cells,
        health: Health::Ok,
        selector: selector.map(str::to_string),
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.into())
}

/// A state that knows `served()`, with `:word` typed and entered.
fn opened(word: &str) -> State {
    let mut s = State::new("test", false, 1_000_000, (120, 40));
    s.absorb(Data::Kinds(served()));
    s.act(Action::Command);
    for c in word.chars() {
        s.type_char(c);
    }
    s.act(Action::Accept);
    s
}

fn listed(s: &mut State, columns: &[&str], rows: Vec<ResourceRow>) {
    let update = BrowseUpdate::Listed {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        delta: Delta { reset: true, upserts: rows, deletes: vec![] },
        complete: true,
    };
    let generation = s.browse.generation;
    s.absorb(Data::Browse { generation, update });
    s.settle();
}

#[test]
fn words_resolve_as_kubectl_resolves_them() {
    let served = served();
    let plural = |w: &str| resolve(&served, w).map(|r| (r.api_version.as_str(), r.plural.as_str()));
    assert_eq!(plural("svc"), Some(("v1", "services")));
    assert_eq!(plural("Service"), Some(("v1", "services")));
    assert_eq!(plural("pvc"), Some(("v1", "persistentvolumeclaims")));
    assert_eq!(plural("events"), Some(("v1", "events")), "the core group wins a tie, as kubectl's does");
    assert_eq!(plural("events.events.k8s.io"), Some(("events.k8s.io/v1", "events")));
    assert_eq!(plural("tj"), Some(("kubeflow.org/v1", "trainjobs")));
    assert_eq!(plural("trainjobs.kubeflow.org"), Some(("kubeflow.org/v1", "trainjobs")));
    assert_eq!(plural("persistentvol"), Some(("v1", "persistentvolumeclaims")), "a kind's prefix");
    assert_eq!(plural("bogus"), None);
}

#[test]
fn an_unknown_word_offers_the_nearest_names() {
    let served = served();
    assert_eq!(nearest(&served, "servics"), ["service", "services"]);
    assert_eq!(nearest(&served, "trainjob"), ["trainjob", "trainjobs"]);
    assert!(nearest(&served, "zzzzzzzz").is_empty());
    assert!(nearest(&served, "xyz").is_empty(), "three letters: one edit away at most, not every short name");
}

#[test]
fn a_resource_opens_a_live_view_with_the_servers_columns() {
    let mut s = opened("svc");
    assert_eq!(s.pane, Pane::Browse);
    s.act(Action::NextPane);
    assert_eq!(s.pane, Pane::Triage, "the generic view is the last pane of the cycle");
    s.act(Action::PrevPane);
    assert_eq!(s.pane, Pane::Browse);
    let Some(Effect::Browse { listing, generation }) = s.effects.pop() else { panic!("{:?}", s.effects) };
    assert_eq!((listing.resource.plural.as_str(), generation), ("services", 1));
    assert_eq!(listing.field_selector, None);
    listed(
        &mut s,
        &["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "AGE"],
        vec![
            row(
                "ml",
                "web",
                vec![text("ml"), text("web"), text("ClusterIP"), text("10.0.0.1"), Cell::Since(999_000)],
                None,
            ),
            row(
                "ml",
                "api",
                vec![text("ml"), text("api"), text("NodePort"), text("10.0.0.2"), Cell::Since(990_000)],
                None,
            ),
        ],
    );
    let titles: Vec<&str> = s.browse.table.columns().iter().map(|c| c.title.as_ref()).collect();
    assert_eq!(titles, ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "ENDPOINTS", "AGE"], "the view's own before AGE");
    assert_eq!(s.browse.table.columns()[1].width, 0, "NAME takes the room left");
    assert_eq!(s.browse.table.len(), 2);
    let web = s.browse.table.get("ml/web").unwrap();
    assert_eq!(web.cells()[5].shown(s.now), "16m", "ages count from the clock, not the server's text");

    // A later update of an older listing is dropped.
    let stale = BrowseUpdate::Changed(Delta { reset: false, upserts: vec![], deletes: vec!["ml/web".into()] });
    s.absorb(Data::Browse { generation: 0, update: stale });
    s.settle();
    assert_eq!(s.browse.table.len(), 2);
    let gone = BrowseUpdate::Changed(Delta { reset: false, upserts: vec![], deletes: vec!["ml/web".into()] });
    s.absorb(Data::Browse { generation: 1, update: gone });
    s.settle();
    assert_eq!(s.browse.table.len(), 1);

    // Filter and sort work as in every pane; the namespace in view narrows it.
    s.act(Action::SortNext);
    assert_eq!(s.browse.table.sort.0, 1);
    s.absorb(Data::Browse {
        generation: 1,
        update: BrowseUpdate::Failed("forbidden: this user may not watch services".into()),
    });
    assert_eq!(s.browse.error.as_deref(), Some("forbidden: this user may not watch services"));
    assert_eq!(s.browse.table.len(), 1, "rows stay while the watch is retried");
}

#[test]
fn an_unknown_resource_asks_discovery_again_then_names_the_nearest() {
    let mut s = opened("trainjbos");
    assert_eq!(s.effects.pop(), Some(Effect::Discover), "a CRD created since the last discovery is looked for");
    assert_eq!(s.pane, Pane::Triage);
    s.absorb(Data::Kinds(served()));
    let notice = s.notice.clone().unwrap();
    assert!(notice.error, "{notice:?}");
    assert_eq!(notice.text, "unknown command or resource \":trainjbos\"; nearest: :trainjob :trainjobs");

    // A CRD created while the console runs: the second discovery knows it.
    let mut s = State::new("test", false, 0, (120, 40));
    s.absorb(Data::Kinds(served().into_iter().filter(|r| r.plural != "trainjobs").collect()));
    s.act(Action::Command);
    "tj".chars().for_each(|c| s.type_char(c));
    s.act(Action::Accept);
    assert_eq!(s.effects.pop(), Some(Effect::Discover));
    s.absorb(Data::Kinds(served()));
    assert_eq!(s.pane, Pane::Browse);
    assert!(matches!(s.effects.pop(), Some(Effect::Browse { listing, .. }) if listing.resource.plural == "trainjobs"));

    // Discovery failing says so.
    let mut s = opened("nothing");
    s.absorb(Data::SourceError { resource: "discovery", message: "503 Service Unavailable".into() });
    assert!(s.notice.unwrap().text.ends_with("(discovery failed: 503 Service Unavailable)"));
}

#[test]
fn completion_offers_resource_names_from_discovery() {
    let mut s = State::new("test", false, 0, (120, 40));
    s.absorb(Data::Kinds(served()));
    assert_eq!(s.candidates("train"), ["trainjob", "trainjobs"]);
    assert!(s.candidates("p").contains(&"pvc".to_string()));
    assert!(s.candidates("p").contains(&"pods".to_string()), "commands stay");
}

#[test]
fn events_toggle_between_all_and_warnings() {
    let mut s = opened("events");
    s.effects.clear();
    s.act(Action::ToggleWarnings);
    let Some(Effect::Browse { listing, generation: 2 }) = s.effects.pop() else { panic!() };
    assert_eq!(listing.field_selector.as_deref(), Some("type=Warning"));
    assert_eq!(s.browse.title(), "warning events");
    s.act(Action::ToggleWarnings);
    assert!(matches!(s.effects.pop(), Some(Effect::Browse { listing, .. }) if listing.field_selector.is_none()));
    let mut s = opened("svc");
    s.effects.clear();
    s.act(Action::ToggleWarnings);
    assert!(s.effects.is_empty(), "only events have the toggle");
}

#[test]
fn enter_drills_into_what_a_row_stands_for() {
    // A Service shows the pods it selects.
    let mut s = opened("svc");
    listed(
        &mut s,
        &["NAMESPACE", "NAME"],
        vec![row("ml", "web", vec![text("ml"), text("web")], Some("app=web,tier=api"))],
    );
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Pods);
    let scope = s.pods.scope.clone().unwrap();
    assert_eq!(scope.describe(), "service ml/web");

    // An expression selector is not a plain match: it says so and stays.
    let mut s = opened("svc");
    listed(&mut s, &["NAMESPACE", "NAME"], vec![row("ml", "x", vec![text("ml"), text("x")], Some("app in (a,b)"))]);
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Browse);
    assert!(s.notice.unwrap().text.contains("expressions"));

    // A CRD opens its objects.
    let mut s = opened("crd");
    listed(&mut s, &["NAME"], vec![row("", "trainjobs.kubeflow.org", vec![text("trainjobs.kubeflow.org")], None)]);
    s.effects.clear();
    s.act(Action::DrillIn);
    assert!(matches!(s.effects.pop(), Some(Effect::Browse { listing, .. }) if listing.resource.kind == "TrainJob"));

    // A namespace becomes the one in view.
    let mut s = opened("namespaces");
    listed(&mut s, &["NAME"], vec![row("", "ml-serve", vec![text("ml-serve")], None)]);
    s.act(Action::DrillIn);
    assert_eq!(s.namespace.as_deref(), Some("ml-serve"));

    // A claim shows the pods that mount it.
    let mut s = opened("pvc");
    listed(&mut s, &["NAMESPACE", "NAME"], vec![row("ml", "data", vec![text("ml"), text("data")], None)]);
    let mounting = |name: &str, claims: &[&str]| PodRow {
        id: ObjectId { namespace: "ml".into(), name: name.into(), uid: name.into() },
        claims: claims.iter().map(|c| c.to_string()).collect(),
        ..PodRow::default()
    };
    let pods = vec![mounting("trainer", &["scratch", "data"]), mounting("other", &["scratch"])];
    s.absorb(Data::Pods(Delta { reset: true, upserts: pods, deletes: vec![] }));
    s.act(Action::DrillIn);
    assert_eq!(s.pane, Pane::Pods);
    assert_eq!(s.pods.scope.clone().unwrap().describe(), "persistentvolumeclaim ml/data");
    assert_eq!(s.pods.window(0, s.pods.len()).map(|p| p.id.name.as_str()).collect::<Vec<_>>(), ["trainer"]);

    // Anything else is described, addressed by its own apiVersion and kind.
    let mut s = opened("tj");
    listed(&mut s, &["NAMESPACE", "NAME"], vec![row("ml", "bert", vec![text("ml"), text("bert")], None)]);
    s.effects.clear();
    s.act(Action::DrillIn);
    let Some(Effect::Describe { address, .. }) = s.effects.pop() else { panic!() };
    assert_eq!((address.kind.as_str(), address.namespace.as_str(), address.name.as_str()), ("TrainJob", "ml", "bert"));
}

#[test]
fn typed_cells_sort_by_value() {
    let a = row("", "a", vec![Cell::Int(10), Cell::Since(100), Cell::Empty], None);
    let b = row("", "b", vec![Cell::Int(9), Cell::Since(50), text("x")], None);
    assert!(a.sort_key(0, 1000) > b.sort_key(0, 1000), "10 after 9, not before it as text would sort");
    assert!(a.sort_key(1, 1000) < b.sort_key(1, 1000), "younger first");
    assert_eq!(a.cells().iter().map(|c| c.shown(1000).into_owned()).collect::<Vec<_>>(), ["10", "15m", ""]);
}

fn reset<T>(rows: Vec<T>) -> Delta<T> {
    Delta { reset: true, upserts: rows, deletes: vec![] }
}

#[test]
fn a_kinds_own_columns_follow_what_triage_knows() {
    let mut s = opened("svc");
    let web = vec![text("ml"), text("web"), text("ClusterIP"), Cell::Since(999_000)];
    listed(&mut s, &["NAMESPACE", "NAME", "TYPE", "AGE"], vec![row("ml", "web", web, Some("app=web"))]);
    let endpoints = |s: &State| s.browse.table.get("ml/web").unwrap().cells()[3].shown(s.now).into_owned();
    assert_eq!(endpoints(&s), "", "nothing is known before the Service and its slices are listed");

    let id = |name: &str| ObjectId { namespace: "ml".into(), name: name.into(), uid: format!("uid-{name}") };
    let service = ServiceFacts {
        id: id("web"),
        service_type: "ClusterIP".into(),
        selector: BTreeMap::from([("app".to_string(), "web".to_string())]),
        target_ports: vec![],
        balancer_addresses: 0,
        routes_to: None,
        created: 900_000,
    };
    let slice = |ready, not_ready| SliceFacts {
        id: id("web-x7k2p"),
        service: "web".into(),
        ready,
        not_ready,
        sample_pod: None,
    };
    s.absorb(Data::Facts(Facts::Services(reset(vec![service]))));
    s.absorb(Data::Facts(Facts::Slices(reset(vec![slice(2, 1)]))));
    s.settle();
    assert_eq!(endpoints(&s), "2/3");
    s.absorb(Data::Facts(Facts::Slices(Delta { reset: false, upserts: vec![slice(0, 3)], deletes: vec![] })));
    s.settle();
    assert_eq!(endpoints(&s), "0/3", "a slice's change reaches the column");
    let fresh = row("ml", "web", vec![text("ml"), text("web"), text("NodePort"), Cell::Since(999_000)], None);
    let changed = BrowseUpdate::Changed(Delta { reset: false, upserts: vec![fresh], deletes: vec![] });
    s.absorb(Data::Browse { generation: s.browse.generation, update: changed });
    let cells: Vec<String> =
        s.browse.table.get("ml/web").unwrap().cells().iter().map(|c| c.shown(s.now).into_owned()).collect();
    assert_eq!(cells[2..], ["NodePort", "0/3", "16m"], "a watched change keeps the column in its place");

    let mut s = opened("pvc");
    let data = vec![text("ml"), text("data"), text("Bound"), Cell::Since(999_000)];
    listed(&mut s, &["NAMESPACE", "NAME", "STATUS", "AGE"], vec![row("ml", "data", data, None)]);
    let titles: Vec<&str> = s.browse.table.columns().iter().map(|c| c.title.as_ref()).collect();
    assert_eq!(titles, ["NAMESPACE", "NAME", "STATUS", "USED", "AGE"]);
    let usage = vec![(("ml".to_string(), "data".to_string()), VolumeUsage { used: 93 << 30, capacity: 100 << 30 })];
    s.absorb(Data::VolumeStats { node: "gpu-01".into(), usage: Ok(usage) });
    s.settle();
    assert_eq!(s.browse.table.get("ml/data").unwrap().cells()[3].shown(s.now), "93%", "from the kubelet's stats");

    let user = PodRow {
        id: ObjectId { namespace: "ml".into(), name: "trainer-0".into(), uid: "uid-trainer-0".into() },
        node: "gpu-02".into(),
        claims: vec!["cache".into()],
        ..PodRow::default()
    };
    s.absorb(Data::Pods(reset(vec![user])));
    let cache = vec![text("ml"), text("cache"), text("Bound"), Cell::Since(999_000)];
    let changed =
        BrowseUpdate::Changed(Delta { reset: false, upserts: vec![row("ml", "cache", cache, None)], deletes: vec![] });
    s.absorb(Data::Browse { generation: s.browse.generation, update: changed });
    let refused = "forbidden: this user may not get nodes/proxy".to_string();
    s.absorb(Data::VolumeStats { node: "gpu-02".into(), usage: Err(refused) });
    s.settle();
    let used = s.browse.table.get("ml/cache").unwrap().cells()[3].shown(s.now).into_owned();
    assert_eq!(used, "unknown: node gpu-02: forbidden: this user may not get nodes/proxy", "the kubelet's refusal");
}
