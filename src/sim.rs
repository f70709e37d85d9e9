//! The embedded Kubernetes-compatible cluster (`gpudeck sim`): an API server over a seeded in-memory store with
//! controllers, a kubelet, logs, metrics and DCGM. The console never imports it; it talks to it over HTTPS.

pub mod api;
pub mod apply;
pub mod clock;
pub mod control;
pub mod controllers;
pub mod crd;
pub mod cronjob;
pub mod daemonset;
pub mod dcgm;
pub mod defaults;
pub mod deletion;
pub mod discovery;
pub mod disruption;
pub mod endpoints;
pub mod ephemeral;
pub mod error;
pub mod eviction;
pub mod exec;
pub mod faults;
pub mod hpa;
pub mod http;
pub mod images;
pub mod jsonpath;
pub mod kubeconfig;
pub mod kubelet;
pub mod lease;
pub mod logs;
pub mod logtext;
pub mod metrics;
pub mod nodehealth;
pub mod object;
pub mod patch;
pub mod podnet;
pub mod portforward;
pub mod prometheus;
pub mod protobuf;
pub mod read;
pub mod registry;
pub mod request_log;
pub mod resources;
pub mod rng;
pub mod routes;
pub mod scale;
pub mod scenario;
pub mod scheduler;
pub mod shell;
pub mod spdy;
pub mod stats;
pub mod storage;
pub mod store;
pub mod table;
pub mod tls;
pub mod upgrade;
pub mod validate;
pub mod validator;
pub mod watch;
pub mod workloads;
pub mod world;
pub mod write;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch as signal};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

pub use faults::FaultSettings;
pub use scenario::Kind as Scenario;

/// How the sim starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub listen: SocketAddr,
    pub scenario: Scenario,
    pub nodes: usize,
    pub pods: usize,
    pub seed: u64,
    /// Pod status updates per second (container restarts of running pods).
    pub churn: f64,
    pub request_log: Option<PathBuf>,
    pub kubeconfig_out: Option<PathBuf>,
    /// Plain HTTP instead of HTTPS (debugging; tokens are still required).
    pub insecure_http: bool,
    pub faults: FaultSettings,
    /// Changes kept for watch resumption; older resourceVersions get 410 Expired.
    pub history: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: Scenario::Demo,
            nodes: 500,
            pods: 50_000,
            seed: 42,
            churn: 0.0,
            request_log: None,
            kubeconfig_out: None,
            insecure_http: false,
            faults: FaultSettings::default(),
            history: 8192,
        }
    }
}

/// A running sim.
pub struct Sim {
    pub addr: SocketAddr,
    /// `https://127.0.0.1:PORT` (or http with `insecure_http`).
    pub server: String,
    /// The kubeconfig text (admin context current, `gpudeck-sim-readonly` beside it).
    pub kubeconfig: String,
    pub admin_token: String,
    pub readonly_token: String,
    /// The CA that signed the server certificate (None over plain HTTP).
    pub ca_pem: Option<String>,
    /// The demo's registries: (registry name its images use, the loopback URL serving it).
    pub registries: Vec<(String, String)>,
    shutdown: signal::Sender<bool>,
    stop_controllers: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sim {
    /// Builds the scenario, binds the listener and starts the controllers.
    pub async fn start(config: SimConfig) -> anyhow::Result<Sim> {
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;
        let tls = if config.insecure_http {
            None
        } else {
            let hosts =
                vec!["127.0.0.1".to_string(), "localhost".to_string(), "::1".to_string(), addr.ip().to_string()];
            Some(tls::generate(&hosts)?)
        };
        let mut token_rng = rng::Rng::new(rng::mix(clock::now_f64().to_bits() ^ u64::from(std::process::id())));
        let admin_token = format!("gpudeck-admin.{:016x}{:016x}", token_rng.next_u64(), token_rng.next_u64());
        let readonly_token = format!("gpudeck-viewer.{:016x}{:016x}", token_rng.next_u64(), token_rng.next_u64());
        let request_log = match &config.request_log {
            Some(path) => {
                Some(request_log::RequestLog::create(path).with_context(|| format!("creating {}", path.display()))?)
            }
            None => None,
        };
        let (restart_tx, restart_rx) = mpsc::unbounded_channel();
        let store = store::Store::new(config.seed, config.history);
        let (nodes, pods) = (config.nodes, config.pods);
        let kind = config.scenario;
        let seed = config.seed;
        // Building 50k pods takes seconds of CPU: keep it off the async workers.
        let store = tokio::task::spawn_blocking(move || {
            scenario::load(&store, seed, kind, nodes, pods);
            store
        })
        .await?;
        let world = Arc::new(world::World {
            store,
            seed: config.seed,
            faults: faults::Faults::default(),
            admin_token: admin_token.clone(),
            readonly_token: readonly_token.clone(),
            request_log,
            restart: world::Restarts(restart_tx),
        });
        // The scenario's lost nodes have no kubelet running; the configured faults come on top.
        world
            .faults
            .set(&FaultSettings { stop_kubelets: scenario::stopped_kubelets(&world.store), ..Default::default() });
        world.faults.set(&config.faults);
        // The scenario's CRDs are served from the start, as if written through the API.
        crd::sync(&world);
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = format!("{scheme}://{addr}");
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let kubeconfig = kubeconfig::render(&kubeconfig::Access {
            server: &server,
            ca_pem: ca_pem.as_deref(),
            admin_token: &admin_token,
            readonly_token: &readonly_token,
            namespace: "default",
        });
        if let Some(path) = &config.kubeconfig_out {
            write_private(path, &kubeconfig).with_context(|| format!("writing {}", path.display()))?;
        }
        let (shutdown, shutdown_rx) = signal::channel(false);
        let stop_controllers = Arc::new(AtomicBool::new(false));
        let controllers = controllers::Controllers::new(world.clone(), config.churn);
        let stop = stop_controllers.clone();
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        let (registries, mut tasks) = registry::start(&shutdown_rx).await?;
        tasks.push(tokio::task::spawn_blocking(move || controllers.run(stop, ready_tx)));
        tasks.push(tokio::spawn(listen(world, listener, tls.map(|t| t.acceptor), restart_rx, shutdown_rx)));
        ready.await.context("the controller loop stopped while starting")?;
        Ok(Sim {
            addr,
            server,
            kubeconfig,
            admin_token,
            readonly_token,
            ca_pem,
            registries,
            shutdown,
            stop_controllers,
            tasks,
        })
    }

    /// Stops the listener, every connection and the controllers.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        self.stop_controllers.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Writes a file only its owner can read (it carries tokens).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// Accepts connections until shutdown; a restart request drops every connection and rebinds after a pause.
async fn listen(
    world: Arc<world::World>,
    first: TcpListener,
    tls: Option<TlsAcceptor>,
    mut restarts: mpsc::UnboundedReceiver<u64>,
    mut shutdown: signal::Receiver<bool>,
) {
    let addr = first.local_addr().ok();
    let mut listener = Some(first);
    loop {
        let current = match listener.take() {
            Some(l) => l,
            None => match rebind(addr).await {
                Some(l) => l,
                None => return,
            },
        };
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = current.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    let _ = tcp.set_nodelay(true);
                    let world = world.clone();
                    let tls = tls.clone();
                    connections.spawn(async move {
                        match tls {
                            Some(acceptor) => match acceptor.accept(tcp).await {
                                Ok(stream) => serve_connection(world, stream).await,
                                Err(e) => tracing::debug!("TLS handshake failed: {e}"),
                            },
                            None => serve_connection(world, tcp).await,
                        }
                    });
                }
                Some(down_ms) = restarts.recv() => {
                    drop(current);
                    connections.abort_all();
                    tokio::time::sleep(Duration::from_millis(down_ms)).await;
                    break;
                }
                _ = shutdown.changed() => {
                    connections.abort_all();
                    return;
                }
                // Reap finished connections so the set does not grow without bound.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    }
}

async fn rebind(addr: Option<SocketAddr>) -> Option<TcpListener> {
    let addr = addr?;
    for _ in 0..50 {
        if let Ok(l) = TcpListener::bind(addr).await {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tracing::error!("could not rebind {addr} after a restart");
    None
}

async fn serve_connection<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(world: Arc<world::World>, io: S) {
    let service = hyper::service::service_fn(move |req| {
        let world = world.clone();
        async move { Ok::<_, Infallible>(api::handle(world, req).await) }
    });
    // Upgrades (port-forward) take the connection over after their 101.
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    if let Err(e) = connection.with_upgrades().await {
        tracing::debug!("connection ended: {e}");
    }
}
