//! Node validation by inference: candle models, sample images, device choice, the run and its verdict.
//! Blocking work: callers run it on a thread of its own (`spawn_blocking`), never on the async workers.

pub mod bundle;
pub mod classifier;
pub mod dataset;
pub mod device;
pub mod images;
pub mod model;
pub mod report;
pub mod run;
pub mod text;
pub mod train;

use std::path::{Path, PathBuf};

/// Why a validation could not run at all (a bad image only skips that image).
#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("{}: checksum mismatch: model.sha256 says {expected}, the weights hash to {actual}", path.display())]
    Checksum { path: PathBuf, expected: String, actual: String },
    #[error("{}: {message}", path.display())]
    Model { path: PathBuf, message: String },
    #[error("{0}")]
    Device(String),
    #[error("{0}")]
    Candle(String),
    #[error("stopped: a newer run replaced it")]
    Superseded,
}

impl InferError {
    /// A file that could not be read, named by path: `model weights not found` reads better than `os error 2`.
    pub fn file(path: &Path, error: std::io::Error) -> InferError {
        let message = match error.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => error.to_string(),
        };
        InferError::File { path: path.to_path_buf(), message }
    }
}

impl From<candle_core::Error> for InferError {
    fn from(e: candle_core::Error) -> Self {
        InferError::Candle(first_line(&e.to_string()))
    }
}

/// candle appends a backtrace to its messages when RUST_BACKTRACE is set; a verdict shows the first line.
pub fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}
