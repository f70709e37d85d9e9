//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`): the `k8s\0` + runtime.Unknown envelope,
//! decoded with k8s-pb's generated messages and turned into the JSON the sim stores, kind by kind (those
//! kubectl's typed commands send; other kinds are refused with a 415 that says to send JSON).

mod apps;
mod core_v1;
mod meta;
mod networking;

use prost::Message;
use serde_json::{Value, json};

use k8s_pb::apimachinery::pkg::runtime::Unknown;

use super::error::ApiError;

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
/// The four bytes every Kubernetes protobuf body starts with (protobuf.go's protoEncodingPrefix).
const MAGIC: &[u8] = b"k8s\0";

/// Decodes an enveloped body into the object's JSON, apiVersion and kind included.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let inner = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| ApiError::bad_request("the protobuf body does not start with the Kubernetes magic prefix"))?;
    let unknown = Unknown::decode(inner).map_err(|e| bad(&e))?;
    let type_meta = unknown.type_meta.unwrap_or_default();
    let api_version = type_meta.api_version.unwrap_or_default();
    let kind = type_meta.kind.unwrap_or_default();
    if unknown.content_encoding.as_deref().is_some_and(|e| !e.is_empty()) {
        return Err(ApiError::bad_request("protobuf bodies with a content encoding are not supported"));
    }
    let raw = unknown.raw.unwrap_or_default();
    let mut obj = convert(&api_version, &kind, &raw)?;
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), json!(api_version));
        map.insert("kind".into(), json!(kind));
    }
    Ok(obj)
}

fn bad(e: &prost::DecodeError) -> ApiError {
    ApiError::bad_request(format!("error decoding protobuf body: {e}"))
}

/// Decodes `raw` as message `M` and converts it.
fn as_json<M: Message + Default>(raw: &[u8], to_json: fn(M) -> Value) -> Result<Value, ApiError> {
    M::decode(raw).map(to_json).map_err(|e| bad(&e))
}

fn convert(api_version: &str, kind: &str, raw: &[u8]) -> Result<Value, ApiError> {
    use k8s_pb::api::{apps::v1 as apps_v1, batch::v1 as batch_v1, core::v1 as core, policy};
    use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta_v1;
    match (api_version, kind) {
        ("v1", "ConfigMap") => as_json::<core::ConfigMap>(raw, core_v1::config_map),
        ("v1", "Secret") => as_json::<core::Secret>(raw, core_v1::secret),
        ("v1", "Namespace") => as_json::<core::Namespace>(raw, core_v1::namespace),
        ("v1", "ServiceAccount") => as_json::<core::ServiceAccount>(raw, core_v1::service_account),
        ("v1", "Service") => as_json::<core::Service>(raw, core_v1::service),
        ("v1", "Pod") => as_json::<core::Pod>(raw, core_v1::pod),
        // DeleteOptions travel under whichever group the client's codec names.
        (_, "DeleteOptions") => as_json::<meta_v1::DeleteOptions>(raw, meta::delete_options),
        ("apps/v1", "Deployment") => as_json::<apps_v1::Deployment>(raw, apps::deployment),
        ("batch/v1", "Job") => as_json::<batch_v1::Job>(raw, apps::job),
        ("batch/v1", "CronJob") => as_json::<batch_v1::CronJob>(raw, apps::cron_job),
        ("networking.k8s.io/v1", "Ingress") => {
            as_json::<k8s_pb::api::networking::v1::Ingress>(raw, networking::ingress)
        }
        ("policy/v1", "PodDisruptionBudget") => as_json::<policy::v1::PodDisruptionBudget>(raw, apps::pdb),
        ("policy/v1", "Eviction") => as_json::<policy::v1::Eviction>(raw, apps::eviction),
        ("policy/v1beta1", "Eviction") => as_json::<policy::v1beta1::Eviction>(raw, apps::eviction_v1beta1),
        _ => Err(ApiError::unsupported_protobuf_kind(api_version, kind)),
    }
}

#[cfg(test)]
mod tests;
