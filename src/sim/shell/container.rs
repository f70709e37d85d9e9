//! A sim container as the programs in it see it: identity, PID 1, environment (spec, downward API, service
//! links, GPUs), and which shells its image family has; built from the pod's JSON, pure.

use serde_json::Value;

use super::super::dcgm::Reading;

/// What a container's image is built on, which decides its shells and the wording of its tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Debian/Ubuntu: `sh` is dash, `bash` is there, GNU coreutils.
    Glibc,
    /// busybox and alpine: `sh` is busybox ash, no bash.
    Busybox,
    /// distroless and Kubernetes' own component images: no shell and no tools at all.
    Distroless,
}

/// The shell program running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bash,
    Dash,
    Ash,
}

impl Kind {
    pub(super) fn name(self) -> &'static str {
        if self == Kind::Bash { "bash" } else { "sh" }
    }
}

/// A container as the programs in it see it.
#[derive(Debug, Clone)]
pub struct Container {
    pub pod: String,
    pub namespace: String,
    pub name: String,
    pub image: String,
    pub pod_ip: String,
    pub family: Family,
    /// PID 1's command line.
    pub pid1: Vec<String>,
    /// The process environment, in the order `env` prints it.
    pub env: Vec<(String, String)>,
    /// The GPUs the device plugin gave this container.
    pub gpus: Vec<Reading>,
    /// Unix seconds, for what prints the time (`nvidia-smi`).
    pub now: i64,
    /// The node it runs on, and whether it may enter the node's own namespaces (`nsenter --target 1`): a privileged
    /// container in a pod sharing the host's PID namespace.
    pub node: String,
    pub may_enter_host: bool,
}

/// The family an image reference suggests (deterministic; by name, since the sim pulls no images).
pub fn family(image: &str) -> Family {
    let repo = image.rsplit('/').next().unwrap_or(image);
    if image.contains("distroless") || image.starts_with("registry.k8s.io/") {
        Family::Distroless
    } else if repo.starts_with("busybox") || repo.starts_with("alpine") || image.contains("-alpine") {
        Family::Busybox
    } else {
        Family::Glibc
    }
}

pub(super) const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl Container {
    /// Container `name` of `pod` (its JSON), holding `gpus`, at `now`.
    pub fn from_pod(pod: &Value, name: &str, gpus: Vec<Reading>, now: i64) -> Container {
        // An ephemeral (debug) container runs the same way as the pod's own.
        let spec = ["containers", "ephemeralContainers"]
            .iter()
            .filter_map(|list| pod["spec"][*list].as_array())
            .flatten()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or(Value::Null);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let pod_name = text(&pod["metadata"]["name"]);
        let image = text(&spec["image"]);
        let strings = |v: &Value| -> Vec<String> {
            v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
        };
        let mut pid1 = strings(&spec["command"]);
        pid1.extend(strings(&spec["args"]));
        if pid1.is_empty() {
            // The image's own entrypoint is unknown to the sim: its repository name stands in for it.
            let repo = image.rsplit('/').next().unwrap_or(&image);
            pid1.push(repo.split([':', '@']).next().unwrap_or(repo).to_string());
        }
        let mut env = vec![("PATH".to_string(), PATH.to_string()), ("HOSTNAME".to_string(), pod_name.clone())];
        if !gpus.is_empty() {
            // What the NVIDIA device plugin tells the container toolkit to expose.
            let uuids: Vec<&str> = gpus.iter().map(|g| g.uuid.as_str()).collect();
            env.push(("NVIDIA_VISIBLE_DEVICES".into(), uuids.join(",")));
        }
        for var in spec["env"].as_array().into_iter().flatten() {
            let value = match var.get("value") {
                Some(v) => Some(text(v)),
                None => field_ref(pod, &var["valueFrom"]["fieldRef"]["fieldPath"]),
            };
            if let (Some(key), Some(value)) = (var["name"].as_str(), value) {
                env.push((key.to_string(), value));
            }
        }
        // The default namespace's `kubernetes` Service, which every pod gets as environment.
        for (k, v) in [
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
            ("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
            ("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
            ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
            ("KUBERNETES_PORT_443_TCP_PORT", "443"),
            ("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"),
            ("HOME", "/root"),
        ] {
            env.push((k.to_string(), v.to_string()));
        }
        Container {
            namespace: text(&pod["metadata"]["namespace"]),
            pod: pod_name,
            name: name.to_string(),
            family: family(&image),
            image,
            pod_ip: text(&pod["status"]["podIP"]),
            pid1,
            env,
            gpus,
            now,
            node: text(&pod["spec"]["nodeName"]),
            may_enter_host: pod["spec"]["hostPID"] == true && spec["securityContext"]["privileged"] == true,
        }
    }

    /// The node itself as `nsenter --target 1` finds it: its hostname, the host's tools.
    pub fn host(&self) -> Container {
        Container {
            pod: self.node.clone(),
            family: Family::Glibc,
            pid1: vec!["/sbin/init".into()],
            env: vec![
                ("PATH".into(), PATH.into()),
                ("HOSTNAME".into(), self.node.clone()),
                ("HOME".into(), "/root".into()),
            ],
            gpus: Vec::new(),
            may_enter_host: true,
            ..self.clone()
        }
    }

    /// The shell `name` (`sh`, `bash`) runs as in this image, if the image has it.
    pub fn shell_kind(&self, name: &str) -> Option<Kind> {
        match (name, self.family) {
            (_, Family::Distroless) => None,
            ("sh", Family::Busybox) => Some(Kind::Ash),
            ("sh", Family::Glibc) => Some(Kind::Dash),
            ("bash", Family::Glibc) => Some(Kind::Bash),
            _ => None,
        }
    }

    /// Whether the image has `program`: what a console checks before choosing `bash` or `sh`.
    pub fn has(&self, program: &str) -> bool {
        super::commands::exists(self, program)
    }

    /// The best shell an attach to a non-shell PID 1 falls into: bash where there is one, else sh.
    pub(super) fn login_shell(&self) -> Option<Kind> {
        self.shell_kind("bash").or_else(|| self.shell_kind("sh"))
    }
}

/// The downward API fields a container's env can name (`valueFrom.fieldRef`); others are left out.
fn field_ref(pod: &Value, path: &Value) -> Option<String> {
    let pointer = match path.as_str()? {
        "metadata.name" => "/metadata/name",
        "metadata.namespace" => "/metadata/namespace",
        "metadata.uid" => "/metadata/uid",
        "spec.nodeName" => "/spec/nodeName",
        "spec.serviceAccountName" => "/spec/serviceAccountName",
        "status.podIP" => "/status/podIP",
        "status.hostIP" => "/status/hostIP",
        _ => return None,
    };
    pod.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}
