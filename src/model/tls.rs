//! `kubernetes.io/tls` Secrets → their certificate, read at the edge: the watch keeps the facts, never the key.

use k8s_openapi::api::core::v1::Secret;

use super::certificate::{self, Certificate};
use super::{ObjectId, created};

/// The field selector that lists only TLS Secrets (the API server filters; Opaque Secrets never reach us).
pub const TLS_SECRETS: &str = "type=kubernetes.io/tls";

#[derive(Debug, Clone, PartialEq)]
pub struct TlsSecret {
    pub id: ObjectId,
    /// The leaf certificate, or why `tls.crt` does not parse.
    pub certificate: Result<Certificate, String>,
    pub created: i64,
}

impl TlsSecret {
    pub fn from_secret(s: &Secret) -> Self {
        TlsSecret {
            id: ObjectId::of(&s.metadata),
            certificate: certificate::of_secret(s).unwrap_or_else(|| Err("not a kubernetes.io/tls Secret".into())),
            created: created(&s.metadata),
        }
    }
}
