//! The gpudeck binary: parse the command line, set up logging, pick the cluster, and run the console or the sim.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use gpudeck::app::{App, TerminalGuard};
use gpudeck::cli::{Cli, Command, ScenarioArg, SimArgs, ValidateArgs};
use gpudeck::config::Config;
use gpudeck::effects::Effects;
use gpudeck::effects::registry::{RegistryClient, RegistrySettings};
use gpudeck::keymap::Keymap;
use gpudeck::sim::{FaultSettings, Scenario, Sim, SimConfig};
use gpudeck::sources;
use gpudeck::state::State;
use gpudeck::theme::Theme;
use kube::config::{KubeConfigOptions, Kubeconfig};

fn main() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    if let Some(Command::Validate(args)) = &cli.command {
        std::process::exit(run_validate(args));
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            match cli.command {
                Some(Command::Sim(args)) => run_sim(args).await,
                // Run above, before any runtime exists: validation is blocking work from start to end.
                Some(Command::Validate(_)) => Ok(()),
                None => run_console(&cli, started).await,
            }
        })
    }));
    // Blocking threads (the demo cluster's controllers) must not hold the exit, least of all after a panic.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match outcome {
        Ok(result) => result,
        // The panic hook has restored the terminal and printed the message.
        Err(_) => std::process::exit(101),
    }
}

/// `gpudeck validate`: the verdict on stdout (text or JSON), progress and errors on stderr; 0 on pass, 1 on fail.
fn run_validate(args: &ValidateArgs) -> i32 {
    use gpudeck::infer::{bundle::ModelSource, images::ImageSource, report::Report, run};
    let options = run::Options {
        model: args.model.clone().map_or(ModelSource::Shipped, ModelSource::Dir),
        images: args.images.clone().map_or(ImageSource::Shipped, ImageSource::Dir),
        device: args.device,
        resize: args.resize,
        top_k: args.top.max(1),
        ..run::Options::default()
    };
    let report = run::validate(&options, &mut |progress| {
        if let run::Progress::Loaded { device, total } = progress {
            eprintln!("gpudeck validate: {total} images on {device}");
        }
        true
    })
    .unwrap_or_else(|e| Report::failed(&args.device.name(), e.to_string()));
    if args.json {
        match serde_json::to_string(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => eprintln!("gpudeck validate: {e}"),
        }
    } else {
        print!("{}", gpudeck::infer::text::render(&report));
    }
    if report.pass { 0 } else { 1 }
}

async fn run_sim(args: SimArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GPUDECK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
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
            ..Default::default()
        },
        history: args.history,
    };
    let sim = Sim::start(config).await?;
    println!("gpudeck sim: API server at {}", sim.server);
    for (name, url) in &sim.registries {
        println!("gpudeck sim: registry {name} served at {url}");
    }
    match &args.kubeconfig_out {
        Some(path) => println!("gpudeck sim: kubeconfig written to {}", path.display()),
        None => println!("gpudeck sim: no --kubeconfig-out given; admin token {}", sim.admin_token),
    }
    wait_for_signal().await?;
    sim.shutdown().await;
    Ok(())
}

/// Whether a kubeconfig exists where kubectl would look: --kubeconfig, then $KUBECONFIG, then ~/.kube/config.
fn kubeconfig_present(cli: &Cli) -> bool {
    if let Some(path) = &cli.kubeconfig {
        return path.exists();
    }
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).any(|p| p.exists());
    }
    home().is_some_and(|h| h.join(".kube/config").exists())
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// `$XDG_<kind>_HOME/gpudeck`, else `~/<fallback>/gpudeck`.
fn xdg_dir(kind: &str, fallback: &str) -> PathBuf {
    std::env::var_os(format!("XDG_{kind}_HOME"))
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(fallback)))
        .unwrap_or_else(std::env::temp_dir)
        .join("gpudeck")
}

/// The cluster the console talks to: the kubeconfig's, or the embedded demo cluster started here.
/// The connection: client, title, the kubeconfig for `:ctx` (None for the demo), and the demo sim to stop at exit.
struct Connection {
    client: kube::Client,
    title: String,
    kubeconfig: Option<Kubeconfig>,
    sim: Option<Sim>,
}

async fn connect(cli: &Cli) -> anyhow::Result<Connection> {
    if cli.demo || !kubeconfig_present(cli) {
        let sim = Sim::start(SimConfig::default()).await?;
        let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig)?;
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
        return Ok(Connection {
            client: gpudeck::effects::console_client(config)?,
            title: "demo cluster".into(),
            kubeconfig: None,
            sim: Some(sim),
        });
    }
    let kubeconfig = match &cli.kubeconfig {
        Some(path) => Kubeconfig::read_from(path)?,
        None => Kubeconfig::read()?,
    };
    let context = cli.context.clone().or_else(|| kubeconfig.current_context.clone()).unwrap_or_default();
    let options = KubeConfigOptions { context: cli.context.clone(), ..KubeConfigOptions::default() };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .with_context(|| format!("kubeconfig context \"{context}\""))?;
    Ok(Connection {
        client: gpudeck::effects::console_client(config)?,
        title: context,
        kubeconfig: Some(kubeconfig),
        sim: None,
    })
}

/// Logs go to a file: nothing may print to the terminal while the UI owns it.
fn log_to_file() -> anyhow::Result<PathBuf> {
    let dir = xdg_dir("STATE", ".local/state");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("gpudeck.log");
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GPUDECK_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .init();
    Ok(path)
}

async fn run_console(cli: &Cli, started: std::time::Instant) -> anyhow::Result<()> {
    log_to_file()?;
    let Connection { client, title, kubeconfig, sim } = connect(cli).await?;
    let keymap_path = cli.keymap.clone().unwrap_or_else(|| xdg_dir("CONFIG", ".config").join("keymap.toml"));
    let user_keymap = std::fs::read_to_string(&keymap_path).ok();
    let (keymap, mut warnings) = Keymap::load(user_keymap.as_deref());
    let (theme, theme_warnings) =
        Theme::load(cli.theme.as_deref(), std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()));
    warnings.extend(theme_warnings);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (width, height) = crossterm::terminal::size().unwrap_or((80, 24));
    let config_path = xdg_dir("CONFIG", ".config").join("config.toml");
    let (config, config_warning) =
        Config::parse(std::fs::read_to_string(&config_path).ok().as_deref(), &config_path.display().to_string());
    warnings.extend(config_warning);
    let (dcgm, dcgm_warning) = config.dcgm();
    warnings.extend(dcgm_warning);
    let nvml = config.nvml();
    let read_only = cli.readonly || config.read_only_contexts.contains(&title);
    let mut state = State::new(title, read_only, sources::terminal::unix_now(), (width, height));
    state.always_read_only = cli.readonly;
    state.validation.settings = config.validator();
    state.sessions = config.sessions();
    state.read_only_contexts = config.read_only_contexts;
    state.namespace = cli.namespace.clone();
    state.log_capacity = cli.log_lines.max(1);
    state.gpus = gpudeck::state::gpus::Gpus::new(dcgm.every);
    let mut registry = RegistrySettings::from_env();
    registry.registries = cli.registries.iter().chain(&config.registries).cloned().collect();
    registry.mirrors = config.registry_mirrors.clone();
    // The demo cluster's images are served by its own registries, standing in for ghcr.io, nvcr.io and the rest.
    for (name, url) in sim.iter().flat_map(|s| &s.registries) {
        registry.mirrors.insert(name.clone(), url.clone());
    }
    state.images = gpudeck::state::images::Images::new(
        registry.registries.iter().map(|u| gpudeck::model::registry::credentials::registry_key(u)).collect(),
    );
    state.warnings = warnings;
    state.contexts =
        kubeconfig.as_ref().map(|k| k.contexts.iter().map(|c| c.name.clone()).collect()).unwrap_or_default();
    // Unapplied edits of an earlier session are offered, never silently dropped.
    let recovery = xdg_dir("STATE", ".local/state").join("recovery.yaml");
    state.recovered = std::fs::read_to_string(&recovery).ok().filter(|t| !t.trim().is_empty());
    if state.recovered.is_some() {
        state.notice = Some(gpudeck::state::Notice {
            error: false,
            text: format!(
                "unapplied edits from the last session are kept: :recover opens them, :discard drops them ({})",
                recovery.display()
            ),
        });
    }
    let input = sources::terminal::InputGate::default();
    let (dcgm_every, every) = tokio::sync::watch::channel(state.dcgm_interval());
    let watches = sources::kube::spawn_all(&client, &tx, &dcgm, every);
    sources::nvml::spawn(nvml, tx.clone())?;
    let app = App {
        state,
        theme,
        keymap,
        effects: Effects::new(client, kubeconfig, tx.clone(), Some(recovery), RegistryClient::new(registry)?),
        watches,
        dcgm,
        dcgm_every,
        panic_key: std::env::var("GPUDECK_TEST_PANIC_KEY").ok().and_then(|k| k.chars().next()),
        started,
        input: input.clone(),
    };
    sources::terminal::spawn_clock(tx.clone());
    sources::terminal::spawn_signals(tx.clone())?;
    let (guard, mut terminal) = TerminalGuard::enter()?;
    sources::terminal::spawn_input(tx, input);
    let result = app.run(&mut terminal, rx).await;
    drop(guard);
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    result
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
