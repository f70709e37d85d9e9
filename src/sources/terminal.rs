//! Terminal input (a reader thread that can be paused), the 1 Hz clock, and SIGTERM/SIGHUP, as app events.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossterm::event::{Event as TermEvent, KeyEventKind};
use tokio::sync::mpsc::UnboundedSender;

use crate::event::Event;

/// Lets the app hand the terminal to another program ($EDITOR): while paused, nothing reads the terminal, so
/// not one keystroke meant for that program is taken.
#[derive(Clone, Default)]
pub struct InputGate(Arc<(Mutex<Gate>, Condvar)>);

#[derive(Default)]
struct Gate {
    paused: bool,
    /// The reader is waiting at the gate (not inside a poll), or gone: either way it reads nothing.
    parked: bool,
}

impl InputGate {
    /// Returns once the reader has stopped reading (within one poll interval).
    pub fn pause(&self) {
        let (lock, changed) = &*self.0;
        let mut gate = lock.lock().unwrap_or_else(|p| p.into_inner());
        gate.paused = true;
        while !gate.parked {
            gate = changed.wait(gate).unwrap_or_else(|p| p.into_inner());
        }
    }

    pub fn resume(&self) {
        let (lock, changed) = &*self.0;
        lock.lock().unwrap_or_else(|p| p.into_inner()).paused = false;
        changed.notify_all();
    }

    /// The reader has stopped for good: a pause must not wait for it.
    fn leave(&self) {
        let (lock, changed) = &*self.0;
        lock.lock().unwrap_or_else(|p| p.into_inner()).parked = true;
        changed.notify_all();
    }

    /// Called by the reader between polls: waits here while paused.
    fn pass(&self) {
        let (lock, changed) = &*self.0;
        let mut gate = lock.lock().unwrap_or_else(|p| p.into_inner());
        while gate.paused {
            gate.parked = true;
            changed.notify_all();
            gate = changed.wait(gate).unwrap_or_else(|p| p.into_inner());
        }
        gate.parked = false;
    }
}

/// How long one poll of the terminal waits: the longest a pause waits for the reader to stop.
const POLL: Duration = Duration::from_millis(100);

/// Forwards key presses and resizes from a reader thread until the receiver goes away.
pub fn spawn_input(tx: UnboundedSender<Event>, gate: InputGate) {
    std::thread::spawn(move || {
        read_input(&tx, &gate);
        gate.leave();
    });
}

/// Reads the terminal, passing the gate between polls, until reading fails or no one listens.
fn read_input(tx: &UnboundedSender<Event>, gate: &InputGate) {
    loop {
        gate.pass();
        let event = match crossterm::event::poll(POLL) {
            Ok(true) => crossterm::event::read(),
            Ok(false) => continue,
            Err(e) => Err(e),
        };
        let sent = match event {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => tx.send(Event::Key(key)),
            Ok(TermEvent::Resize(w, h)) => tx.send(Event::Resize(w, h)),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::error!("terminal input failed: {e}");
                return;
            }
        };
        if sent.is_err() {
            return;
        }
    }
}

/// Sends the time once a second, aligned to the second so ages tick together.
pub fn spawn_clock(tx: UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticker.tick().await;
            if tx.send(Event::Tick(unix_now())).is_err() {
                return;
            }
        }
    });
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// An SSH drop (SIGHUP) or a kill (SIGTERM) ends the app cleanly, restoring the terminal.
pub fn spawn_signals(tx: UnboundedSender<Event>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = hangup.recv() => {}
        }
        let _ = tx.send(Event::Terminate);
    });
    Ok(())
}
