//! Kubernetes watches → row deltas. Each resource has one watcher task that converts objects to rows at the edge
//! and sends what changed at most four times a second, so a churning cluster never floods the UI.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    Event as KubeEvent, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Event, Facts};
use crate::manifest::KnownResource;
use crate::model::Delta;
use crate::model::events::WarningEvent;
use crate::model::nodes::NodeRow;
use crate::model::pods::PodRow;
use crate::model::workloads::{WorkloadKind, WorkloadRow};

/// The most often a resource's changes reach the UI.
const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Starts watches for every resource the console shows; aborting the handles stops them (context switch).
/// Every watch and poll of one cluster; DCGM is scraped as often as `dcgm_every` says.
pub fn spawn_all(
    client: &Client,
    tx: &UnboundedSender<Event>,
    dcgm: &super::dcgm::DcgmSettings,
    dcgm_every: tokio::sync::watch::Receiver<std::time::Duration>,
) -> Vec<AbortHandle> {
    vec![
        spawn(all::<Pod>(client), "pods", tx.clone(), pod_rows(), Data::Pods),
        spawn(all::<Node>(client), "nodes", tx.clone(), NodeRow::from_node, Data::Nodes),
        spawn(all::<Deployment>(client), "deployments", tx.clone(), WorkloadRow::from_deployment, |d| {
            Data::Workloads(WorkloadKind::Deployment, d)
        }),
        spawn(all::<StatefulSet>(client), "statefulsets", tx.clone(), WorkloadRow::from_statefulset, |d| {
            Data::Workloads(WorkloadKind::StatefulSet, d)
        }),
        spawn(all::<Job>(client), "jobs", tx.clone(), WorkloadRow::from_job, |d| Data::Workloads(WorkloadKind::Job, d)),
        spawn(
            Watched {
                api: Api::<KubeEvent>::all(client.clone()),
                config: watcher::Config::default().fields("type=Warning"),
            },
            "events",
            tx.clone(),
            WarningEvent::from_event,
            Data::Warnings,
        ),
        spawn_namespaces(Api::<Namespace>::all(client.clone()), tx.clone()),
        super::metrics::spawn(client.clone(), tx.clone()),
        super::dcgm::spawn(client.clone(), dcgm.clone(), dcgm_every, tx.clone()),
        spawn_discovery(client.clone(), tx.clone()),
        spawn_server_version(client.clone(), tx.clone()),
    ]
    .into_iter()
    .chain(spawn_between(client, tx))
    .chain(spawn_helm(client, tx))
    .collect()
}

/// Helm's release records in both of Helm 3's storages, and Helm 2's, summarised at the edge: a record's
/// manifest and chart never reach the console's state (a release's whole records are fetched when it is opened).
pub fn spawn_helm(client: &Client, tx: &UnboundedSender<Event>) -> Vec<AbortHandle> {
    use crate::model::helm::ops::HelmData;
    use crate::model::helm::{self, Revision, Storage};
    vec![
        spawn(
            Watched { api: Api::all(client.clone()), config: watcher::Config::default().fields(helm::SECRETS) },
            Storage::Secret.watch(),
            tx.clone(),
            Revision::from_secret,
            |d| Data::Helm(HelmData::Revisions(Storage::Secret, d)),
        ),
        spawn(
            Watched { api: Api::all(client.clone()), config: watcher::Config::default().labels(helm::CONFIGMAPS) },
            Storage::ConfigMap.watch(),
            tx.clone(),
            Revision::from_configmap,
            |d| Data::Helm(HelmData::Revisions(Storage::ConfigMap, d)),
        ),
        spawn(
            Watched { api: Api::all(client.clone()), config: watcher::Config::default().labels(helm::TILLER) },
            Storage::Tiller.watch(),
            tx.clone(),
            Revision::from_configmap,
            |d| Data::Helm(HelmData::Revisions(Storage::Tiller, d)),
        ),
    ]
}

/// The objects triage judges between the pods: what routes traffic, stores data, admits traffic and scales, and
/// the node layer's DaemonSets and Leases (listed, not watched: `sources/leases.rs`).
fn spawn_between(client: &Client, tx: &UnboundedSender<Event>) -> Vec<AbortHandle> {
    use crate::model::{nodelayer, policies, services, storage};
    vec![
        spawn(all::<Service>(client), "services", tx.clone(), services::ServiceFacts::from_service, |d| {
            Data::Facts(Facts::Services(d))
        }),
        spawn(all::<EndpointSlice>(client), "endpointslices", tx.clone(), services::SliceFacts::from_slice, |d| {
            Data::Facts(Facts::Slices(d))
        }),
        spawn(all::<Ingress>(client), "ingresses", tx.clone(), services::IngressFacts::from_ingress, |d| {
            Data::Facts(Facts::Ingresses(d))
        }),
        spawn(
            Watched {
                api: Api::<Secret>::all(client.clone()),
                config: watcher::Config::default().fields(crate::model::tls::TLS_SECRETS),
            },
            "secrets",
            tx.clone(),
            crate::model::tls::TlsSecret::from_secret,
            |d| Data::Facts(Facts::Secrets(d)),
        ),
        spawn(
            all::<PersistentVolumeClaim>(client),
            "persistentvolumeclaims",
            tx.clone(),
            storage::ClaimFacts::from_claim,
            |d| Data::Facts(Facts::Claims(d)),
        ),
        spawn(
            all::<PersistentVolume>(client),
            "persistentvolumes",
            tx.clone(),
            storage::VolumeFacts::from_volume,
            |d| Data::Facts(Facts::Volumes(d)),
        ),
        spawn(all::<NetworkPolicy>(client), "networkpolicies", tx.clone(), policies::PolicyFacts::from_policy, |d| {
            Data::Facts(Facts::Policies(d))
        }),
        spawn(
            all::<HorizontalPodAutoscaler>(client),
            "horizontalpodautoscalers",
            tx.clone(),
            policies::AutoscalerFacts::from_hpa,
            |d| Data::Facts(Facts::Autoscalers(d)),
        ),
        spawn(all::<DaemonSet>(client), "daemonsets", tx.clone(), nodelayer::DaemonSetFacts::from_daemonset, |d| {
            Data::Facts(Facts::DaemonSets(d))
        }),
        super::leases::spawn(client.clone(), tx.clone()),
    ]
}

/// The API server's version, once per connection (kubelet skew is measured against it).
fn spawn_server_version(client: Client, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        match client.apiserver_version().await {
            Ok(info) => {
                let _ = tx.send(Event::Data(Data::ServerVersion(crate::sanitize::clean(&info.git_version))));
            }
            Err(e) => tracing::warn!("no server version; kubelet skew is judged within pools only: {e}"),
        }
    })
    .abort_handle()
}

/// What the cluster serves, once per connection: the editor checks kinds against it. A failure only means
/// kinds go unchecked until the server answers an apply.
fn spawn_discovery(client: Client, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        match known_resources(&client).await {
            Ok(resources) => {
                let _ = tx.send(Event::Data(Data::Kinds(resources)));
            }
            Err(e) => tracing::warn!("discovery failed; kinds are not checked before apply: {e}"),
        }
    })
    .abort_handle()
}

/// Pods into rows, sharing image strings across every row the watch builds.
fn pod_rows() -> impl FnMut(&Pod) -> PodRow + Send + 'static {
    let mut interner = crate::model::pods::Interner::default();
    move |pod| PodRow::from_pod_interned(pod, &mut interner)
}

/// What one watcher watches: a resource across namespaces, and which of its objects.
struct Watched<K> {
    api: Api<K>,
    config: watcher::Config,
}

fn all<K: Resource<DynamicType = ()>>(client: &Client) -> Watched<K> {
    Watched { api: Api::all(client.clone()), config: watcher::Config::default() }
}

/// Namespace names for `:ns` completion; the whole (short) list is sent on every change.
fn spawn_namespaces(api: Api<Namespace>, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        let mut names = std::collections::BTreeSet::new();
        let mut events = watcher(api, watcher::Config::default()).default_backoff().boxed();
        while let Some(event) = events.next().await {
            match event {
                Ok(watcher::Event::Init) => names.clear(),
                Ok(watcher::Event::InitApply(ns) | watcher::Event::Apply(ns)) => {
                    names.insert(crate::sanitize::clean(ns.meta().name.as_deref().unwrap_or_default()));
                }
                Ok(watcher::Event::Delete(ns)) => {
                    names.remove(&crate::sanitize::clean(ns.meta().name.as_deref().unwrap_or_default()));
                }
                Ok(watcher::Event::InitDone) | Err(_) => {}
            }
            if tx.send(Event::Data(Data::Namespaces(names.iter().cloned().collect()))).is_err() {
                return;
            }
        }
    })
    .abort_handle()
}

/// Changes collected between flushes; a later change of the same object replaces an earlier one.
pub(super) struct Pending<R> {
    pub(super) reset: Option<Vec<R>>,
    pub(super) upserts: HashMap<String, R>,
    pub(super) deletes: Vec<String>,
}

impl<R> Default for Pending<R> {
    fn default() -> Self {
        Pending { reset: None, upserts: HashMap::new(), deletes: Vec::new() }
    }
}

impl<R> Pending<R> {
    pub(super) fn is_empty(&self) -> bool {
        self.reset.is_none() && self.upserts.is_empty() && self.deletes.is_empty()
    }

    pub(super) fn take(&mut self) -> Delta<R> {
        let pending = std::mem::take(self);
        match pending.reset {
            Some(mut all) => {
                all.extend(pending.upserts.into_values());
                Delta { reset: true, upserts: all, deletes: pending.deletes }
            }
            None => Delta { reset: false, upserts: pending.upserts.into_values().collect(), deletes: pending.deletes },
        }
    }
}

fn spawn<K, R>(
    Watched { api, config }: Watched<K>,
    resource: &'static str,
    tx: UnboundedSender<Event>,
    mut to_row: impl FnMut(&K) -> R + Send + 'static,
    wrap: fn(Delta<R>) -> Data,
) -> AbortHandle
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
    R: Send + 'static,
{
    tokio::spawn(async move {
        let mut events = watcher(api, config).default_backoff().boxed();
        let mut pending: Pending<R> = Pending::default();
        let mut listing: Option<Vec<R>> = None;
        let mut flush = tokio::time::interval(FLUSH_EVERY);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = events.next() => match event {
                    None => return,
                    Some(Ok(watcher::Event::Init)) => listing = Some(Vec::new()),
                    Some(Ok(watcher::Event::InitApply(obj))) => listing.get_or_insert_with(Vec::new).push(to_row(&obj)),
                    Some(Ok(watcher::Event::InitDone)) => {
                        pending = Pending { reset: Some(listing.take().unwrap_or_default()), ..Pending::default() };
                    }
                    Some(Ok(watcher::Event::Apply(obj))) => {
                        let uid = obj.meta().uid.clone().unwrap_or_default();
                        pending.upserts.insert(uid, to_row(&obj));
                    }
                    Some(Ok(watcher::Event::Delete(obj))) => {
                        let uid = obj.meta().uid.clone().unwrap_or_default();
                        pending.upserts.remove(&uid);
                        pending.deletes.push(uid);
                    }
                    Some(Err(e)) => {
                        let data = Data::SourceError { resource, message: e.to_string() };
                        if tx.send(Event::Data(data)).is_err() {
                            return;
                        }
                    }
                },
                _ = flush.tick() => {
                    if !pending.is_empty() && tx.send(Event::Data(wrap(pending.take()))).is_err() {
                        return;
                    }
                }
            }
        }
    })
    .abort_handle()
}

/// Every resource the cluster serves, in every served version (`autoscaling/v1` is as valid as `v2`).
/// Every resource of every served group version, with the short names and verbs that kube's discovery client
/// drops (`:tj` for a CRD's TrainJobs). Group versions are asked at once; one that fails (an aggregated API that is
/// down) is left out rather than failing the rest.
pub async fn known_resources(client: &Client) -> Result<Vec<KnownResource>, kube::Error> {
    let core = client.list_core_api_versions().await?;
    let groups = client.list_api_groups().await?;
    let versions = core
        .versions
        .iter()
        .cloned()
        .chain(groups.groups.iter().flat_map(|g| g.versions.iter().map(|v| v.group_version.clone())));
    let lists = futures_util::future::join_all(versions.map(|gv| async move {
        let list = if gv.contains('/') {
            client.list_api_group_resources(&gv).await
        } else {
            client.list_core_api_resources(&gv).await
        };
        (gv, list)
    }))
    .await;
    let mut out = Vec::new();
    for (api_version, list) in lists {
        let list = match list {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!("discovery of {api_version} failed: {e}");
                continue;
            }
        };
        for r in list.resources.into_iter().filter(|r| !r.name.contains('/')) {
            out.push(KnownResource {
                api_version: api_version.clone(),
                kind: r.kind,
                plural: r.name,
                namespaced: r.namespaced,
                singular: r.singular_name,
                short_names: r.short_names.unwrap_or_default(),
                verbs: r.verbs,
            });
        }
    }
    Ok(out)
}
