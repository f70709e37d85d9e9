//! metrics.k8s.io, polled every 15 s (its own resolution): CPU and memory use per pod and per node.

use std::collections::HashMap;
use std::time::Duration;

use kube::Client;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Event};
use crate::model::{bytes, cpu_milli};

const EVERY: Duration = Duration::from_secs(15);

pub fn spawn(client: Client, tx: UnboundedSender<Event>) -> AbortHandle {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let data = match poll(&client).await {
                Ok((pods, nodes)) => Data::Metrics { pods, nodes },
                Err(why) => Data::MetricsUnavailable(why),
            };
            if tx.send(Event::Data(data)).is_err() {
                return;
            }
        }
    })
    .abort_handle()
}

type Usage = (u64, u64);

async fn get(client: &Client, path: &str) -> Result<Value, String> {
    let req = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
    let text = client.request_text(req).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 404 => "the cluster serves no metrics.k8s.io API".to_string(),
        other => other.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

async fn poll(client: &Client) -> Result<(HashMap<(String, String), Usage>, HashMap<String, Usage>), String> {
    let pods = get(client, "/apis/metrics.k8s.io/v1beta1/pods").await?;
    let nodes = get(client, "/apis/metrics.k8s.io/v1beta1/nodes").await?;
    Ok((pod_usage(&pods), node_usage(&nodes)))
}

fn usage(u: &Value) -> Usage {
    (cpu_milli(u["cpu"].as_str().unwrap_or("0")).unwrap_or(0), bytes(u["memory"].as_str().unwrap_or("0")).unwrap_or(0))
}

/// PodMetricsList → (namespace, name) → summed container usage.
pub fn pod_usage(list: &Value) -> HashMap<(String, String), Usage> {
    let items = list["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    items
        .iter()
        .map(|p| {
            let total = p["containers"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|c| usage(&c["usage"]))
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let meta = &p["metadata"];
            (
                (
                    meta["namespace"].as_str().unwrap_or_default().to_string(),
                    meta["name"].as_str().unwrap_or_default().to_string(),
                ),
                total,
            )
        })
        .collect()
}

/// NodeMetricsList → node → usage.
pub fn node_usage(list: &Value) -> HashMap<String, Usage> {
    let items = list["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(|n| (n["metadata"]["name"].as_str().unwrap_or_default().to_string(), usage(&n["usage"]))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sums_containers_and_parses_quantities() {
        let pods = json!({"items": [{"metadata": {"name": "p", "namespace": "a"}, "containers": [
            {"name": "x", "usage": {"cpu": "250000000n", "memory": "1024Ki"}}, {"name": "y", "usage": {"cpu": "50m", "memory": "1Mi"}}]}]});
        assert_eq!(pod_usage(&pods).get(&("a".into(), "p".into())), Some(&(300, 2 * 1048576)));
        let nodes = json!({"items": [{"metadata": {"name": "n"}, "usage": {"cpu": "2", "memory": "1Gi"}}]});
        assert_eq!(node_usage(&nodes).get("n"), Some(&(2000, 1073741824)));
    }
}
