//! Command-line surface: `gpudeck [options]` and `gpudeck sim …`; parsing only.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "gpudeck", version, about = "Keyboard-driven console for Kubernetes GPU clusters")]
pub struct Cli {
    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Namespace to start in.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Refuse every mutation.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// A registry to browse in the images pane (repeatable): `http://127.0.0.1:5000`, `https://registry.example`.
    #[arg(long = "registry", value_name = "URL")]
    pub registries: Vec<String>,
    /// Use the embedded demo cluster even when a kubeconfig exists.
    #[arg(long)]
    pub demo: bool,
    /// Theme: default, light, mono, or a TOML file (NO_COLOR forces mono).
    #[arg(long)]
    pub theme: Option<String>,
    /// Keymap file listing changes to the default keys (default: $XDG_CONFIG_HOME/gpudeck/keymap.toml).
    #[arg(long)]
    pub keymap: Option<PathBuf>,
    /// Log lines the logs view keeps; past this the oldest go, and the view counts them.
    #[arg(long, default_value_t = crate::state::logs::DEFAULT_CAPACITY, value_parser = clap::value_parser!(usize))]
    pub log_lines: usize,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded Kubernetes-compatible cluster for kubectl, tests and benchmarks.
    Sim(SimArgs),
    /// Validate this machine's GPU (or CPU) by running a CNN on sample images: exit 0 on pass, 1 on fail.
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// auto (CUDA when this build has it and a GPU answers, else CPU), cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto", value_parser = crate::infer::device::DeviceRequest::parse)]
    pub device: crate::infer::device::DeviceRequest,
    /// A directory of PNG or JPEG images (default: the samples built into gpudeck). Expected labels come from
    /// `expected.txt` (`FILE LABEL` lines) or a file name's first word.
    #[arg(long)]
    pub images: Option<PathBuf>,
    /// A model directory: model.safetensors, labels.txt, optional model.toml and model.sha256 (default: the
    /// sample model built into gpudeck).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Scale images of another size to the model's input instead of skipping them.
    #[arg(long)]
    pub resize: bool,
    /// Labels listed per image.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Print the verdict as one JSON object (schema gpudeck.validate/v1).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScenarioArg {
    Demo,
    Scale,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Write a kubeconfig for the sim here (admin context current, `gpudeck-sim-readonly` beside it).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "demo")]
    pub scenario: ScenarioArg,
    /// Nodes in the `scale` scenario.
    #[arg(long, default_value_t = 500)]
    pub nodes: usize,
    /// Pods in the `scale` scenario.
    #[arg(long, default_value_t = 50_000)]
    pub pods: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Pod status updates per second.
    #[arg(long, default_value_t = 0.0)]
    pub churn: f64,
    /// Append one JSON line per request to this file.
    #[arg(long)]
    pub request_log: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS (tokens are still required).
    #[arg(long)]
    pub insecure_http: bool,
    /// Fault: delay every request by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault: close every watch this many seconds after it starts (0 = never).
    #[arg(long, default_value_t = 0)]
    pub drop_watches_after: u64,
    /// Fault: answer the next N API requests with 503.
    #[arg(long, default_value_t = 0)]
    pub error_burst: u64,
    /// Changes kept for watch resumption; watching from an older resourceVersion gets 410 Expired.
    #[arg(long, default_value_t = 8192)]
    pub history: usize,
}
