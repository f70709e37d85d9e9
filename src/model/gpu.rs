//! A local GPU as NVML reports it, one sample: the console's own type, so nothing past the sampler knows NVML.

/// One sample of one GPU. Figures a GPU or driver does not support stay `None` (shown as "–").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalGpu {
    pub index: u32,
    pub name: String,
    pub uuid: String,
    /// SM and memory-controller utilization, percent.
    pub util: Option<(u32, u32)>,
    /// Framebuffer (used, total) bytes.
    pub memory: Option<(u64, u64)>,
    pub temp_c: Option<u32>,
    pub power_mw: Option<u32>,
    pub power_limit_mw: Option<u32>,
    /// SM and memory clocks, MHz.
    pub clocks_mhz: Option<(u32, u32)>,
    pub fan_percent: Option<u32>,
    /// PCIe (transmit, receive) KB/s.
    pub pcie_kbs: Option<(u32, u32)>,
    /// Uncorrected ECC errors since the driver loaded.
    pub ecc_uncorrected: Option<u64>,
    /// Pages retired for double-bit ECC errors.
    pub retired_pages: Option<usize>,
    pub processes: Vec<GpuProcess>,
    /// Why this GPU could not be read (lost from the bus, say); the others are still sampled.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuProcess {
    pub pid: u32,
    pub name: String,
    /// GPU memory bytes, when the driver can tell (not under some virtualisation).
    pub memory: Option<u64>,
}
