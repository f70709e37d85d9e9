//! NetworkPolicies and HorizontalPodAutoscalers → what triage judges them by: which pods a policy isolates and
//! whether it admits anything; an autoscaler's replicas, metrics and conditions. At the edge; no IO.

use k8s_openapi::api::autoscaling::v2::{HorizontalPodAutoscaler, MetricStatus, MetricTarget};
use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::{ObjectId, created, unix};
use crate::sanitize::clean;
use crate::selector::LabelSelector;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFacts {
    pub id: ObjectId,
    pub selector: LabelSelector,
    /// `podSelector: {}`: every pod of the namespace.
    pub selects_all: bool,
    /// The ingress rules, when the policy isolates ingress (None: it leaves ingress alone); `Some(0)` denies all.
    pub ingress: Option<usize>,
    pub egress: Option<usize>,
    pub created: i64,
}

impl PolicyFacts {
    pub fn from_policy(p: &NetworkPolicy) -> Self {
        let spec = p.spec.as_ref();
        let ingress_rules = spec.and_then(|s| s.ingress.as_ref()).map_or(0, Vec::len);
        let egress_rules = spec.and_then(|s| s.egress.as_ref()).map_or(0, Vec::len);
        // Without policyTypes a policy isolates ingress always, and egress when it has egress rules.
        let types: Vec<&str> = match spec.and_then(|s| s.policy_types.as_ref()) {
            Some(types) => types.iter().map(String::as_str).collect(),
            None if egress_rules > 0 => vec!["Ingress", "Egress"],
            None => vec!["Ingress"],
        };
        let selector = spec.and_then(|s| s.pod_selector.as_ref()).map(LabelSelector::from_k8s).unwrap_or_default();
        PolicyFacts {
            id: ObjectId::of(&p.metadata),
            selects_all: selector.is_empty(),
            selector,
            ingress: types.contains(&"Ingress").then_some(ingress_rules),
            egress: types.contains(&"Egress").then_some(egress_rules),
            created: created(&p.metadata),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerFacts {
    pub id: ObjectId,
    /// `deployment/feature-api`.
    pub target: String,
    pub min: i32,
    pub max: i32,
    pub current: i32,
    pub desired: i32,
    /// `cpu 182%/70%` for each metric, current (or `<unknown>`) against target.
    pub metrics: Vec<String>,
    /// Since when `ScalingLimited` has said the desired count is above the maximum.
    pub at_max_since: Option<i64>,
    /// `ScalingActive=False` or `AbleToScale=False`: the condition's reason and message.
    pub stuck: Option<String>,
    pub created: i64,
}

impl AutoscalerFacts {
    pub fn from_hpa(h: &HorizontalPodAutoscaler) -> Self {
        let spec = Some(&h.spec);
        let status = h.status.as_ref();
        let conditions = status.and_then(|s| s.conditions.as_ref()).into_iter().flatten();
        let mut at_max_since = None;
        let mut stuck = None;
        for c in conditions {
            match (c.type_.as_str(), c.status.as_str(), c.reason.as_deref()) {
                ("ScalingLimited", "True", Some("TooManyReplicas")) => {
                    at_max_since = c.last_transition_time.as_ref().map(unix);
                }
                ("ScalingActive" | "AbleToScale", "False", reason) => {
                    let message = c.message.as_deref().unwrap_or_default();
                    stuck = Some(clean(&format!("{} {}: {message}", c.type_, reason.unwrap_or("False"))));
                }
                _ => {}
            }
        }
        let targets = spec.and_then(|s| s.metrics.as_ref()).into_iter().flatten();
        let currents: Vec<&MetricStatus> =
            status.and_then(|s| s.current_metrics.as_ref()).into_iter().flatten().collect();
        let metrics = targets
            .map(|m| {
                let (name, target) = match (&m.resource, &m.container_resource, &m.pods, &m.object, &m.external) {
                    (Some(r), ..) => (r.name.clone(), Some(&r.target)),
                    (_, Some(r), ..) => (r.name.clone(), Some(&r.target)),
                    (_, _, Some(p), ..) => (p.metric.name.clone(), Some(&p.target)),
                    (_, _, _, Some(o), _) => (o.metric.name.clone(), Some(&o.target)),
                    (_, _, _, _, Some(e)) => (e.metric.name.clone(), Some(&e.target)),
                    _ => (m.type_.clone(), None),
                };
                let current = currents.iter().find_map(|c| {
                    let r = c.resource.as_ref().filter(|r| r.name == name)?;
                    Some(match (r.current.average_utilization, &r.current.average_value) {
                        (Some(u), _) => format!("{u}%"),
                        (None, Some(v)) => v.0.clone(),
                        (None, None) => "<unknown>".into(),
                    })
                });
                let target = target.map(target_text).unwrap_or_default();
                clean(&format!("{name} {}/{target}", current.as_deref().unwrap_or("<unknown>")))
            })
            .collect();
        let reference = spec.map(|s| format!("{}/{}", s.scale_target_ref.kind.to_lowercase(), s.scale_target_ref.name));
        AutoscalerFacts {
            id: ObjectId::of(&h.metadata),
            target: clean(&reference.unwrap_or_default()),
            min: spec.and_then(|s| s.min_replicas).unwrap_or(1),
            max: spec.map_or(0, |s| s.max_replicas),
            current: status.and_then(|s| s.current_replicas).unwrap_or(0),
            desired: status.map_or(0, |s| s.desired_replicas),
            metrics,
            at_max_since,
            stuck,
            created: created(&h.metadata),
        }
    }
}

/// `70%`, `500m`: a metric's target as `kubectl get hpa` prints it.
fn target_text(t: &MetricTarget) -> String {
    match (t.average_utilization, &t.average_value, &t.value) {
        (Some(u), ..) => format!("{u}%"),
        (None, Some(v), _) | (None, None, Some(v)) => v.0.clone(),
        (None, None, None) => "<unset>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_without_types_isolates_ingress_and_egress_only_with_egress_rules() {
        let deny: NetworkPolicy = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "deny", "namespace": "ml", "uid": "n1"}, "spec": {"podSelector": {}}}))
        .unwrap();
        let facts = PolicyFacts::from_policy(&deny);
        assert!(facts.selects_all);
        assert_eq!((facts.ingress, facts.egress), (Some(0), None));
        let egress: NetworkPolicy = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "dns", "namespace": "ml", "uid": "n2"},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}}))
        .unwrap();
        let facts = PolicyFacts::from_policy(&egress);
        assert_eq!((facts.ingress, facts.egress, facts.selects_all), (Some(0), Some(1), false));
    }

    #[test]
    fn an_autoscaler_at_its_maximum_says_since_when_and_shows_each_metric() {
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "api", "namespace": "ml", "uid": "h1"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 4, "maxReplicas": 12,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": 12, "desiredReplicas": 12,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 182, "averageValue": "910m"}}}],
                "conditions": [
                    {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "lastTransitionTime": "2026-11-30T10:00:00Z"},
                    {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas", "message": "the desired replica count is more than the maximum replica count", "lastTransitionTime": "2026-11-30T10:00:00Z"}]}}))
        .unwrap();
        let facts = AutoscalerFacts::from_hpa(&hpa);
        assert_eq!(facts.metrics, ["cpu 182%/70%"]);
        assert_eq!(facts.target, "deployment/api");
        assert_eq!((facts.current, facts.max), (12, 12));
        assert!(facts.at_max_since.is_some());
        assert_eq!(facts.stuck, None);
    }
}
