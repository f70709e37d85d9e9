//! Defaulting the apiserver applies on create (replicas, restart policy, scheduler, service type…); pure.

use serde_json::{Value, json};

use super::resources;
use super::resources::ResourceId;

/// Fills the defaults a real apiserver would, so objects read back the way kubectl expects.
pub fn apply(res: ResourceId, obj: &mut Value) {
    match res {
        resources::PODS => pod_spec(&mut obj["spec"]),
        resources::DEPLOYMENTS | resources::STATEFULSETS | resources::REPLICASETS => {
            set_default(&mut obj["spec"], "replicas", json!(1));
            if res == resources::DEPLOYMENTS {
                set_default(&mut obj["spec"], "revisionHistoryLimit", json!(10));
                set_default(&mut obj["spec"], "progressDeadlineSeconds", json!(600));
                set_default(
                    &mut obj["spec"],
                    "strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
                );
            }
            pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        resources::DAEMONSETS => {
            set_default(&mut obj["spec"], "revisionHistoryLimit", json!(10));
            set_default(
                &mut obj["spec"],
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        resources::CRONJOBS => {
            for (field, value) in [
                ("concurrencyPolicy", json!("Allow")),
                ("suspend", json!(false)),
                ("successfulJobsHistoryLimit", json!(3)),
                ("failedJobsHistoryLimit", json!(1)),
            ] {
                set_default(&mut obj["spec"], field, value);
            }
            pod_spec(&mut obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]);
        }
        resources::JOBS => {
            for (field, value) in [("completions", 1), ("parallelism", 1), ("backoffLimit", 6)] {
                set_default(&mut obj["spec"], field, json!(value));
            }
            pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        resources::SERVICES => set_default(&mut obj["spec"], "type", json!("ClusterIP")),
        resources::SECRETS => set_default(obj, "type", json!("Opaque")),
        resources::NAMESPACES => set_default(&mut obj["status"], "phase", json!("Active")),
        resources::CRDS => super::crd::default(obj),
        resources::PVCS => {
            set_default(&mut obj["spec"], "volumeMode", json!("Filesystem"));
            super::object::obj_mut(obj, "status").entry("phase").or_insert(json!("Pending"));
        }
        resources::PVS => {
            set_default(&mut obj["spec"], "persistentVolumeReclaimPolicy", json!("Retain"));
            set_default(&mut obj["spec"], "volumeMode", json!("Filesystem"));
            super::object::obj_mut(obj, "status").entry("phase").or_insert(json!("Pending"));
        }
        resources::STORAGE_CLASSES => {
            set_default(obj, "reclaimPolicy", json!("Delete"));
            set_default(obj, "volumeBindingMode", json!("Immediate"));
        }
        _ => {}
    }
}

fn set_default(parent: &mut Value, field: &str, value: Value) {
    if let Some(map) = parent.as_object_mut() {
        map.entry(field).or_insert(value);
    }
}

fn pod_spec(spec: &mut Value) {
    for (field, value) in [
        ("restartPolicy", json!("Always")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("dnsPolicy", json!("ClusterFirst")),
    ] {
        set_default(spec, field, value);
    }
    if let Some(containers) = spec["containers"].as_array_mut() {
        for c in containers {
            let latest = c["image"]
                .as_str()
                .is_some_and(|i| !i.rsplit('/').next().unwrap_or(i).contains(':') || i.ends_with(":latest"));
            set_default(c, "imagePullPolicy", json!(if latest { "Always" } else { "IfNotPresent" }));
            set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
            set_default(c, "terminationMessagePolicy", json!("File"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_without_overwriting() {
        let mut d = json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "c", "image": "nginx"}, {"name": "d", "image": "reg/x:1.2"}]}}}});
        apply(resources::DEPLOYMENTS, &mut d);
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
        assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(d["spec"]["template"]["spec"]["containers"][1]["imagePullPolicy"], "IfNotPresent");
        let mut s = json!({"spec": {}});
        apply(resources::SERVICES, &mut s);
        assert_eq!(s["spec"]["type"], "ClusterIP");
    }
}
