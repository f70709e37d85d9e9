//! `kubectl describe node`: lease, conditions, capacity, system info, non-terminated pods and allocated resources.

use super::quantity::{self, Quantity};
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, condition_rows, events_block, flag, labels_block, list, plain, rfc1123z, s, since,
    taints_block,
};
use serde_json::Value;
use std::collections::BTreeMap;

type ResourceList = BTreeMap<String, Quantity>;

pub(crate) fn describe_node(
    node: &Value,
    pods: &[Value],
    lease: Option<&Value>,
    events: &[&Value],
    now: i64,
) -> String {
    let mut w = Out::default();
    let meta = at(node, &["metadata"]);
    let spec = at(node, &["spec"]);
    let status = at(node, &["status"]);
    let name = s(meta, &["name"]);
    w.w(0, &format!("Name:\t{name}\n"));
    let roles = roles(at(meta, &["labels"]));
    w.w(0, &format!("Roles:\t{}\n", if roles.is_empty() { "<none>".to_string() } else { roles.join(",") }));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(at(meta, &["creationTimestamp"]))));
    taints_block(&mut w, "Taints", list(spec, &["taints"]));
    w.w(0, &format!("Unschedulable:\t{}\n", flag(spec, &["unschedulable"])));
    match lease {
        Some(lease) => {
            w.w(0, "Lease:\n");
            let field = |k: &str, time: bool| {
                let v = at(lease, &["spec", k]);
                match (v.is_null(), time) {
                    (true, _) => "<unset>".to_string(),
                    (false, true) => rfc1123z(v),
                    (false, false) => plain(v),
                }
            };
            w.w(1, &format!("HolderIdentity:\t{}\n", field("holderIdentity", false)));
            w.w(1, &format!("AcquireTime:\t{}\n", field("acquireTime", true)));
            w.w(1, &format!("RenewTime:\t{}\n", field("renewTime", true)));
        }
        None => w.w(0, &format!("Lease:\tFailed to get lease: leases.coordination.k8s.io \"{name}\" not found\n")),
    }
    let conditions = list(status, &["conditions"]);
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
        w.w(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
        condition_rows(&mut w, conditions, "lastHeartbeatTime");
    }
    w.w(0, "Addresses:\n");
    for a in list(status, &["addresses"]) {
        w.w(1, &format!("{}:\t{}\n", s(a, &["type"]), s(a, &["address"])));
    }
    for (title, key) in [("Capacity", "capacity"), ("Allocatable", "allocatable")] {
        let Some(m) = at(status, &[key]).as_object().filter(|m| !m.is_empty()) else { continue };
        w.w(0, &format!("{title}:\n"));
        let mut names: Vec<&String> = m.keys().collect();
        names.sort();
        for n in names {
            w.w(0, &format!("  {n}:\t{}\n", quantity::canonical_json(&m[n])));
        }
    }
    let info = at(status, &["nodeInfo"]);
    w.w(0, "System Info:\n");
    for (title, key) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
        ("Kube-Proxy Version", "kubeProxyVersion"),
    ] {
        w.w(0, &format!("  {title}:\t{}\n", s(info, &[key])));
    }
    let pod_cidr = s(spec, &["podCIDR"]);
    if !pod_cidr.is_empty() {
        w.w(0, &format!("PodCIDR:\t{pod_cidr}\n"));
    }
    let cidrs = list(spec, &["podCIDRs"]);
    if !cidrs.is_empty() {
        w.w(0, &format!("PodCIDRs:\t{}\n", cidrs.iter().map(plain).collect::<Vec<_>>().join(",")));
    }
    let provider = s(spec, &["providerID"]);
    if !provider.is_empty() {
        w.w(0, &format!("ProviderID:\t{provider}\n"));
    }
    let mut running: Vec<&Value> = pods
        .iter()
        .filter(|p| {
            let phase = s(p, &["status", "phase"]);
            phase != "Succeeded" && phase != "Failed" && s(p, &["spec", "nodeName"]) == name
        })
        .collect();
    // The apiserver lists pods in storage-key order: namespace, then name.
    running.sort_by(|a, b| {
        let key = |p: &Value| (s(p, &["metadata", "namespace"]).to_string(), s(p, &["metadata", "name"]).to_string());
        key(a).cmp(&key(b))
    });
    node_resources(&mut w, node, &running, now);
    events_block(&mut w, events, now);
    w.finish()
}

/// `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values, sorted and unique.
fn roles(labels: &Value) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for (k, v) in labels.as_object().into_iter().flatten() {
        let role = if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
            r.to_string()
        } else if k == "kubernetes.io/role" {
            v.as_str().unwrap_or("").to_string()
        } else {
            continue;
        };
        if !role.is_empty() && !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    roles
}

/// Go's `int64(float64)` on amd64: NaN and out-of-range values become the minimum.
fn go_int64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) { i64::MIN } else { f as i64 }
}

fn percent(part: i64, whole: i64) -> i64 {
    go_int64(part as f64 / whole as f64 * 100.0)
}

fn guarded_percent(part: i64, whole: i64) -> i64 {
    if whole == 0 { 0 } else { percent(part, whole) }
}

fn describe_quantity(list: &ResourceList, name: &str) -> Quantity {
    list.get(name).copied().unwrap_or_default()
}

fn node_resources(w: &mut Out, node: &Value, pods: &[&Value], now: i64) {
    w.w(0, &format!("Non-terminated Pods:\t({} in total)\n", pods.len()));
    w.w(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
    w.w(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
    let alloc_json = match at(node, &["status", "allocatable"]).as_object() {
        Some(m) if !m.is_empty() => at(node, &["status", "allocatable"]),
        _ => at(node, &["status", "capacity"]),
    };
    let allocatable: ResourceList =
        alloc_json.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), quantity::from_json(v))).collect();
    let alloc_cpu = describe_quantity(&allocatable, "cpu").milli();
    let alloc_mem = describe_quantity(&allocatable, "memory").whole();
    let mut total_reqs = ResourceList::new();
    let mut total_limits = ResourceList::new();
    for pod in pods {
        let (reqs, limits) = pod_requests_and_limits(pod);
        let (cr, cl) = (describe_quantity(&reqs, "cpu"), describe_quantity(&limits, "cpu"));
        let (mr, ml) = (describe_quantity(&reqs, "memory"), describe_quantity(&limits, "memory"));
        w.w(
            1,
            &format!(
                "{}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}\n",
                s(pod, &["metadata", "namespace"]),
                s(pod, &["metadata", "name"]),
                cr.canonical(),
                percent(cr.milli(), alloc_cpu),
                cl.canonical(),
                percent(cl.milli(), alloc_cpu),
                mr.canonical(),
                percent(mr.whole(), alloc_mem),
                ml.canonical(),
                percent(ml.whole(), alloc_mem),
                since(at(pod, &["metadata", "creationTimestamp"]), now)
            ),
        );
        add_list(&mut total_reqs, &reqs);
        add_list(&mut total_limits, &limits);
    }
    w.w(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
    w.w(1, "Resource\tRequests\tLimits\n");
    w.w(1, "--------\t--------\t------\n");
    let row = |w: &mut Out, name: &str, scale: fn(&Quantity) -> i64| {
        let (r, l) = (describe_quantity(&total_reqs, name), describe_quantity(&total_limits, name));
        let whole = scale(&describe_quantity(&allocatable, name));
        w.w(
            1,
            &format!(
                "{name}\t{} ({}%)\t{} ({}%)\n",
                r.canonical(),
                guarded_percent(scale(&r), whole),
                l.canonical(),
                guarded_percent(scale(&l), whole)
            ),
        );
    };
    row(w, "cpu", Quantity::milli);
    row(w, "memory", Quantity::whole);
    row(w, "ephemeral-storage", Quantity::whole);
    for name in allocatable.keys().filter(|k| k.starts_with("hugepages-")) {
        row(w, name, Quantity::whole);
    }
    let standard = ["cpu", "memory", "ephemeral-storage", "pods"];
    for name in allocatable.keys().filter(|k| !k.starts_with("hugepages-") && !standard.contains(&k.as_str())) {
        let (r, l) = (describe_quantity(&total_reqs, name), describe_quantity(&total_limits, name));
        w.w(1, &format!("{name}\t{}\t{}\n", r.canonical(), l.canonical()));
    }
}

fn resource_list(v: &Value) -> ResourceList {
    v.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), quantity::from_json(v))).collect()
}

fn add_list(into: &mut ResourceList, new: &ResourceList) {
    for (name, q) in new {
        match into.get_mut(name) {
            Some(cur) => cur.add(q),
            None => {
                into.insert(name.clone(), *q);
            }
        }
    }
}

fn max_list(into: &mut ResourceList, new: &ResourceList) {
    for (name, q) in new {
        match into.get_mut(name) {
            Some(cur) => {
                if q.cmp(cur).is_gt() {
                    *cur = *q;
                }
            }
            None => {
                into.insert(name.clone(), *q);
            }
        }
    }
}

/// kubectl's `resourcehelper.PodRequestsAndLimits`: containers summed (requests raised to what status reports
/// after a resize), init containers by their peak with restartable (sidecar) ones running alongside, plus overhead.
pub(super) fn pod_requests_and_limits(pod: &Value) -> (ResourceList, ResourceList) {
    let spec = at(pod, &["spec"]);
    let infeasible = s(pod, &["status", "resize"]) == "Infeasible";
    let statuses = list(pod, &["status", "containerStatuses"]);
    let mut reqs = ResourceList::new();
    let mut limits = ResourceList::new();
    for c in list(spec, &["containers"]) {
        let mut c_reqs = resource_list(at(c, &["resources", "requests"]));
        let status_res =
            statuses.iter().find(|st| s(st, &["name"]) == s(c, &["name"])).map(|st| at(st, &["resources"]));
        if let Some(res) = status_res.filter(|r| !r.is_null()) {
            let actual = resource_list(at(res, &["requests"]));
            c_reqs = if infeasible { actual } else { max_of(&c_reqs, &actual) };
        }
        add_list(&mut reqs, &c_reqs);
        add_list(&mut limits, &resource_list(at(c, &["resources", "limits"])));
    }
    for (target, key) in [(&mut reqs, "requests"), (&mut limits, "limits")] {
        let mut restartable = ResourceList::new();
        let mut init_peak = ResourceList::new();
        for c in list(spec, &["initContainers"]) {
            let c_list = resource_list(at(c, &["resources", key]));
            let effective = if s(c, &["restartPolicy"]) == "Always" {
                add_list(target, &c_list);
                add_list(&mut restartable, &c_list);
                restartable.clone()
            } else {
                let mut tmp = ResourceList::new();
                add_list(&mut tmp, &c_list);
                add_list(&mut tmp, &restartable);
                tmp
            };
            max_list(&mut init_peak, &effective);
        }
        max_list(target, &init_peak);
    }
    let overhead = resource_list(at(spec, &["overhead"]));
    add_list(&mut reqs, &overhead);
    for (name, q) in &overhead {
        if let Some(cur) = limits.get_mut(name).filter(|c| !c.is_zero()) {
            cur.add(q);
        }
    }
    (reqs, limits)
}

/// resourcehelper's `max`: per name the larger, `b` winning ties.
fn max_of(a: &ResourceList, b: &ResourceList) -> ResourceList {
    let mut out = ResourceList::new();
    for (k, v) in a {
        let pick = match b.get(k) {
            Some(o) if v.cmp(o).is_le() => *o,
            _ => *v,
        };
        out.insert(k.clone(), pick);
    }
    for (k, v) in b {
        out.entry(k.clone()).or_insert(*v);
    }
    out
}
