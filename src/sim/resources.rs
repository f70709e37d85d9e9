//! The resource types the sim serves: the built-in table, the kinds CustomResourceDefinitions add at run time
//! (interned process-wide, so an id always names one definition), and the per-cluster catalog of what is served.

use std::sync::{Arc, RwLock};

/// Index into the built-in table or, past its end, into the interned custom definitions; the first element of
/// every store key.
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

mod builtin;

use builtin::{BUILTIN, RW, STATUS_VERBS};

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

/// The resource type an id names; ids only come from the built-in constants, [`intern`] or a [`Catalog`].
pub fn get(id: ResourceId) -> &'static ResourceType {
    if let Some(r) = BUILTIN.get(id) {
        return r;
    }
    interned().get(id - BUILTIN.len()).map_or(&UNKNOWN, |i| i.resource)
}

/// The CRD-declared extras of a custom resource; None for built-ins.
pub fn custom(id: ResourceId) -> Option<&'static Custom> {
    if id < BUILTIN.len() {
        return None;
    }
    interned().get(id - BUILTIN.len()).map(|i| i.custom)
}

/// What an id that was never issued reads as (never served, so never reached through a route).
static UNKNOWN: ResourceType = ResourceType {
    group: "",
    version: "",
    plural: "",
    singular: "",
    kind: "",
    namespaced: false,
    short_names: &[],
    categories: &[],
    verbs: &[],
    subresources: &[],
    fields: &[],
};

/// What a CustomResourceDefinition adds to a resource besides its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custom {
    /// `trainjobs.kubeflow.org`
    pub crd: String,
    /// The version's additionalPrinterColumns, already defaulted to Age when the CRD lists none.
    pub columns: Vec<PrinterColumn>,
}

/// One `additionalPrinterColumns` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    pub name: String,
    pub kind: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
}

/// One served version of a CRD, as it becomes a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub status: bool,
    pub custom: Custom,
}

struct Interned {
    def: Definition,
    resource: &'static ResourceType,
    custom: &'static Custom,
}

/// Append-only: a definition is leaked once per process and keeps its id, so ids in store keys never dangle.
static INTERNED: RwLock<Vec<Interned>> = RwLock::new(Vec::new());

fn interned() -> std::sync::RwLockReadGuard<'static, Vec<Interned>> {
    INTERNED.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_all(items: &[String]) -> &'static [&'static str] {
    Box::leak(items.iter().map(|s| leak(s)).collect::<Vec<_>>().into_boxed_slice())
}

/// The id of a custom definition, issuing one the first time this exact definition is seen.
pub fn intern(def: Definition) -> ResourceId {
    let mut table = INTERNED.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(i) = table.iter().position(|i| i.def == def) {
        return BUILTIN.len() + i;
    }
    let (group, version, kind) = (leak(&def.group), leak(&def.version), leak(&def.kind));
    let subresources: &'static [Subresource] = if def.status {
        Box::leak(Box::new([Subresource { name: "status", group, version, kind, verbs: STATUS_VERBS }]))
    } else {
        &[]
    };
    let resource = Box::leak(Box::new(ResourceType {
        group,
        version,
        plural: leak(&def.plural),
        singular: leak(&def.singular),
        kind,
        namespaced: def.namespaced,
        short_names: leak_all(&def.short_names),
        categories: leak_all(&def.categories),
        verbs: RW,
        subresources,
        fields: &[],
    }));
    let custom = Box::leak(Box::new(def.custom.clone()));
    table.push(Interned { def, resource, custom });
    BUILTIN.len() + table.len() - 1
}

/// What one cluster serves: every built-in plus the custom resources its established CRDs define.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    custom: Arc<[ResourceId]>,
}

impl Catalog {
    pub fn with_custom(custom: Vec<ResourceId>) -> Self {
        Catalog { custom: custom.into() }
    }

    /// The custom resource ids served, in CRD order.
    pub fn custom_ids(&self) -> &[ResourceId] {
        &self.custom
    }

    pub fn ids(&self) -> impl Iterator<Item = ResourceId> + '_ {
        (0..BUILTIN.len()).chain(self.custom.iter().copied())
    }

    pub fn types(&self) -> impl Iterator<Item = (ResourceId, &'static ResourceType)> + '_ {
        self.ids().map(|id| (id, get(id)))
    }

    /// Finds a resource by group, version and plural name.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<ResourceId> {
        self.types().find(|(_, r)| r.group == group && r.version == version && r.plural == plural).map(|(id, _)| id)
    }

    /// Finds a stored (non-metrics) resource by kind and apiVersion, as written in an object.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<ResourceId> {
        self.types()
            .find(|(_, r)| r.kind == kind && r.api_version() == api_version && !r.is_metrics())
            .map(|(id, _)| id)
    }

    /// The distinct group/versions, core first, in a stable order.
    pub fn group_versions(&self) -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (_, r) in self.types() {
            if !out.contains(&(r.group, r.version)) {
                out.push((r.group, r.version));
            }
        }
        out
    }

    /// The resources of one group/version.
    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = (ResourceId, &'static ResourceType)> + 'a {
        self.types().filter(move |(_, r)| r.group == group && r.version == version)
    }
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
pub const CRDS: ResourceId = 15;
pub const DAEMONSETS: ResourceId = 16;
pub const CONTROLLER_REVISIONS: ResourceId = 17;
pub const CRONJOBS: ResourceId = 18;
pub const ENDPOINTS: ResourceId = 19;
pub const ENDPOINT_SLICES: ResourceId = 20;
pub const PVCS: ResourceId = 21;
pub const PVS: ResourceId = 22;
pub const STORAGE_CLASSES: ResourceId = 23;
pub const SERVICE_ACCOUNTS: ResourceId = 24;
pub const PDBS: ResourceId = 25;
pub const NETWORK_POLICIES: ResourceId = 26;
pub const INGRESSES: ResourceId = 27;
pub const INGRESS_CLASSES: ResourceId = 28;

#[cfg(test)]
mod tests {
    use super::*;

    fn widget(columns: usize) -> Definition {
        let column = PrinterColumn {
            name: "Phase".into(),
            kind: "string".into(),
            format: String::new(),
            description: String::new(),
            priority: 0,
            json_path: ".status.phase".into(),
        };
        Definition {
            group: "example.com".into(),
            version: "v1".into(),
            plural: "widgets".into(),
            singular: "widget".into(),
            kind: "Widget".into(),
            namespaced: true,
            short_names: vec!["wd".into()],
            categories: vec![],
            status: true,
            custom: Custom { crd: "widgets.example.com".into(), columns: vec![column; columns] },
        }
    }

    #[test]
    fn interned_definitions_keep_their_id_and_are_served_only_by_their_catalog() {
        let id = intern(widget(1));
        assert_eq!(intern(widget(1)), id);
        let other = intern(widget(2));
        assert_ne!(other, id);
        assert_eq!(get(id).kind, "Widget");
        assert_eq!(get(id).subresources[0].name, "status");
        assert_eq!(custom(id).map(|c| c.columns.len()), Some(1));
        assert!(custom(PODS).is_none());
        assert_eq!(Catalog::default().lookup("example.com", "v1", "widgets"), None);
        let catalog = Catalog::with_custom(vec![id]);
        assert_eq!(catalog.lookup("example.com", "v1", "widgets"), Some(id));
        assert_eq!(catalog.by_kind("example.com/v1", "Widget"), Some(id));
        assert!(catalog.group_versions().contains(&("example.com", "v1")));
    }

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
            (CRDS, "customresourcedefinitions", "apiextensions.k8s.io"),
            (DAEMONSETS, "daemonsets", "apps"),
            (CONTROLLER_REVISIONS, "controllerrevisions", "apps"),
            (CRONJOBS, "cronjobs", "batch"),
            (ENDPOINTS, "endpoints", ""),
            (ENDPOINT_SLICES, "endpointslices", "discovery.k8s.io"),
            (PVCS, "persistentvolumeclaims", ""),
            (PVS, "persistentvolumes", ""),
            (STORAGE_CLASSES, "storageclasses", "storage.k8s.io"),
            (SERVICE_ACCOUNTS, "serviceaccounts", ""),
            (PDBS, "poddisruptionbudgets", "policy"),
            (NETWORK_POLICIES, "networkpolicies", "networking.k8s.io"),
            (INGRESSES, "ingresses", "networking.k8s.io"),
            (INGRESS_CLASSES, "ingressclasses", "networking.k8s.io"),
        ];
        for (id, plural, group) in expect {
            assert_eq!((get(id).plural, get(id).group), (plural, group));
        }
        assert_eq!(BUILTIN.len(), expect.len());
    }

    #[test]
    fn lookups() {
        let catalog = Catalog::default();
        assert_eq!(catalog.lookup("apps", "v1", "deployments"), Some(DEPLOYMENTS));
        assert_eq!(catalog.by_kind("v1", "Pod"), Some(PODS));
        assert_eq!(catalog.by_kind("apps/v1", "Pod"), None);
        assert_eq!(get(DEPLOYMENTS).qualified(), "deployments.apps");
        assert_eq!(get(PODS).field_path("spec.nodeName"), Some("/spec/nodeName"));
        assert_eq!(get(NODES).field_path("metadata.namespace"), None);
        assert_eq!(catalog.group_versions()[0], ("", "v1"));
    }
}
