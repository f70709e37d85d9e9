//! The user's config file (`$XDG_CONFIG_HOME/gpudeck/config.toml`): settings that are not keys or colours.
//! Parsing only; main reads the file.

use std::time::Duration;

use serde::Deserialize;

use crate::model::session::NodeShell;
use crate::sources::dcgm::DcgmSettings;
use crate::sources::nvml::NvmlSettings;
use crate::state::session::{DEFAULT_DEBUG_IMAGE, SessionSettings};
use crate::state::validation::Settings as ValidatorSettings;

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Contexts where every mutation is refused, as if `--readonly` were given (production, say).
    #[serde(default)]
    pub read_only_contexts: Vec<String>,
    /// The DCGM exporter service, `namespace/name` (default `gpu-operator/nvidia-dcgm-exporter`).
    pub dcgm_service: Option<String>,
    /// A Prometheus service, `namespace/name:port`, to read DCGM metrics from instead of the exporters.
    pub prometheus_service: Option<String>,
    /// Seconds between DCGM scrapes (default 10).
    pub dcgm_interval_seconds: Option<u64>,
    /// The NVIDIA management library to load (default: the loader finds `libnvidia-ml.so.1`).
    pub nvml_library: Option<std::path::PathBuf>,
    /// Milliseconds between NVML samples (default 1000).
    pub nvml_interval_ms: Option<u64>,
    /// Registries the images pane browses besides those pods use: `http://127.0.0.1:5000`, `https://r.example`.
    #[serde(default)]
    pub registries: Vec<String>,
    /// Registry name → the URL that serves it (a pull-through mirror): `"docker.io" = "https://mirror.example"`.
    #[serde(default)]
    pub registry_mirrors: std::collections::BTreeMap<String, String>,
    /// The image `v` runs on a GPU node (default `ghcr.io/gpudeck/validator:0.1.0`; built by
    /// deploy/validator/Dockerfile).
    pub validator_image: Option<String>,
    /// The namespace validation Jobs are created in (default `default`).
    pub validator_namespace: Option<String>,
    /// `:node-shell`: off unless `enabled`; the image (with `nsenter`), namespace and deadline of its pod.
    #[serde(default)]
    pub node_shell: NodeShellConfig,
    /// The image `:debug` adds to a pod when none is given (default `busybox:1.36`).
    pub debug_image: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct NodeShellConfig {
    #[serde(default)]
    pub enabled: bool,
    pub image: Option<String>,
    pub namespace: Option<String>,
    pub ttl_seconds: Option<i64>,
}

impl Config {
    /// Where and how often to scrape DCGM; a malformed service name is a warning and the default.
    pub fn dcgm(&self) -> (DcgmSettings, Option<String>) {
        let mut settings = DcgmSettings { prometheus: self.prometheus_service.clone(), ..DcgmSettings::default() };
        if let Some(seconds) = self.dcgm_interval_seconds {
            settings.every = Duration::from_secs(seconds.max(1));
        }
        let warning = match self.dcgm_service.as_deref().map(|s| s.split_once('/')) {
            None => None,
            Some(Some((ns, name))) if !ns.is_empty() && !name.is_empty() => {
                (settings.namespace, settings.service) = (ns.to_string(), name.to_string());
                None
            }
            Some(_) => Some("dcgm-service must be NAMESPACE/NAME; using gpu-operator/nvidia-dcgm-exporter".to_string()),
        };
        (settings, warning)
    }

    /// Where validation Jobs run and with what image.
    pub fn validator(&self) -> ValidatorSettings {
        let defaults = ValidatorSettings::default();
        ValidatorSettings {
            image: self.validator_image.clone().unwrap_or(defaults.image),
            namespace: self.validator_namespace.clone().unwrap_or(defaults.namespace),
        }
    }

    /// Where node shells and debug containers come from; the node shell stays off unless enabled.
    pub fn sessions(&self) -> SessionSettings {
        let defaults = NodeShell::default();
        let shell = &self.node_shell;
        SessionSettings {
            node_shell: shell.enabled.then(|| NodeShell {
                image: shell.image.clone().unwrap_or(defaults.image),
                namespace: shell.namespace.clone().unwrap_or(defaults.namespace),
                ttl_seconds: shell.ttl_seconds.unwrap_or(defaults.ttl_seconds).max(60),
            }),
            debug_image: self.debug_image.clone().unwrap_or_else(|| DEFAULT_DEBUG_IMAGE.into()),
        }
    }

    pub fn nvml(&self) -> NvmlSettings {
        let mut settings = NvmlSettings { library: self.nvml_library.clone(), ..NvmlSettings::default() };
        if let Some(ms) = self.nvml_interval_ms {
            settings.every = Duration::from_millis(ms.max(100));
        }
        settings
    }

    /// The config, or the default and a warning saying what is wrong with the file; never a failed start.
    pub fn parse(text: Option<&str>, origin: &str) -> (Config, Option<String>) {
        match text.map(toml::from_str::<Config>) {
            None => (Config::default(), None),
            Some(Ok(config)) => (config, None),
            Some(Err(e)) => (Config::default(), Some(format!("{origin}: {}", e.message()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_contexts_and_bad_files() {
        let (config, warning) = Config::parse(Some("read-only-contexts = [\"prod\"]"), "config.toml");
        assert_eq!((config.read_only_contexts, warning), (vec!["prod".to_string()], None));
        let (config, warning) = Config::parse(Some("read-only = true"), "config.toml");
        assert_eq!(config, Config::default());
        assert!(warning.is_some_and(|w| w.contains("read-only")));
    }

    #[test]
    fn the_node_shell_is_off_until_enabled() {
        assert_eq!(Config::default().sessions().node_shell, None);
        let text =
            "debug-image = \"nicolaka/netshoot\"\n[node-shell]\nenabled = true\nnamespace = \"ops\"\nttl-seconds = 5\n";
        let (config, warning) = Config::parse(Some(text), "config.toml");
        assert_eq!(warning, None);
        let sessions = config.sessions();
        assert_eq!(sessions.debug_image, "nicolaka/netshoot");
        let shell = sessions.node_shell.unwrap();
        assert_eq!((shell.namespace.as_str(), shell.image.as_str()), ("ops", DEFAULT_DEBUG_IMAGE));
        assert_eq!(shell.ttl_seconds, 60, "a deadline shorter than a minute would end a shell as it starts");
    }

    #[test]
    fn registries_and_mirrors_from_the_config() {
        let text = "registries = [\"http://127.0.0.1:5000\"]\n[registry-mirrors]\n\"docker.io\" = \"https://mirror.example\"\n";
        let (config, warning) = Config::parse(Some(text), "config.toml");
        assert_eq!(warning, None);
        assert_eq!(config.registries, ["http://127.0.0.1:5000"]);
        assert_eq!(config.registry_mirrors.get("docker.io").map(String::as_str), Some("https://mirror.example"));
    }

    #[test]
    fn validator_image_and_namespace_from_the_config() {
        assert_eq!(Config::default().validator(), ValidatorSettings::default());
        let text = "validator-image = \"registry.example/validator:0.2\"\nvalidator-namespace = \"gpu-ops\"\n";
        let (config, warning) = Config::parse(Some(text), "config.toml");
        assert_eq!(warning, None);
        let settings = config.validator();
        assert_eq!(
            (settings.image.as_str(), settings.namespace.as_str()),
            ("registry.example/validator:0.2", "gpu-ops")
        );
    }

    #[test]
    fn gpu_sources_from_the_config() {
        let text = "dcgm-service = \"monitoring/dcgm\"\ndcgm-interval-seconds = 30\nnvml-interval-ms = 10\n";
        let (config, warning) = Config::parse(Some(text), "config.toml");
        assert_eq!(warning, None);
        let (dcgm, warning) = config.dcgm();
        assert_eq!(
            (dcgm.namespace.as_str(), dcgm.service.as_str(), dcgm.every),
            ("monitoring", "dcgm", Duration::from_secs(30))
        );
        assert_eq!(warning, None);
        assert_eq!(config.nvml().every, Duration::from_millis(100), "NVML is never sampled faster than 10 Hz");
        let (config, _) = Config::parse(Some("dcgm-service = \"dcgm\""), "config.toml");
        let (dcgm, warning) = config.dcgm();
        assert_eq!((dcgm, warning.is_some()), (DcgmSettings::default(), true));
    }
}
