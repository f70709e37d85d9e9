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
//!
//! The printers themselves live in submodules by API group (`core`, with Pods apart in `pods`, then `apps`, `batch`,
//! `network`, `policy`, `storage`, `autoscaling`, `custom`); this module dispatches on the resource and holds the column, JSON and
//! label helpers they share.

use serde_json::{Value, json};

mod apps;
mod autoscaling;
mod batch;
mod core_v1;
pub mod custom;
mod network;
mod pods;
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

const NAME: Column = Column { name: "Name", kind: "string", format: "name", description: NAME_DESC, priority: 0 };
const AGE: Column = column("Age", "string", AGE_DESC);
const CONTAINERS: Column = wide("Containers", "string", "Names of each container in the template.");
const IMAGES: Column = wide("Images", "string", "Images referenced by each container in the template.");

const GENERIC_COLUMNS: &[Column] = &[NAME, AGE];

/// The columns kube-apiserver declares for a resource, by plural name.
fn columns(resource: &str) -> &'static [Column] {
    match resource {
        "pods" => pods::POD_COLUMNS,
        "nodes" => core_v1::NODE_COLUMNS,
        "namespaces" => core_v1::NAMESPACE_COLUMNS,
        "events" => core_v1::EVENT_COLUMNS,
        "services" => core_v1::SERVICE_COLUMNS,
        "configmaps" => core_v1::CONFIG_MAP_COLUMNS,
        "secrets" => core_v1::SECRET_COLUMNS,
        "deployments" => apps::DEPLOYMENT_COLUMNS,
        "replicasets" => apps::REPLICA_SET_COLUMNS,
        "statefulsets" => apps::STATEFUL_SET_COLUMNS,
        "daemonsets" => apps::DAEMON_SET_COLUMNS,
        "jobs" => batch::JOB_COLUMNS,
        "cronjobs" => batch::CRON_JOB_COLUMNS,
        "leases" => core_v1::LEASE_COLUMNS,
        "horizontalpodautoscalers" => autoscaling::HPA_COLUMNS,
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
        "pods" => pods::pod_cells(obj, now),
        "nodes" => core_v1::node_cells(obj, now),
        "namespaces" => core_v1::namespace_cells(obj, now),
        "events" => core_v1::event_cells(obj, now),
        "services" => core_v1::service_cells(obj, now),
        "configmaps" => core_v1::config_map_cells(obj, now),
        "secrets" => core_v1::secret_cells(obj, now),
        "deployments" => apps::deployment_cells(obj, now),
        "replicasets" => apps::replica_set_cells(obj, now),
        "statefulsets" => apps::stateful_set_cells(obj, now),
        "daemonsets" => apps::daemon_set_cells(obj, now),
        "jobs" => batch::job_cells(obj, now),
        "cronjobs" => batch::cron_job_cells(obj, now),
        "leases" => core_v1::lease_cells(obj, now),
        "horizontalpodautoscalers" => autoscaling::hpa_cells(obj, now),
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

// ---- pod templates, shared by the apps and batch printers ----

/// layoutContainerCells: container names and images, each comma-joined.
fn container_cells(obj: &Value, containers: &str) -> [Value; 2] {
    let containers = list(obj, containers);
    let names: Vec<&str> = containers.iter().map(|c| text(c, "/name")).collect();
    let images: Vec<&str> = containers.iter().map(|c| text(c, "/image")).collect();
    [names.join(",").into(), images.join(",").into()]
}

const TEMPLATE_CONTAINERS: &str = "/spec/template/spec/containers";

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
mod tests;
