//! `kubectl describe pod`: the pod header, containers, conditions, volumes, QoS class, scheduling and events.

use super::container::{containers_block, resources_block};
use super::gosort;
use super::quantity::{self, Quantity};
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, events_block, flag, format_selector, int, labels_block, list, plain, rfc1123z, s, shorten,
    since, tolerations_block,
};
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) fn describe_pod(pod: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(pod, &["metadata"]);
    let spec = at(pod, &["spec"]);
    let status = at(pod, &["status"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    if let Some(p) = at(spec, &["priority"]).as_i64() {
        w.w(0, &format!("Priority:\t{p}\n"));
    }
    for (title, key) in [
        ("Priority Class Name", "priorityClassName"),
        ("Runtime Class Name", "runtimeClassName"),
        ("Service Account", "serviceAccountName"),
    ] {
        let v = s(spec, &[key]);
        if !v.is_empty() {
            w.w(0, &format!("{title}:\t{v}\n"));
        }
    }
    let node = s(spec, &["nodeName"]);
    if node.is_empty() {
        w.w(0, "Node:\t<none>\n");
    } else {
        w.w(0, &format!("Node:\t{node}/{}\n", s(status, &["hostIP"])));
    }
    let start = at(status, &["startTime"]);
    if !start.is_null() {
        w.w(0, &format!("Start Time:\t{}\n", rfc1123z(start)));
    }
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    let phase = s(status, &["phase"]);
    let deletion = at(meta, &["deletionTimestamp"]);
    if !deletion.is_null() && phase != "Failed" && phase != "Succeeded" {
        w.w(0, &format!("Status:\tTerminating (lasts {})\n", since(deletion, now)));
        w.w(0, &format!("Termination Grace Period:\t{}s\n", int(meta, &["deletionGracePeriodSeconds"])));
    } else {
        w.w(0, &format!("Status:\t{phase}\n"));
    }
    for (title, key) in [("Reason", "reason"), ("Message", "message")] {
        let v = s(status, &[key]);
        if !v.is_empty() {
            w.w(0, &format!("{title}:\t{v}\n"));
        }
    }
    let seccomp = at(spec, &["securityContext", "seccompProfile"]);
    if !seccomp.is_null() {
        w.w(0, &format!("SeccompProfile:\t{}\n", s(seccomp, &["type"])));
        if s(seccomp, &["type"]) == "Localhost" {
            w.w(0, &format!("LocalhostProfile:\t{}\n", s(seccomp, &["localhostProfile"])));
        }
    }
    w.w(0, &format!("IP:\t{}\n", s(status, &["podIP"])));
    let ips = list(status, &["podIPs"]);
    if ips.is_empty() {
        w.w(0, "IPs:\t<none>\n");
    } else {
        w.w(0, "IPs:\n");
        for ip in ips {
            w.w(1, &format!("IP:\t{}\n", s(ip, &["ip"])));
        }
    }
    let controlled_by = controller_of(pod);
    if !controlled_by.is_empty() {
        w.w(0, &format!("Controlled By:\t{controlled_by}\n"));
    }
    let nominated = s(status, &["nominatedNodeName"]);
    if !nominated.is_empty() {
        w.w(0, &format!("NominatedNodeName:\t{nominated}\n"));
    }
    let pod_resources = at(spec, &["resources"]);
    if !pod_resources.is_null() {
        w.w(0, "Resources:\n");
        resources_block(&mut w, pod_resources, 1);
    }
    let init = list(spec, &["initContainers"]);
    if !init.is_empty() {
        containers_block(&mut w, "Init Containers", init, list(status, &["initContainerStatuses"]), Some(pod), "");
    }
    containers_block(
        &mut w,
        "Containers",
        list(spec, &["containers"]),
        list(status, &["containerStatuses"]),
        Some(pod),
        "",
    );
    let ephemeral = list(spec, &["ephemeralContainers"]);
    if !ephemeral.is_empty() {
        let statuses = list(status, &["ephemeralContainerStatuses"]);
        containers_block(&mut w, "Ephemeral Containers", ephemeral, statuses, Some(pod), "");
    }
    let conditions = list(status, &["conditions"]);
    let gates = list(spec, &["readinessGates"]);
    if !gates.is_empty() {
        w.w(0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let t = s(g, &["conditionType"]);
            let st = conditions.iter().find(|c| s(c, &["type"]) == t).map(|c| s(c, &["status"])).unwrap_or("<none>");
            w.w(1, &format!("{t} \t{st} \n"));
        }
    }
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\n");
        for c in conditions {
            w.w(1, &format!("{} \t{} \n", s(c, &["type"]), s(c, &["status"])));
        }
    }
    volumes_block(&mut w, list(spec, &["volumes"]), "");
    w.w(0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    labels_block(&mut w, "Node-Selectors", at(spec, &["nodeSelector"]));
    tolerations_block(&mut w, "Tolerations", list(spec, &["tolerations"]));
    topology_spread(&mut w, list(spec, &["topologySpreadConstraints"]), "");
    events_block(&mut w, events, now);
    w.finish()
}

/// `printController`: `Kind/name` of the controller owner reference, empty without one.
pub(super) fn controller_of(obj: &Value) -> String {
    list(obj, &["metadata", "ownerReferences"])
        .iter()
        .find(|r| flag(r, &["controller"]))
        .map(|r| format!("{}/{}", s(r, &["kind"]), s(r, &["name"])))
        .unwrap_or_default()
}

/// `describeTopologySpreadConstraints`, sorted by topology key.
pub(super) fn topology_spread(w: &mut Out, tscs: &[Value], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted: Vec<&Value> = tscs.iter().collect();
    gosort::sort(&mut sorted, |a, b| s(a, &["topologyKey"]) < s(b, &["topologyKey"]));
    w.w(0, &format!("{space}Topology Spread Constraints:\t"));
    for (i, t) in sorted.iter().enumerate() {
        if i != 0 {
            w.w(0, space);
            w.w(0, "\t");
        }
        let mut line = format!(
            "{}:{} when max skew {} is exceeded",
            s(t, &["topologyKey"]),
            s(t, &["whenUnsatisfiable"]),
            int(t, &["maxSkew"])
        );
        let sel = at(t, &["labelSelector"]);
        if !sel.is_null() {
            let text = format_selector(sel);
            line.push_str(&format!(" for selector {}", if text.is_empty() { "<none>" } else { &text }));
        }
        line.push('\n');
        w.w(0, &line);
    }
}

/// `describeVolumes` for the common volume sources; others print `<unknown>` as kubectl does for unhandled ones.
pub(super) fn volumes_block(w: &mut Out, volumes: &[Value], space: &str) {
    if volumes.is_empty() {
        w.w(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.w(0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in volumes {
        w.w(1, &format!("{name_indent}{}:\n", s(v, &["name"])));
        let src = |k: &str| at(v, &[k]);
        let bool_of = |x: &Value, k: &str| flag(x, &[k]);
        if let Some(h) = Some(src("hostPath")).filter(|x| !x.is_null()) {
            host_path_source(w, h);
        } else if let Some(e) = Some(src("emptyDir")).filter(|x| !x.is_null()) {
            let limit = at(e, &["sizeLimit"]);
            let q = quantity::from_json(limit);
            let size =
                if !limit.is_null() && q.cmp(&Quantity::default()).is_gt() { q.canonical() } else { "<unset>".into() };
            w.w(
                2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                    s(e, &["medium"])
                ),
            );
        } else if let Some(x) = Some(src("secret")).filter(|x| !x.is_null()) {
            w.w(
                2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s(x, &["secretName"]),
                    bool_of(x, "optional")
                ),
            );
        } else if let Some(x) = Some(src("configMap")).filter(|x| !x.is_null()) {
            w.w(
                2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    s(x, &["name"]),
                    bool_of(x, "optional")
                ),
            );
        } else if let Some(x) = Some(src("nfs")).filter(|x| !x.is_null()) {
            nfs_source(w, x);
        } else if let Some(x) = Some(src("persistentVolumeClaim")).filter(|x| !x.is_null()) {
            w.w(
                2,
                &format!(
                    "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                    s(x, &["claimName"]),
                    bool_of(x, "readOnly")
                ),
            );
        } else if let Some(x) = Some(src("ephemeral")).filter(|x| !x.is_null()) {
            w.w(2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n");
            let claim = at(x, &["volumeClaimTemplate"]);
            if !claim.is_null() {
                w.nested += 2;
                super::storage::claim_fields(w, claim, false, 0);
                w.nested -= 2;
            }
        } else if let Some(x) = Some(src("downwardAPI")).filter(|x| !x.is_null()) {
            w.w(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n");
            for item in list(x, &["items"]) {
                let path = s(item, &["path"]);
                if !at(item, &["fieldRef"]).is_null() {
                    w.w(3, &format!("{} -> {path}\n", s(item, &["fieldRef", "fieldPath"])));
                }
                if !at(item, &["resourceFieldRef"]).is_null() {
                    w.w(3, &format!("{} -> {path}\n", s(item, &["resourceFieldRef", "resource"])));
                }
            }
        } else if let Some(x) = Some(src("projected")).filter(|x| !x.is_null()) {
            projected(w, x);
        } else if let Some(x) = Some(src("csi")).filter(|x| !x.is_null()) {
            w.w(
                2,
                &format!(
                    "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{}\n    FSType:\t{}\n    ReadOnly:\t{}\n",
                    s(x, &["driver"]),
                    s(x, &["fsType"]),
                    bool_of(x, "readOnly")
                ),
            );
            csi_attributes(w, at(x, &["volumeAttributes"]));
        } else if let Some(x) = Some(src("image")).filter(|x| !x.is_null()) {
            w.w(
                2,
                &format!(
                    "Type:\tImage (a container image or OCI artifact)\n    Reference:\t{}\n    PullPolicy:\t{}\n",
                    s(x, &["reference"]),
                    s(x, &["pullPolicy"])
                ),
            );
        } else {
            w.w(1, "<unknown>\n");
        }
    }
}

/// `printHostPathVolumeSource`, for pod volumes and PersistentVolumes alike.
pub(super) fn host_path_source(w: &mut Out, h: &Value) {
    let kind = if at(h, &["type"]).is_null() { "<none>" } else { s(h, &["type"]) };
    w.w(
        2,
        &format!(
            "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{kind}\n",
            s(h, &["path"])
        ),
    );
}

/// `printNFSVolumeSource`, for pod volumes and PersistentVolumes alike.
pub(super) fn nfs_source(w: &mut Out, x: &Value) {
    w.w(
        2,
        &format!(
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
            s(x, &["server"]),
            s(x, &["path"]),
            flag(x, &["readOnly"])
        ),
    );
}

/// `printCSIPersistentVolumeAttributesMultiline`: sorted `k=v` lines, each cut at 140 bytes.
pub(super) fn csi_attributes(w: &mut Out, attributes: &Value) {
    w.w(2, "VolumeAttributes:\t");
    let attrs = super::text::string_map(attributes);
    if attrs.is_empty() {
        w.line("<none>");
    }
    for (i, (k, val)) in attrs.iter().enumerate() {
        if i != 0 {
            w.w(2, "");
            w.w(2, "\t");
        }
        w.w(2, &format!("{}\n", shorten(&format!("{k}={val}"), 140)));
    }
}

fn projected(w: &mut Out, x: &Value) {
    w.w(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
    // kubectl prints the Optional pointers with %v: `<nil>` when unset (an address when set; the value here).
    let opt = |v: &Value| if v.is_null() { "<nil>".to_string() } else { plain(v) };
    for src in list(x, &["sources"]) {
        let secret = at(src, &["secret"]);
        let config = at(src, &["configMap"]);
        let token = at(src, &["serviceAccountToken"]);
        if !secret.is_null() {
            let optional = opt(at(secret, &["optional"]));
            w.w(2, &format!("SecretName:\t{}\n    SecretOptionalName:\t{optional}\n", s(secret, &["name"])));
        } else if !at(src, &["downwardAPI"]).is_null() {
            w.w(2, "DownwardAPI:\ttrue\n");
        } else if !config.is_null() {
            let optional = opt(at(config, &["optional"]));
            w.w(2, &format!("ConfigMapName:\t{}\n    ConfigMapOptional:\t{optional}\n", s(config, &["name"])));
        } else if !token.is_null() {
            w.w(2, &format!("TokenExpirationSeconds:\t{}\n", int(token, &["expirationSeconds"])));
        }
    }
}

/// `qos.GetPodQOS`: status.qosClass, else computed from cpu/memory requests and limits as the apiserver does.
pub(super) fn qos_class(pod: &Value) -> String {
    let given = s(pod, &["status", "qosClass"]);
    if !given.is_empty() {
        return given.to_string();
    }
    let spec = at(pod, &["spec"]);
    let mut requests: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut limits: BTreeMap<String, Quantity> = BTreeMap::new();
    let mut guaranteed = true;
    let process = |into: &mut BTreeMap<String, Quantity>, list_: &Value| {
        for (name, q) in list_.as_object().into_iter().flatten() {
            if name != "cpu" && name != "memory" {
                continue;
            }
            let q = quantity::from_json(q);
            if q.cmp(&Quantity::default()).is_gt() {
                into.entry(name.clone()).or_default().add(&q);
            }
        }
    };
    let has_both_limits = |l: &Value| {
        ["cpu", "memory"].iter().all(|n| quantity::from_json(at(l, &[n])).cmp(&Quantity::default()).is_gt())
    };
    let pod_resources = at(spec, &["resources"]);
    if !pod_resources.is_null() {
        process(&mut requests, at(pod_resources, &["requests"]));
        let l = at(pod_resources, &["limits"]);
        if !l.is_null() {
            process(&mut limits, l);
            if !has_both_limits(l) {
                guaranteed = false;
            }
        }
    } else {
        for c in list(spec, &["containers"]).iter().chain(list(spec, &["initContainers"])) {
            process(&mut requests, at(c, &["resources", "requests"]));
            process(&mut limits, at(c, &["resources", "limits"]));
            if !has_both_limits(at(c, &["resources", "limits"])) {
                guaranteed = false;
            }
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort".to_string();
    }
    let limits_match = requests.iter().all(|(n, r)| limits.get(n).is_some_and(|l| l.cmp(r).is_eq()));
    if guaranteed && limits_match && requests.len() == limits.len() {
        return "Guaranteed".to_string();
    }
    "Burstable".to_string()
}
