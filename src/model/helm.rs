//! Helm 3 release records as Helm's storage drivers keep them — a Secret of type `helm.sh/release.v1` or a ConfigMap
//! labelled `owner=helm`, whose `release` key is base64 of (usually gzipped) JSON — decoded at the edge into what
//! the release list shows, and encoded back the same way for a rollback's new revision. No IO.

pub mod live;
pub mod ops;
pub mod release;

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde_json::Value;

use super::ObjectId;
use crate::sanitize::clean;

/// The Secret type Helm's default driver writes, as a field selector.
pub const SECRETS: &str = "type=helm.sh/release.v1";
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The label Helm's configmap driver puts on its records.
pub const CONFIGMAPS: &str = "owner=helm";
/// Helm 2's Tiller kept its records in ConfigMaps labelled so (protobuf, which Helm 3 never reads).
pub const TILLER: &str = "OWNER=TILLER";

/// gzip's magic number: Helm compresses records, but reads uncompressed ones too.
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Where a record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Storage {
    Secret,
    ConfigMap,
    /// Helm 2: listed to say why it cannot be read.
    Tiller,
}

impl Storage {
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Secret => "secret",
            Storage::ConfigMap => "configmap",
            Storage::Tiller => "tiller",
        }
    }

    /// The watch of this storage's records, as its errors name it.
    pub fn watch(self) -> &'static str {
        match self {
            Storage::Secret => "helm secrets",
            Storage::ConfigMap => "helm configmaps",
            Storage::Tiller => "helm 2 configmaps",
        }
    }
}

/// One revision of one release, as the list and the history need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    /// The Secret or ConfigMap holding it.
    pub record: ObjectId,
    pub storage: Storage,
    pub release: String,
    pub revision: i64,
    /// The record's content, or why it cannot be read (not base64, not gzip, not JSON, Helm 2).
    pub content: Result<Summary, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// deployed, failed, superseded, pending-install, pending-upgrade, pending-rollback, uninstalling…
    pub status: String,
    /// `name-version`, as `helm list` prints CHART.
    pub chart: String,
    pub app_version: String,
    /// Unix seconds of `info.last_deployed`.
    pub updated: i64,
    pub description: String,
}

impl Revision {
    pub fn from_secret(secret: &Secret) -> Self {
        let payload = secret.data.as_ref().and_then(|d| d.get("release")).map(|b| b.0.as_slice());
        Revision::of(&secret.metadata, Storage::Secret, payload)
    }

    pub fn from_configmap(map: &ConfigMap) -> Self {
        let tiller = map.metadata.labels.as_ref().is_some_and(|l| l.get("OWNER").is_some_and(|o| o == "TILLER"));
        let payload = map.data.as_ref().and_then(|d| d.get("release")).map(String::as_bytes);
        Revision::of(&map.metadata, if tiller { Storage::Tiller } else { Storage::ConfigMap }, payload)
    }

    fn of(meta: &ObjectMeta, storage: Storage, payload: Option<&[u8]>) -> Self {
        let labels = meta.labels.clone().unwrap_or_default();
        let label = |key: &str| labels.get(key).or_else(|| labels.get(&key.to_uppercase())).map(|v| clean(v));
        let content = match (storage, payload) {
            (Storage::Tiller, _) => {
                Err("a Helm 2 (Tiller) record: Helm 3 does not read it; migrate with helm-2to3".into())
            }
            (_, None) => Err("the record has no release key".into()),
            (_, Some(payload)) => decode(payload).and_then(|json| summary(&json)),
        };
        Revision {
            record: ObjectId::of(meta),
            storage,
            release: label("name").unwrap_or_default(),
            revision: label("version").and_then(|v| v.parse().ok()).unwrap_or(0),
            content: content.map_err(|why| match (storage, label("status")) {
                // Helm 2's labels still say what the record was.
                (Storage::Tiller, Some(status)) => format!("{why} (status {})", status.to_lowercase()),
                _ => why,
            }),
        }
    }

    /// The record's status, or what its labels said when it cannot be read.
    pub fn status(&self) -> &str {
        self.content.as_ref().map_or("unknown", |s| s.status.as_str())
    }
}

/// A record's payload as JSON bytes: base64, then gunzip when it carries gzip's magic number, as Helm reads it.
pub fn decode(payload: &[u8]) -> Result<Vec<u8>, String> {
    let trimmed = payload.trim_ascii();
    let raw = STANDARD.decode(trimmed).map_err(|e| format!("the record is not base64: {e}"))?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut json = Vec::with_capacity(raw.len() * 4);
    flate2::read::GzDecoder::new(raw.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| format!("the record is not valid gzip: {e}"))?;
    Ok(json)
}

/// The whole record, for history, values, manifests and rollback (every field kept, so a rewrite loses nothing).
pub fn record(payload: &[u8]) -> Result<Value, String> {
    let json = decode(payload)?;
    serde_json::from_slice(&json).map_err(|e| not_json(&json, &e))
}

fn not_json(json: &[u8], e: &serde_json::Error) -> String {
    if json.first().is_some_and(|b| *b == b'{') {
        format!("the record is not valid JSON: {e}")
    } else {
        format!("the record is neither gzip nor JSON ({e})")
    }
}

/// The fields the list shows, read without keeping the manifest or the chart.
fn summary(json: &[u8]) -> Result<Summary, String> {
    #[derive(Deserialize)]
    struct Partial {
        #[serde(default)]
        info: Info,
        #[serde(default)]
        chart: Chart,
    }
    #[derive(Deserialize, Default)]
    struct Info {
        #[serde(default)]
        status: String,
        #[serde(default)]
        description: String,
        #[serde(default)]
        last_deployed: String,
    }
    #[derive(Deserialize, Default)]
    struct Chart {
        #[serde(default)]
        metadata: Metadata,
    }
    #[derive(Deserialize, Default)]
    struct Metadata {
        #[serde(default)]
        name: String,
        #[serde(default)]
        version: String,
        #[serde(default, rename = "appVersion")]
        app_version: String,
    }
    let p: Partial = serde_json::from_slice(json).map_err(|e| not_json(json, &e))?;
    let m = p.chart.metadata;
    Ok(Summary {
        status: clean(&p.info.status),
        chart: clean(&format!("{}-{}", m.name, m.version)),
        app_version: clean(&m.app_version),
        updated: unix(&p.info.last_deployed),
        description: clean(&p.info.description),
    })
}

/// Helm's times (Go's RFC 3339 with nanoseconds) as unix seconds; 0 for none or Go's zero time.
pub fn unix(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>().map_or(0, |t| t.as_second().max(0))
}

/// The payload Helm writes: JSON, gzipped, base64.
pub fn encode(record: &Value) -> String {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(record.to_string().as_bytes());
    STANDARD.encode(gz.finish().unwrap_or_default())
}

/// The record's object name: `sh.helm.release.v1.NAME.vN`.
pub fn record_name(release: &str, revision: i64) -> String {
    format!("sh.helm.release.v1.{release}.v{revision}")
}

/// The labels Helm's drivers put on a record they update: name, owner, status, version and modifiedAt.
pub fn record_labels(release: &str, status: &str, revision: i64, modified_at: i64) -> BTreeMap<String, String> {
    [
        ("name", release.to_string()),
        ("owner", "helm".to_string()),
        ("status", status.to_string()),
        ("version", revision.to_string()),
        ("modifiedAt", modified_at.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use serde_json::json;

    fn secret(labels: &[(&str, &str)], payload: &str) -> Secret {
        Secret {
            metadata: ObjectMeta {
                name: Some("sh.helm.release.v1.web.v2".into()),
                namespace: Some("ml".into()),
                uid: Some("u1".into()),
                labels: Some(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
                ..Default::default()
            },
            type_: Some(SECRET_TYPE.into()),
            data: Some([("release".to_string(), ByteString(payload.as_bytes().to_vec()))].into()),
            ..Default::default()
        }
    }

    fn release() -> Value {
        json!({"name": "web", "version": 2, "namespace": "ml",
            "info": {"status": "failed", "description": "Upgrade \"web\" failed: timed out waiting for the condition",
                "last_deployed": "2026-12-01T10:00:00.123456789Z", "first_deployed": "2026-11-01T10:00:00Z"},
            "chart": {"metadata": {"name": "web", "version": "1.2.0", "appVersion": "5.2.1"}, "values": {"replicas": 1}},
            "config": {"replicas": 3}, "manifest": "---\n# Source: web/templates/deploy.yaml\nkind: Deployment\n"})
    }

    #[test]
    fn a_gzipped_record_reads_as_the_list_shows_it() {
        let labels = [("name", "web"), ("owner", "helm"), ("status", "failed"), ("version", "2")];
        let r = Revision::from_secret(&secret(&labels, &encode(&release())));
        assert_eq!((r.release.as_str(), r.revision, r.storage), ("web", 2, Storage::Secret));
        let s = r.content.unwrap();
        assert_eq!((s.status.as_str(), s.chart.as_str(), s.app_version.as_str()), ("failed", "web-1.2.0", "5.2.1"));
        assert_eq!(s.updated, 1_796_119_200);
        assert!(s.description.starts_with("Upgrade \"web\" failed"));
        assert_eq!(record(encode(&release()).as_bytes()).unwrap(), release());
    }

    #[test]
    fn uncompressed_records_are_read_and_bad_ones_say_why() {
        let plain = STANDARD.encode(release().to_string());
        assert_eq!(record(plain.as_bytes()).unwrap()["config"]["replicas"], 3);
        assert!(record(b"%%%").unwrap_err().contains("not base64"));
        let not_json = STANDARD.encode("<html>");
        assert!(record(not_json.as_bytes()).unwrap_err().contains("neither gzip nor JSON"), "{not_json}");
        let mut broken = STANDARD.decode(encode(&release())).unwrap();
        broken.truncate(20);
        assert!(record(STANDARD.encode(broken).as_bytes()).unwrap_err().contains("not valid gzip"));
        let truncated_json = STANDARD.encode("{\"name\": \"web\", ");
        assert!(record(truncated_json.as_bytes()).unwrap_err().contains("not valid JSON"));
    }

    #[test]
    fn tiller_records_are_listed_with_why_they_cannot_be_read() {
        let map = ConfigMap {
            metadata: ObjectMeta {
                name: Some("web.v4".into()),
                namespace: Some("kube-system".into()),
                labels: Some(
                    [("OWNER", "TILLER"), ("NAME", "web"), ("VERSION", "4"), ("STATUS", "DEPLOYED")]
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..Default::default()
            },
            data: Some([("release".to_string(), "H4sIAAAA".to_string())].into()),
            ..Default::default()
        };
        let r = Revision::from_configmap(&map);
        assert_eq!((r.release.as_str(), r.revision, r.storage), ("web", 4, Storage::Tiller));
        let why = r.content.unwrap_err();
        assert!(why.contains("Helm 2") && why.contains("status deployed"), "{why}");
    }
}
