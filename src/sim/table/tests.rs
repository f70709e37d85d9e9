//! Tests of the built-in resource tables: columns and cells for every resource the printers know.

use super::*;

/// 2026-11-25T12:00:00Z.
const NOW: i64 = 1_795_608_000;

const RESOURCES: &[&str] = &[
    "pods",
    "nodes",
    "namespaces",
    "events",
    "services",
    "configmaps",
    "secrets",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "leases",
    "horizontalpodautoscalers",
    "widgets",
];

fn cells(resource: &str, obj: Value) -> Value {
    Value::Array(cell_list(resource, obj))
}

fn cell_list(resource: &str, obj: Value) -> Vec<Value> {
    row_cells(resource, &obj, NOW)
}

fn column_names(resource: &str) -> Vec<String> {
    column_definitions(resource).iter().map(|c| text(c, "/name").to_string()).collect()
}

/// Cells of a pod built from `status`, with a fixed name, spec and creation time.
fn pod(spec: Value, status: Value) -> Value {
    json!({
        "metadata": {"name": "trainer-0", "namespace": "ml", "creationTimestamp": "2026-11-25T09:00:00Z"},
        "spec": spec,
        "status": status,
    })
}

fn one_container() -> Value {
    json!({"containers": [{"name": "trainer", "image": "nvcr.io/nvidia/pytorch:24.05-py3"}]})
}

/// Ready, Status and Restarts of a pod.
fn pod_status(pod: Value) -> Value {
    let row = row_cells("pods", &pod, NOW);
    Value::Array(row[1..4].to_vec())
}

#[test]
fn every_resource_has_as_many_cells_as_columns() {
    for resource in RESOURCES {
        let columns = column_definitions(resource).len();
        assert_eq!(row_cells(resource, &json!({}), NOW).len(), columns, "{resource} with {{}}");
        assert_eq!(row_cells(resource, &Value::Null, NOW).len(), columns, "{resource} with null");
    }
}

#[test]
fn column_definitions_have_the_wire_shape() {
    let pods = column_definitions("pods");
    assert_eq!(
        pods[0],
        json!({"name": "Name", "type": "string", "format": "name", "description": NAME_DESC, "priority": 0})
    );
    assert_eq!(
        pods[5],
        json!({"name": "IP", "type": "string", "format": "", "description": "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", "priority": 1})
    );
    assert_eq!(column_definitions("events")[9]["format"], "name");
    assert_eq!(column_definitions("events")[9]["priority"], 1);
}

#[test]
fn column_names_and_priorities_match_the_apiserver() {
    let expect = |resource: &str, names: &[&str], wide_from: usize| {
        assert_eq!(column_names(resource), names, "{resource}");
        let priorities: Vec<i64> = column_definitions(resource).iter().map(|c| int(c, "/priority")).collect();
        let expected: Vec<i64> = (0..names.len()).map(|i| i64::from(i >= wide_from)).collect();
        assert_eq!(priorities, expected, "{resource} priorities");
    };
    expect(
        "pods",
        &["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
        5,
    );
    expect(
        "nodes",
        &[
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            "Internal-IP",
            "External-IP",
            "OS-Image",
            "Kernel-Version",
            "Container-Runtime",
        ],
        5,
    );
    expect("namespaces", &["Name", "Status", "Age"], 3);
    expect("services", &["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], 6);
    expect("configmaps", &["Name", "Data", "Age"], 3);
    expect("secrets", &["Name", "Type", "Data", "Age"], 4);
    expect("deployments", &["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], 5);
    expect("replicasets", &["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], 5);
    expect("statefulsets", &["Name", "Ready", "Age", "Containers", "Images"], 3);
    expect(
        "daemonsets",
        &[
            "Name",
            "Desired",
            "Current",
            "Ready",
            "Up-to-date",
            "Available",
            "Node Selector",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
        8,
    );
    expect("jobs", &["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"], 5);
    expect(
        "cronjobs",
        &[
            "Name",
            "Schedule",
            "Timezone",
            "Suspend",
            "Active",
            "Last Schedule",
            "Age",
            "Containers",
            "Images",
            "Selector",
        ],
        7,
    );
    expect("leases", &["Name", "Holder", "Age"], 3);
    expect("widgets", &["Name", "Age"], 2);
    // Events interleave wide columns, so check them one by one.
    assert_eq!(
        column_names("events"),
        ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"]
    );
    let priorities: Vec<i64> = column_definitions("events").iter().map(|c| int(c, "/priority")).collect();
    assert_eq!(priorities, [0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
}

#[test]
fn integer_columns_are_typed_integer() {
    let types = |resource: &str| -> Vec<String> {
        column_definitions(resource).iter().map(|c| text(c, "/type").to_string()).collect()
    };
    assert_eq!(types("replicasets")[1..4], ["integer", "integer", "integer"]);
    assert_eq!(types("daemonsets")[1..6], ["integer"; 5]);
    assert_eq!(types("cronjobs")[3..5], ["boolean", "integer"]);
    // 1.32 prints restarts as "6 (179m ago)", so the column is a string.
    assert_eq!(types("pods")[3], "string");
}

#[test]
fn running_pod_prints_all_columns() {
    let pod = json!({
        "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-11-25T09:00:00Z"},
        "spec": {
            "nodeName": "gpu-node-1",
            "containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "metrics", "image": "exporter:2"}],
        },
        "status": {
            "phase": "Running",
            "podIP": "10.244.1.5",
            "podIPs": [{"ip": "10.244.1.5"}],
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "web", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T09:00:05Z"}}},
                {"name": "metrics", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-25T09:00:05Z"}}},
            ],
        },
    });
    assert_eq!(
        cells("pods", pod),
        json!(["web-0", "2/2", "Running", "0", "3h", "10.244.1.5", "gpu-node-1", "<none>", "<none>"])
    );
}

#[test]
fn crash_looping_pod_shows_reason_and_last_restart() {
    let status = json!({
        "phase": "Running",
        "containerStatuses": [{
            "name": "trainer",
            "ready": false,
            "restartCount": 6,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-11-25T09:01:00Z"}},
        }],
    });
    assert_eq!(pod_status(pod(one_container(), status)), json!(["0/1", "CrashLoopBackOff", "6 (179m ago)"]));
}

#[test]
fn restarts_use_the_latest_termination_across_containers() {
    let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
    let status = json!({
        "phase": "Running",
        "containerStatuses": [
            {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:55:00Z"}}},
            {"name": "b", "ready": true, "restartCount": 1, "state": {"running": {}},
             "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-24T12:00:00Z"}}},
        ],
    });
    assert_eq!(pod_status(pod(spec, status)), json!(["2/2", "Running", "3 (5m ago)"]));
}

#[test]
fn restarts_without_a_termination_time_are_a_bare_count() {
    let status = json!({
        "phase": "Running",
        "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 4, "state": {"running": {}}}],
    });
    assert_eq!(pod_status(pod(one_container(), status)), json!(["1/1", "Running", "4"]));
}

#[test]
fn waiting_reasons_win_the_status_column() {
    for reason in ["ImagePullBackOff", "ErrImagePull", "ContainerCreating", "CreateContainerConfigError"] {
        let status = json!({
            "phase": "Pending",
            "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}}],
        });
        assert_eq!(pod_status(pod(one_container(), status)), json!(["0/1", reason, "0"]));
    }
}

#[test]
fn pending_pod_without_statuses_shows_its_phase() {
    assert_eq!(pod_status(pod(one_container(), json!({"phase": "Pending"}))), json!(["0/1", "Pending", "0"]));
    assert_eq!(pod_status(pod(one_container(), json!({}))), json!(["0/1", "Pending", "0"]));
}

#[test]
fn terminated_containers_show_reason_signal_or_exit_code() {
    let with = |terminated: Value, phase: &str| {
        let status = json!({
            "phase": phase,
            "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"terminated": terminated}}],
        });
        pod_status(pod(one_container(), status))[1].clone()
    };
    assert_eq!(with(json!({"exitCode": 137, "reason": "OOMKilled"}), "Running"), "OOMKilled");
    assert_eq!(with(json!({"exitCode": 0, "reason": "Completed"}), "Succeeded"), "Completed");
    assert_eq!(with(json!({"exitCode": 1, "reason": "Error"}), "Failed"), "Error");
    assert_eq!(with(json!({"exitCode": 137, "signal": 9}), "Failed"), "Signal:9");
    assert_eq!(with(json!({"exitCode": 2}), "Failed"), "ExitCode:2");
}

#[test]
fn completed_container_beside_a_running_one_is_running_or_not_ready() {
    let spec = json!({"containers": [{"name": "setup"}, {"name": "server"}]});
    let status = |ready: &str| {
        json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": [
                {"name": "setup", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "server", "ready": true, "restartCount": 0, "state": {"running": {}}},
            ],
        })
    };
    assert_eq!(pod_status(pod(spec.clone(), status("True"))), json!(["1/2", "Running", "0"]));
    assert_eq!(pod_status(pod(spec, status("False"))), json!(["1/2", "NotReady", "0"]));
}

#[test]
fn deleted_pods_are_terminating_unless_finished_or_node_lost() {
    let deleted = |phase: &str, reason: &str| {
        let mut p = pod(one_container(), json!({"phase": phase, "reason": reason}));
        p["metadata"]["deletionTimestamp"] = json!("2026-11-25T11:59:00Z");
        pod_status(p)[1].clone()
    };
    assert_eq!(deleted("Running", ""), "Terminating");
    assert_eq!(deleted("Pending", ""), "Terminating");
    assert_eq!(deleted("Succeeded", ""), "Succeeded");
    assert_eq!(deleted("Running", "NodeLost"), "Unknown");
}

#[test]
fn init_containers_block_the_pod_until_done() {
    let spec = json!({
        "initContainers": [{"name": "fetch-weights"}],
        "containers": [{"name": "trainer"}],
    });
    let pending = |init_state: Value, init_restarts: i64| {
        json!({
            "phase": "Pending",
            "initContainerStatuses": [{
                "name": "fetch-weights", "ready": false, "restartCount": init_restarts, "state": init_state,
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:55:00Z"}},
            }],
            "containerStatuses": [{"name": "trainer", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}],
        })
    };
    let running = json!({"running": {"startedAt": "2026-11-25T11:58:00Z"}});
    let crashing = json!({"waiting": {"reason": "CrashLoopBackOff"}});
    let failed = json!({"terminated": {"exitCode": 3}});
    let initializing = json!({"waiting": {"reason": "PodInitializing"}});
    assert_eq!(pod_status(pod(spec.clone(), pending(running, 0))), json!(["0/1", "Init:0/1", "0"]));
    assert_eq!(
        pod_status(pod(spec.clone(), pending(crashing, 3))),
        json!(["0/1", "Init:CrashLoopBackOff", "3 (5m ago)"])
    );
    assert_eq!(pod_status(pod(spec.clone(), pending(failed, 1))), json!(["0/1", "Init:ExitCode:3", "1 (5m ago)"]));
    assert_eq!(pod_status(pod(spec, pending(initializing, 0))), json!(["0/1", "Init:0/1", "0"]));
}

#[test]
fn finished_init_containers_hand_over_to_app_containers() {
    let spec = json!({"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "trainer"}]});
    let status = json!({
        "phase": "Pending",
        "initContainerStatuses": [
            {"name": "a", "ready": true, "restartCount": 2, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": false, "restartCount": 0, "state": {"running": {}}},
        ],
    });
    assert_eq!(pod_status(pod(spec.clone(), status)), json!(["0/1", "Init:1/2", "2"]));

    let done = json!({
        "phase": "Running",
        "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
        "initContainerStatuses": [
            {"name": "a", "ready": true, "restartCount": 2, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
            {"name": "b", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        ],
        "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 1, "state": {"running": {}}}],
    });
    // Plain init container restarts stop counting once the pod is initialized.
    assert_eq!(pod_status(pod(spec, done)), json!(["1/1", "Running", "1"]));
}

#[test]
fn sidecar_init_containers_count_as_app_containers() {
    let spec = json!({
        "initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
        "containers": [{"name": "trainer"}],
    });
    let status = json!({
        "phase": "Running",
        "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
        "initContainerStatuses": [{
            "name": "proxy", "ready": true, "started": true, "restartCount": 1, "state": {"running": {}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-25T11:00:00Z"}},
        }],
        "containerStatuses": [{"name": "trainer", "ready": true, "restartCount": 0, "state": {"running": {}}}],
    });
    assert_eq!(pod_status(pod(spec, status)), json!(["2/2", "Running", "1 (60m ago)"]));
}

#[test]
fn scheduling_gated_and_evicted_pods() {
    let gated = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]});
    assert_eq!(pod_status(pod(one_container(), gated))[1], "SchedulingGated");
    let evicted = json!({"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."});
    assert_eq!(pod_status(pod(one_container(), evicted))[1], "Evicted");
}

#[test]
fn pod_wide_columns() {
    let p = json!({
        "metadata": {"name": "p", "creationTimestamp": "2026-11-25T11:59:15Z"},
        "spec": {"containers": [{"name": "c"}], "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/fw"}]},
        "status": {
            "phase": "Pending",
            "podIPs": [{"ip": "fd00::5"}],
            "nominatedNodeName": "gpu-node-2",
            "conditions": [{"type": "example.com/lb", "status": "True"}, {"type": "example.com/fw", "status": "False"}],
        },
    });
    assert_eq!(cells("pods", p), json!(["p", "0/1", "Pending", "0", "45s", "fd00::5", "<none>", "gpu-node-2", "1/2"]));
}

#[test]
fn empty_pod_gets_defaults() {
    assert_eq!(
        cells("pods", json!({})),
        json!(["", "0/0", "Pending", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"])
    );
}

#[test]
fn ready_worker_node() {
    let node = json!({
        "metadata": {
            "name": "gpu-node-1",
            "creationTimestamp": "2026-11-10T12:00:00Z",
            "labels": {"kubernetes.io/hostname": "gpu-node-1", "node-role.kubernetes.io/gpu-worker": "", "nvidia.com/gpu.present": "true"},
        },
        "spec": {},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
            "addresses": [
                {"type": "InternalIP", "address": "10.0.0.11"},
                {"type": "ExternalIP", "address": "34.1.2.3"},
                {"type": "Hostname", "address": "gpu-node-1"},
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.32.2",
                "osImage": "Ubuntu 22.04.4 LTS",
                "kernelVersion": "5.15.0-105-generic",
                "containerRuntimeVersion": "containerd://1.7.13",
            },
        },
    });
    assert_eq!(
        cells("nodes", node),
        json!([
            "gpu-node-1",
            "Ready",
            "gpu-worker",
            "15d",
            "v1.32.2",
            "10.0.0.11",
            "34.1.2.3",
            "Ubuntu 22.04.4 LTS",
            "5.15.0-105-generic",
            "containerd://1.7.13"
        ])
    );
}

#[test]
fn cordoned_not_ready_control_plane_node() {
    let node = json!({
        "metadata": {
            "name": "cp-1",
            "creationTimestamp": "2026-11-23T10:00:00Z",
            "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "", "kubernetes.io/role": "etcd"},
        },
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}]},
    });
    assert_eq!(
        cells("nodes", node),
        json!([
            "cp-1",
            "NotReady,SchedulingDisabled",
            "control-plane,etcd,master",
            "2d2h",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>"
        ])
    );
}

#[test]
fn node_without_conditions_or_roles() {
    let node = json!({"metadata": {"name": "n", "labels": {"node-role.kubernetes.io/": ""}}, "status": {"conditions": [{"type": "DiskPressure", "status": "False"}]}});
    assert_eq!(cell_list("nodes", node)[1..3], [json!("Unknown"), json!("<none>")]);
    let cordoned = json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}});
    assert_eq!(cells("nodes", cordoned)[1], "Unknown,SchedulingDisabled");
}

#[test]
fn namespaces() {
    let ns =
        json!({"metadata": {"name": "ml", "creationTimestamp": "2026-11-25T11:50:00Z"}, "status": {"phase": "Active"}});
    assert_eq!(cells("namespaces", ns), json!(["ml", "Active", "10m"]));
    let deleting = json!({"metadata": {"name": "old", "creationTimestamp": "2026-11-25T11:57:00Z"}, "status": {"phase": "Terminating"}});
    assert_eq!(cells("namespaces", deleting), json!(["old", "Terminating", "3m"]));
    assert_eq!(cells("namespaces", json!({"metadata": {"name": "new"}})), json!(["new", "Active", "<unknown>"]));
}

#[test]
fn core_v1_event() {
    let event = json!({
        "metadata": {"name": "trainer-0.17f3a1b2c3d4e5f6", "namespace": "ml", "creationTimestamp": "2026-11-25T09:00:00Z"},
        "involvedObject": {"kind": "Pod", "namespace": "ml", "name": "trainer-0", "fieldPath": "spec.containers{trainer}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container trainer in pod trainer-0_ml\n",
        "source": {"component": "kubelet", "host": "gpu-node-1"},
        "firstTimestamp": "2026-11-25T09:00:00Z",
        "lastTimestamp": "2026-11-25T11:58:00Z",
        "count": 42,
        "type": "Warning",
    });
    assert_eq!(
        cells("events", event),
        json!([
            "2m",
            "Warning",
            "BackOff",
            "pod/trainer-0",
            "spec.containers{trainer}",
            "kubelet, gpu-node-1",
            "Back-off restarting failed container trainer in pod trainer-0_ml",
            "3h",
            42,
            "trainer-0.17f3a1b2c3d4e5f6"
        ])
    );
}

#[test]
fn new_api_event_with_series() {
    let event = json!({
        "metadata": {"name": "e"},
        "involvedObject": {"kind": "Node", "name": "gpu-node-1"},
        "reason": "Rebooted",
        "message": "Node rebooted",
        "eventTime": "2026-11-25T10:00:00.123456Z",
        "series": {"count": 3, "lastObservedTime": "2026-11-25T11:59:00.000001Z"},
        "reportingComponent": "kubelet",
        "reportingInstance": "gpu-node-1",
        "type": "Normal",
    });
    assert_eq!(
        cells("events", event),
        json!([
            "60s",
            "Normal",
            "Rebooted",
            "node/gpu-node-1",
            "",
            "kubelet, gpu-node-1",
            "Node rebooted",
            "120m",
            3,
            "e"
        ])
    );
}

#[test]
fn sparse_event_defaults() {
    let event =
        json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "ClusterRole"}, "source": {"component": "rbac"}});
    assert_eq!(
        cells("events", event),
        json!(["<unknown>", "", "", "clusterrole", "", "rbac", "", "<unknown>", 1, "e"])
    );
}

#[test]
fn cluster_ip_service() {
    let svc = json!({
        "metadata": {"name": "inference", "namespace": "ml", "creationTimestamp": "2026-11-24T12:00:00Z"},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.12.7",
            "clusterIPs": ["10.96.12.7"],
            "selector": {"app": "inference", "tier": "gpu"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}, {"name": "grpc", "port": 9000, "protocol": "TCP"}],
        },
    });
    assert_eq!(
        cells("services", svc),
        json!(["inference", "ClusterIP", "10.96.12.7", "<none>", "80/TCP,9000/TCP", "24h", "app=inference,tier=gpu"])
    );
}

#[test]
fn node_port_load_balancer_external_name_and_headless_services() {
    let service = |spec: Value, status: Value| json!({"metadata": {"name": "s", "creationTimestamp": "2026-11-25T11:00:00Z"}, "spec": spec, "status": status});
    let node_port = service(
        json!({"type": "NodePort", "clusterIP": "10.96.0.20", "externalIPs": ["192.0.2.10"], "ports": [{"port": 443, "nodePort": 30443, "protocol": "TCP"}]}),
        json!({}),
    );
    assert_eq!(
        cell_list("services", node_port)[1..5],
        [json!("NodePort"), json!("10.96.0.20"), json!("192.0.2.10"), json!("443:30443/TCP")]
    );

    let pending = service(
        json!({"type": "LoadBalancer", "clusterIP": "10.96.0.21", "ports": [{"port": 80, "nodePort": 31000}]}),
        json!({}),
    );
    assert_eq!(cell_list("services", pending)[3..5], [json!("<pending>"), json!("80:31000/TCP")]);

    let lb = service(
        json!({"type": "LoadBalancer", "clusterIP": "10.96.0.22", "externalIPs": ["192.0.2.9"]}),
        json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "a.example.com"}, {"ip": "203.0.113.7"}]}}),
    );
    assert_eq!(cell_list("services", lb)[3..5], [json!("203.0.113.7,a.example.com,192.0.2.9"), json!("<none>")]);

    let external = service(json!({"type": "ExternalName", "externalName": "db.example.com"}), json!({}));
    assert_eq!(
        cell_list("services", external)[1..4],
        [json!("ExternalName"), json!("<none>"), json!("db.example.com")]
    );

    let headless =
        service(json!({"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}), json!({}));
    assert_eq!(cells("services", headless), json!(["s", "ClusterIP", "None", "<none>", "5432/TCP", "60m", "app=db"]));
}

#[test]
fn config_maps_and_secrets_count_their_data() {
    let cm = json!({
        "metadata": {"name": "kube-root-ca.crt", "creationTimestamp": "2026-11-25T11:59:30Z"},
        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"},
        "binaryData": {"blob": "AAEC"},
    });
    assert_eq!(cells("configmaps", cm), json!(["kube-root-ca.crt", 2, "30s"]));
    assert_eq!(cells("configmaps", json!({"metadata": {"name": "empty"}})), json!(["empty", 0, "<unknown>"]));

    let secret = json!({
        "metadata": {"name": "regcred", "creationTimestamp": "2026-11-20T12:00:00Z"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": "e30="},
    });
    assert_eq!(cells("secrets", secret), json!(["regcred", "kubernetes.io/dockerconfigjson", 1, "5d"]));
    let opaque =
        json!({"metadata": {"name": "token", "creationTimestamp": "2026-11-25T11:58:00Z"}, "data": {"a": "", "b": ""}});
    assert_eq!(cells("secrets", opaque), json!(["token", "Opaque", 2, "2m"]));
}

#[test]
fn deployment() {
    let deployment = json!({
        "metadata": {"name": "inference", "namespace": "ml", "creationTimestamp": "2026-11-25T06:55:00Z"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "inference"}},
            "template": {"spec": {"containers": [
                {"name": "server", "image": "vllm/vllm-openai:v0.6.3"},
                {"name": "sidecar", "image": "envoyproxy/envoy:v1.31"},
            ]}},
        },
        "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
    });
    assert_eq!(
        cells("deployments", deployment),
        json!([
            "inference",
            "2/3",
            3,
            2,
            "5h5m",
            "server,sidecar",
            "vllm/vllm-openai:v0.6.3,envoyproxy/envoy:v1.31",
            "app=inference"
        ])
    );
    assert_eq!(
        cells("deployments", json!({"metadata": {"name": "d"}})),
        json!(["d", "0/1", 0, 0, "<unknown>", "", "", ""])
    );
}

#[test]
fn replica_set() {
    let rs = json!({
        "metadata": {"name": "inference-7c9f8d6b5", "creationTimestamp": "2026-11-25T06:55:00Z"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "inference", "pod-template-hash": "7c9f8d6b5"}},
            "template": {"spec": {"containers": [{"name": "server", "image": "vllm/vllm-openai:v0.6.3"}]}},
        },
        "status": {"replicas": 3, "readyReplicas": 1},
    });
    assert_eq!(
        cells("replicasets", rs),
        json!([
            "inference-7c9f8d6b5",
            3,
            3,
            1,
            "5h5m",
            "server",
            "vllm/vllm-openai:v0.6.3",
            "app=inference,pod-template-hash=7c9f8d6b5"
        ])
    );
}

#[test]
fn stateful_set() {
    let sts = json!({
        "metadata": {"name": "etcd", "creationTimestamp": "2026-09-01T00:00:00Z"},
        "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "etcd", "image": "registry.k8s.io/etcd:3.5.16-0"}]}}},
        "status": {"replicas": 3, "readyReplicas": 3},
    });
    assert_eq!(cells("statefulsets", sts), json!(["etcd", "3/3", "85d", "etcd", "registry.k8s.io/etcd:3.5.16-0"]));
}

#[test]
fn daemon_set() {
    let ds = json!({
        "metadata": {"name": "nvidia-device-plugin", "namespace": "kube-system", "creationTimestamp": "2024-11-15T12:00:00Z"},
        "spec": {
            "selector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
            "template": {"spec": {
                "nodeSelector": {"nvidia.com/gpu.present": "true", "kubernetes.io/os": "linux"},
                "containers": [{"name": "nvidia-device-plugin-ctr", "image": "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"}],
            }},
        },
        "status": {"desiredNumberScheduled": 4, "currentNumberScheduled": 4, "numberReady": 3, "updatedNumberScheduled": 4, "numberAvailable": 3},
    });
    assert_eq!(
        cells("daemonsets", ds),
        json!([
            "nvidia-device-plugin",
            4,
            4,
            3,
            4,
            3,
            "kubernetes.io/os=linux,nvidia.com/gpu.present=true",
            "2y10d",
            "nvidia-device-plugin-ctr",
            "nvcr.io/nvidia/k8s-device-plugin:v0.17.0",
            "name=nvidia-device-plugin-ds"
        ])
    );
}

#[test]
fn jobs() {
    let job = |spec: Value, status: Value| {
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "0f6c"}});
        spec["template"] = json!({"spec": {"containers": [{"name": "train", "image": "trainer:1"}]}});
        json!({"metadata": {"name": "finetune", "creationTimestamp": "2026-11-25T10:00:00Z"}, "spec": spec, "status": status})
    };
    let complete = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({
            "succeeded": 1,
            "startTime": "2026-11-25T10:00:00Z",
            "completionTime": "2026-11-25T10:42:30Z",
            "conditions": [{"type": "SuccessCriteriaMet", "status": "True"}, {"type": "Complete", "status": "True"}],
        }),
    );
    assert_eq!(
        cells("jobs", complete),
        json!([
            "finetune",
            "Complete",
            "1/1",
            "42m",
            "120m",
            "train",
            "trainer:1",
            "batch.kubernetes.io/controller-uid=0f6c"
        ])
    );

    let running = job(
        json!({"completions": 8, "parallelism": 2}),
        json!({"succeeded": 3, "active": 2, "startTime": "2026-11-25T11:57:10Z"}),
    );
    assert_eq!(cell_list("jobs", running)[1..4], [json!("Running"), json!("3/8"), json!("2m50s")]);

    let queue = job(
        json!({"parallelism": 4}),
        json!({"conditions": [{"type": "Failed", "status": "True"}], "startTime": "2026-11-25T10:00:00Z", "completionTime": "2026-11-25T10:00:40Z"}),
    );
    assert_eq!(cell_list("jobs", queue)[1..4], [json!("Failed"), json!("0/1 of 4"), json!("40s")]);

    let suspended = job(json!({"suspend": true}), json!({"conditions": [{"type": "Suspended", "status": "True"}]}));
    assert_eq!(cell_list("jobs", suspended)[1..4], [json!("Suspended"), json!("0/1"), json!("")]);

    let mut deleting = job(json!({}), json!({"conditions": [{"type": "FailureTarget", "status": "True"}]}));
    assert_eq!(cells("jobs", deleting.clone())[1], "FailureTarget");
    deleting["metadata"]["deletionTimestamp"] = json!("2026-11-25T11:59:00Z");
    assert_eq!(cells("jobs", deleting)[1], "Terminating");
}

#[test]
fn cron_jobs() {
    let cron = json!({
        "metadata": {"name": "nightly-eval", "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {
            "schedule": "0 2 * * *",
            "timeZone": "Europe/Berlin",
            "suspend": false,
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "eval", "image": "eval:3"}]}}}},
        },
        "status": {"active": [{"kind": "Job", "name": "nightly-eval-29001234"}], "lastScheduleTime": "2026-11-25T01:00:00Z"},
    });
    assert_eq!(
        cells("cronjobs", cron),
        json!(["nightly-eval", "0 2 * * *", "Europe/Berlin", "False", 1, "11h", "24d", "eval", "eval:3", "<none>"])
    );
    let idle = json!({"metadata": {"name": "c"}, "spec": {"schedule": "*/5 * * * *", "suspend": true}});
    assert_eq!(
        cells("cronjobs", idle),
        json!(["c", "*/5 * * * *", "<none>", "True", 0, "<none>", "<unknown>", "", "", "<none>"])
    );
}

#[test]
fn leases_and_unknown_resources() {
    let lease = json!({
        "metadata": {"name": "gpu-node-1", "namespace": "kube-node-lease", "creationTimestamp": "2026-11-25T08:00:00Z"},
        "spec": {"holderIdentity": "gpu-node-1", "leaseDurationSeconds": 40},
    });
    assert_eq!(cells("leases", lease), json!(["gpu-node-1", "gpu-node-1", "4h"]));
    let widget = json!({"metadata": {"name": "w", "creationTimestamp": "2026-11-25T11:59:58Z"}});
    assert_eq!(cells("widgets", widget), json!(["w", "2s"]));
    assert_eq!(cells("widgets", json!({})), json!(["", "<unknown>"]));
}

#[test]
fn label_selectors_render_like_apimachinery() {
    let selector = json!({
        "matchLabels": {"app": "trainer"},
        "matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["b", "a"]},
            {"key": "gpu", "operator": "Exists"},
            {"key": "tier", "operator": "NotIn", "values": ["cpu"]},
            {"key": "spot", "operator": "DoesNotExist"},
        ],
    });
    assert_eq!(format_label_selector(&selector), "app=trainer,gpu,!spot,tier notin (cpu),zone in (a,b)");
    assert_eq!(format_label_selector(&json!({})), "<none>");
    assert_eq!(format_label_selector(&Value::Null), "<none>");
    let bad = json!({"matchExpressions": [{"key": "k", "operator": "Gt", "values": ["1"]}]});
    assert_eq!(format_label_selector(&bad), "<error>");
    let empty_in = json!({"matchExpressions": [{"key": "k", "operator": "In", "values": []}]});
    assert_eq!(format_label_selector(&empty_in), "<error>");
    let deployment = json!({"metadata": {"name": "d"}, "spec": {"selector": bad}});
    assert_eq!(cells("deployments", deployment)[7], "<invalid>");
}

#[test]
fn human_duration_matches_apimachinery() {
    let cases = [
        (-5, "<invalid>"),
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (45, "45s"),
        (119, "119s"),
        (120, "2m"),
        (310, "5m10s"),
        (599, "9m59s"),
        (600, "10m"),
        (610, "10m"),
        (179 * 60 + 59, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 5 * 60, "3h5m"),
        (7 * 3600 + 59 * 60 + 59, "7h59m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 3599, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (7 * 86_400 + 23 * 3600, "7d23h"),
        (8 * 86_400, "8d"),
        (15 * 86_400, "15d"),
        (729 * 86_400, "729d"),
        (730 * 86_400, "2y"),
        (740 * 86_400, "2y10d"),
        (8 * 365 * 86_400 - 1, "7y364d"),
        (8 * 365 * 86_400, "8y"),
        (30 * 365 * 86_400, "30y"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(human_duration(seconds), expected, "{seconds}s");
    }
}

#[test]
fn parses_rfc3339() {
    assert_eq!(parse_rfc3339("2026-11-25T12:00:00Z"), Some(NOW));
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("2000-02-29T23:59:59Z"), Some(951_868_799));
    assert_eq!(parse_rfc3339("2024-03-01T00:00:00Z"), Some(1_709_251_200));
    assert_eq!(parse_rfc3339("2026-11-25T12:00:00.999999Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-11-25T13:30:00+01:30"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-11-25T07:00:00-05:00"), Some(NOW));
    assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
}

#[test]
fn rejects_malformed_rfc3339() {
    for bad in [
        "",
        "yesterday",
        "2026-11-25",
        "2026-11-25T12:00:00",
        "2026-11-25 12:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-11-31T00:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T12:60:00Z",
        "2026-11-25T12:00:60Z",
        "2026-11-25T12:00:00.Z",
        "2026-11-25T12:00:00+0100",
        "2026-11-25T12:00:00Zjunk",
        "2026-1a-25T12:00:00Z",
        "2026-11-25T12:00:0é",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
}
