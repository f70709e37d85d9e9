//! Network policy and autoscaling: a namespace whose default-deny leaves Services with pods no policy admits
//! traffic to (noted once per namespace); an autoscaler pinned at its maximum, or unable to scale or to read
//! its metrics.

use super::{Fabric, Finding, POLICY, Verdict};
use crate::model::Health;
use crate::model::pods::PodRow;
use crate::model::policies::{AutoscalerFacts, PolicyFacts};
use crate::state::table::Table;
use crate::state::triage::TriageRow;

/// How long an autoscaler may sit at its maximum before it is a warning.
pub const AT_MAX_GRACE: i64 = 10 * 60;

/// The policies of `namespace` that select a pod with `labels`.
pub fn selecting<'a>(
    fabric: &'a Fabric,
    namespace: &str,
    labels: &'a std::collections::BTreeMap<String, String>,
) -> impl Iterator<Item = &'a PolicyFacts> {
    let policies = fabric.policies_in.get(namespace).into_iter().flatten().filter_map(|uid| fabric.policies.get(uid));
    policies.filter(move |p| p.selector.matches(labels))
}

/// One line for a namespace with a default-deny ingress policy, when some Service's pods there are admitted by
/// no policy: what the Service answers is dropped before it reaches them.
pub fn namespace_line(fabric: &Fabric, namespace: &str, pods: &Table<PodRow>) -> Option<TriageRow> {
    let policies = fabric.policies_in.get(namespace)?;
    let deny =
        policies.iter().filter_map(|uid| fabric.policies.get(uid)).find(|p| p.selects_all && p.ingress == Some(0))?;
    let services = fabric.services_in.get(namespace).into_iter().flatten().filter_map(|uid| fabric.services.get(uid));
    let services = services.filter(|s| !s.selector.is_empty());
    let mut cut_off: Vec<&str> = services
        .filter(|s| {
            let name = (s.id.namespace.clone(), s.id.name.clone());
            let slices = fabric.slices_of.get(&name).into_iter().flatten().filter_map(|uid| fabric.slices.get(uid));
            let sample = slices.filter(|sl| sl.ready > 0).find_map(|sl| sl.sample_pod.as_deref());
            let Some(pod) = sample.and_then(|uid| pods.get(uid)) else { return false };
            !selecting(fabric, namespace, &pod.labels).any(|p| p.ingress.is_some_and(|rules| rules > 0))
        })
        .map(|s| s.id.name.as_str())
        .collect();
    if cut_off.is_empty() {
        return None;
    }
    cut_off.sort_unstable();
    let count = cut_off.len();
    cut_off.truncate(3);
    let more = if count > 3 { format!(" and {} more", count - 3) } else { String::new() };
    let finding = Finding {
        problem: "DefaultDeny",
        why: format!(
            "policy {} denies all ingress; no policy admits traffic to the pods of service {}{more}",
            deny.id.name,
            cut_off.join(", ")
        ),
        severity: Health::Warn,
        weight: 35,
        since: deny.created,
    };
    Some(finding.line(format!("netpol/{namespace}"), POLICY, &deny.id))
}

pub fn judge_autoscaler(a: &AutoscalerFacts, now: i64) -> Verdict {
    let metrics = if a.metrics.is_empty() { String::new() } else { format!(" ({})", a.metrics.join(", ")) };
    if let Some(stuck) = &a.stuck {
        return Verdict::of(Finding {
            problem: "ScalingInactive",
            why: format!("{stuck}{metrics}"),
            severity: Health::Error,
            weight: 58,
            since: a.created,
        });
    }
    let Some(since) = a.at_max_since.filter(|_| a.current >= a.max) else { return Verdict::fine() };
    if now - since < AT_MAX_GRACE {
        return Verdict::fine().recheck(Some(since + AT_MAX_GRACE));
    }
    Verdict::of(Finding {
        problem: "AtMaxReplicas",
        why: format!(
            "{} held at its maximum {} for {}; it wants more{metrics}",
            a.target,
            a.max,
            crate::model::age(now - since)
        ),
        severity: Health::Warn,
        weight: 45,
        since,
    })
}
