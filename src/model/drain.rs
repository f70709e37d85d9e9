//! A node drain's vocabulary, shared by the preview, the effect that runs it and the UI: its options (kubectl's
//! flags), the pods it evicts, the budgets that guard them, and each pod's progress. No IO.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::selector::LabelSelector;

/// `:drain [--force] [--grace SECONDS] [--timeout SECONDS] [--gpu-only] [--disable-eviction]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOptions {
    /// Bare pods (no controller recreates them) are evicted too, and lost; without it the drain refuses, as kubectl.
    pub force: bool,
    /// Overrides each pod's terminationGracePeriodSeconds.
    pub grace: Option<i64>,
    /// How long a pod may wait on its budget and on terminating before the drain gives up on it.
    pub timeout: i64,
    /// Only pods holding GPUs are evicted; the rest stay on the cordoned node.
    pub gpu_only: bool,
    /// Delete instead of evicting: PodDisruptionBudgets are not consulted (asked twice).
    pub disable_eviction: bool,
}

/// How long a pod waits on its budget unless `--timeout` says otherwise (kubectl waits forever; an operator at
/// night needs an end).
pub const DEFAULT_TIMEOUT: i64 = 300;

/// How long the drain waits after a budget refused an eviction before asking again (kubectl's 5 s).
pub const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

impl Default for DrainOptions {
    fn default() -> Self {
        DrainOptions { force: false, grace: None, timeout: DEFAULT_TIMEOUT, gpu_only: false, disable_eviction: false }
    }
}

impl DrainOptions {
    pub fn parse(args: &[&str]) -> Result<DrainOptions, String> {
        let mut options = DrainOptions::default();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) => (flag, Some(value)),
                None => (*word, None),
            };
            let mut seconds = |name: &str| -> Result<i64, String> {
                let v = inline.or_else(|| words.next().copied()).ok_or(format!("{name} needs a value"))?;
                let v = v.strip_suffix('s').unwrap_or(v);
                v.parse::<i64>().ok().filter(|s| *s >= 0).ok_or(format!("{name} wants whole seconds (got \"{v}\")"))
            };
            match flag {
                "--force" => options.force = true,
                "--grace" | "--grace-period" => options.grace = Some(seconds("--grace")?),
                "--timeout" => options.timeout = seconds("--timeout")?,
                "--gpu-only" => options.gpu_only = true,
                "--disable-eviction" => options.disable_eviction = true,
                other => {
                    return Err(format!(
                        "unknown flag \"{other}\" for :drain (--force, --grace S, --timeout S, --gpu-only, --disable-eviction)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

/// A pod the drain will evict, as the effect needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evictee {
    pub namespace: String,
    pub name: String,
    pub uid: String,
}

/// What the effect reports about one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainStep {
    /// The eviction (or delete) was sent and accepted; the pod is terminating.
    Evicting,
    /// A budget refused the eviction; asked again every few seconds: the server's words.
    Waiting(String),
    /// The pod is gone from the node.
    Gone,
    Failed(String),
}

/// What the drain effect tells the console, in order: the cordon, each pod's steps, then the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainUpdate {
    Cordoned(Result<(), String>),
    Pod { uid: String, step: DrainStep },
    Finished,
}

/// A PodDisruptionBudget as the preview weighs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub namespace: String,
    pub name: String,
    /// The pods it guards; an empty selector guards every pod of its namespace.
    pub selector: LabelSelector,
    pub allowed: i64,
    pub healthy: i64,
    pub desired: i64,
}

impl Budget {
    /// From a PodDisruptionBudget object (policy/v1); None when its selector cannot be read.
    pub fn from_object(pdb: &Value) -> Option<Budget> {
        let status = &pdb["status"];
        let selector = crate::describe::pod_selector(pdb);
        Some(Budget {
            namespace: crate::sanitize::clean(pdb["metadata"]["namespace"].as_str()?),
            name: crate::sanitize::clean(pdb["metadata"]["name"].as_str()?),
            selector: LabelSelector::parse(&selector).ok()?,
            allowed: status["disruptionsAllowed"].as_i64().unwrap_or(0),
            healthy: status["currentHealthy"].as_i64().unwrap_or(0),
            desired: status["desiredHealthy"].as_i64().unwrap_or(0),
        })
    }

    pub fn guards(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        self.namespace == namespace && self.selector.matches(labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drain_flags_parse_as_kubectl_spells_them() {
        let o = DrainOptions::parse(&["--force", "--grace=10", "--timeout", "60s", "--gpu-only"]).unwrap();
        assert_eq!(
            o,
            DrainOptions { force: true, grace: Some(10), timeout: 60, gpu_only: true, disable_eviction: false }
        );
        assert_eq!(DrainOptions::parse(&[]).unwrap().timeout, DEFAULT_TIMEOUT);
        assert!(DrainOptions::parse(&["--timeout"]).unwrap_err().contains("needs a value"));
        assert!(DrainOptions::parse(&["--grace", "soon"]).unwrap_err().contains("whole seconds"));
        assert!(DrainOptions::parse(&["--ignore-daemonsets"]).unwrap_err().contains("unknown flag"));
    }

    #[test]
    fn a_budget_guards_the_pods_its_selector_picks_in_its_namespace() {
        let pdb = json!({"metadata": {"name": "trainer", "namespace": "ml"},
            "spec": {"selector": {"matchLabels": {"app": "trainer"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["gpu"]}]}},
            "status": {"disruptionsAllowed": 1, "currentHealthy": 4, "desiredHealthy": 3}});
        let budget = Budget::from_object(&pdb).unwrap();
        let labels = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert!(budget.guards("ml", &labels(&[("app", "trainer"), ("tier", "gpu")])));
        assert!(!budget.guards("ml", &labels(&[("app", "trainer"), ("tier", "cpu")])));
        assert!(!budget.guards("other", &labels(&[("app", "trainer"), ("tier", "gpu")])));
        let everything =
            json!({"metadata": {"name": "all", "namespace": "ml"}, "spec": {"selector": {}}, "status": {}});
        assert!(
            Budget::from_object(&everything).unwrap().guards("ml", &BTreeMap::new()),
            "an empty selector guards all"
        );
    }
}
