//! A model built on a device: pictures in, logits and top-k probabilities out.

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;

use super::InferError;
use super::bundle::Bundle;
use super::images::Picture;
use super::report::Scored;

pub struct Classifier {
    net: Box<dyn Module + Send + Sync>,
    device: Device,
    pub labels: Vec<String>,
    pub side: usize,
    mean: [f32; 3],
    std: [f32; 3],
}

impl Classifier {
    /// Builds the bundle's network on `device`; weights that do not fit the architecture fail here, by name.
    pub fn new(bundle: &Bundle, device: &Device) -> Result<Classifier, InferError> {
        let path = bundle.dir.join("model.safetensors");
        let vb = VarBuilder::from_buffered_safetensors(bundle.weights.clone(), DType::F32, device).map_err(|e| {
            InferError::Model {
                path: path.clone(),
                message: format!("not safetensors: {}", super::first_line(&e.to_string())),
            }
        })?;
        let net = bundle.architecture.build(bundle.labels.len(), bundle.side, vb).map_err(|e| InferError::Model {
            path,
            message: format!(
                "weights do not fit {}: {}",
                bundle.architecture.name(),
                super::first_line(&e.to_string())
            ),
        })?;
        Ok(Classifier {
            net,
            device: device.clone(),
            labels: bundle.labels.clone(),
            side: bundle.side,
            mean: bundle.mean,
            std: bundle.std,
        })
    }

    /// The pictures as one normalised NCHW batch on the device.
    pub fn batch(&self, pictures: &[&Picture]) -> Result<Tensor, InferError> {
        let plane = self.side * self.side;
        let mut data = vec![0f32; pictures.len() * 3 * plane];
        for (picture, image) in pictures.iter().zip(data.chunks_exact_mut(3 * plane)) {
            normalise(&picture.pixels, self.mean, self.std, image);
        }
        Ok(Tensor::from_vec(data, (pictures.len(), 3, self.side, self.side), &self.device)?)
    }

    /// One row of logits per image of the batch, copied back to the host.
    pub fn logits(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>, InferError> {
        Ok(self.net.forward(batch)?.to_vec2()?)
    }

    /// The `k` most probable labels of one row of logits.
    pub fn top(&self, logits: &[f32], k: usize) -> Vec<Scored> {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
        let total: f32 = exps.iter().sum();
        let mut scored: Vec<Scored> = exps
            .iter()
            .zip(&self.labels)
            .map(|(e, label)| Scored { label: label.clone(), probability: e / total })
            .collect();
        scored.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        scored.truncate(k);
        scored
    }
}

/// RGB bytes (row-major, interleaved) to one normalised CHW image in `out`.
pub fn normalise(pixels: &[u8], mean: [f32; 3], std: [f32; 3], out: &mut [f32]) {
    let plane = pixels.len() / 3;
    for (p, rgb) in pixels.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + p] = (f32::from(rgb[c]) / 255.0 - mean[c]) / std[c];
        }
    }
}
