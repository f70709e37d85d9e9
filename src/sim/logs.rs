//! `pods/log`: container selection, previous instances, tail/since/limitBytes/timestamps, and `follow` streams that
//! end when the container stops, as the kubelet's do.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::Response;
use serde_json::Value;
use tokio::sync::mpsc;

use super::api::Ctx;
use super::clock;
use super::error::ApiError;
use super::http::{self, Reply};
use super::logtext::Instance;
use super::read;
use super::routes::Target;
use super::world::World;

/// The request's options.
struct Options {
    timestamps: bool,
    tail: Option<u64>,
    since: Option<f64>,
    limit_bytes: Option<u64>,
}

pub fn pod_log(world: &Arc<World>, ctx: &Ctx, target: &Target) -> Result<Reply, ApiError> {
    let stored = read::fetch(world, target)?;
    let pod = stored.value();
    let pod_name = target.name.clone().unwrap_or_default();
    let container = pick_container(&pod, &pod_name, ctx.query.get("container"))?;
    let previous = ctx.query.flag("previous");
    let instance = instance_of(&pod, &pod_name, &container, previous)?;
    let now = clock::now_f64();
    let since = match (ctx.query.number("sinceSeconds")?, ctx.query.get("sinceTime")) {
        (Some(s), _) => Some(now - s as f64),
        (None, Some(t)) => {
            Some(clock::parse_rfc3339(t).ok_or_else(|| ApiError::bad_request(format!("invalid sinceTime: {t}")))?)
        }
        (None, None) => None,
    };
    let opts = Options {
        timestamps: ctx.query.flag("timestamps"),
        tail: ctx.query.number("tailLines")?,
        since,
        limit_bytes: ctx.query.number("limitBytes")?,
    };
    let (mut text, next_index) = render(&instance, &opts, now);
    let follow = ctx.query.flag("follow") && !previous && instance.ended.is_none();
    if !follow {
        text.extend(exit_text(&instance, &opts));
        if let Some(limit) = opts.limit_bytes {
            text.truncate(limit as usize);
        }
        return Ok(http::respond(200, "text/plain", text));
    }
    let (tx, rx) = mpsc::channel(64);
    let key = (target.res, target.namespace.clone().unwrap_or_default(), pod_name);
    let restarts = restart_count(&pod, &container);
    tokio::spawn(follow_stream(world.clone(), key, container, restarts, instance, opts, text, next_index, tx));
    let mut resp = Response::new(http::streaming(rx));
    resp.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain"));
    Ok(resp)
}

/// The container a request names, or the only one; kube-apiserver's 400s otherwise (logs, exec and attach alike).
pub fn pick_container(pod: &Value, pod_name: &str, asked: Option<&str>) -> Result<String, ApiError> {
    let listed = |list: &str| -> Vec<&str> {
        pod["spec"][list]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default()
    };
    let (names, ephemeral) = (listed("containers"), listed("ephemeralContainers"));
    match asked.filter(|c| !c.is_empty()) {
        // Named, an ephemeral (debug) container is as valid as the pod's own; it is never the default.
        Some(c) if names.contains(&c) || ephemeral.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(ApiError::bad_request(format!("container {c} is not valid for pod {pod_name}"))),
        None if names.len() == 1 => Ok(names[0].to_string()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {pod_name}, choose one of: [{}]",
            names.join(" ")
        ))),
    }
}

fn status_of<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    pod["status"]["containerStatuses"].as_array()?.iter().find(|c| c["name"] == container)
}

fn restart_count(pod: &Value, container: &str) -> i64 {
    status_of(pod, container).and_then(|c| c["restartCount"].as_i64()).unwrap_or(0)
}

fn terminated_instance(pod: &Value, container: &str, restart: i64, t: &Value) -> Option<Instance> {
    let started = clock::parse_rfc3339(t["startedAt"].as_str()?)?;
    let finished = clock::parse_rfc3339(t["finishedAt"].as_str()?)?;
    Some(Instance::new(
        pod,
        container,
        restart,
        started,
        Some((finished, t["reason"].as_str().unwrap_or("Error").to_string())),
    ))
}

/// The last `n` lines the container's running instance has written by `now` (what an attach shows first).
pub fn recent_lines(pod: &Value, container: &str, now: f64, n: u64) -> Vec<String> {
    let Ok(instance) = instance_of(pod, "", container, false) else { return Vec::new() };
    let count = instance.count_at(now);
    (count.saturating_sub(n)..count).map(|i| instance.line(i)).collect()
}

/// The container instance whose logs are asked for, or the kubelet's reason why there are none.
fn instance_of(pod: &Value, pod_name: &str, container: &str, previous: bool) -> Result<Instance, ApiError> {
    let status = status_of(pod, container);
    let restarts = restart_count(pod, container);
    let last = status.map(|s| &s["lastState"]["terminated"]).filter(|t| t.is_object());
    if previous {
        return last.and_then(|t| terminated_instance(pod, container, restarts - 1, t)).ok_or_else(|| {
            ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            ))
        });
    }
    let state = status.map(|s| &s["state"]);
    if let Some(started) = state.and_then(|s| s["running"]["startedAt"].as_str()).and_then(clock::parse_rfc3339) {
        return Ok(Instance::new(pod, container, restarts, started, None));
    }
    if let Some(i) = state
        .map(|s| &s["terminated"])
        .filter(|t| t.is_object())
        .and_then(|t| terminated_instance(pod, container, restarts, t))
    {
        return Ok(i);
    }
    let waiting = state.and_then(|s| s["waiting"]["reason"].as_str()).unwrap_or("ContainerCreating");
    if waiting == "CrashLoopBackOff"
        && let Some(i) = last.and_then(|t| terminated_instance(pod, container, restarts - 1, t))
    {
        return Ok(i);
    }
    let why = if matches!(waiting, "ErrImagePull" | "ImagePullBackOff") {
        "trying and failing to pull image"
    } else {
        waiting
    };
    Err(ApiError::bad_request(format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: {why}")))
}

fn format_line(out: &mut Vec<u8>, opts: &Options, t: f64, line: &str) {
    if opts.timestamps {
        out.extend_from_slice(clock::rfc3339_nanos(t).as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

/// The regular lines available now, honouring since and tail; returns them and the next line index.
fn render(instance: &Instance, opts: &Options, now: f64) -> (Vec<u8>, u64) {
    let count = instance.count_at(now);
    let mut first = 0;
    if let Some(since) = opts.since {
        let lines_before = ((since - instance.time_of(0)) / instance.period).ceil();
        first = (lines_before.max(0.0) as u64).min(count);
    }
    if let Some(tail) = opts.tail {
        first = first.max(count.saturating_sub(tail));
    }
    let mut out = Vec::new();
    for i in first..count {
        format_line(&mut out, opts, instance.time_of(i), &instance.line(i));
    }
    (out, count)
}

fn exit_text(instance: &Instance, opts: &Options) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some((t, _)) = &instance.ended {
        for line in instance.exit_lines() {
            format_line(&mut out, opts, *t, &line);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
async fn follow_stream(
    world: Arc<World>,
    key: super::store::Key,
    container: String,
    restarts: i64,
    mut instance: Instance,
    opts: Options,
    initial: Vec<u8>,
    mut next: u64,
    tx: mpsc::Sender<Bytes>,
) {
    let mut sent = initial.len() as u64;
    if !initial.is_empty() && tx.send(Bytes::from(initial)).await.is_err() {
        return;
    }
    loop {
        let wait = (instance.time_of(next) - clock::now_f64()).clamp(0.05, 1.0);
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs_f64(wait)) => {}
            () = tx.closed() => return,
        }
        // The stream ends when this instance does: the pod is gone, restarted or stopped.
        let still_running = world.store.get(&key).map(|p| p.value()).and_then(|pod| {
            let s = status_of(&pod, &container)?;
            let started = s["state"]["running"]["startedAt"].as_str().and_then(clock::parse_rfc3339)?;
            (s["restartCount"].as_i64() == Some(restarts)).then_some(started)
        });
        let now = clock::now_f64();
        let mut chunk = Vec::new();
        if still_running.is_none() {
            instance.ended = Some(ended_as(&world, &key, &container, now));
        }
        let count = instance.count_at(now);
        while next < count {
            format_line(&mut chunk, &opts, instance.time_of(next), &instance.line(next));
            next += 1;
        }
        if still_running.is_none() {
            chunk.extend(exit_text(&instance, &opts));
        }
        if let Some(limit) = opts.limit_bytes {
            chunk.truncate(limit.saturating_sub(sent) as usize);
        }
        sent += chunk.len() as u64;
        if !chunk.is_empty() && tx.send(Bytes::from(chunk)).await.is_err() {
            return;
        }
        if still_running.is_none() || opts.limit_bytes.is_some_and(|l| sent >= l) {
            return;
        }
    }
}

/// When and why the followed instance ended, read from the pod's new state ("Killed" now if the pod is gone).
fn ended_as(world: &World, key: &super::store::Key, container: &str, now: f64) -> (f64, String) {
    world
        .store
        .get(key)
        .map(|p| p.value())
        .and_then(|pod| {
            let s = status_of(&pod, container)?;
            let t = if s["state"]["terminated"].is_object() {
                &s["state"]["terminated"]
            } else {
                &s["lastState"]["terminated"]
            };
            let at = t["finishedAt"].as_str().and_then(clock::parse_rfc3339).unwrap_or(now);
            Some((at, t["reason"].as_str()?.to_string()))
        })
        .unwrap_or_else(|| (now, "Killed".to_string()))
}
