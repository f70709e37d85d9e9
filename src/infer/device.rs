//! Which device runs the model: `auto` takes CUDA when this build has it and a GPU initialises, else the CPU
//! with the reason; `cuda[:N]` insists and fails with candle's reason.

use candle_core::Device;

use super::InferError;
use super::report::DeviceInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRequest {
    Auto,
    Cpu,
    Cuda(usize),
}

impl DeviceRequest {
    /// `auto`, `cpu`, `cuda` or `cuda:N`.
    pub fn parse(text: &str) -> Result<DeviceRequest, String> {
        match text {
            "auto" => Ok(DeviceRequest::Auto),
            "cpu" => Ok(DeviceRequest::Cpu),
            "cuda" => Ok(DeviceRequest::Cuda(0)),
            _ => text
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DeviceRequest::Cuda)
                .ok_or_else(|| format!("device {text:?}: expected auto, cpu, cuda or cuda:N")),
        }
    }

    pub fn name(self) -> String {
        match self {
            DeviceRequest::Auto => "auto".into(),
            DeviceRequest::Cpu => "cpu".into(),
            DeviceRequest::Cuda(n) => format!("cuda:{n}"),
        }
    }
}

/// A device ready to run, and how to name it in the verdict.
pub struct Chosen {
    pub device: Device,
    pub info: DeviceInfo,
}

pub fn choose(request: DeviceRequest) -> Result<Chosen, InferError> {
    let cpu = |fallback: Option<String>| Chosen {
        device: Device::Cpu,
        info: DeviceInfo { requested: request.name(), used: "cpu".into(), name: cpu_name(), fallback },
    };
    match request {
        DeviceRequest::Cpu => Ok(cpu(None)),
        DeviceRequest::Auto => match cuda(0) {
            Ok(device) => Ok(cuda_chosen(request, 0, device)),
            Err(why) => Ok(cpu(Some(why))),
        },
        DeviceRequest::Cuda(ordinal) => match cuda(ordinal) {
            Ok(device) => Ok(cuda_chosen(request, ordinal, device)),
            Err(why) => Err(InferError::Device(format!("cuda:{ordinal} cannot be used: {why}"))),
        },
    }
}

/// Opens a CUDA device, or says why not in one line (candle's errors may carry a backtrace after it).
fn cuda(ordinal: usize) -> Result<Device, String> {
    if !cfg!(feature = "cuda") {
        return Err("this gpudeck was built without the `cuda` feature (README: CUDA build)".into());
    }
    // Stock candle links libcuda at load time; a cudarc patched to load it at run time panics when it is absent
    // instead of failing, so a panic is turned into a reason too.
    match std::panic::catch_unwind(|| Device::new_cuda(ordinal)) {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(e)) => Err(super::first_line(&e.to_string())),
        Err(_) => Err("the NVIDIA driver library (libcuda.so.1) could not be loaded".into()),
    }
}

fn cuda_chosen(request: DeviceRequest, ordinal: usize, device: Device) -> Chosen {
    Chosen {
        device,
        info: DeviceInfo {
            requested: request.name(),
            used: format!("cuda:{ordinal}"),
            name: gpu_name(ordinal),
            fallback: None,
        },
    }
}

/// The GPU's product name from NVML when it answers, else its CUDA ordinal.
fn gpu_name(ordinal: usize) -> String {
    #[cfg(feature = "nvml")]
    if let Some(name) = nvml_wrapper::Nvml::init()
        .ok()
        .and_then(|nvml| nvml.device_by_index(ordinal as u32).and_then(|d| d.name()).ok())
    {
        return name;
    }
    format!("CUDA device {ordinal}")
}

fn cpu_name() -> String {
    let threads = candle_core::utils::get_num_threads();
    format!("CPU ({threads} thread{})", if threads == 1 { "" } else { "s" })
}
