//! The HorizontalPodAutoscaler table (Targets as formatHPAMetrics writes them), as kube-apiserver 1.32's
//! printers.go prints it; no IO.

use serde_json::{Value, json};

use super::{AGE, Column, NAME, age, at, column, list, name, text};

pub const HPA_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Reference",
        "string",
        "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.",
    ),
    column(
        "Targets",
        "string",
        "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.",
    ),
    column(
        "MinPods",
        "string",
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.",
    ),
    column(
        "MaxPods",
        "integer",
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.",
    ),
    column(
        "Replicas",
        "integer",
        "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.",
    ),
    AGE,
];

pub fn hpa_cells(hpa: &Value, now: i64) -> Vec<Value> {
    let reference = format!("{}/{}", text(hpa, "/spec/scaleTargetRef/kind"), text(hpa, "/spec/scaleTargetRef/name"));
    let min = at(hpa, "/spec/minReplicas").as_i64().map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        name(hpa),
        json!(reference),
        json!(targets(hpa)),
        json!(min),
        json!(at(hpa, "/spec/maxReplicas").as_i64().unwrap_or(0)),
        json!(at(hpa, "/status/currentReplicas").as_i64().unwrap_or(0)),
        age(hpa, now),
    ]
}

/// formatHPAMetrics: each metric's current value against its target (`cpu: 182%/70%`), at most two, then
/// `+ N more...`.
fn targets(hpa: &Value) -> String {
    let specs = list(hpa, "/spec/metrics");
    if specs.is_empty() {
        return "<none>".into();
    }
    let statuses = list(hpa, "/status/currentMetrics");
    let status = |i: usize, source: &str| statuses.get(i).map(|s| &s[source]).filter(|s| s.is_object());
    let current_value = |i: usize, source: &str, field: &str| {
        status(i, source).and_then(|s| s["current"][field].as_str()).unwrap_or("<unknown>").to_string()
    };
    let shown: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let kind = text(spec, "/type");
            let source = match kind {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                "External" => "external",
                _ => return "<unknown type>".to_string(),
            };
            let target = &spec[source]["target"];
            let average = target["averageValue"].as_str();
            match kind {
                "Resource" | "ContainerResource" => {
                    let resource = spec[source]["name"].as_str().unwrap_or_default();
                    match average {
                        Some(avg) => format!("{resource}: {}/{avg}", current_value(i, source, "averageValue")),
                        None => {
                            let current = status(i, source)
                                .and_then(|s| s["current"]["averageUtilization"].as_i64())
                                .map_or_else(|| "<unknown>".to_string(), |u| format!("{u}%"));
                            let wanted = target["averageUtilization"]
                                .as_i64()
                                .map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                            format!("{resource}: {current}/{wanted}")
                        }
                    }
                }
                "Pods" => format!("{}/{}", current_value(i, source, "averageValue"), average.unwrap_or_default()),
                _ => match average {
                    Some(avg) => format!("{}/{avg} (avg)", current_value(i, source, "averageValue")),
                    None => format!(
                        "{}/{}",
                        current_value(i, source, "value"),
                        target["value"].as_str().unwrap_or_default()
                    ),
                },
            }
        })
        .collect();
    if shown.len() > 2 {
        return format!("{} + {} more...", shown[..2].join(", "), shown.len() - 2);
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_show_current_against_target_per_metric() {
        let hpa = json!({"metadata": {"name": "feature-api"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "feature-api"}, "minReplicas": 4, "maxReplicas": 12,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}}]},
            "status": {"currentReplicas": 12, "currentMetrics": [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 182, "averageValue": "455m"}}},
                {"type": ""}]}});
        let cells = hpa_cells(&hpa, 0);
        assert_eq!(
            cells[1..6],
            [
                json!("Deployment/feature-api"),
                json!("cpu: 182%/70%, memory: <unknown>/1Gi"),
                json!("4"),
                json!(12),
                json!(12)
            ]
        );
        let none = json!({"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 3}});
        assert_eq!(hpa_cells(&none, 0)[2..4], [json!("<none>"), json!("<unset>")]);
    }
}
