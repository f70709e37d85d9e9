//! What reaches the app loop: terminal input, the clock, and data from sources (facts from outside).

use std::collections::HashMap;

use crossterm::event::KeyEvent;

use crate::model::Delta;
use crate::model::events::WarningEvent;
use crate::model::logs::{LogLine, LogTarget};
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::table::ResourceRow;
use crate::model::workloads::{WorkloadKind, WorkloadRow};

/// The objects triage judges between the pods, as each watch sends them.
#[derive(Debug)]
pub enum Facts {
    Services(Delta<crate::model::services::ServiceFacts>),
    Slices(Delta<crate::model::services::SliceFacts>),
    Ingresses(Delta<crate::model::services::IngressFacts>),
    Secrets(Delta<crate::model::tls::TlsSecret>),
    Claims(Delta<crate::model::storage::ClaimFacts>),
    Volumes(Delta<crate::model::storage::VolumeFacts>),
    Policies(Delta<crate::model::policies::PolicyFacts>),
    Autoscalers(Delta<crate::model::policies::AutoscalerFacts>),
    DaemonSets(Delta<crate::model::nodelayer::DaemonSetFacts>),
    Leases(Delta<crate::model::nodelayer::LeaseFacts>),
}

/// Pod usage by namespace, then name: looked up per row by borrowed strings, with no key built per lookup.
pub type PodUsage = HashMap<String, HashMap<String, (u64, u64)>>;

pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The 1 Hz clock, in unix seconds (the only time the UI shows).
    Tick(i64),
    Data(Data),
    /// SIGTERM/SIGHUP (an SSH drop): leave cleanly.
    Terminate,
    /// A context switch produced a client: the loop restarts the watches with it.
    Connected(String, kube::Client),
}

impl Event {
    /// What the operator did (a key, a resize): drawn at once, never held back to batch data.
    pub fn is_input(&self) -> bool {
        matches!(self, Event::Key(_) | Event::Resize(..) | Event::Terminate)
    }
}

/// An object the console can fetch, describe or show as YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Pod,
    Node,
    Deployment,
    StatefulSet,
    Job,
}

impl ObjectKind {
    /// The kinds a pane shows, by their API name.
    pub fn from_kind(kind: &str) -> Option<ObjectKind> {
        Some(match kind {
            "Pod" => ObjectKind::Pod,
            "Node" => ObjectKind::Node,
            "Deployment" => ObjectKind::Deployment,
            "StatefulSet" => ObjectKind::StatefulSet,
            "Job" => ObjectKind::Job,
            _ => return None,
        })
    }

    /// The apiVersion and kind the API names this kind by.
    pub fn api_kind(self) -> (&'static str, &'static str) {
        match self {
            ObjectKind::Pod => ("v1", "Pod"),
            ObjectKind::Node => ("v1", "Node"),
            ObjectKind::Deployment => ("apps/v1", "Deployment"),
            ObjectKind::StatefulSet => ("apps/v1", "StatefulSet"),
            ObjectKind::Job => ("batch/v1", "Job"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Pod => "pod",
            ObjectKind::Node => "node",
            ObjectKind::Deployment => "deployment",
            ObjectKind::StatefulSet => "statefulset",
            ObjectKind::Job => "job",
        }
    }
}

/// Any object by apiVersion and kind, as the editor fetches whatever discovery knows (`:edit secret/db`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectAddress {
    pub api_version: String,
    pub kind: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    /// `deployment ml/web`, as messages name an object.
    pub fn title(&self) -> String {
        ObjectAddress::from(self).title()
    }
}

impl ObjectAddress {
    pub fn node(name: &str) -> ObjectAddress {
        ObjectAddress { api_version: "v1".into(), kind: "Node".into(), namespace: String::new(), name: name.into() }
    }

    pub fn pod(namespace: &str, name: &str) -> ObjectAddress {
        ObjectAddress { api_version: "v1".into(), kind: "Pod".into(), namespace: namespace.into(), name: name.into() }
    }

    /// `deployment ml/web`, or `node gpu-01` for a cluster-scoped object.
    pub fn title(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.namespace.is_empty() {
            format!("{kind} {}", self.name)
        } else {
            format!("{kind} {}/{}", self.namespace, self.name)
        }
    }
}

impl From<&ObjectRef> for ObjectAddress {
    fn from(o: &ObjectRef) -> Self {
        let (api_version, kind) = o.kind.api_kind();
        ObjectAddress {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: o.namespace.clone(),
            name: o.name.clone(),
        }
    }
}

/// One-shot IO a reducer asks for; the app loop runs it and its outcome comes back as `Data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    SwitchContext(String),
    /// `generation` lets the state drop a late answer to a request it has since replaced.
    Describe {
        address: ObjectAddress,
        generation: u64,
    },
    Yaml {
        address: ObjectAddress,
        generation: u64,
    },
    /// Stream a pod's logs as `generation`, replacing any stream before it.
    Logs {
        target: LogTarget,
        generation: u64,
    },
    /// The logs view closed: stop its stream.
    StopLogs,
    /// Write log lines to a file.
    SaveLogs {
        path: String,
        lines: Vec<String>,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Fetch an object's YAML, cleaned for editing, for the in-TUI editor or (`external`) for $EDITOR.
    Edit {
        address: ObjectAddress,
        generation: u64,
        external: bool,
    },
    /// Read a local manifest file into the editor (`:apply FILE`).
    ReadManifest {
        path: String,
        generation: u64,
    },
    /// Suspend the console and edit `text` in $EDITOR; run by the app loop, which owns the terminal.
    ExternalEditor {
        text: String,
        generation: u64,
    },
    /// Server-side apply (field manager gpudeck) of each document in order, with dryRun=All when `dry_run`.
    /// `reviewed` (empty for a dry-run) is what the review saw of each live object: a document whose object has
    /// changed since is not applied.
    Apply {
        documents: Vec<serde_json::Value>,
        reviewed: Vec<Option<u64>>,
        dry_run: bool,
        force: bool,
        generation: u64,
    },
    /// Set a workload's replicas (a job's parallelism).
    Scale {
        target: ObjectRef,
        replicas: i32,
    },
    /// `kubectl rollout restart`: stamp the pod template so every pod is replaced.
    Restart {
        target: ObjectRef,
    },
    /// Find a HorizontalPodAutoscaler that manages `target`, for the scale prompt's warning.
    LookupHpa {
        target: ObjectRef,
    },
    /// Keep the editor's unapplied text in the recovery file (None: remove the file).
    Autosave(Option<String>),
    /// Stop sending the documents of the apply in flight.
    CancelApply,
    /// Read Helm's release records, compare a release's objects, roll back or unlock (`effects/helm.rs`).
    Helm(crate::model::helm::ops::HelmEffect),
    /// Read a workload's rollout history and its images' provenance, undo, pause or resume (`effects/history.rs`).
    History(crate::model::history::ops::HistoryEffect),
    /// Answer with `Data::Wake(token)` after the editor's quiet time (debounced validation and autosave).
    Wake {
        token: u64,
    },
    /// List a registry's repositories, then their tags; `known` are listed instead when it serves no catalog.
    BrowseRegistry {
        registry: String,
        known: Vec<String>,
    },
    /// Fetch a manifest with each platform's size and config, for the detail view `generation`.
    RegistryManifest {
        registry: String,
        repository: String,
        reference: String,
        generation: u64,
    },
    /// Ask an image's registry whether it has what a pod cannot pull, for a node of `platform`.
    CheckImage {
        image: String,
        platform: Option<String>,
    },
    /// List the model and the images the inference pane offers, decoded for their previews.
    LoadSamples {
        model: crate::infer::bundle::ModelSource,
        images: crate::infer::images::ImageSource,
    },
    /// Run a local validation; a newer run makes this one's late progress stale.
    Infer {
        generation: u64,
        options: Box<crate::infer::run::Options>,
    },
    /// Create validation Job `job` for run `run` and follow it until its pod runs.
    Validate {
        run: u64,
        job: serde_json::Value,
        /// Cordon this node before creating the Job (`:requalify`).
        cordon: Option<String>,
    },
    /// Set one label on a node (its verdict); answers as `Data::Mutated` of the node `uid`.
    LabelNode {
        node: String,
        uid: String,
        label: String,
        value: String,
    },
    /// An interactive session (shell, attach, node shell, debug): run by the app loop, which hands it the terminal
    /// and answers `Data::SessionEnded` once it has the terminal back.
    Session(Box<crate::model::session::Session>),
    /// Start the node shell's Job on `node` and wait for its pod; answers `Data::SessionReady`.
    StartNodeShell {
        node: String,
        shell: crate::model::session::NodeShell,
    },
    /// Add an ephemeral debug container to a pod and wait for it to run; answers `Data::SessionReady`.
    StartDebug {
        namespace: String,
        pod: String,
        image: String,
        target: Option<String>,
    },
    /// Start these port-forwards; each reports as `Data::Forward` until stopped or the console exits.
    Forward(Vec<crate::model::forward::ForwardSpec>),
    StopForward(u64),
    /// Cordon, uncordon, delete, evict, label or taint each target; answers one `Data::Operated`.
    Operate {
        operation: crate::model::operation::Operation,
        targets: Vec<ObjectAddress>,
    },
    /// The PodDisruptionBudgets of these namespaces, for drain preview `generation`; answers `Data::Budgets`.
    LoadBudgets {
        namespaces: Vec<String>,
        generation: u64,
    },
    /// Cordon `nodes`, then evict (or delete) `pods`, following each until gone; answers `Data::Drain` updates,
    /// the last one `Finished`.
    Drain {
        nodes: Vec<String>,
        pods: Vec<crate::model::drain::Evictee>,
        options: crate::model::drain::DrainOptions,
        generation: u64,
    },
    /// Stop sending evictions for the running drain (those sent are not undone).
    StopDrain,
    /// Ask discovery again (a `:RESOURCE` the last answer did not know: a CRD created since); answers `Data::Kinds`.
    Discover,
    /// Ask these nodes' kubelets how full the claims mounted there are (`/stats/summary` through the node proxy).
    VolumeStats {
        nodes: Vec<String>,
    },
    /// Keep the generic view `generation` live on `listing`, replacing any listing before it.
    Browse {
        listing: Listing,
        generation: u64,
    },
}

/// What one generic view lists: the resource, the namespace to fall back to when the whole cluster may not be
/// listed, and an optional field selector (`type=Warning` for events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub resource: crate::manifest::KnownResource,
    pub namespace: Option<String>,
    pub field_selector: Option<String>,
}

/// What a generic view's watch reports.
#[derive(Debug)]
pub enum BrowseUpdate {
    /// A page of the list: the first replaces what was shown (`delta.reset`); `complete` on the last.
    Listed { columns: Vec<String>, delta: Delta<ResourceRow>, complete: bool },
    /// Objects changed since the list.
    Changed(Delta<ResourceRow>),
    /// The list or watch failed; it is tried again, and the rows shown so far stay.
    Failed(String),
    /// Something the operator should know that is not a failure (the view narrowed to a namespace).
    Note(String),
}

#[derive(Debug)]
pub enum Data {
    /// Helm's release records and what was asked of them.
    Helm(crate::model::helm::ops::HelmData),
    /// A workload's rollout history and what was asked of it.
    History(crate::model::history::ops::HistoryData),
    /// Objects triage judges that no pane lists (Services, claims, policies…), one kind per delta.
    Facts(Facts),
    /// A node's kubelet's answer to the stats summary: each mounted claim's usage, or why there is none.
    VolumeStats {
        node: String,
        usage: Result<crate::model::storage::ClaimUsage, String>,
    },
    /// The API server's `/version` (`v1.32.4`), for kubelet version skew.
    ServerVersion(String),
    /// A registry's catalog (Err: why it serves none to us).
    Catalog {
        registry: String,
        repositories: Result<Vec<String>, String>,
    },
    /// Tags of some repositories of a registry, a batch at a time.
    Tags {
        registry: String,
        tags: Vec<(String, Result<Vec<String>, String>)>,
    },
    /// The manifest asked for by detail view `generation`.
    Manifest {
        generation: u64,
        detail: Result<crate::model::registry::ManifestDetail, String>,
    },
    /// What the registry says about an image pods cannot pull.
    ImageChecked {
        image: String,
        verdict: crate::model::registry::PullVerdict,
    },
    /// The inference pane's model and images (Err: why the model or the directory could not be read).
    Samples(Result<Box<crate::infer::run::Catalogue>, String>),
    /// How far local validation `generation` has got.
    InferProgress {
        generation: u64,
        progress: crate::infer::run::Progress,
    },
    /// Local validation `generation` finished (Err: why it could not run).
    Inferred {
        generation: u64,
        report: Result<Box<crate::infer::report::Report>, String>,
    },
    Pods(Delta<PodRow>),
    Nodes(Delta<NodeRow>),
    Workloads(WorkloadKind, Delta<WorkloadRow>),
    /// A watch failed (it retries with back-off); the message says why.
    SourceError {
        resource: &'static str,
        message: String,
    },
    Namespaces(Vec<String>),
    /// Warning events (the watch asks the server for `type=Warning` only).
    Warnings(Delta<WarningEvent>),
    /// metrics.k8s.io usage: (CPU millicores, memory bytes) per pod and per node.
    Metrics {
        pods: PodUsage,
        nodes: HashMap<String, (u64, u64)>,
    },
    /// The cluster serves no metrics API (or it failed): usage columns stay empty, with this reason.
    MetricsUnavailable(String),
    /// One DCGM scrape of the cluster's GPUs (Err: why the exporter could not be read).
    Dcgm(Result<crate::model::dcgm::Scrape, String>),
    /// One NVML sample of this machine's GPUs (Err: why NVML is unavailable).
    LocalGpus(Result<Vec<crate::model::gpu::LocalGpu>, String>),
    /// A describe or YAML text fetched for request `generation` (Err: why it could not be).
    Document {
        title: String,
        text: Result<String, String>,
        /// YAML (highlighted) rather than describe text.
        yaml: bool,
        generation: u64,
    },
    /// A log stream started: what it turned out to be (container, previous instance).
    LogStream {
        generation: u64,
        described: String,
    },
    /// Lines of log stream `generation`, in order.
    LogLines {
        generation: u64,
        lines: Vec<LogLine>,
    },
    /// Log stream `generation` ended, and why.
    LogEnded {
        generation: u64,
        why: String,
    },
    /// Log lines were written to `path` (or why not).
    LogsSaved {
        path: String,
        lines: usize,
        error: Option<String>,
    },
    /// The resources the cluster serves, from discovery (for validation and `:edit KIND/NAME`).
    Kinds(Vec<crate::manifest::KnownResource>),
    /// YAML to edit (Err: why it could not be fetched or read).
    EditText {
        generation: u64,
        title: String,
        text: Result<String, String>,
        external: bool,
    },
    /// What $EDITOR left in the file (Err: why it could not run).
    ExternalEdited {
        generation: u64,
        text: Result<String, String>,
    },
    /// The outcome of one document of an apply or dry-run, in the order sent.
    Applied {
        generation: u64,
        outcome: crate::model::mutation::DocOutcome,
    },
    /// A scale or restart of the workload `uid` finished; `what` says what it was.
    Mutated {
        uid: String,
        what: String,
        error: Option<crate::model::mutation::MutationError>,
    },
    /// A node shell's or debug container's pod is ready for its session (or why it is not).
    SessionReady(Result<Box<crate::model::session::Session>, String>),
    /// A session gave the terminal back: its exit code or why it failed, and what its cleanup could not remove.
    SessionEnded {
        title: String,
        result: Result<i32, String>,
        cleanup: Option<String>,
    },
    Forward {
        id: u64,
        event: crate::model::forward::ForwardEvent,
    },
    /// An `Effect::Operate` finished: `what` is the command, with one result per object.
    Operated {
        what: String,
        results: Vec<OperationResult>,
    },
    Budgets {
        generation: u64,
        budgets: Result<Vec<crate::model::drain::Budget>, String>,
    },
    Drain {
        generation: u64,
        update: crate::model::drain::DrainUpdate,
    },
    /// The recovery file could not be written: unapplied edits are not protected.
    AutosaveFailed(String),
    /// The autoscaler managing a workload (uid), if any: "hpa NAME (min–max)".
    Hpa {
        uid: String,
        hpa: Option<String>,
    },
    /// The editor's quiet time after edit `token` has passed.
    Wake(u64),
    /// How validation run `run` is getting on.
    Validation {
        run: u64,
        step: crate::model::validation::Step,
    },
    /// What generic view `generation`'s watch reports.
    Browse {
        generation: u64,
        update: BrowseUpdate,
    },
    /// Connected to another context: every table starts over.
    Connected {
        context: String,
    },
    ConnectFailed {
        context: String,
        message: String,
    },
}

/// What one object of an operation came to: "cordoned", "deleted", "terminating (grace 30s)", or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationResult {
    /// `node gpu-01`.
    pub title: String,
    pub result: Result<String, crate::model::mutation::MutationError>,
}
