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
                // SetDefaults_Deployment fills an empty strategy (kubectl create deployment sends `{}`) as well.
                let strategy = super::object::obj_mut(&mut obj["spec"], "strategy");
                strategy.entry("type").or_insert(json!("RollingUpdate"));
                if strategy.get("type") == Some(&json!("RollingUpdate")) {
                    let rolling = strategy.entry("rollingUpdate").or_insert(json!({}));
                    set_default(rolling, "maxSurge", json!("25%"));
                    set_default(rolling, "maxUnavailable", json!("25%"));
                }
            }
            if res == resources::STATEFULSETS {
                statefulset_spec(&mut obj["spec"]);
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
            // As 1.32's SetDefaults_Job: pods are replaced once terminating or failed unless a failure policy
            // says otherwise.
            let replacement = if obj["spec"]["podFailurePolicy"].is_null() { "TerminatingOrFailed" } else { "Failed" };
            for (field, value) in [
                ("completionMode", json!("NonIndexed")),
                ("suspend", json!(false)),
                ("podReplacementPolicy", json!(replacement)),
            ] {
                set_default(&mut obj["spec"], field, value);
            }
            pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        resources::SERVICES => set_default(&mut obj["spec"], "type", json!("ClusterIP")),
        resources::HPAS => autoscaler_spec(&mut obj["spec"]),
        resources::SECRETS => set_default(obj, "type", json!("Opaque")),
        resources::NAMESPACES => {
            // The namespace strategy's PrepareForCreate: Active, and the `kubernetes` finalizer in spec.
            super::object::obj_mut(obj, "status").insert("phase".into(), json!("Active"));
            let spec = super::object::obj_mut(obj, "spec");
            let finalizers = spec.entry("finalizers").or_insert(json!([]));
            if let Some(list) = finalizers.as_array_mut().filter(|l| !l.iter().any(|f| f == "kubernetes")) {
                list.push(json!("kubernetes"));
            }
        }
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

/// 1.32's SetDefaults_StatefulSet (MaxUnavailableStatefulSet is alpha, so maxUnavailable stays unset).
fn statefulset_spec(spec: &mut Value) {
    set_default(spec, "podManagementPolicy", json!("OrderedReady"));
    set_default(spec, "revisionHistoryLimit", json!(10));
    if spec["updateStrategy"]["type"].as_str().unwrap_or("").is_empty() {
        let rolling = spec["updateStrategy"]["rollingUpdate"].take();
        spec["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": if rolling.is_null() { json!({}) } else { rolling }});
    }
    // Only a rollingUpdate that is there gets a partition: `{type: RollingUpdate}` alone stays as written.
    let rolling_type = spec["updateStrategy"]["type"] == "RollingUpdate";
    if let Some(rolling) = spec.pointer_mut("/updateStrategy/rollingUpdate").filter(|r| rolling_type && r.is_object()) {
        set_default(rolling, "partition", json!(0));
    }
    set_default(spec, "persistentVolumeClaimRetentionPolicy", json!({}));
    for field in ["whenDeleted", "whenScaled"] {
        set_default(&mut spec["persistentVolumeClaimRetentionPolicy"], field, json!("Retain"));
    }
}

/// autoscaling/v2's SetDefaults_HorizontalPodAutoscaler: one replica at least, CPU at 80 % when no metric is
/// given, and a behavior's unset rules filled in (only when a behavior is given at all).
fn autoscaler_spec(spec: &mut Value) {
    set_default(spec, "minReplicas", json!(1));
    if spec["metrics"].as_array().is_none_or(Vec::is_empty) && spec.is_object() {
        spec["metrics"] = json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]);
    }
    let Some(behavior) = spec.get_mut("behavior").filter(|b| b.is_object()) else { return };
    let rules = [
        (
            "scaleUp",
            0,
            json!([{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}]),
        ),
        ("scaleDown", 300, json!([{"type": "Percent", "value": 100, "periodSeconds": 15}])),
    ];
    for (direction, window, policies) in rules {
        set_default(behavior, direction, json!({}));
        let rule = &mut behavior[direction];
        set_default(rule, "stabilizationWindowSeconds", json!(window));
        set_default(rule, "selectPolicy", json!("Max"));
        set_default(rule, "policies", policies);
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
        let mut ss = json!({"spec": {"template": {"spec": {}}}});
        apply(resources::STATEFULSETS, &mut ss);
        assert_eq!(ss["spec"]["updateStrategy"], json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
        assert_eq!(ss["spec"]["podManagementPolicy"], "OrderedReady");
        let mut on_delete = json!({"spec": {"updateStrategy": {"type": "OnDelete"}, "template": {"spec": {}}}});
        apply(resources::STATEFULSETS, &mut on_delete);
        assert_eq!(on_delete["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
        let mut s = json!({"spec": {}});
        apply(resources::SERVICES, &mut s);
        assert_eq!(s["spec"]["type"], "ClusterIP");
        let mut hpa = json!({"spec": {"maxReplicas": 5}});
        apply(resources::HPAS, &mut hpa);
        assert_eq!(hpa["spec"]["minReplicas"], 1);
        assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
        assert!(hpa["spec"].get("behavior").is_none(), "behavior is only filled in when given");
        let mut tuned =
            json!({"spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}});
        apply(resources::HPAS, &mut tuned);
        assert_eq!(tuned["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 60);
        assert_eq!(tuned["spec"]["behavior"]["scaleDown"]["selectPolicy"], "Max");
        assert_eq!(tuned["spec"]["behavior"]["scaleUp"]["policies"][0]["value"], 4);
    }
}
