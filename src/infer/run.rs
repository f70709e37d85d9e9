//! One validation: load and check the model, pick the device, classify every image at batch 1 (latency), time
//! batches of 1, 8 and 32 (throughput), compare against the CPU when a GPU ran (agreement), and judge.

use std::time::{Duration, Instant};

use super::InferError;
use super::bundle::{Bundle, ModelSource};
use super::classifier::Classifier;
use super::device::{self, DeviceRequest};
use super::images::{self, ImageSource, Picture};
use super::report::{
    AGREEMENT_TOLERANCE, Agreement, ImageResult, Latency, ModelInfo, Report, SCHEMA, Skipped, Throughput,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub model: ModelSource,
    pub images: ImageSource,
    pub device: DeviceRequest,
    /// Only these files of the images (the ones picked in the inference pane); None runs them all.
    pub only: Option<Vec<String>>,
    /// Scale images of another size to the model's input instead of skipping them.
    pub resize: bool,
    /// Labels listed per image.
    pub top_k: usize,
    /// How long each throughput batch size is timed.
    pub timing: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            model: ModelSource::Shipped,
            images: ImageSource::Shipped,
            device: DeviceRequest::Auto,
            only: None,
            resize: false,
            top_k: 3,
            timing: Duration::from_millis(300),
        }
    }
}

/// The batch sizes throughput is measured at.
pub const BATCHES: [usize; 3] = [1, 8, 32];
/// Timed passes over the images for the latency percentiles (after one warm-up pass).
const LATENCY_ROUNDS: usize = 5;

/// How far a run has got, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The model is on the device; `total` images will be classified.
    Loaded { device: String, total: usize },
    /// One more image classified.
    Classified(Box<ImageResult>),
    /// Timing batches of this size.
    Timing(usize),
    /// Checking the device's logits against the CPU's.
    Comparing,
}

/// Runs a validation; an `Err` is a run that could not start (model, device, image directory), never a bad image,
/// or one stopped because `progress` answered false (a newer run superseded it).
pub fn validate(options: &Options, progress: &mut dyn FnMut(Progress) -> bool) -> Result<Report, InferError> {
    let started = Instant::now();
    let bundle = Bundle::load(&options.model)?;
    let chosen = device::choose(options.device)?;
    let classifier = Classifier::new(&bundle, &chosen.device)?;
    let load_ms = millis(started.elapsed());
    let (pictures, skipped) = decoded(&bundle, &options.images, options.resize, options.only.as_deref())?;
    go_on(progress(Progress::Loaded { device: chosen.info.used.clone(), total: pictures.len() }))?;

    let (results, logits, latencies) = classify(&classifier, &pictures, options.top_k, progress)?;
    let mut throughput = Vec::new();
    if !pictures.is_empty() {
        for batch in BATCHES {
            go_on(progress(Progress::Timing(batch)))?;
            throughput
                .push(Throughput { batch, images_per_s: time_batches(&classifier, &pictures, batch, options.timing)? });
        }
    }
    let agreement = if chosen.device.is_cpu() || pictures.is_empty() {
        None
    } else {
        go_on(progress(Progress::Comparing))?;
        let reference = Classifier::new(&bundle, &candle_core::Device::Cpu)?;
        let (_, expected, _) = classify(&reference, &pictures, options.top_k, &mut |_| true)?;
        let scale = expected.iter().flatten().fold(1.0f32, |m, l| m.max(l.abs()));
        Some(Agreement {
            reference: "cpu".into(),
            max_abs_logit_diff: max_abs_diff(&logits, &expected),
            tolerance: AGREEMENT_TOLERANCE * scale,
        })
    };
    let mut report = Report {
        schema: SCHEMA.into(),
        pass: false,
        failures: Vec::new(),
        model: model_info(&bundle),
        device: chosen.info,
        images: results,
        skipped,
        latency_ms: percentiles(latencies),
        throughput,
        agreement,
        load_ms,
    };
    report.judge(logits.iter().flatten().all(|l| l.is_finite()));
    Ok(report)
}

/// Per image: its result and its logits; then every timed latency, in milliseconds.
type Classified = (Vec<ImageResult>, Vec<Vec<f32>>, Vec<f64>);

/// Stops the run when the caller no longer wants it.
fn go_on(wanted: bool) -> Result<(), InferError> {
    if wanted { Ok(()) } else { Err(InferError::Superseded) }
}

fn model_info(bundle: &Bundle) -> ModelInfo {
    ModelInfo {
        name: bundle.name.clone(),
        architecture: bundle.architecture.name().into(),
        sha256: bundle.sha256.clone(),
        classes: bundle.labels.len(),
        input: [3, bundle.side, bundle.side],
    }
}

/// What the inference pane lists before a run: the model, and every image decoded for its preview or with why not.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    pub model: ModelInfo,
    pub pictures: Vec<Picture>,
    pub skipped: Vec<Skipped>,
}

pub fn catalogue(model: &ModelSource, source: &ImageSource, resize: bool) -> Result<Catalogue, InferError> {
    let bundle = Bundle::load(model)?;
    let (pictures, skipped) = decoded(&bundle, source, resize, None)?;
    Ok(Catalogue { model: model_info(&bundle), pictures, skipped })
}

/// The images of `source` (only those named in `only`, when given) decoded at the model's input size with their
/// expected labels, and the files skipped with why.
fn decoded(
    bundle: &Bundle,
    source: &ImageSource,
    resize: bool,
    only: Option<&[String]>,
) -> Result<(Vec<Picture>, Vec<Skipped>), InferError> {
    let (mut files, mut skipped) = images::read(source)?;
    if let Some(only) = only {
        files.retain(|f| only.contains(&f.name));
        skipped.retain(|s| only.contains(&s.file));
    }
    let listed = images::expectations(source)?;
    let pictures = images::pictures(&files, bundle.side, resize, &listed, &bundle.labels, &mut skipped);
    Ok((pictures, skipped))
}

/// Each image at batch 1: a warm-up pass, then `LATENCY_ROUNDS` timed passes; an image's latency is its median.
fn classify(
    classifier: &Classifier,
    pictures: &[Picture],
    top_k: usize,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<Classified, InferError> {
    let (mut results, mut all_logits, mut all_latencies) = (Vec::new(), Vec::new(), Vec::new());
    for picture in pictures {
        let batch = classifier.batch(&[picture])?;
        let mut logits = classifier.logits(&batch)?.concat();
        let mut timings = Vec::with_capacity(LATENCY_ROUNDS);
        for _ in 0..LATENCY_ROUNDS {
            let started = Instant::now();
            // Timed as a caller sees it: the image in, the logits back on the host.
            logits = classifier.logits(&classifier.batch(&[picture])?)?.concat();
            timings.push(millis(started.elapsed()));
        }
        timings.sort_by(f64::total_cmp);
        let top = classifier.top(&logits, top_k);
        let result = ImageResult {
            file: picture.file.clone(),
            expected: picture.expected.clone(),
            predicted: top.first().map(|s| s.label.clone()).unwrap_or_default(),
            top,
            latency_ms: timings[timings.len() / 2],
        };
        go_on(progress(Progress::Classified(Box::new(result.clone()))))?;
        results.push(result);
        all_latencies.extend(timings);
        all_logits.push(logits);
    }
    Ok((results, all_logits, all_latencies))
}

/// Images a second at `size`, the images repeated to fill the batch; timed for `budget` (at least 3 passes).
pub fn time_batches(
    classifier: &Classifier,
    pictures: &[Picture],
    size: usize,
    budget: Duration,
) -> Result<f64, InferError> {
    let members: Vec<&Picture> = pictures.iter().cycle().take(size).collect();
    let batch = classifier.batch(&members)?;
    classifier.logits(&batch)?;
    let started = Instant::now();
    let mut passes = 0;
    while passes < 3 || started.elapsed() < budget {
        classifier.logits(&batch)?;
        passes += 1;
    }
    Ok((passes * size) as f64 / started.elapsed().as_secs_f64())
}

/// Largest |a − b| over all logits; NaN anywhere makes it NaN (which no tolerance accepts).
pub fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, |m, d| if d.is_nan() || m.is_nan() { f32::NAN } else { m.max(d) })
}

fn percentiles(mut samples: Vec<f64>) -> Latency {
    if samples.is_empty() {
        return Latency { p50: 0.0, p95: 0.0 };
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Latency { p50: at(0.50), p95: at(0.95) }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
