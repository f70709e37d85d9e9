//! The validator image in the sim. A pod whose container runs `validate …` (whatever its image, so a configured
//! mirror works) is stamped as it is bound: it runs about four seconds, writing one progress line a second, then ONE
//! JSON line, the verdict, as it exits. The verdict is the real `Report` of the shipped CNN on this machine's CPU
//! (computed once per process, on the controller thread that binds the pod, never on an async worker), with `device`
//! as the node would report it: `cuda:0` asked (what `--device cuda` means) and used, the node's GPU product as its
//! name. On the node whose GPU reports an XID error (`dcgm::faulty_node`: gpu-a100-01 in the demo, gpu-0000 at
//! scale) the GPU's logits disagree with the CPU's by far more than the tolerance: the real judge fails it, the pod
//! exits 1 (Error) and the Job fails. Every other GPU node passes and its pod Completes (exit 0).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};

use super::dcgm;
use super::kubelet::{BEHAVIOR, RUN_SECONDS};
use super::logtext::LOG_PROFILE;
use crate::infer::device::DeviceRequest;
use crate::infer::report::{AGREEMENT_TOLERANCE, Agreement, DeviceInfo, Report};
use crate::infer::run::{Options, validate};

/// The log profile of a validator pod.
pub const PROFILE: &str = "validator";
/// The GPU product of the node a validator pod was bound to, for its verdict's device name.
pub const GPU_PRODUCT: &str = "sim.gpudeck.io/gpu-product";
/// Largest |Δlogit| against the CPU: float32 summation order on a healthy GPU, and the faulty one.
const HEALTHY_DIFF: f32 = 3.1e-6;
const FAULTY_DIFF: f32 = 4.7;

pub fn is_validator(pod: &Value) -> bool {
    pod["spec"]["containers"][0]["args"][0] == "validate"
}

/// Stamps a validator pod as it is bound to a node of GPU `product`: its run time, its log, and whether it fails.
pub fn on_bind(pod: &mut Value, product: &str, faulty: bool) {
    let fails = !verdict(faulty, product).pass;
    let annotations = &mut pod["metadata"]["annotations"];
    annotations[LOG_PROFILE] = json!(PROFILE);
    annotations[RUN_SECONDS] = json!("4");
    annotations[GPU_PRODUCT] = json!(product);
    if fails {
        annotations[BEHAVIOR] = json!("fail");
    }
}

/// The CPU run every verdict starts from. The first call (binding the first validator pod) runs the CNN: tens of
/// milliseconds, on the controller's own thread.
fn reference() -> &'static Result<Report, String> {
    static REFERENCE: OnceLock<Result<Report, String>> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let options = Options { device: DeviceRequest::Cpu, timing: Duration::from_millis(20), ..Options::default() };
        validate(&options, &mut |_| true).map_err(|e| e.to_string())
    })
}

/// What the validator on a node of GPU `product` reports.
fn verdict(faulty: bool, product: &str) -> Report {
    let mut report = match reference() {
        Ok(reference) => {
            let mut report = reference.clone();
            let diff = if faulty { FAULTY_DIFF } else { HEALTHY_DIFF };
            report.agreement =
                Some(Agreement { reference: "cpu".into(), max_abs_logit_diff: diff, tolerance: AGREEMENT_TOLERANCE });
            report.judge(true);
            report
        }
        Err(why) => Report::failed(&DeviceRequest::Cuda(0).name(), why.clone()),
    };
    report.device = DeviceInfo {
        requested: DeviceRequest::Cuda(0).name(),
        used: DeviceRequest::Cuda(0).name(),
        name: dcgm::model_name(product).0.into(),
        fallback: None,
    };
    report
}

/// The verdict line the validator prints as it exits.
pub fn verdict_line(faulty: bool, product: &str) -> String {
    serde_json::to_string(&verdict(faulty, product)).unwrap_or_default()
}

/// Progress line `i`, one a second while the validator runs.
pub fn progress_line(i: u64, product: &str) -> String {
    let gpu = dcgm::model_name(product).0;
    let (model, images) = match reference() {
        Ok(r) => (r.model.name.as_str(), r.images.len()),
        Err(_) => ("?", 0),
    };
    match i {
        0 => format!("gpudeck validate: model {model} on cuda:0 ({gpu})"),
        1 => format!("classified {images} images at batch 1"),
        2 => "timing batches of 1, 8 and 32".into(),
        _ => "comparing logits with the cpu".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_nodes_pass_and_the_faulty_one_fails_with_the_judges_words() {
        let pass = Report::parse(&verdict_line(false, "NVIDIA-H100-80GB-HBM3")).unwrap();
        assert!(pass.pass, "{:?}", pass.failures);
        assert_eq!((pass.device.used.as_str(), pass.device.name.as_str()), ("cuda:0", "NVIDIA H100 80GB HBM3"));
        assert!(!pass.images.is_empty(), "the real CNN ran");
        let fail = Report::parse(&verdict_line(true, "NVIDIA-A100-SXM4-80GB")).unwrap();
        assert!(!fail.pass);
        assert!(fail.failures.iter().any(|f| f.contains("logits differ from the cpu")), "{:?}", fail.failures);
        let mut pod =
            json!({"metadata": {"annotations": {}}, "spec": {"containers": [{"args": ["validate", "--json"]}]}});
        assert!(is_validator(&pod));
        on_bind(&mut pod, "NVIDIA-A100-SXM4-80GB", true);
        assert_eq!(pod["metadata"]["annotations"][BEHAVIOR], "fail");
        assert_eq!(pod["metadata"]["annotations"][LOG_PROFILE], PROFILE);
    }
}
