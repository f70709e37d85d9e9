//! The verdict as text for a terminal or a CI log: `gpudeck validate` without `--json`.

use super::report::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    let m = &report.model;
    if !m.sha256.is_empty() {
        line(format!(
            "model       {} ({}, {} classes, {}×{}×{}) sha256 {} · loaded in {:.1} ms",
            m.name, m.architecture, m.classes, m.input[0], m.input[1], m.input[2], m.sha256, report.load_ms
        ));
    }
    let d = &report.device;
    if !d.used.is_empty() {
        let fallback =
            d.fallback.as_ref().map(|why| format!(" · {} fell back: {why}", d.requested)).unwrap_or_default();
        line(format!("device      {} · {}{fallback}", d.used, d.name));
    }
    if !report.images.is_empty() {
        line(String::new());
        let width = report.images.iter().map(|i| i.file.chars().count()).max().unwrap_or(0).max(5);
        line(format!("{:<width$}  {:<10} {:<10} {:<4} {:>8}  TOP", "IMAGE", "EXPECTED", "PREDICTED", "OK", "MS"));
        for image in &report.images {
            let ok = match image.correct() {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            };
            let top: Vec<String> = image.top.iter().map(|s| format!("{} {:.3}", s.label, s.probability)).collect();
            line(format!(
                "{:<width$}  {:<10} {:<10} {:<4} {:>8.3}  {}",
                image.file,
                image.expected.as_deref().unwrap_or("-"),
                image.predicted,
                ok,
                image.latency_ms,
                top.join("  ")
            ));
        }
    }
    for skipped in &report.skipped {
        line(format!("skipped     {}: {}", skipped.file, skipped.reason));
    }
    if !report.images.is_empty() {
        line(String::new());
        line(format!(
            "latency     p50 {:.3} ms · p95 {:.3} ms (batch 1)",
            report.latency_ms.p50, report.latency_ms.p95
        ));
        let rates: Vec<String> =
            report.throughput.iter().map(|t| format!("batch {}: {:.0} img/s", t.batch, t.images_per_s)).collect();
        line(format!("throughput  {}", rates.join(" · ")));
    }
    if let Some(a) = &report.agreement {
        line(format!(
            "agreement   max |Δlogit| {:.2e} against {} (tolerance {:.0e})",
            a.max_abs_logit_diff, a.reference, a.tolerance
        ));
    }
    let (correct, judged) = report.correct_count();
    line(format!("verdict     {} · {correct}/{judged} as expected", if report.pass { "PASS" } else { "FAIL" }));
    for failure in &report.failures {
        line(format!("  - {failure}"));
    }
    out
}
