//! The console without a terminal: its state and real effects against a sim, pumped until a condition holds.

use std::time::Duration;

use gpudeck::effects::Effects;
use gpudeck::effects::registry::{RegistryClient, RegistrySettings};
use gpudeck::event::Event;
use gpudeck::state::State;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::TestSim;

/// A client of the sim as `context` (None: the admin), from the kubeconfig it wrote.
pub async fn client_for(sim: &TestSim, context: Option<&str>) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_text).unwrap();
    let options = KubeConfigOptions { context: context.map(String::from), ..KubeConfigOptions::default() };
    gpudeck::effects::console_client(Config::from_custom_kubeconfig(kubeconfig, &options).await.unwrap()).unwrap()
}

/// `:LINE` typed at the command prompt and entered.
pub fn command(state: &mut State, line: &str) {
    state.act(gpudeck::action::Action::Command);
    for c in line.chars() {
        state.type_char(c);
    }
    state.act(gpudeck::action::Action::Accept);
}

pub struct Console {
    pub state: State,
    pub effects: Effects,
    /// What effects answer; `until` absorbs it, a test may read it directly.
    pub rx: UnboundedReceiver<Event>,
    patience: Duration,
}

impl Console {
    /// `state` driven by effects on `client`; `until` waits at most `patience` for what it is asked.
    pub fn new(client: Client, state: State, patience: Duration) -> Console {
        let (tx, rx) = unbounded_channel();
        let effects = Effects::new(client, None, tx, None, RegistryClient::new(RegistrySettings::default()).unwrap());
        Console { state, effects, rx, patience }
    }

    /// Runs what the state asked for, and absorbs what comes back until `done` holds (false at the deadline).
    pub async fn until(&mut self, done: impl Fn(&State) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + self.patience;
        loop {
            for effect in std::mem::take(&mut self.state.effects) {
                self.effects.spawn(effect);
            }
            if done(&self.state) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(Event::Data(data))) => {
                    self.state.absorb(data);
                    self.state.settle();
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return false,
            }
        }
    }

    pub fn notice(&self) -> String {
        self.state.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default()
    }
}
