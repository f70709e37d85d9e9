//! A model directory: `model.safetensors`, `labels.txt`, an optional `model.toml` (architecture, input side,
//! normalisation) and an optional `model.sha256` the weights must match. The sample model ships inside the binary.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::InferError;
use super::model::Architecture;

/// The directory the shipped model is trained into (`examples/train_sample_model.rs`) and embedded from.
pub const SHIPPED_DIR: &str = "assets/models/shapes6";

const SHIPPED_WEIGHTS: &[u8] = include_bytes!("../../assets/models/shapes6/model.safetensors");
const SHIPPED_LABELS: &str = include_str!("../../assets/models/shapes6/labels.txt");
const SHIPPED_CONFIG: &str = include_str!("../../assets/models/shapes6/model.toml");
const SHIPPED_SHA256: &str = include_str!("../../assets/models/shapes6/model.sha256");

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// The sample model built into gpudeck.
    Shipped,
    Dir(PathBuf),
}

/// A model read and checked, ready to build on a device.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Where it was read from (the shipped model: where it is trained into), for messages that name a file.
    pub dir: PathBuf,
    pub name: String,
    pub architecture: Architecture,
    /// Side of the square RGB input, in pixels.
    pub side: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub labels: Vec<String>,
    pub weights: Vec<u8>,
    /// sha256 of the weights, hex.
    pub sha256: String,
}

/// `model.toml`; every field has the sample model's value as its default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    name: Option<String>,
    #[serde(default = "default_architecture")]
    architecture: String,
    #[serde(default = "default_side")]
    input: usize,
    #[serde(default = "default_mean")]
    mean: [f32; 3],
    #[serde(default = "default_std")]
    std: [f32; 3],
}

fn default_architecture() -> String {
    Architecture::GpudeckCnn.name().to_string()
}
fn default_side() -> usize {
    super::dataset::SIDE
}
fn default_mean() -> [f32; 3] {
    [super::train::MEAN; 3]
}
fn default_std() -> [f32; 3] {
    [super::train::STD; 3]
}

impl Bundle {
    pub fn load(source: &ModelSource) -> Result<Bundle, InferError> {
        match source {
            ModelSource::Shipped => Bundle::from_parts(
                Path::new(SHIPPED_DIR),
                SHIPPED_WEIGHTS.to_vec(),
                SHIPPED_LABELS,
                Some(SHIPPED_CONFIG),
                Some(SHIPPED_SHA256),
            ),
            ModelSource::Dir(dir) => {
                let weights_path = dir.join("model.safetensors");
                let weights = std::fs::read(&weights_path).map_err(|e| InferError::file(&weights_path, e))?;
                let labels_path = dir.join("labels.txt");
                let labels = std::fs::read_to_string(&labels_path).map_err(|e| InferError::file(&labels_path, e))?;
                let config = optional_text(&dir.join("model.toml"))?;
                let sha256 = optional_text(&dir.join("model.sha256"))?;
                Bundle::from_parts(dir, weights, &labels, config.as_deref(), sha256.as_deref())
            }
        }
    }

    fn from_parts(
        dir: &Path,
        weights: Vec<u8>,
        labels: &str,
        config: Option<&str>,
        expected_sha256: Option<&str>,
    ) -> Result<Bundle, InferError> {
        let sha256 = crate::model::registry::sha256_hex(&weights);
        if let Some(expected) = expected_sha256 {
            // `sha256sum` output: the digest first, then the file name.
            let expected = expected.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
            if expected.is_empty() {
                return Err(InferError::Model { path: dir.join("model.sha256"), message: "is empty".into() });
            }
            if expected != sha256 {
                return Err(InferError::Checksum { path: dir.join("model.safetensors"), expected, actual: sha256 });
            }
        }
        let labels: Vec<String> =
            labels.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect();
        if labels.is_empty() {
            return Err(InferError::Model { path: dir.join("labels.txt"), message: "lists no labels".into() });
        }
        let config: Config = toml::from_str(config.unwrap_or_default())
            .map_err(|e| InferError::Model { path: dir.join("model.toml"), message: e.to_string() })?;
        let architecture = Architecture::parse(&config.architecture).ok_or_else(|| InferError::Model {
            path: dir.join("model.toml"),
            message: format!(
                "architecture {:?} is not one gpudeck runs ({})",
                config.architecture,
                Architecture::NAMES.join(", ")
            ),
        })?;
        if !(8..=1024).contains(&config.input) || config.std.iter().any(|s| *s <= 0.0) {
            return Err(InferError::Model {
                path: dir.join("model.toml"),
                message: "input must be 8–1024 pixels and every std above zero".into(),
            });
        }
        let name = config.name.unwrap_or_else(|| {
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into())
        });
        Ok(Bundle {
            dir: dir.to_path_buf(),
            name,
            architecture,
            side: config.input,
            mean: config.mean,
            std: config.std,
            labels,
            weights,
            sha256,
        })
    }
}

fn optional_text(path: &Path) -> Result<Option<String>, InferError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(InferError::file(path, e)),
    }
}
