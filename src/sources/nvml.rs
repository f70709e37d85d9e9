//! Local GPUs through NVML on a sampler thread (1 Hz by default). The driver library is loaded at run time, so a
//! machine without one gets a reason in the GPU pane, retried now and then, and everything else works.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::event::{Data, Event};

/// Where the sampler finds the library and how often it samples.
#[derive(Debug, Clone)]
pub struct NvmlSettings {
    /// A libnvidia-ml path; None lets the loader find `libnvidia-ml.so.1`.
    pub library: Option<PathBuf>,
    pub every: Duration,
}

impl Default for NvmlSettings {
    fn default() -> Self {
        NvmlSettings { library: None, every: Duration::from_secs(1) }
    }
}

/// How long a machine without a usable NVML waits before the library is tried again (a driver may be installed).
#[cfg(feature = "nvml")]
const RETRY: Duration = Duration::from_secs(30);

/// Samples on its own thread until the app loop is gone; every sample (or the reason there is none) is sent.
pub fn spawn(settings: NvmlSettings, tx: UnboundedSender<Event>) -> std::io::Result<()> {
    std::thread::Builder::new().name("nvml".into()).spawn(move || run(&settings, &tx)).map(|_| ())
}

#[cfg(feature = "nvml")]
fn run(settings: &NvmlSettings, tx: &UnboundedSender<Event>) {
    loop {
        let nvml = match sampler::open(settings.library.as_deref()) {
            Ok(nvml) => nvml,
            Err(why) => {
                if tx.send(Event::Data(Data::LocalGpus(Err(why)))).is_err() {
                    return;
                }
                std::thread::sleep(RETRY);
                continue;
            }
        };
        let mut names = sampler::ProcessNames::default();
        let mut next = std::time::Instant::now();
        loop {
            let sample = sampler::sample(&nvml, &mut names);
            let failed = sample.is_err();
            if tx.send(Event::Data(Data::LocalGpus(sample))).is_err() {
                return;
            }
            if failed {
                std::thread::sleep(RETRY);
                break;
            }
            next += settings.every;
            let now = std::time::Instant::now();
            // A sampler that fell behind (a suspended laptop, a stalled driver) skips samples instead of bursting.
            if next < now {
                next = now + settings.every;
            }
            std::thread::sleep(next - now);
        }
    }
}

#[cfg(not(feature = "nvml"))]
fn run(_settings: &NvmlSettings, tx: &UnboundedSender<Event>) {
    let why = "this gpudeck was built without the nvml feature".to_string();
    let _ = tx.send(Event::Data(Data::LocalGpus(Err(why))));
}

#[cfg(feature = "nvml")]
pub mod sampler {
    //! The NVML calls: one sample of every GPU, optional figures left empty where unsupported.

    use std::collections::HashMap;
    use std::path::Path;

    use nvml_wrapper::enum_wrappers::device::{
        Clock, EccCounter, MemoryError, PcieUtilCounter, RetirementCause, TemperatureSensor,
    };
    use nvml_wrapper::enums::device::UsedGpuMemory;
    use nvml_wrapper::error::NvmlError;
    use nvml_wrapper::{Device, Nvml};

    use crate::model::gpu::{GpuProcess, LocalGpu};
    use crate::sanitize::clean;

    /// Loads and initialises NVML from `library` (or the loader's search path).
    pub fn open(library: Option<&Path>) -> Result<Nvml, String> {
        let mut builder = Nvml::builder();
        if let Some(path) = library {
            builder.lib_path(path.as_os_str());
        }
        builder.init().map_err(|e| reason(&e))
    }

    /// NVML's error in an operator's words.
    pub fn reason(e: &NvmlError) -> String {
        match e {
            NvmlError::LibloadingError(e) => format!("cannot load the NVIDIA management library: {e}"),
            NvmlError::DriverNotLoaded => "the NVIDIA driver is not loaded".into(),
            NvmlError::NoPermission => "no permission to query the NVIDIA driver".into(),
            other => other.to_string(),
        }
    }

    /// Process names by pid, so the name is asked for once per process, not once per second.
    #[derive(Default)]
    pub struct ProcessNames(HashMap<u32, String>);

    /// One sample of every GPU. Err when NVML cannot count devices (a missing core symbol, a lost driver); a GPU
    /// that cannot be opened is a line with its error.
    pub fn sample(nvml: &Nvml, names: &mut ProcessNames) -> Result<Vec<LocalGpu>, String> {
        let count = nvml.device_count().map_err(|e| reason(&e))?;
        let mut gpus = Vec::with_capacity(count as usize);
        let mut live = Vec::new();
        for index in 0..count {
            match nvml.device_by_index(index) {
                Ok(device) => {
                    let processes = processes(nvml, &device, names);
                    live.extend(processes.iter().map(|p| p.pid));
                    gpus.push(gpu(index, &device, processes));
                }
                // One lost GPU is shown as lost; the others are still sampled.
                Err(e) => gpus.push(LocalGpu {
                    index,
                    name: format!("GPU {index}"),
                    error: Some(reason(&e)),
                    ..LocalGpu::default()
                }),
            }
        }
        names.0.retain(|pid, _| live.contains(pid));
        Ok(gpus)
    }

    fn gpu(index: u32, device: &Device, processes: Vec<GpuProcess>) -> LocalGpu {
        let util = device.utilization_rates().ok().map(|u| (u.gpu, u.memory));
        let pcie = device
            .pcie_throughput(PcieUtilCounter::Send)
            .and_then(|tx| Ok((tx, device.pcie_throughput(PcieUtilCounter::Receive)?)));
        let clocks = device.clock_info(Clock::SM).and_then(|sm| Ok((sm, device.clock_info(Clock::Memory)?)));
        LocalGpu {
            index,
            name: device.name().map(|n| clean(&n)).unwrap_or_else(|_| format!("GPU {index}")),
            uuid: device.uuid().map(|u| clean(&u)).unwrap_or_default(),
            util,
            memory: device.memory_info().ok().map(|m| (m.used, m.total)),
            temp_c: device.temperature(TemperatureSensor::Gpu).ok(),
            power_mw: device.power_usage().ok(),
            power_limit_mw: device.enforced_power_limit().ok(),
            clocks_mhz: clocks.ok(),
            fan_percent: device.fan_speed(0).ok(),
            pcie_kbs: pcie.ok(),
            ecc_uncorrected: device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile).ok(),
            retired_pages: device.retired_pages(RetirementCause::DoubleBitEccError).ok().map(|p| p.len()),
            processes,
            error: None,
        }
    }

    fn processes(nvml: &Nvml, device: &Device, names: &mut ProcessNames) -> Vec<GpuProcess> {
        let Ok(running) = device.running_compute_processes() else { return Vec::new() };
        running
            .into_iter()
            .map(|p| {
                let name = names
                    .0
                    .entry(p.pid)
                    .or_insert_with(|| nvml.sys_process_name(p.pid, 64).map(|n| clean(&n)).unwrap_or_default())
                    .clone();
                let memory = match p.used_gpu_memory {
                    UsedGpuMemory::Used(bytes) => Some(bytes),
                    UsedGpuMemory::Unavailable => None,
                };
                GpuProcess { pid: p.pid, name, memory }
            })
            .collect()
    }
}
