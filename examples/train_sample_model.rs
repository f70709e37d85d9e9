//! Trains gpudeck's sample model and writes what ships: `assets/models/shapes6/` (weights, labels, config,
//! checksum) and `assets/samples/*.png`. Deterministic: the same seed gives the same weights, byte for byte.
//!
//!     cargo run --release --example train_sample_model [-- --seed 42 --epochs 5 --out assets]

use std::path::{Path, PathBuf};
use std::time::Instant;

use gpudeck::infer::bundle::{Bundle, ModelSource};
use gpudeck::infer::classifier::Classifier;
use gpudeck::infer::dataset::{self, CLASSES, Rng, SIDE};
use gpudeck::infer::images::{self, Picture};
use gpudeck::infer::train::{self, MEAN, STD, TrainConfig};

/// Samples shipped per class.
const SAMPLES_PER_CLASS: usize = 2;
/// A sample must be this clear to the trained model: the samples check the hardware, not the model's edge cases.
const SAMPLE_CONFIDENCE: f32 = 0.9;

fn main() -> anyhow::Result<()> {
    let mut config = TrainConfig::default();
    let mut out = PathBuf::from("assets");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seed" => config.seed = value.parse()?,
            "--epochs" => config.epochs = value.parse()?,
            "--images-per-epoch" => config.images_per_epoch = value.parse()?,
            "--out" => out = PathBuf::from(value),
            _ => anyhow::bail!("unknown flag {flag} (--seed, --epochs, --images-per-epoch, --out)"),
        }
    }
    let started = Instant::now();
    let trained = train::train(&config, &mut |e| {
        println!("epoch {}: loss {:.4}  held-out accuracy {:.4}", e.index, e.loss, e.test_accuracy);
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "trained in {seconds:.1} s; held-out accuracy {:.2} % over {} images",
        trained.accuracy() * 100.0,
        config.test_images
    );
    for (label, (correct, total)) in CLASSES.iter().zip(&trained.per_class) {
        println!("  {label:<9} {correct}/{total}");
    }

    let model_dir = out.join("models/shapes6");
    std::fs::create_dir_all(&model_dir)?;
    let weights = model_dir.join("model.safetensors");
    trained.varmap.save(&weights)?;
    let sha256 = gpudeck::model::registry::sha256_hex(&std::fs::read(&weights)?);
    std::fs::write(model_dir.join("model.sha256"), format!("{sha256}  model.safetensors\n"))?;
    std::fs::write(model_dir.join("labels.txt"), CLASSES.join("\n") + "\n")?;
    std::fs::write(
        model_dir.join("model.toml"),
        format!(
            "# gpudeck's sample model, written by examples/train_sample_model.rs (seed {}).\nname = \"shapes6\"\n\
             architecture = \"gpudeck-cnn\"\ninput = {SIDE}\nmean = [{MEAN:?}, {MEAN:?}, {MEAN:?}]\nstd = [{STD:?}, {STD:?}, {STD:?}]\n",
            config.seed
        ),
    )?;
    println!("wrote {} (sha256 {sha256})", model_dir.display());
    write_samples(&model_dir, &out.join("samples"), config.seed)?;
    Ok(())
}

/// Draws fresh images (a seed of their own) and keeps the first ones per class the model calls clearly.
fn write_samples(model_dir: &Path, samples: &Path, seed: u64) -> anyhow::Result<()> {
    let bundle = Bundle::load(&ModelSource::Dir(model_dir.to_path_buf()))?;
    let classifier = Classifier::new(&bundle, &candle_core::Device::Cpu)?;
    std::fs::create_dir_all(samples)?;
    let mut rng = Rng::new(seed ^ 0x5A3B1E);
    for (class, label) in CLASSES.iter().enumerate() {
        let mut kept = 0;
        while kept < SAMPLES_PER_CLASS {
            let pixels = dataset::draw(class, &mut rng);
            let picture = Picture { file: String::new(), expected: None, side: SIDE, pixels };
            let logits = classifier.logits(&classifier.batch(&[&picture])?)?.concat();
            let best = &classifier.top(&logits, 1)[0];
            if best.label == *label && best.probability >= SAMPLE_CONFIDENCE {
                kept += 1;
                images::write_png(&samples.join(format!("{label}-{kept}.png")), SIDE, &picture.pixels)?;
            }
        }
    }
    println!("wrote {} samples to {}", CLASSES.len() * SAMPLES_PER_CLASS, samples.display());
    Ok(())
}
