//! The node Leases in `kube-node-lease`, listed every 15 s rather than watched: every kubelet renews its Lease every
//! 10 s, so a watch on a 500-node cluster streams 50 updates a second that say nothing new; a list every 15 s still
//! sees a Lease run out (40 s by default) well before the node controller marks the node NotReady.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::ListParams;
use kube::{Api, Client};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Event, Facts};
use crate::model::Delta;
use crate::model::nodelayer::LeaseFacts;

/// Below the default Lease duration (40 s) less the kubelet's renewal interval (10 s): a Lease renewed on time is
/// never seen expired between two lists.
const EVERY: Duration = Duration::from_secs(15);

pub fn spawn(client: Client, tx: UnboundedSender<Event>) -> AbortHandle {
    let api = Api::<Lease>::namespaced(client, "kube-node-lease");
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let data = match api.list(&ListParams::default()).await {
                Ok(list) => {
                    let upserts = list.items.iter().map(LeaseFacts::from_lease).collect();
                    Data::Facts(Facts::Leases(Delta { reset: true, upserts, deletes: vec![] }))
                }
                Err(e) => Data::SourceError { resource: "leases", message: e.to_string() },
            };
            if tx.send(Event::Data(data)).is_err() {
                return;
            }
        }
    })
    .abort_handle()
}
