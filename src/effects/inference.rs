//! Local validation off the async workers: candle runs on a blocking thread and reports progress as it goes.

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

/// A run cannot be stopped inside candle; a newer one makes its progress stale (the state drops it by generation).
pub fn run(generation: u64, options: Options, tx: UnboundedSender<Event>) {
    tokio::task::spawn_blocking(move || {
        let report = run::validate(&options, &mut |progress| {
            let _ = tx.send(Event::Data(Data::InferProgress { generation, progress }));
        });
        let report = report.map(Box::new).map_err(|e| e.to_string());
        let _ = tx.send(Event::Data(Data::Inferred { generation, report }));
    });
}
