//! Long-lived IO feeding the app loop: terminal input, the clock, Kubernetes watches and log streams.

pub mod dcgm;
pub mod kube;
pub mod logs;
pub mod metrics;
pub mod nvml;
pub mod terminal;
