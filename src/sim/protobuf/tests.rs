use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_pb::api::apps::v1 as apps;
use k8s_pb::api::core::v1 as core;
use k8s_pb::api::policy::v1 as policy;
use k8s_pb::apimachinery::pkg::apis::meta::v1::{DeleteOptions, LabelSelector, ObjectMeta, Time};
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use k8s_pb::apimachinery::pkg::util::intstr::IntOrString;

use super::*;
use crate::sim::api::Ctx;
use crate::sim::http::{Query, Wanted};
use crate::sim::resources;
use crate::sim::routes::Target;
use crate::sim::world::{ADMIN, World};

/// What client-go's protobuf serializer writes: the magic, then runtime.Unknown around the message.
fn envelope(api_version: &str, kind: &str, message: &impl Message) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta { api_version: Some(api_version.into()), kind: Some(kind.into()) }),
        raw: Some(message.encode_to_vec()),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    [MAGIC.to_vec(), unknown.encode_to_vec()].concat()
}

/// ObjectMeta as Go marshals it: every non-pointer field present, zero or not.
fn meta(name: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        generate_name: Some(String::new()),
        namespace: Some(namespace.into()),
        uid: Some(String::new()),
        resource_version: Some(String::new()),
        generation: Some(0),
        creation_timestamp: Some(Time::default()),
        ..Default::default()
    }
}

#[test]
fn config_maps_and_secrets_read_back_as_the_json_kubectl_would_send() {
    let cm = core::ConfigMap {
        metadata: Some(meta("x", "")),
        data: BTreeMap::from([("a".to_string(), "b".to_string())]),
        binary_data: BTreeMap::from([("bin".to_string(), vec![0, 1, 2])]),
        ..Default::default()
    };
    assert_eq!(
        decode(&envelope("v1", "ConfigMap", &cm)).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}, "binaryData": {"bin": "AAEC"}})
    );
    let secret = core::Secret {
        metadata: Some(meta("tls", "ml")),
        data: BTreeMap::from([("tls.crt".to_string(), b"CERT".to_vec())]),
        r#type: Some("kubernetes.io/tls".into()),
        ..Default::default()
    };
    let v = decode(&envelope("v1", "Secret", &secret)).unwrap();
    assert_eq!(v["type"], "kubernetes.io/tls");
    assert_eq!(v["data"]["tls.crt"], "Q0VSVA==");
    assert_eq!(v["metadata"], json!({"name": "tls", "namespace": "ml"}));
}

#[test]
fn deployments_keep_what_was_set_and_drop_go_zero_values() {
    let container = core::Container {
        name: Some("web".into()),
        image: Some("nginx:1.27".into()),
        ports: vec![core::ContainerPort { container_port: Some(80), host_port: Some(0), ..Default::default() }],
        resources: Some(core::ResourceRequirements::default()),
        stdin: Some(false),
        working_dir: Some(String::new()),
        ..Default::default()
    };
    let d = apps::Deployment {
        metadata: Some(meta("web", "")),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(0),
            selector: Some(LabelSelector {
                match_labels: BTreeMap::from([("app".to_string(), "web".to_string())]),
                ..Default::default()
            }),
            template: Some(core::PodTemplateSpec {
                metadata: Some(meta("", "")),
                spec: Some(core::PodSpec {
                    containers: vec![container],
                    host_network: Some(false),
                    ..Default::default()
                }),
            }),
            strategy: Some(apps::DeploymentStrategy::default()),
            min_ready_seconds: Some(0),
            paused: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    };
    let v = decode(&envelope("apps/v1", "Deployment", &d)).unwrap();
    assert_eq!(
        v["spec"],
        json!({"replicas": 0, "selector": {"matchLabels": {"app": "web"}}, "strategy": {},
            "template": {"metadata": {}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                "ports": [{"containerPort": 80}], "resources": {}}]}}})
    );
}

#[test]
fn budgets_evictions_and_delete_options() {
    let pdb = policy::PodDisruptionBudget {
        metadata: Some(meta("db", "")),
        spec: Some(policy::PodDisruptionBudgetSpec {
            min_available: Some(IntOrString { r#type: Some(1), int_val: Some(0), str_val: Some("50%".into()) }),
            max_unavailable: None,
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        decode(&envelope("policy/v1", "PodDisruptionBudget", &pdb)).unwrap()["spec"],
        json!({"minAvailable": "50%"})
    );
    let eviction = policy::Eviction {
        metadata: Some(meta("p", "ml")),
        delete_options: Some(DeleteOptions {
            grace_period_seconds: Some(0),
            dry_run: vec!["All".into()],
            ..Default::default()
        }),
    };
    let v = decode(&envelope("policy/v1", "Eviction", &eviction)).unwrap();
    assert_eq!(v["deleteOptions"], json!({"gracePeriodSeconds": 0, "dryRun": ["All"]}));
    assert_eq!((v["apiVersion"].as_str(), v["kind"].as_str()), (Some("policy/v1"), Some("Eviction")));
}

#[test]
fn malformed_and_unknown_bodies_are_refused() {
    assert_eq!(decode(b"{\"kind\":\"ConfigMap\"}").unwrap_err().code, 400);
    assert_eq!(decode(b"k8s\0\xff\xff\xff").unwrap_err().code, 400);
    let e = decode(&envelope("example.com/v1", "Widget", &core::ConfigMap::default())).unwrap_err();
    assert_eq!(e.code, 415);
}

fn ctx(body: Vec<u8>) -> Ctx {
    Ctx {
        method: hyper::Method::POST,
        query: Query::default(),
        wanted: Wanted::Json,
        user: ADMIN,
        content_type: MEDIA_TYPE.into(),
        agent: "kubectl".into(),
        body: body.into(),
        upgrade: crate::sim::upgrade::Upgrade::None,
    }
}

#[test]
fn a_protobuf_create_and_eviction_go_through_the_handlers() {
    let world = Arc::new(World::for_tests());
    world
        .store
        .create(resources::NAMESPACES, json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}))
        .unwrap();
    let cm = core::ConfigMap {
        metadata: Some(meta("x", "")),
        data: BTreeMap::from([("a".to_string(), "b".to_string())]),
        ..Default::default()
    };
    let target = Target { res: resources::CONFIGMAPS, namespace: Some("ml".into()), name: None, subresource: None };
    let reply = crate::sim::write::create(&world, &ctx(envelope("v1", "ConfigMap", &cm)), &target).unwrap();
    assert_eq!(reply.status(), 201);
    let stored = world.store.get(&(resources::CONFIGMAPS, "ml".into(), "x".into())).unwrap().value();
    assert_eq!(stored["data"], json!({"a": "b"}));

    world
        .store
        .create(
            resources::PODS,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ml"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c"}]}, "status": {"phase": "Running"}}),
        )
        .unwrap();
    let eviction = policy::Eviction { metadata: Some(meta("p", "ml")), delete_options: Some(DeleteOptions::default()) };
    let target = Target {
        res: resources::PODS,
        namespace: Some("ml".into()),
        name: Some("p".into()),
        subresource: Some("eviction".into()),
    };
    let reply =
        crate::sim::eviction::evict(&world, &ctx(envelope("policy/v1", "Eviction", &eviction)), &target).unwrap();
    assert_eq!(reply.status(), 201);
    assert!(world.store.get(&(resources::PODS, "ml".into(), "p".into())).is_none(), "no grace period set: removed");
}
