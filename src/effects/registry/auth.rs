//! Logging in to registries: credentials from the docker config (inline, or a `docker-credential-*` helper run
//! once per registry), Basic where asked, bearer tokens per scope cached until they expire. Never logged.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};
use tokio::io::AsyncWriteExt;

use super::RegistrySettings;
use crate::model::registry::credentials::{DockerConfig, Source, helper_answer};
use crate::model::registry::{Challenge, DOCKER_HUB, RegistryError};

type Login = Option<(String, String)>;

pub struct Auth {
    config: Result<DockerConfig, String>,
    helper_path: Option<std::ffi::OsString>,
    /// Resolved credentials per registry, or why they could not be: helpers can take seconds (or prompt), so each
    /// registry's is asked once, failures included.
    logins: Mutex<HashMap<String, Result<Login, String>>>,
    /// Held while a helper is asked, so concurrent requests wait for its answer instead of asking again.
    asking: tokio::sync::Mutex<()>,
    /// Registries that asked for Basic.
    basic: Mutex<HashSet<String>>,
    /// (registry, scope) → token and when it stops being good.
    tokens: Mutex<HashMap<(String, String), (String, Instant)>>,
}

impl Auth {
    pub fn new(settings: &RegistrySettings) -> Auth {
        let config = match &settings.docker_config {
            Some(dir) => match std::fs::read_to_string(dir.join("config.json")) {
                Ok(text) => {
                    DockerConfig::parse(&text).map_err(|e| format!("{}: {e}", dir.join("config.json").display()))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DockerConfig::default()),
                Err(e) => Err(format!("{}: {e}", dir.join("config.json").display())),
            },
            None => Ok(DockerConfig::default()),
        };
        Auth {
            config,
            helper_path: settings.helper_path.clone(),
            logins: Mutex::default(),
            asking: tokio::sync::Mutex::new(()),
            basic: Mutex::default(),
            tokens: Mutex::default(),
        }
    }

    /// The Authorization header for a request to `registry` needing `scope`, when a login is known.
    pub fn header(&self, registry: &str, scope: &str) -> Option<String> {
        let tokens = self.tokens.lock().ok()?;
        if let Some((token, until)) = tokens.get(&(registry.to_string(), scope.to_string())) {
            if Instant::now() < *until {
                return Some(format!("Bearer {token}"));
            }
        }
        drop(tokens);
        if !self.basic.lock().ok()?.contains(registry) {
            return None;
        }
        let (user, password) = self.known_login(registry)?;
        Some(basic(&user, &password))
    }

    /// Answers a 401's challenge: remembers Basic, or fetches a token for `scope`.
    pub async fn log_in(
        &self,
        http: &reqwest::Client,
        registry: &str,
        challenge: Option<Challenge>,
        scope: &str,
    ) -> Result<(), RegistryError> {
        let login = self.login(registry).await?;
        match challenge {
            None | Some(Challenge::Basic) => {
                if login.is_none() {
                    return Err(RegistryError::NoCredentials { registry: registry.into() });
                }
                if let Ok(mut basic) = self.basic.lock() {
                    basic.insert(registry.to_string());
                }
                Ok(())
            }
            Some(Challenge::Bearer { realm, service, scope: asked, .. }) => {
                let wanted = asked.unwrap_or_else(|| scope.to_string());
                let mut query: Vec<(&str, &str)> = vec![("scope", wanted.as_str())];
                if let Some(service) = &service {
                    query.push(("service", service));
                }
                let mut request = http.get(&realm).query(&query);
                if let Some((user, password)) = &login {
                    request = request.header(reqwest::header::AUTHORIZATION, basic(user, password));
                }
                let response = request.send().await.map_err(|e| RegistryError::Unreachable {
                    registry: registry.into(),
                    why: format!("token server {realm}: {}", super::transport_error(&e)),
                })?;
                let status = response.status();
                if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
                    return Err(self.refused_login(registry, &login));
                }
                if !status.is_success() {
                    return Err(RegistryError::Refused {
                        registry: registry.into(),
                        status: status.as_u16(),
                        message: format!("token server {realm}"),
                    });
                }
                let token: Token = response.json().await.map_err(|e| RegistryError::Malformed {
                    registry: registry.into(),
                    what: "token".into(),
                    why: e.to_string(),
                })?;
                let value = token.token.or(token.access_token).ok_or_else(|| RegistryError::Malformed {
                    registry: registry.into(),
                    what: "token".into(),
                    why: "neither token nor access_token".into(),
                })?;
                // Renew a little early: a token that expires between our check and the registry's is a 401.
                let lasts = Duration::from_secs(token.expires_in.unwrap_or(60).max(10) - 5);
                if let Ok(mut tokens) = self.tokens.lock() {
                    let now = Instant::now();
                    tokens.retain(|_, (_, until)| *until > now);
                    tokens.insert((registry.to_string(), scope.to_string()), (value, now + lasts));
                }
                Ok(())
            }
        }
    }

    /// The error for a 401 that came after logging in: a login that lacks the scope is denied what it asked;
    /// otherwise the credentials (or their absence) are the problem.
    pub fn refused(&self, registry: &str, headers: &HeaderMap, ask: &super::Ask<'_>) -> RegistryError {
        let login = self.known_login(registry);
        let challenge = headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).and_then(Challenge::parse);
        match (challenge, &login) {
            (Some(Challenge::Bearer { error: Some(e), .. }), Some(_)) if e == "insufficient_scope" => {
                RegistryError::Denied {
                    registry: registry.into(),
                    action: super::verb(&ask.scope),
                    what: ask.what.clone(),
                }
            }
            _ => self.refused_login(registry, &login),
        }
    }

    /// The credentials already resolved for `registry`, if any.
    fn known_login(&self, registry: &str) -> Login {
        self.logins.lock().ok()?.get(registry)?.clone().ok()?
    }

    fn refused_login(&self, registry: &str, login: &Login) -> RegistryError {
        match login {
            Some((user, _)) => RegistryError::BadCredentials { registry: registry.into(), user: user.clone() },
            None => RegistryError::NoCredentials { registry: registry.into() },
        }
    }

    /// The credentials for `registry`, asking its helper the first time.
    async fn login(&self, registry: &str) -> Result<Login, RegistryError> {
        let known = || self.logins.lock().ok().and_then(|l| l.get(registry).cloned());
        let failed = |why| RegistryError::Credentials { registry: registry.into(), why };
        if let Some(known) = known() {
            return known.map_err(failed);
        }
        let _asking = self.asking.lock().await;
        // Another request may have asked while this one waited.
        if let Some(known) = known() {
            return known.map_err(failed);
        }
        let login = match self.config.as_ref().map(|c| c.source(registry)) {
            Err(why) => Err(why.clone()),
            Ok(None) => Ok(None),
            Ok(Some(Source::Basic { user, password })) => Ok(Some((user, password))),
            Ok(Some(Source::Helper(name))) => self.ask_helper(&name, registry).await,
        };
        if let Ok(mut logins) = self.logins.lock() {
            logins.insert(registry.to_string(), login.clone());
        }
        login.map_err(failed)
    }

    /// `docker-credential-NAME get` with the registry on stdin; "not found" is no login, not an error.
    async fn ask_helper(&self, name: &str, registry: &str) -> Result<Login, String> {
        let program = format!("docker-credential-{name}");
        let path = match &self.helper_path {
            Some(dirs) => std::env::split_paths(dirs)
                .map(|d| d.join(&program))
                .find(|p| p.is_file())
                .ok_or_else(|| format!("{program} is not installed"))?,
            None => PathBuf::from(&program),
        };
        let server = if registry == DOCKER_HUB { "https://index.docker.io/v1/" } else { registry };
        let mut child = tokio::process::Command::new(&path)
            .arg("get")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{program}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper may answer without reading (nothing stored): its exit status and output tell, not the pipe.
            let _ = stdin.write_all(server.as_bytes()).await;
        }
        let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
            .await
            .map_err(|_| format!("{program} did not answer in 10 s"))?
            .map_err(|e| format!("{program}: {e}"))?;
        if !output.status.success() {
            let said = String::from_utf8_lossy(&output.stdout);
            if said.to_lowercase().contains("credentials not found") {
                return Ok(None);
            }
            return Err(format!("{program} get failed ({})", output.status));
        }
        helper_answer(&output.stdout).map(Some).map_err(|e| format!("{program}: {e}"))
    }
}

#[derive(serde::Deserialize)]
struct Token {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}
