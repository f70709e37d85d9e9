//! The validation verdict: what `gpudeck validate --json` prints and what the in-cluster Job's log is parsed into.

use serde::{Deserialize, Serialize};

/// Names the JSON layout; a reader refuses any other, so an old console never misreads a newer validator.
pub const SCHEMA: &str = "gpudeck.validate/v1";

/// Largest absolute difference of logits between the device and the CPU reference that still counts as agreement,
/// per unit of the largest CPU logit (at least 1): float32 GEMMs on different backends differ in summation order,
/// ~1e-5 relative is usual, 1e-2 is a broken device, and a ResNet's logits are ten times the sample model's.
pub const AGREEMENT_TOLERANCE: f32 = 1e-3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub pass: bool,
    /// Why the verdict is fail (empty on pass).
    pub failures: Vec<String>,
    pub model: ModelInfo,
    pub device: DeviceInfo,
    pub images: Vec<ImageResult>,
    /// Files that were not classified, each with why.
    pub skipped: Vec<Skipped>,
    /// Per-image latency at batch 1 on the device, in milliseconds.
    pub latency_ms: Latency,
    /// Images per second at batch 1, 8 and 32.
    pub throughput: Vec<Throughput>,
    /// The device against the CPU, when both ran.
    pub agreement: Option<Agreement>,
    /// Reading, checking and building the model on the device, in milliseconds.
    pub load_ms: f64,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    pub architecture: String,
    /// sha256 of model.safetensors, hex.
    pub sha256: String,
    pub classes: usize,
    /// Channels, height, width the model takes.
    pub input: [usize; 3],
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// What was asked for: `auto`, `cpu`, `cuda:0`.
    pub requested: String,
    /// What ran: `cpu` or `cuda:N`.
    pub used: String,
    /// `NVIDIA H200` or `CPU (2 threads)`.
    pub name: String,
    /// Why the CPU ran when a GPU was asked for or `auto` looked for one.
    pub fallback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageResult {
    pub file: String,
    /// The label the file is known to show (from `expected.txt` or its name), if any.
    pub expected: Option<String>,
    pub predicted: String,
    /// Most probable labels first.
    pub top: Vec<Scored>,
    pub latency_ms: f64,
}

impl ImageResult {
    /// None when nothing was expected of the image.
    pub fn correct(&self) -> Option<bool> {
        self.expected.as_ref().map(|e| *e == self.predicted)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub label: String,
    #[serde(deserialize_with = "nan_if_null")]
    pub probability: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub batch: usize,
    pub images_per_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// The device the results are checked against (`cpu`).
    pub reference: String,
    #[serde(deserialize_with = "nan_if_null")]
    pub max_abs_logit_diff: f32,
    pub tolerance: f32,
}

/// JSON has no NaN: serde_json writes it as `null`. A broken GPU's NaN must read back as NaN (and fail), not make
/// the whole verdict unreadable.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    Ok(Option::<f32>::deserialize(deserializer)?.unwrap_or(f32::NAN))
}

impl Report {
    /// The verdict of a run that could not start: fail, with why (so a Job's log always ends in a verdict).
    pub fn failed(requested_device: &str, why: String) -> Report {
        Report {
            schema: SCHEMA.into(),
            pass: false,
            failures: vec![why],
            model: ModelInfo::default(),
            device: DeviceInfo { requested: requested_device.into(), ..DeviceInfo::default() },
            images: Vec::new(),
            skipped: Vec::new(),
            latency_ms: Latency::default(),
            throughput: Vec::new(),
            agreement: None,
            load_ms: 0.0,
        }
    }

    /// Sets `failures` and `pass` from the results: every image with an expected label predicted as expected,
    /// finite logits, and agreement with the reference within tolerance. Skipped files are listed, not failed.
    pub fn judge(&mut self, finite_logits: bool) {
        let mut failures = Vec::new();
        if self.images.is_empty() {
            failures.push(format!("no image could be classified ({} skipped)", self.skipped.len()));
        }
        if !finite_logits {
            failures.push("the device returned NaN or infinite logits".into());
        }
        for image in &self.images {
            if image.correct() == Some(false) {
                let p = image.top.first().map(|s| s.probability).unwrap_or_default();
                let expected = image.expected.as_deref().unwrap_or_default();
                failures.push(format!("{}: expected {expected}, predicted {} ({p:.2})", image.file, image.predicted));
            }
        }
        if let Some(a) = &self.agreement
            // NaN compares as neither, so it is never within tolerance.
            && !matches!(
                a.max_abs_logit_diff.partial_cmp(&a.tolerance),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        {
            failures.push(format!(
                "logits differ from the {} by {:.2e} (tolerance {:.0e})",
                a.reference, a.max_abs_logit_diff, a.tolerance
            ));
        }
        self.pass = failures.is_empty();
        self.failures = failures;
    }

    /// Reads a report from `--json` output, refusing other schemas by name.
    pub fn parse(text: &str) -> Result<Report, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a verdict: {e}"))?;
        match value.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => serde_json::from_value(value).map_err(|e| format!("malformed verdict: {e}")),
            Some(other) => Err(format!("verdict schema {other:?}, this gpudeck reads {SCHEMA:?}")),
            None => Err("not a verdict: no \"schema\" field".into()),
        }
    }

    /// Finds the verdict among a Job's log lines (progress and warnings may come before it; a line may start with
    /// the server's timestamp when the logs view shows them).
    pub fn find_in_log<'a>(lines: impl DoubleEndedIterator<Item = &'a str>) -> Option<Result<Report, String>> {
        let verdict = lines.rev().find(|l| l.contains(SCHEMA))?;
        let json = verdict.find('{').map_or(verdict, |start| &verdict[start..]);
        Some(Report::parse(json.trim()))
    }

    /// Images classified as expected, out of those with an expectation.
    pub fn correct_count(&self) -> (usize, usize) {
        let judged: Vec<bool> = self.images.iter().filter_map(ImageResult::correct).collect();
        (judged.iter().filter(|c| **c).count(), judged.len())
    }

    /// One line: `PASS · 12/12 correct · cuda:0 NVIDIA H200 · p50 0.41 ms p95 0.52 ms · img/s 1: 2400 8: … 32: …`.
    pub fn summary(&self) -> String {
        let (correct, judged) = self.correct_count();
        let mut line = format!(
            "{} · {correct}/{judged} correct · {} {} · p50 {:.2} ms p95 {:.2} ms",
            if self.pass { "PASS" } else { "FAIL" },
            self.device.used,
            self.device.name,
            self.latency_ms.p50,
            self.latency_ms.p95
        );
        if !self.throughput.is_empty() {
            let rates: Vec<String> =
                self.throughput.iter().map(|t| format!("{}: {:.0}", t.batch, t.images_per_s)).collect();
            line.push_str(&format!(" · img/s {}", rates.join(" ")));
        }
        if let Some(a) = &self.agreement {
            line.push_str(&format!(" · Δlogit {:.1e} vs {}", a.max_abs_logit_diff, a.reference));
        }
        if let Some(first) = self.failures.first() {
            line.push_str(&format!(" · {first}"));
        }
        line
    }
}
