//! Long-lived IO feeding the app loop: terminal input, the clock, and Kubernetes watches.

pub mod kube;
pub mod metrics;
pub mod terminal;
