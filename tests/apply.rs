//! Apply, scale and restart against `gpudeck sim`: create, update, dry-run that changes nothing, conflict then
//! force, 422 causes pinned to the editor's lines, refusals that name the verb, scale that converges, restart that
//! replaces every pod (a deployment's rolling within its surge, a statefulset's one ordinal at a time).
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::TestSim;
use gpudeck::effects::{apply, scale};
use gpudeck::event::{Data, Effect, ObjectKind, ObjectRef};
use gpudeck::model::mutation::{DocOutcome, MutationError};
use gpudeck::state::editor::Stage;
use gpudeck::state::{Mode, State};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use serde_json::{Value, json};

async fn client_for(sim: &TestSim, context: Option<&str>) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).unwrap();
    let options = KubeConfigOptions { context: context.map(String::from), ..KubeConfigOptions::default() };
    Client::try_from(Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap()).unwrap()
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\n  namespace: ml-serve\ndata:\n  LOG_LEVEL: info\n";

#[test]
fn create_then_update_with_a_dry_run_that_changes_nothing() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ml-serve");
        let created = apply::apply_one(&client, &yaml(CONFIGMAP), true, false, &[], None).await;
        assert_eq!(created.title, "configmap ml-serve/tuning");
        let change = created.result.unwrap();
        assert!(change.diff.iter().any(|l| l.text == "+  LOG_LEVEL: info"), "{:?}", change.diff);
        assert!(cms.get_opt("tuning").await.unwrap().is_none(), "a dry-run creates nothing");

        let applied = apply::apply_one(&client, &yaml(CONFIGMAP), false, false, &[], None).await.result.unwrap();
        assert_eq!(applied.verb, "created");
        let again = apply::apply_one(&client, &yaml(CONFIGMAP), false, false, &[], None).await.result.unwrap();
        assert_eq!((again.verb, again.diff.len()), ("unchanged", 0));

        let debug = CONFIGMAP.replace("info", "debug");
        let before = cms.get("tuning").await.unwrap();
        let preview = apply::apply_one(&client, &yaml(&debug), true, false, &[], None).await.result.unwrap();
        let changed: Vec<&str> =
            preview.diff.iter().map(|l| l.text.as_str()).filter(|t| t.starts_with(['+', '-'])).collect();
        assert_eq!(changed, ["-  LOG_LEVEL: info", "+  LOG_LEVEL: debug"]);
        let after = cms.get("tuning").await.unwrap();
        assert_eq!(before.metadata.resource_version, after.metadata.resource_version, "dry-run left it unchanged");

        // The apply after a review goes with what the diff was made against: a change in between is refused.
        let theirs =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tuning"}, "data": {"OTHER": "x"}});
        cms.patch("tuning", &PatchParams::apply("teammate"), &Patch::Apply(&theirs)).await.unwrap();
        let refused = apply::apply_one(&client, &yaml(&debug), false, false, &[], Some(preview.seen)).await;
        assert_eq!(refused.result.unwrap_err(), MutationError::Changed);
        assert_eq!(cms.get("tuning").await.unwrap().data.unwrap()["LOG_LEVEL"], "info", "nothing was applied");

        // A manifest that names an old resourceVersion is refused by the server, as an optimistic lock.
        let mut stale = yaml(&debug);
        stale["metadata"]["resourceVersion"] = json!("1");
        let refused = apply::apply_one(&client, &stale, false, false, &[], None).await;
        assert_eq!(refused.result.unwrap_err(), MutationError::Changed);

        let updated = apply::apply_one(&client, &yaml(&debug), false, false, &[], None).await.result.unwrap();
        assert_eq!(updated.verb, "configured");
        let live = cms.get("tuning").await.unwrap();
        assert_eq!(live.data.unwrap()["LOG_LEVEL"], "debug");
        let managers: Vec<String> =
            live.metadata.managed_fields.unwrap().into_iter().filter_map(|m| m.manager).collect();
        assert_eq!(managers, ["gpudeck", "teammate"]);
    });
    let out = sim.kubectl_ok(&["get", "configmap", "tuning", "-n", "ml-serve", "-o", "jsonpath={.data.LOG_LEVEL}"]);
    assert_eq!(out, "debug");
}

#[test]
fn a_conflict_names_the_field_and_its_manager_and_force_takes_it() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        apply::apply_one(&client, &yaml(CONFIGMAP), false, false, &[], None).await.result.unwrap();
        // Another manager takes LOG_LEVEL, as a teammate's kubectl apply would.
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "ml-serve");
        let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tuning"}, "data": {"LOG_LEVEL": "warn"}});
        cms.patch("tuning", &PatchParams::apply("kubectl").force(), &Patch::Apply(&theirs)).await.unwrap();

        let mine = yaml(&CONFIGMAP.replace("info", "trace"));
        let refused = apply::apply_one(&client, &mine, true, false, &[], None).await.result.unwrap_err();
        let MutationError::Conflict(conflicts) = &refused else { panic!("not a conflict: {refused:?}") };
        assert_eq!(conflicts.len(), 1);
        assert_eq!((conflicts[0].field.as_str(), conflicts[0].manager.as_str()), (".data.LOG_LEVEL", "kubectl"));

        let forced = apply::apply_one(&client, &mine, false, true, &[], None).await.result.unwrap();
        assert_eq!(forced.verb, "configured");
        assert_eq!(cms.get("tuning").await.unwrap().data.unwrap()["LOG_LEVEL"], "trace");
    });
}

/// The editor's flow with the server's real answers fed in: a 422 lands on the line of the field it names, and the
/// text is kept.
#[test]
fn invalid_fields_are_pinned_to_the_lines_that_hold_them() {
    let sim = TestSim::demo();
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
  namespace: ml-serve
spec:
  replicas: -1
  selector:
    matchLabels:
      app: bad
  template:
    metadata:
      labels:
        app: bad
    spec:
      containers:
      - name: main
        image: ''
";
    let mut state = State::new("sim", false, 0, (120, 40));
    state.open_editor("new deployment".into(), text);
    assert_eq!(state.mode, Mode::Editor);
    state.act(gpudeck::action::Action::Apply);
    let Some(Effect::Apply { documents, dry_run: true, generation, .. }) = state.effects.pop() else {
        panic!("no dry-run asked for: {:?}", state.effects)
    };
    let outcomes: Vec<DocOutcome> = sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        let mut out = Vec::new();
        for d in &documents {
            out.push(apply::apply_one(&client, d, true, false, &[], None).await);
        }
        out
    });
    for outcome in outcomes {
        state.absorb(Data::Applied { generation, outcome });
    }
    let editor = state.editor.as_ref().unwrap();
    assert_eq!(editor.stage, Stage::Editing, "back to editing, text kept");
    assert_eq!(editor.text(), text);
    let pinned: Vec<(usize, bool)> =
        editor.server_problems.iter().map(|p| (p.line + 1, p.message.starts_with("spec."))).collect();
    assert!(pinned.contains(&(7, true)), "replicas on line 7: {:?}", editor.server_problems);
    assert!(pinned.contains(&(18, true)), "the empty image on line 18: {:?}", editor.server_problems);
}

#[test]
fn refusals_say_which_verb_on_which_resource_and_a_missing_namespace_is_explained() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let read_only = client_for(&sim, Some("gpudeck-sim-readonly")).await;
        let refused = apply::apply_one(&read_only, &yaml(CONFIGMAP), true, false, &[], None).await.result.unwrap_err();
        assert_eq!(refused.to_string(), "forbidden: this user may not patch configmaps in namespace ml-serve");
        let web = ObjectRef {
            kind: ObjectKind::Deployment,
            namespace: "ml-serve".into(),
            name: "web".into(),
            uid: String::new(),
        };
        let refused = scale::scale(&read_only, &web, 3).await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "forbidden: this user may not patch deployments.apps/scale in namespace ml-serve"
        );

        let admin = client_for(&sim, None).await;
        let elsewhere = yaml(&CONFIGMAP.replace("namespace: ml-serve", "namespace: nowhere"));
        let missing = apply::apply_one(&admin, &elsewhere, true, false, &[], None).await.result.unwrap_err();
        assert_eq!(missing, MutationError::NamespaceMissing("nowhere".into()));
        // In a dry-run of a buffer whose earlier document creates the namespace, the object shows as created.
        let after_namespace = apply::apply_one(&admin, &elsewhere, true, false, &["nowhere".into()], None).await;
        assert_eq!(after_namespace.result.unwrap().verb, "created");
    });
}

async fn pods_of(client: &Client, app: &str) -> Vec<Pod> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ml-serve");
    let list = pods.list(&ListParams::default().labels(&format!("app={app}"))).await.unwrap();
    list.items.into_iter().filter(|p| p.metadata.deletion_timestamp.is_none()).collect()
}

async fn settled(client: &Client, name: &str, want: i32) -> bool {
    let d = Api::<Deployment>::namespaced(client.clone(), "ml-serve").get(name).await.unwrap();
    let status = d.status.unwrap_or_default();
    status.observed_generation >= d.metadata.generation
        && status.updated_replicas == Some(want)
        && status.ready_replicas == Some(want)
        && status.replicas == Some(want)
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The demo's cpu pool schedules onto cpu-02, where calico-node crash-loops and new pods get no sandbox. Deleting
/// the broken pod, as an operator would, lets its DaemonSet start a healthy one.
async fn repair_cpu_02_network(client: &Client) {
    let system: Api<Pod> = Api::namespaced(client.clone(), "kube-system");
    let on_cpu_02 = ListParams::default().labels("k8s-app=calico-node").fields("spec.nodeName=cpu-02");
    for pod in system.list(&on_cpu_02).await.unwrap() {
        system.delete(pod.metadata.name.as_deref().unwrap(), &Default::default()).await.unwrap();
    }
    wait_until("a ready calico-node on cpu-02", || {
        let (system, on_cpu_02) = (system.clone(), on_cpu_02.clone());
        async move {
            let pods = system.list(&on_cpu_02).await.unwrap().items;
            pods.iter().any(|p| {
                p.metadata.deletion_timestamp.is_none()
                    && p.status
                        .as_ref()
                        .and_then(|s| s.conditions.as_ref())
                        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
            })
        }
    })
    .await;
}

#[test]
fn scale_converges_and_restart_replaces_every_pod() {
    let sim = TestSim::demo();
    sim.rt.block_on(async {
        let client = client_for(&sim, None).await;
        repair_cpu_02_network(&client).await;
        let web = ObjectRef {
            kind: ObjectKind::Deployment,
            namespace: "ml-serve".into(),
            name: "web".into(),
            uid: String::new(),
        };
        scale::scale(&client, &web, 13).await.unwrap();
        wait_until("13 ready web pods", || settled(&client, "web", 13)).await;
        assert_eq!(pods_of(&client, "web").await.len(), 13);

        let before: Vec<String> = pods_of(&client, "web").await.into_iter().filter_map(|p| p.metadata.name).collect();
        scale::restart(&client, &web, "2026-11-30T12:00:00Z").await.unwrap();
        let d = Api::<Deployment>::namespaced(client.clone(), "ml-serve").get("web").await.unwrap();
        let stamped = d.spec.template.metadata.unwrap().annotations.unwrap();
        assert_eq!(stamped["kubectl.kubernetes.io/restartedAt"], "2026-11-30T12:00:00Z");
        wait_until("every web pod replaced", || {
            let (client, before) = (client.clone(), before.clone());
            async move {
                let now = pods_of(&client, "web").await;
                settled(&client, "web", 13).await
                    && now.len() == 13
                    && now.iter().all(|p| !before.contains(p.metadata.name.as_ref().unwrap()))
            }
        })
        .await;

        // A StatefulSet rolls one pod at a time, highest ordinal first, each back and ready before the next.
        let db = ObjectRef { kind: ObjectKind::StatefulSet, name: "vector-db".into(), ..web.clone() };
        let revisions = |pods: Vec<Pod>| -> Vec<String> {
            pods.into_iter()
                .filter_map(|p| p.metadata.labels?.get("controller-revision-hash").cloned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let before = revisions(pods_of(&client, "vector-db").await);
        assert_eq!(before.len(), 1);
        scale::restart(&client, &db, "2026-11-30T12:00:00Z").await.unwrap();
        wait_until("every vector-db pod on the new revision and ready", || {
            let client = client.clone();
            let before = before.clone();
            async move {
                let sts = Api::<StatefulSet>::namespaced(client.clone(), "ml-serve").get("vector-db").await.unwrap();
                let status = sts.status.unwrap_or_default();
                let now = revisions(pods_of(&client, "vector-db").await);
                now.len() == 1
                    && now != before
                    && status.updated_replicas == Some(3)
                    && status.ready_replicas == Some(3)
                    && status.current_revision == status.update_revision
            }
        })
        .await;

        let feature = ObjectRef { name: "feature-api".into(), ..web.clone() };
        assert_eq!(scale::find_hpa(&client, &feature).await.as_deref(), Some("hpa feature-api (4–12)"));
        assert_eq!(scale::find_hpa(&client, &web).await, None);
    });
}
