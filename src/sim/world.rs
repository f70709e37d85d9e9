//! What the API handlers and the controllers share: the store, the seed, credentials, faults and the request log.

use super::faults::Faults;
use super::request_log::RequestLog;
use super::store::Store;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: &'static str,
    pub read_only: bool,
}

pub const ADMIN: User = User { name: "gpudeck-admin", read_only: false };
pub const VIEWER: User = User { name: "gpudeck-viewer", read_only: true };

/// Asks the listener to drop every connection and come back after a pause, keeping all state.
pub struct Restarts(pub tokio::sync::mpsc::UnboundedSender<u64>);

impl Restarts {
    pub fn notify(&self, down_ms: u64) {
        // The listener is gone only when the sim is shutting down; nothing to restart then.
        let _ = self.0.send(down_ms);
    }
}

pub struct World {
    pub store: Store,
    pub seed: u64,
    pub faults: Faults,
    pub admin_token: String,
    pub readonly_token: String,
    pub request_log: Option<RequestLog>,
    pub restart: Restarts,
}

impl World {
    /// Maps a bearer token to its user.
    pub fn authenticate(&self, token: &str) -> Option<User> {
        if token == self.admin_token {
            Some(ADMIN)
        } else if token == self.readonly_token {
            Some(VIEWER)
        } else {
            None
        }
    }
}

#[cfg(test)]
impl World {
    /// An empty cluster with no listener, for handler and controller tests.
    pub fn for_tests() -> World {
        let (tx, _) = tokio::sync::mpsc::unbounded_channel();
        World {
            store: Store::new(1, 1000),
            seed: 1,
            faults: Faults::default(),
            admin_token: "admin".into(),
            readonly_token: "viewer".into(),
            request_log: None,
            restart: Restarts(tx),
        }
    }
}
