//! How full mounted claims are: each node's kubelet stats summary through the API server's node proxy, a few
//! nodes at a time, each answer (or refusal, or silence) its own event.

use std::time::Duration;

use futures_util::StreamExt;
use kube::Client;
use tokio::sync::mpsc::UnboundedSender;

use crate::event::{Data, Event};
use crate::model::mutation::MutationError;
use crate::model::storage::claim_usage;

/// How long one kubelet may take to answer; a busy node's summary can take seconds, a dead one never comes.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Kubelets asked at once: the summary is computed per request, so a console must not ask a whole pool at once.
const AT_ONCE: usize = 4;

pub async fn ask(client: Client, nodes: Vec<String>, tx: UnboundedSender<Event>) {
    futures_util::stream::iter(nodes)
        .for_each_concurrent(AT_ONCE, |node| {
            let (client, tx) = (client.clone(), tx.clone());
            async move {
                let usage = summary(&client, &node).await;
                let _ = tx.send(Event::Data(Data::VolumeStats { node, usage }));
            }
        })
        .await;
}

async fn summary(client: &Client, node: &str) -> Result<crate::model::storage::ClaimUsage, String> {
    let path = format!("/api/v1/nodes/{node}/proxy/stats/summary");
    let request = http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())?;
    match tokio::time::timeout(TIMEOUT, client.request_text(request)).await {
        Err(_) => Err(format!("the kubelet's stats summary did not answer in {}s", TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(MutationError::from_kube(e, "get", "nodes/proxy", "").to_string()),
        Ok(Ok(text)) => claim_usage(text.as_bytes()),
    }
}
