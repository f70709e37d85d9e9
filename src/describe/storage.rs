//! `kubectl describe` for PersistentVolumeClaims (and claim templates), PersistentVolumes and StorageClasses.

use super::pod::{csi_attributes, host_path_source, nfs_source};
use super::quantity;
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, condition_rows, events_block, format_labels, go_bool, go_list, labels_block, list, plain, s,
    since,
};
use serde_json::Value;

const BETA_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// `storageutil.GetPersistentVolumeClaimClass` / `GetPersistentVolumeClass`: the beta annotation wins.
fn class_of(obj: &Value, spec: &Value) -> String {
    match at(obj, &["metadata", "annotations", BETA_CLASS]).as_str() {
        Some(class) => class.to_string(),
        None => s(spec, &["storageClassName"]).to_string(),
    }
}

/// `storageutil.GetAccessModesAsString`: the short forms in kubectl's fixed order, duplicates once.
pub(super) fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|x| x.as_str() == Some(m));
    [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        .iter()
        .filter(|(long, _)| has(long))
        .map(|(_, short)| *short)
        .collect::<Vec<_>>()
        .join(",")
}

/// `Status:` as the phase, or how long a deleted object has been terminating.
fn status_line(w: &mut Out, obj: &Value, now: i64) {
    let deleted = at(obj, &["metadata", "deletionTimestamp"]);
    if deleted.is_null() {
        w.w(0, &format!("Status:\t{}\n", s(obj, &["status", "phase"])));
    } else {
        w.w(0, &format!("Status:\tTerminating (lasts {})\n", since(deleted, now)));
    }
}

/// `printPersistentVolumeClaim`: `full` for a claim object; a pod's ephemeral claim template has no name,
/// namespace, status or finalizers.
pub(super) fn claim_fields(w: &mut Out, pvc: &Value, full: bool, now: i64) {
    let meta = at(pvc, &["metadata"]);
    let spec = at(pvc, &["spec"]);
    if full {
        w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
        w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    }
    w.w(0, &format!("StorageClass:\t{}\n", class_of(pvc, spec)));
    if full {
        status_line(w, pvc, now);
    }
    let volume = s(spec, &["volumeName"]);
    w.w(0, &format!("Volume:\t{volume}\n"));
    labels_block(w, "Labels", at(meta, &["labels"]));
    annotations_block(w, "Annotations", at(meta, &["annotations"]));
    if full {
        w.w(0, &format!("Finalizers:\t{}\n", go_list(list(meta, &["finalizers"]))));
    }
    // Capacity and modes come from the bound status only; unbound claims show both empty.
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let status = at(pvc, &["status"]);
        (
            quantity::from_json(at(status, &["capacity", "storage"])).canonical(),
            access_modes(list(status, &["accessModes"])),
        )
    };
    w.w(0, &format!("Capacity:\t{capacity}\n"));
    w.w(0, &format!("Access Modes:\t{modes}\n"));
    let mode = at(spec, &["volumeMode"]);
    if !mode.is_null() {
        w.w(0, &format!("VolumeMode:\t{}\n", plain(mode)));
    }
    let source = at(spec, &["dataSource"]);
    if !source.is_null() {
        w.w(0, "DataSource:\n");
        if let Some(group) = at(source, &["apiGroup"]).as_str() {
            w.w(1, &format!("APIGroup:\t{group}\n"));
        }
        w.w(1, &format!("Kind:\t{}\n", s(source, &["kind"])));
        w.w(1, &format!("Name:\t{}\n", s(source, &["name"])));
    }
}

pub(crate) fn describe_pvc(pvc: &Value, pods: &[Value], events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    claim_fields(&mut w, pvc, true, now);
    used_by(&mut w, pvc, pods);
    let conditions = list(pvc, &["status", "conditions"]);
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n");
        w.w(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
        condition_rows(&mut w, conditions, "lastProbeTime");
    }
    events_block(&mut w, events, now);
    w.finish()
}

/// `getPodsForPVC` + `printPodsMultiline`: pods mounting the claim (once per volume naming it), then pods that own
/// it (an ephemeral volume's claim) not already listed; sorted by name.
fn used_by(w: &mut Out, pvc: &Value, pods: &[Value]) {
    let name = s(pvc, &["metadata", "name"]);
    let mut users: Vec<&Value> = Vec::new();
    for pod in pods {
        for v in list(pod, &["spec", "volumes"]) {
            if at(v, &["persistentVolumeClaim"]).is_object() && s(v, &["persistentVolumeClaim", "claimName"]) == name {
                users.push(pod);
            }
        }
    }
    for owner in list(pvc, &["metadata", "ownerReferences"]).iter().filter(|r| s(r, &["kind"]) == "Pod") {
        let uid = s(owner, &["uid"]);
        let known = users.iter().any(|u| s(u, &["metadata", "uid"]) == uid);
        if let Some(pod) = pods.iter().find(|p| s(p, &["metadata", "uid"]) == uid).filter(|_| !known) {
            users.push(pod);
        }
    }
    users.sort_by(|a, b| s(a, &["metadata", "name"]).cmp(s(b, &["metadata", "name"])));
    w.w(0, "Used By:\t");
    if users.is_empty() {
        w.line("<none>");
        return;
    }
    for (i, pod) in users.iter().enumerate() {
        if i != 0 {
            w.w(0, "\t");
        }
        w.w(0, &format!("{}\n", s(pod, &["metadata", "name"])));
    }
}

/// `describePersistentVolume`; `None` for a volume source this does not print yet (the caller falls back to the
/// generic describer rather than print kubectl's text wrongly).
pub(crate) fn describe_pv(pv: &Value, events: &[&Value], now: i64) -> Option<String> {
    let mut w = Out::default();
    let meta = at(pv, &["metadata"]);
    let spec = at(pv, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, &format!("Finalizers:\t{}\n", go_list(list(meta, &["finalizers"]))));
    w.w(0, &format!("StorageClass:\t{}\n", class_of(pv, spec)));
    status_line(&mut w, pv, now);
    let claim = at(spec, &["claimRef"]);
    let claim =
        if claim.is_null() { String::new() } else { format!("{}/{}", s(claim, &["namespace"]), s(claim, &["name"])) };
    w.w(0, &format!("Claim:\t{claim}\n"));
    w.w(0, &format!("Reclaim Policy:\t{}\n", s(spec, &["persistentVolumeReclaimPolicy"])));
    w.w(0, &format!("Access Modes:\t{}\n", access_modes(list(spec, &["accessModes"]))));
    let mode = at(spec, &["volumeMode"]);
    if !mode.is_null() {
        w.w(0, &format!("VolumeMode:\t{}\n", plain(mode)));
    }
    w.w(0, &format!("Capacity:\t{}\n", quantity::from_json(at(spec, &["capacity", "storage"])).canonical()));
    node_affinity(&mut w, at(spec, &["nodeAffinity"]));
    w.w(0, &format!("Message:\t{}\n", s(pv, &["status", "message"])));
    w.w(0, "Source:\n");
    pv_source(&mut w, spec)?;
    events_block(&mut w, events, now);
    Some(w.finish())
}

/// The sources kubectl checks, in its order; `None` for one not printed here.
fn pv_source(w: &mut Out, spec: &Value) -> Option<()> {
    const OTHERS: [&str; 18] = [
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "iscsi",
        "glusterfs",
        "rbd",
        "quobyte",
        "vsphereVolume",
        "cinder",
        "azureDisk",
        "photonPersistentDisk",
        "portworxVolume",
        "scaleIO",
        "cephfs",
        "storageos",
        "fc",
        "azureFile",
        "flexVolume",
        "flocker",
    ];
    let set = |k: &str| Some(at(spec, &[k])).filter(|v| !v.is_null());
    if let Some(h) = set("hostPath") {
        host_path_source(w, h);
    } else if let Some(x) = set("nfs") {
        nfs_source(w, x);
    } else if let Some(x) = set("local") {
        w.w(
            2,
            &format!(
                "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
                s(x, &["path"])
            ),
        );
    } else if let Some(x) = set("csi") {
        w.w(
            2,
            &format!(
                "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    VolumeHandle:\t{}\n    ReadOnly:\t{}\n",
                s(x, &["driver"]),
                s(x, &["fsType"]),
                s(x, &["volumeHandle"]),
                at(x, &["readOnly"]).as_bool().unwrap_or(false)
            ),
        );
        csi_attributes(w, at(x, &["volumeAttributes"]));
    } else if OTHERS.iter().any(|k| set(k).is_some()) {
        return None;
    } else {
        w.w(1, "<unknown>\n");
    }
    Some(())
}

/// `printVolumeNodeAffinity`: each required term's expressions as `key op [values]`.
fn node_affinity(w: &mut Out, affinity: &Value) {
    w.w(0, "Node Affinity:\t");
    let required = at(affinity, &["required"]);
    if required.is_null() {
        w.line("<none>");
        return;
    }
    w.line("");
    w.w(1, "Required Terms:\t");
    let terms = list(required, &["nodeSelectorTerms"]);
    if terms.is_empty() {
        w.line("<none>");
        return;
    }
    w.line("");
    for (i, term) in terms.iter().enumerate() {
        w.w(2, &format!("Term {i}:\t"));
        let reqs = list(term, &["matchExpressions"]);
        if reqs.is_empty() {
            w.line("<none>");
            continue;
        }
        for (j, req) in reqs.iter().enumerate() {
            if j != 0 {
                w.w(2, "\t");
            }
            let mut expr = format!("{} {}", s(req, &["key"]), s(req, &["operator"]).to_lowercase());
            expr.push_str(&bracketed(list(req, &["values"])));
            w.w(0, &format!("{expr}\n"));
        }
    }
}

/// ` [a, b]` after an expression, nothing without values.
fn bracketed(values: &[Value]) -> String {
    if values.is_empty() {
        return String::new();
    }
    format!(" [{}]", values.iter().map(plain).collect::<Vec<_>>().join(", "))
}

pub(crate) fn describe_storage_class(sc: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(sc, &["metadata"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    let default = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"]
        .iter()
        .any(|k| s(meta, &["annotations", k]) == "true");
    w.w(0, &format!("IsDefaultClass:\t{}\n", if default { "Yes" } else { "No" }));
    // kubectl prints the annotations as a label list here: last-applied-configuration included, unfolded.
    w.w(0, &format!("Annotations:\t{}\n", format_labels(at(meta, &["annotations"]))));
    w.w(0, &format!("Provisioner:\t{}\n", s(sc, &["provisioner"])));
    w.w(0, &format!("Parameters:\t{}\n", format_labels(at(sc, &["parameters"]))));
    let expansion = at(sc, &["allowVolumeExpansion"]).as_bool().map_or("<unset>", go_bool);
    w.w(0, &format!("AllowVolumeExpansion:\t{expansion}\n"));
    let options = list(sc, &["mountOptions"]);
    if options.is_empty() {
        w.w(0, "MountOptions:\t<none>\n");
    } else {
        w.w(0, "MountOptions:\n");
        for o in options {
            w.w(1, &format!("{}\n", plain(o)));
        }
    }
    for (title, key) in [("ReclaimPolicy", "reclaimPolicy"), ("VolumeBindingMode", "volumeBindingMode")] {
        if let Some(v) = at(sc, &[key]).as_str() {
            w.w(0, &format!("{title}:\t{v}\n"));
        }
    }
    if let Some(topologies) = at(sc, &["allowedTopologies"]).as_array() {
        w.w(0, "AllowedTopologies:\t");
        if topologies.is_empty() {
            w.line("<none>");
        } else {
            w.line("");
        }
        for (i, term) in topologies.iter().enumerate() {
            w.w(1, &format!("Term {i}:\t"));
            let reqs = list(term, &["matchLabelExpressions"]);
            if reqs.is_empty() {
                w.line("<none>");
            }
            for (j, req) in reqs.iter().enumerate() {
                if j != 0 {
                    w.w(1, "\t");
                }
                w.w(0, &format!("{} in{}\n", s(req, &["key"]), bracketed(list(req, &["values"]))));
            }
        }
    }
    events_block(&mut w, events, now);
    w.finish()
}
