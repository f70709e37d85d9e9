//! Synthetic container output: every line is a pure function of (pod, container, instance, index), so logs cost
//! no memory, replay identically for `--previous`, `--tail` and `-f`, and follow the pod's real lifecycle.

use serde_json::Value;

use super::kubelet::{self, Behavior};
use super::{rng, validator};

pub const LOG_PROFILE: &str = "sim.gpudeck.io/log";

/// A firehose pod: this many numbered lines a second (`"250000"`), for log ingest benchmarks; each line carries its
/// index so a reader can prove it lost none.
pub const LOG_RATE: &str = "sim.gpudeck.io/log-rate";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// A training loop: epoch/step/loss/throughput.
    Train,
    /// An inference or web server: access lines.
    Serve,
    /// A node agent (klog style).
    System,
    /// Numbered lines at `LOG_RATE` a second.
    Firehose,
    /// `gpudeck validate`: progress, then the verdict as it exits (`sim::validator`).
    Validator,
}

pub fn profile(pod: &Value) -> Profile {
    if rate(pod).is_some() {
        return Profile::Firehose;
    }
    match pod["metadata"]["annotations"][LOG_PROFILE].as_str() {
        Some("train") => Profile::Train,
        Some("system") => Profile::System,
        Some("serve") => Profile::Serve,
        Some(validator::PROFILE) => Profile::Validator,
        _ if pod["metadata"]["labels"]["job-name"].is_string() => Profile::Train,
        _ => Profile::Serve,
    }
}

fn rate(pod: &Value) -> Option<f64> {
    pod["metadata"]["annotations"][LOG_RATE].as_str()?.parse::<f64>().ok().filter(|r| *r > 0.0)
}

/// Seconds between lines.
fn period(pod: &Value, profile: Profile) -> f64 {
    match profile {
        Profile::Train | Profile::Validator => 1.0,
        Profile::Serve => 2.0,
        Profile::System => 10.0,
        Profile::Firehose => rate(pod).map_or(1.0, |r| 1.0 / r),
    }
}

/// One instance of one container: what its lines are made from.
#[derive(Debug, Clone)]
pub struct Instance {
    pub seed: u64,
    pub profile: Profile,
    /// Seconds between regular lines.
    pub period: f64,
    pub behavior: Behavior,
    pub started: f64,
    /// When it ended and with which reason (None while running).
    pub ended: Option<(f64, String)>,
    /// The GPU product of a validator's node (empty for other pods).
    pub gpu: String,
}

impl Instance {
    pub fn new(pod: &Value, container: &str, restart: i64, started: f64, ended: Option<(f64, String)>) -> Self {
        let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
        Instance {
            seed: rng::hash(&format!("{uid}/{container}/{restart}")),
            profile: profile(pod),
            period: period(pod, profile(pod)),
            behavior: kubelet::behavior(pod),
            started,
            ended,
            gpu: pod["metadata"]["annotations"][validator::GPU_PRODUCT].as_str().unwrap_or_default().to_string(),
        }
    }

    /// Time of regular line `i`.
    pub fn time_of(&self, i: u64) -> f64 {
        self.started + 0.25 + i as f64 * self.period
    }

    /// How many regular lines exist at `now` (all of them, for an ended instance).
    pub fn count_at(&self, now: f64) -> u64 {
        let until = self.ended.as_ref().map_or(now, |(t, _)| t.min(now));
        if until < self.started + 0.25 {
            return 0;
        }
        ((until - self.started - 0.25) / self.period).floor() as u64 + 1
    }

    /// Regular line `i`.
    pub fn line(&self, i: u64) -> String {
        let n = |k: u64| rng::noise(self.seed, "line", (i * 8 + k) as i64);
        match (self.profile, i) {
            (Profile::Train, 0) => {
                "INFO  trainer 0.15.0 starting: world_size=32 rank=0 device=cuda:0 (NVIDIA H100 80GB HBM3)".into()
            }
            (Profile::Train, 1) => "INFO  dataset ready: 1024 shards, 12582912 samples, global batch 2048".into(),
            (Profile::Train, _) => {
                // One optimizer step a line; 1000 steps an epoch, 30 epochs (about 8 h at the demo's pace).
                let step = i - 1;
                let loss = 2.4 * (-(step as f64) / 4000.0).exp() + 0.31 + 0.04 * n(0);
                format!(
                    "epoch {}/30 step {step}/{} loss {loss:.4} lr 2.0e-04 throughput {:.1} samples/s gpu_mem {:.1}GiB",
                    (step / 1000 + 1).min(30),
                    (step / 1000 + 1) * 1000,
                    1780.0 + 120.0 * n(1),
                    61.0 + 4.0 * n(2)
                )
            }
            (Profile::Validator, _) => validator::progress_line(i, &self.gpu),
            (Profile::Serve, 0) => "INFO  model loaded in 41.2s; serving on :8080".into(),
            (Profile::Serve, _) => {
                let paths = ["/v1/completions", "/v1/embeddings", "/v1/chat/completions", "/healthz"];
                let path = paths[(n(0) * paths.len() as f64) as usize % paths.len()];
                let status = if n(1) < 0.03 { 503 } else { 200 };
                format!(
                    "10.244.{}.{} - - \"POST {path} HTTP/1.1\" {status} {} latency_ms={} tokens={}",
                    (n(2) * 250.0) as u32,
                    (n(3) * 250.0) as u32 + 2,
                    (n(4) * 4000.0) as u32 + 200,
                    (n(5) * 900.0) as u32 + 20,
                    (n(6) * 2000.0) as u32
                )
            }
            // About 200 bytes, like a busy service's access log.
            (Profile::Firehose, _) => format!(
                "line {i:012} 10.244.{}.{} POST /v1/completions 200 latency_ms={:04} {}",
                i % 250,
                (i / 250) % 250,
                (n(0) * 4000.0) as u32,
                "x".repeat(132)
            ),
            (Profile::System, _) => format!(
                "I1125 {:02}:00:00.000000       1 collector.go:{}] collected {} metrics from {} devices",
                i % 24,
                100 + i % 50,
                40 + (n(0) * 20.0) as u32,
                8
            ),
        }
    }

    /// Lines written as the instance ended (tracebacks, summaries), all stamped with its end time.
    pub fn exit_lines(&self) -> Vec<String> {
        let Some((_, reason)) = &self.ended else { return Vec::new() };
        match (self.behavior, reason.as_str()) {
            _ if self.profile == Profile::Validator => {
                vec![validator::verdict_line(self.behavior == Behavior::Fail, &self.gpu)]
            }
            (_, "OOMKilled") => vec!["WARN  host memory at 97% (rss 243.1GiB); dataloader workers=16".into()],
            (Behavior::CrashLoop, _) => vec![
                "Traceback (most recent call last):".into(),
                "  File \"/app/serve.py\", line 88, in <module>".into(),
                "    model = load_model(cfg.checkpoint, device=\"cuda\")".into(),
                "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 79.11 GiB of which 1.12 GiB is free.".into(),
            ],
            (_, "Completed") => vec!["INFO  training complete: final loss 0.3127; checkpoint saved to s3://ml-ckpt/final".into()],
            _ => vec![
                "Traceback (most recent call last):".into(),
                "  File \"/app/train.py\", line 212, in <module>".into(),
                "RuntimeError: CUDA error: an illegal memory access was encountered".into(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn train_pod() -> Value {
        json!({"metadata": {"uid": "u", "labels": {"job-name": "j"}, "annotations": {}}})
    }

    #[test]
    fn a_firehose_pod_writes_numbered_lines_at_its_rate() {
        let pod = json!({"metadata": {"uid": "f", "annotations": {LOG_RATE: "1000"}}});
        let i = Instance::new(&pod, "c", 0, 100.0, None);
        assert_eq!(i.count_at(100.0 + 0.25 + 1.0), 1001, "a thousand lines a second");
        assert!(i.line(42).starts_with("line 000000000042 "));
        assert!((190..=210).contains(&i.line(42).len()), "{}", i.line(42).len());
    }

    #[test]
    fn lines_are_deterministic_and_timed() {
        let a = Instance::new(&train_pod(), "c", 0, 100.0, None);
        let b = Instance::new(&train_pod(), "c", 0, 100.0, None);
        assert_eq!(a.line(7), b.line(7));
        assert!(a.line(7).starts_with("epoch 1/30 step 6/1000 loss "), "{}", a.line(7));
        assert_eq!(a.count_at(100.0), 0);
        assert_eq!(a.count_at(100.25), 1);
        assert_eq!(a.count_at(110.3), 11);
        let other_restart = Instance::new(&train_pod(), "c", 1, 100.0, None);
        assert_ne!(a.line(7), other_restart.line(7));
    }

    #[test]
    fn ended_instances_stop_and_explain() {
        let done = Instance::new(&train_pod(), "c", 0, 0.0, Some((5.0, "Completed".into())));
        assert_eq!(done.count_at(1000.0), 5);
        assert!(done.exit_lines()[0].contains("training complete"));
        let mut crash = train_pod();
        crash["metadata"]["annotations"]["sim.gpudeck.io/behavior"] = json!("crashloop");
        let c = Instance::new(&crash, "c", 3, 0.0, Some((4.0, "Error".into())));
        assert!(c.exit_lines().iter().any(|l| l.contains("CUDA out of memory")));
    }
}
