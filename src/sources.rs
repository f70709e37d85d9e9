//! Long-lived IO feeding the app loop: terminal input, the clock, Kubernetes watches (the console's own and a
//! generic view's Table watch) and log streams.

pub mod dcgm;
pub mod kube;
pub mod leases;
pub mod logs;
pub mod metrics;
pub mod nvml;
pub mod table;
pub mod terminal;
