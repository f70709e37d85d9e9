//! The resource types the sim serves (group, version, names, verbs, subresources, selectable fields); static data only.

/// Index into [`RESOURCES`]; the first element of every store key.
pub type ResourceId = usize;

#[derive(Debug)]
pub struct Subresource {
    pub name: &'static str,
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

#[derive(Debug)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub subresources: &'static [Subresource],
    /// Field selector labels this resource accepts besides metadata.name/metadata.namespace, with the JSON path each reads.
    pub fields: &'static [(&'static str, &'static str)],
}

const RW: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const RO: &[&str] = &["get", "list"];
const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

macro_rules! status_of {
    ($group:expr, $version:expr, $kind:expr) => {
        Subresource { name: "status", group: $group, version: $version, kind: $kind, verbs: STATUS_VERBS }
    };
}
macro_rules! scale {
    () => {
        Subresource { name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: STATUS_VERBS }
    };
}

pub static RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: &[],
        verbs: RW,
        subresources: &[status_of!("", "v1", "Namespace")],
        fields: &[("status.phase", "/status/phase")],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "nodes",
        singular: "node",
        kind: "Node",
        namespaced: false,
        short_names: &["no"],
        categories: &[],
        verbs: RW,
        subresources: &[status_of!("", "v1", "Node")],
        fields: &[("spec.unschedulable", "/spec/unschedulable")],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "pods",
        singular: "pod",
        kind: "Pod",
        namespaced: true,
        short_names: &["po"],
        categories: &["all"],
        verbs: RW,
        subresources: &[
            Subresource { name: "log", group: "", version: "v1", kind: "Pod", verbs: &["get"] },
            status_of!("", "v1", "Pod"),
        ],
        fields: &[
            ("spec.nodeName", "/spec/nodeName"),
            ("spec.restartPolicy", "/spec/restartPolicy"),
            ("spec.schedulerName", "/spec/schedulerName"),
            ("spec.serviceAccountName", "/spec/serviceAccountName"),
            ("status.phase", "/status/phase"),
            ("status.podIP", "/status/podIP"),
            ("status.nominatedNodeName", "/status/nominatedNodeName"),
        ],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
        short_names: &["ev"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        fields: &[
            ("involvedObject.kind", "/involvedObject/kind"),
            ("involvedObject.namespace", "/involvedObject/namespace"),
            ("involvedObject.name", "/involvedObject/name"),
            ("involvedObject.uid", "/involvedObject/uid"),
            ("involvedObject.apiVersion", "/involvedObject/apiVersion"),
            ("involvedObject.resourceVersion", "/involvedObject/resourceVersion"),
            ("involvedObject.fieldPath", "/involvedObject/fieldPath"),
            ("reason", "/reason"),
            ("reportingComponent", "/reportingComponent"),
            ("source", "/source/component"),
            ("type", "/type"),
        ],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "services",
        singular: "service",
        kind: "Service",
        namespaced: true,
        short_names: &["svc"],
        categories: &["all"],
        verbs: RW,
        subresources: &[status_of!("", "v1", "Service")],
        fields: &[],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
        categories: &[],
        verbs: RW,
        subresources: &[],
        fields: &[],
    },
    ResourceType {
        group: "",
        version: "v1",
        plural: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        fields: &[("type", "/type")],
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "deployments",
        singular: "deployment",
        kind: "Deployment",
        namespaced: true,
        short_names: &["deploy"],
        categories: &["all"],
        verbs: RW,
        subresources: &[scale!(), status_of!("apps", "v1", "Deployment")],
        fields: &[],
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "statefulsets",
        singular: "statefulset",
        kind: "StatefulSet",
        namespaced: true,
        short_names: &["sts"],
        categories: &["all"],
        verbs: RW,
        subresources: &[scale!(), status_of!("apps", "v1", "StatefulSet")],
        fields: &[],
    },
    ResourceType {
        group: "apps",
        version: "v1",
        plural: "replicasets",
        singular: "replicaset",
        kind: "ReplicaSet",
        namespaced: true,
        short_names: &["rs"],
        categories: &["all"],
        verbs: RW,
        subresources: &[scale!(), status_of!("apps", "v1", "ReplicaSet")],
        fields: &[],
    },
    ResourceType {
        group: "batch",
        version: "v1",
        plural: "jobs",
        singular: "job",
        kind: "Job",
        namespaced: true,
        short_names: &[],
        categories: &["all"],
        verbs: RW,
        subresources: &[status_of!("batch", "v1", "Job")],
        fields: &[("status.successful", "/status/succeeded")],
    },
    ResourceType {
        group: "coordination.k8s.io",
        version: "v1",
        plural: "leases",
        singular: "lease",
        kind: "Lease",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RW,
        subresources: &[],
        fields: &[],
    },
    ResourceType {
        group: "autoscaling",
        version: "v2",
        plural: "horizontalpodautoscalers",
        singular: "horizontalpodautoscaler",
        kind: "HorizontalPodAutoscaler",
        namespaced: true,
        short_names: &["hpa"],
        categories: &["all"],
        verbs: RW,
        subresources: &[status_of!("autoscaling", "v2", "HorizontalPodAutoscaler")],
        fields: &[],
    },
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        plural: "nodes",
        singular: "",
        kind: "NodeMetrics",
        namespaced: false,
        short_names: &[],
        categories: &[],
        verbs: RO,
        subresources: &[],
        fields: &[],
    },
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        plural: "pods",
        singular: "",
        kind: "PodMetrics",
        namespaced: true,
        short_names: &[],
        categories: &[],
        verbs: RO,
        subresources: &[],
        fields: &[],
    },
];

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `deployments.apps`, or `pods` for the core group: how the apiserver names a resource in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    /// Metrics are computed on request rather than stored.
    pub fn is_metrics(&self) -> bool {
        self.group == "metrics.k8s.io"
    }

    /// The JSON pointer a field selector label reads, or None when the resource does not support it.
    pub fn field_path(&self, label: &str) -> Option<&'static str> {
        match label {
            "metadata.name" => Some("/metadata/name"),
            "metadata.namespace" if self.namespaced => Some("/metadata/namespace"),
            _ => self.fields.iter().find(|(name, _)| *name == label).map(|(_, path)| *path),
        }
    }
}

/// Finds a resource by group, version and plural name.
pub fn lookup(group: &str, version: &str, plural: &str) -> Option<ResourceId> {
    RESOURCES.iter().position(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Finds a stored (non-metrics) resource by kind and apiVersion, as written in an object.
pub fn by_kind(api_version: &str, kind: &str) -> Option<ResourceId> {
    RESOURCES.iter().position(|r| r.kind == kind && r.api_version() == api_version && !r.is_metrics())
}

/// The distinct group/versions, core first, in a stable order.
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

pub const NAMESPACES: ResourceId = 0;
pub const NODES: ResourceId = 1;
pub const PODS: ResourceId = 2;
pub const EVENTS: ResourceId = 3;
pub const SERVICES: ResourceId = 4;
pub const CONFIGMAPS: ResourceId = 5;
pub const SECRETS: ResourceId = 6;
pub const DEPLOYMENTS: ResourceId = 7;
pub const STATEFULSETS: ResourceId = 8;
pub const REPLICASETS: ResourceId = 9;
pub const JOBS: ResourceId = 10;
pub const LEASES: ResourceId = 11;
pub const HPAS: ResourceId = 12;
pub const NODE_METRICS: ResourceId = 13;
pub const POD_METRICS: ResourceId = 14;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_point_at_their_resources() {
        let expect = [
            (NAMESPACES, "namespaces", ""),
            (NODES, "nodes", ""),
            (PODS, "pods", ""),
            (EVENTS, "events", ""),
            (SERVICES, "services", ""),
            (CONFIGMAPS, "configmaps", ""),
            (SECRETS, "secrets", ""),
            (DEPLOYMENTS, "deployments", "apps"),
            (STATEFULSETS, "statefulsets", "apps"),
            (REPLICASETS, "replicasets", "apps"),
            (JOBS, "jobs", "batch"),
            (LEASES, "leases", "coordination.k8s.io"),
            (HPAS, "horizontalpodautoscalers", "autoscaling"),
            (NODE_METRICS, "nodes", "metrics.k8s.io"),
            (POD_METRICS, "pods", "metrics.k8s.io"),
        ];
        for (id, plural, group) in expect {
            assert_eq!((RESOURCES[id].plural, RESOURCES[id].group), (plural, group));
        }
        assert_eq!(RESOURCES.len(), expect.len());
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("apps", "v1", "deployments"), Some(DEPLOYMENTS));
        assert_eq!(by_kind("v1", "Pod"), Some(PODS));
        assert_eq!(by_kind("apps/v1", "Pod"), None);
        assert_eq!(RESOURCES[DEPLOYMENTS].qualified(), "deployments.apps");
        assert_eq!(RESOURCES[PODS].field_path("spec.nodeName"), Some("/spec/nodeName"));
        assert_eq!(RESOURCES[NODES].field_path("metadata.namespace"), None);
        assert_eq!(group_versions()[0], ("", "v1"));
    }
}
