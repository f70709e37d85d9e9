//! Cluster GPU metrics from the DCGM exporter, scraped through the API server's proxy every 10 s. A service proxy
//! reaches one endpoint only, so each exporter pod (found by the service's selector) is scraped on its node; the
//! service itself is scraped when its pods cannot be listed.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::ListParams;
use kube::{Api, Client};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Event};
use crate::model::dcgm::Scrape;

/// Which exporter to scrape, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcgmSettings {
    pub namespace: String,
    pub service: String,
    pub every: Duration,
}

impl Default for DcgmSettings {
    fn default() -> Self {
        DcgmSettings {
            namespace: "gpu-operator".into(),
            service: "nvidia-dcgm-exporter".into(),
            every: Duration::from_secs(10),
        }
    }
}

/// Exporter pods scraped at once: enough for 500 nodes inside one period, few enough not to crowd the API server.
const CONCURRENT: usize = 16;

/// How long one exporter may take. The API server answers 503 for an exporter it cannot reach, and kube's client
/// retries 503s with back-off for minutes; one unreachable node must not hold the whole scrape that long.
const PER_EXPORTER: Duration = Duration::from_secs(5);

pub fn spawn(client: Client, settings: DcgmSettings, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        loop {
            let started = tokio::time::Instant::now();
            let data = Data::Dcgm(scrape(&client, &settings).await);
            if tx.send(Event::Data(data)).is_err() {
                return;
            }
            tokio::time::sleep_until(started + settings.every).await;
        }
    })
    .abort_handle()
}

/// One round: every exporter pod, or the service when the pods cannot be found.
pub async fn scrape(client: &Client, settings: &DcgmSettings) -> Result<Scrape, String> {
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
            async move {
                let text = match tokio::time::timeout(PER_EXPORTER, get_text(client, &path)).await {
                    Ok(result) => result,
                    Err(_) => Err(format!("no answer within {} s", PER_EXPORTER.as_secs())),
                };
                (pod, node, text)
            }
        })
        .buffer_unordered(CONCURRENT);
    while let Some((pod, node, result)) = results.next().await {
        match result {
            Ok(text) => {
                scrape.fold(&text, Some(&node));
                scrape.exporters += 1;
            }
            Err(e) => scrape.failures.push(format!("{node} (pod {pod}): {e}")),
        }
    }
    match (scrape.exporters, scrape.failures.first()) {
        (0, Some(first)) => Err(format!("scrape exporter pods in {ns}: {first}")),
        _ => Ok(scrape),
    }
}

/// Running exporter pods with the node each runs on.
async fn exporter_pods(
    client: &Client,
    ns: &str,
    selector: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, kube::Error> {
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let pods = Api::<Pod>::namespaced(client.clone(), ns).list(&ListParams::default().labels(&labels.join(","))).await?;
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

/// The API server's own words for a refusal (they name the verb and resource); others as kube says them.
fn message(e: kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
        other => other.to_string(),
    }
}
