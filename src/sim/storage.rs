//! The volume binder and provisioner: a PersistentVolumeClaim gets its class (the default one when it names
//! none), a dynamically provisioned PersistentVolume and both sides bound; an unknown class leaves it Pending
//! with a ProvisioningFailed event; a released volume is deleted or kept by its reclaim policy. Pure.

use serde_json::{Value, json};

use super::kubelet::EventSpec;
use super::object;
use super::resources;
use super::workloads::Action;

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const COMPONENT: &str = "persistentvolume-controller";

fn event(obj: &Value, warning: bool, reason: &'static str, message: String) -> Action {
    Action::Event(obj.clone(), EventSpec { warning, reason, message, component: COMPONENT })
}

/// The class marked default (the newest, if several are, as the admission plugin picks).
pub fn default_class(classes: &[Value]) -> Option<&Value> {
    classes
        .iter()
        .filter(|c| c["metadata"]["annotations"][DEFAULT_CLASS] == "true")
        .max_by_key(|c| c["metadata"]["creationTimestamp"].as_str().unwrap_or_default().to_string())
}

/// The provisioned volume for a claim, bound to it.
pub fn provisioned_volume(pvc: &Value, class: &Value) -> Value {
    let uid = pvc["metadata"]["uid"].as_str().unwrap_or_default();
    let provisioner = class["provisioner"].as_str().unwrap_or_default();
    let name = format!("pvc-{uid}");
    json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": provisioner, "volume.kubernetes.io/provisioner-deletion-secret-name": "", "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""}},
        "spec": {
            "capacity": {"storage": pvc["spec"]["resources"]["requests"]["storage"]},
            "accessModes": pvc["spec"]["accessModes"],
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"].as_str().unwrap_or("Delete"),
            "storageClassName": object::name(class),
            "volumeMode": pvc["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": object::name(pvc), "namespace": object::namespace(pvc),
                "uid": uid, "resourceVersion": pvc["metadata"]["resourceVersion"]},
            "csi": {"driver": provisioner, "volumeHandle": format!("vol-{}", uid.replace('-', "").get(..17).unwrap_or_default()), "fsType": "ext4"},
        },
        "status": {"phase": "Bound"},
    })
}

/// Converges one claim. `classes` are every StorageClass; `volume` the PersistentVolume it names, if any;
/// `consumed` whether a scheduled pod mounts it (for WaitForFirstConsumer classes).
pub fn reconcile_claim(pvc: &Value, rv: u64, classes: &[Value], volume: Option<&Value>, consumed: bool) -> Vec<Action> {
    let mut actions = Vec::new();
    if pvc["metadata"]["deletionTimestamp"].is_string() {
        return actions;
    }
    let named = pvc["spec"]["storageClassName"].as_str();
    let class = match named {
        Some(name) => classes.iter().find(|c| object::name(c) == name),
        None => default_class(classes),
    };
    let bound = pvc["spec"]["volumeName"].as_str().is_some_and(|v| !v.is_empty());
    if bound {
        // Bound already: only the status needs to say so (a claim bound by hand, or a restart in between).
        if let Some(pv) = volume
            && pvc["status"]["phase"] != "Bound"
        {
            let mut next = pvc.clone();
            next["status"] =
                json!({"phase": "Bound", "accessModes": pv["spec"]["accessModes"], "capacity": pv["spec"]["capacity"]});
            actions.push(Action::Update(resources::PVCS, next, rv));
        }
        return actions;
    }
    let Some(class) = class else {
        if let Some(name) = named.filter(|n| !n.is_empty()) {
            let message = format!("storageclass.storage.k8s.io \"{name}\" not found");
            actions.push(event(pvc, true, "ProvisioningFailed", message));
        } else {
            let message = "no persistent volumes available for this claim and no storage class is set".to_string();
            actions.push(event(pvc, false, "FailedBinding", message));
        }
        return actions;
    };
    let provisioner = class["provisioner"].as_str().unwrap_or_default();
    if class["volumeBindingMode"] == "WaitForFirstConsumer" && !consumed {
        let message = "waiting for first consumer to be created before binding".to_string();
        actions.push(event(pvc, false, "WaitForFirstConsumer", message));
        return actions;
    }
    let pv = provisioned_volume(pvc, class);
    let pv_name = object::name(&pv).to_string();
    actions.push(event(pvc, false, "ProvisioningSucceeded", format!("Successfully provisioned volume {pv_name}")));
    let mut next = pvc.clone();
    next["spec"]["storageClassName"] = json!(object::name(class));
    next["spec"]["volumeName"] = json!(pv_name);
    let annotations = object::obj_mut(&mut next["metadata"], "annotations");
    for (k, v) in [
        ("pv.kubernetes.io/bind-completed", "yes"),
        ("pv.kubernetes.io/bound-by-controller", "yes"),
        ("volume.beta.kubernetes.io/storage-provisioner", provisioner),
        ("volume.kubernetes.io/storage-provisioner", provisioner),
    ] {
        annotations.insert(k.into(), json!(v));
    }
    next["status"] =
        json!({"phase": "Bound", "accessModes": pv["spec"]["accessModes"], "capacity": pv["spec"]["capacity"]});
    actions.push(Action::Create(resources::PVS, pv));
    actions.push(Action::Update(resources::PVCS, next, rv));
    actions
}

/// What happens to a volume whose claim is gone: Delete removes it, Retain leaves it Released.
pub fn release(pv: &Value, rv: u64) -> Option<Action> {
    let key = (resources::PVS, String::new(), object::name(pv).to_string());
    match pv["spec"]["persistentVolumeReclaimPolicy"].as_str() {
        Some("Delete") => Some(Action::Delete(key)),
        _ if pv["status"]["phase"] != "Released" => {
            let mut next = pv.clone();
            next["status"] = json!({"phase": "Released"});
            Some(Action::Update(resources::PVS, next, rv))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(class: Option<&str>) -> Value {
        let mut pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "ml-train", "uid": "1234abcd-0000-1111-2222-333344445555"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}, "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}});
        if let Some(c) = class {
            pvc["spec"]["storageClassName"] = json!(c);
        }
        pvc
    }

    fn gp3() -> Value {
        json!({"metadata": {"name": "gp3", "annotations": {DEFAULT_CLASS: "true"}}, "provisioner": "ebs.csi.aws.com",
               "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})
    }

    #[test]
    fn the_default_class_provisions_and_binds() {
        let actions = reconcile_claim(&claim(None), 3, &[gp3()], None, false);
        let pv = actions.iter().find_map(|a| match a {
            Action::Create(r, v) if *r == resources::PVS => Some(v.clone()),
            _ => None,
        });
        let pv = pv.unwrap();
        assert_eq!(pv["spec"]["claimRef"]["name"], "data");
        assert_eq!(pv["spec"]["capacity"]["storage"], "100Gi");
        let pvc = actions.iter().find_map(|a| match a {
            Action::Update(r, v, _) if *r == resources::PVCS => Some(v.clone()),
            _ => None,
        });
        let pvc = pvc.unwrap();
        assert_eq!(pvc["spec"]["volumeName"], pv["metadata"]["name"]);
        assert_eq!(pvc["spec"]["storageClassName"], "gp3");
        assert_eq!(pvc["status"]["phase"], "Bound");
    }

    #[test]
    fn an_unknown_class_stays_pending_with_an_event() {
        let actions = reconcile_claim(&claim(Some("fast-nvme")), 3, &[gp3()], None, false);
        assert_eq!(actions.len(), 1);
        match &actions[0] {
            Action::Event(_, spec) => {
                assert_eq!(spec.reason, "ProvisioningFailed");
                assert_eq!(spec.message, "storageclass.storage.k8s.io \"fast-nvme\" not found");
                assert!(spec.warning);
            }
            other => panic!("{other:?}"),
        }
    }
}
