//! The small fixed file tree a sim container shows to `ls` and `cat`: the kubelet-managed files (hostname, hosts,
//! resolv.conf, the service account) plus a distribution's top-level directories; pure.

use super::{Container, Family};

/// What is at a path.
pub enum Node {
    Dir(Vec<&'static str>),
    File(String),
}

const GLIBC_ROOT: &[&str] = &[
    "bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root", "run", "sbin", "srv",
    "sys", "tmp", "usr", "var",
];
const BUSYBOX_ROOT: &[&str] = &[
    "bin", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root", "run", "sbin", "srv", "sys", "tmp",
    "usr", "var",
];
const ETC: &[&str] = &["group", "hostname", "hosts", "os-release", "passwd", "resolv.conf"];
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Resolves `.`/`..` and a relative path against the working directory.
pub fn absolute(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{cwd}/{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The node at an absolute path, if the tree has one.
pub fn lookup(c: &Container, path: &str) -> Option<Node> {
    let root = if c.family == Family::Busybox { BUSYBOX_ROOT } else { GLIBC_ROOT };
    let dir = |names: &[&'static str]| Some(Node::Dir(names.to_vec()));
    match path {
        "/" => dir(root),
        "/etc" => dir(ETC),
        "/etc/hostname" => Some(Node::File(format!("{}\n", c.pod))),
        "/etc/hosts" => Some(Node::File(hosts(c))),
        "/etc/resolv.conf" => Some(Node::File(format!(
            "search {}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
            c.namespace
        ))),
        "/etc/os-release" => Some(Node::File(os_release(c).to_string())),
        "/etc/passwd" => Some(Node::File(
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".into(),
        )),
        "/etc/group" => Some(Node::File("root:x:0:\nnogroup:x:65534:\n".into())),
        "/var" => dir(&["run"]),
        "/var/run" => dir(&["secrets"]),
        "/var/run/secrets" => dir(&["kubernetes.io"]),
        "/var/run/secrets/kubernetes.io" => dir(&["serviceaccount"]),
        SERVICE_ACCOUNT => dir(&["ca.crt", "namespace", "token"]),
        // The projected namespace file has no trailing newline, as the kubelet writes it.
        p if p == format!("{SERVICE_ACCOUNT}/namespace") => Some(Node::File(c.namespace.clone())),
        p if p.starts_with(SERVICE_ACCOUNT) && (p.ends_with("/token") || p.ends_with("/ca.crt")) => {
            Some(Node::File("(the sim projects no credentials)\n".into()))
        }
        p if root.iter().any(|d| p.strip_prefix('/') == Some(*d)) => dir(&[]),
        _ => None,
    }
}

/// The kubelet-managed hosts file: localhost entries, then the pod's own address.
fn hosts(c: &Container) -> String {
    format!(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{}\t{}\n",
        c.pod_ip, c.pod
    )
}

fn os_release(c: &Container) -> &'static str {
    match c.family {
        Family::Busybox => "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
        // NVIDIA's and Jupyter's images build on Ubuntu; most application images on Debian.
        _ if ["nvcr.io/", "cuda", "pytorch", "jupyter"].iter().any(|m| c.image.contains(m)) => {
            "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nID_LIKE=debian\n"
        }
        _ => {
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(absolute("/", "etc/../etc/./hosts"), "/etc/hosts");
        assert_eq!(absolute("/etc", ".."), "/");
        assert_eq!(absolute("/", "/var/run/"), "/var/run");
    }
}
