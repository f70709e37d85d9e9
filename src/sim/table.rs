//! Server-side printing: Kubernetes objects → meta.k8s.io/v1 Table columns and cells, as kube-apiserver prints them; no IO.
//!
//! Columns and cell logic follow kube-apiserver 1.32's
//! `pkg/printers/internalversion/printers.go`. For `as=Table` requests the
//! apiserver always prints with `Wide: true` and lets kubectl hide the
//! priority-1 columns, so every row here carries the wide cells as well.
//!
//! A real apiserver prints objects that already went through API defaulting;
//! the sim may store them as submitted. Where a printer would show a field the
//! apiserver defaults (Service type, port protocol, replica counts, Secret type,
//! Namespace and Pod phase, CronJob suspend), the default is applied here so the
//! output matches what the same manifest shows on a real cluster.

use serde_json::{Value, json};

mod apps;
pub mod custom;
mod network;
mod policy;
mod storage;

/// What a missing JSON path reads as; a static so lookups can hand out references.
static NULL: Value = Value::Null;

/// One `meta.k8s.io/v1` TableColumnDefinition.
#[derive(Clone, Copy)]
struct Column {
    name: &'static str,
    kind: &'static str,
    format: &'static str,
    description: &'static str,
    priority: u8,
}

impl Column {
    /// The wire form; `format` is always present because the Go struct has no `omitempty` on it.
    fn to_json(self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}

/// A column shown by plain `kubectl get`.
const fn column(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column { name, kind, format: "", description, priority: 0 }
}

/// A column shown only with `-o wide`.
const fn wide(name: &'static str, kind: &'static str, description: &'static str) -> Column {
    Column { name, kind, format: "", description, priority: 1 }
}

// Descriptions are the swagger docs printers.go points at (ObjectMeta, PodSpec, ...).
const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const READY_PODS_DESC: &str = "Number of the pod with ready state";
const NODE_ADDRESSES_DESC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const NODE_SELECTOR_DESC: &str = "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/";
const JOB_SELECTOR_DESC: &str = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

const NAME: Column = Column { name: "Name", kind: "string", format: "name", description: NAME_DESC, priority: 0 };
const AGE: Column = column("Age", "string", AGE_DESC);
const CONTAINERS: Column = wide("Containers", "string", "Names of each container in the template.");
const IMAGES: Column = wide("Images", "string", "Images referenced by each container in the template.");

const POD_COLUMNS: &[Column] = &[
    NAME,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    AGE,
    wide(
        "IP",
        "string",
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    ),
    wide(
        "Node",
        "string",
        "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.",
    ),
    wide(
        "Nominated Node",
        "string",
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
    ),
    wide(
        "Readiness Gates",
        "string",
        "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
    ),
];

const NODE_COLUMNS: &[Column] = &[
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

const NAMESPACE_COLUMNS: &[Column] = &[NAME, column("Status", "string", "The status of the namespace"), AGE];

const EVENT_COLUMNS: &[Column] = &[
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

const SERVICE_COLUMNS: &[Column] = &[
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

const CONFIG_MAP_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
    ),
    AGE,
];

const SECRET_COLUMNS: &[Column] = &[
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

const DEPLOYMENT_COLUMNS: &[Column] = &[
    NAME,
    column("Ready", "string", READY_PODS_DESC),
    column(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    column(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
    ),
];

const REPLICA_SET_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    column(
        "Current",
        "integer",
        "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    column("Ready", "integer", "The number of ready replicas for this replica set."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const STATEFUL_SET_COLUMNS: &[Column] = &[NAME, column("Ready", "string", READY_PODS_DESC), AGE, CONTAINERS, IMAGES];

const DAEMON_SET_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    column(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    column(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
    ),
    column("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    column(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    column("Node Selector", "string", NODE_SELECTOR_DESC),
    AGE,
    CONTAINERS,
    IMAGES,
    wide(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
];

const JOB_COLUMNS: &[Column] = &[
    NAME,
    column("Status", "string", "Status of the job."),
    column(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
    ),
    column("Duration", "string", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", JOB_SELECTOR_DESC),
];

const CRON_JOB_COLUMNS: &[Column] = &[
    NAME,
    column("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column(
        "Timezone",
        "string",
        "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
    ),
    column(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
    ),
    column("Active", "integer", "A list of pointers to currently running jobs."),
    column("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", JOB_SELECTOR_DESC),
];

const LEASE_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
    ),
    AGE,
];

const GENERIC_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns kube-apiserver declares for a resource, by plural name.
fn columns(resource: &str) -> &'static [Column] {
    match resource {
        "pods" => POD_COLUMNS,
        "nodes" => NODE_COLUMNS,
        "namespaces" => NAMESPACE_COLUMNS,
        "events" => EVENT_COLUMNS,
        "services" => SERVICE_COLUMNS,
        "configmaps" => CONFIG_MAP_COLUMNS,
        "secrets" => SECRET_COLUMNS,
        "deployments" => DEPLOYMENT_COLUMNS,
        "replicasets" => REPLICA_SET_COLUMNS,
        "statefulsets" => STATEFUL_SET_COLUMNS,
        "daemonsets" => DAEMON_SET_COLUMNS,
        "jobs" => JOB_COLUMNS,
        "cronjobs" => CRON_JOB_COLUMNS,
        "leases" => LEASE_COLUMNS,
        "endpoints" => network::ENDPOINTS_COLUMNS,
        "endpointslices" => network::ENDPOINT_SLICE_COLUMNS,
        "storageclasses" => storage::STORAGE_CLASS_COLUMNS,
        "controllerrevisions" => apps::CONTROLLER_REVISION_COLUMNS,
        "serviceaccounts" => policy::SERVICE_ACCOUNT_COLUMNS,
        "poddisruptionbudgets" => policy::PDB_COLUMNS,
        "networkpolicies" => policy::NETWORK_POLICY_COLUMNS,
        "ingresses" => policy::INGRESS_COLUMNS,
        "ingressclasses" => policy::INGRESS_CLASS_COLUMNS,
        "persistentvolumes" => storage::PV_COLUMNS,
        "persistentvolumeclaims" => storage::PVC_COLUMNS,
        _ => GENERIC_COLUMNS,
    }
}

/// Column definitions for a resource (plural name, e.g. "pods", "nodes", "deployments"); unknown → Name + Age.
pub fn column_definitions(resource: &str) -> Vec<Value> {
    if resource == "customresourcedefinitions" {
        return custom::crd_columns();
    }
    columns(resource).iter().map(|c| c.to_json()).collect()
}

/// One row's cells for `obj`, aligned with column_definitions(resource). `now` = current time in unix seconds (for ages).
pub fn row_cells(resource: &str, obj: &Value, now: i64) -> Vec<Value> {
    match resource {
        "pods" => pod_cells(obj, now),
        "nodes" => node_cells(obj, now),
        "namespaces" => namespace_cells(obj, now),
        "events" => event_cells(obj, now),
        "services" => service_cells(obj, now),
        "configmaps" => config_map_cells(obj, now),
        "secrets" => secret_cells(obj, now),
        "deployments" => deployment_cells(obj, now),
        "replicasets" => replica_set_cells(obj, now),
        "statefulsets" => stateful_set_cells(obj, now),
        "daemonsets" => daemon_set_cells(obj, now),
        "jobs" => job_cells(obj, now),
        "cronjobs" => cron_job_cells(obj, now),
        "leases" => lease_cells(obj, now),
        "customresourcedefinitions" => custom::crd_cells(obj),
        "endpoints" => network::endpoints_cells(obj, now),
        "endpointslices" => network::endpoint_slice_cells(obj, now),
        "storageclasses" => storage::storage_class_cells(obj, now),
        "controllerrevisions" => apps::controller_revision_cells(obj, now),
        "serviceaccounts" => policy::service_account_cells(obj, now),
        "poddisruptionbudgets" => policy::pdb_cells(obj, now),
        "networkpolicies" => vec![name(obj), format_label_selector(at(obj, "/spec/podSelector")).into(), age(obj, now)],
        "ingresses" => policy::ingress_cells(obj, now),
        "ingressclasses" => policy::ingress_class_cells(obj, now),
        "persistentvolumes" => storage::pv_cells(obj, now),
        "persistentvolumeclaims" => storage::pvc_cells(obj, now),
        _ => vec![name(obj), age(obj, now)],
    }
}

/// Human duration the way k8s.io/apimachinery duration.HumanDuration formats it ("45s", "5m10s", "3h", "3h5m", "2d3h", "15d", "2y10d"...).
pub fn human_duration(seconds: i64) -> String {
    match seconds {
        // HumanDuration tolerates one second of clock skew before calling a duration invalid.
        ..-1 => "<invalid>".to_string(),
        -1 => "0s".to_string(),
        0..120 => format!("{seconds}s"),
        120..10_800 => minutes_span(seconds),
        _ => hours_span(seconds),
    }
}

/// Two minutes up to three hours: seconds are kept only while under ten minutes.
fn minutes_span(seconds: i64) -> String {
    let minutes = seconds / 60;
    if minutes < 10 { two_units(minutes, "m", seconds % 60, "s") } else { format!("{minutes}m") }
}

/// Three hours and up, precision shrinking as the span grows (~2-3 significant figures).
fn hours_span(seconds: i64) -> String {
    let hours = seconds / 3600;
    let days = hours / 24;
    let years = days / 365;
    match hours {
        ..8 => two_units(hours, "h", seconds / 60 % 60, "m"),
        8..48 => format!("{hours}h"),
        48..192 => two_units(days, "d", hours % 24, "h"),
        192..17_520 => format!("{days}d"),
        17_520..70_080 => two_units(years, "y", days % 365, "d"),
        _ => format!("{years}y"),
    }
}

/// "3h5m", or just "3h" when the minor unit is zero.
fn two_units(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 { format!("{major}{major_unit}") } else { format!("{major}{major_unit}{minor}{minor_unit}") }
}

/// An RFC 3339 time as whole unix seconds (every printed age has whole-second precision).
fn parse_rfc3339(s: &str) -> Option<i64> {
    super::clock::parse_rfc3339(s).map(|t| t.floor() as i64)
}

// ---- JSON access: missing or mistyped fields read as empty, never panic ----

fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&NULL)
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    at(v, pointer).as_str().unwrap_or("")
}

fn int(v: &Value, pointer: &str) -> i64 {
    at(v, pointer).as_i64().unwrap_or(0)
}

fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    at(v, pointer).as_array().map_or(&[], Vec::as_slice)
}

/// The string entries of an array field.
fn strings<'a>(v: &'a Value, pointer: &str) -> Vec<&'a str> {
    list(v, pointer).iter().filter_map(Value::as_str).collect()
}

/// Number of keys in a map field, as `len(obj.Data)` counts them.
fn key_count(v: &Value, pointer: &str) -> usize {
    at(v, pointer).as_object().map_or(0, serde_json::Map::len)
}

/// Whether a pointer field is set, the JSON reading of Go's `!= nil`.
fn is_set(v: &Value, pointer: &str) -> bool {
    !at(v, pointer).is_null()
}

/// The field's value, or `fallback` when it is empty, as the printers substitute "<none>".
fn non_empty_or<'a>(value: &'a str, fallback: &'a str) -> &'a str {
    if value.is_empty() { fallback } else { value }
}

fn name(obj: &Value) -> Value {
    text(obj, "/metadata/name").into()
}

fn age(obj: &Value, now: i64) -> Value {
    since(text(obj, "/metadata/creationTimestamp"), now).into()
}

/// translateTimestampSince: "<unknown>" for an unset time.
fn since(timestamp: &str, now: i64) -> String {
    ago(parse_rfc3339(timestamp), now)
}

fn ago(time: Option<i64>, now: i64) -> String {
    time.map_or_else(|| "<unknown>".to_string(), |t| human_duration(now.saturating_sub(t)))
}

/// The status of the first condition of `kind`, as the printers' condition helpers look it up.
fn condition<'a>(conditions: &'a [Value], kind: &str) -> Option<&'a str> {
    conditions.iter().find(|c| text(c, "/type") == kind).map(|c| text(c, "/status"))
}

// ---- pods ----

fn pod_cells(pod: &Value, now: i64) -> Vec<Value> {
    let summary = PodSummary::of(pod);
    vec![
        name(pod),
        format!("{}/{}", summary.ready, summary.total).into(),
        summary.reason.into(),
        summary.restarts.describe(now).into(),
        age(pod, now),
        non_empty_or(pod_ip(pod), "<none>").into(),
        non_empty_or(text(pod, "/spec/nodeName"), "<none>").into(),
        non_empty_or(text(pod, "/status/nominatedNodeName"), "<none>").into(),
        readiness_gates(pod).into(),
    ]
}

/// Restart count and the latest `lastState.terminated.finishedAt` behind it.
#[derive(Clone, Copy, Default)]
struct Restarts {
    count: i64,
    last: Option<i64>,
}

impl Restarts {
    fn record(&mut self, status: &Value) {
        self.count = self.count.saturating_add(int(status, "/restartCount"));
        if let Some(finished) = parse_rfc3339(text(status, "/lastState/terminated/finishedAt")) {
            self.last = Some(self.last.map_or(finished, |last| last.max(finished)));
        }
    }

    /// "0", "6", or "6 (179m ago)" once a restart time is known.
    fn describe(self, now: i64) -> String {
        match self.last {
            Some(last) if self.count != 0 => {
                format!("{} ({} ago)", self.count, human_duration(now.saturating_sub(last)))
            }
            _ => self.count.to_string(),
        }
    }
}

/// The Ready/Status/Restarts columns of printPod, computed together as Go does.
struct PodSummary {
    ready: usize,
    total: usize,
    reason: String,
    restarts: Restarts,
}

impl PodSummary {
    fn of(pod: &Value) -> Self {
        let phase = pod_phase(pod);
        let sidecars = sidecar_names(pod);
        let init = InitScan::of(pod, &sidecars);
        let initialized =
            init.blocked.is_none() || condition(list(pod, "/status/conditions"), "Initialized") == Some("True");
        let mut summary = PodSummary {
            ready: init.ready,
            total: list(pod, "/spec/containers").len() + sidecars.len(),
            reason: init.blocked.unwrap_or_else(|| initial_reason(pod, phase)),
            restarts: init.all,
        };
        // While init containers block, only their restarts count; once past them
        // (or marked Initialized) sidecar restarts carry over into the app containers'.
        if initialized {
            summary.restarts = init.sidecars;
            summary.scan_containers(pod);
        }
        if let Some(reason) = deletion_reason(pod, phase) {
            summary.reason = reason.to_string();
        }
        summary
    }

    /// Walks app containers last to first, so the first container's trouble wins the Status column.
    fn scan_containers(&mut self, pod: &Value) {
        let mut has_running = false;
        for status in list(pod, "/status/containerStatuses").iter().rev() {
            self.restarts.record(status);
            if let Some(reason) = container_reason(status) {
                self.reason = reason;
            } else if at(status, "/ready").as_bool() == Some(true) && is_set(status, "/state/running") {
                has_running = true;
                self.ready += 1;
            }
        }
        // A finished container beside a still-running one is not a completed pod.
        if self.reason == "Completed" && has_running {
            self.reason = if pod_ready(pod) { "Running" } else { "NotReady" }.to_string();
        }
    }
}

/// The registry sets phase Pending on create; the sim may not have.
fn pod_phase(pod: &Value) -> &str {
    non_empty_or(text(pod, "/status/phase"), "Pending")
}

/// Names of restartable ("sidecar") init containers, which count as app containers in Ready.
fn sidecar_names(pod: &Value) -> Vec<&str> {
    list(pod, "/spec/initContainers")
        .iter()
        .filter(|c| text(c, "/restartPolicy") == "Always")
        .map(|c| text(c, "/name"))
        .collect()
}

/// status.reason over phase, and SchedulingGated over both.
fn initial_reason(pod: &Value, phase: &str) -> String {
    let gated = list(pod, "/status/conditions")
        .iter()
        .any(|c| text(c, "/type") == "PodScheduled" && text(c, "/reason") == "SchedulingGated");
    if gated {
        return "SchedulingGated".to_string();
    }
    non_empty_or(text(pod, "/status/reason"), phase).to_string()
}

/// A waiting reason, else a terminated reason (or its signal/exit code); None for a running container.
fn container_reason(status: &Value) -> Option<String> {
    let waiting = text(status, "/state/waiting/reason");
    if !waiting.is_empty() {
        return Some(waiting.to_string());
    }
    let terminated = at(status, "/state/terminated");
    (!terminated.is_null()).then(|| terminated_reason(terminated))
}

/// `reason`, or "Signal:N" / "ExitCode:N" when the runtime gave none.
fn terminated_reason(terminated: &Value) -> String {
    let reason = text(terminated, "/reason");
    if !reason.is_empty() {
        return reason.to_string();
    }
    match int(terminated, "/signal") {
        0 => format!("ExitCode:{}", int(terminated, "/exitCode")),
        signal => format!("Signal:{signal}"),
    }
}

/// hasPodReadyCondition: any Ready condition that is True.
fn pod_ready(pod: &Value) -> bool {
    list(pod, "/status/conditions").iter().any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True")
}

/// "Unknown" for pods on a lost node, "Terminating" for deleted pods still running.
fn deletion_reason(pod: &Value, phase: &str) -> Option<&'static str> {
    if !is_set(pod, "/metadata/deletionTimestamp") {
        return None;
    }
    if text(pod, "/status/reason") == "NodeLost" {
        return Some("Unknown");
    }
    (!matches!(phase, "Succeeded" | "Failed")).then_some("Terminating")
}

/// What the init container statuses say, up to the first one still blocking the pod.
#[derive(Default)]
struct InitScan {
    all: Restarts,
    sidecars: Restarts,
    ready: usize,
    blocked: Option<String>,
}

impl InitScan {
    fn of(pod: &Value, sidecars: &[&str]) -> Self {
        let declared = list(pod, "/spec/initContainers").len();
        let mut scan = InitScan::default();
        for (index, status) in list(pod, "/status/initContainerStatuses").iter().enumerate() {
            let is_sidecar = sidecars.contains(&text(status, "/name"));
            scan.all.record(status);
            if is_sidecar {
                scan.sidecars.record(status);
            }
            match init_step(status, is_sidecar, index, declared) {
                InitStep::Finished => {}
                InitStep::SidecarStarted => scan.ready += usize::from(at(status, "/ready").as_bool() == Some(true)),
                InitStep::Blocked(reason) => {
                    scan.blocked = Some(reason);
                    break;
                }
            }
        }
        scan
    }
}

enum InitStep {
    Finished,
    SidecarStarted,
    Blocked(String),
}

/// One init container's verdict, in printPod's order of precedence.
fn init_step(status: &Value, is_sidecar: bool, index: usize, declared: usize) -> InitStep {
    let terminated = at(status, "/state/terminated");
    if !terminated.is_null() && int(terminated, "/exitCode") == 0 {
        return InitStep::Finished;
    }
    if is_sidecar && at(status, "/started").as_bool() == Some(true) {
        return InitStep::SidecarStarted;
    }
    if !terminated.is_null() {
        return InitStep::Blocked(format!("Init:{}", terminated_reason(terminated)));
    }
    // PodInitializing is the kubelet's placeholder, not a problem worth showing.
    match text(status, "/state/waiting/reason") {
        "" | "PodInitializing" => InitStep::Blocked(format!("Init:{index}/{declared}")),
        waiting => InitStep::Blocked(format!("Init:{waiting}")),
    }
}

/// v1→internal conversion makes `status.podIP` authoritative over `podIPs[0]`.
fn pod_ip(pod: &Value) -> &str {
    let ip = text(pod, "/status/podIP");
    if ip.is_empty() { list(pod, "/status/podIPs").first().map_or("", |p| text(p, "/ip")) } else { ip }
}

/// "true/total" over spec.readinessGates, "<none>" without any.
fn readiness_gates(pod: &Value) -> String {
    let gates = list(pod, "/spec/readinessGates");
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let conditions = list(pod, "/status/conditions");
    let passing = gates.iter().filter(|g| condition(conditions, text(g, "/conditionType")) == Some("True")).count();
    format!("{passing}/{}", gates.len())
}

// ---- nodes and namespaces ----

fn node_cells(node: &Value, now: i64) -> Vec<Value> {
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

fn namespace_cells(namespace: &Value, now: i64) -> Vec<Value> {
    // Namespace status defaults to Active.
    vec![name(namespace), non_empty_or(text(namespace, "/status/phase"), "Active").into(), age(namespace, now)]
}

// ---- events ----

fn event_cells(event: &Value, now: i64) -> Vec<Value> {
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

fn service_cells(service: &Value, now: i64) -> Vec<Value> {
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

fn config_map_cells(config_map: &Value, now: i64) -> Vec<Value> {
    let entries = key_count(config_map, "/data") + key_count(config_map, "/binaryData");
    vec![name(config_map), entries.into(), age(config_map, now)]
}

fn secret_cells(secret: &Value, now: i64) -> Vec<Value> {
    vec![
        name(secret),
        non_empty_or(text(secret, "/type"), "Opaque").into(),
        key_count(secret, "/data").into(),
        age(secret, now),
    ]
}

// ---- workloads ----

/// spec.replicas, which apps/v1 defaults to 1.
fn desired_replicas(obj: &Value) -> i64 {
    at(obj, "/spec/replicas").as_i64().unwrap_or(1)
}

/// layoutContainerCells: container names and images, each comma-joined.
fn container_cells(obj: &Value, containers: &str) -> [Value; 2] {
    let containers = list(obj, containers);
    let names: Vec<&str> = containers.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "/image")).collect();
    [names.join(",").into(), images.join(",").into()]
}

const TEMPLATE_CONTAINERS: &str = "/spec/template/spec/containers";

fn deployment_cells(deployment: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(deployment, TEMPLATE_CONTAINERS);
    // printDeployment prints the raw selector string: empty rather than "<none>".
    let selector =
        label_selector(at(deployment, "/spec/selector")).unwrap_or_else(|InvalidSelector| "<invalid>".to_string());
    vec![
        name(deployment),
        format!("{}/{}", int(deployment, "/status/readyReplicas"), desired_replicas(deployment)).into(),
        int(deployment, "/status/updatedReplicas").into(),
        int(deployment, "/status/availableReplicas").into(),
        age(deployment, now),
        names,
        images,
        selector.into(),
    ]
}

fn replica_set_cells(replica_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(replica_set, TEMPLATE_CONTAINERS);
    vec![
        name(replica_set),
        desired_replicas(replica_set).into(),
        int(replica_set, "/status/replicas").into(),
        int(replica_set, "/status/readyReplicas").into(),
        age(replica_set, now),
        names,
        images,
        format_label_selector(at(replica_set, "/spec/selector")).into(),
    ]
}

fn stateful_set_cells(stateful_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(stateful_set, TEMPLATE_CONTAINERS);
    vec![
        name(stateful_set),
        format!("{}/{}", int(stateful_set, "/status/readyReplicas"), desired_replicas(stateful_set)).into(),
        age(stateful_set, now),
        names,
        images,
    ]
}

fn daemon_set_cells(daemon_set: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(daemon_set, TEMPLATE_CONTAINERS);
    vec![
        name(daemon_set),
        int(daemon_set, "/status/desiredNumberScheduled").into(),
        int(daemon_set, "/status/currentNumberScheduled").into(),
        int(daemon_set, "/status/numberReady").into(),
        int(daemon_set, "/status/updatedNumberScheduled").into(),
        int(daemon_set, "/status/numberAvailable").into(),
        format_labels(at(daemon_set, "/spec/template/spec/nodeSelector")).into(),
        age(daemon_set, now),
        names,
        images,
        format_label_selector(at(daemon_set, "/spec/selector")).into(),
    ]
}

fn job_cells(job: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(job, TEMPLATE_CONTAINERS);
    vec![
        name(job),
        job_status(job).into(),
        job_completions(job).into(),
        job_duration(job, now).into(),
        age(job, now),
        names,
        images,
        format_label_selector(at(job, "/spec/selector")).into(),
    ]
}

/// The first condition that holds, in printJob's order; Terminating outranks the softer ones.
fn job_status(job: &Value) -> &'static str {
    let conditions = list(job, "/status/conditions");
    let holds = |kind| condition(conditions, kind) == Some("True");
    if holds("Complete") {
        "Complete"
    } else if holds("Failed") {
        "Failed"
    } else if is_set(job, "/metadata/deletionTimestamp") {
        "Terminating"
    } else if holds("Suspended") {
        "Suspended"
    } else if holds("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

/// "succeeded/completions"; without completions, "n/1", or "n/1 of p" for a parallel work queue.
fn job_completions(job: &Value) -> String {
    let succeeded = int(job, "/status/succeeded");
    if let Some(completions) = at(job, "/spec/completions").as_i64() {
        return format!("{succeeded}/{completions}");
    }
    match int(job, "/spec/parallelism") {
        parallelism if parallelism > 1 => format!("{succeeded}/1 of {parallelism}"),
        _ => format!("{succeeded}/1"),
    }
}

/// Start to completion, or start to now while running; empty before the job starts.
fn job_duration(job: &Value, now: i64) -> String {
    let Some(start) = parse_rfc3339(text(job, "/status/startTime")) else {
        return String::new();
    };
    let end = parse_rfc3339(text(job, "/status/completionTime")).unwrap_or(now);
    human_duration(end.saturating_sub(start))
}

fn cron_job_cells(cron_job: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(cron_job, "/spec/jobTemplate/spec/template/spec/containers");
    let last_schedule = if is_set(cron_job, "/status/lastScheduleTime") {
        since(text(cron_job, "/status/lastScheduleTime"), now)
    } else {
        "<none>".to_string()
    };
    // suspend defaults to false, so printBoolPtr's "<unset>" never shows on a real cluster.
    let suspend = if at(cron_job, "/spec/suspend").as_bool() == Some(true) { "True" } else { "False" };
    vec![
        name(cron_job),
        text(cron_job, "/spec/schedule").into(),
        at(cron_job, "/spec/timeZone").as_str().unwrap_or("<none>").into(),
        suspend.into(),
        list(cron_job, "/status/active").len().into(),
        last_schedule.into(),
        age(cron_job, now),
        names,
        images,
        format_label_selector(at(cron_job, "/spec/jobTemplate/spec/selector")).into(),
    ]
}

fn lease_cells(lease: &Value, now: i64) -> Vec<Value> {
    vec![name(lease), text(lease, "/spec/holderIdentity").into(), age(lease, now)]
}

// ---- label formatting ----

/// labels.FormatLabels: sorted "k=v" pairs, "<none>" for an empty map.
fn format_labels(labels: &Value) -> String {
    let mut pairs: Vec<String> = labels
        .as_object()
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect())
        .unwrap_or_default();
    pairs.sort_unstable();
    non_empty_or(&pairs.join(","), "<none>").to_string()
}

/// metav1.FormatLabelSelector: "<none>" for an empty or missing selector, "<error>" for an invalid one.
fn format_label_selector(selector: &Value) -> String {
    match label_selector(selector) {
        Ok(rendered) => non_empty_or(&rendered, "<none>").to_string(),
        Err(InvalidSelector) => "<error>".to_string(),
    }
}

/// A metav1.LabelSelector in the selector syntax (`app=web,tier in (a,b)`), or None when it is invalid.
pub fn selector_text(selector: &Value) -> Option<String> {
    label_selector(selector).ok()
}

/// A LabelSelector that LabelSelectorAsSelector rejects (bad operator or value count).
struct InvalidSelector;

/// LabelSelectorAsSelector(...).String(): requirements sorted by key, comma-joined.
fn label_selector(selector: &Value) -> Result<String, InvalidSelector> {
    let mut requirements: Vec<(&str, String)> = at(selector, "/matchLabels")
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), format!("{k}={}", v.as_str().unwrap_or("")))).collect())
        .unwrap_or_default();
    for expression in list(selector, "/matchExpressions") {
        requirements.push((text(expression, "/key"), requirement(expression)?));
    }
    requirements.sort_by(|a, b| a.0.cmp(b.0));
    Ok(requirements.into_iter().map(|(_, rendered)| rendered).collect::<Vec<_>>().join(","))
}

/// One matchExpressions entry as a selector term ("tier in (a,b)", "!gpu", ...), values sorted.
fn requirement(expression: &Value) -> Result<String, InvalidSelector> {
    let key = text(expression, "/key");
    let mut values = strings(expression, "/values");
    values.sort_unstable();
    let values = values.join(",");
    match (text(expression, "/operator"), values.is_empty()) {
        ("In", false) => Ok(format!("{key} in ({values})")),
        ("NotIn", false) => Ok(format!("{key} notin ({values})")),
        ("Exists", true) => Ok(key.to_string()),
        ("DoesNotExist", true) => Ok(format!("!{key}")),
        _ => Err(InvalidSelector),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-25T12:00:00Z.
    const NOW: i64 = 1_795_608_000;

    const RESOURCES: &[&str] = &[
        "pods",
        "nodes",
        "namespaces",
        "events",
        "services",
        "configmaps",
        "secrets",
        "deployments",
        "replicasets",
        "statefulsets",
        "daemonsets",
        "jobs",
        "cronjobs",
        "leases",
        "widgets",
    ];

    fn cells(resource: &str, obj: Value) -> Value {
        Value::Array(cell_list(resource, obj))
    }

    fn cell_list(resource: &str, obj: Value) -> Vec<Value> {
        row_cells(resource, &obj, NOW)
    }

    fn column_names(resource: &str) -> Vec<String> {
        column_definitions(resource).iter().map(|c| text(c, "/name").to_string()).collect()
    }

    /// Cells of a pod built from `status`, with a fixed name, spec and creation time.
    fn pod(spec: Value, status: Value) -> Value {
        json!({
            "metadata": {"name": "trainer-0", "namespace": "ml", "creationTimestamp": "2026-11-25T09:00:00Z"},
            "spec": spec,
            "status": status,
        })
    }

    fn one_container() -> Value {
        json!({"containers": [{"name": "trainer", "image": "nvcr.io/nvidia/pytorch:24.05-py3"}]})
    }

    /// Ready, Status and Restarts of a pod.
    fn pod_status(pod: Value) -> Value {
        let row = row_cells("pods", &pod, NOW);
        Value::Array(row[1..4].to_vec())
    }

    #[test]
    fn every_resource_has_as_many_cells_as_columns() {
        for resource in RESOURCES {
            let columns = column_definitions(resource).len();
            assert_eq!(row_cells(resource, &json!({}), NOW).len(), columns, "{resource} with {{}}");
            assert_eq!(row_cells(resource, &Value::Null, NOW).len(), columns, "{resource} with null");
        }
    }

    #[test]
    fn column_definitions_have_the_wire_shape() {
        let pods = column_definitions("pods");
        assert_eq!(
            pods[0],
            json!({"name": "Name", "type": "string", "format": "name", "description": NAME_DESC, "priority": 0})
        );
        assert_eq!(
            pods[5],
            json!({"name": "IP", "type": "string", "format": "", "description": "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", "priority": 1})
        );
        assert_eq!(column_definitions("events")[9]["format"], "name");
        assert_eq!(column_definitions("events")[9]["priority"], 1);
    }

    #[test]
    fn column_names_and_priorities_match_the_apiserver() {
        let expect = |resource: &str, names: &[&str], wide_from: usize| {
            assert_eq!(column_names(resource), names, "{resource}");
            let priorities: Vec<i64> = column_definitions(resource).iter().map(|c| int(c, "/priority")).collect();
            let expected: Vec<i64> = (0..names.len()).map(|i| i64::from(i >= wide_from)).collect();
            assert_eq!(priorities, expected, "{resource} priorities");
        };
        expect(
            "pods",
            &["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            5,
        );
        expect(
            "nodes",
            &[
                "Name",
                "Status",
                "Roles",
                "Age",
                "Version",
                "Internal-IP",
                "External-IP",
                "OS-Image",
                "Kernel-Version",
                "Container-Runtime",
            ],
            5,
        );
        expect("namespaces", &["Name", "Status", "Age"], 3);
        expect("services", &["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], 6);
        expect("configmaps", &["Name", "Data", "Age"], 3);
        expect("secrets", &["Name", "Type", "Data", "Age"], 4);
        expect(
            "deployments",
            &["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
            5,
        );
        expect("replicasets", &["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], 5);
        expect("statefulsets", &["Name", "Ready", "Age", "Containers", "Images"], 3);
        expect(
            "daemonsets",
            &[
                "Name",
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Node Selector",
                "Age",
                "Containers",
                "Images",
                "Selector",
            ],
            8,
        );
        expect("jobs", &["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"], 5);
        expect(
            "cronjobs",
            &[
                "Name",
                "Schedule",
                "Timezone",
                "Suspend",
                "Active",
                "Last Schedule",
                "Age",
                "Containers",
                "Images",
                "Selector",
            ],
            7,
        );
        expect("leases", &["Name", "Holder", "Age"], 3);
        expect("widgets", &["Name", "Age"], 2);
        // Events interleave wide columns, so check them one by one.
        assert_eq!(
            column_names("events"),
            ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"]
        );
        let priorities: Vec<i64> = column_definitions("events").iter().map(|c| int(c, "/priority")).collect();
        assert_eq!(priorities, [0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
    }

    #[test]
    fn integer_columns_are_typed_integer() {
        let types = |resource: &str| -> Vec<String> {
            column_definitions(resource).iter().map(|c| text(c, "/type").to_string()).collect()
        };
        assert_eq!(types("replicasets")[1..4], ["integer", "integer", "integer"]);
        assert_eq!(types("daemonsets")[1..6], ["integer"; 5]);
        assert_eq!(types("cronjobs")[3..5], ["boolean", "integer"]);
        // 1.32 prints restarts as "6 (179m ago)", so the column is a string.
        assert_eq!(types("pods")[3], "string");
    }

    #[test]
    fn running_pod_prints_all_columns() {
        let pod = json!({
            "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-11-25T09:00:00Z"},
            "spec": {
                "nodeName": "gpu-node-1",
                "containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "metrics", "image": "exporter:2"}],
            },
            "status": {
                "phase": "Running",
                "podIP": "10.244.1.5",
                "podIPs": [{"ip": "10.244.1.5"}],
                "conditions": [{"type": "Ready", "status": "True"}],
                "containerStatuses": [
                    {"name": "web", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T09:00:05Z"}}},
                    {"name": "metrics", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T09:00:05Z"}}},
                ],
            },
        });
        assert_eq!(
            cells("pods", pod),
            json!(["web-0", "2/2", "Running", "0", "3h", "10.244.1.5", "gpu-node-1", "<none>", "<none>"])
        );
    }

    #[test]
    fn crash_looping_pod_shows_reason_and_last_restart() {
        let status = json!({
            "phase": "Running",
            "containerStatuses": [{
                "name": "trainer",
                "ready": false,
                "restartCount": 6,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-25T09:01:00Z"}},
            }],
        });
        assert_eq!(pod_status(pod(one_container(), status)), json!(["0/1", "CrashLoopBackOff", "6 (179m ago)"]));
    }

    #[test]
    fn restarts_use_the_latest_termination_across_containers() {
        let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
        let status = json!({
            "phase": "Running",
            "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:55:00Z"}}},
                {"name": "b", "ready": true, "restartCount": 1, "state": {"running": {}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-24T12:00:00Z"}}},
            ],
        });
        assert_eq!(pod_status(pod(spec, status)), json!(["2/2", "Running", "3 (5m ago)"]));
    }

    #[test]
    fn restarts_without_a_termination_time_are_a_bare_count() {
        let status = json!({
            "phase": "Running",
            "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 4, "state": {"running": {}}}],
        });
        assert_eq!(pod_status(pod(one_container(), status)), json!(["1/1", "Running", "4"]));
    }

    #[test]
    fn waiting_reasons_win_the_status_column() {
        for reason in ["ImagePullBackOff", "ErrImagePull", "ContainerCreating", "CreateContainerConfigError"] {
            let status = json!({
                "phase": "Pending",
                "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}}],
            });
            assert_eq!(pod_status(pod(one_container(), status)), json!(["0/1", reason, "0"]));
        }
    }

    #[test]
    fn pending_pod_without_statuses_shows_its_phase() {
        assert_eq!(pod_status(pod(one_container(), json!({"phase": "Pending"}))), json!(["0/1", "Pending", "0"]));
        assert_eq!(pod_status(pod(one_container(), json!({}))), json!(["0/1", "Pending", "0"]));
    }

    #[test]
    fn terminated_containers_show_reason_signal_or_exit_code() {
        let with = |terminated: Value, phase: &str| {
            let status = json!({
                "phase": phase,
                "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"terminated": terminated}}],
            });
            pod_status(pod(one_container(), status))[1].clone()
        };
        assert_eq!(with(json!({"exitCode": 137, "reason": "OOMKilled"}), "Running"), "OOMKilled");
        assert_eq!(with(json!({"exitCode": 0, "reason": "Completed"}), "Succeeded"), "Completed");
        assert_eq!(with(json!({"exitCode": 1, "reason": "Error"}), "Failed"), "Error");
        assert_eq!(with(json!({"exitCode": 137, "signal": 9}), "Failed"), "Signal:9");
        assert_eq!(with(json!({"exitCode": 2}), "Failed"), "ExitCode:2");
    }

    #[test]
    fn completed_container_beside_a_running_one_is_running_or_not_ready() {
        let spec = json!({"containers": [{"name": "setup"}, {"name": "server"}]});
        let status = |ready: &str| {
            json!({
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": ready}],
                "containerStatuses": [
                    {"name": "setup", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "server", "ready": true, "restartCount": 0, "state": {"running": {}}},
                ],
            })
        };
        assert_eq!(pod_status(pod(spec.clone(), status("True"))), json!(["1/2", "Running", "0"]));
        assert_eq!(pod_status(pod(spec, status("False"))), json!(["1/2", "NotReady", "0"]));
    }

    #[test]
    fn deleted_pods_are_terminating_unless_finished_or_node_lost() {
        let deleted = |phase: &str, reason: &str| {
            let mut p = pod(one_container(), json!({"phase": phase, "reason": reason}));
            p["metadata"]["deletionTimestamp"] = json!("2026-11-25T11:59:00Z");
            pod_status(p)[1].clone()
        };
        assert_eq!(deleted("Running", ""), "Terminating");
        assert_eq!(deleted("Pending", ""), "Terminating");
        assert_eq!(deleted("Succeeded", ""), "Succeeded");
        assert_eq!(deleted("Running", "NodeLost"), "Unknown");
    }

    #[test]
    fn init_containers_block_the_pod_until_done() {
        let spec = json!({
            "initContainers": [{"name": "fetch-weights"}],
            "containers": [{"name": "trainer"}],
        });
        let pending = |init_state: Value, init_restarts: i64| {
            json!({
                "phase": "Pending",
                "initContainerStatuses": [{
                    "name": "fetch-weights", "ready": false, "restartCount": init_restarts, "state": init_state,
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:55:00Z"}},
                }],
                "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}],
            })
        };
        let running = json!({"running": {"startedAt": "2026-11-25T11:58:00Z"}});
        let crashing = json!({"waiting": {"reason": "CrashLoopBackOff"}});
        let failed = json!({"terminated": {"exitCode": 3}});
        let initializing = json!({"waiting": {"reason": "PodInitializing"}});
        assert_eq!(pod_status(pod(spec.clone(), pending(running, 0))), json!(["0/1", "Init:0/1", "0"]));
        assert_eq!(
            pod_status(pod(spec.clone(), pending(crashing, 3))),
            json!(["0/1", "Init:CrashLoopBackOff", "3 (5m ago)"])
        );
        assert_eq!(pod_status(pod(spec.clone(), pending(failed, 1))), json!(["0/1", "Init:ExitCode:3", "1 (5m ago)"]));
        assert_eq!(pod_status(pod(spec, pending(initializing, 0))), json!(["0/1", "Init:0/1", "0"]));
    }

    #[test]
    fn finished_init_containers_hand_over_to_app_containers() {
        let spec = json!({"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "trainer"}]});
        let status = json!({
            "phase": "Pending",
            "initContainerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": false, "restartCount": 0, "state": {"running": {}}},
            ],
        });
        assert_eq!(pod_status(pod(spec.clone(), status)), json!(["0/1", "Init:1/2", "2"]));

        let done = json!({
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [
                {"name": "a", "ready": true, "restartCount": 2, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            ],
            "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 1, "state": {"running": {}}}],
        });
        // Plain init container restarts stop counting once the pod is initialized.
        assert_eq!(pod_status(pod(spec, done)), json!(["1/1", "Running", "1"]));
    }

    #[test]
    fn sidecar_init_containers_count_as_app_containers() {
        let spec = json!({
            "initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "trainer"}],
        });
        let status = json!({
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [{
                "name": "proxy", "ready": true, "started": true, "restartCount": 1, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:00:00Z"}},
            }],
            "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 0, "state": {"running": {}}}],
        });
        assert_eq!(pod_status(pod(spec, status)), json!(["2/2", "Running", "1 (60m ago)"]));
    }

    #[test]
    fn scheduling_gated_and_evicted_pods() {
        let gated = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]});
        assert_eq!(pod_status(pod(one_container(), gated))[1], "SchedulingGated");
        let evicted =
            json!({"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."});
        assert_eq!(pod_status(pod(one_container(), evicted))[1], "Evicted");
    }

    #[test]
    fn pod_wide_columns() {
        let p = json!({
            "metadata": {"name": "p", "creationTimestamp": "2026-11-25T11:59:15Z"},
            "spec": {"containers": [{"name": "c"}], "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/fw"}]},
            "status": {
                "phase": "Pending",
                "podIPs": [{"ip": "fd00::5"}],
                "nominatedNodeName": "gpu-node-2",
                "conditions": [{"type": "example.com/lb", "status": "True"}, {"type": "example.com/fw", "status": "False"}],
            },
        });
        assert_eq!(
            cells("pods", p),
            json!(["p", "0/1", "Pending", "0", "45s", "fd00::5", "<none>", "gpu-node-2", "1/2"])
        );
    }

    #[test]
    fn empty_pod_gets_defaults() {
        assert_eq!(
            cells("pods", json!({})),
            json!(["", "0/0", "Pending", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"])
        );
    }

    #[test]
    fn ready_worker_node() {
        let node = json!({
            "metadata": {
                "name": "gpu-node-1",
                "creationTimestamp": "2026-11-10T12:00:00Z",
                "labels": {"kubernetes.io/hostname": "gpu-node-1", "node-role.kubernetes.io/gpu-worker": "", "nvidia.com/gpu.present": "true"},
            },
            "spec": {},
            "status": {
                "conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "Ready", "status": "True"},
                ],
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.0.11"},
                    {"type": "ExternalIP", "address": "34.1.2.3"},
                    {"type": "Hostname", "address": "gpu-node-1"},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.32.2",
                    "osImage": "Ubuntu 22.04.4 LTS",
                    "kernelVersion": "5.15.0-105-generic",
                    "containerRuntimeVersion": "containerd://1.7.13",
                },
            },
        });
        assert_eq!(
            cells("nodes", node),
            json!([
                "gpu-node-1",
                "Ready",
                "gpu-worker",
                "15d",
                "v1.32.2",
                "10.0.0.11",
                "34.1.2.3",
                "Ubuntu 22.04.4 LTS",
                "5.15.0-105-generic",
                "containerd://1.7.13"
            ])
        );
    }

    #[test]
    fn cordoned_not_ready_control_plane_node() {
        let node = json!({
            "metadata": {
                "name": "cp-1",
                "creationTimestamp": "2026-11-23T10:00:00Z",
                "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "", "kubernetes.io/role": "etcd"},
            },
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}]},
        });
        assert_eq!(
            cells("nodes", node),
            json!([
                "cp-1",
                "NotReady,SchedulingDisabled",
                "control-plane,etcd,master",
                "2d2h",
                "",
                "<none>",
                "<none>",
                "<unknown>",
                "<unknown>",
                "<unknown>"
            ])
        );
    }

    #[test]
    fn node_without_conditions_or_roles() {
        let node = json!({"metadata": {"name": "n", "labels": {"node-role.kubernetes.io/": ""}}, "status": {"conditions": [{"type": "DiskPressure", "status": "False"}]}});
        assert_eq!(cell_list("nodes", node)[1..3], [json!("Unknown"), json!("<none>")]);
        let cordoned = json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}});
        assert_eq!(cells("nodes", cordoned)[1], "Unknown,SchedulingDisabled");
    }

    #[test]
    fn namespaces() {
        let ns = json!({"metadata": {"name": "ml", "creationTimestamp": "2026-11-25T11:50:00Z"}, "status": {"phase": "Active"}});
        assert_eq!(cells("namespaces", ns), json!(["ml", "Active", "10m"]));
        let deleting = json!({"metadata": {"name": "old", "creationTimestamp": "2026-11-25T11:57:00Z"}, "status": {"phase": "Terminating"}});
        assert_eq!(cells("namespaces", deleting), json!(["old", "Terminating", "3m"]));
        assert_eq!(cells("namespaces", json!({"metadata": {"name": "new"}})), json!(["new", "Active", "<unknown>"]));
    }

    #[test]
    fn core_v1_event() {
        let event = json!({
            "metadata": {"name": "trainer-0.17f3a1b2c3d4e5f6", "namespace": "ml", "creationTimestamp": "2026-11-25T09:00:00Z"},
            "involvedObject": {"kind": "Pod", "namespace": "ml", "name": "trainer-0", "fieldPath": "spec.containers{trainer}"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container trainer in pod trainer-0_ml\n",
            "source": {"component": "kubelet", "host": "gpu-node-1"},
            "firstTimestamp": "2026-11-25T09:00:00Z",
            "lastTimestamp": "2026-11-25T11:58:00Z",
            "count": 42,
            "type": "Warning",
        });
        assert_eq!(
            cells("events", event),
            json!([
                "2m",
                "Warning",
                "BackOff",
                "pod/trainer-0",
                "spec.containers{trainer}",
                "kubelet, gpu-node-1",
                "Back-off restarting failed container trainer in pod trainer-0_ml",
                "3h",
                42,
                "trainer-0.17f3a1b2c3d4e5f6"
            ])
        );
    }

    #[test]
    fn new_api_event_with_series() {
        let event = json!({
            "metadata": {"name": "e"},
            "involvedObject": {"kind": "Node", "name": "gpu-node-1"},
            "reason": "Rebooted",
            "message": "Node rebooted",
            "eventTime": "2026-11-25T10:00:00.123456Z",
            "series": {"count": 3, "lastObservedTime": "2026-11-25T11:59:00.000001Z"},
            "reportingComponent": "kubelet",
            "reportingInstance": "gpu-node-1",
            "type": "Normal",
        });
        assert_eq!(
            cells("events", event),
            json!([
                "60s",
                "Normal",
                "Rebooted",
                "node/gpu-node-1",
                "",
                "kubelet, gpu-node-1",
                "Node rebooted",
                "120m",
                3,
                "e"
            ])
        );
    }

    #[test]
    fn sparse_event_defaults() {
        let event = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "ClusterRole"}, "source": {"component": "rbac"}});
        assert_eq!(
            cells("events", event),
            json!(["<unknown>", "", "", "clusterrole", "", "rbac", "", "<unknown>", 1, "e"])
        );
    }

    #[test]
    fn cluster_ip_service() {
        let svc = json!({
            "metadata": {"name": "inference", "namespace": "ml", "creationTimestamp": "2026-11-24T12:00:00Z"},
            "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.12.7",
                "clusterIPs": ["10.96.12.7"],
                "selector": {"app": "inference", "tier": "gpu"},
                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}, {"name": "grpc", "port": 9000, "protocol": "TCP"}],
            },
        });
        assert_eq!(
            cells("services", svc),
            json!([
                "inference",
                "ClusterIP",
                "10.96.12.7",
                "<none>",
                "80/TCP,9000/TCP",
                "24h",
                "app=inference,tier=gpu"
            ])
        );
    }

    #[test]
    fn node_port_load_balancer_external_name_and_headless_services() {
        let service = |spec: Value, status: Value| json!({"metadata": {"name": "s", "creationTimestamp": "2026-11-25T11:00:00Z"}, "spec": spec, "status": status});
        let node_port = service(
            json!({"type": "NodePort", "clusterIP": "10.96.0.20", "externalIPs": ["192.0.2.10"], "ports": [{"port": 443, "nodePort": 30443, "protocol": "TCP"}]}),
            json!({}),
        );
        assert_eq!(
            cell_list("services", node_port)[1..5],
            [json!("NodePort"), json!("10.96.0.20"), json!("192.0.2.10"), json!("443:30443/TCP")]
        );

        let pending = service(
            json!({"type": "LoadBalancer", "clusterIP": "10.96.0.21", "ports": [{"port": 80, "nodePort": 31000}]}),
            json!({}),
        );
        assert_eq!(cell_list("services", pending)[3..5], [json!("<pending>"), json!("80:31000/TCP")]);

        let lb = service(
            json!({"type": "LoadBalancer", "clusterIP": "10.96.0.22", "externalIPs": ["192.0.2.9"]}),
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "a.example.com"}, {"ip": "203.0.113.7"}]}}),
        );
        assert_eq!(cell_list("services", lb)[3..5], [json!("203.0.113.7,a.example.com,192.0.2.9"), json!("<none>")]);

        let external = service(json!({"type": "ExternalName", "externalName": "db.example.com"}), json!({}));
        assert_eq!(
            cell_list("services", external)[1..4],
            [json!("ExternalName"), json!("<none>"), json!("db.example.com")]
        );

        let headless =
            service(json!({"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}), json!({}));
        assert_eq!(
            cells("services", headless),
            json!(["s", "ClusterIP", "None", "<none>", "5432/TCP", "60m", "app=db"])
        );
    }

    #[test]
    fn config_maps_and_secrets_count_their_data() {
        let cm = json!({
            "metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2026-11-25T11:59:30Z"},
            "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"},
            "binaryData": {"blob": "AAEC"},
        });
        assert_eq!(cells("configmaps", cm), json!(["kube-root-ca.crt", 2, "30s"]));
        assert_eq!(cells("configmaps", json!({"metadata": {"name": "empty"}})), json!(["empty", 0, "<unknown>"]));

        let secret = json!({
            "metadata": {"name": "regcred", "creationTimestamp": "2026-11-20T12:00:00Z"},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": "e30="},
        });
        assert_eq!(cells("secrets", secret), json!(["regcred", "kubernetes.io/dockerconfigjson", 1, "5d"]));
        let opaque = json!({"metadata": {"name": "token", "creationTimestamp": "2026-11-25T11:58:00Z"}, "data": {"a": "", "b": ""}});
        assert_eq!(cells("secrets", opaque), json!(["token", "Opaque", 2, "2m"]));
    }

    #[test]
    fn deployment() {
        let deployment = json!({
            "metadata": {"name": "inference", "namespace": "ml", "creationTimestamp": "2026-11-25T06:55:00Z"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "inference"}},
                "template": {"spec": {"containers": [
                    {"name": "server", "image": "vllm/vllm-openai:v0.6.3"},
                    {"name": "sidecar", "image": "envoyproxy/envoy:v1.31"},
                ]}},
            },
            "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
        });
        assert_eq!(
            cells("deployments", deployment),
            json!([
                "inference",
                "2/3",
                3,
                2,
                "5h5m",
                "server,sidecar",
                "vllm/vllm-openai:v0.6.3,envoyproxy/envoy:v1.31",
                "app=inference"
            ])
        );
        assert_eq!(
            cells("deployments", json!({"metadata": {"name": "d"}})),
            json!(["d", "0/1", 0, 0, "<unknown>", "", "", ""])
        );
    }

    #[test]
    fn replica_set() {
        let rs = json!({
            "metadata": {"name": "inference-7c9f8d6b5", "creationTimestamp": "2026-11-25T06:55:00Z"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "inference", "pod-template-hash": "7c9f8d6b5"}},
                "template": {"spec": {"containers": [{"name": "server", "image": "vllm/vllm-openai:v0.6.3"}]}},
            },
            "status": {"replicas": 3, "readyReplicas": 1},
        });
        assert_eq!(
            cells("replicasets", rs),
            json!([
                "inference-7c9f8d6b5",
                3,
                3,
                1,
                "5h5m",
                "server",
                "vllm/vllm-openai:v0.6.3",
                "app=inference,pod-template-hash=7c9f8d6b5"
            ])
        );
    }

    #[test]
    fn stateful_set() {
        let sts = json!({
            "metadata": {"name": "etcd", "creationTimestamp": "2026-09-01T00:00:00Z"},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.16-0"}]}}},
            "status": {"replicas": 3, "readyReplicas": 3},
        });
        assert_eq!(cells("statefulsets", sts), json!(["etcd", "3/3", "85d", "etcd", "registry.k8s.io/etcd:3.5.16-0"]));
    }

    #[test]
    fn daemon_set() {
        let ds = json!({
            "metadata": {"name": "nvidia-device-plugin", "namespace": "kube-system", "creationTimestamp": "2024-11-15T12:00:00Z"},
            "spec": {
                "selector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
                "template": {"spec": {
                    "nodeSelector": {"nvidia.com/gpu.present": "true", "kubernetes.io/os": "linux"},
                    "containers": [{"name": "nvidia-device-plugin-ctr", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"}],
                }},
            },
            "status": {"desiredNumberScheduled": 4, "currentNumberScheduled": 4, "numberReady": 3, "updatedNumberScheduled": 4, "numberAvailable": 3},
        });
        assert_eq!(
            cells("daemonsets", ds),
            json!([
                "nvidia-device-plugin",
                4,
                4,
                3,
                4,
                3,
                "kubernetes.io/os=linux,nvidia.com/gpu.present=true",
                "2y10d",
                "nvidia-device-plugin-ctr",
                "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
                "name=nvidia-device-plugin-ds"
            ])
        );
    }

    #[test]
    fn jobs() {
        let job = |spec: Value, status: Value| {
            let mut spec = spec;
            spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "0f6c"}});
            spec["template"] = json!({"spec": {"containers": [{"name": "train", "image": "trainer:1"}]}});
            json!({"metadata": {"name": "finetune", "creationTimestamp": "2026-11-25T10:00:00Z"}, "spec": spec, "status": status})
        };
        let complete = job(
            json!({"completions": 1, "parallelism": 1}),
            json!({
                "succeeded": 1,
                "startTime": "2026-11-25T10:00:00Z",
                "completionTime": "2026-11-25T10:42:30Z",
                "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}],
            }),
        );
        assert_eq!(
            cells("jobs", complete),
            json!([
                "finetune",
                "Complete",
                "1/1",
                "42m",
                "120m",
                "train",
                "trainer:1",
                "batch.kubernetes.io/controller-uid=0f6c"
            ])
        );

        let running = job(
            json!({"completions": 8, "parallelism": 2}),
            json!({"succeeded": 3, "active": 2, "startTime": "2026-11-25T11:57:10Z"}),
        );
        assert_eq!(cell_list("jobs", running)[1..4], [json!("Running"), json!("3/8"), json!("2m50s")]);

        let queue = job(
            json!({"parallelism": 4}),
            json!({"conditions": [{"type": "Failed", "status": "True"}], "startTime": "2026-11-25T10:00:00Z", "completionTime": "2026-11-25T10:00:40Z"}),
        );
        assert_eq!(cell_list("jobs", queue)[1..4], [json!("Failed"), json!("0/1 of 4"), json!("40s")]);

        let suspended = job(json!({"suspend": true}), json!({"conditions": [{"type": "Suspended", "status": "True"}]}));
        assert_eq!(cell_list("jobs", suspended)[1..4], [json!("Suspended"), json!("0/1"), json!("")]);

        let mut deleting = job(json!({}), json!({"conditions": [{"type": "FailureTarget", "status": "True"}]}));
        assert_eq!(cells("jobs", deleting.clone())[1], "FailureTarget");
        deleting["metadata"]["deletionTimestamp"] = json!("2026-11-25T11:59:00Z");
        assert_eq!(cells("jobs", deleting)[1], "Terminating");
    }

    #[test]
    fn cron_jobs() {
        let cron = json!({
            "metadata": {"name": "nightly-eval", "creationTimestamp": "2026-11-01T00:00:00Z"},
            "spec": {
                "schedule": "0 2 * * *",
                "timeZone": "Europe/Berlin",
                "suspend": false,
                "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "eval", "image": "eval:3"}]}}}},
            },
            "status": {"active": [{"kind": "Job", "name": "nightly-eval-29001234"}], "lastScheduleTime": "2026-11-25T01:00:00Z"},
        });
        assert_eq!(
            cells("cronjobs", cron),
            json!(["nightly-eval", "0 2 * * *", "Europe/Berlin", "False", 1, "11h", "24d", "eval", "eval:3", "<none>"])
        );
        let idle = json!({"metadata": {"name": "c"}, "spec": {"schedule": "*/5 * * * *", "suspend": true}});
        assert_eq!(
            cells("cronjobs", idle),
            json!(["c", "*/5 * * * *", "<none>", "True", 0, "<none>", "<unknown>", "", "", "<none>"])
        );
    }

    #[test]
    fn leases_and_unknown_resources() {
        let lease = json!({
            "metadata": {"name": "gpu-node-1", "namespace": "kube-node-lease", "creationTimestamp": "2026-11-25T08:00:00Z"},
            "spec": {"holderIdentity": "gpu-node-1", "leaseDurationSeconds": 40},
        });
        assert_eq!(cells("leases", lease), json!(["gpu-node-1", "gpu-node-1", "4h"]));
        let widget = json!({"metadata": {"name": "w", "creationTimestamp": "2026-11-25T11:59:58Z"}});
        assert_eq!(cells("widgets", widget), json!(["w", "2s"]));
        assert_eq!(cells("widgets", json!({})), json!(["", "<unknown>"]));
    }

    #[test]
    fn label_selectors_render_like_apimachinery() {
        let selector = json!({
            "matchLabels": {"app": "trainer"},
            "matchExpressions": [
                {"key": "zone", "operator": "In", "values": ["b", "a"]},
                {"key": "gpu", "operator": "Exists"},
                {"key": "tier", "operator": "NotIn", "values": ["cpu"]},
                {"key": "spot", "operator": "DoesNotExist"},
            ],
        });
        assert_eq!(format_label_selector(&selector), "app=trainer,gpu,!spot,tier notin (cpu),zone in (a,b)");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(format_label_selector(&Value::Null), "<none>");
        let bad = json!({"matchExpressions": [{"key": "k", "operator": "Gt", "values": ["1"]}]});
        assert_eq!(format_label_selector(&bad), "<error>");
        let empty_in = json!({"matchExpressions": [{"key": "k", "operator": "In", "values": []}]});
        assert_eq!(format_label_selector(&empty_in), "<error>");
        let deployment = json!({"metadata": {"name": "d"}, "spec": {"selector": bad}});
        assert_eq!(cells("deployments", deployment)[7], "<invalid>");
    }

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases = [
            (-5, "<invalid>"),
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (310, "5m10s"),
            (599, "9m59s"),
            (600, "10m"),
            (610, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 5 * 60, "3h5m"),
            (7 * 3600 + 59 * 60 + 59, "7h59m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 3599, "47h"),
            (48 * 3600, "2d"),
            (49 * 3600, "2d1h"),
            (7 * 86_400 + 23 * 3600, "7d23h"),
            (8 * 86_400, "8d"),
            (15 * 86_400, "15d"),
            (729 * 86_400, "729d"),
            (730 * 86_400, "2y"),
            (740 * 86_400, "2y10d"),
            (8 * 365 * 86_400 - 1, "7y364d"),
            (8 * 365 * 86_400, "8y"),
            (30 * 365 * 86_400, "30y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(seconds), expected, "{seconds}s");
        }
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_rfc3339("2026-11-25T12:00:00Z"), Some(NOW));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-02-29T23:59:59Z"), Some(951_868_799));
        assert_eq!(parse_rfc3339("2024-03-01T00:00:00Z"), Some(1_709_251_200));
        assert_eq!(parse_rfc3339("2026-11-25T12:00:00.999999Z"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-11-25T13:30:00+01:30"), Some(NOW));
        assert_eq!(parse_rfc3339("2026-11-25T07:00:00-05:00"), Some(NOW));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn rejects_malformed_rfc3339() {
        for bad in [
            "",
            "yesterday",
            "2026-11-25",
            "2026-11-25T12:00:00",
            "2026-11-25 12:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-31T00:00:00Z",
            "2026-11-25T24:00:00Z",
            "2026-11-25T12:60:00Z",
            "2026-11-25T12:00:60Z",
            "2026-11-25T12:00:00.Z",
            "2026-11-25T12:00:00+0100",
            "2026-11-25T12:00:00Zjunk",
            "2026-1a-25T12:00:00Z",
            "2026-11-25T12:00:0é",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
