//! One API request end to end: fault injection, authentication, routing, authorization, the handler, the request log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, header};

use super::error::ApiError;
use super::http::{self, Query, Reply, Wanted};
use super::request_log::Entry;
use super::resources;
use super::routes::{self, Route, Target};
use super::upgrade::Offer;
use super::world::{User, World};
use super::{clock, control, crd, dcgm, discovery, eviction, exec, logs, portforward, read, stats, watch, write};

/// The request as handlers see it.
pub struct Ctx {
    pub method: Method,
    pub query: Query,
    pub wanted: Wanted,
    pub user: User,
    pub content_type: String,
    /// The client's name from its User-Agent (`kubectl`), the apiserver's default field manager.
    pub agent: String,
    pub body: Bytes,
    /// The connection upgrade the request asked for (port-forward), taken before the body was read.
    pub upgrade: Option<Offer>,
}

/// Bodies above this are refused with 413, as the real apiserver does at 3 MiB.
const MAX_BODY: usize = 3 * 1024 * 1024;

pub async fn handle(world: Arc<World>, mut req: Request<Incoming>) -> Reply {
    let started = Instant::now();
    let upgrade = Offer::take(&mut req);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or_default().to_string();
    let latency = world.faults.latency_ms();
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let route = routes::parse(&path, &world.store.catalog());
    let query = Query::parse(&raw_query);
    let verb = verb_of(route.as_ref(), &method, &query);
    let user = authenticate(&world, &req);
    let (user_name, reply) = match (route, user) {
        (Some(Route::Version), _) => ("", http::json(200, &discovery::version())),
        (Some(Route::Health), _) => ("", http::respond(200, "text/plain", "ok")),
        (_, None) => ("system:anonymous", http::error(&ApiError::unauthorized())),
        (None, Some(u)) => (u.name, http::error(&ApiError::no_route())),
        (Some(route), Some(user)) => {
            let name = user.name;
            let reply = match read_ctx(req, user, &method, query, upgrade).await {
                Ok(ctx) => dispatch(&world, route, ctx, verb).await.unwrap_or_else(|e| http::error(&e)),
                Err(e) => http::error(&e),
            };
            (name, reply)
        }
    };
    if let Some(log) = &world.request_log {
        log.write(&Entry {
            time: clock::rfc3339_nanos(clock::now_f64()),
            method: method.as_str(),
            path: &path,
            query: &raw_query,
            verb,
            user: user_name,
            status: reply.status().as_u16(),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    reply
}

fn authenticate(world: &World, req: &Request<Incoming>) -> Option<User> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    world.authenticate(value.strip_prefix("Bearer ")?.trim())
}

async fn read_ctx(
    req: Request<Incoming>,
    user: User,
    method: &Method,
    query: Query,
    upgrade: Option<Offer>,
) -> Result<Ctx, ApiError> {
    let header = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let wanted = http::negotiate(header(header::ACCEPT).as_deref());
    let content_type = header(header::CONTENT_TYPE).unwrap_or_default();
    let agent = header(header::USER_AGENT)
        .and_then(|ua| ua.split('/').next().map(str::to_string))
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let body = Limited::new(req.into_body(), MAX_BODY).collect().await.map_err(|_| ApiError::too_large())?.to_bytes();
    Ok(Ctx { method: method.clone(), query, wanted, user, content_type, agent, body, upgrade })
}

/// The 403 a user without proxy rights gets for `resource` `name[:port]`.
fn proxy_forbidden(ctx: &Ctx, resource: usize, name: &str, namespace: &str) -> ApiError {
    let name = name.split(':').next().unwrap_or(name);
    ApiError::forbidden(ctx.user.name, "get", resources::get(resource), Some("proxy"), name, namespace)
}

async fn dispatch(world: &Arc<World>, route: Route, mut ctx: Ctx, verb: &'static str) -> Result<Reply, ApiError> {
    if let Route::Control(what) = &route {
        return control::handle(world, &ctx, what);
    }
    if world.faults.take_error() {
        return Err(ApiError::unavailable("the server is currently unable to handle the request (injected fault)"));
    }
    // Port-forward is a connect subresource: GET (WebSocket) and POST (SPDY) alike, before the read/write split.
    if let Route::Resource(target) = &route
        && target.res == resources::PODS
        && target.subresource.as_deref() == Some("portforward")
    {
        return portforward::serve(world, &mut ctx, target, verb);
    }
    if let Route::Resource(target) = &route
        && exec::serves(target)
    {
        return exec::connect(world, ctx, target, verb);
    }
    if ctx.method != Method::GET {
        return match route {
            Route::Resource(target) => write_request(world, &ctx, &target, verb).await,
            _ => Err(ApiError::method_not_allowed(ctx.method.as_str())),
        };
    }
    let catalog = world.store.catalog();
    match route {
        Route::CoreVersions | Route::Groups => {
            let (content_type, doc) = discovery::root(&catalog, route == Route::CoreVersions, ctx.wanted);
            Ok(http::respond(200, content_type, serde_json::to_vec(&doc).unwrap_or_default()))
        }
        Route::Group(g) => discovery::group(&catalog, &g).map(|d| http::json(200, &d)).ok_or_else(ApiError::no_route),
        Route::GroupVersion(g, v) => Ok(http::json(200, &discovery::resource_list(&catalog, &g, &v))),
        Route::OpenApiRoot => Ok(http::json(200, &discovery::openapi_root(&catalog))),
        Route::OpenApi(g, v) => discovery::openapi_group_version(&catalog, &g, &v)
            .map(|d| http::json(200, &d))
            .ok_or_else(ApiError::no_route),
        // Kubernetes' `view` role grants no proxy rights, and neither does the sim's viewer.
        Route::ServiceProxy { namespace, service, .. } if ctx.user.read_only => {
            Err(proxy_forbidden(&ctx, resources::SERVICES, &service, &namespace))
        }
        Route::PodProxy { namespace, pod, .. } if ctx.user.read_only => {
            Err(proxy_forbidden(&ctx, resources::PODS, &pod, &namespace))
        }
        Route::NodeProxy { node, .. } if ctx.user.read_only => Err(proxy_forbidden(&ctx, resources::NODES, &node, "")),
        Route::NodeProxy { node, path } => stats::proxy(world, &node, &path).await,
        Route::ServiceProxy { namespace, service, path } => {
            dcgm::proxy(world, &namespace, &service, &path, ctx.query.get("query"))
        }
        Route::PodProxy { namespace, pod, path } => dcgm::pod_proxy(world, &namespace, &pod, &path),
        // Nor does it let a viewer read Secrets.
        Route::Resource(target) if ctx.user.read_only && target.res == resources::SECRETS => Err(ApiError::forbidden(
            ctx.user.name,
            verb,
            resources::get(target.res),
            target.subresource.as_deref(),
            target.name.as_deref().unwrap_or_default(),
            target.namespace.as_deref().unwrap_or_default(),
        )),
        Route::Resource(target) => match (verb, target.subresource.as_deref()) {
            ("watch", _) => watch::watch(world, &ctx, &target),
            (_, Some("log")) => logs::pod_log(world, &ctx, &target),
            ("list", _) => read::list(world, &ctx, &target),
            _ => read::get(world, &ctx, &target),
        },
        Route::Version | Route::Health | Route::Control(_) => Err(ApiError::no_route()),
    }
}

async fn write_request(world: &Arc<World>, ctx: &Ctx, target: &Target, verb: &'static str) -> Result<Reply, ApiError> {
    let resource = resources::get(target.res);
    let allowed = match target.subresource.as_deref() {
        Some(sub) => resource.subresources.iter().any(|s| s.name == sub && s.verbs.contains(&verb)),
        None => resource.verbs.contains(&verb),
    };
    if !allowed {
        return Err(ApiError::method_not_allowed(ctx.method.as_str()));
    }
    if ctx.user.read_only {
        return Err(ApiError::forbidden(
            ctx.user.name,
            verb,
            resource,
            target.subresource.as_deref(),
            target.name.as_deref().unwrap_or_default(),
            target.namespace.as_deref().unwrap_or_default(),
        ));
    }
    let reply = match verb {
        "create" if target.subresource.as_deref() == Some("eviction") => eviction::evict(world, ctx, target),
        "create" => write::create(world, ctx, target),
        "update" => write::update(world, ctx, target),
        "patch" => write::patch(world, ctx, target),
        "delete" => write::delete(world, ctx, target),
        "deletecollection" => write::delete_collection(world, ctx, target),
        _ => Err(ApiError::method_not_allowed(ctx.method.as_str())),
    };
    // A CRD write changes what is served before the client hears back, so its next request finds the resource.
    if reply.is_ok() && !ctx.query.dry_run() && target.res == resources::CRDS {
        crd::sync(world);
    }
    reply
}

/// The Kubernetes verb for the request log and authorization.
fn verb_of(route: Option<&Route>, method: &Method, query: &Query) -> &'static str {
    let Some(Route::Resource(target)) = route else {
        return if *method == Method::GET { "get" } else { "other" };
    };
    let item = target.name.is_some();
    if exec::serves(target) {
        // A WebSocket exec is a GET, SPDY's a POST: kube-apiserver authorizes both as create (since 1.31).
        return "create";
    }
    match *method {
        Method::GET if query.flag("watch") => "watch",
        Method::GET if item => "get",
        Method::GET => "list",
        Method::POST if !item => "create",
        // A subresource that is only created: pods/eviction.
        Method::POST if target.subresource.is_some() => "create",
        Method::PUT if item => "update",
        Method::PATCH if item => "patch",
        Method::DELETE if item => "delete",
        Method::DELETE => "deletecollection",
        _ => "other",
    }
}
