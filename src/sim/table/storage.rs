//! Tables for StorageClasses, PersistentVolumes and PersistentVolumeClaims, as kube-apiserver 1.32's printers.go
//! prints them; no IO.

use serde_json::{Value, json};

use super::{AGE, Column, NAME, age, at, column, list, name, text, wide};

pub const STORAGE_CLASS_COLUMNS: &[Column] = &[
    NAME,
    column("Provisioner", "string", "Indicates the type of the provisioner."),
    column("ReclaimPolicy", "string", "Indicates the type of the reclaim policy."),
    column("VolumeBindingMode", "string", "Indicates how PersistentVolumeClaims should be bound."),
    column("AllowVolumeExpansion", "string", "Indicates whether the storage class allow volume expand."),
    AGE,
];

pub const PV_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Capacity",
        "string",
        "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity",
    ),
    column(
        "Access Modes",
        "string",
        "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes",
    ),
    column(
        "Reclaim Policy",
        "string",
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming",
    ),
    column(
        "Status",
        "string",
        "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase",
    ),
    column(
        "Claim",
        "string",
        "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding",
    ),
    column(
        "StorageClass",
        "string",
        "storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass.",
    ),
    column(
        "VolumeAttributesClass",
        "string",
        "Name of VolumeAttributesClass to which this persistent volume belongs. Empty value is not allowed. When this field is not set, it indicates that this volume does not belong to any VolumeAttributesClass. This field is mutable and can be changed by the CSI driver after a volume has been updated successfully to a new class. For an unbound PersistentVolume, the volumeAttributesClassName will be matched with unbound PersistentVolumeClaims during the binding process. This is a beta field and requires enabling VolumeAttributesClass feature (off by default).",
    ),
    column(
        "Reason",
        "string",
        "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.",
    ),
];

pub const PVC_COLUMNS: &[Column] = &[
    NAME,
    column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    column("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    column("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    column(
        "Access Modes",
        "string",
        "accessModes contains the desired access modes the volume should have. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
    ),
    column(
        "StorageClass",
        "string",
        "storageClassName is the name of the StorageClass required by the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#class-1",
    ),
    column(
        "VolumeAttributesClass",
        "string",
        "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.",
    ),
    AGE,
    wide(
        "VolumeMode",
        "string",
        "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.",
    ),
];

/// GetAccessModesAsString: the short forms, in a fixed order, each once.
fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|v| v == m);
    [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        .iter()
        .filter(|(long, _)| has(long))
        .map(|(_, short)| *short)
        .collect::<Vec<_>>()
        .join(",")
}

fn or_unset(v: &Value) -> String {
    v.as_str().map_or_else(|| "<unset>".to_string(), str::to_string)
}

pub fn storage_class_cells(sc: &Value, now: i64) -> Vec<Value> {
    let mut shown = text(sc, "/metadata/name").to_string();
    let default = at(sc, "/metadata/annotations").as_object().is_some_and(|a| {
        a.get("storageclass.kubernetes.io/is-default-class")
            .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
            == Some(&json!("true"))
    });
    if default {
        shown.push_str(" (default)");
    }
    vec![
        json!(shown),
        json!(text(sc, "/provisioner")),
        json!(at(sc, "/reclaimPolicy").as_str().unwrap_or("Delete")),
        json!(at(sc, "/volumeBindingMode").as_str().unwrap_or("Immediate")),
        json!(at(sc, "/allowVolumeExpansion").as_bool().unwrap_or(false)),
        age(sc, now),
    ]
}

pub fn pv_cells(pv: &Value, now: i64) -> Vec<Value> {
    let claim = match (text(pv, "/spec/claimRef/namespace"), text(pv, "/spec/claimRef/name")) {
        (_, "") => String::new(),
        (ns, n) => format!("{ns}/{n}"),
    };
    vec![
        name(pv),
        json!(text(pv, "/spec/capacity/storage")),
        json!(access_modes(list(pv, "/spec/accessModes"))),
        json!(text(pv, "/spec/persistentVolumeReclaimPolicy")),
        json!(text(pv, "/status/phase")),
        json!(claim),
        json!(text(pv, "/spec/storageClassName")),
        json!(or_unset(at(pv, "/spec/volumeAttributesClassName"))),
        json!(text(pv, "/status/reason")),
        age(pv, now),
        json!(or_unset(at(pv, "/spec/volumeMode"))),
    ]
}

pub fn pvc_cells(pvc: &Value, now: i64) -> Vec<Value> {
    let phase =
        if at(pvc, "/metadata/deletionTimestamp").is_string() { "Terminating" } else { text(pvc, "/status/phase") };
    let volume = text(pvc, "/spec/volumeName");
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (text(pvc, "/status/capacity/storage").to_string(), access_modes(list(pvc, "/status/accessModes")))
    };
    vec![
        name(pvc),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(modes),
        json!(text(pvc, "/spec/storageClassName")),
        json!(or_unset(at(pvc, "/spec/volumeAttributesClassName"))),
        age(pvc, now),
        json!(or_unset(at(pvc, "/spec/volumeMode"))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_cells() {
        let sc = json!({"metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "ebs.csi.aws.com"});
        assert_eq!(
            storage_class_cells(&sc, 0)[..5],
            [json!("gp3 (default)"), json!("ebs.csi.aws.com"), json!("Delete"), json!("Immediate"), json!(false)]
        );
        let pending = json!({"metadata": {"name": "data"}, "spec": {"storageClassName": "x", "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}});
        assert_eq!(
            pvc_cells(&pending, 0)[1..7],
            [json!("Pending"), json!(""), json!(""), json!(""), json!("x"), json!("<unset>")]
        );
        assert_eq!(access_modes(&[json!("ReadWriteMany"), json!("ReadWriteOnce")]), "RWO,RWX");
    }
}
