//! Unit tests of the container shell: commands, scripts, exits, the interactive terminal and attach.

use serde_json::{Value, json};

use super::container::PATH;
use super::*;
use crate::sim::dcgm::Reading;

fn pod(image: &str) -> Value {
    json!({
        "metadata": {"name": "trainer-0", "namespace": "ml"},
        "spec": {"nodeName": "gpu-0001", "containers": [{
            "name": "main", "image": image, "command": ["python", "train.py"],
            "env": [{"name": "EPOCHS", "value": "3"}, {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]
        }]},
        "status": {"podIP": "10.244.1.7"}
    })
}

fn gpu(i: u32) -> Reading {
    Reading {
        node: "gpu-0001".into(),
        index: i,
        uuid: format!("GPU-{i}"),
        pci_bus_id: "00000000:18:00.0".into(),
        model: "NVIDIA A100-SXM4-80GB",
        util: 0.0,
        fb_used_mib: 1.0,
        fb_total_mib: 81920.0,
        temp_c: 33.0,
        power_w: 40.0,
        power_limit_w: 400.0,
        xid: 0.0,
        throttle: 0.0,
        sm_clock_mhz: 345.0,
        holder: None,
    }
}

fn container(image: &str, gpus: u32) -> Container {
    Container::from_pod(&pod(image), "main", (0..gpus).map(gpu).collect(), 1_795_510_500)
}

fn exec(c: Container, argv: &[&str]) -> (String, String, Option<Exit>) {
    let (_, out) = Session::start(c, Start::Exec(argv.iter().map(|s| s.to_string()).collect()), false, false);
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), out.exit)
}

#[test]
fn kubelet_files_and_identity() {
    let c = container("ghcr.io/acme/trainer:1", 0);
    assert_eq!(exec(c.clone(), &["hostname"]).0, "trainer-0\n");
    let (out, _, exit) = exec(c.clone(), &["cat", "/etc/hostname", "/etc/resolv.conf"]);
    assert_eq!(
        out,
        "trainer-0\nsearch ml.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    );
    assert_eq!(exit, Some(Exit::Code(0)));
    let (_, err, exit) = exec(c.clone(), &["cat", "/nope"]);
    assert_eq!((err.as_str(), exit), ("cat: /nope: No such file or directory\n", Some(Exit::Code(1))));
    assert!(exec(c.clone(), &["cat", "/etc/hosts"]).0.ends_with("10.244.1.7\ttrainer-0\n"));
    assert_eq!(
        exec(c.clone(), &["ls", "/var/run/secrets/kubernetes.io/serviceaccount"]).0,
        "ca.crt\nnamespace\ntoken\n"
    );
    assert_eq!(exec(c, &["ls", "/nope"]).2, Some(Exit::Code(2)));
}

#[test]
fn env_has_the_spec_and_what_kubernetes_adds() {
    let (out, _, _) = exec(container("ghcr.io/acme/trainer:1", 2), &["env"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("PATH={PATH}"));
    assert_eq!(lines[1], "HOSTNAME=trainer-0");
    assert_eq!(lines[2], "NVIDIA_VISIBLE_DEVICES=GPU-0,GPU-1");
    assert!(lines.contains(&"EPOCHS=3") && lines.contains(&"NODE=gpu-0001"));
    assert!(lines.contains(&"KUBERNETES_SERVICE_HOST=10.96.0.1") && lines.contains(&"HOME=/root"));
}

#[test]
fn ps_shows_pid_one_as_the_containers_command() {
    let (out, _, _) = exec(container("ghcr.io/acme/trainer:1", 0), &["sh", "-c", "ps"]);
    assert_eq!(
        out,
        "    PID TTY          TIME CMD\n      1 ?        00:00:00 python\n      7 ?        00:00:00 sh\n     13 ?        00:00:00 ps\n"
    );
    let (out, _, _) = exec(container("busybox:1.36", 0), &["ps"]);
    assert_eq!(out, "PID   USER     TIME  COMMAND\n    1 root      0:00 python train.py\n    7 root      0:00 ps\n");
}

#[test]
fn scripts_exit_codes_and_not_found() {
    let c = container("ghcr.io/acme/trainer:1", 0);
    assert_eq!(exec(c.clone(), &["sh", "-c", "exit 3"]).2, Some(Exit::Code(3)));
    assert_eq!(
        exec(c.clone(), &["sh", "-c", "false || echo $?; exit 300"]),
        ("1\n".to_string(), String::new(), Some(Exit::Code(44)))
    );
    let (_, err, exit) = exec(c.clone(), &["sh", "-c", "nosuch"]);
    assert_eq!((err.as_str(), exit), ("sh: 1: nosuch: not found\n", Some(Exit::Code(127))));
    assert_eq!(exec(c.clone(), &["bash", "-c", "nosuch"]).1, "bash: line 1: nosuch: command not found\n");
    assert_eq!(exec(container("alpine:3.20", 0), &["sh", "-c", "nosuch"]).1, "sh: nosuch: not found\n");
    // A nested shell's exit ends only that shell.
    assert_eq!(exec(c.clone(), &["sh", "-c", "sh -c 'exit 5'; echo $?"]).0, "5\n");
    assert_eq!(
        exec(c.clone(), &["nosuch"]).2,
        Some(Exit::NotStarted("exec: \"nosuch\": executable file not found in $PATH".into()))
    );
    assert_eq!(
        exec(container("alpine:3.20", 0), &["/bin/bash"]).2,
        Some(Exit::NotStarted("exec: \"/bin/bash\": stat /bin/bash: no such file or directory".into()))
    );
    assert!(matches!(exec(container("registry.k8s.io/coredns/coredns:v1", 0), &["sh"]).2, Some(Exit::NotStarted(_))));
    assert_eq!(exec(c, &["stty", "size"]).2, Some(Exit::Code(1)));
}

#[test]
fn which_shells_an_image_has() {
    assert!(container("nvcr.io/nvidia/pytorch:24.12-py3", 0).has("bash"));
    assert!(!container("busybox:1.36", 0).has("bash") && container("busybox:1.36", 0).has("sh"));
    assert!(!container("gcr.io/distroless/static:nonroot", 0).has("sh"));
    assert!(
        !container("ghcr.io/acme/web:1", 0).has("nvidia-smi") && container("ghcr.io/acme/web:1", 1).has("nvidia-smi")
    );
}

#[test]
fn nvidia_smi_lists_exactly_the_containers_gpus() {
    let (out, _, _) = exec(container("nvcr.io/nvidia/pytorch:24.12-py3", 2), &["nvidia-smi", "-L"]);
    assert_eq!(out, "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-0)\nGPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-1)\n");
    let (out, _, _) = exec(container("nvcr.io/nvidia/pytorch:24.12-py3", 1), &["nvidia-smi"]);
    assert!(out.starts_with("Tue Nov 24 08:55:00 2026"));
    assert!(out.contains("|       1MiB /  81920MiB |"), "{out}");
}

#[test]
fn piped_stdin_runs_line_by_line() {
    let c = container("ghcr.io/acme/trainer:1", 0);
    let (mut s, out) = Session::start(c, Start::Exec(vec!["sh".into()]), true, false);
    assert_eq!(out, Output::default());
    let out = s.input(b"echo hi\nnosuch\nexit 4\necho never\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "hi\n");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "sh: 2: nosuch: not found\n");
    assert_eq!(out.exit, Some(Exit::Code(4)));
    // Input after the shell has gone goes nowhere.
    assert_eq!(s.input(b"echo late\n"), Output::default());
}

#[test]
fn stdin_closing_ends_the_shell_with_its_last_status() {
    let (mut s, _) = Session::start(container("busybox:1.36", 0), Start::Exec(vec!["sh".into()]), true, false);
    assert_eq!(s.input(b"false").exit, None);
    assert_eq!(s.close_stdin().exit, Some(Exit::Code(1)));
}

#[test]
fn a_terminal_prompts_echoes_and_resizes() {
    let c = container("ghcr.io/acme/trainer:1", 0);
    let (mut s, out) = Session::start(c, Start::Exec(vec!["bash".into()]), true, true);
    assert_eq!(out.stdout, b"root@trainer-0:/# ");
    s.resize(120, 40);
    let out = s.input(b"stty sizf\x7fe\r");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "stty sizf\x08 \x08e\r\n40 120\r\nroot@trainer-0:/# ");
    let out = s.input(b"sleep 10\x03");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "sleep 10^C\r\nroot@trainer-0:/# ");
    let out = s.input(b"nosuch\r");
    assert!(String::from_utf8(out.stdout).unwrap().contains("bash: nosuch: command not found\r\n"));
    let out = s.input(b"exit 2\r");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "exit 2\r\nexit\r\n");
    assert_eq!(out.exit, Some(Exit::Code(2)));
}

#[test]
fn ctrl_d_on_an_empty_line_ends_the_session() {
    let (mut s, out) = Session::start(container("alpine:3.20", 0), Start::Exec(vec!["sh".into()]), true, true);
    assert_eq!(out.stdout, b"/ # ");
    assert_eq!(s.input(b"\x04").exit, Some(Exit::Code(0)));
}

#[test]
fn attach_shows_recent_output_then_a_shell_only_with_stdin() {
    let recent = vec!["epoch 3 step 120 loss 0.41".to_string()];
    let (mut s, out) = Session::start(container("busybox:1.36", 0), Start::Attach(recent.clone()), false, false);
    assert_eq!((out.stdout.as_slice(), out.exit), (&b"epoch 3 step 120 loss 0.41\n"[..], None));
    assert_eq!(s.input(b"exit\n"), Output::default());
    let (mut s, out) = Session::start(container("busybox:1.36", 0), Start::Attach(recent), true, true);
    assert_eq!(out.stdout, b"epoch 3 step 120 loss 0.41\r\n/ # ");
    assert_eq!(s.input(b"exit 1\r").exit, Some(Exit::Code(1)));
}

#[test]
fn nsenter_reaches_the_node_only_from_a_privileged_host_pid_pod() {
    let (_, err, exit) = exec(container("busybox:1.36", 0), &["nsenter", "--target", "1", "--pid", "--", "hostname"]);
    assert_eq!(exit, Some(Exit::Code(1)));
    assert!(err.contains("Operation not permitted"), "{err}");
    let mut privileged = pod("busybox:1.36");
    privileged["spec"]["hostPID"] = json!(true);
    privileged["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
    let c = Container::from_pod(&privileged, "main", Vec::new(), 0);
    let (out, _, exit) = exec(c.clone(), &["nsenter", "--target", "1", "--mount", "--uts", "--", "hostname"]);
    assert_eq!((out.as_str(), exit), ("gpu-0001\n", Some(Exit::Code(0))));
    assert_eq!(exec(c, &["nsenter", "-t", "1", "-m", "hostname"]).0, "gpu-0001\n");
}

#[test]
fn an_ephemeral_container_runs_its_own_image() {
    let mut p = pod("ghcr.io/acme/trainer:1");
    p["spec"]["ephemeralContainers"] = json!([{"name": "debugger-0", "image": "busybox:1.36"}]);
    let c = Container::from_pod(&p, "debugger-0", Vec::new(), 0);
    assert_eq!((c.image.as_str(), c.family), ("busybox:1.36", Family::Busybox));
    assert_eq!(exec(c, &["hostname"]).0, "trainer-0\n", "it shares the pod's UTS namespace");
}
