//! The gpudeck binary: parse the command line, set up logging, and run the console or the sim.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use gpudeck::cli::{Cli, Command, ScenarioArg, SimArgs};
use gpudeck::sim::{FaultSettings, Scenario, Sim, SimConfig};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GPUDECK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Some(Command::Sim(args)) => run_sim(args).await,
            None => run_console(&cli).await,
        }
    })
}

async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    let config = SimConfig {
        listen: args.listen,
        scenario: match args.scenario {
            ScenarioArg::Demo => Scenario::Demo,
            ScenarioArg::Scale => Scenario::Scale,
        },
        nodes: args.nodes,
        pods: args.pods,
        seed: args.seed,
        churn: args.churn,
        request_log: args.request_log,
        kubeconfig_out: args.kubeconfig_out.clone(),
        insecure_http: args.insecure_http,
        faults: FaultSettings {
            latency_ms: Some(args.latency_ms),
            drop_watches_after_seconds: Some(args.drop_watches_after),
            error_burst: Some(args.error_burst),
            expire_resource_versions: false,
        },
        history: args.history,
    };
    let sim = Sim::start(config).await?;
    println!("gpudeck sim: API server at {}", sim.server);
    match &args.kubeconfig_out {
        Some(path) => println!("gpudeck sim: kubeconfig written to {}", path.display()),
        None => println!("gpudeck sim: no --kubeconfig-out given; admin token {}", sim.admin_token),
    }
    wait_for_signal().await?;
    sim.shutdown().await;
    Ok(())
}

/// Resolves the kubeconfig the way kubectl does: --kubeconfig, then $KUBECONFIG, then ~/.kube/config.
fn kubeconfig_present(cli: &Cli) -> bool {
    if let Some(path) = &cli.kubeconfig {
        return path.exists();
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).any(|p| p.exists());
    }
    std::env::var_os("HOME").is_some_and(|home| PathBuf::from(home).join(".kube/config").exists())
}

/// The console's panes are not part of this build yet; what runs today is the embedded demo cluster.
async fn run_console(cli: &Cli) -> anyhow::Result<()> {
    if kubeconfig_present(cli) && !cli.demo {
        anyhow::bail!(
            "the gpudeck console panes are not in this build yet; `gpudeck --demo` runs the embedded demo cluster and `gpudeck sim --help` lists its options"
        );
    }
    let state_dir = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("gpudeck");
    std::fs::create_dir_all(&state_dir).with_context(|| format!("creating {}", state_dir.display()))?;
    let kubeconfig = state_dir.join("demo-kubeconfig");
    let sim = Sim::start(SimConfig { kubeconfig_out: Some(kubeconfig.clone()), ..SimConfig::default() }).await?;
    println!("gpudeck — demo cluster (no kubeconfig found): the embedded Kubernetes-compatible cluster is running.");
    println!("  API server: {}", sim.server);
    println!("  kubeconfig: {}", kubeconfig.display());
    println!("  try:        kubectl --kubeconfig {} get pods -A", kubeconfig.display());
    println!("The console panes are not in this build yet. Ctrl-C stops the demo cluster.");
    wait_for_signal().await?;
    sim.shutdown().await;
    Ok(())
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
        _ = hangup.recv() => {}
    }
    Ok(())
}
