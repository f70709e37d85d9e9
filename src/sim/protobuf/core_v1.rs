//! core/v1 kinds from protobuf: ConfigMap, Secret, Namespace, ServiceAccount, Service, and Pod with the pod spec
//! that workload templates share (containers, env, resources, volumes, scheduling).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Value, json};

use k8s_pb::api::core::v1 as core;

use super::meta::{Obj, int_or_string, object_meta, quantities};

fn b64(bytes: Vec<u8>) -> Value {
    json!(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn binary(map: BTreeMap<String, Vec<u8>>) -> Option<Value> {
    (!map.is_empty()).then(|| Value::Object(map.into_iter().map(|(k, v)| (k, b64(v))).collect()))
}

pub fn config_map(c: core::ConfigMap) -> Value {
    Obj::new()
        .msg("metadata", c.metadata, object_meta)
        .bool("immutable", c.immutable)
        .map("data", c.data)
        .value("binaryData", binary(c.binary_data))
        .done()
}

pub fn secret(s: core::Secret) -> Value {
    Obj::new()
        .msg("metadata", s.metadata, object_meta)
        .bool("immutable", s.immutable)
        .value("data", binary(s.data))
        .map("stringData", s.string_data)
        .str("type", s.r#type)
        .done()
}

pub fn namespace(n: core::Namespace) -> Value {
    Obj::new()
        .msg("metadata", n.metadata, object_meta)
        .msg("spec", n.spec, |s| Obj::new().strings("finalizers", s.finalizers).done())
        .msg("status", n.status, |s| Obj::new().str("phase", s.phase).done())
        .done()
}

pub fn service_account(a: core::ServiceAccount) -> Value {
    Obj::new()
        .msg("metadata", a.metadata, object_meta)
        .list("imagePullSecrets", a.image_pull_secrets, local_ref)
        .bool("automountServiceAccountToken", a.automount_service_account_token)
        .done()
}

pub fn service(s: core::Service) -> Value {
    Obj::new()
        .msg("metadata", s.metadata, object_meta)
        .msg("spec", s.spec, |spec| {
            Obj::new()
                .list("ports", spec.ports, |p| {
                    Obj::new()
                        .str("name", p.name)
                        .str("protocol", p.protocol)
                        .str("appProtocol", p.app_protocol)
                        .int0("port", p.port.map(i64::from))
                        // targetPort is not a pointer: an int 0 was never set.
                        .value("targetPort", p.target_port.map(int_or_string).filter(|t| *t != json!(0)))
                        .int0("nodePort", p.node_port.map(i64::from))
                        .done()
                })
                .map("selector", spec.selector)
                .str("clusterIP", spec.cluster_ip)
                .strings("clusterIPs", spec.cluster_ips)
                .str("type", spec.r#type)
                .strings("externalIPs", spec.external_ips)
                .str("sessionAffinity", spec.session_affinity)
                .str("externalName", spec.external_name)
                .str("externalTrafficPolicy", spec.external_traffic_policy)
                .str("internalTrafficPolicy", spec.internal_traffic_policy)
                .done()
        })
        .done()
}

pub fn pod(p: core::Pod) -> Value {
    Obj::new().msg("metadata", p.metadata, object_meta).msg("spec", p.spec, pod_spec).done()
}

pub fn pod_template(t: core::PodTemplateSpec) -> Value {
    Obj::new().msg("metadata", t.metadata, object_meta).msg("spec", t.spec, pod_spec).done()
}

fn local_ref(r: core::LocalObjectReference) -> Value {
    Obj::new().str("name", r.name).done()
}

fn local_name(r: Option<core::LocalObjectReference>) -> Option<String> {
    r.and_then(|r| r.name)
}

pub fn pod_spec(s: core::PodSpec) -> Value {
    Obj::new()
        .list("volumes", s.volumes, volume)
        .list("initContainers", s.init_containers, container)
        .list("containers", s.containers, container)
        .str("restartPolicy", s.restart_policy)
        .int("terminationGracePeriodSeconds", s.termination_grace_period_seconds)
        .int("activeDeadlineSeconds", s.active_deadline_seconds)
        .str("dnsPolicy", s.dns_policy)
        .map("nodeSelector", s.node_selector)
        .str("serviceAccountName", s.service_account_name)
        .str("serviceAccount", s.service_account)
        .bool("automountServiceAccountToken", s.automount_service_account_token)
        .str("nodeName", s.node_name)
        .flag("hostNetwork", s.host_network)
        .flag("hostPID", s.host_pid)
        .flag("hostIPC", s.host_ipc)
        // The security context's own fields are not carried; an empty one is what kubectl sends.
        .msg("securityContext", s.security_context, |_| json!({}))
        .list("imagePullSecrets", s.image_pull_secrets, local_ref)
        .str("hostname", s.hostname)
        .str("subdomain", s.subdomain)
        .str("schedulerName", s.scheduler_name)
        .list("tolerations", s.tolerations, |t| {
            Obj::new()
                .str("key", t.key)
                .str("operator", t.operator)
                .str("value", t.value)
                .str("effect", t.effect)
                .int("tolerationSeconds", t.toleration_seconds)
                .done()
        })
        .str("priorityClassName", s.priority_class_name)
        .int("priority", s.priority.map(i64::from))
        .str("runtimeClassName", s.runtime_class_name)
        .bool("enableServiceLinks", s.enable_service_links)
        .str("preemptionPolicy", s.preemption_policy)
        .done()
}

fn container(c: core::Container) -> Value {
    Obj::new()
        .str("name", c.name)
        .str("image", c.image)
        .strings("command", c.command)
        .strings("args", c.args)
        .str("workingDir", c.working_dir)
        .list("ports", c.ports, |p| {
            Obj::new()
                .str("name", p.name)
                .int0("hostPort", p.host_port.map(i64::from))
                .int0("containerPort", p.container_port.map(i64::from))
                .str("protocol", p.protocol)
                .str("hostIP", p.host_ip)
                .done()
        })
        .list("envFrom", c.env_from, |e| {
            Obj::new()
                .str("prefix", e.prefix)
                .msg("configMapRef", e.config_map_ref, |r| {
                    Obj::new().str("name", local_name(r.local_object_reference)).bool("optional", r.optional).done()
                })
                .msg("secretRef", e.secret_ref, |r| {
                    Obj::new().str("name", local_name(r.local_object_reference)).bool("optional", r.optional).done()
                })
                .done()
        })
        .list("env", c.env, env_var)
        .msg("resources", c.resources, |r| {
            let obj = Obj::new();
            let obj = if r.limits.is_empty() { obj } else { obj.value("limits", Some(quantities(r.limits))) };
            let obj = if r.requests.is_empty() { obj } else { obj.value("requests", Some(quantities(r.requests))) };
            obj.done()
        })
        .list("volumeMounts", c.volume_mounts, |m| {
            Obj::new()
                .str("name", m.name)
                .flag("readOnly", m.read_only)
                .str("mountPath", m.mount_path)
                .str("subPath", m.sub_path)
                .done()
        })
        .str("terminationMessagePath", c.termination_message_path)
        .str("terminationMessagePolicy", c.termination_message_policy)
        .str("imagePullPolicy", c.image_pull_policy)
        .flag("stdin", c.stdin)
        .flag("stdinOnce", c.stdin_once)
        .flag("tty", c.tty)
        .done()
}

fn env_var(e: core::EnvVar) -> Value {
    Obj::new()
        .str("name", e.name)
        .str("value", e.value)
        .msg("valueFrom", e.value_from, |v| {
            Obj::new()
                .msg("fieldRef", v.field_ref, |f| {
                    Obj::new().str("apiVersion", f.api_version).str("fieldPath", f.field_path).done()
                })
                .msg("configMapKeyRef", v.config_map_key_ref, |k| {
                    Obj::new()
                        .str("name", local_name(k.local_object_reference))
                        .str("key", k.key)
                        .bool("optional", k.optional)
                        .done()
                })
                .msg("secretKeyRef", v.secret_key_ref, |k| {
                    Obj::new()
                        .str("name", local_name(k.local_object_reference))
                        .str("key", k.key)
                        .bool("optional", k.optional)
                        .done()
                })
                .done()
        })
        .done()
}

fn key_to_path(k: core::KeyToPath) -> Value {
    Obj::new().str("key", k.key).str("path", k.path).int("mode", k.mode.map(i64::from)).done()
}

fn volume(v: core::Volume) -> Value {
    let name = Obj::new().str("name", v.name);
    let Some(src) = v.volume_source else { return name.done() };
    name.msg("emptyDir", src.empty_dir, |e| {
        Obj::new().str("medium", e.medium).str("sizeLimit", e.size_limit.and_then(|q| q.string)).done()
    })
    .msg("configMap", src.config_map, |c| {
        Obj::new()
            .str("name", local_name(c.local_object_reference))
            .list("items", c.items, key_to_path)
            .int("defaultMode", c.default_mode.map(i64::from))
            .bool("optional", c.optional)
            .done()
    })
    .msg("secret", src.secret, |s| {
        Obj::new()
            .str("secretName", s.secret_name)
            .list("items", s.items, key_to_path)
            .int("defaultMode", s.default_mode.map(i64::from))
            .bool("optional", s.optional)
            .done()
    })
    .msg("persistentVolumeClaim", src.persistent_volume_claim, |p| {
        Obj::new().str("claimName", p.claim_name).flag("readOnly", p.read_only).done()
    })
    .msg("hostPath", src.host_path, |h| Obj::new().str("path", h.path).str("type", h.r#type).done())
    .done()
}
