//! Port-forwards over kube's WebSocket port-forward: listen locally, and for each connection open a stream to the
//! target's pod. A Service or workload target picks a running, ready pod and picks again when that pod goes away
//! (deleted, terminating, no longer ready), saying so; every second the traffic totals are reported.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::ListParams;
use kube::{Api, Client};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::sync::mpsc::UnboundedSender;

use super::apply::fetch_value;
use crate::event::{Data, Event, ObjectAddress};
use crate::model::forward::{ForwardEvent, ForwardSpec, RemotePort};
use crate::model::mutation::MutationError;

/// How often a Service's or workload's pod is looked at, so its replacement is found before the next connection.
const RECHECK: Duration = Duration::from_secs(2);
const REPORT: Duration = Duration::from_secs(1);
const BUFFER: usize = 64 * 1024;

/// The pod connections go to now, and the port on it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    pod: String,
    port: u16,
}

#[derive(Default)]
struct Traffic {
    sent: AtomicU64,
    received: AtomicU64,
    open: AtomicU32,
    accepted: AtomicU64,
}

impl Traffic {
    fn event(&self) -> ForwardEvent {
        ForwardEvent::Traffic {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            open: self.open.load(Ordering::Relaxed),
            accepted: self.accepted.load(Ordering::Relaxed),
        }
    }
}

/// Runs one forward until it is aborted (`:pf` stop, or the console exits) or cannot go on.
pub async fn run(client: Client, spec: ForwardSpec, tx: UnboundedSender<Event>) {
    let id = spec.id;
    let say = move |event: ForwardEvent| {
        let _ = tx.send(Event::Data(Data::Forward { id, event }));
    };
    say(ForwardEvent::Opening(Box::new(spec.clone())));
    let listener = match TcpListener::bind(spec.local).await {
        Ok(listener) => listener,
        Err(e) => return say(ForwardEvent::Failed(format!("cannot listen on {}: {e}", spec.local))),
    };
    let first = match resolve(&client, &spec.target, &spec.remote, None).await {
        Ok(endpoint) => endpoint,
        Err(why) => return say(ForwardEvent::Failed(why)),
    };
    if let Ok(addr) = listener.local_addr() {
        say(ForwardEvent::Listening(addr));
    }
    say(ForwardEvent::Pod { name: first.pod.clone(), port: first.port, replaced: false });
    let current = Arc::new(Mutex::new(first));
    let traffic = Arc::new(Traffic::default());
    let follows = spec.target.kind != "Pod";
    let mut recheck = tokio::time::interval(RECHECK);
    let mut report = tokio::time::interval(REPORT);
    let mut reported = traffic.event();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                traffic.accepted.fetch_add(1, Ordering::Relaxed);
                let (client, spec, current, traffic, say) =
                    (client.clone(), spec.clone(), current.clone(), traffic.clone(), say.clone());
                tokio::spawn(async move {
                    traffic.open.fetch_add(1, Ordering::Relaxed);
                    if let Err(why) = connect(&client, &spec, &current, &traffic, socket, &say).await {
                        say(ForwardEvent::ConnectionFailed(why));
                    }
                    traffic.open.fetch_sub(1, Ordering::Relaxed);
                });
            }
            _ = recheck.tick(), if follows => {
                let was = current.lock().await.clone();
                if !usable(&client, &spec.target.namespace, &was.pod).await {
                    // No pod now is said by repick; the next connection looks again.
                    let _ = repick(&client, &spec, &current, Some(&was.pod), &say).await;
                }
            }
            _ = report.tick() => {
                let now = traffic.event();
                if now != reported {
                    say(now.clone());
                    reported = now;
                }
            }
        }
    }
}

/// One local connection: a stream to the current pod, bytes copied both ways until either side closes. A workload's
/// pod that refuses is replaced once before the connection is given up.
async fn connect(
    client: &Client,
    spec: &ForwardSpec,
    current: &Mutex<Endpoint>,
    traffic: &Traffic,
    socket: TcpStream,
    say: &impl Fn(ForwardEvent),
) -> Result<(), String> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &spec.target.namespace);
    let mut endpoint = current.lock().await.clone();
    let mut forwarder = match api.portforward(&endpoint.pod, &[endpoint.port]).await {
        Ok(forwarder) => forwarder,
        Err(_) if spec.target.kind != "Pod" => {
            endpoint = repick(client, spec, current, Some(&endpoint.pod), say).await?;
            api.portforward(&endpoint.pod, &[endpoint.port]).await.map_err(|e| refusal(e, &spec.target.namespace))?
        }
        Err(e) => return Err(refusal(e, &spec.target.namespace)),
    };
    let stream = forwarder.take_stream(endpoint.port).ok_or("the pod's stream was not offered")?;
    let failed = forwarder.take_error(endpoint.port);
    let (mut from_local, mut to_local) = socket.into_split();
    let (mut from_pod, mut to_pod) = tokio::io::split(stream);
    let copied = async {
        tokio::join!(
            pump(&mut from_local, &mut to_pod, &traffic.sent),
            pump(&mut from_pod, &mut to_local, &traffic.received)
        )
    };
    let error = async {
        match failed {
            Some(failed) => failed.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = copied => Ok(()),
        Some(why) = error => Err(crate::sanitize::clean(&why)),
    }
}

/// Copies until end of input, counting; the writer is shut down after, so the other side sees the end.
async fn pump(from: &mut (impl AsyncRead + Unpin), to: &mut (impl AsyncWrite + Unpin), count: &AtomicU64) {
    let mut buf = vec![0u8; BUFFER];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}

fn refusal(e: kube::Error, namespace: &str) -> String {
    MutationError::from_kube(e, "create", "pods/portforward", namespace).to_string()
}

/// Picks another pod for a Service or workload, and says so when it changed.
async fn repick(
    client: &Client,
    spec: &ForwardSpec,
    current: &Mutex<Endpoint>,
    gone: Option<&str>,
    say: &impl Fn(ForwardEvent),
) -> Result<Endpoint, String> {
    let endpoint = resolve(client, &spec.target, &spec.remote, gone).await.inspect_err(|why| {
        say(ForwardEvent::ConnectionFailed(format!("no pod to forward to: {why}")));
    })?;
    let mut now = current.lock().await;
    if *now != endpoint {
        say(ForwardEvent::Pod { name: endpoint.pod.clone(), port: endpoint.port, replaced: true });
        *now = endpoint.clone();
    }
    Ok(endpoint)
}

/// Whether the pod still takes connections: there, running, ready, not terminating.
async fn usable(client: &Client, namespace: &str, pod: &str) -> bool {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    matches!(api.get_opt(pod).await, Ok(Some(p)) if ready(&p))
}

fn ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    pod.metadata.deletion_timestamp.is_none()
        && status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The pod and port a target's connections go to. A pod is taken as it is (running); a Service maps its port to the
/// target port and picks among the pods its selector finds; a workload picks among the pods of its selector. Ready
/// pods other than `avoid` come first, oldest first, as the likeliest to stay.
async fn resolve(
    client: &Client,
    target: &ObjectAddress,
    remote: &RemotePort,
    avoid: Option<&str>,
) -> Result<Endpoint, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
    let ns = target.namespace.as_str();
    if target.kind == "Pod" {
        let pod =
            pods.get(&target.name).await.map_err(|e| MutationError::from_kube(e, "get", "pods", ns).to_string())?;
        let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default();
        if phase != "Running" {
            return Err(format!("pod {} is not running ({phase})", target.name));
        }
        let port = container_port(&pod, remote)?;
        return Ok(Endpoint { pod: target.name.clone(), port });
    }
    let (selector, port_on_pod) = if target.kind == "Service" {
        let services: Api<Service> = Api::namespaced(client.clone(), ns);
        let service = services
            .get(&target.name)
            .await
            .map_err(|e| MutationError::from_kube(e, "get", "services", ns).to_string())?;
        service_route(&service, remote)?
    } else {
        let object = fetch_value(client, target).await.map_err(|e| e.to_string())?;
        let selector = crate::describe::pod_selector(&object);
        if selector.is_empty() {
            return Err(format!("{} has no pod selector", target.title()));
        }
        (selector, remote.clone())
    };
    let mut candidates: Vec<Pod> = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| MutationError::from_kube(e, "list", "pods", ns).to_string())?
        .items
        .into_iter()
        .filter(|p| ready(p) && p.metadata.name.as_deref() != avoid)
        .collect();
    candidates.sort_by_key(|p| (p.metadata.creation_timestamp.clone().map(|t| t.0), p.metadata.name.clone()));
    let pod = candidates.first().ok_or_else(|| format!("{} has no running, ready pod", target.title()))?;
    let port = container_port(pod, &port_on_pod)?;
    Ok(Endpoint { pod: pod.metadata.name.clone().unwrap_or_default(), port })
}

/// A Service's selector and the pod-side port for `remote` (the Service's port, by number or name, through its
/// targetPort; a port the Service does not list is refused, as kubectl refuses it).
fn service_route(service: &Service, remote: &RemotePort) -> Result<(String, RemotePort), String> {
    let name = service.metadata.name.clone().unwrap_or_default();
    let spec = service.spec.as_ref().ok_or_else(|| format!("service {name} has no spec"))?;
    let selector: BTreeMap<String, String> = spec.selector.clone().unwrap_or_default();
    if selector.is_empty() {
        return Err(format!("service {name} has no selector: its endpoints are not pods the console can reach"));
    }
    let ports = spec.ports.as_deref().unwrap_or_default();
    let port = ports
        .iter()
        .find(|p| match remote {
            RemotePort::Number(n) => p.port == i32::from(*n),
            RemotePort::Named(wanted) => p.name.as_deref() == Some(wanted.as_str()),
        })
        .ok_or_else(|| format!("service {name} does not have a service port {remote}"))?;
    let target = match &port.target_port {
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => {
            RemotePort::Number(u16::try_from(*n).map_err(|_| format!("service {name}: target port {n} out of range"))?)
        }
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => match s.parse::<u16>() {
            Ok(n) => RemotePort::Number(n),
            Err(_) => RemotePort::Named(s.clone()),
        },
        // targetPort defaults to port.
        None => RemotePort::Number(u16::try_from(port.port).unwrap_or_default()),
    };
    let selector = selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
    Ok((selector, target))
}

/// A port number on the pod: as given, or a named container port looked up in its containers.
fn container_port(pod: &Pod, remote: &RemotePort) -> Result<u16, String> {
    match remote {
        RemotePort::Number(n) => Ok(*n),
        RemotePort::Named(name) => {
            let value = serde_json::to_value(pod).unwrap_or(Value::Null);
            value["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                .find(|p| p["name"] == name.as_str())
                .and_then(|p| u16::try_from(p["containerPort"].as_i64()?).ok())
                .ok_or_else(|| {
                    format!("pod {} has no container port named {name}", pod.metadata.name.as_deref().unwrap_or(""))
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(ports: Value) -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": "triton", "namespace": "ml"},
            "spec": {"selector": {"app": "triton", "tier": "gpu"}, "ports": ports}
        }))
        .unwrap()
    }

    #[test]
    fn a_service_port_leads_to_its_target_port() {
        let svc = service(json!([
            {"name": "http", "port": 80, "targetPort": 8000},
            {"name": "metrics", "port": 8002, "targetPort": "metrics"},
            {"name": "grpc", "port": 8001}
        ]));
        assert_eq!(
            service_route(&svc, &RemotePort::Number(80)),
            Ok(("app=triton,tier=gpu".into(), RemotePort::Number(8000)))
        );
        assert_eq!(
            service_route(&svc, &RemotePort::Named("metrics".into())).unwrap().1,
            RemotePort::Named("metrics".into())
        );
        assert_eq!(service_route(&svc, &RemotePort::Number(8001)).unwrap().1, RemotePort::Number(8001));
        assert_eq!(
            service_route(&svc, &RemotePort::Number(9999)),
            Err("service triton does not have a service port 9999".into())
        );
    }

    #[test]
    fn a_named_port_is_found_in_the_containers() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "triton-0"},
            "spec": {"containers": [{"name": "server", "ports": [{"name": "http", "containerPort": 8000}]}]}
        }))
        .unwrap();
        assert_eq!(container_port(&pod, &RemotePort::Named("http".into())), Ok(8000));
        assert_eq!(container_port(&pod, &RemotePort::Number(9400)), Ok(9400));
        assert!(
            container_port(&pod, &RemotePort::Named("grpc".into()))
                .unwrap_err()
                .contains("no container port named grpc")
        );
    }
}
