//! Terminal input (crossterm's event stream), the 1 Hz clock, and SIGTERM/SIGHUP, as app events.

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::event::Event;

/// Forwards key presses and resizes until the receiver goes away.
pub fn spawn_input(tx: UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut stream = EventStream::new();
        while let Some(Ok(event)) = stream.next().await {
            let sent = match event {
                TermEvent::Key(key) if key.kind != KeyEventKind::Release => tx.send(Event::Key(key)),
                TermEvent::Resize(w, h) => tx.send(Event::Resize(w, h)),
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        }
    });
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
