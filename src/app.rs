//! The app loop, the only owner of state: draw → wait for one event → drain the burst → keymap → act/absorb.

use std::io::Stdout;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::AbortHandle;

use crate::action::Scope;
use crate::effects::Effects;
use crate::event::{Data, Effect, Event};
use crate::keymap::{Chord, Keymap};
use crate::quiet_backend::QuietBackend;
use crate::sources::terminal::InputGate;
use crate::state::editor::Stage;
use crate::state::{Mode, State};
use crate::theme::Theme;
use crate::ui;

/// The shortest time between two frames drawn for data changes.
const FRAME: std::time::Duration = std::time::Duration::from_millis(250);

pub struct App {
    pub state: State,
    pub theme: Theme,
    pub keymap: Keymap,
    pub effects: Effects,
    /// The running watches; replaced on a context switch.
    pub watches: Vec<AbortHandle>,
    /// Which DCGM exporter the watches scrape (started again with them on a context switch), and how often now.
    pub dcgm: crate::sources::dcgm::DcgmSettings,
    pub dcgm_every: tokio::sync::watch::Sender<std::time::Duration>,
    /// Test-only: pressing this key panics, so tests can prove the panic hook restores the terminal.
    pub panic_key: Option<char>,
    /// When the process started, to log how long the first complete pods table took (the benchmark reads it).
    pub started: std::time::Instant,
    /// Stops terminal input while $EDITOR has the terminal.
    pub input: InputGate,
}

impl App {
    pub async fn run<B: Backend>(
        mut self,
        terminal: &mut Terminal<B>,
        mut events: UnboundedReceiver<Event>,
    ) -> anyhow::Result<()>
    where
        B::Error: Send + Sync + 'static,
    {
        let mut first_table_logged = false;
        loop {
            terminal.draw(|frame| ui::render(frame, &self.state, &self.theme, &self.keymap))?;
            let drawn = tokio::time::Instant::now();
            if !first_table_logged && self.state.synced.contains("pods") {
                first_table_logged = true;
                tracing::info!(
                    elapsed_ms = self.started.elapsed().as_millis() as u64,
                    pods = self.state.pods.total(),
                    "first complete pods table drawn"
                );
            }
            let Some(first) = events.recv().await else { return Ok(()) };
            let mut input = first.is_input();
            self.handle(first);
            // Data alone redraws at most every FRAME: watches flushing one after another share a frame. Input
            // redraws at once.
            loop {
                let next = match events.try_recv() {
                    Ok(next) => Some(next),
                    Err(_) if input => None,
                    Err(_) => tokio::time::timeout_at(drawn + FRAME, events.recv()).await.ok().flatten(),
                };
                let Some(next) = next else { break };
                input |= next.is_input();
                self.handle(next);
            }
            self.state.settle();
            // Running $EDITOR feeds its result back, which may ask for more effects (the dry-run).
            while !self.state.effects.is_empty() {
                for effect in std::mem::take(&mut self.state.effects) {
                    match effect {
                        Effect::ExternalEditor { text, generation } => {
                            let text = self.external_editor(terminal, &text, generation)?;
                            self.state.absorb(Data::ExternalEdited { generation, text });
                        }
                        Effect::Session(session) => {
                            let ended = self.session(terminal, *session).await?;
                            self.state.absorb(ended);
                        }
                        other => self.effects.spawn(other),
                    }
                }
                self.state.settle();
            }
            if self.state.quit {
                return Ok(());
            }
            let wanted = self.state.dcgm_interval();
            self.dcgm_every.send_if_modified(|every| std::mem::replace(every, wanted) != wanted);
        }
    }

    /// Hands the terminal to $EDITOR and takes it back: input stops, the screen is restored for the editor, and
    /// redrawn in full afterwards.
    fn external_editor<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        text: &str,
        generation: u64,
    ) -> anyhow::Result<Result<String, String>>
    where
        B::Error: Send + Sync + 'static,
    {
        self.input.pause();
        restore();
        let edited = tokio::task::block_in_place(|| crate::effects::external::edit(text, generation));
        let entered = enter_screen();
        self.input.resume();
        entered?;
        terminal.clear()?;
        Ok(edited)
    }

    /// Gives the terminal to a shell or attach session and takes it back. The stream is opened first, while the
    /// console still has the screen, so a refusal (no such container, 403, not running) is only a message; then
    /// input stops, the alternate screen is left with raw mode kept (every key, ctrl-c too, goes to the remote
    /// TTY), and the screen is redrawn in full afterwards. What the session needed started is removed.
    async fn session<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        session: crate::model::session::Session,
    ) -> anyhow::Result<Data>
    where
        B::Error: Send + Sync + 'static,
    {
        use crate::effects::session;
        let title = session.title();
        let client = self.effects.client.clone();
        let connected = tokio::time::timeout(session::CONNECT_TIMEOUT, session::connect(&client, &session))
            .await
            .unwrap_or_else(|_| Err(format!("no answer in {}s", session::CONNECT_TIMEOUT.as_secs())));
        let result = match connected {
            Err(why) => Err(why),
            Ok(process) => {
                tokio::task::block_in_place(|| self.input.pause());
                leave_screen(&title);
                let ended = session::bridge(process).await;
                let entered = enter_screen();
                self.input.resume();
                entered?;
                terminal.clear()?;
                ended
            }
        };
        let cleanup = crate::effects::prepare::finish(&client, &session.cleanup).await;
        Ok(Data::SessionEnded { title, result, cleanup })
    }

    /// Applies one event to the state.
    pub fn handle(&mut self, event: Event) {
        match event {
            Event::Key(key) => self.key(key),
            Event::Resize(w, h) => self.state.resize(w, h),
            Event::Tick(now) => self.state.tick(now),
            Event::Data(data) => self.state.absorb(data),
            Event::Terminate => self.state.quit = true,
            Event::Connected(context, client) => {
                for watch in self.watches.drain(..) {
                    watch.abort();
                }
                let every = self.dcgm_every.subscribe();
                self.watches = crate::sources::kube::spawn_all(&client, &self.effects.tx, &self.dcgm, every);
                self.effects.client = client;
                self.state.absorb(crate::event::Data::Connected { context });
            }
        }
    }

    fn key(&mut self, key: KeyEvent) {
        if let (Some(p), KeyCode::Char(c)) = (self.panic_key, key.code)
            && p == c
            && self.state.mode == Mode::Normal
        {
            panic!("test-only panic key pressed");
        }
        let scopes: &[Scope] = match self.state.mode {
            Mode::Normal => &[Scope::Table, Scope::Global],
            Mode::Filter { .. } => &[Scope::Filter, Scope::Global],
            Mode::Command { .. } => &[Scope::Command, Scope::Global],
            Mode::Document { .. } => &[Scope::View, Scope::Global],
            Mode::Help { .. } => &[Scope::Help, Scope::Global],
            Mode::Picker(_) => &[Scope::Picker, Scope::Global],
            Mode::Logs { prompt: Some(_) } => &[Scope::Filter, Scope::Global],
            Mode::Logs { prompt: None } => &[Scope::Logs, Scope::Global],
            Mode::Editor => match self.state.editor.as_ref().map(|e| &e.stage) {
                Some(Stage::Searching(_)) => &[Scope::Filter, Scope::Global],
                Some(Stage::Editing) => &[Scope::Editor, Scope::Global],
                _ => &[Scope::Review, Scope::Global],
            },
            Mode::Scale(_) => &[Scope::Prompt, Scope::Global],
            Mode::Confirm(_) => &[Scope::Confirm, Scope::Global],
            Mode::Drain => &[Scope::Drain, Scope::Global],
            Mode::Remedy(_) => &[Scope::Remedy, Scope::Global],
            Mode::Forwards { .. } => &[Scope::Forwards, Scope::Global],
        };
        let editing =
            self.state.mode == Mode::Editor && self.state.editor.as_ref().is_some_and(|e| e.stage == Stage::Editing);
        if let Some(action) = Chord::from_event(&key).and_then(|chord| self.keymap.resolve(scopes, chord)) {
            self.state.act(action);
        } else if editing {
            self.state.edit_key(key);
        } else if let (
            Mode::Filter { .. }
            | Mode::Command { .. }
            | Mode::Picker(_)
            | Mode::Logs { prompt: Some(_) }
            | Mode::Editor
            | Mode::Scale(_),
            KeyCode::Char(c),
        ) = (&self.state.mode, key.code)
            && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            self.state.type_char(c);
        }
    }
}

/// Raw mode and the alternate screen, undone on drop, on panic and on signals.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> anyhow::Result<(TerminalGuard, Terminal<QuietBackend<CrosstermBackend<Stdout>>>)> {
        enter_screen()?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            tracing::error!("panic: {info}");
            restore();
            previous(info);
        }));
        Ok((TerminalGuard, Terminal::new(QuietBackend::new(CrosstermBackend::new(std::io::stdout())))?))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Raw mode, the alternate screen, no cursor: the console's terminal.
fn enter_screen() -> std::io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen, crossterm::cursor::Hide)
}

/// The terminal as a remote TTY wants it: the main screen, the cursor shown, raw mode kept; one line says whose
/// shell this is and how to get back.
fn leave_screen(title: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = write!(out, "gpudeck: {title}; end the session (exit, ctrl-d) to return\r\n").and_then(|()| out.flush());
}

/// Leaves raw mode and the alternate screen and shows the cursor; safe to call twice.
pub fn restore() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen, crossterm::cursor::Show);
}
