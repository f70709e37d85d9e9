//! Port-forwards: what `:pf [LOCAL:]REMOTE… [--address ADDR]` asks for, and what a running forward reports (where it
//! listens, which pod it reaches, bytes and connections). No IO.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::event::ObjectAddress;

/// The remote side of a forward: a number, or a container port's name (a Service's targetPort may be either).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemotePort {
    Number(u16),
    Named(String),
}

impl std::fmt::Display for RemotePort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemotePort::Number(n) => write!(f, "{n}"),
            RemotePort::Named(name) => f.write_str(name),
        }
    }
}

/// One `LOCAL:REMOTE` pair; local 0 lets the system choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortPair {
    pub local: u16,
    pub remote: RemotePort,
}

/// What `:pf` was given, before a target is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardArgs {
    pub ports: Vec<PortPair>,
    pub address: IpAddr,
}

impl ForwardArgs {
    /// kubectl's spellings: `8080:80`, `80` (local = remote), `:80` (any local port), `--address 0.0.0.0`.
    pub fn parse(args: &[&str]) -> Result<ForwardArgs, String> {
        const USAGE: &str = "usage: :pf [LOCAL:]REMOTE… [--address ADDRESS]  (:pf alone lists the forwards)";
        let mut parsed = ForwardArgs { ports: Vec::new(), address: IpAddr::V4(Ipv4Addr::LOCALHOST) };
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let address = match word.strip_prefix("--address") {
                Some("") => Some(*words.next().ok_or(USAGE)?),
                Some(rest) => Some(rest.strip_prefix('=').ok_or(USAGE)?),
                None => None,
            };
            if let Some(address) = address {
                parsed.address = match address {
                    "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    other => other.parse().map_err(|_| format!("--address {other}: not an IP address"))?,
                };
                continue;
            }
            let (local, remote) = match word.split_once(':') {
                Some(("", remote)) => (Some(0), remote),
                Some((local, remote)) => (Some(port(local)?), remote),
                None => (None, *word),
            };
            let remote = match remote.parse::<u16>() {
                Ok(0) => return Err(format!("{word}: port 0 cannot be forwarded to")),
                Ok(n) => RemotePort::Number(n),
                Err(_) if is_port_name(remote) => RemotePort::Named(remote.to_string()),
                Err(_) => return Err(format!("{word}: not a port; {USAGE}")),
            };
            let local = match (&remote, local) {
                (_, Some(local)) => local,
                (RemotePort::Number(n), None) => *n,
                // A named port has no number to mirror locally: the system picks one.
                (RemotePort::Named(_), None) => 0,
            };
            parsed.ports.push(PortPair { local, remote });
        }
        if parsed.ports.is_empty() {
            return Err(USAGE.to_string());
        }
        Ok(parsed)
    }

    /// Whether the forward would be reachable from other machines (asked before it is opened).
    pub fn widened(&self) -> bool {
        !self.address.is_loopback()
    }
}

fn port(word: &str) -> Result<u16, String> {
    word.parse().map_err(|_| format!("{word}: not a local port (0–65535)"))
}

/// An IANA_SVC_NAME as the API validates a container port's name: 1–15 lowercase letters, digits and dashes, with a
/// letter.
fn is_port_name(word: &str) -> bool {
    (1..=15).contains(&word.len())
        && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && word.chars().any(|c| c.is_ascii_lowercase())
        && !word.starts_with('-')
        && !word.ends_with('-')
}

/// One forward asked for: the object (a pod, or a Service or workload that picks a ready pod) and one port pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    pub id: u64,
    pub target: ObjectAddress,
    pub local: SocketAddr,
    pub remote: RemotePort,
}

/// What a running forward tells the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardEvent {
    /// The forward was asked for and is starting: the list shows it from now on.
    Opening(Box<ForwardSpec>),
    /// Listening here (the port the system chose, when 0 was asked).
    Listening(SocketAddr),
    /// Connections now reach this pod on this port; `replaced` when it took over from a pod that went away.
    Pod { name: String, port: u16, replaced: bool },
    /// Totals so far: bytes to the pod, bytes from it, connections open and ever accepted.
    Traffic { sent: u64, received: u64, open: u32, accepted: u64 },
    /// One connection failed; the forward keeps listening.
    ConnectionFailed(String),
    /// The forward could not start or cannot go on (nothing listens any more).
    Failed(String),
}

/// A forward as the `:pf` list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    pub spec: ForwardSpec,
    pub listening: Option<SocketAddr>,
    pub pod: Option<String>,
    pub port: Option<u16>,
    pub sent: u64,
    pub received: u64,
    pub open: u32,
    pub accepted: u64,
    /// Unix seconds it was asked for.
    pub since: i64,
    /// The last thing worth saying (a replacement pod, a failed connection); None when all is well.
    pub last: Option<String>,
    pub failed: bool,
}

impl ForwardRow {
    pub fn new(spec: ForwardSpec, since: i64) -> ForwardRow {
        ForwardRow {
            spec,
            listening: None,
            pod: None,
            port: None,
            sent: 0,
            received: 0,
            open: 0,
            accepted: 0,
            since,
            last: None,
            failed: false,
        }
    }

    /// Takes one report in; returns a line for the status bar when the operator should hear of it now.
    pub fn absorb(&mut self, event: ForwardEvent) -> Option<(bool, String)> {
        let name = self.spec.target.title();
        match event {
            ForwardEvent::Opening(_) => None,
            ForwardEvent::Listening(addr) => {
                self.listening = Some(addr);
                Some((false, format!("forwarding {addr} → {name}:{}", self.spec.remote)))
            }
            ForwardEvent::Pod { name: pod, port, replaced } => {
                let said = replaced.then(|| {
                    let before = self.pod.as_deref().unwrap_or("its pod");
                    let line = format!("{name}: {before} went away; forwarding to {pod} now");
                    self.last = Some(line.clone());
                    (false, line)
                });
                self.pod = Some(pod);
                self.port = Some(port);
                said
            }
            ForwardEvent::Traffic { sent, received, open, accepted } => {
                (self.sent, self.received, self.open, self.accepted) = (sent, received, open, accepted);
                None
            }
            ForwardEvent::ConnectionFailed(why) => {
                self.last = Some(why.clone());
                Some((true, format!("{name}: {why}")))
            }
            ForwardEvent::Failed(why) => {
                self.failed = true;
                self.last = Some(why.clone());
                Some((true, format!("port-forward to {name} stopped: {why}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(local: u16, remote: u16) -> PortPair {
        PortPair { local, remote: RemotePort::Number(remote) }
    }

    #[test]
    fn ports_are_spelled_as_kubectl_spells_them() {
        let parsed = ForwardArgs::parse(&["8080:80", "9400", ":8000", "http"]).unwrap();
        assert_eq!(
            parsed.ports,
            vec![
                pair(8080, 80),
                pair(9400, 9400),
                pair(0, 8000),
                PortPair { local: 0, remote: RemotePort::Named("http".into()) }
            ]
        );
        assert_eq!(parsed.address, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(!parsed.widened());
    }

    #[test]
    fn a_wider_address_is_noticed() {
        let parsed = ForwardArgs::parse(&["--address", "0.0.0.0", "80"]).unwrap();
        assert!(parsed.widened());
        assert!(!ForwardArgs::parse(&["--address=localhost", "80"]).unwrap().widened());
        assert!(ForwardArgs::parse(&["--address", "nowhere", "80"]).unwrap_err().contains("not an IP address"));
    }

    #[test]
    fn bad_ports_say_which_word() {
        assert!(ForwardArgs::parse(&[]).unwrap_err().starts_with("usage"));
        assert!(ForwardArgs::parse(&["99999:80"]).unwrap_err().contains("99999: not a local port"));
        assert!(ForwardArgs::parse(&["8080:0"]).unwrap_err().contains("port 0 cannot"));
        assert!(ForwardArgs::parse(&["8080:Bad_Name"]).unwrap_err().contains("not a port"));
    }

    #[test]
    fn a_replaced_pod_is_said_once_and_remembered() {
        let target = ObjectAddress {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: "ml".into(),
            name: "triton".into(),
        };
        let spec = ForwardSpec {
            id: 1,
            target,
            local: "127.0.0.1:0".parse().unwrap(),
            remote: RemotePort::Named("http".into()),
        };
        let mut row = ForwardRow::new(spec, 0);
        assert!(
            row.absorb(ForwardEvent::Listening("127.0.0.1:41000".parse().unwrap()))
                .unwrap()
                .1
                .contains("127.0.0.1:41000")
        );
        assert_eq!(row.absorb(ForwardEvent::Pod { name: "triton-a".into(), port: 8000, replaced: false }), None);
        let (error, line) =
            row.absorb(ForwardEvent::Pod { name: "triton-b".into(), port: 8000, replaced: true }).unwrap();
        assert!(!error);
        assert!(line.contains("triton-a went away; forwarding to triton-b now"), "{line}");
        assert_eq!(row.pod.as_deref(), Some("triton-b"));
        assert_eq!(row.absorb(ForwardEvent::Traffic { sent: 10, received: 20, open: 1, accepted: 3 }), None);
        assert_eq!((row.sent, row.received, row.open, row.accepted), (10, 20, 1, 3));
        let (error, _) = row.absorb(ForwardEvent::Failed("address in use".into())).unwrap();
        assert!(error && row.failed);
    }
}
