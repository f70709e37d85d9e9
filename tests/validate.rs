//! Node validation by inference through its public surfaces: training, model directories, image directories with
//! bad files, ResNet weights, and the real `gpudeck validate` binary's text, JSON and exit codes.

// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gpudeck::infer::bundle::{Bundle, ModelSource, SHIPPED_DIR};
use gpudeck::infer::device::DeviceRequest;
use gpudeck::infer::images::ImageSource;
use gpudeck::infer::model::{self, Architecture};
use gpudeck::infer::report::{Report, SCHEMA};
use gpudeck::infer::run::{self, Options};
use gpudeck::infer::train::{self, TrainConfig};

fn cpu(images: ImageSource, model: ModelSource) -> Options {
    Options { images, model, device: DeviceRequest::Cpu, timing: Duration::from_millis(5), ..Options::default() }
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn sha256_file(path: &Path) -> String {
    gpudeck::model::registry::sha256_hex(&std::fs::read(path).expect("read"))
}

/// A copy of the shipped model directory to spoil.
fn model_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("model");
    std::fs::create_dir_all(&copy).expect("mkdir");
    for file in ["model.safetensors", "labels.txt", "model.toml", "model.sha256"] {
        std::fs::copy(shipped(SHIPPED_DIR).join(file), copy.join(file)).expect("copy");
    }
    copy
}

#[test]
fn the_same_seed_trains_the_same_weights_byte_for_byte() {
    let config = TrainConfig { epochs: 1, images_per_epoch: 192, test_images: 60, ..TrainConfig::default() };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut digests = Vec::new();
    for run in 0..2 {
        let mut epochs = Vec::new();
        let trained = train::train(&config, &mut |e| epochs.push(e)).expect("trains");
        assert_eq!(epochs.len(), 1);
        assert!(epochs[0].loss.is_finite() && epochs[0].loss > 0.0, "{epochs:?}");
        let path = dir.path().join(format!("run{run}.safetensors"));
        trained.varmap.save(&path).expect("save");
        digests.push(sha256_file(&path));
    }
    assert_eq!(digests[0], digests[1], "two runs with seed 42 differ");
    let other = TrainConfig { seed: 7, ..config };
    let trained = train::train(&other, &mut |_| {}).expect("trains");
    let path = dir.path().join("seed7.safetensors");
    trained.varmap.save(&path).expect("save");
    assert_ne!(sha256_file(&path), digests[0], "another seed must give other weights");
}

#[test]
fn the_shipped_model_classifies_every_shipped_sample_on_cpu() {
    let report = run::validate(&cpu(ImageSource::Shipped, ModelSource::Shipped), &mut |_| true).expect("runs");
    assert!(report.pass, "{:?}", report.failures);
    assert_eq!(report.correct_count(), (12, 12));
    assert_eq!(report.device.used, "cpu");
    assert_eq!(report.model.sha256, sha256_file(&shipped(SHIPPED_DIR).join("model.safetensors")));
    let listed = std::fs::read_to_string(shipped(SHIPPED_DIR).join("model.sha256")).expect("sha file");
    assert!(listed.starts_with(&report.model.sha256), "model.sha256 does not list the shipped weights");
    // The files on disk are what the binary embeds.
    let from_disk =
        run::validate(&cpu(ImageSource::Dir(shipped("assets/samples")), ModelSource::Shipped), &mut |_| true)
            .expect("runs");
    assert_eq!(from_disk.correct_count(), (12, 12));
    for image in &report.images {
        let total: f32 = image.top.iter().map(|s| s.probability).sum();
        assert!(image.top.len() == 3 && total <= 1.0001, "{image:?}");
        assert!(image.top.windows(2).all(|w| w[0].probability >= w[1].probability), "{image:?}");
    }
    assert_eq!(report.throughput.iter().map(|t| t.batch).collect::<Vec<_>>(), vec![1, 8, 32]);
    assert!(report.throughput.iter().all(|t| t.images_per_s > 0.0));
    assert!(report.latency_ms.p50 > 0.0 && report.latency_ms.p50 <= report.latency_ms.p95);
    assert_eq!(report.agreement, None, "nothing to compare a CPU run against");
}

#[test]
fn bad_files_are_reported_by_name_and_skipped_while_the_rest_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images = dir.path().join("images");
    std::fs::create_dir(&images).expect("mkdir");
    let good = std::fs::read(shipped("assets/samples/cross-1.png")).expect("sample");
    std::fs::write(images.join("cross-1.png"), &good).expect("write");
    std::fs::write(images.join("circle-1.png"), std::fs::read(shipped("assets/samples/circle-1.png")).expect("s"))
        .expect("write");
    std::fs::write(images.join("truncated.png"), &good[..good.len() / 2]).expect("write");
    let mut corrupt = good.clone();
    for byte in &mut corrupt[40..200] {
        *byte ^= 0x5A;
    }
    std::fs::write(images.join("corrupt.png"), corrupt).expect("write");
    std::fs::write(images.join("notes.txt"), "not an image\n").expect("write");
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10])).save(images.join("odd.png")).expect("odd");
    std::fs::write(images.join("empty.png"), b"").expect("write");

    let report =
        run::validate(&cpu(ImageSource::Dir(images.clone()), ModelSource::Shipped), &mut |_| true).expect("runs");
    assert!(report.pass, "skipped files are listed, not failed: {:?}", report.failures);
    assert_eq!(report.images.iter().map(|i| i.file.as_str()).collect::<Vec<_>>(), vec!["circle-1.png", "cross-1.png"]);
    let skipped: Vec<(&str, &str)> = report.skipped.iter().map(|s| (s.file.as_str(), s.reason.as_str())).collect();
    let reason = |file: &str| skipped.iter().find(|(f, _)| *f == file).map(|(_, r)| *r).unwrap_or("NOT SKIPPED");
    assert_eq!(skipped.len(), 5, "{skipped:?}");
    assert!(reason("truncated.png").contains("corrupt or truncated"), "{skipped:?}");
    assert!(reason("corrupt.png").contains("corrupt or truncated"), "{skipped:?}");
    assert!(reason("notes.txt").contains("not an image"), "{skipped:?}");
    assert!(reason("empty.png").contains("not an image"), "{skipped:?}");
    assert_eq!(reason("odd.png"), "40×30, the model takes 32×32 (--resize scales it)");

    let resized = Options { resize: true, ..cpu(ImageSource::Dir(images), ModelSource::Shipped) };
    let report = run::validate(&resized, &mut |_| true).expect("runs");
    assert!(report.images.iter().any(|i| i.file == "odd.png" && i.expected.is_none()), "{:?}", report.images);
    assert_eq!(report.skipped.len(), 4);
}

#[test]
fn a_directory_with_nothing_classifiable_fails_and_says_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("readme.md"), "# hi").expect("write");
    let report =
        run::validate(&cpu(ImageSource::Dir(dir.path().into()), ModelSource::Shipped), &mut |_| true).expect("runs");
    assert!(!report.pass);
    assert_eq!(report.failures, vec!["no image could be classified (1 skipped)".to_string()]);
    let missing = dir.path().join("nowhere");
    let error = run::validate(&cpu(ImageSource::Dir(missing.clone()), ModelSource::Shipped), &mut |_| true)
        .expect_err("no directory");
    assert_eq!(error.to_string(), format!("{}: not found", missing.display()));
}

#[test]
fn expected_labels_come_from_expected_txt_before_file_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = std::fs::read(shipped("assets/samples/square-1.png")).expect("sample");
    std::fs::write(dir.path().join("a.png"), &sample).expect("write");
    std::fs::write(dir.path().join("circle-9.png"), &sample).expect("write");
    std::fs::write(dir.path().join("expected.txt"), "# file label\na.png square\n").expect("write");
    let report =
        run::validate(&cpu(ImageSource::Dir(dir.path().into()), ModelSource::Shipped), &mut |_| true).expect("runs");
    let a = report.images.iter().find(|i| i.file == "a.png").expect("a.png");
    assert_eq!((a.expected.as_deref(), a.correct()), (Some("square"), Some(true)));
    // A square named circle is a failed expectation: the verdict names the file and both labels.
    assert!(!report.pass);
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].starts_with("circle-9.png: expected circle, predicted square ("),
        "{:?}",
        report.failures
    );
}

#[test]
fn missing_weights_name_the_path_and_a_checksum_mismatch_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = model_copy(dir.path());
    assert!(Bundle::load(&ModelSource::Dir(model.clone())).is_ok());

    std::fs::write(model.join("model.sha256"), format!("{}  model.safetensors\n", "0".repeat(64))).expect("write");
    let error = Bundle::load(&ModelSource::Dir(model.clone())).expect_err("mismatch");
    let actual = sha256_file(&model.join("model.safetensors"));
    assert_eq!(
        error.to_string(),
        format!(
            "{}: checksum mismatch: model.sha256 says {}, the weights hash to {actual}",
            model.join("model.safetensors").display(),
            "0".repeat(64)
        )
    );
    // Flipped bytes in the weights themselves are caught by the same check.
    std::fs::copy(shipped(SHIPPED_DIR).join("model.sha256"), model.join("model.sha256")).expect("copy");
    let mut weights = std::fs::read(model.join("model.safetensors")).expect("read");
    let last = weights.len() - 1;
    weights[last] ^= 1;
    std::fs::write(model.join("model.safetensors"), weights).expect("write");
    assert!(
        Bundle::load(&ModelSource::Dir(model.clone())).expect_err("flipped").to_string().contains("checksum mismatch")
    );

    std::fs::remove_file(model.join("model.safetensors")).expect("rm");
    let error = Bundle::load(&ModelSource::Dir(model.clone())).expect_err("missing");
    assert_eq!(error.to_string(), format!("{}: not found", model.join("model.safetensors").display()));

    std::fs::copy(shipped(SHIPPED_DIR).join("model.safetensors"), model.join("model.safetensors")).expect("copy");
    std::fs::write(model.join("model.toml"), "architecture = \"vgg16\"\n").expect("write");
    let error = Bundle::load(&ModelSource::Dir(model.clone())).expect_err("unknown architecture");
    assert!(error.to_string().contains("architecture \"vgg16\" is not one gpudeck runs"), "{error}");
}

#[test]
fn resnet_weights_an_operator_supplies_load_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model_dir = dir.path().join("resnet");
    std::fs::create_dir(&model_dir).expect("mkdir");
    // A randomly initialised ResNet-18 in torchvision's names, as an operator's converted checkpoint would be.
    let (varmap, _) = model::seeded(Architecture::Resnet18, 3, 64, 1, &candle_core::Device::Cpu).expect("resnet18");
    varmap.save(model_dir.join("model.safetensors")).expect("save");
    std::fs::write(model_dir.join("labels.txt"), "ok\nwarn\nbad\n").expect("labels");
    let toml = "architecture = \"resnet18\"\ninput = 64\nmean = [0.485, 0.456, 0.406]\nstd = [0.229, 0.224, 0.225]\n";
    std::fs::write(model_dir.join("model.toml"), toml).expect("toml");

    let options = Options { resize: true, ..cpu(ImageSource::Shipped, ModelSource::Dir(model_dir.clone())) };
    let report = run::validate(&options, &mut |_| true).expect("runs");
    assert_eq!(report.model.architecture, "resnet18");
    assert_eq!(report.model.input, [3, 64, 64]);
    assert_eq!(report.images.len(), 12, "the 32×32 samples are scaled up: {:?}", report.skipped);
    assert!(report.images.iter().all(|i| i.expected.is_none() && i.top.len() == 3));
    assert!(report.pass, "nothing was expected of these labels: {:?}", report.failures);

    // The same weights named as another architecture fail by name, not with a panic.
    std::fs::write(model_dir.join("model.toml"), toml.replace("resnet18", "resnet34")).expect("toml");
    let error = run::validate(&options, &mut |_| true).expect_err("wrong architecture");
    assert!(error.to_string().contains("weights do not fit resnet34"), "{error}");
}

fn gpudeck(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gpudeck")).args(args).output().expect("run gpudeck");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (output.status.code().unwrap_or(-1), text(output.stdout), text(output.stderr))
}

#[test]
fn validate_json_is_one_verdict_object_and_the_exit_code_is_the_verdict() {
    let (code, stdout, stderr) = gpudeck(&["validate", "--device", "cpu", "--json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(value["schema"], SCHEMA);
    assert_eq!(value["pass"], true);
    assert_eq!(value["failures"], serde_json::json!([]));
    assert_eq!(value["model"]["name"], "shapes6");
    assert_eq!(value["model"]["input"], serde_json::json!([3, 32, 32]));
    assert_eq!(value["device"]["used"], "cpu");
    assert_eq!(value["device"]["requested"], "cpu");
    assert!(value["device"]["fallback"].is_null());
    assert_eq!(value["images"].as_array().map(Vec::len), Some(12));
    let first = &value["images"][0];
    for key in ["file", "expected", "predicted", "top", "latency_ms"] {
        assert!(!first[key].is_null(), "images[0].{key} missing: {first}");
    }
    assert!(first["top"][0]["label"].is_string() && first["top"][0]["probability"].is_number());
    assert!(value["latency_ms"]["p50"].is_number() && value["latency_ms"]["p95"].is_number());
    assert_eq!(value["throughput"].as_array().map(Vec::len), Some(3));
    assert!(value["agreement"].is_null() && value["load_ms"].is_number() && value["skipped"].is_array());
    assert_eq!(Report::parse(&stdout).expect("parses").correct_count(), (12, 12));

    // A run that cannot start still prints a verdict (a Job's log must end in one), and exits 1.
    let (code, stdout, _) = gpudeck(&["validate", "--device", "cpu", "--json", "--model", "/nonexistent/model"]);
    assert_eq!(code, 1);
    let report = Report::parse(&stdout).expect("a failed verdict parses");
    assert!(!report.pass);
    assert_eq!(report.failures, vec!["/nonexistent/model/model.safetensors: not found".to_string()]);
}

#[test]
#[cfg_attr(feature = "cuda", ignore = "asserts what a build without CUDA says")]
fn validate_text_says_why_the_cpu_ran_and_cuda_is_refused_by_a_cpu_build() {
    let (code, stdout, _) = gpudeck(&["validate"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("verdict     PASS · 12/12 as expected"), "{stdout}");
    assert!(
        stdout.contains("auto fell back: this gpudeck was built without the `cuda` feature (README: CUDA build)"),
        "{stdout}"
    );
    let (code, stdout, _) = gpudeck(&["validate", "--device", "cuda:1"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("verdict     FAIL"), "{stdout}");
    assert!(stdout.contains("cuda:1 cannot be used: this gpudeck was built without the `cuda` feature"), "{stdout}");
    let (code, _, stderr) = gpudeck(&["validate", "--device", "tpu"]);
    assert_eq!(code, 2, "a usage error is clap's 2");
    assert!(stderr.contains("expected auto, cpu, cuda or cuda:N"), "{stderr}");
}

#[test]
fn agreement_beyond_tolerance_or_nan_fails_the_verdict() {
    let mut report = run::validate(&cpu(ImageSource::Shipped, ModelSource::Shipped), &mut |_| true).expect("runs");
    assert!(report.pass);
    report.agreement = Some(gpudeck::infer::report::Agreement {
        reference: "cpu".into(),
        max_abs_logit_diff: 2e-6,
        tolerance: gpudeck::infer::report::AGREEMENT_TOLERANCE,
    });
    report.judge(true);
    assert!(report.pass, "{:?}", report.failures);
    for broken in [0.5, f32::NAN] {
        if let Some(a) = report.agreement.as_mut() {
            a.max_abs_logit_diff = broken;
        }
        report.judge(true);
        assert!(!report.pass);
        assert!(report.failures[0].starts_with("logits differ from the cpu by"), "{:?}", report.failures);
    }
    // JSON has no NaN: a broken GPU's verdict still reads back, and still fails.
    let json = serde_json::to_string(&report).expect("json");
    let read = Report::parse(&json).expect("a NaN verdict parses");
    assert!(read.agreement.as_ref().is_some_and(|a| a.max_abs_logit_diff.is_nan()) && !read.pass);
    // The logs view may show the server's timestamps before each line.
    let log = ["gpudeck validate: 12 images on cuda:0".to_string(), format!("2026-11-30T23:59:59.123456789Z {json}")];
    let found = Report::find_in_log(log.iter().map(String::as_str)).expect("found").expect("parses");
    assert_eq!(found.failures, read.failures);
    assert!(run::max_abs_diff(&[vec![1.0, f32::NAN]], &[vec![1.0, 2.0]]).is_nan());
    assert_eq!(run::max_abs_diff(&[vec![1.0, -2.0]], &[vec![1.5, 2.0]]), 4.0);
}
