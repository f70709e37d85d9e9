//! YAML manifests as the editor sees them: the documents in a buffer, what is wrong with each (at line:column),
//! a live object cleaned for editing, and which lines hold Secret values. Pure: no IO.

pub mod locate;
pub mod templates;

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::Value;

/// (apiVersion, kind) pairs the cluster serves, from discovery; empty until discovery has answered.
pub type KnownKinds = BTreeSet<(String, String)>;

/// A resource the cluster serves, as discovery lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KnownResource {
    pub api_version: String,
    pub kind: String,
    /// Lower-case plural, as in `deployments`.
    pub plural: String,
    pub namespaced: bool,
    /// Lower-case singular (`deployment`); discovery may leave it empty, then the kind in lower case stands.
    pub singular: String,
    /// Short names discovery declares (`deploy`, a CRD's own `tj`).
    pub short_names: Vec<String>,
    pub verbs: Vec<String>,
}

/// The short names the built-in resources declare (kube's discovery client drops them): `cm`, `svc`, `sts`…
const SHORT_NAMES: &[(&str, &str)] = &[
    ("po", "pods"),
    ("no", "nodes"),
    ("ns", "namespaces"),
    ("svc", "services"),
    ("cm", "configmaps"),
    ("ep", "endpoints"),
    ("ev", "events"),
    ("sa", "serviceaccounts"),
    ("pvc", "persistentvolumeclaims"),
    ("pv", "persistentvolumes"),
    ("deploy", "deployments"),
    ("sts", "statefulsets"),
    ("ds", "daemonsets"),
    ("rs", "replicasets"),
    ("cj", "cronjobs"),
    ("hpa", "horizontalpodautoscalers"),
    ("ing", "ingresses"),
    ("netpol", "networkpolicies"),
    ("pdb", "poddisruptionbudgets"),
    ("crd", "customresourcedefinitions"),
];

impl KnownResource {
    /// Whether an operator's word names this resource: its kind in any case, its plural, a built-in short name
    /// (`cm`), or a prefix of the kind of at least three letters (`deploy`).
    pub fn named(&self, word: &str) -> bool {
        let word = word.to_lowercase();
        self.names_exactly(&word) || (word.len() >= 3 && self.kind.to_lowercase().starts_with(&word))
    }

    /// Whether a lower-case word is one of this resource's names as kubectl accepts them: plural, singular, kind,
    /// a short name, or any of these qualified by the group (`trainjobs.kubeflow.org`).
    pub fn names_exactly(&self, word: &str) -> bool {
        let (word, group) = match word.split_once('.') {
            Some((word, group)) => (word, Some(group)),
            None => (word, None),
        };
        group.is_none_or(|g| g == self.group())
            && (word == self.plural
                || word == self.singular
                || word == self.kind.to_lowercase()
                || self.short_names.iter().any(|s| s == word)
                || SHORT_NAMES.iter().any(|&(short, plural)| short == word && plural == self.plural))
    }

    /// The API group, empty for the core group.
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or_default()
    }

    /// Every name an operator may type for this resource, for completion and the nearest-name hint.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let built_in = SHORT_NAMES.iter().filter(|(_, plural)| *plural == self.plural).map(|(short, _)| *short);
        std::iter::once(self.plural.as_str())
            .chain((!self.singular.is_empty()).then_some(self.singular.as_str()))
            .chain(self.short_names.iter().map(String::as_str))
            .chain(built_in)
    }

    /// The API path listing this resource, across namespaces or in one.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        let base = if self.group().is_empty() {
            format!("/api/{}", self.api_version)
        } else {
            format!("/apis/{}", self.api_version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }

    pub fn allows(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
}

/// Something wrong with the buffer, pinned to a line (0-based) and column (1-based; 0 when only the line is known).
/// A warning is shown but does not stop a dry-run (the server has the last word).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub warning: bool,
}

impl Problem {
    /// An error on a whole line.
    pub fn on(line: usize, message: String) -> Problem {
        Problem { line, column: 0, message, warning: false }
    }

    /// `7:12`, or `7` when the column is unknown, 1-based as editors count.
    pub fn at(&self) -> String {
        if self.column > 0 { format!("{}:{}", self.line + 1, self.column) } else { format!("{}", self.line + 1) }
    }
}

/// One document of the buffer that parsed: its lines and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub lines: Range<usize>,
    pub value: Value,
}

/// `kind namespace/name` of an object, lower-case kind as kubectl prints it.
pub fn title_of(value: &Value) -> String {
    let kind = value["kind"].as_str().unwrap_or("object").to_lowercase();
    let name = value["metadata"]["name"].as_str().unwrap_or("<no name>");
    match value["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// The buffer split into documents (at `---` lines), parsed and checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checked {
    pub documents: Vec<Parsed>,
    pub problems: Vec<Problem>,
}

/// Line ranges of the documents in a buffer: split at `---` separators, leaving out documents with nothing but
/// blank lines and comments.
pub fn document_ranges(lines: &[String]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().chain(std::iter::once(&"---".to_string())).enumerate() {
        let separator = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if separator {
            let meaningful = lines[start..i.min(lines.len())].iter().any(|l| {
                let t = l.trim();
                !t.is_empty() && !t.starts_with('#')
            });
            if meaningful {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    out
}

/// Parses every document and checks what an apply needs: valid YAML, a mapping, apiVersion and kind (served by the
/// cluster when `known` is not empty), and metadata.name. A `kind: List` (what `kubectl get -o yaml` prints for
/// several objects) counts as its items, each on its own lines.
pub fn check(lines: &[String], known: &KnownKinds) -> Checked {
    let mut checked = Checked::default();
    for range in document_ranges(lines) {
        let text = lines[range.clone()].join("\n");
        match serde_saphyr::from_str::<Value>(&text) {
            Err(e) => checked.problems.push(syntax_problem(&e, range.start)),
            Ok(value) => {
                for (range, value) in list_items(lines, range, value) {
                    let problems = object_problems(lines, &range, &value, known);
                    if problems.iter().all(|p| p.warning) {
                        checked.documents.push(Parsed { lines: range, value });
                    }
                    checked.problems.extend(problems);
                }
            }
        }
    }
    checked
}

/// A List's items with the lines each takes, or the document itself.
fn list_items(lines: &[String], range: Range<usize>, value: Value) -> Vec<(Range<usize>, Value)> {
    let Some(items) = value["items"].as_array().filter(|_| value["kind"] == "List") else {
        return vec![(range, value)];
    };
    let starts: Vec<usize> = (0..items.len())
        .map(|i| locate::line_of(lines, range.clone(), &format!("items[{i}]")).unwrap_or(range.start))
        .collect();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (starts[i]..starts.get(i + 1).copied().unwrap_or(range.end), item.clone()))
        .collect()
}

/// The parser's one-line message at its line and column, moved to the document's place in the buffer.
fn syntax_problem(e: &serde_saphyr::Error, first_line: usize) -> Problem {
    let location = e.location();
    let rendered = e.to_string();
    let head = rendered.lines().next().unwrap_or_default();
    // "error: line 3 column 2: illegal placement of ':' indicator" → the part after the position.
    let message = head.splitn(3, ": ").nth(2).unwrap_or(head).to_string();
    let line = location.map(|l| l.line() as usize).unwrap_or(1).saturating_sub(1);
    let column = location.map(|l| l.column() as usize).unwrap_or(0);
    Problem { line: first_line + line, column, message, warning: false }
}

fn object_problems(lines: &[String], range: &Range<usize>, value: &Value, known: &KnownKinds) -> Vec<Problem> {
    let at = |path: &str| locate::line_of(lines, range.clone(), path).unwrap_or(range.start);
    let problem = Problem::on;
    if !value.is_object() {
        return vec![problem(range.start, "a manifest must be a mapping (apiVersion, kind, metadata, …)".into())];
    }
    let mut out = Vec::new();
    let api_version = value["apiVersion"].as_str().filter(|s| !s.is_empty());
    let kind = value["kind"].as_str().filter(|s| !s.is_empty());
    if api_version.is_none() {
        out.push(problem(at("apiVersion"), "apiVersion is missing".into()));
    }
    if kind.is_none() {
        out.push(problem(at("kind"), "kind is missing".into()));
    }
    if let (Some(api_version), Some(kind)) = (api_version, kind)
        && !known.is_empty()
        && !known.contains(&(api_version.to_string(), kind.to_string()))
    {
        let served: Vec<&str> = known.iter().filter(|(_, k)| k == kind).map(|(v, _)| v.as_str()).collect();
        let message = if served.is_empty() {
            format!("kind {kind} is not served by this cluster (yet: a CRD in this buffer may bring it)")
        } else {
            format!("{kind} is served as {}, not {api_version}", served.join(" or "))
        };
        out.push(Problem { warning: true, ..problem(at("kind"), message) });
    }
    if value["metadata"]["name"].as_str().is_none_or(str::is_empty) {
        out.push(problem(at("metadata"), "metadata.name is missing".into()));
    }
    out
}

/// Metadata fields the server sets, removed before editing: sending them back would pin stale values.
const SERVER_METADATA: &[&str] =
    &["managedFields", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "deletionTimestamp"];
/// Client-side apply's copy of the whole object, Secret data included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
const SERVER_ANNOTATIONS: &[&str] = &[LAST_APPLIED, "deployment.kubernetes.io/revision"];

/// A live object as an operator should edit it: without status and without what the server sets.
pub fn clean_for_edit(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.remove("status");
    }
    if let Some(meta) = value["metadata"].as_object_mut() {
        for field in SERVER_METADATA {
            meta.remove(*field);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for a in SERVER_ANNOTATIONS {
                annotations.remove(*a);
            }
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    value
}

/// Lines holding Secret values: everything under a Secret document's top-level `data:` and `stringData:` (flow
/// style on the key's own line included). Found from the text alone, so a buffer that does not parse yet is still
/// masked; when unsure whether a document is a Secret, it is treated as one.
pub fn secret_lines(lines: &[String]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for doc in document_ranges(lines) {
        if !lines[doc.clone()].iter().any(|l| names_secret_kind(l)) {
            continue;
        }
        let mut i = doc.start;
        while i < doc.end {
            let section = secret_section(&lines[i]);
            i += 1;
            match section {
                Some(Section::Flow) => out.push(i - 1..i),
                Some(Section::Block) => {
                    let start = i;
                    // The section runs until the next top-level key; comments and blank lines stay inside it.
                    while i < doc.end && !starts_top_level_key(&lines[i]) {
                        i += 1;
                    }
                    out.push(start..i);
                }
                None => {}
            }
        }
    }
    out
}

/// `kind: Secret`, quoted or not, with or without a comment.
fn names_secret_kind(line: &str) -> bool {
    let Some(value) = line.strip_prefix("kind:") else { return false };
    let value = value.split(" #").next().unwrap_or_default().trim().trim_matches(['"', '\'']);
    value == "Secret"
}

enum Section {
    /// `data:` with the values on the lines below.
    Block,
    /// `data: {…}` on one line.
    Flow,
}

fn secret_section(line: &str) -> Option<Section> {
    let rest = line.strip_prefix("data:").or_else(|| line.strip_prefix("stringData:"))?;
    let rest = rest.split(" #").next().unwrap_or_default().trim();
    Some(if rest.is_empty() { Section::Block } else { Section::Flow })
}

fn starts_top_level_key(line: &str) -> bool {
    line.chars().next().is_some_and(|c| c != ' ' && c != '#' && c != '\t')
}

/// A masked line: its key (or its section key) kept, everything after it hidden.
pub fn mask_value(line: &str) -> String {
    let indent = &line[..line.len() - line.trim_start().len()];
    match line.find(':') {
        Some(at) if !line.trim_start().starts_with('#') => format!("{}: ••••••••", &line[..at]),
        _ if line.trim().is_empty() => line.to_string(),
        _ => format!("{indent}••••••••"),
    }
}

/// Live and proposed objects as comparable YAML: status and server bookkeeping stripped from both, Secret values
/// replaced by a short fingerprint so a diff shows that a value changed without showing it.
pub fn comparable_yaml(value: Option<&Value>) -> String {
    let Some(value) = value else { return String::new() };
    let mut value = clean_for_edit(value.clone());
    if value["kind"] == "Secret" {
        for section in ["data", "stringData"] {
            if let Some(map) = value.get_mut(section).and_then(Value::as_object_mut) {
                for v in map.values_mut() {
                    *v = Value::String(format!("<hidden, fingerprint {:08x}>", fingerprint(&v.to_string())));
                }
            }
        }
    }
    serde_saphyr::to_string(&value).unwrap_or_default()
}

/// FNV-1a folded to 32 bits: enough to tell two values apart in a diff. It is not a secure hash; a low-entropy
/// value (a PIN) could be guessed from it, which is why the review shows it only to whoever may read the Secret.
fn fingerprint(text: &str) -> u32 {
    let hash = fnv64(text);
    (hash ^ (hash >> 32)) as u32
}

fn fnv64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// What a review saw of a live object: a hash of the text the diff compared (status and server bookkeeping left
/// out, so a status update alone does not count as a change).
pub fn content_version(live: Option<&Value>) -> u64 {
    fnv64(&comparable_yaml(live))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    fn known() -> KnownKinds {
        [("apps/v1", "Deployment"), ("v1", "ConfigMap")].iter().map(|(a, k)| (a.to_string(), k.to_string())).collect()
    }

    #[test]
    fn resources_are_named_as_kubectl_names_them() {
        let r = |kind: &str, plural: &str| KnownResource {
            api_version: "v1".into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced: true,
            ..KnownResource::default()
        };
        let cm = r("ConfigMap", "configmaps");
        for word in ["ConfigMap", "configmap", "configmaps", "cm", "config"] {
            assert!(cm.named(word), "{word}");
        }
        assert!(!cm.named("co") && !cm.named("svc"));
        assert!(r("StatefulSet", "statefulsets").named("sts"));
        let trainjobs = KnownResource {
            api_version: "kubeflow.org/v1".into(),
            kind: "TrainJob".into(),
            plural: "trainjobs".into(),
            singular: "trainjob".into(),
            short_names: vec!["tj".into()],
            namespaced: true,
            ..KnownResource::default()
        };
        for word in ["trainjobs", "trainjob", "TrainJob", "tj", "trainjobs.kubeflow.org", "tj.kubeflow.org"] {
            assert!(trainjobs.names_exactly(&word.to_lowercase()), "{word}");
        }
        assert!(!trainjobs.names_exactly("trainjobs.batch"), "another group's trainjobs");
        assert_eq!(trainjobs.list_path(Some("ml")), "/apis/kubeflow.org/v1/namespaces/ml/trainjobs");
        assert_eq!(cm.list_path(None), "/api/v1/configmaps");
        assert_eq!(trainjobs.names().collect::<Vec<_>>(), ["trainjobs", "trainjob", "tj"]);
    }

    #[test]
    fn documents_split_at_separators_and_skip_empty_ones() {
        let buffer = lines("# leading comment\n---\na: 1\n---\n\n---\nb: 2\nc: 3\n");
        assert_eq!(document_ranges(&buffer), vec![2..3, 6..8]);
    }

    #[test]
    fn a_syntax_error_points_at_its_line_and_column_in_the_buffer() {
        let buffer = lines(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: [ConfigMap\nx: 1\n",
        );
        let checked = check(&buffer, &known());
        assert_eq!(checked.documents.len(), 1, "the good document still parses");
        assert_eq!(checked.problems.len(), 1);
        let p = &checked.problems[0];
        assert_eq!((p.line, p.column), (7, 2), "{p:?}");
        assert!(p.message.contains("':'"), "{p:?}");
    }

    #[test]
    fn a_list_counts_as_its_items_each_on_its_own_lines() {
        let buffer = lines(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    labels: {}\nmetadata:\n  resourceVersion: \"\"\n",
        );
        let checked = check(&buffer, &known());
        assert_eq!(checked.documents.len(), 1);
        assert_eq!(
            (checked.documents[0].lines.clone(), &checked.documents[0].value["metadata"]["name"]),
            (3..7, &json!("a"))
        );
        assert_eq!(
            checked.problems,
            vec![Problem::on(9, "metadata.name is missing".into())],
            "pinned inside the second item"
        );
    }

    #[test]
    fn missing_and_unknown_fields_are_pinned_to_their_lines() {
        let buffer = lines("apiVersion: apps/v1beta9\nkind: Deployment\nmetadata:\n  labels: {}\nspec: {}\n");
        let checked = check(&buffer, &known());
        let found: Vec<(usize, &str)> = checked.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(
            found,
            vec![(1, "Deployment is served as apps/v1, not apps/v1beta9"), (2, "metadata.name is missing")]
        );
        let checked = check(&lines("kind: Gadget\nmetadata:\n  name: x\n"), &known());
        assert_eq!(checked.problems[0].message, "apiVersion is missing");
        let checked = check(&lines("apiVersion: v1\nkind: Gadget\nmetadata:\n  name: x\n"), &known());
        let gadget = &checked.problems[0];
        assert!(
            gadget.warning && gadget.line == 1 && gadget.message.starts_with("kind Gadget is not served"),
            "{gadget:?}"
        );
        assert_eq!(checked.documents.len(), 1, "an unknown kind warns; the server decides");
        let unknown_yet = check(&lines("apiVersion: v1\nkind: Gadget\nmetadata:\n  name: x\n"), &KnownKinds::new());
        assert!(unknown_yet.problems.is_empty(), "before discovery answers, kinds are not judged");
    }

    #[test]
    fn cleaning_drops_status_and_server_fields_but_keeps_what_the_operator_owns() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ml",
            "uid": "u", "resourceVersion": "7", "managedFields": [{}], "labels": {"x": "y"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}}, "data": {"k": "v"}, "status": {}});
        assert_eq!(
            clean_for_edit(live),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ml",
                "labels": {"x": "y"}}, "data": {"k": "v"}})
        );
    }

    #[test]
    fn a_status_update_is_not_a_change_to_what_was_reviewed() {
        let live = json!({"kind": "Deployment", "metadata": {"name": "web", "resourceVersion": "7", "generation": 2},
            "spec": {"replicas": 3}, "status": {"readyReplicas": 1}});
        let mut status_moved = live.clone();
        status_moved["status"]["readyReplicas"] = json!(3);
        status_moved["metadata"]["resourceVersion"] = json!("8");
        assert_eq!(content_version(Some(&live)), content_version(Some(&status_moved)));
        let mut spec_moved = live.clone();
        spec_moved["spec"]["replicas"] = json!(5);
        assert_ne!(content_version(Some(&live)), content_version(Some(&spec_moved)));
        assert_ne!(content_version(Some(&live)), content_version(None));
    }

    #[test]
    fn secret_values_are_found_and_masked() {
        let buffer = lines(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n  user: YWRtaW4=\ntype: Opaque\n---\nkind: ConfigMap\ndata:\n  k: v\n",
        );
        assert_eq!(secret_lines(&buffer), vec![5..7]);
        assert_eq!(mask_value("  password: aHVudGVyMg=="), "  password: ••••••••");
        assert_eq!(mask_value("    aHVudGVyMg=="), "    ••••••••", "a block scalar's body");
        let odd = lines(
            "kind: \"Secret\" # quoted\ndata: {password: aHVudGVyMg==}\n---\nkind: Secret\nstringData:\n# a comment\n  token: abc\n\n  other: def\ntype: Opaque\n",
        );
        assert_eq!(secret_lines(&odd), vec![1..2, 5..9], "flow style, comments and blank lines inside a section");
        let a = comparable_yaml(Some(&json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}})));
        let b = comparable_yaml(Some(&json!({"kind": "Secret", "data": {"password": "c2VjcmV0"}})));
        assert!(!a.contains("aHVudGVyMg") && a.contains("<hidden, fingerprint"), "{a}");
        assert_ne!(a, b, "a changed value still shows as changed");
    }
}
