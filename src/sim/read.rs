//! get and list: selectors, consistent paging with `continue`, and JSON or server-side-printed Table responses.

use std::sync::Arc;

use base64::Engine;
use bytes::{BufMut, Bytes, BytesMut};
use serde_json::{Value, json};

use super::api::Ctx;
use super::error::ApiError;
use super::http::{self, Reply, Wanted};
use super::object::Stored;
use super::resources::{self, ResourceId, ResourceType};
use super::routes::Target;
use super::store::{self, Key};
use super::world::World;
use super::{clock, metrics, scale, table};
use crate::selector::{FieldSelector, LabelSelector};

/// The selectors of a list or watch, validated against what the resource supports.
pub struct Filter {
    pub res: ResourceId,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Filter {
    pub fn from_query(ctx: &Ctx, res: ResourceId) -> Result<Self, ApiError> {
        let labels =
            LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or_default()).map_err(ApiError::bad_request)?;
        let fields =
            FieldSelector::parse(ctx.query.get("fieldSelector").unwrap_or_default()).map_err(ApiError::bad_request)?;
        if let Some(term) = fields.0.iter().find(|t| resources::get(res).field_path(&t.field).is_none()) {
            return Err(ApiError::bad_request(format!("field label not supported: {}", term.field)));
        }
        Ok(Filter { res, labels, fields })
    }

    pub fn matches(&self, key: &Key, obj: &Stored) -> bool {
        self.labels.matches(&obj.labels)
            && self.fields.matches(|field| match field {
                "metadata.name" => key.2.clone(),
                "metadata.namespace" => key.1.clone(),
                other => obj.field(self.res, other).unwrap_or_default().to_string(),
            })
    }
}

pub fn get(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    if resource.is_metrics() {
        return metrics::get(world, ctx, target);
    }
    let obj = fetch(world, target)?;
    match target.subresource.as_deref() {
        Some("scale") => Ok(http::json(200, &scale::to_scale(&obj.value()))),
        _ if ctx.wanted == Wanted::Table => {
            let value = obj.value();
            Ok(http::json(200, &table_doc(target.res, &[value], &obj.rv.to_string(), None, include_object(ctx))))
        }
        _ => Ok(http::respond(200, http::JSON, obj.json.clone())),
    }
}

/// The stored object a request names, or 404.
pub fn fetch(world: &World, target: &Target) -> Result<Arc<Stored>, ApiError> {
    let name = target.name.clone().unwrap_or_default();
    let key = (target.res, target.namespace.clone().unwrap_or_default(), name.clone());
    world.store.get(&key).ok_or_else(|| ApiError::not_found(resources::get(target.res), &name))
}

pub fn list(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    if resource.is_metrics() {
        return metrics::list(world, ctx, target);
    }
    let filter = Filter::from_query(ctx, target.res)?;
    let limit = ctx.query.number("limit")?.filter(|n| *n > 0).map(|n| n as usize);
    let (rv, objects, after) = match ctx.query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let (rv, after) = decode_continue(token, target.res)?;
            let objects = world.store.snapshot_at(rv).ok_or_else(|| {
                ApiError::gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
            })?;
            (rv, objects, Some(after))
        }
        None => {
            let (rv, objects) = world.store.snapshot();
            (rv, objects, None)
        }
    };
    let mut page: Vec<Arc<Stored>> = Vec::new();
    let mut next = None;
    let mut last_key: Option<&Key> = None;
    let range = store::range(target.res, target.namespace.as_deref());
    for (key, obj) in objects.range(range) {
        if after.as_ref().is_some_and(|a| key <= a) || !filter.matches(key, obj) {
            continue;
        }
        if limit.is_some_and(|l| page.len() == l) {
            next = last_key.map(|k| encode_continue(rv, k));
            break;
        }
        page.push(obj.clone());
        last_key = Some(key);
    }
    if next.is_some() {
        world.store.remember_snapshot(rv, objects);
    }
    let rv_text = rv.to_string();
    if ctx.wanted == Wanted::Table {
        let values: Vec<Value> = page.iter().map(|o| o.value()).collect();
        return Ok(http::json(200, &table_doc(target.res, &values, &rv_text, next.as_deref(), include_object(ctx))));
    }
    Ok(http::respond(200, http::JSON, list_bytes(resource, &rv_text, next.as_deref(), &page)))
}

/// Splices the stored JSON of each item into the list envelope without re-serializing.
pub fn list_bytes(resource: &ResourceType, rv: &str, next: Option<&str>, items: &[Arc<Stored>]) -> Bytes {
    let mut meta = json!({"resourceVersion": rv});
    if let Some(token) = next {
        meta["continue"] = json!(token);
    }
    let head = format!(
        r#"{{"kind":"{}List","apiVersion":"{}","metadata":{},"items":["#,
        resource.kind,
        resource.api_version(),
        meta
    );
    let size = head.len() + items.iter().map(|o| o.json.len() + 1).sum::<usize>() + 2;
    let mut out = BytesMut::with_capacity(size);
    out.put_slice(head.as_bytes());
    for (i, obj) in items.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(&obj.json);
    }
    out.put_slice(b"]}");
    out.freeze()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

pub fn include_object(ctx: &Ctx) -> IncludeObject {
    match ctx.query.get("includeObject") {
        Some("None") => IncludeObject::None,
        Some("Object") => IncludeObject::Object,
        _ => IncludeObject::Metadata,
    }
}

/// A meta.k8s.io/v1 Table; each row carries the object (as PartialObjectMetadata by default) so kubectl can show
/// namespaces and labels.
pub fn table_doc(res: ResourceId, items: &[Value], rv: &str, next: Option<&str>, include: IncludeObject) -> Value {
    let resource = resources::get(res);
    let custom = resources::custom(res);
    let printer = if resource.is_metrics() { "" } else { resource.plural };
    let now = clock::now();
    let rows: Vec<Value> = items
        .iter()
        .map(|obj| {
            let cells = match custom {
                Some(c) => table::custom::cells(c, obj, now),
                None => table::row_cells(printer, obj, now),
            };
            let mut row = json!({"cells": cells});
            match include {
                IncludeObject::None => {}
                IncludeObject::Object => row["object"] = obj.clone(),
                IncludeObject::Metadata => {
                    row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]})
                }
            }
            row
        })
        .collect();
    let mut meta = json!({"resourceVersion": rv});
    if let Some(token) = next {
        meta["continue"] = json!(token);
    }
    let columns = match custom {
        Some(c) => table::custom::columns(c),
        None => table::column_definitions(printer),
    };
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columns, "rows": rows})
}

fn encode_continue(rv: u64, key: &Key) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{rv}/{}/{}", key.1, key.2))
}

fn decode_continue(token: &str, res: ResourceId) -> Result<(u64, Key), ApiError> {
    let invalid = || ApiError::bad_request(format!("continue key is not valid: {token}"));
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '/');
    let rv = parts.next().and_then(|r| r.parse().ok()).ok_or_else(invalid)?;
    let ns = parts.next().ok_or_else(invalid)?;
    let name = parts.next().ok_or_else(invalid)?;
    Ok((rv, (res, ns.to_string(), name.to_string())))
}
