//! API errors as the kube-apiserver reports them: an HTTP code plus a metav1.Status body; no IO.

use serde_json::{Value, json};

use super::resources::ResourceType;

/// One failure the server answers with a metav1.Status.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason} ({code}): {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason, message: message.into(), details: None }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    /// `pods "x" is forbidden: User "viewer" cannot patch resource "pods" in API group "" in the namespace "ml"`.
    pub fn forbidden(
        user: &str,
        verb: &str,
        resource: &ResourceType,
        subresource: Option<&str>,
        name: &str,
        namespace: &str,
    ) -> Self {
        let subject =
            if name.is_empty() { resource.qualified() } else { format!("{} \"{name}\"", resource.qualified()) };
        let scope = if namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace \"{namespace}\"")
        };
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{}{}\" in API group \"{}\" {scope}",
                resource.plural,
                subresource.map(|s| format!("/{s}")).unwrap_or_default(),
                resource.group
            ),
        )
        .with_details(details(resource, name))
    }

    pub fn not_found(resource: &ResourceType, name: &str) -> Self {
        ApiError::new(404, "NotFound", format!("{} \"{name}\" not found", resource.qualified()))
            .with_details(details(resource, name))
    }

    pub fn no_route() -> Self {
        ApiError::new(404, "NotFound", "the server could not find the requested resource")
    }

    pub fn method_not_allowed(method: &str) -> Self {
        ApiError::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    pub fn already_exists(resource: &ResourceType, name: &str) -> Self {
        ApiError::new(409, "AlreadyExists", format!("{} \"{name}\" already exists", resource.qualified()))
            .with_details(details(resource, name))
    }

    pub fn conflict(resource: &ResourceType, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                resource.qualified()
            ),
        )
        .with_details(details(resource, name))
    }

    /// A server-side apply conflict; each cause is (manager, field).
    pub fn apply_conflict(resource: &ResourceType, name: &str, message: String, causes: &[(String, String)]) -> Self {
        let causes: Vec<Value> = causes
            .iter()
            .map(|(manager, field)| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{manager}\""), "field": field}))
            .collect();
        let mut d = details(resource, name);
        d["causes"] = Value::Array(causes);
        ApiError::new(409, "Conflict", message).with_details(d)
    }

    pub fn gone(message: impl Into<String>) -> Self {
        ApiError::new(410, "Expired", message)
    }

    pub fn too_large() -> Self {
        ApiError::new(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got \"{content_type}\")"
            ),
        )
    }

    /// 415 for a protobuf body of a kind the sim has no converter for: unlike kube-apiserver it says so.
    pub fn unsupported_protobuf_kind(api_version: &str, kind: &str) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the sim cannot decode {kind} ({api_version}) from application/vnd.kubernetes.protobuf; send application/json"
            ),
        )
    }

    /// 422 with one cause per (field, message): `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: ...`.
    pub fn invalid(resource: &ResourceType, name: &str, causes: &[(String, String)]) -> Self {
        let kind = if resource.group.is_empty() {
            resource.kind.to_string()
        } else {
            format!("{}.{}", resource.kind, resource.group)
        };
        let mut e = ApiError::invalid_kind(&kind, name, causes);
        if let Some(d) = e.details.as_mut().filter(|_| !resource.group.is_empty()) {
            d["group"] = json!(resource.group);
        }
        e
    }

    /// 422 for a kind that is not a stored resource (e.g. `PatchOptions.meta.k8s.io`).
    pub fn invalid_kind(kind: &str, name: &str, causes: &[(String, String)]) -> Self {
        let summary: Vec<String> = causes.iter().map(|(field, msg)| format!("{field}: {msg}")).collect();
        let message = format!("{kind} \"{name}\" is invalid: {}", summary.join(", "));
        let causes: Vec<Value> = causes
            .iter()
            .map(|(field, msg)| json!({"reason": "FieldValueInvalid", "message": msg, "field": field}))
            .collect();
        let short_kind = kind.split('.').next().unwrap_or(kind);
        ApiError::new(422, "Invalid", message).with_details(json!({"name": name, "kind": short_kind, "causes": causes}))
    }

    /// 429 naming the cause (apierrors.NewTooManyRequests plus a StatusCause); a retry hint when not 0.
    pub fn too_many_requests(message: &str, cause_type: &str, cause: String, retry_after: u64) -> Self {
        let mut d = json!({"causes": [{"reason": cause_type, "message": cause}]});
        if retry_after > 0 {
            d["retryAfterSeconds"] = json!(retry_after);
        }
        ApiError::new(429, "TooManyRequests", message).with_details(d)
    }

    /// `poddisruptionbudgets.policy "x" is forbidden: why` (apierrors.NewForbidden with a plain error).
    pub fn forbidden_because(resource: &ResourceType, name: &str, why: &str) -> Self {
        ApiError::new(403, "Forbidden", format!("{} \"{name}\" is forbidden: {why}", resource.qualified()))
            .with_details(details(resource, name))
    }

    /// A failure Status that names no reason (the eviction subresource's 500 for a pod under several budgets).
    pub fn failure(code: u16, message: impl Into<String>) -> Self {
        ApiError::new(code, "", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(503, "ServiceUnavailable", message)
    }

    /// The metav1.Status body.
    pub fn status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        // metav1.Status.Reason is omitempty.
        if self.reason.is_empty()
            && let Some(map) = status.as_object_mut()
        {
            map.remove("reason");
        }
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status
    }
}

fn details(resource: &ResourceType, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": resource.plural});
    if !resource.group.is_empty() {
        d["group"] = json!(resource.group);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{self, DEPLOYMENTS, PODS};

    #[test]
    fn messages_match_the_apiserver() {
        let e = ApiError::not_found(resources::get(PODS), "nosuch");
        assert_eq!(e.status()["message"], "pods \"nosuch\" not found");
        assert_eq!(e.status()["details"], json!({"name": "nosuch", "kind": "pods"}));
        let f = ApiError::forbidden("viewer", "patch", resources::get(DEPLOYMENTS), None, "web", "ml");
        assert_eq!(
            f.message,
            "deployments.apps \"web\" is forbidden: User \"viewer\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"ml\""
        );
        let i = ApiError::invalid(
            resources::get(DEPLOYMENTS),
            "web",
            &[("spec.replicas".into(), "Invalid value: -1: must be greater than or equal to 0".into())],
        );
        assert_eq!(i.code, 422);
        assert_eq!(
            i.message,
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        assert_eq!(i.status()["details"]["causes"][0]["field"], "spec.replicas");
    }
}
