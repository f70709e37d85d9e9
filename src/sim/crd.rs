//! CustomResourceDefinitions: their validation and defaulting, turning the stored CRDs into the served catalog,
//! their status (names accepted, established), and the objects of a resource whose CRD is gone.

use std::sync::Mutex;

use serde_json::{Value, json};

use super::clock;
use super::resources::{self, Catalog, Custom, Definition, PrinterColumn, ResourceId};
use super::store::{self, Key};
use super::table::custom::default_columns;
use super::world::World;

/// One sync at a time, so two CRD writes racing cannot leave the older catalog in place.
static SYNC: Mutex<()> = Mutex::new(());

/// Defaults the apiserver fills on a CRD: singular and listKind names, the conversion strategy.
pub fn default(crd: &mut Value) {
    let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default().to_string();
    if let Some(names) = crd["spec"]["names"].as_object_mut() {
        if !kind.is_empty() {
            names.entry("singular").or_insert_with(|| json!(kind.to_lowercase()));
            names.entry("listKind").or_insert_with(|| json!(format!("{kind}List")));
        }
    }
    if let Some(spec) = crd["spec"].as_object_mut() {
        spec.entry("conversion").or_insert_with(|| json!({"strategy": "None"}));
    }
}

/// The apiserver's CRD validation, as far as serving needs it: names, scope, versions.
pub fn validate(crd: &Value, causes: &mut Vec<(String, String)>) {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = spec["names"]["plural"].as_str().unwrap_or_default();
    let name = crd["metadata"]["name"].as_str().unwrap_or_default();
    if group.is_empty() {
        causes.push(("spec.group".into(), "Required value".into()));
    } else if !group.contains('.') {
        causes.push((
            "spec.group".into(),
            format!("Invalid value: \"{group}\": should be a domain with at least one dot"),
        ));
    }
    if plural.is_empty() {
        causes.push(("spec.names.plural".into(), "Required value".into()));
    }
    if spec["names"]["kind"].as_str().is_none_or(str::is_empty) {
        causes.push(("spec.names.kind".into(), "Required value".into()));
    }
    if name != format!("{plural}.{group}") {
        causes.push((
            "metadata.name".into(),
            format!("Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group"),
        ));
    }
    match spec["scope"].as_str() {
        Some("Cluster" | "Namespaced") => {}
        Some(other) => causes.push((
            "spec.scope".into(),
            format!("Unsupported value: \"{other}\": supported values: \"Cluster\", \"Namespaced\""),
        )),
        None => causes.push(("spec.scope".into(), "Required value".into())),
    }
    let versions = spec["versions"].as_array().map_or(&[][..], Vec::as_slice);
    for (i, version) in versions.iter().enumerate() {
        for (j, c) in version["additionalPrinterColumns"].as_array().into_iter().flatten().enumerate() {
            let at = format!("spec.versions[{i}].additionalPrinterColumns[{j}]");
            let kind = c["type"].as_str().unwrap_or_default();
            if !matches!(kind, "boolean" | "date" | "integer" | "number" | "string") {
                causes.push((
                    format!("{at}.type"),
                    format!("Unsupported value: \"{kind}\": supported values: \"boolean\", \"date\", \"integer\", \"number\", \"string\""),
                ));
            }
            let path = c["jsonPath"].as_str().unwrap_or_default();
            if path.is_empty() {
                causes.push((format!("{at}.jsonPath"), "Required value".into()));
            } else if super::jsonpath::Path::parse(path).is_none() {
                causes
                    .push((format!("{at}.jsonPath"), format!("Invalid value: \"{path}\": must be a simple json path")));
            }
        }
    }
    if versions.is_empty() {
        causes.push((
            "spec.versions".into(),
            "Invalid value: null: must have exactly one version marked as storage version".into(),
        ));
    } else if versions.iter().filter(|v| v["storage"] == true).count() != 1 {
        causes.push((
            "spec.versions".into(),
            format!(
                "Invalid value: {}: must have exactly one version marked as storage version",
                Value::Array(versions.to_vec())
            ),
        ));
    }
}

/// The resource type a CRD serves: its storage version (only that one is served, objects are stored once).
pub fn definition(crd: &Value) -> Option<Definition> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
    };
    let version = spec["versions"].as_array()?.iter().find(|v| v["storage"] == true && v["served"] != false)?;
    let mut columns: Vec<PrinterColumn> = version["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| PrinterColumn {
            name: c["name"].as_str().unwrap_or_default().to_string(),
            kind: c["type"].as_str().unwrap_or_default().to_string(),
            format: c["format"].as_str().unwrap_or_default().to_string(),
            description: c["description"].as_str().unwrap_or_default().to_string(),
            priority: c["priority"].as_i64().unwrap_or(0),
            json_path: c["jsonPath"].as_str().unwrap_or_default().to_string(),
        })
        .collect();
    if columns.is_empty() {
        columns = default_columns();
    }
    let kind = names["kind"].as_str()?.to_string();
    Some(Definition {
        group: spec["group"].as_str()?.to_string(),
        version: version["name"].as_str()?.to_string(),
        plural: names["plural"].as_str()?.to_string(),
        singular: names["singular"].as_str().map_or_else(|| kind.to_lowercase(), str::to_string),
        kind,
        namespaced: spec["scope"] == "Namespaced",
        short_names: strings(&names["shortNames"]),
        categories: strings(&names["categories"]),
        status: version["subresources"]["status"].is_object(),
        custom: Custom { crd: crd["metadata"]["name"].as_str().unwrap_or_default().to_string(), columns },
    })
}

/// Brings the catalog in line with the stored CRDs: serves what they define, marks them established, and drops the
/// objects of resources no CRD serves any more (moving them when only the definition changed).
pub fn sync(world: &World) {
    let _one = SYNC.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (_, objects) = world.store.snapshot();
    let old = world.store.catalog();
    let builtin = Catalog::default();
    let mut ids: Vec<ResourceId> = Vec::new();
    for (key, crd) in objects.range(store::range(resources::CRDS, None)) {
        let value = crd.value();
        let Some(def) = definition(&value) else { continue };
        if crd.terminating || builtin.lookup(&def.group, &def.version, &def.plural).is_some() {
            continue;
        }
        ids.push(resources::intern(def));
        establish(world, key, &value, crd.rv);
    }
    world.store.set_catalog(Catalog::with_custom(ids.clone()));
    for &gone in old.custom_ids().iter().filter(|id| !ids.contains(id)) {
        let was = resources::get(gone);
        let successor = ids.iter().copied().find(|&id| {
            let r = resources::get(id);
            r.group == was.group && r.plural == was.plural && r.version == was.version && r.kind == was.kind
        });
        match successor {
            Some(to) => world.store.rekey(gone, to),
            None => delete_all(world, gone),
        }
    }
}

fn delete_all(world: &World, res: ResourceId) {
    let (_, objects) = world.store.snapshot();
    let keys: Vec<Key> = objects.range(store::range(res, None)).map(|(k, _)| k.clone()).collect();
    for key in keys {
        // Gone already (a namespace's cascade got there first): nothing to do.
        let _ = world.store.delete(&key, None);
    }
}

/// Writes the status a CRD gets once its names are accepted; times are kept while nothing changes.
fn establish(world: &World, key: &Key, crd: &Value, rv: u64) {
    let names = &crd["spec"]["names"];
    let mut accepted = json!({
        "kind": names["kind"], "listKind": names["listKind"], "plural": names["plural"], "singular": names["singular"],
    });
    for field in ["shortNames", "categories"] {
        if names[field].as_array().is_some_and(|a| !a.is_empty()) {
            accepted[field] = names[field].clone();
        }
    }
    let existing = &crd["status"]["conditions"];
    let now = clock::rfc3339(clock::now());
    let condition = |kind: &str, reason: &str, message: &str| {
        let since = existing
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == kind && c["status"] == "True"))
            .and_then(|c| c["lastTransitionTime"].as_str())
            .unwrap_or(&now)
            .to_string();
        json!({"type": kind, "status": "True", "lastTransitionTime": since, "reason": reason, "message": message})
    };
    let mut stored: Vec<Value> = crd["status"]["storedVersions"].as_array().cloned().unwrap_or_default();
    if let Some(v) = crd["spec"]["versions"].as_array().and_then(|vs| vs.iter().find(|v| v["storage"] == true)) {
        if !stored.contains(&v["name"]) {
            stored.push(v["name"].clone());
        }
    }
    let status = json!({
        "acceptedNames": accepted,
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": stored,
    });
    if crd["status"] == status {
        return;
    }
    let mut next = crd.clone();
    next["status"] = status;
    // Lost to a concurrent write: that write's own sync establishes it.
    let _ = world.store.replace(key.0, next, rv);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "trainjobs.kubeflow.org"},
            "spec": {
                "group": "kubeflow.org", "scope": "Namespaced",
                "names": {"plural": "trainjobs", "kind": "TrainJob", "shortNames": ["tj"]},
                "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                              "additionalPrinterColumns": [{"name": "State", "type": "string", "jsonPath": ".status.state"}]}]
            }
        })
    }

    #[test]
    fn a_valid_crd_defines_its_storage_version() {
        let mut c = crd();
        default(&mut c);
        assert_eq!(c["spec"]["names"]["singular"], "trainjob");
        assert_eq!(c["spec"]["names"]["listKind"], "TrainJobList");
        let mut causes = Vec::new();
        validate(&c, &mut causes);
        assert!(causes.is_empty(), "{causes:?}");
        let def = definition(&c).unwrap();
        assert_eq!(
            (def.plural.as_str(), def.version.as_str(), def.namespaced, def.status),
            ("trainjobs", "v1", true, true)
        );
        assert_eq!(def.custom.columns[0].name, "State");
    }

    #[test]
    fn invalid_crds_name_their_fields() {
        let mut c = crd();
        c["metadata"]["name"] = json!("jobs.kubeflow.org");
        c["spec"]["scope"] = json!("Global");
        c["spec"]["versions"][0]["storage"] = json!(false);
        c["spec"]["versions"][0]["additionalPrinterColumns"][0]["type"] = json!("int");
        let mut causes = Vec::new();
        validate(&c, &mut causes);
        let fields: Vec<&str> = causes.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["metadata.name", "spec.scope", "spec.versions[0].additionalPrinterColumns[0].type", "spec.versions"]
        );
    }
}
