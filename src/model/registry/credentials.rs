//! `~/.docker/config.json` read the way the docker CLI reads it: a registry's own helper, else the default store,
//! and inline `auths` only where no store is set. Secrets never reach Debug output or logs.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;

/// Where a registry's credentials come from.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    Basic {
        user: String,
        password: String,
    },
    /// `docker-credential-<name> get`, answered with JSON on stdout.
    Helper(String),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Basic { user, .. } => write!(f, "Basic({user}, <redacted>)"),
            Source::Helper(name) => write!(f, "Helper({name})"),
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DockerConfig {
    auths: BTreeMap<String, Source>,
    store: Option<String>,
    helpers: BTreeMap<String, String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    auths: BTreeMap<String, Entry>,
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(serde::Deserialize, Default)]
struct Entry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

impl DockerConfig {
    pub fn parse(text: &str) -> Result<DockerConfig, String> {
        let file: File = serde_json::from_str(text).map_err(|e| format!("docker config: {e}"))?;
        let mut auths = BTreeMap::new();
        for (key, entry) in file.auths {
            let basic = match (&entry.auth, entry.username, entry.password) {
                (Some(encoded), _, _) if !encoded.is_empty() => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(encoded.trim())
                        .map_err(|e| format!("docker config: auths.{key}.auth is not base64: {e}"))?;
                    let text = String::from_utf8(decoded).map_err(|_| format!("docker config: auths.{key}.auth"))?;
                    let (user, password) =
                        text.split_once(':').ok_or_else(|| format!("docker config: auths.{key}.auth has no ':'"))?;
                    Some(Source::Basic { user: user.into(), password: password.into() })
                }
                (_, Some(user), Some(password)) => Some(Source::Basic { user, password }),
                // `{}`: a placeholder for an entry the store holds.
                _ => None,
            };
            if let Some(source) = basic {
                auths.insert(registry_key(&key), source);
            }
        }
        let helpers = file.cred_helpers.into_iter().map(|(k, v)| (registry_key(&k), v)).collect();
        Ok(DockerConfig { auths, store: file.creds_store.filter(|s| !s.is_empty()), helpers })
    }

    /// How to get credentials for `registry` (as image references name it), if the config has any.
    pub fn source(&self, registry: &str) -> Option<Source> {
        let key = registry_key(registry);
        if let Some(helper) = self.helpers.get(&key) {
            return Some(Source::Helper(helper.clone()));
        }
        match &self.store {
            Some(store) => Some(Source::Helper(store.clone())),
            None => self.auths.get(&key).cloned(),
        }
    }
}

/// A config key or image registry as one name: no scheme, no path, Docker Hub's many names as `docker.io`.
pub fn registry_key(name: &str) -> String {
    let without_scheme = name.split_once("://").map_or(name, |(_, rest)| rest);
    let host = without_scheme.split('/').next().unwrap_or(without_scheme).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => super::DOCKER_HUB.into(),
        _ => host,
    }
}

/// What a credential helper printed for `get`.
pub fn helper_answer(stdout: &[u8]) -> Result<(String, String), String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Username")]
        username: String,
        #[serde(rename = "Secret")]
        secret: String,
    }
    let answer: Answer = serde_json::from_slice(stdout).map_err(|e| format!("unreadable answer: {e}"))?;
    Ok((answer.username, answer.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_win_then_the_store_then_inline_auths() {
        let inline = DockerConfig::parse(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YWxpY2U6czNjcmV0"},"registry.example:5000":{},
                "ghcr.io":{"username":"bob","password":"pat"}}}"#,
        )
        .unwrap();
        assert_eq!(inline.source("docker.io"), Some(Source::Basic { user: "alice".into(), password: "s3cret".into() }));
        assert_eq!(inline.source("ghcr.io"), Some(Source::Basic { user: "bob".into(), password: "pat".into() }));
        assert_eq!(inline.source("registry.example:5000"), None, "an empty entry holds no credentials");
        assert!(!format!("{:?}", inline.source("docker.io")).contains("s3cret"), "Debug must not print secrets");
        let config = DockerConfig::parse(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YWxpY2U6czNjcmV0"},"registry.example:5000":{},
                "ghcr.io":{"username":"bob","password":"pat"}},
               "credsStore":"desktop","credHelpers":{"123.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"}}"#,
        )
        .unwrap();
        assert_eq!(config.source("123.dkr.ecr.us-east-1.amazonaws.com"), Some(Source::Helper("ecr-login".into())));
        assert_eq!(config.source("registry.example:5000"), Some(Source::Helper("desktop".into())));
        assert_eq!(
            config.source("docker.io"),
            Some(Source::Helper("desktop".into())),
            "with a store, inline auths are not read"
        );
        assert_eq!(DockerConfig::parse("{}").unwrap().source("ghcr.io"), None);
        assert!(DockerConfig::parse(r#"{"auths":{"x":{"auth":"!!"}}}"#).unwrap_err().contains("base64"));
        assert_eq!(helper_answer(br#"{"ServerURL":"x","Username":"u","Secret":"s"}"#), Ok(("u".into(), "s".into())));
    }
}
