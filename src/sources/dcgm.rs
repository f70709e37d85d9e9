//! Cluster GPU metrics from the DCGM exporter, read through the API server's proxy every 10 s. A service proxy
//! reaches one endpoint only, so each exporter pod (found by the service's selector) is scraped on its node; the
//! service itself is scraped when its pods cannot be listed. Or, when configured, one PromQL query to the cluster's
//! Prometheus, which has scraped them all already.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::ListParams;
use kube::{Api, Client};
use serde::Deserialize;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::event::{Data, Event};
use crate::model::dcgm::Scrape;

/// Which exporter to scrape, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcgmSettings {
    pub namespace: String,
    pub service: String,
    pub every: Duration,
    /// A Prometheus service, `namespace/name:port`, to query instead of scraping the exporters.
    pub prometheus: Option<String>,
}

impl Default for DcgmSettings {
    fn default() -> Self {
        DcgmSettings {
            namespace: "gpu-operator".into(),
            service: "nvidia-dcgm-exporter".into(),
            every: Duration::from_secs(10),
            prometheus: None,
        }
    }
}

/// Exporter pods scraped at once: enough for 500 nodes inside one period, few enough not to crowd the API server.
const CONCURRENT: usize = 16;

/// How long one exporter (or Prometheus) may take. The API server answers 503 for an exporter it cannot reach, and
/// kube's client retries 503s with back-off for minutes; one unreachable node must not hold the whole scrape that
/// long.
const PER_EXPORTER: Duration = Duration::from_secs(5);

/// Scrapes every `every` (the app loop changes it with focus: a shorter one takes effect at once).
pub fn spawn(
    client: Client,
    settings: DcgmSettings,
    mut every: watch::Receiver<Duration>,
    tx: UnboundedSender<Event>,
) -> AbortHandle {
    tokio::spawn(async move {
        loop {
            let started = tokio::time::Instant::now();
            let data = Data::Dcgm(scrape(&client, &settings).await);
            if tx.send(Event::Data(data)).is_err() {
                return;
            }
            loop {
                let next = started + *every.borrow_and_update();
                tokio::select! {
                    _ = tokio::time::sleep_until(next) => break,
                    changed = every.changed() => if changed.is_err() { return },
                }
            }
        }
    })
    .abort_handle()
}

/// One round: every exporter pod, or the service when the pods cannot be found, or Prometheus when configured.
pub async fn scrape(client: &Client, settings: &DcgmSettings) -> Result<Scrape, String> {
    if let Some(prometheus) = &settings.prometheus {
        return query_prometheus(client, prometheus).await;
    }
    let (ns, name) = (&settings.namespace, &settings.service);
    let service = Api::<Service>::namespaced(client.clone(), ns).get(name).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => {
            format!("no DCGM exporter: service {ns}/{name} not found (dcgm-service in config.toml names another)")
        }
        other => format!("get service {ns}/{name}: {}", message(other)),
    })?;
    let spec = service.spec.unwrap_or_default();
    let port = spec.ports.unwrap_or_default().into_iter().min_by_key(|p| p.name.as_deref() != Some("metrics"));
    let service_port = port.as_ref().map(|p| p.port.to_string()).unwrap_or_default();
    let pod_port = port.and_then(|p| match p.target_port {
        Some(IntOrString::Int(n)) => Some(n.to_string()),
        Some(IntOrString::String(_)) => None,
        None => Some(p.port.to_string()),
    });
    let selector = spec.selector.unwrap_or_default();
    let exporters = match (&pod_port, selector.is_empty()) {
        (Some(_), false) => exporter_pods(client, ns, &selector).await.unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut scrape = Scrape::default();
    if exporters.is_empty() {
        let path = format!("/api/v1/namespaces/{ns}/services/{name}:{service_port}/proxy/metrics");
        let text = get_text(client, &path).await.map_err(|e| format!("scrape service {ns}/{name}: {e}"))?;
        scrape.fold(&text, None);
        scrape.exporters = 1;
        return Ok(scrape);
    }
    let port = pod_port.unwrap_or_default();
    let mut results = futures_util::stream::iter(exporters)
        .map(|(pod, node)| {
            let path = format!("/api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/metrics");
            async move { (pod, node, within(PER_EXPORTER, get_text(client, &path)).await) }
        })
        .buffer_unordered(CONCURRENT);
    while let Some((pod, node, result)) = results.next().await {
        match result {
            Ok(text) => {
                scrape.fold(&text, Some(&node));
                scrape.exporters += 1;
            }
            // A refusal is the same for every exporter: one is enough to say so, not 500 requests a round.
            Err(e) if e.starts_with(FORBIDDEN) => return Err(format!("scrape exporter pod {ns}/{pod}: {e}")),
            Err(e) => scrape.failures.push((node, format!("pod {pod}: {e}"))),
        }
    }
    match (scrape.exporters, scrape.failures.first()) {
        (0, Some((node, why))) => Err(format!("scrape exporter pods in {ns}: {node} {why}")),
        _ => Ok(scrape),
    }
}

/// `future`'s outcome, or a clear error once `limit` has passed.
async fn within(limit: Duration, future: impl Future<Output = Result<String, String>>) -> Result<String, String> {
    tokio::time::timeout(limit, future).await.unwrap_or_else(|_| Err(format!("no answer within {} s", limit.as_secs())))
}

/// Prometheus' answer to an instant query (`/api/v1/query`).
#[derive(Deserialize)]
struct PromAnswer {
    status: String,
    #[serde(default)]
    data: Option<PromData>,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct PromData {
    result: Vec<PromSample>,
}

#[derive(Deserialize)]
struct PromSample {
    metric: HashMap<String, String>,
    /// (unix time, value as text).
    value: (f64, String),
}

/// Every DCGM metric the pane reads, in one instant query to `namespace/name:port` through the service proxy.
async fn query_prometheus(client: &Client, service: &str) -> Result<Scrape, String> {
    let Some((ns, name)) = service.split_once('/') else {
        return Err(format!("prometheus-service \"{service}\" must be NAMESPACE/NAME:PORT"));
    };
    let names: Vec<&str> = crate::model::dcgm::metric_names().collect();
    let promql = format!("{{__name__=~\"{}\"}}", names.join("|"));
    let path = format!("/api/v1/namespaces/{ns}/services/{name}/proxy/api/v1/query?query={}", url_encode(&promql));
    let text =
        within(PER_EXPORTER, get_text(client, &path)).await.map_err(|e| format!("query Prometheus {service}: {e}"))?;
    let answer: PromAnswer =
        serde_json::from_str(&text).map_err(|e| format!("Prometheus {service} answered something else: {e}"))?;
    let data = match (answer.status.as_str(), answer.data) {
        ("success", Some(data)) => data,
        _ => return Err(format!("Prometheus {service}: {}", answer.error)),
    };
    let mut scrape = Scrape::default();
    scrape.via = Some(service.to_string());
    for sample in &data.result {
        let Some(metric) = sample.metric.get("__name__") else { continue };
        let Ok(value) = sample.value.1.parse::<f64>() else {
            scrape.malformed += 1;
            continue;
        };
        scrape.fold_sample(metric, sample.metric.iter().map(|(k, v)| (k.as_str(), v.as_str())), value);
    }
    Ok(scrape)
}

/// Percent-encodes a query parameter value (everything but unreserved characters).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Running exporter pods with the node each runs on.
async fn exporter_pods(
    client: &Client,
    ns: &str,
    selector: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, kube::Error> {
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let pods =
        Api::<Pod>::namespaced(client.clone(), ns).list(&ListParams::default().labels(&labels.join(","))).await?;
    Ok(pods
        .items
        .into_iter()
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter_map(|p| Some((p.metadata.name?, p.spec?.node_name?)))
        .collect())
}

async fn get_text(client: &Client, path: &str) -> Result<String, String> {
    let request = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
    client.request_text(request).await.map_err(message)
}

/// How a refusal's message starts, so one refusal ends the round.
const FORBIDDEN: &str = "forbidden: ";

/// The API server's own words for a refusal (they name the verb and resource); others as kube says them.
fn message(e: kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!("{FORBIDDEN}{}", s.message),
        kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
        other => other.to_string(),
    }
}
