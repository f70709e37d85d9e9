//! One-shot IO the reducers ask for: describe and YAML fetches, edits and applies, scale and restart, the recovery
//! file, context switches. Each answers with one event (an apply with one per document); a wake-up, a clipboard
//! copy and a kept recovery file answer only when they fail or are due.

pub mod apply;
pub mod describe;
pub mod drain;
pub mod external;
pub mod forward;
pub mod helm;
pub mod history;
pub mod inference;
pub mod operate;
pub mod prepare;
pub mod registry;
pub mod scale;
pub mod session;
pub mod validation;
pub mod volumes;

use std::path::PathBuf;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use crate::event::{Data, Effect, Event, ObjectAddress};

/// Runs effects against the current client.
pub struct Effects {
    pub client: Client,
    /// None for the demo cluster (one context only).
    pub kubeconfig: Option<Kubeconfig>,
    pub tx: UnboundedSender<Event>,
    /// The running log stream, stopped when another replaces it or the view closes.
    pub logs: Option<AbortHandle>,
    /// Where the editor's unapplied text is kept (in the XDG state dir), offered again at the next start.
    pub recovery: Option<PathBuf>,
    /// The apply in flight, stopped when another replaces it or the operator leaves it.
    pub apply: Option<AbortHandle>,
    /// Registry requests share one client: its cache, tokens and in-flight limit.
    pub registry: registry::RegistryClient,
    /// The newest local validation: an older run stops at its next image or batch size.
    pub inference: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// The generic view's watch, stopped when another listing replaces it (a context switch opens it again).
    pub browse: Option<AbortHandle>,
    /// The running drain and its generation: esc stops it sending more evictions.
    pub drain: Option<(u64, AbortHandle)>,
    /// The running port-forwards by id; they end with the console.
    pub forwards: std::collections::HashMap<u64, AbortHandle>,
}

/// The console's client for a context. kube retries 429, 503 and 504 itself by default, with a backoff that grows
/// to minutes; the console must see a refusal when it comes: a PodDisruptionBudget's 429 is asked again on the
/// drain's own 5 s (as kubectl does) and named on the pod's line, and every other error reaches the operator.
pub fn console_client(mut config: kube::Config) -> kube::Result<Client> {
    config.default_retry = false;
    Client::try_from(config)
}

/// How long the editor waits after the last keystroke before checking the text and autosaving it.
pub const QUIET_TIME: std::time::Duration = std::time::Duration::from_millis(300);

impl Effects {
    /// No lane busy yet: nothing streams, applies or watches until a reducer asks.
    pub fn new(
        client: Client,
        kubeconfig: Option<Kubeconfig>,
        tx: UnboundedSender<Event>,
        recovery: Option<PathBuf>,
        registry: registry::RegistryClient,
    ) -> Effects {
        Effects {
            client,
            kubeconfig,
            tx,
            logs: None,
            recovery,
            apply: None,
            registry,
            inference: Default::default(),
            browse: None,
            drain: None,
            forwards: Default::default(),
        }
    }

    fn stop_browse(&mut self) {
        if let Some(watch) = self.browse.take() {
            watch.abort();
        }
    }

    fn cancel_apply(&mut self) {
        if let Some(run) = self.apply.take() {
            run.abort();
        }
    }

    fn stop_logs(&mut self) {
        if let Some(stream) = self.logs.take() {
            stream.abort();
        }
    }

    /// Runs one-shot work on a task; what it returns is its one answer to the loop (dropped if the loop is gone).
    fn answer(&self, work: impl std::future::Future<Output = Event> + Send + 'static) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(work.await);
        });
    }

    pub fn spawn(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        let client = self.client.clone();
        match effect {
            Effect::Describe { address, generation } if address.name.is_empty() => {
                let _ = tx.send(document(&address, Err("unsupported object".into()), generation));
            }
            Effect::Describe { address, generation } => self.answer(async move {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let text = describe::describe(&client, &address, now).await.map_err(|e| e.to_string());
                document(&address, text, generation)
            }),
            Effect::Yaml { address, generation } => self.answer(async move {
                let text = apply::fetch_yaml(&client, &address).await.map_err(|e| e.to_string());
                let title = format!("{} (YAML)", address.title());
                Event::Data(Data::Document { title, text, yaml: true, generation })
            }),
            Effect::Logs { target, generation } => {
                self.stop_logs();
                self.logs = Some(crate::sources::logs::spawn(client, target, generation, tx));
            }
            Effect::StopLogs => self.stop_logs(),
            Effect::SaveLogs { path, lines } => self.answer(async move {
                let mut text = lines.join("\n");
                text.push('\n');
                let error = tokio::fs::write(&path, text).await.err().map(|e| e.to_string());
                Event::Data(Data::LogsSaved { path, lines: lines.len(), error })
            }),
            Effect::Copy(text) => {
                use base64::Engine;
                use std::io::Write;
                // OSC 52: the terminal (or tmux, or the SSH client's terminal) sets its clipboard.
                let sequence = format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text));
                let mut out = std::io::stdout();
                let _ = out.write_all(sequence.as_bytes()).and_then(|()| out.flush());
            }
            Effect::Edit { address, generation, external } => self.answer(async move {
                let title = address.title();
                let text = apply::fetch_for_edit(&client, &address).await.map_err(|e| e.to_string());
                Event::Data(Data::EditText { generation, title, text, external })
            }),
            Effect::ReadManifest { path, generation } => self.answer(async move {
                let text = tokio::fs::read(&path)
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string()));
                let title = format!("file {path}");
                Event::Data(Data::EditText { generation, title, text, external: false })
            }),
            // The app loop runs $EDITOR and sessions itself: it alone can hand the terminal over.
            Effect::ExternalEditor { .. } | Effect::Session(_) => {}
            Effect::StartNodeShell { node, shell } => self.answer(async move {
                Event::Data(Data::SessionReady(prepare::start_node_shell(&client, &node, &shell).await.map(Box::new)))
            }),
            Effect::StartDebug { namespace, pod, image, target } => self.answer(async move {
                let started = prepare::start_debug(&client, &namespace, &pod, &image, target.as_deref()).await;
                Event::Data(Data::SessionReady(started.map(Box::new)))
            }),
            Effect::Forward(specs) => {
                for spec in specs {
                    let id = spec.id;
                    let run = tokio::spawn(forward::run(client.clone(), spec, tx.clone()));
                    self.forwards.insert(id, run.abort_handle());
                }
            }
            Effect::StopForward(id) => {
                if let Some(run) = self.forwards.remove(&id) {
                    run.abort();
                }
            }
            Effect::Apply { documents, reviewed, dry_run, force, generation } => {
                self.cancel_apply();
                let run = tokio::spawn(async move {
                    // In order: a namespace before what goes in it, a CRD before its objects.
                    let mut namespaces = Vec::new();
                    for (i, document) in documents.iter().enumerate() {
                        let seen = reviewed.get(i).copied().flatten();
                        let outcome = apply::apply_one(&client, document, dry_run, force, &namespaces, seen).await;
                        if document["kind"] == "Namespace" && outcome.result.is_ok() {
                            namespaces.extend(document["metadata"]["name"].as_str().map(String::from));
                        }
                        if tx.send(Event::Data(Data::Applied { generation, outcome })).is_err() {
                            return;
                        }
                    }
                });
                self.apply = Some(run.abort_handle());
            }
            Effect::CancelApply => self.cancel_apply(),
            Effect::Helm(effect) => self.answer(async move { Event::Data(helm::run(client, effect).await) }),
            Effect::History(effect) => {
                let registry = self.registry.clone();
                self.answer(async move { Event::Data(history::run(client, registry, effect).await) })
            }
            Effect::Scale { target, replicas } => self.answer(async move {
                let error = scale::scale(&client, &target, replicas).await.err();
                let what = format!("scale {} to {replicas}", target.title());
                Event::Data(Data::Mutated { uid: target.uid, what, error })
            }),
            Effect::Restart { target } => self.answer(async move {
                let now = k8s_openapi::jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                let error = scale::restart(&client, &target, &now).await.err();
                let what = format!("restart {}", target.title());
                Event::Data(Data::Mutated { uid: target.uid, what, error })
            }),
            Effect::LookupHpa { target } => self.answer(async move {
                let hpa = scale::find_hpa(&client, &target).await;
                Event::Data(Data::Hpa { uid: target.uid, hpa })
            }),
            // Written at once, not on a task: the loop may be about to quit, and a kept edit must be on disk first.
            Effect::Autosave(text) => {
                let Some(path) = self.recovery.clone() else { return };
                let result = match text {
                    Some(text) => write_private(&path, &text),
                    None => std::fs::remove_file(&path).or_else(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => Ok(()),
                        _ => Err(e),
                    }),
                };
                if let Err(e) = result {
                    let _ = tx.send(Event::Data(Data::AutosaveFailed(format!("{}: {e}", path.display()))));
                }
            }
            Effect::Wake { token } => self.answer(async move {
                tokio::time::sleep(QUIET_TIME).await;
                Event::Data(Data::Wake(token))
            }),
            Effect::BrowseRegistry { registry, known } => {
                let client = self.registry.clone();
                tokio::spawn(async move {
                    registry::browse(&client, &registry, known, |data| tx.send(Event::Data(data)).is_ok()).await
                });
            }
            Effect::RegistryManifest { registry, repository, reference, generation } => {
                let client = self.registry.clone();
                self.answer(async move {
                    let detail = client.manifest(&registry, &repository, &reference).await.map_err(|e| e.to_string());
                    Event::Data(Data::Manifest { generation, detail })
                })
            }
            Effect::CheckImage { image, platform } => {
                let client = self.registry.clone();
                self.answer(async move {
                    let verdict = client.check(&image, platform.as_deref()).await;
                    Event::Data(Data::ImageChecked { image, verdict })
                })
            }
            Effect::LoadSamples { model, images } => inference::load_samples(model, images, tx),
            Effect::Infer { generation, options } => {
                self.inference.store(generation, std::sync::atomic::Ordering::Relaxed);
                inference::run(generation, *options, self.inference.clone(), tx)
            }
            Effect::Validate { run, job, cordon } => {
                tokio::spawn(validation::create_and_follow(client, run, job, cordon, tx));
            }
            Effect::VolumeStats { nodes } => {
                tokio::spawn(volumes::ask(client, nodes, tx));
            }
            // A failure leaves the last answer standing.
            Effect::Discover => self.answer(async move {
                Event::Data(match crate::sources::kube::known_resources(&client).await {
                    Ok(resources) => Data::Kinds(resources),
                    Err(e) => Data::SourceError { resource: "discovery", message: e.to_string() },
                })
            }),
            Effect::Browse { listing, generation } => {
                self.stop_browse();
                self.browse = Some(crate::sources::table::spawn(client, listing, generation, tx));
            }
            Effect::LoadBudgets { namespaces, generation } => self.answer(async move {
                let budgets = drain::load_budgets(&client, &namespaces).await;
                Event::Data(Data::Budgets { generation, budgets })
            }),
            Effect::Drain { nodes, pods, options, generation } => {
                let run = tokio::spawn(drain::drain(client, nodes, pods, options, generation, tx));
                self.drain = Some((generation, run.abort_handle()));
            }
            Effect::StopDrain => {
                if let Some((generation, run)) = self.drain.take() {
                    run.abort();
                    let update = crate::model::drain::DrainUpdate::Finished;
                    let _ = self.tx.send(Event::Data(Data::Drain { generation, update }));
                }
            }
            Effect::Operate { operation, targets } => self.answer(async move {
                let results = operate::operate(&client, &operation, &targets).await;
                Event::Data(Data::Operated { what: operation.to_string(), results })
            }),
            Effect::LabelNode { node, uid, label, value } => self.answer(async move {
                let error = validation::label_node(&client, &node, &label, &value).await.err();
                let what = format!("label node {node} {label}={value}");
                Event::Data(Data::Mutated { uid, what, error })
            }),
            Effect::SwitchContext(context) => {
                let Some(kubeconfig) = self.kubeconfig.clone() else { return };
                self.answer(async move {
                    let options = KubeConfigOptions { context: Some(context.clone()), ..KubeConfigOptions::default() };
                    let client = match kube::Config::from_custom_kubeconfig(kubeconfig, &options).await {
                        Ok(config) => console_client(config).map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    match client {
                        Ok(client) => Event::Connected(context, client),
                        Err(message) => Event::Data(Data::ConnectFailed { context, message }),
                    }
                })
            }
        }
    }
}

/// Writes a file only its owner can read (edits may hold values an operator would not share), through a fresh
/// temporary file renamed into place, so a link planted at the path is replaced, never followed.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".recovery-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

fn document(address: &ObjectAddress, text: Result<String, String>, generation: u64) -> Event {
    let title = address.title();
    Event::Data(Data::Document { title, text, yaml: false, generation })
}
