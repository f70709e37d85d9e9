//! The user's config file (`$XDG_CONFIG_HOME/gpudeck/config.toml`): settings that are not keys or colours.
//! Parsing only; main reads the file.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Contexts where every mutation is refused, as if `--readonly` were given (production, say).
    #[serde(default)]
    pub read_only_contexts: Vec<String>,
}

impl Config {
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
}
