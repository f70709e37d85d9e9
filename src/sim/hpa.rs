//! The horizontal pod autoscaler (autoscaling/v2), as kube-controller-manager 1.32 reconciles one: the target's
//! scale, replicas from Resource and ContainerResource metrics against the pods' requests (the replica
//! calculator's handling of unready and missing pods, its 10 % tolerance), the 5-minute downscale stabilization
//! and scale-up limit of an HPA without `behavior`, and the status, conditions and events it writes; pure.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::clock;
use super::kubelet::EventSpec;

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD_S: f64 = 15.0;
/// `--horizontal-pod-autoscaler-tolerance`.
const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
const DOWNSCALE_WINDOW_S: f64 = 300.0;
/// `--horizontal-pod-autoscaler-cpu-initialization-period` and `-initial-readiness-delay`.
const CPU_INITIALIZATION_S: f64 = 300.0;
const INITIAL_READINESS_DELAY_S: f64 = 30.0;
const COMPONENT: &str = "horizontal-pod-autoscaler";

/// What the autoscaler knows of one pod its target selects.
#[derive(Debug, Clone)]
pub struct PodSample {
    pub name: String,
    pub phase: String,
    pub deleting: bool,
    pub start: Option<f64>,
    /// The Ready condition: (is True, lastTransitionTime).
    pub ready: Option<(bool, f64)>,
    /// Per container: its name and the requests it makes, in milli-units (`cpu`, `memory`...).
    pub requests: Vec<(String, BTreeMap<String, i64>)>,
    /// What metrics-server reports per container, in milli-units; None when it has nothing for the pod.
    pub usage: Option<Vec<(String, BTreeMap<String, i64>)>>,
}

/// The controller's memory of one autoscaler: its recent recommendations, for the downscale window.
#[derive(Debug, Default, Clone)]
pub struct History {
    recommendations: Vec<(f64, i64)>,
}

/// What one pass decided: the new status, the scale to set (with the reason), and the events.
#[derive(Debug)]
pub struct Outcome {
    pub status: Value,
    pub scale_to: Option<i64>,
    pub events: Vec<EventSpec>,
}

fn event(warning: bool, reason: &'static str, message: String) -> EventSpec {
    EventSpec { warning, reason, message, component: COMPONENT }
}

/// setCondition: a condition's lastTransitionTime moves only when its status does.
fn set_condition(conditions: &mut Vec<Value>, kind: &str, status: bool, reason: &str, message: String, at: &str) {
    let status = if status { "True" } else { "False" };
    let index = match conditions.iter().position(|c| c["type"] == kind) {
        Some(i) => i,
        None => {
            conditions.push(json!({"type": kind}));
            conditions.len() - 1
        }
    };
    let c = &mut conditions[index];
    if c["status"] != status {
        c["lastTransitionTime"] = json!(at);
    }
    c["status"] = json!(status);
    c["reason"] = json!(reason);
    c["message"] = json!(message);
}

/// One pass over an autoscaler: when, and the conditions and events it has written so far.
struct Pass {
    now: f64,
    at: String,
    metric_time: f64,
    conditions: Vec<Value>,
    events: Vec<EventSpec>,
}

impl Pass {
    fn condition(&mut self, kind: &str, status: bool, reason: &str, message: String) {
        set_condition(&mut self.conditions, kind, status, reason, message, &self.at);
    }
}

/// A metric's ratio to its target over per-pod values.
type Ratio<'a> = &'a dyn Fn(&BTreeMap<String, i64>) -> Result<f64, String>;

/// `455m`, `12`, `1500M`: a milli-value as resource.NewMilliQuantity(v, DecimalSI) prints it.
fn milli_quantity(milli: i64) -> String {
    if milli % 1000 != 0 {
        return format!("{milli}m");
    }
    const SUFFIXES: [&str; 7] = ["", "k", "M", "G", "T", "P", "E"];
    let (mut value, mut i) = (milli / 1000, 0);
    while i + 1 < SUFFIXES.len() && value != 0 && value % 1000 == 0 {
        value /= 1000;
        i += 1;
    }
    format!("{value}{}", SUFFIXES[i])
}

/// The pods grouped as the replica calculator does, and the per-pod metric of one resource (for one container,
/// or summed over all).
struct Grouped {
    ready: usize,
    metrics: BTreeMap<String, i64>,
    unready: BTreeSet<String>,
    missing: BTreeSet<String>,
}

fn pod_metric(pod: &PodSample, resource: &str, container: Option<&str>) -> Option<i64> {
    let usage = pod.usage.as_ref().filter(|u| !u.is_empty())?;
    let mut sum = 0;
    for (_, values) in usage.iter().filter(|(n, _)| container.is_none_or(|c| c == n)) {
        sum += values.get(resource).copied()?;
    }
    Some(sum)
}

fn group(pods: &[PodSample], resource: &str, container: Option<&str>, now: f64, metric_time: f64) -> Grouped {
    let mut g = Grouped { ready: 0, metrics: BTreeMap::new(), unready: BTreeSet::new(), missing: BTreeSet::new() };
    for pod in pods {
        if pod.phase == "Failed" || pod.deleting {
            continue;
        }
        if pod.phase == "Pending" {
            g.unready.insert(pod.name.clone());
            continue;
        }
        let Some(metric) = pod_metric(pod, resource, container) else {
            g.missing.insert(pod.name.clone());
            continue;
        };
        if resource == "cpu" {
            let unready = match (pod.ready, pod.start) {
                (Some((ready, transition)), Some(start)) => {
                    if start + CPU_INITIALIZATION_S > now {
                        !ready || metric_time < transition + 15.0
                    } else {
                        !ready && start + INITIAL_READINESS_DELAY_S > transition
                    }
                }
                _ => true,
            };
            if unready {
                g.unready.insert(pod.name.clone());
                continue;
            }
        }
        g.ready += 1;
        g.metrics.insert(pod.name.clone(), metric);
    }
    g
}

/// calculatePodRequests: each pod's request for the resource, or the error for the first container without one.
fn requests(pods: &[PodSample], resource: &str, container: Option<&str>) -> Result<BTreeMap<String, i64>, String> {
    let mut out = BTreeMap::new();
    for pod in pods {
        let mut sum = 0;
        for (name, requests) in pod.requests.iter().filter(|(n, _)| container.is_none_or(|c| c == n)) {
            match requests.get(resource) {
                Some(r) => sum += r,
                None => return Err(format!("missing request for {resource} in container {name} of Pod {}", pod.name)),
            }
        }
        out.insert(pod.name.clone(), sum);
    }
    Ok(out)
}

/// GetResourceUtilizationRatio: (ratio to target, utilization %, average raw value).
fn utilization(
    metrics: &BTreeMap<String, i64>,
    requests: &BTreeMap<String, i64>,
    target: i64,
) -> Result<(f64, i64, i64), String> {
    let (mut used, mut requested, mut entries) = (0i64, 0i64, 0i64);
    for (pod, metric) in metrics {
        if let Some(request) = requests.get(pod) {
            used += metric;
            requested += request;
            entries += 1;
        }
    }
    if requested == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let percent = used * 100 / requested;
    Ok((percent as f64 / target as f64, percent, used / entries))
}

/// The replica count a metric proposes, from the ratio with the pods that have metrics, then again with missing
/// pods counted at the fallback (scale down) or zero (scale up) and unready pods at zero on a scale up.
fn propose(current: i64, g: &mut Grouped, ratio_of: Ratio<'_>, fallback: &dyn Fn(&str) -> i64) -> Result<i64, String> {
    let ratio = ratio_of(&g.metrics)?;
    let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
    if !scale_up_with_unready && g.missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Ok(current);
        }
        return Ok((ratio * g.ready as f64).ceil() as i64);
    }
    // On a scale down a missing pod counts as using its fallback; on a scale up, nothing.
    for pod in &g.missing {
        if ratio < 1.0 {
            g.metrics.insert(pod.clone(), fallback(pod));
        } else if ratio > 1.0 {
            g.metrics.insert(pod.clone(), 0);
        }
    }
    if scale_up_with_unready {
        for pod in &g.unready {
            g.metrics.insert(pod.clone(), 0);
        }
    }
    let new_ratio = ratio_of(&g.metrics)?;
    if (1.0 - new_ratio).abs() <= TOLERANCE || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return Ok(current);
    }
    let proposed = (new_ratio * g.metrics.len() as f64).ceil() as i64;
    if (new_ratio < 1.0 && proposed > current) || (new_ratio > 1.0 && proposed < current) {
        return Ok(current);
    }
    Ok(proposed)
}

/// One metric of a Resource or ContainerResource kind: (replicas, its name for messages, its status), or the
/// error with the reason the ScalingActive condition and event carry.
fn resource_metric(
    spec: &Value,
    current: i64,
    pods: &[PodSample],
    now: f64,
    metric_time: f64,
) -> Result<(i64, String, Value), (&'static str, String, String)> {
    let kind = spec["type"].as_str().unwrap_or_default();
    let source = if kind == "ContainerResource" { &spec["containerResource"] } else { &spec["resource"] };
    let resource = source["name"].as_str().unwrap_or_default();
    let container = source["container"].as_str().filter(|_| kind == "ContainerResource");
    let reason = if container.is_some() { "FailedGetContainerResourceMetric" } else { "FailedGetResourceMetric" };
    let fail = |inner: String| {
        let outer = match container {
            Some(_) => format!("failed to get {resource} container metric value: {inner}"),
            None => format!("failed to get {resource} resource metric value: {inner}"),
        };
        (reason, inner, outer)
    };
    let target = &source["target"];
    let reported = pods.iter().any(|p| pod_metric(p, resource, container).is_some());
    if pods.is_empty() {
        let inner = "no pods returned by selector while calculating replica count".to_string();
        return Err(fail(wrap(resource, target, inner)));
    }
    if !reported {
        let inner =
            format!("unable to get metrics for resource {resource}: no metrics returned from resource metrics API");
        return Err(fail(wrap(resource, target, inner)));
    }
    let mut g = group(pods, resource, container, now, metric_time);
    if g.metrics.is_empty() {
        let inner = "did not receive metrics for targeted pods (pods might be unready)".to_string();
        return Err(fail(wrap(resource, target, inner)));
    }
    let mut current_status = json!({"name": resource});
    if let Some(c) = container {
        current_status["container"] = json!(c);
    }
    let status_key = if container.is_some() { "containerResource" } else { "resource" };
    if let Some(percent) = target["averageUtilization"].as_i64().filter(|_| target["type"] == "Utilization") {
        let requests = requests(pods, resource, container).map_err(|e| fail(wrap(resource, target, e)))?;
        let (_, utilization_now, raw) =
            utilization(&g.metrics, &requests, percent).map_err(|e| fail(wrap(resource, target, e)))?;
        let fallback_percent = percent.max(100);
        let ratio_of = |m: &BTreeMap<String, i64>| utilization(m, &requests, percent).map(|(r, _, _)| r);
        let fallback = |pod: &str| requests.get(pod).copied().unwrap_or(0) * fallback_percent / 100;
        let replicas = propose(current, &mut g, &ratio_of, &fallback).map_err(|e| fail(wrap(resource, target, e)))?;
        current_status["current"] = json!({"averageValue": milli_quantity(raw), "averageUtilization": utilization_now});
        let name = match container {
            Some(c) => format!("{resource} container resource utilization (percentage of request) for {c}"),
            None => format!("{resource} resource utilization (percentage of request)"),
        };
        return Ok((replicas, name, json!({"type": kind, status_key: current_status})));
    }
    let target_value = target["averageValue"].as_str().and_then(parse_milli).unwrap_or(0).max(1);
    let average = |m: &BTreeMap<String, i64>| m.values().sum::<i64>() / (m.len().max(1) as i64);
    let usage = average(&g.metrics);
    let ratio_of = |m: &BTreeMap<String, i64>| Ok(average(m) as f64 / target_value as f64);
    let replicas = propose(current, &mut g, &ratio_of, &|_| target_value).map_err(fail)?;
    current_status["current"] = json!({"averageValue": milli_quantity(usage)});
    let name = match container {
        Some(c) => format!("{resource} container resource for {c}"),
        None => format!("{resource} resource"),
    };
    Ok((replicas, name, json!({"type": kind, status_key: current_status})))
}

/// The replica calculator's error as computeStatusForResourceMetricGeneric wraps it for a utilization target.
fn wrap(resource: &str, target: &Value, inner: String) -> String {
    if target["type"] == "Utilization" { format!("failed to get {resource} utilization: {inner}") } else { inner }
}

/// A quantity in milli-units (`455m` → 455, `1Gi` → 1073741824000).
pub fn parse_milli(q: &str) -> Option<i64> {
    let suffixed = q.ends_with(['n', 'u', 'm']) || q.chars().all(|c| c.is_ascii_digit() || c == '.');
    let milli = if suffixed { crate::model::cpu_milli(q)? } else { crate::model::bytes(q)?.checked_mul(1000)? };
    i64::try_from(milli).ok()
}

/// computeReplicasForMetrics: the largest proposal over the metrics, with the status of each (an empty one for a
/// metric that failed), or the first failure when all fail or a failure would hide a scale down.
fn replicas_for_metrics(
    pass: &mut Pass,
    hpa: &Value,
    current: i64,
    pods: &[PodSample],
) -> (Option<(i64, String)>, Vec<Value>, Option<String>) {
    let specs = hpa["spec"]["metrics"].as_array().cloned().unwrap_or_default();
    let mut statuses = vec![json!({"type": ""}); specs.len()];
    let mut best: Option<(i64, String)> = None;
    let mut first_failure: Option<(&'static str, String, String)> = None;
    let mut invalid = 0;
    for (i, spec) in specs.iter().enumerate() {
        let result = match spec["type"].as_str().unwrap_or_default() {
            "Resource" | "ContainerResource" => resource_metric(spec, current, pods, pass.now, pass.metric_time),
            other => Err(custom_metric_failure(other, spec)),
        };
        match result {
            Ok((replicas, name, status)) => {
                statuses[i] = status;
                if best.as_ref().is_none_or(|(r, _)| replicas > *r) {
                    best = Some((replicas, name));
                }
            }
            Err(failure) => {
                pass.events.push(event(true, failure.0, failure.1.clone()));
                invalid += 1;
                first_failure.get_or_insert(failure);
            }
        }
    }
    let scale_down_hidden = invalid > 0 && best.as_ref().is_some_and(|(r, _)| *r < current);
    if let Some((reason, inner, outer)) = first_failure.filter(|_| invalid >= specs.len() || scale_down_hidden) {
        let message = format!("the HPA was unable to compute the replica count: {inner}");
        pass.condition("ScalingActive", false, reason, message);
        let error = format!("invalid metrics ({invalid} invalid out of {}), first error is: {outer}", specs.len());
        return (None, statuses, Some(error));
    }
    if let Some((_, name)) = &best {
        let message = format!("the HPA was able to successfully calculate a replica count from {name}");
        pass.condition("ScalingActive", true, "ValidMetricFound", message);
    }
    (best, statuses, None)
}

/// Pods, Object and External metrics need an adapter the sim does not serve.
fn custom_metric_failure(kind: &str, spec: &Value) -> (&'static str, String, String) {
    let custom =
        "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered";
    let external = "unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered";
    let name = |source: &str| spec[source]["metric"]["name"].as_str().unwrap_or_default().to_string();
    match kind {
        "Pods" => {
            let inner = format!("unable to get metric {}: {custom}", name("pods"));
            ("FailedGetPodsMetric", inner.clone(), format!("failed to get pods metric value: {inner}"))
        }
        "Object" => {
            let inner = format!("unable to get metric {}: {custom}", name("object"));
            ("FailedGetObjectMetric", inner.clone(), format!("failed to get object metric value: {inner}"))
        }
        "External" => {
            let inner = format!("unable to get external metric {}: {external}", name("external"));
            (
                "FailedGetExternalMetric",
                inner.clone(),
                format!("failed to get external metric {}: {inner}", name("external")),
            )
        }
        other => {
            let inner = format!("unknown metric source type \"{other}\"");
            ("FailedGetMetric", inner.clone(), inner)
        }
    }
}

/// normalizeDesiredReplicas for an autoscaler without `behavior`: the highest recommendation of the last five
/// minutes (downscale stabilization), then min/max and the scale-up limit (twice the current, at least 4).
fn normalize(pass: &mut Pass, history: &mut History, current: i64, proposed: i64, (min, max): (i64, i64)) -> i64 {
    let now = pass.now;
    let cutoff = now - DOWNSCALE_WINDOW_S;
    let stabilized =
        history.recommendations.iter().filter(|(t, _)| *t >= cutoff).map(|(_, r)| *r).fold(proposed, i64::max);
    match history.recommendations.iter().position(|(t, _)| *t < cutoff) {
        Some(old) => history.recommendations[old] = (now, proposed),
        None => history.recommendations.push((now, proposed)),
    }
    if stabilized != proposed {
        let message = "recent recommendations were higher than current one, applying the highest recent recommendation";
        pass.condition("AbleToScale", true, "ScaleDownStabilized", message.into());
    } else {
        pass.condition("AbleToScale", true, "ReadyForNewScale", "recommended size matches current size".into());
    }
    let scale_up_limit = (2 * current).max(4);
    let (ceiling, ceiling_reason, ceiling_message) = if max > scale_up_limit {
        (scale_up_limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
    } else {
        (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
    };
    let (desired, reason, message) = if stabilized < min {
        (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
    } else if stabilized > ceiling {
        (ceiling, ceiling_reason, ceiling_message)
    } else {
        (stabilized, "DesiredWithinRange", "the desired count is within the acceptable range")
    };
    pass.condition("ScalingLimited", desired != stabilized, reason, message.into());
    desired
}

/// One pass over an autoscaler at `now`. `target` is the target's spec.replicas, or the error getting its scale;
/// `pods` are the pods its selector picks; `metric_time` is when the metrics were taken.
pub fn reconcile(
    hpa: &Value,
    target: Result<i64, String>,
    pods: &[PodSample],
    metric_time: f64,
    history: &mut History,
    now: f64,
) -> Outcome {
    let mut pass = Pass {
        now,
        at: clock::rfc3339(now as i64),
        metric_time,
        conditions: hpa["status"]["conditions"].as_array().cloned().unwrap_or_default(),
        events: Vec::new(),
    };
    let mut status = hpa["status"].clone();
    if !status.is_object() {
        status = json!({"currentReplicas": 0, "desiredReplicas": 0});
    }
    let finish = |mut status: Value, pass: Pass, scale_to: Option<i64>| {
        status["conditions"] = json!(pass.conditions);
        Outcome { status, scale_to, events: pass.events }
    };
    let current = match target {
        Ok(replicas) => replicas,
        Err(e) => {
            pass.events.push(event(true, "FailedGetScale", e.clone()));
            let message = format!("the HPA controller was unable to get the target's current scale: {e}");
            pass.condition("AbleToScale", false, "FailedGetScale", message);
            return finish(status, pass, None);
        }
    };
    let get_scale = "the HPA controller was able to get the target's current scale".to_string();
    pass.condition("AbleToScale", true, "SucceededGetScale", get_scale);
    if history.recommendations.is_empty() {
        history.recommendations.push((now, current));
    }
    let min = hpa["spec"]["minReplicas"].as_i64().unwrap_or(1);
    let max = hpa["spec"]["maxReplicas"].as_i64().unwrap_or(min);
    let (desired, reason) = if current == 0 && min != 0 {
        let message = "scaling is disabled since the replica count of the target is zero".to_string();
        pass.condition("ScalingActive", false, "ScalingDisabled", message);
        (0, String::new())
    } else if current > max {
        (max, "Current number of replicas above Spec.MaxReplicas".to_string())
    } else if current < min {
        (min, "Current number of replicas below Spec.MinReplicas".to_string())
    } else {
        let (best, statuses, error) = replicas_for_metrics(&mut pass, hpa, current, pods);
        set_metrics(&mut status, statuses);
        let Some((proposed, name)) = best.filter(|_| error.is_none()) else {
            pass.events.push(event(true, "FailedComputeMetricsReplicas", error.unwrap_or_default()));
            status["currentReplicas"] = json!(current);
            return finish(status, pass, None);
        };
        let proposed = proposed.max(0);
        let reason = match proposed.cmp(&current) {
            std::cmp::Ordering::Greater => format!("{name} above target"),
            std::cmp::Ordering::Less => "All metrics below target".to_string(),
            std::cmp::Ordering::Equal => String::new(),
        };
        (normalize(&mut pass, history, current, proposed, (min, max)), reason)
    };
    let rescale = desired != current;
    status["currentReplicas"] = json!(current);
    status["desiredReplicas"] = json!(desired);
    if rescale {
        let message = format!("the HPA controller was able to update the target scale to {desired}");
        pass.condition("AbleToScale", true, "SucceededRescale", message);
        pass.events.push(event(false, "SuccessfulRescale", format!("New size: {desired}; reason: {reason}")));
        status["lastScaleTime"] = json!(pass.at);
    }
    finish(status, pass, rescale.then_some(desired))
}

/// currentMetrics is omitempty.
fn set_metrics(status: &mut Value, statuses: Vec<Value>) {
    match Some(statuses).filter(|s| !s.is_empty()) {
        Some(s) => status["currentMetrics"] = json!(s),
        None => {
            status.as_object_mut().map(|o| o.remove("currentMetrics"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa(min: i64, max: i64) -> Value {
        json!({"spec": {"minReplicas": min, "maxReplicas": max,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}})
    }

    fn pod(i: usize, cpu_used: i64) -> PodSample {
        PodSample {
            name: format!("p{i}"),
            phase: "Running".into(),
            deleting: false,
            start: Some(0.0),
            ready: Some((true, 10.0)),
            requests: vec![("c".into(), BTreeMap::from([("cpu".to_string(), 250)]))],
            usage: Some(vec![("c".into(), BTreeMap::from([("cpu".to_string(), cpu_used)]))]),
        }
    }

    fn condition<'a>(status: &'a Value, kind: &str) -> (&'a str, &'a str) {
        let c = status["conditions"].as_array().unwrap().iter().find(|c| c["type"] == kind).unwrap();
        (c["status"].as_str().unwrap(), c["reason"].as_str().unwrap())
    }

    const NOW: f64 = 10_000.0;

    #[test]
    fn far_above_target_at_the_maximum_is_limited_and_stays_put() {
        let pods: Vec<PodSample> = (0..12).map(|i| pod(i, 455)).collect();
        let out = reconcile(&hpa(4, 12), Ok(12), &pods, NOW, &mut History::default(), NOW);
        assert_eq!(out.scale_to, None);
        assert_eq!(out.status["desiredReplicas"], 12);
        assert_eq!(
            out.status["currentMetrics"][0]["resource"]["current"],
            json!({"averageValue": "455m", "averageUtilization": 182})
        );
        assert_eq!(condition(&out.status, "ScalingLimited"), ("True", "TooManyReplicas"));
        assert_eq!(condition(&out.status, "AbleToScale"), ("True", "ReadyForNewScale"));
        assert_eq!(condition(&out.status, "ScalingActive"), ("True", "ValidMetricFound"));
        assert!(out.events.is_empty());
    }

    #[test]
    fn scales_up_by_the_ratio_within_the_scale_up_limit() {
        let pods: Vec<PodSample> = (0..4).map(|i| pod(i, 350)).collect();
        // 140 % of request against 70 %: twice the pods.
        let out = reconcile(&hpa(2, 20), Ok(4), &pods, NOW, &mut History::default(), NOW);
        assert_eq!(out.scale_to, Some(8));
        assert_eq!(
            out.events[0].message,
            "New size: 8; reason: cpu resource utilization (percentage of request) above target"
        );
        assert_eq!(condition(&out.status, "AbleToScale"), ("True", "SucceededRescale"));
        assert_eq!(condition(&out.status, "ScalingLimited"), ("False", "DesiredWithinRange"));
        // Four times the target: the limit is twice the current count.
        let hot: Vec<PodSample> = (0..4).map(|i| pod(i, 700)).collect();
        let limited = reconcile(&hpa(2, 20), Ok(4), &hot, NOW, &mut History::default(), NOW);
        assert_eq!(limited.scale_to, Some(8));
        assert_eq!(condition(&limited.status, "ScalingLimited"), ("True", "ScaleUpLimit"));
    }

    #[test]
    fn scale_down_waits_for_the_stabilization_window() {
        let mut history = History::default();
        let quiet: Vec<PodSample> = (0..8).map(|i| pod(i, 40)).collect();
        let first = reconcile(&hpa(3, 20), Ok(8), &quiet, NOW, &mut history, NOW);
        assert_eq!(first.scale_to, None, "the initial recommendation holds for five minutes");
        assert_eq!(condition(&first.status, "AbleToScale"), ("True", "ScaleDownStabilized"));
        let later = reconcile(&hpa(3, 20), Ok(8), &quiet, NOW + 301.0, &mut history, NOW + 301.0);
        assert_eq!(later.scale_to, Some(3));
        assert_eq!(condition(&later.status, "ScalingLimited"), ("True", "TooFewReplicas"));
    }

    #[test]
    fn missing_metrics_and_requests_stop_scaling_with_the_controllers_words() {
        let mut silent = pod(0, 0);
        silent.usage = None;
        let out = reconcile(&hpa(1, 5), Ok(1), &[silent], NOW, &mut History::default(), NOW);
        assert_eq!(condition(&out.status, "ScalingActive"), ("False", "FailedGetResourceMetric"));
        let message = out.status["conditions"][1]["message"].as_str().unwrap();
        assert_eq!(
            message,
            "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        );
        assert_eq!(out.status["currentMetrics"], json!([{"type": ""}]));
        let reasons: Vec<&str> = out.events.iter().map(|e| e.reason).collect();
        assert_eq!(reasons, ["FailedGetResourceMetric", "FailedComputeMetricsReplicas"]);
        assert!(out.events[1].message.starts_with("invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization:"));
        let mut unrequested = pod(0, 100);
        unrequested.requests[0].1.clear();
        let out = reconcile(&hpa(1, 5), Ok(1), &[unrequested], NOW, &mut History::default(), NOW);
        assert!(
            out.events[0].message.ends_with("missing request for cpu in container c of Pod p0"),
            "{}",
            out.events[0].message
        );
    }

    #[test]
    fn quantities_print_as_decimal_si() {
        assert_eq!(milli_quantity(455), "455m");
        assert_eq!(milli_quantity(2000), "2");
        assert_eq!(milli_quantity(1_500_000_000_000), "1500M");
        assert_eq!(milli_quantity(0), "0");
        assert_eq!(parse_milli("455m"), Some(455));
        assert_eq!(parse_milli("1Gi"), Some(1_073_741_824_000));
        assert_eq!(parse_milli("2"), Some(2000));
    }
}
