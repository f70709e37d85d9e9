//! The networks gpudeck runs: its own small CNN (trained by `examples/train_sample_model.rs`) and, for operators'
//! own weights, ResNet from candle-transformers; plus the seeded initialisation that makes training reproducible.

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::{Conv2d, Conv2dConfig, Linear, VarBuilder, VarMap};

use super::dataset::Rng;

/// The architectures a model directory may name in `model.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Three 3×3 stride-2 convolutions (3→16→32→64) and two linear layers. Stride instead of max-pool: candle's
    /// CPU backward pass of pooling is ~3× slower (research/candle_nvml.md).
    GpudeckCnn,
    Resnet18,
    Resnet34,
    Resnet50,
}

impl Architecture {
    pub const NAMES: [&str; 4] = ["gpudeck-cnn", "resnet18", "resnet34", "resnet50"];

    pub fn parse(name: &str) -> Option<Architecture> {
        Some(match name {
            "gpudeck-cnn" => Architecture::GpudeckCnn,
            "resnet18" => Architecture::Resnet18,
            "resnet34" => Architecture::Resnet34,
            "resnet50" => Architecture::Resnet50,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Architecture::GpudeckCnn => "gpudeck-cnn",
            Architecture::Resnet18 => "resnet18",
            Architecture::Resnet34 => "resnet34",
            Architecture::Resnet50 => "resnet50",
        }
    }

    /// The network with its weights taken from `vb` (the names follow torchvision for ResNet).
    pub fn build(self, classes: usize, side: usize, vb: VarBuilder<'static>) -> Result<Box<dyn Module + Send + Sync>> {
        use candle_transformers::models::resnet;
        Ok(match self {
            Architecture::GpudeckCnn => Box::new(GpudeckCnn::new(classes, side, vb)?),
            Architecture::Resnet18 => Box::new(resnet::resnet18(classes, vb)?),
            Architecture::Resnet34 => Box::new(resnet::resnet34(classes, vb)?),
            Architecture::Resnet50 => Box::new(resnet::resnet50(classes, vb)?),
        })
    }
}

/// gpudeck's sample classifier: 32×32 RGB in, one logit per class out.
pub struct GpudeckCnn {
    convolutions: [Conv2d; 3],
    hidden: Linear,
    output: Linear,
}

impl GpudeckCnn {
    pub fn new(classes: usize, side: usize, vb: VarBuilder) -> Result<Self> {
        let config = Conv2dConfig { stride: 2, padding: 1, ..Conv2dConfig::default() };
        let convolutions = [
            candle_nn::conv2d(3, 16, 3, config, vb.pp("conv1"))?,
            candle_nn::conv2d(16, 32, 3, config, vb.pp("conv2"))?,
            candle_nn::conv2d(32, 64, 3, config, vb.pp("conv3"))?,
        ];
        // Each stride-2 convolution halves the side (rounding up).
        let reduced = (0..3).fold(side, |s, _| s.div_ceil(2));
        let hidden = candle_nn::linear(64 * reduced * reduced, 64, vb.pp("fc1"))?;
        let output = candle_nn::linear(64, classes, vb.pp("fc2"))?;
        Ok(GpudeckCnn { convolutions, hidden, output })
    }
}

impl Module for GpudeckCnn {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let mut xs = xs.clone();
        for convolution in &self.convolutions {
            xs = convolution.forward(&xs)?.relu()?;
        }
        xs.flatten_from(1)?.apply(&self.hidden)?.relu()?.apply(&self.output)
    }
}

/// A fresh network whose every weight comes from `seed`: candle's CPU initialiser cannot be seeded, so the vars it
/// made are overwritten in name order with U(±1/√fan_in) weights and zero biases.
pub fn seeded(
    architecture: Architecture,
    classes: usize,
    side: usize,
    seed: u64,
    device: &Device,
) -> Result<(VarMap, Box<dyn Module + Send + Sync>)> {
    let varmap = VarMap::new();
    let net = architecture.build(classes, side, VarBuilder::from_varmap(&varmap, DType::F32, device))?;
    let mut rng = Rng::new(seed);
    let vars = varmap.data().lock().map_err(|_| candle_core::Error::Msg("variable map poisoned".into()))?;
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();
    for name in names {
        let var = &vars[name];
        let dims = var.dims().to_vec();
        let count: usize = dims.iter().product();
        let values: Vec<f32> = if is_batch_norm(name) && (name.ends_with(".weight") || name.ends_with(".running_var")) {
            vec![1.0; count]
        } else if dims.len() == 1 {
            vec![0.0; count]
        } else {
            let bound = 1.0 / (dims[1..].iter().product::<usize>() as f32).sqrt();
            (0..count).map(|_| rng.range(-bound, bound)).collect()
        };
        var.set(&Tensor::from_vec(values, dims, device)?)?;
    }
    drop(vars);
    Ok((varmap, net))
}

/// Batch-norm layers (`bn1`, torchvision's `downsample.1`) start as the identity: scale and variance one.
fn is_batch_norm(name: &str) -> bool {
    name.split('.').rev().nth(1).is_some_and(|layer| layer.starts_with("bn")) || name.contains("downsample.1.")
}
