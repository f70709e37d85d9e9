//! Validation figures on this machine's CPU: model load, per-image latency (p50, batch 1) and images/s at batch 32
//! through `gpudeck validate`'s own path, beside a plain candle loop over the same net and weights in the same run
//! (gpudeck's overhead is the ratio), and training the sample model to its held-out accuracy.
//! Run: `cargo bench --bench infer` (RAYON_NUM_THREADS pins candle's threads; the README's table used the default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;
use gpudeck::infer::bundle::{Bundle, ModelSource, SHIPPED_DIR};
use gpudeck::infer::classifier::Classifier;
use gpudeck::infer::device::DeviceRequest;
use gpudeck::infer::images::{self, ImageSource};
use gpudeck::infer::model::GpudeckCnn;
use gpudeck::infer::run::{self, Options};
use gpudeck::infer::train::{self, TrainConfig};

const ROUNDS: usize = 9;
const LOADS: usize = 30;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The plain loop: the net built straight from the weights, fed tensors made once, logits copied back each pass.
struct Plain {
    net: GpudeckCnn,
    singles: Vec<Tensor>,
    batch32: Tensor,
}

impl Plain {
    fn new(bundle: &Bundle, classifier: &Classifier) -> Plain {
        let vb = VarBuilder::from_buffered_safetensors(bundle.weights.clone(), DType::F32, &Device::Cpu).unwrap();
        let net = GpudeckCnn::new(bundle.labels.len(), bundle.side, vb).unwrap();
        let (files, mut skipped) = images::read(&ImageSource::Shipped).unwrap();
        let pictures = images::pictures(&files, bundle.side, false, &[], &bundle.labels, &mut skipped);
        let singles = pictures.iter().map(|p| classifier.batch(&[p]).unwrap()).collect();
        let members: Vec<_> = pictures.iter().cycle().take(32).collect();
        Plain { net, singles, batch32: classifier.batch(&members).unwrap() }
    }

    fn logits(&self, x: &Tensor) -> Vec<Vec<f32>> {
        self.net.forward(x).unwrap().to_vec2().unwrap()
    }

    /// p50 of single-image passes, as validate times them (5 rounds over the samples after a warm-up).
    fn latency_p50(&self) -> f64 {
        let mut timings = Vec::new();
        for x in &self.singles {
            self.logits(x);
            for _ in 0..5 {
                let started = Instant::now();
                self.logits(x);
                timings.push(millis(started.elapsed()));
            }
        }
        median(timings)
    }

    fn images_per_s_32(&self, budget: Duration) -> f64 {
        self.logits(&self.batch32);
        let started = Instant::now();
        let mut passes = 0;
        while passes < 3 || started.elapsed() < budget {
            self.logits(&self.batch32);
            passes += 1;
        }
        (passes * 32) as f64 / started.elapsed().as_secs_f64()
    }
}

fn main() {
    let threads = candle_core::utils::get_num_threads();
    println!("candle CPU threads: {threads}");

    // Model load: read (embedded or from disk), checksum, build on the device; the plain load only builds.
    let shipped = Bundle::load(&ModelSource::Shipped).unwrap();
    let dir = ModelSource::Dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED_DIR));
    let (mut ours, mut from_disk, mut plain_load) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..LOADS {
        let started = Instant::now();
        let bundle = Bundle::load(&ModelSource::Shipped).unwrap();
        Classifier::new(&bundle, &Device::Cpu).unwrap();
        ours.push(millis(started.elapsed()));
        let started = Instant::now();
        let bundle = Bundle::load(&dir).unwrap();
        Classifier::new(&bundle, &Device::Cpu).unwrap();
        from_disk.push(millis(started.elapsed()));
        let started = Instant::now();
        let vb = VarBuilder::from_buffered_safetensors(shipped.weights.clone(), DType::F32, &Device::Cpu).unwrap();
        GpudeckCnn::new(shipped.labels.len(), shipped.side, vb).unwrap();
        plain_load.push(millis(started.elapsed()));
    }
    println!(
        "model load (median of {LOADS}): gpudeck {:.2} ms embedded, {:.2} ms from {SHIPPED_DIR}; plain candle build {:.2} ms",
        median(ours),
        median(from_disk),
        median(plain_load)
    );

    // Latency and throughput, gpudeck's path and the plain loop taking turns so both see the same machine.
    let classifier = Classifier::new(&shipped, &Device::Cpu).unwrap();
    let plain = Plain::new(&shipped, &classifier);
    let options = Options { device: DeviceRequest::Cpu, timing: Duration::from_secs(2), ..Options::default() };
    let (mut our_p50, mut our_32, mut plain_p50, mut plain_32) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let report = run::validate(&options, &mut |_| true).unwrap();
        assert!(report.pass, "{:?}", report.failures);
        let at32 = report.throughput.iter().find(|t| t.batch == 32).unwrap().images_per_s;
        our_p50.push(report.latency_ms.p50);
        our_32.push(at32);
        plain_p50.push(plain.latency_p50());
        plain_32.push(plain.images_per_s_32(Duration::from_secs(2)));
        println!(
            "round {round}: gpudeck p50 {:.3} ms, {:.0} img/s @32 | plain p50 {:.3} ms, {:.0} img/s @32",
            report.latency_ms.p50, at32, plain_p50[round], plain_32[round]
        );
    }
    let (op, o32, pp, p32) = (median(our_p50), median(our_32), median(plain_p50), median(plain_32));
    println!("| | gpudeck validate | plain candle loop | overhead |");
    println!("|---|---|---|---|");
    println!("| per-image latency p50 (batch 1) | {op:.3} ms | {pp:.3} ms | {:+.1} % |", (op / pp - 1.0) * 100.0);
    println!("| images/s at batch 32 | {o32:.0} | {p32:.0} | {:+.1} % |", (p32 / o32 - 1.0) * 100.0);

    // Training the shipped model from scratch, as examples/train_sample_model.rs does.
    let started = Instant::now();
    let trained = train::train(&TrainConfig::default(), &mut |e| {
        println!("  epoch {}: loss {:.4}, held-out {:.2} %", e.index, e.loss, e.test_accuracy * 100.0)
    })
    .unwrap();
    println!(
        "training (seed 42, {} epochs): {:.1} s to {:.2} % held-out accuracy",
        TrainConfig::default().epochs,
        started.elapsed().as_secs_f64(),
        trained.accuracy() * 100.0
    );
}
