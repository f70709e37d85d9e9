//! Container blocks shared by pods and pod templates: image, ports, command, state, resources, probes, env, mounts.

use super::gosort;
use super::quantity::{self, Quantity};
use super::tabwriter::Out;
use super::text::{at, flag, go_bool, int, list, or_none, plain, rfc1123z, s, string_map};
use serde_json::Value;

/// `describeContainers`: the `label:` heading then each container; `pod` resolves downward-API env values and is
/// absent for templates, as are statuses.
pub(super) fn containers_block(
    w: &mut Out,
    label: &str,
    containers: &[Value],
    statuses: &[Value],
    pod: Option<&Value>,
    space: &str,
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.w(0, &format!("{space}{label}:{none}\n"));
    for c in containers {
        let name = s(c, &["name"]);
        let status = statuses.iter().find(|st| s(st, &["name"]) == name);
        basic_info(w, c, status, space);
        command(w, c);
        if let Some(st) = status {
            state_block(w, "State", at(st, &["state"]));
            if !at(st, &["lastState", "terminated"]).is_null() {
                state_block(w, "Last State", at(st, &["lastState"]));
            }
            w.w(2, &format!("Ready:\t{}\n", go_bool(flag(st, &["ready"]))));
            w.w(2, &format!("Restart Count:\t{}\n", int(st, &["restartCount"])));
        }
        resources_block(w, at(c, &["resources"]), 2);
        for (title, key) in
            [("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")]
        {
            let probe = at(c, &[key]);
            if !probe.is_null() {
                w.w(2, &format!("{title}:\t{}\n", describe_probe(probe)));
            }
        }
        if !list(c, &["envFrom"]).is_empty() {
            env_from(w, c);
        }
        env_vars(w, c, pod);
        mounts(w, c);
    }
}

fn basic_info(w: &mut Out, c: &Value, status: Option<&Value>, space: &str) {
    let name_indent = if space.is_empty() { "" } else { " " };
    w.w(1, &format!("{name_indent}{}:\n", s(c, &["name"])));
    if let Some(st) = status {
        w.w(2, &format!("Container ID:\t{}\n", s(st, &["containerID"])));
    }
    w.w(2, &format!("Image:\t{}\n", s(c, &["image"])));
    if let Some(st) = status {
        w.w(2, &format!("Image ID:\t{}\n", s(st, &["imageID"])));
    }
    let ports = list(c, &["ports"]);
    let port_list = |field: &str| {
        ports.iter().map(|p| format!("{}/{}", int(p, &[field]), s(p, &["protocol"]))).collect::<Vec<_>>().join(", ")
    };
    let container_ports = port_list("containerPort");
    if container_ports.contains(',') {
        w.w(2, &format!("Ports:\t{container_ports}\n"));
    } else {
        w.w(2, &format!("Port:\t{}\n", or_none(&container_ports)));
    }
    let host_ports = port_list("hostPort");
    if host_ports.contains(',') {
        w.w(2, &format!("Host Ports:\t{host_ports}\n"));
    } else {
        w.w(2, &format!("Host Port:\t{}\n", or_none(&host_ports)));
    }
    let seccomp = at(c, &["securityContext", "seccompProfile"]);
    if !seccomp.is_null() {
        w.w(2, &format!("SeccompProfile:\t{}\n", s(seccomp, &["type"])));
        if s(seccomp, &["type"]) == "Localhost" {
            w.w(3, &format!("LocalhostProfile:\t{}\n", s(seccomp, &["localhostProfile"])));
        }
    }
}

fn command(w: &mut Out, c: &Value) {
    for (title, key) in [("Command", "command"), ("Args", "args")] {
        let items = list(c, &[key]);
        if items.is_empty() {
            continue;
        }
        w.w(2, &format!("{title}:\n"));
        for item in items {
            for part in plain(item).split('\n') {
                w.w(3, &format!("{part}\n"));
            }
        }
    }
}

/// `describeStatus`: Running/Waiting/Terminated with their times, Waiting when empty.
fn state_block(w: &mut Out, name: &str, state: &Value) {
    let running = at(state, &["running"]);
    let waiting = at(state, &["waiting"]);
    let terminated = at(state, &["terminated"]);
    if !running.is_null() {
        w.w(2, &format!("{name}:\tRunning\n"));
        w.w(3, &format!("Started:\t{}\n", rfc1123z(at(running, &["startedAt"]))));
    } else if !waiting.is_null() {
        w.w(2, &format!("{name}:\tWaiting\n"));
        let reason = s(waiting, &["reason"]);
        if !reason.is_empty() {
            w.w(3, &format!("Reason:\t{reason}\n"));
        }
    } else if !terminated.is_null() {
        w.w(2, &format!("{name}:\tTerminated\n"));
        let reason = s(terminated, &["reason"]);
        if !reason.is_empty() {
            w.w(3, &format!("Reason:\t{reason}\n"));
        }
        let message = s(terminated, &["message"]);
        if !message.is_empty() {
            w.w(3, &format!("Message:\t{message}\n"));
        }
        w.w(3, &format!("Exit Code:\t{}\n", int(terminated, &["exitCode"])));
        let signal = int(terminated, &["signal"]);
        if signal > 0 {
            w.w(3, &format!("Signal:\t{signal}\n"));
        }
        w.w(3, &format!("Started:\t{}\n", rfc1123z(at(terminated, &["startedAt"]))));
        w.w(3, &format!("Finished:\t{}\n", rfc1123z(at(terminated, &["finishedAt"]))));
    } else {
        w.w(2, &format!("{name}:\tWaiting\n"));
    }
}

/// `describeResources`: Limits then Requests, names sorted, quantities canonical.
pub(super) fn resources_block(w: &mut Out, resources: &Value, level: usize) {
    for (title, key) in [("Limits", "limits"), ("Requests", "requests")] {
        let map = at(resources, &[key]);
        let Some(entries) = map.as_object() else { continue };
        if entries.is_empty() {
            continue;
        }
        w.w(level, &format!("{title}:\n"));
        let mut names: Vec<&String> = entries.keys().collect();
        names.sort();
        for name in names {
            w.w(level + 1, &format!("{name}:\t{}\n", quantity::canonical_json(&entries[name])));
        }
    }
}

/// kubectl's one-line probe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`.
pub(super) fn describe_probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        int(p, &["initialDelaySeconds"]),
        int(p, &["timeoutSeconds"]),
        int(p, &["periodSeconds"]),
        int(p, &["successThreshold"]),
        int(p, &["failureThreshold"]),
    );
    let exec = at(p, &["exec"]);
    let http = at(p, &["httpGet"]);
    let tcp = at(p, &["tcpSocket"]);
    let grpc = at(p, &["grpc"]);
    if !exec.is_null() {
        let cmd: Vec<String> = list(exec, &["command"]).iter().map(plain).collect();
        format!("exec [{}] {attrs}", cmd.join(" "))
    } else if !http.is_null() {
        let scheme = s(http, &["scheme"]).to_lowercase();
        let host = s(http, &["host"]);
        let port = port_string(at(http, &["port"]));
        let hostport = if port.is_empty() { host.to_string() } else { join_host_port(host, &port) };
        let path = s(http, &["path"]);
        let mut url = String::new();
        if !scheme.is_empty() {
            url.push_str(&scheme);
            url.push(':');
        }
        if (!scheme.is_empty() || !hostport.is_empty()) && (!hostport.is_empty() || !path.is_empty()) {
            url.push_str("//");
        }
        url.push_str(&hostport);
        if !path.is_empty() && !path.starts_with('/') && !hostport.is_empty() {
            url.push('/');
        }
        url.push_str(&escape_path(path));
        format!("http-get {url} {attrs}")
    } else if !tcp.is_null() {
        format!("tcp-socket {}:{} {attrs}", s(tcp, &["host"]), port_string(at(tcp, &["port"])))
    } else if !grpc.is_null() {
        format!("grpc <pod>:{} {} {attrs}", int(grpc, &["port"]), s(grpc, &["service"]))
    } else {
        format!("unknown {attrs}")
    }
}

/// An `IntOrString` port as `String()` prints it (empty when absent).
fn port_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => plain(other),
    }
}

/// `net.JoinHostPort`: brackets a host with a colon (IPv6).
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// The path escaping `url.URL.String()` applies (`EscapedPath` with Go's path-segment rules).
fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b);
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn env_from(w: &mut Out, c: &Value) {
    w.w(2, "Environment Variables from:\n");
    for e in list(c, &["envFrom"]) {
        let (from, source) = if !at(e, &["configMapRef"]).is_null() {
            ("ConfigMap", at(e, &["configMapRef"]))
        } else if !at(e, &["secretRef"]).is_null() {
            ("Secret", at(e, &["secretRef"]))
        } else {
            ("", &Value::Null)
        };
        let name = s(source, &["name"]);
        let optional = flag(source, &["optional"]);
        let prefix = s(e, &["prefix"]);
        if prefix.is_empty() {
            w.w(3, &format!("{name}\t{from}\tOptional: {optional}\n"));
        } else {
            w.w(3, &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"));
        }
    }
}

fn env_vars(w: &mut Out, c: &Value, pod: Option<&Value>) {
    let env = list(c, &["env"]);
    let none = if env.is_empty() { "\t<none>" } else { "" };
    w.w(2, &format!("Environment:{none}\n"));
    for e in env {
        let name = s(e, &["name"]);
        let from = at(e, &["valueFrom"]);
        if from.is_null() {
            for (i, part) in s(e, &["value"]).split('\n').enumerate() {
                if i == 0 {
                    w.w(3, &format!("{name}:\t{part}\n"));
                } else {
                    w.w(3, &format!("\t{part}\n"));
                }
            }
            continue;
        }
        let field = at(from, &["fieldRef"]);
        let res = at(from, &["resourceFieldRef"]);
        let secret = at(from, &["secretKeyRef"]);
        let config = at(from, &["configMapKeyRef"]);
        if !field.is_null() {
            let path = s(field, &["fieldPath"]);
            let value = pod.map(|p| pod_field(p, path)).unwrap_or_default();
            w.w(3, &format!("{name}:\t{value} ({}:{path})\n", s(field, &["apiVersion"])));
        } else if !res.is_null() {
            let resource = s(res, &["resource"]);
            let mut value = container_resource_value(c, res);
            if value == "0" && (resource == "limits.cpu" || resource == "limits.memory") {
                value = "node allocatable".to_string();
            }
            w.w(3, &format!("{name}:\t{value} ({resource})\n"));
        } else if !secret.is_null() {
            w.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    s(secret, &["key"]),
                    s(secret, &["name"]),
                    flag(secret, &["optional"])
                ),
            );
        } else if !config.is_null() {
            w.w(
                3,
                &format!(
                    "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    s(config, &["key"]),
                    s(config, &["name"]),
                    flag(config, &["optional"])
                ),
            );
        }
    }
}

/// The downward-API fields `fieldpath.ExtractFieldPathAsString` knows; empty for the rest.
fn pod_field(pod: &Value, path: &str) -> String {
    let meta = at(pod, &["metadata"]);
    let subscript =
        |prefix: &str| path.strip_prefix(prefix).and_then(|r| r.strip_prefix("['")).and_then(|r| r.strip_suffix("']"));
    if let Some(key) = subscript("metadata.labels") {
        return s(meta, &["labels", key]).to_string();
    }
    if let Some(key) = subscript("metadata.annotations") {
        return s(meta, &["annotations", key]).to_string();
    }
    let join_ips =
        |key: &str| list(pod, &["status", key]).iter().map(|ip| s(ip, &["ip"])).collect::<Vec<_>>().join(",");
    match path {
        "metadata.name" => s(meta, &["name"]).to_string(),
        "metadata.namespace" => s(meta, &["namespace"]).to_string(),
        "metadata.uid" => s(meta, &["uid"]).to_string(),
        "metadata.labels" | "metadata.annotations" => {
            let key = &path["metadata.".len()..];
            string_map(at(meta, &[key])).iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join("\n")
        }
        "spec.nodeName" => s(pod, &["spec", "nodeName"]).to_string(),
        "spec.serviceAccountName" => s(pod, &["spec", "serviceAccountName"]).to_string(),
        "status.hostIP" => s(pod, &["status", "hostIP"]).to_string(),
        "status.podIP" => s(pod, &["status", "podIP"]).to_string(),
        "status.podIPs" => join_ips("podIPs"),
        "status.hostIPs" => join_ips("hostIPs"),
        _ => String::new(),
    }
}

/// `resourcehelper.ExtractContainerResourceValue`: the container's limit or request over the divisor, rounded up.
fn container_resource_value(c: &Value, sel: &Value) -> String {
    let resource = s(sel, &["resource"]);
    let Some((kind, name)) = resource.split_once('.') else { return String::new() };
    let divisor = at(sel, &["divisor"]);
    let divisor =
        if divisor.is_null() { Quantity::parse("1").unwrap_or_default() } else { quantity::from_json(divisor) };
    let divisor = if divisor.is_zero() { Quantity::parse("1").unwrap_or_default() } else { divisor };
    let q = quantity::from_json(at(c, &["resources", kind, name]));
    let ratio = match name {
        "cpu" => q.milli() as f64 / divisor.milli() as f64,
        "memory" | "ephemeral-storage" => q.whole() as f64 / divisor.whole() as f64,
        _ => return String::new(),
    };
    format!("{}", ratio.ceil() as i64)
}

fn mounts(w: &mut Out, c: &Value) {
    let mounts = list(c, &["volumeMounts"]);
    let none = if mounts.is_empty() { "\t<none>" } else { "" };
    w.w(2, &format!("Mounts:{none}\n"));
    let mut sorted: Vec<&Value> = mounts.iter().collect();
    gosort::sort(&mut sorted, |a, b| s(a, &["mountPath"]) < s(b, &["mountPath"]));
    for m in sorted {
        let mut flags = vec![if flag(m, &["readOnly"]) { "ro".to_string() } else { "rw".to_string() }];
        let sub = s(m, &["subPath"]);
        if !sub.is_empty() {
            flags.push(format!("path={sub:?}"));
        }
        w.w(3, &format!("{} from {} ({})\n", s(m, &["mountPath"]), s(m, &["name"]), flags.join(",")));
    }
    let devices = list(c, &["volumeDevices"]);
    if !devices.is_empty() {
        w.w(2, &format!("Devices:{none}\n"));
        let mut sorted: Vec<&Value> = devices.iter().collect();
        gosort::sort(&mut sorted, |a, b| s(a, &["devicePath"]) < s(b, &["devicePath"]));
        for d in sorted {
            w.w(3, &format!("{} from {}\n", s(d, &["devicePath"]), s(d, &["name"])));
        }
    }
}
