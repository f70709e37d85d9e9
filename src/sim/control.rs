//! `/sim/faults` and `/sim/restart`: the test-only control surface; admin token required.

use std::sync::Arc;

use hyper::Method;

use super::api::Ctx;
use super::error::ApiError;
use super::faults::FaultSettings;
use super::http::{self, Reply};
use super::world::World;

pub fn handle(world: &Arc<World>, ctx: &Ctx, what: &str) -> Result<Reply, ApiError> {
    if ctx.user.read_only {
        return Err(ApiError::bad_request("the sim control endpoint needs the admin token"));
    }
    match (what, &ctx.method) {
        ("faults", &Method::GET) => Ok(http::json(200, &serde_json::to_value(world.faults.get()).unwrap_or_default())),
        ("faults", &Method::POST) => {
            let settings: FaultSettings =
                serde_json::from_slice(&ctx.body).map_err(|e| ApiError::bad_request(format!("fault settings: {e}")))?;
            world.faults.set(&settings);
            if settings.expire_resource_versions {
                world.store.expire_all();
            }
            Ok(http::json(200, &serde_json::to_value(world.faults.get()).unwrap_or_default()))
        }
        ("restart", &Method::POST) => {
            let down_ms = ctx.query.number("downMs")?.unwrap_or(500);
            world.restart.notify(down_ms);
            Ok(http::json(202, &serde_json::json!({"restarting": true, "downMs": down_ms})))
        }
        _ => Err(ApiError::no_route()),
    }
}
