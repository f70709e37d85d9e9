//! Why an apply, scale or restart was refused, classified from the API server's Status so the console can act on
//! the kind: show conflicts and offer force, pin invalid fields to lines, name the refused verb. No IO.

use kube::core::Status;

use crate::sanitize::clean;

/// A field another manager owns, as a server-side apply conflict names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    pub field: String,
    pub manager: String,
}

/// What one document of an apply (or dry-run) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocOutcome {
    /// `deployment ml/web`.
    pub title: String,
    pub result: Result<Change, MutationError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// "created", "configured" or "unchanged", as kubectl says it.
    pub verb: &'static str,
    /// Live object → result, both cleaned; empty when nothing changes.
    pub diff: Vec<crate::diff::DiffLine>,
    /// What the dry-run saw of the live object (`manifest::content_version`). The apply after the review checks
    /// it again and refuses if someone changed the object since the diff was shown; status updates do not count.
    pub seen: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MutationError {
    #[error("{} field{} owned by other managers: {}", .0.len(), if .0.len() == 1 { "" } else { "s" },
        .0.iter().map(|c| format!("{} ({})", c.field, c.manager)).collect::<Vec<_>>().join(", "))]
    Conflict(Vec<FieldConflict>),
    /// 422: the server's message, and each cause as (field path, message).
    #[error("{message}")]
    Invalid { message: String, causes: Vec<(String, String)> },
    #[error("forbidden: this user may not {verb} {resource}{}", in_namespace(.namespace))]
    Forbidden { verb: String, resource: String, namespace: String },
    #[error("namespace \"{0}\" does not exist: create it first, or change metadata.namespace")]
    NamespaceMissing(String),
    /// The object changed after the review (or after the version a request named).
    #[error("the object changed since the review; nothing was applied — ctrl-s shows a fresh diff")]
    Changed,
    #[error("{0}")]
    Other(String),
}

fn in_namespace(namespace: &str) -> String {
    if namespace.is_empty() { String::new() } else { format!(" in namespace {namespace}") }
}

impl MutationError {
    /// Classifies a failed request: `verb` on `resource` (`deployments.apps`, `deployments.apps/scale`) in
    /// `namespace` is what was attempted, so a 403 can say exactly that.
    pub fn from_kube(error: kube::Error, verb: &str, resource: &str, namespace: &str) -> MutationError {
        match error {
            kube::Error::Api(status) => MutationError::from_status(&status, verb, resource, namespace),
            other => MutationError::Other(clean(&other.to_string())),
        }
    }

    pub fn from_status(status: &Status, verb: &str, resource: &str, namespace: &str) -> MutationError {
        let details = status.details.as_ref();
        let causes = || -> Vec<(String, String)> {
            details.map(|d| d.causes.iter().map(|c| (clean(&c.field), clean(&c.message))).collect()).unwrap_or_default()
        };
        match status.code {
            409 if status.reason == "Conflict" && !causes().is_empty() => MutationError::Conflict(
                causes()
                    .into_iter()
                    .map(|(field, message)| FieldConflict { field, manager: manager_of(&message) })
                    .collect(),
            ),
            409 => MutationError::Changed,
            422 => MutationError::Invalid { message: clean(&status.message), causes: causes() },
            403 => MutationError::Forbidden {
                verb: verb.to_string(),
                resource: resource.to_string(),
                namespace: namespace.to_string(),
            },
            404 if details.is_some_and(|d| d.kind == "namespaces") => {
                MutationError::NamespaceMissing(clean(&details.map(|d| d.name.clone()).unwrap_or_default()))
            }
            _ => MutationError::Other(clean(&status.message)),
        }
    }
}

/// `conflict with "kubectl-scale" using apps/v1` → `kubectl-scale`.
fn manager_of(message: &str) -> String {
    message.split('"').nth(1).unwrap_or(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(value: serde_json::Value) -> Status {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn conflicts_name_each_field_and_its_manager() {
        let s = status(json!({"status": "Failure", "code": 409, "reason": "Conflict",
            "message": "Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas",
            "details": {"name": "web", "kind": "deployments", "group": "apps", "causes": [
                {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-scale\" using apps/v1", "field": ".spec.replicas"}]}}));
        let e = MutationError::from_status(&s, "patch", "deployments.apps", "ml");
        assert_eq!(
            e,
            MutationError::Conflict(vec![FieldConflict {
                field: ".spec.replicas".into(),
                manager: "kubectl-scale".into()
            }])
        );
        assert_eq!(e.to_string(), "1 field owned by other managers: .spec.replicas (kubectl-scale)");
    }

    #[test]
    fn refusals_say_what_was_refused() {
        let s =
            status(json!({"code": 403, "reason": "Forbidden", "message": "deployments.apps \"web\" is forbidden: …"}));
        let e = MutationError::from_status(&s, "patch", "deployments.apps/scale", "ml");
        assert_eq!(e.to_string(), "forbidden: this user may not patch deployments.apps/scale in namespace ml");
        let s = status(json!({"code": 404, "reason": "NotFound", "message": "namespaces \"nope\" not found",
            "details": {"name": "nope", "kind": "namespaces"}}));
        assert_eq!(
            MutationError::from_status(&s, "patch", "configmaps", "nope"),
            MutationError::NamespaceMissing("nope".into())
        );
        let s = status(
            json!({"code": 422, "reason": "Invalid", "message": "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1",
            "details": {"causes": [{"reason": "FieldValueInvalid", "message": "Invalid value: -1", "field": "spec.replicas"}]}}),
        );
        let MutationError::Invalid { causes, .. } = MutationError::from_status(&s, "patch", "deployments.apps", "ml")
        else {
            panic!("not classified as invalid")
        };
        assert_eq!(causes, vec![("spec.replicas".to_string(), "Invalid value: -1".to_string())]);
    }
}
