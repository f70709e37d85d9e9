//! What listens inside a pod: the TCP ports its running containers declare, each answered by a deterministic HTTP
//! app (`podnet/apps.rs`) over an in-memory stream; a port nothing declares refuses the connection, as in a pod.

mod apps;

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::DuplexStream;

use super::object::Stored;
use super::resources;
use super::rng::{self, Rng};
use super::world::World;

/// Room for in-flight bytes each way between a forwarded connection and the pod's server.
const BUFFER: usize = 256 * 1024;

/// A pod as the kubelet's streaming server addresses it.
#[derive(Clone)]
pub struct Pod {
    pub world: Arc<World>,
    pub namespace: String,
    pub name: String,
    /// The pod sandbox's id: what the kubelet names the pod in port-forward errors.
    pub sandbox: String,
}

impl Pod {
    pub fn new(world: Arc<World>, namespace: &str, name: &str, uid: &str) -> Pod {
        let mut r = Rng::new(rng::hash(&format!("sandbox/{uid}")));
        let sandbox = format!("{:016x}{:016x}{:016x}{:016x}", r.next_u64(), r.next_u64(), r.next_u64(), r.next_u64());
        Pod { world, namespace: namespace.to_string(), name: name.to_string(), sandbox }
    }

    /// Opens a TCP connection to `port` inside the pod; Err is the runtime's reason, as the kubelet reports it.
    pub fn connect(&self, port: u16) -> Result<DuplexStream, String> {
        let key = (resources::PODS, self.namespace.clone(), self.name.clone());
        let stored = self.world.store.get(&key).ok_or_else(|| self.refused(port))?;
        let app = apps::App::of(&stored, port).filter(|_| listening(&stored.value(), port));
        let app = app.ok_or_else(|| self.refused(port))?;
        let (client, server) = tokio::io::duplex(BUFFER);
        let context = apps::Context { world: self.world.clone(), pod: stored, port };
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| apps::answer(app, context.clone(), req));
            // Keep-alive is hyper's default: a client may send many requests over one forwarded connection.
            if let Err(e) =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(server), service).await
            {
                tracing::debug!("forwarded connection ended: {e}");
            }
        });
        Ok(client)
    }

    /// containerd's words when nothing listens on the port inside the pod's network namespace.
    fn refused(&self, port: u16) -> String {
        let netns = Rng::new(rng::hash(&format!("netns/{}", self.sandbox))).uuid();
        format!(
            "failed to execute portforward in network namespace \"/var/run/netns/cni-{netns}\": failed to connect to localhost:{port} inside namespace \"{}\", IO error: dial tcp4 127.0.0.1:{port}: connect: connection refused",
            self.sandbox
        )
    }
}

/// Whether a running container of the pod declares `port` (TCP): what listens there.
fn listening(pod: &Value, port: u16) -> bool {
    let running = |name: &str| {
        pod["status"]["containerStatuses"]
            .as_array()
            .is_some_and(|all| all.iter().any(|s| s["name"] == name && s["state"]["running"].is_object()))
    };
    pod["spec"]["containers"].as_array().is_some_and(|containers| {
        containers.iter().any(|c| {
            let declares = c["ports"].as_array().is_some_and(|ports| {
                ports.iter().any(|p| {
                    p["containerPort"].as_u64() == Some(u64::from(port))
                        && p["protocol"].as_str().is_none_or(|proto| proto == "TCP")
                })
            });
            declares && running(c["name"].as_str().unwrap_or_default())
        })
    })
}

/// The port's name in the pod's spec (`http`, `metrics`), if it declares the port.
fn port_name(pod: &Stored, port: u16) -> Option<String> {
    let value = pod.value();
    value["spec"]["containers"].as_array()?.iter().find_map(|c| {
        c["ports"].as_array()?.iter().find(|p| p["containerPort"].as_u64() == Some(u64::from(port)))?["name"]
            .as_str()
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_running_containers_listen_on_their_declared_ports() {
        let pod = json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 8080, "protocol": "TCP"}]},
                                                   {"name": "b", "ports": [{"containerPort": 53, "protocol": "UDP"}]}]},
            "status": {"containerStatuses": [{"name": "a", "state": {"running": {}}}, {"name": "b", "state": {"running": {}}}]}});
        assert!(listening(&pod, 8080));
        assert!(!listening(&pod, 53));
        assert!(!listening(&pod, 9000));
        let mut crashing = pod.clone();
        crashing["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff"}});
        assert!(!listening(&crashing, 8080));
    }
}
