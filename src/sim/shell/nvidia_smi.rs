//! `nvidia-smi` and `nvidia-smi -L` inside a container, laid out as driver 550's tool prints them, over the GPUs
//! the device plugin gave the container (the same readings the DCGM exporter reports); pure.

use std::fmt::Write;

use super::super::clock;
use super::super::dcgm::{DRIVER, Reading};

const CUDA: &str = "12.4";
const RULE: &str = "+-----------------------------------------------------------------------------------------+";
const SPLIT: &str = "+-----------------------------------------+------------------------+----------------------+";

/// Output and exit status for `nvidia-smi ARGS` over `gpus` (indices are the container's, 0-based).
pub fn run(gpus: &[Reading], args: &[String], now: i64) -> (String, String, i32) {
    match args.first().map(String::as_str) {
        None => (table(gpus, now), String::new(), 0),
        Some("-L" | "--list-gpus") => (list(gpus), String::new(), 0),
        Some(other) => (
            String::new(),
            format!(
                "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n(unknown option {other})\n"
            ),
            2,
        ),
    }
}

/// `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)`, one line per GPU.
pub fn list(gpus: &[Reading]) -> String {
    gpus.iter().enumerate().map(|(i, g)| format!("GPU {i}: {} (UUID: {})\n", g.model, g.uuid)).collect()
}

/// The summary table; containers see no processes (they live in other PID namespaces).
pub fn table(gpus: &[Reading], now: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}       ", clock::ctime(now));
    let _ = writeln!(out, "{RULE}");
    let _ = writeln!(out, "| NVIDIA-SMI {DRIVER:<23}Driver Version: {DRIVER:<15}CUDA Version: {CUDA:<9}|");
    let _ =
        writeln!(out, "|-----------------------------------------+------------------------+----------------------+");
    let _ =
        writeln!(out, "| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |");
    let _ =
        writeln!(out, "| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |");
    let _ =
        writeln!(out, "|                                         |                        |               MIG M. |");
    let _ =
        writeln!(out, "|=========================================+========================+======================|");
    for (i, g) in gpus.iter().enumerate() {
        // L4s have no MIG; the data-centre parts report it disabled.
        let mig = if g.model.contains("L4") { "N/A" } else { "Disabled" };
        let power = format!("{:.0}W / {:>4.0}W", g.power_w, g.power_limit_w);
        let _ =
            writeln!(out, "| {:>3}  {:<30} {:<3} | {:>18} {:<3} | {:>20} |", i, g.model, "On", g.pci_bus_id, "Off", 0);
        let _ = writeln!(
            out,
            "| {:<39} |{:>8.0}MiB / {:>6.0}MiB |{:>7.0}%{:>13} |",
            format!("N/A  {:>3.0}C    P0{power:>24}", g.temp_c),
            g.fb_used_mib,
            g.fb_total_mib,
            g.util,
            "Default"
        );
        let _ = writeln!(out, "|                                         |                        | {mig:>20} |");
        let _ = writeln!(out, "{SPLIT}");
    }
    let _ = writeln!(out, "{:91}", "");
    let _ = writeln!(out, "{RULE}");
    let _ =
        writeln!(out, "| Processes:                                                                              |");
    let _ =
        writeln!(out, "|  GPU   GI   CI        PID   Type   Process name                              GPU Memory |");
    let _ =
        writeln!(out, "|        ID   ID                                                               Usage      |");
    let _ =
        writeln!(out, "|=========================================================================================|");
    let _ =
        writeln!(out, "|  No running processes found                                                             |");
    let _ = writeln!(out, "{RULE}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(i: u32) -> Reading {
        Reading {
            node: "gpu-0".into(),
            index: i + 2,
            uuid: format!("GPU-0000000{i}-aaaa-4bbb-8ccc-dddddddddddd"),
            pci_bus_id: "00000000:38:00.0".into(),
            model: "NVIDIA H100 80GB HBM3",
            util: 93.0,
            fb_used_mib: 61234.0,
            fb_total_mib: 81559.0,
            temp_c: 75.0,
            power_w: 601.0,
            power_limit_w: 700.0,
            xid: 0.0,
            throttle: 0.0,
            sm_clock_mhz: 1980.0,
            holder: None,
        }
    }

    #[test]
    fn every_table_line_has_the_tools_width() {
        let text = table(&[gpu(0), gpu(1)], 1_764_065_523);
        for line in text.lines().skip(1) {
            assert_eq!(line.chars().count(), 91, "{line:?}");
        }
        assert!(
            text.contains(
                "|   1  NVIDIA H100 80GB HBM3          On  |   00000000:38:00.0 Off |                    0 |"
            )
        );
        assert!(
            text.contains(
                "| N/A   75C    P0            601W /  700W |   61234MiB /  81559MiB |     93%      Default |"
            )
        );
    }

    #[test]
    fn list_numbers_the_containers_gpus_from_zero() {
        assert_eq!(
            list(&[gpu(0), gpu(1)]),
            "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-aaaa-4bbb-8ccc-dddddddddddd)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-00000001-aaaa-4bbb-8ccc-dddddddddddd)\n"
        );
        assert_eq!(run(&[], &["-x".into()], 0).2, 2);
    }
}
