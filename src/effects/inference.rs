//! Local validation off the async workers: candle runs on a blocking thread and reports progress as it goes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc::UnboundedSender;

use crate::event::{Data, Event};
use crate::infer::bundle::ModelSource;
use crate::infer::images::ImageSource;
use crate::infer::run::{self, Options};

pub fn load_samples(model: ModelSource, images: ImageSource, tx: UnboundedSender<Event>) {
    tokio::task::spawn_blocking(move || {
        let catalogue = run::catalogue(&model, &images, false).map(Box::new).map_err(|e| e.to_string());
        let _ = tx.send(Event::Data(Data::Samples(catalogue)));
    });
}

/// Candle cannot be interrupted mid-pass: a run superseded by `newest` stops at its next image or batch size, so
/// pressing `v` again does not leave older runs competing for the CPU and skewing the newest one's timings.
pub fn run(generation: u64, options: Options, newest: Arc<AtomicU64>, tx: UnboundedSender<Event>) {
    tokio::task::spawn_blocking(move || {
        let report = run::validate(&options, &mut |progress| {
            newest.load(Ordering::Relaxed) == generation
                && tx.send(Event::Data(Data::InferProgress { generation, progress })).is_ok()
        });
        let report = report.map(Box::new).map_err(|e| e.to_string());
        let _ = tx.send(Event::Data(Data::Inferred { generation, report }));
    });
}
