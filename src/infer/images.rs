//! The images to classify: read from a directory or the shipped samples, decoded and checked one by one, so a
//! corrupt, truncated, non-image or odd-sized file is reported by name and skipped while the rest still run.

use std::path::{Path, PathBuf};

use super::InferError;
use super::report::Skipped;

/// Where the images come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// The samples built into gpudeck (`assets/samples`).
    Shipped,
    Dir(PathBuf),
}

/// The shipped samples: two of each class, named `<label>-<n>.png`.
const SHIPPED: [(&str, &[u8]); 12] = [
    ("circle-1.png", include_bytes!("../../assets/samples/circle-1.png")),
    ("circle-2.png", include_bytes!("../../assets/samples/circle-2.png")),
    ("square-1.png", include_bytes!("../../assets/samples/square-1.png")),
    ("square-2.png", include_bytes!("../../assets/samples/square-2.png")),
    ("triangle-1.png", include_bytes!("../../assets/samples/triangle-1.png")),
    ("triangle-2.png", include_bytes!("../../assets/samples/triangle-2.png")),
    ("hstripes-1.png", include_bytes!("../../assets/samples/hstripes-1.png")),
    ("hstripes-2.png", include_bytes!("../../assets/samples/hstripes-2.png")),
    ("vstripes-1.png", include_bytes!("../../assets/samples/vstripes-1.png")),
    ("vstripes-2.png", include_bytes!("../../assets/samples/vstripes-2.png")),
    ("cross-1.png", include_bytes!("../../assets/samples/cross-1.png")),
    ("cross-2.png", include_bytes!("../../assets/samples/cross-2.png")),
];

/// Files in a directory larger than this are skipped unread (a stray dataset or video, not a sample).
const MAX_FILE_BYTES: u64 = 32 << 20;

/// An image file's bytes, before decoding.
#[derive(Debug, Clone)]
pub struct ImageFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A decoded image at the model's input size.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub file: String,
    pub expected: Option<String>,
    pub side: usize,
    /// RGB, row-major, 3 bytes a pixel.
    pub pixels: Vec<u8>,
}

/// Reads the files to classify, in name order; unreadable ones are skipped with why.
pub fn read(source: &ImageSource) -> Result<(Vec<ImageFile>, Vec<Skipped>), InferError> {
    let dir = match source {
        ImageSource::Shipped => {
            let files = SHIPPED.iter().map(|(name, bytes)| ImageFile { name: name.to_string(), bytes: bytes.to_vec() });
            return Ok((files.collect(), Vec::new()));
        }
        ImageSource::Dir(dir) => dir,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| InferError::file(dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for path in paths {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') || name == "expected.txt" {
            continue;
        }
        let skip = |reason: String| Skipped { file: name.clone(), reason };
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => continue,
            // A FIFO or a device would block or never end.
            Ok(meta) if !meta.is_file() => {
                skipped.push(skip("not a regular file".into()));
                continue;
            }
            Ok(meta) if meta.len() > MAX_FILE_BYTES => {
                skipped.push(skip(format!("{} MiB, larger than any sample", meta.len() >> 20)));
                continue;
            }
            Err(e) => {
                skipped.push(skip(e.to_string()));
                continue;
            }
            Ok(_) => {}
        }
        match std::fs::read(&path) {
            Ok(bytes) => files.push(ImageFile { name, bytes }),
            Err(e) => skipped.push(skip(e.to_string())),
        }
    }
    Ok((files, skipped))
}

/// The labels the files are known to show: `expected.txt` lines (`FILE LABEL`) in the directory, else a file
/// name's first word (`circle-1.png` → circle) when it is one of the model's labels.
pub fn expectations(source: &ImageSource) -> Result<Vec<(String, String)>, InferError> {
    let ImageSource::Dir(dir) = source else { return Ok(Vec::new()) };
    let path = dir.join("expected.txt");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(InferError::file(&path, e)),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(file, label)| (file.trim().to_string(), label.trim().to_string()))
        .collect())
}

/// What `file` is expected to show, if anything.
pub fn expected_label(file: &str, listed: &[(String, String)], labels: &[String]) -> Option<String> {
    if let Some((_, label)) = listed.iter().find(|(f, _)| f == file) {
        return Some(label.clone());
    }
    let word = file.split(['-', '_', '.']).next()?;
    labels.iter().find(|l| l.as_str() == word).cloned()
}

/// Decodes one file to RGB at `side`×`side`: other sizes are refused unless `resize` (the samples are known
/// inputs; a silently resampled image would validate something else).
pub fn decode(file: &ImageFile, side: usize, resize: bool) -> Result<Vec<u8>, String> {
    let format =
        image::guess_format(&file.bytes).map_err(|_| "not an image gpudeck reads (PNG or JPEG)".to_string())?;
    let decoded = image::load_from_memory_with_format(&file.bytes, format).map_err(|e| match e {
        image::ImageError::Unsupported(_) => format!("{format:?} images are not supported (PNG or JPEG)"),
        e => format!("corrupt or truncated {format:?}: {e}"),
    })?;
    let (width, height) = (decoded.width() as usize, decoded.height() as usize);
    let rgb = decoded.to_rgb8();
    if (width, height) == (side, side) {
        return Ok(rgb.into_raw());
    }
    if !resize {
        return Err(format!("{width}×{height}, the model takes {side}×{side} (--resize scales it)"));
    }
    let side = side as u32;
    Ok(image::imageops::resize(&rgb, side, side, image::imageops::FilterType::Triangle).into_raw())
}

/// Decodes every file, skipping those that fail with why.
pub fn pictures(
    files: &[ImageFile],
    side: usize,
    resize: bool,
    listed: &[(String, String)],
    labels: &[String],
    skipped: &mut Vec<Skipped>,
) -> Vec<Picture> {
    let mut pictures = Vec::with_capacity(files.len());
    for file in files {
        match decode(file, side, resize) {
            Ok(pixels) => pictures.push(Picture {
                file: file.name.clone(),
                expected: expected_label(&file.name, listed, labels),
                side,
                pixels,
            }),
            Err(reason) => skipped.push(Skipped { file: file.name.clone(), reason }),
        }
    }
    pictures
}

/// Writes RGB pixels as a PNG (the training command's samples).
pub fn write_png(path: &Path, side: usize, pixels: &[u8]) -> Result<(), InferError> {
    let side = side as u32;
    image::save_buffer_with_format(path, pixels, side, side, image::ExtendedColorType::Rgb8, image::ImageFormat::Png)
        .map_err(|e| InferError::Model { path: path.to_path_buf(), message: e.to_string() })
}
