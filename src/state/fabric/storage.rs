//! Storage: a claim Pending with the binder's or provisioner's reason (an error after two minutes), Lost, or
//! nearly full by its kubelet's stats; a volume Released or Failed.

use super::{Fabric, Finding, Verdict, World};
use crate::model::Health;
use crate::model::storage::{ClaimFacts, VolumeFacts};

/// How long a claim may stay Pending before it is an error (provisioning usually takes seconds).
pub const PENDING_GRACE: i64 = 120;
/// Used share of a claim that is a warning, and an error.
pub const FULL_WARNING: u64 = 90;
pub const FULL_ERROR: u64 = 98;

pub fn judge_claim(fabric: &Fabric, c: &ClaimFacts, world: &World<'_>, now: i64) -> Verdict {
    match c.phase.as_str() {
        "Pending" => {
            let reason = world.warnings.latest(&c.id.uid).map(|e| format!("{}: {}", e.reason, e.message));
            let class = c.class.as_deref().map(|k| format!("class {k}")).unwrap_or_else(|| "no class".into());
            let why = reason.unwrap_or_else(|| format!("waiting for a volume ({class})"));
            let late = now - c.created >= PENDING_GRACE;
            let finding = Finding {
                problem: "Pending",
                why,
                severity: if late { Health::Error } else { Health::Pending },
                weight: 55,
                since: c.created,
            };
            Verdict::of(finding).recheck((!late).then_some(c.created + PENDING_GRACE))
        }
        "Lost" => Verdict::of(Finding {
            problem: "Lost",
            why: format!("its volume {} is gone; the data is not reachable", c.volume),
            severity: Health::Error,
            weight: 69,
            since: c.created,
        }),
        _ => {
            let Some(used) = fabric.usage_of(&c.id.namespace, &c.id.name) else { return Verdict::fine() };
            let percent = used.percent();
            if percent < FULL_WARNING {
                return Verdict::fine();
            }
            let users = fabric.claim_users.get(&(c.id.namespace.clone(), c.id.name.clone()));
            let pods: Vec<&str> = users
                .into_iter()
                .flatten()
                .filter_map(|uid| world.pods.get(uid))
                .map(|p| p.id.name.as_str())
                .take(3)
                .collect();
            Verdict::of(Finding {
                problem: "NearlyFull",
                why: format!(
                    "{percent}% used ({} of {}), mounted by {}",
                    crate::model::human_bytes(used.used),
                    crate::model::human_bytes(used.capacity),
                    pods.join(",")
                ),
                severity: if percent >= FULL_ERROR { Health::Error } else { Health::Warn },
                weight: 68,
                since: c.created,
            })
        }
    }
}

pub fn judge_volume(v: &VolumeFacts) -> Verdict {
    let claim = v.claim.as_deref().unwrap_or("its claim");
    let (severity, why) = match v.phase.as_str() {
        "Failed" if v.message.is_empty() => (Health::Error, format!("reclaiming it after {claim} failed")),
        "Failed" => (Health::Error, v.message.clone()),
        "Released" => (
            Health::Warn,
            format!(
                "{claim} is gone; reclaim policy {} keeps the volume until someone deletes or rebinds it",
                v.reclaim
            ),
        ),
        _ => return Verdict::fine(),
    };
    Verdict::of(Finding {
        problem: if severity == Health::Error { "Failed" } else { "Released" },
        why,
        severity,
        weight: 52,
        since: v.created,
    })
}
