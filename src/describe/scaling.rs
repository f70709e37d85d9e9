//! `kubectl describe` for HorizontalPodAutoscalers (autoscaling/v2: metrics, behavior) and PodDisruptionBudgets.

use super::quantity;
use super::tabwriter::Out;
use super::text::{
    at, events_block, go_quote, int, int_or_string, label_selector, list, meta_header, plain, rfc1123z, s,
};
use serde_json::Value;

/// `Quantity.String()` of an optional quantity: `<nil>` when absent.
fn q(v: &Value) -> String {
    if v.is_null() { "<nil>".to_string() } else { quantity::canonical_json(v) }
}

pub(crate) fn describe_hpa(hpa: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let spec = at(hpa, &["spec"]);
    let status = at(hpa, &["status"]);
    meta_header(&mut w, hpa);
    w.w(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(at(hpa, &["metadata", "creationTimestamp"]))));
    let target = at(spec, &["scaleTargetRef"]);
    w.w(0, &format!("Reference:\t{}/{}\n", s(target, &["kind"]), s(target, &["name"])));
    w.w(0, "Metrics:\t( current / target )\n");
    let currents = list(status, &["currentMetrics"]);
    for (i, metric) in list(spec, &["metrics"]).iter().enumerate() {
        metric_line(&mut w, metric, currents.get(i).unwrap_or(&Value::Null));
    }
    let min = at(spec, &["minReplicas"]);
    w.w(0, &format!("Min replicas:\t{}\n", if min.is_null() { "<unset>".to_string() } else { plain(min) }));
    w.w(0, &format!("Max replicas:\t{}\n", int(spec, &["maxReplicas"])));
    let behavior = at(spec, &["behavior"]);
    if !behavior.is_null() {
        w.w(0, "Behavior:\n");
        direction(&mut w, "Scale Up", at(behavior, &["scaleUp"]));
        direction(&mut w, "Scale Down", at(behavior, &["scaleDown"]));
    }
    w.w(0, &format!("{} pods:\t", s(target, &["kind"])));
    w.w(0, &format!("{} current / {} desired\n", int(status, &["currentReplicas"]), int(status, &["desiredReplicas"])));
    let conditions = list(status, &["conditions"]);
    if !conditions.is_empty() {
        w.w(0, "Conditions:\n");
        w.w(1, "Type\tStatus\tReason\tMessage\n");
        w.w(1, "----\t------\t------\t-------\n");
        for c in conditions {
            let f = |k: &str| s(c, &[k]).to_string();
            w.w(1, &format!("{}\t{}\t{}\t{}\n", f("type"), f("status"), f("reason"), f("message")));
        }
    }
    events_block(&mut w, events, now);
    w.finish()
}

/// One `current / target` line; `current` is the status metric at the same index, if any.
fn metric_line(w: &mut Out, metric: &Value, current: &Value) {
    // A status value, `<unknown>` when the status has no metric of this type at this index.
    let cur = |source: &str, field: &str| {
        let c = at(current, &[source]);
        if c.is_null() { "<unknown>".to_string() } else { q(at(c, &["current", field])) }
    };
    let ty = s(metric, &["type"]);
    match ty {
        "External" => {
            let m = at(metric, &["external"]);
            let name = go_quote(s(m, &["metric", "name"]));
            let average = at(m, &["target", "averageValue"]);
            if average.is_null() {
                let target = q(at(m, &["target", "value"]));
                w.w(1, &format!("{name} (target value):\t{} / {target}\n", cur("external", "value")));
            } else {
                let c = if at(current, &["external", "current", "averageValue"]).is_null() {
                    "<unknown>".to_string()
                } else {
                    cur("external", "averageValue")
                };
                w.w(1, &format!("{name} (target average value):\t{c} / {}\n", q(average)));
            }
        }
        "Pods" => {
            let m = at(metric, &["pods"]);
            let (name, target) = (go_quote(s(m, &["metric", "name"])), q(at(m, &["target", "averageValue"])));
            w.w(1, &format!("{name} on pods:\t{} / {target}\n", cur("pods", "averageValue")));
        }
        "Object" => {
            let m = at(metric, &["object"]);
            let obj = at(m, &["describedObject"]);
            w.w(1, &format!("\"{}\" on {}/{} ", s(m, &["metric", "name"]), s(obj, &["kind"]), s(obj, &["name"])));
            if s(m, &["target", "type"]) == "AverageValue" {
                let target = q(at(m, &["target", "averageValue"]));
                w.w(0, &format!("(target average value):\t{} / {target}\n", cur("object", "averageValue")));
            } else {
                let target = q(at(m, &["target", "value"]));
                w.w(0, &format!("(target value):\t{} / {target}\n", cur("object", "value")));
            }
        }
        "Resource" | "ContainerResource" => {
            let key = if ty == "Resource" { "resource" } else { "containerResource" };
            let m = at(metric, &[key]);
            let name = s(m, &["name"]);
            if ty == "Resource" {
                w.w(1, &format!("resource {name} on pods"));
            } else {
                w.w(1, &format!("resource {name} of container \"{}\" on pods", s(m, &["container"])));
            }
            let average = at(m, &["target", "averageValue"]);
            if !average.is_null() {
                w.w(0, &format!(":\t{} / {}\n", cur(key, "averageValue"), q(average)));
            } else {
                let utilization = at(current, &[key, "current", "averageUtilization"]);
                let c = if utilization.is_null() {
                    "<unknown>".to_string()
                } else {
                    format!("{}% ({})", plain(utilization), q(at(current, &[key, "current", "averageValue"])))
                };
                let t = at(m, &["target", "averageUtilization"]);
                let t = if t.is_null() { "<auto>".to_string() } else { format!("{}%", plain(t)) };
                // kubectl writes this half at level 1 too, so two spaces land mid-line.
                w.w(1, &format!("(as a percentage of request):\t{c} / {t}\n"));
            }
        }
        other => w.w(1, &format!("<unknown metric type {}>\n", go_quote(other))),
    }
}

/// `printDirectionBehavior`.
fn direction(w: &mut Out, title: &str, rules: &Value) {
    if rules.is_null() {
        return;
    }
    w.w(1, &format!("{title}:\n"));
    let window = at(rules, &["stabilizationWindowSeconds"]);
    if !window.is_null() {
        w.w(2, &format!("Stabilization Window: {} seconds\n", plain(window)));
    }
    let policies = list(rules, &["policies"]);
    if policies.is_empty() {
        return;
    }
    let select = at(rules, &["selectPolicy"]).as_str().unwrap_or("Max");
    w.w(2, &format!("Select Policy: {select}\n"));
    w.w(2, "Policies:\n");
    for p in policies {
        w.w(
            3,
            &format!(
                "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                s(p, &["type"]),
                int(p, &["value"]),
                int(p, &["periodSeconds"])
            ),
        );
    }
}

pub(crate) fn describe_pdb(pdb: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let spec = at(pdb, &["spec"]);
    let status = at(pdb, &["status"]);
    w.w(0, &format!("Name:\t{}\n", s(pdb, &["metadata", "name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(pdb, &["metadata", "namespace"])));
    let (min, max) = (at(spec, &["minAvailable"]), at(spec, &["maxUnavailable"]));
    if !min.is_null() {
        w.w(0, &format!("Min available:\t{}\n", int_or_string(min)));
    } else if !max.is_null() {
        w.w(0, &format!("Max unavailable:\t{}\n", int_or_string(max)));
    }
    let selector = at(spec, &["selector"]);
    let selector = if selector.is_null() { "<unset>".to_string() } else { label_selector(selector) };
    w.w(0, &format!("Selector:\t{selector}\n"));
    w.w(0, "Status:\n");
    for (title, key) in [
        ("Allowed disruptions", "disruptionsAllowed"),
        ("Current", "currentHealthy"),
        ("Desired", "desiredHealthy"),
        ("Total", "expectedPods"),
    ] {
        w.w(2, &format!("{title}:\t{}\n", int(status, &[key])));
    }
    events_block(&mut w, events, now);
    w.finish()
}
