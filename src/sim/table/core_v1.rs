//! Tables for Nodes, Namespaces, Events, Services, ConfigMaps, Secrets and (coordination.k8s.io) Leases, as
//! kube-apiserver 1.32's printers.go prints them; no IO.

use serde_json::Value;

use super::{
    AGE, Column, NAME, age, ago, at, column, format_labels, int, key_count, list, name, non_empty_or, parse_rfc3339,
    since, strings, text, wide,
};

const NODE_ADDRESSES_DESC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

pub const NODE_COLUMNS: &[Column] = &[
    NAME,
    column("Status", "string", "The status of the node"),
    column("Roles", "string", "The roles of the node"),
    AGE,
    column("Version", "string", "Kubelet Version reported by the node."),
    wide("Internal-IP", "string", NODE_ADDRESSES_DESC),
    wide("External-IP", "string", NODE_ADDRESSES_DESC),
    wide(
        "OS-Image",
        "string",
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    ),
    wide(
        "Kernel-Version",
        "string",
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    ),
    wide(
        "Container-Runtime",
        "string",
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    ),
];

pub const NAMESPACE_COLUMNS: &[Column] = &[NAME, column("Status", "string", "The status of the namespace"), AGE];

pub const EVENT_COLUMNS: &[Column] = &[
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    column(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column("Object", "string", "The object that this event is about."),
    wide(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.",
    ),
    wide("Source", "string", "The component reporting this event. Should be a short machine understandable string."),
    column("Message", "string", "A human-readable description of the status of this operation."),
    wide(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    ),
    wide("Count", "string", "The number of times this event has occurred."),
    Column { priority: 1, ..NAME },
];

pub const SERVICE_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Type",
        "string",
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
    ),
    column(
        "Cluster-IP",
        "string",
        "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
    ),
    column(
        "External-IP",
        "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
    ),
    column(
        "Port(s)",
        "string",
        "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
    ),
    AGE,
    wide(
        "Selector",
        "string",
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
    ),
];

pub const CONFIG_MAP_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    AGE,
];

pub const SECRET_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    ),
    column(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
    ),
    AGE,
];

pub const LEASE_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
    ),
    AGE,
];

// ---- nodes and namespaces ----

pub fn node_cells(node: &Value, now: i64) -> Vec<Value> {
    vec![
        name(node),
        node_status(node).into(),
        node_roles(node).into(),
        age(node, now),
        text(node, "/status/nodeInfo/kubeletVersion").into(),
        node_address(node, "InternalIP").into(),
        node_address(node, "ExternalIP").into(),
        non_empty_or(text(node, "/status/nodeInfo/osImage"), "<unknown>").into(),
        non_empty_or(text(node, "/status/nodeInfo/kernelVersion"), "<unknown>").into(),
        non_empty_or(text(node, "/status/nodeInfo/containerRuntimeVersion"), "<unknown>").into(),
    ]
}

/// Ready / NotReady / Unknown from the Ready condition, plus SchedulingDisabled when cordoned.
fn node_status(node: &Value) -> String {
    // printNode indexes conditions by type, so a repeated Ready condition's last entry wins.
    let ready = list(node, "/status/conditions").iter().rev().find(|c| text(c, "/type") == "Ready");
    let mut status = match ready {
        Some(c) if text(c, "/status") == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }
    .to_string();
    if at(node, "/spec/unschedulable").as_bool() == Some(true) {
        status.push_str(",SchedulingDisabled");
    }
    status
}

/// Sorted roles from `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`.
fn node_roles(node: &Value) -> String {
    let Some(labels) = at(node, "/metadata/labels").as_object() else {
        return "<none>".to_string();
    };
    let mut roles: Vec<&str> = labels
        .iter()
        .filter_map(|(key, value)| match key.strip_prefix("node-role.kubernetes.io/") {
            Some(role) => Some(role),
            None if key == "kubernetes.io/role" => value.as_str(),
            None => None,
        })
        .filter(|role| !role.is_empty())
        .collect();
    roles.sort_unstable();
    roles.dedup();
    non_empty_or(&roles.join(","), "<none>").to_string()
}

/// The first address of `kind`, "<none>" without one.
fn node_address<'a>(node: &'a Value, kind: &str) -> &'a str {
    list(node, "/status/addresses").iter().find(|a| text(a, "/type") == kind).map_or("<none>", |a| text(a, "/address"))
}

pub fn namespace_cells(namespace: &Value, now: i64) -> Vec<Value> {
    // Namespace status defaults to Active.
    vec![name(namespace), non_empty_or(text(namespace, "/status/phase"), "Active").into(), age(namespace, now)]
}

// ---- events ----

pub fn event_cells(event: &Value, now: i64) -> Vec<Value> {
    // Events from the events.k8s.io API carry eventTime instead of firstTimestamp.
    let first = parse_rfc3339(text(event, "/firstTimestamp")).or_else(|| parse_rfc3339(text(event, "/eventTime")));
    let first_seen = ago(first, now);
    let last = parse_rfc3339(text(event, "/lastTimestamp"));
    let mut last_seen = if last.is_some() { ago(last, now) } else { first_seen.clone() };
    let series = at(event, "/series");
    let mut count = int(event, "/count");
    if !series.is_null() {
        last_seen = since(text(series, "/lastObservedTime"), now);
        count = int(series, "/count");
    } else if count == 0 {
        // Singleton events don't set a count in the new API.
        count = 1;
    }
    vec![
        last_seen.into(),
        text(event, "/type").into(),
        text(event, "/reason").into(),
        event_object(event).into(),
        text(event, "/involvedObject/fieldPath").into(),
        event_source(event).into(),
        text(event, "/message").trim().into(),
        first_seen.into(),
        count.into(),
        name(event),
    ]
}

/// "pod/web-0", or just the lowercased kind for an unnamed object.
fn event_object(event: &Value) -> String {
    let kind = text(event, "/involvedObject/kind").to_lowercase();
    match text(event, "/involvedObject/name") {
        "" => kind,
        object => format!("{kind}/{object}"),
    }
}

/// "component, host", falling back to the reporting controller and instance.
fn event_source(event: &Value) -> String {
    let component = non_empty_or(text(event, "/source/component"), text(event, "/reportingComponent"));
    let instance = non_empty_or(text(event, "/source/host"), text(event, "/reportingInstance"));
    if instance.is_empty() { component.to_string() } else { format!("{component}, {instance}") }
}

// ---- services, config maps, secrets ----

pub fn service_cells(service: &Value, now: i64) -> Vec<Value> {
    let kind = non_empty_or(text(service, "/spec/type"), "ClusterIP");
    vec![
        name(service),
        kind.into(),
        cluster_ip(service).into(),
        external_ip(service, kind).into(),
        non_empty_or(&service_ports(service), "<none>").into(),
        age(service, now),
        format_labels(at(service, "/spec/selector")).into(),
    ]
}

/// v1→internal conversion makes `spec.clusterIP` authoritative over `clusterIPs[0]`.
fn cluster_ip(service: &Value) -> &str {
    let ip = text(service, "/spec/clusterIP");
    if ip.is_empty() {
        list(service, "/spec/clusterIPs").first().and_then(Value::as_str).unwrap_or("<none>")
    } else {
        ip
    }
}

/// getServiceExternalIP with wide output: load-balancer ingress points are never truncated.
fn external_ip(service: &Value, kind: &str) -> String {
    let external = strings(service, "/spec/externalIPs");
    match kind {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            let mut addresses = load_balancer_addresses(service);
            addresses.extend(external);
            if addresses.is_empty() { "<pending>".to_string() } else { addresses.join(",") }
        }
        "ExternalName" => text(service, "/spec/externalName").to_string(),
        _ => "<unknown>".to_string(),
    }
}

/// Sorted, de-duplicated ingress IPs (or hostnames) from status.loadBalancer.
fn load_balancer_addresses(service: &Value) -> Vec<&str> {
    let mut addresses: Vec<&str> = list(service, "/status/loadBalancer/ingress")
        .iter()
        .map(|i| non_empty_or(text(i, "/ip"), text(i, "/hostname")))
        .filter(|a| !a.is_empty())
        .collect();
    addresses.sort_unstable();
    addresses.dedup();
    addresses
}

/// "80/TCP,443:30443/TCP"; the protocol defaults to TCP.
fn service_ports(service: &Value) -> String {
    let ports: Vec<String> = list(service, "/spec/ports")
        .iter()
        .map(|p| {
            let (port, protocol) = (int(p, "/port"), non_empty_or(text(p, "/protocol"), "TCP"));
            match int(p, "/nodePort") {
                node_port if node_port > 0 => format!("{port}:{node_port}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    ports.join(",")
}

pub fn config_map_cells(config_map: &Value, now: i64) -> Vec<Value> {
    let entries = key_count(config_map, "/data") + key_count(config_map, "/binaryData");
    vec![name(config_map), entries.into(), age(config_map, now)]
}

pub fn secret_cells(secret: &Value, now: i64) -> Vec<Value> {
    vec![
        name(secret),
        non_empty_or(text(secret, "/type"), "Opaque").into(),
        key_count(secret, "/data").into(),
        age(secret, now),
    ]
}

// ---- leases ----

pub fn lease_cells(lease: &Value, now: i64) -> Vec<Value> {
    vec![name(lease), text(lease, "/spec/holderIdentity").into(), age(lease, now)]
}
