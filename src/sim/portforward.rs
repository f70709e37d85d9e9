//! `pods/{name}/portforward`: kube-apiserver's and the kubelet's checks, then the streaming protocol the client
//! negotiated: SPDY/3.1 tunneled in a WebSocket (kubectl 1.31+), a plain SPDY upgrade (its fallback), or the
//! kubelet's v4 channel WebSocket (kube-rs).

mod channels;
mod pipe;
mod spdy_server;

use std::sync::Arc;

use hyper::Method;

use super::api::Ctx;
use super::error::ApiError;
use super::http::Reply;
use super::kubelet;
use super::podnet::Pod;
use super::resources;
use super::routes::Target;
use super::upgrade::{self, Offer};
use super::world::World;

/// The streaming protocol port-forward speaks over SPDY (`X-Stream-Protocol-Version`).
const PROTOCOL: &str = "portforward.k8s.io";
/// How kubectl names a SPDY protocol tunneled through a WebSocket (`Sec-WebSocket-Protocol`).
const TUNNEL_PREFIX: &str = "SPDY/3.1+";
/// The kubelet's binary channel protocol; its base64 twin is for browsers and not served.
const V4_CHANNEL: &str = "v4.channel.k8s.io";

/// The kubelet's report of a connection it could not make, as kubectl prints it from the error stream.
pub fn forward_error(pod: &Pod, port: u16, why: &str) -> String {
    // The streaming server passes no pod uid to the runtime, hence the empty `uid`.
    format!("error forwarding port {port} to pod {}, uid : {why}", pod.sandbox)
}

/// Go's `%v` of a string slice: `[a b]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

pub fn serve(world: &Arc<World>, ctx: &mut Ctx, target: &Target, verb: &str) -> Result<Reply, ApiError> {
    let pods = resources::get(resources::PODS);
    let namespace = target.namespace.as_deref().unwrap_or_default();
    let name = target.name.as_deref().unwrap_or_default();
    // Kubernetes' `view` role grants no port-forward, and neither does the sim's viewer.
    if ctx.user.read_only {
        return Err(ApiError::forbidden(ctx.user.name, verb, pods, Some("portforward"), name, namespace));
    }
    if ctx.method != Method::GET && ctx.method != Method::POST {
        return Err(ApiError::method_not_allowed(ctx.method.as_str()));
    }
    let key = (resources::PODS, namespace.to_string(), name.to_string());
    let stored = world.store.get(&key).ok_or_else(|| ApiError::not_found(pods, name))?;
    let value = stored.value();
    let node = value["spec"]["nodeName"].as_str().unwrap_or_default();
    if node.is_empty() {
        return Err(ApiError::bad_request(format!("pod {name} does not have a host assigned")));
    }
    // The apiserver dials the node's kubelet; a node that stopped reporting does not answer.
    if !world.store.get(&(resources::NODES, String::new(), node.to_string())).is_some_and(|n| n.ready) {
        return Err(ApiError::failure(
            500,
            format!("error dialing backend: dial tcp {}:10250: i/o timeout", kubelet::node_ip(node)),
        ));
    }
    let phase = value["status"]["phase"].as_str().unwrap_or("Pending");
    if phase != "Running" {
        return Err(ApiError::bad_request(format!("pod {name} is not running: its phase is {phase}")));
    }
    // The apiserver's upgrade proxy refuses a plain request before it reaches the kubelet.
    let Some(offer) = ctx.upgrade.take() else {
        return Err(ApiError::bad_request("Upgrade request required"));
    };
    let pod = Pod::new(world.clone(), namespace, name, &stored.uid);
    if offer.is_websocket() {
        websocket(offer, pod, ctx.query.get("ports"))
    } else if offer.is_spdy() {
        spdy(offer, pod)
    } else {
        Err(ApiError::bad_request("Upgrade request required"))
    }
}

/// A WebSocket: kubectl's SPDY tunnel when it offers `SPDY/3.1+…k8s.io` protocols, else the kubelet's channels.
fn websocket(offer: Offer, pod: Pod, ports: Option<&str>) -> Result<Reply, ApiError> {
    let offered = offer.websocket_protocols();
    let tunneled: Vec<String> = offered
        .iter()
        .filter_map(|p| p.strip_prefix(TUNNEL_PREFIX))
        .filter(|p| p.ends_with(".k8s.io"))
        .map(str::to_string)
        .collect();
    if !tunneled.is_empty() {
        if !tunneled.iter().any(|p| p == PROTOCOL) {
            return Err(no_common_protocol(&tunneled));
        }
        let accepted = format!("{TUNNEL_PREFIX}{PROTOCOL}");
        let (reply, socket) = offer.accept_websocket(Some(&accepted)).ok_or_else(missing_key)?;
        tokio::spawn(async move {
            if let Some(ws) = socket.await {
                spdy_server::serve(upgrade::byte_stream(ws), pod).await;
            }
        });
        return Ok(reply);
    }
    let protocol = match offered.iter().find(|p| *p == V4_CHANNEL) {
        Some(p) => Some(p.as_str()),
        None if offered.is_empty() => None,
        None => {
            return Err(ApiError::bad_request(format!(
                "requested protocol(s) are not supported: {}; supports {}",
                go_list(&offered),
                go_list(&[V4_CHANNEL.to_string()])
            )));
        }
    };
    let ports = parse_ports(ports)?;
    let (reply, socket) = offer.accept_websocket(protocol).ok_or_else(missing_key)?;
    tokio::spawn(async move {
        if let Some(ws) = socket.await {
            channels::serve(ws, pod, ports).await;
        }
    });
    Ok(reply)
}

/// The plain SPDY/3.1 upgrade kubectl falls back to when the WebSocket upgrade fails.
fn spdy(offer: Offer, pod: Pod) -> Result<Reply, ApiError> {
    let offered = offer.stream_protocols();
    if offered.is_empty() {
        return Err(ApiError::bad_request("unable to upgrade: X-Stream-Protocol-Version is required"));
    }
    if !offered.iter().any(|p| p == PROTOCOL) {
        return Err(no_common_protocol(&offered));
    }
    let (reply, stream) = offer.accept_spdy(PROTOCOL);
    tokio::spawn(async move {
        if let Some(io) = stream.await {
            spdy_server::serve(io, pod).await;
        }
    });
    Ok(reply)
}

fn no_common_protocol(offered: &[String]) -> ApiError {
    ApiError::failure(
        403,
        format!(
            "unable to upgrade: unable to negotiate protocol: client supports {}, server accepts {}",
            go_list(offered),
            go_list(&[PROTOCOL.to_string()])
        ),
    )
}

fn missing_key() -> ApiError {
    ApiError::bad_request("unable to upgrade: Sec-WebSocket-Key is required")
}

/// `ports=80,8080` (kube-rs joins them with commas); the channel protocol needs at least one.
fn parse_ports(raw: Option<&str>) -> Result<Vec<u16>, ApiError> {
    let raw =
        raw.filter(|r| !r.is_empty()).ok_or_else(|| ApiError::bad_request("query parameter \"port\" is required"))?;
    raw.split(',')
        .map(|p| match p.trim().parse::<u16>() {
            Ok(0) => Err(ApiError::bad_request(format!("port \"{p}\" must be > 0"))),
            Ok(port) => Ok(port),
            Err(_) => Err(ApiError::bad_request(format!(
                "unable to parse \"{raw}\" as a port: strconv.ParseUint: parsing \"{p}\": invalid syntax"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_as_the_kubelet_parses_them() {
        assert_eq!(parse_ports(Some("80,9400")).unwrap(), vec![80, 9400]);
        assert!(parse_ports(None).unwrap_err().status()["message"].as_str().unwrap().contains("is required"));
        assert!(parse_ports(Some("0")).is_err());
        assert!(parse_ports(Some("80,x")).is_err());
    }
}
