//! metrics.k8s.io, polled every 15 s (its own resolution), or less often when a poll is expensive (tens of thousands
//! of pods): CPU and memory use per pod and per node.

use std::collections::HashMap;
use std::time::Duration;

use kube::Client;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Event, PodUsage};
use crate::model::{bytes, cpu_milli};
use crate::sanitize;

/// metrics-server's default resolution: polling faster shows nothing new.
const EVERY: Duration = Duration::from_secs(15);

/// Polls may take at most this share of the time: a poll that took 300 ms (50k pods) waits 60 s for the next one,
/// so usage columns never cost an idle console more than half a percent of a core.
const BUDGET_SHARE: u32 = 200;

pub fn spawn(client: Client, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        loop {
            let started = tokio::time::Instant::now();
            let data = match poll(&client).await {
                Ok((pods, nodes)) => Data::Metrics { pods, nodes },
                Err(why) => Data::MetricsUnavailable(why),
            };
            if tx.send(Event::Data(data)).is_err() {
                return;
            }
            tokio::time::sleep_until(started + next_poll_after(started.elapsed())).await;
        }
    })
    .abort_handle()
}

/// The wait before the next poll, from how long this one took.
fn next_poll_after(took: Duration) -> Duration {
    EVERY.max(took * BUDGET_SHARE)
}

type Usage = (u64, u64);

/// The parts of metrics.k8s.io lists the console reads (typed, so a 50k-pod list never becomes a JSON tree).
#[derive(Deserialize)]
pub struct MetricsList<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
pub struct PodMetrics {
    metadata: Meta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
pub struct NodeMetrics {
    metadata: Meta,
    usage: Quantities,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    usage: Quantities,
}

#[derive(Deserialize)]
struct Quantities {
    #[serde(default)]
    cpu: String,
    #[serde(default)]
    memory: String,
}

impl Quantities {
    fn usage(&self) -> Usage {
        (cpu_milli(&self.cpu).unwrap_or(0), bytes(&self.memory).unwrap_or(0))
    }
}

async fn get<T: DeserializeOwned>(client: &Client, path: &str) -> Result<T, String> {
    let req = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
    let text = client.request_text(req).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => "the cluster serves no metrics.k8s.io API".to_string(),
        other => other.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

async fn poll(client: &Client) -> Result<(PodUsage, HashMap<String, Usage>), String> {
    let pods = get(client, "/apis/metrics.k8s.io/v1beta1/pods").await?;
    let nodes = get(client, "/apis/metrics.k8s.io/v1beta1/nodes").await?;
    Ok((pod_usage(pods), node_usage(nodes)))
}

/// PodMetricsList → namespace → name → summed container usage.
pub fn pod_usage(list: MetricsList<PodMetrics>) -> PodUsage {
    let mut usage = PodUsage::new();
    for p in list.items {
        let total = p.containers.iter().map(|c| c.usage.usage()).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        // Rows carry sanitized names; a clean name (nearly all) is used as it came.
        let [namespace, name] = [p.metadata.namespace, p.metadata.name].map(sanitize::owned);
        usage.entry(namespace).or_default().insert(name, total);
    }
    usage
}

/// NodeMetricsList → node → usage.
pub fn node_usage(list: MetricsList<NodeMetrics>) -> HashMap<String, Usage> {
    list.items.into_iter().map(|n| (sanitize::owned(n.metadata.name), n.usage.usage())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expensive_polls_come_less_often() {
        assert_eq!(next_poll_after(Duration::from_millis(20)), EVERY);
        assert_eq!(next_poll_after(Duration::from_millis(300)), Duration::from_secs(60));
    }

    #[test]
    fn sums_containers_and_parses_quantities() {
        let pods = json!({"items": [{"metadata": {"name": "p", "namespace": "a"}, "containers": [
            {"name": "x", "usage": {"cpu": "250000000n", "memory": "1024Ki"}}, {"name": "y", "usage": {"cpu": "50m", "memory": "1Mi"}}]}]});
        let pods = serde_json::from_value(pods).unwrap();
        assert_eq!(pod_usage(pods).get("a").and_then(|a| a.get("p")), Some(&(300, 2 * 1048576)));
        let nodes = json!({"items": [{"metadata": {"name": "n"}, "usage": {"cpu": "2", "memory": "1Gi"}}]});
        let nodes = serde_json::from_value(nodes).unwrap();
        assert_eq!(node_usage(nodes).get("n"), Some(&(2000, 1073741824)));
    }
}
