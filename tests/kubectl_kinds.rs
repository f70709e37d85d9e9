//! Real kubectl against `gpudeck sim` for the kinds beyond the core: CustomResourceDefinitions and their resources.
// Test helpers abort the test on any failure, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{TestSim, read_until};

fn write(sim: &TestSim, name: &str, text: &str) -> String {
    let path = sim.dir.path().join(name);
    std::fs::write(&path, text).expect("write manifest");
    path.to_string_lossy().into_owned()
}

const TRAINJOB_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: trainjobs.kubeflow.org
spec:
  group: kubeflow.org
  scope: Namespaced
  names:
    plural: trainjobs
    singular: trainjob
    kind: TrainJob
    shortNames: [tj]
    categories: [kubeflow]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: State
      type: string
      jsonPath: .status.state
    - name: GPUs
      type: integer
      jsonPath: .spec.gpus
    - name: Missing
      type: string
      jsonPath: .status.nothere
    - name: Ready
      type: string
      jsonPath: .status.conditions[?(@.type=="Ready")].status
      priority: 1
"#;

fn trainjob(name: &str, gpus: u32) -> String {
    format!(
        "apiVersion: kubeflow.org/v1\nkind: TrainJob\nmetadata:\n  name: {name}\n  namespace: ml-train\nspec:\n  gpus: {gpus}\n  image: ghcr.io/example/trainer:1.0\n"
    )
}

#[test]
fn custom_resources_are_served_printed_and_removed_with_their_crd() {
    require_kubectl!();
    let sim = TestSim::demo();
    let crd = write(&sim, "crd.yaml", TRAINJOB_CRD);
    let out = sim.kubectl_ok(&["apply", "--server-side", "-f", &crd]);
    assert!(
        out.contains("customresourcedefinition.apiextensions.k8s.io/trainjobs.kubeflow.org serverside-applied"),
        "{out}"
    );

    let crds = sim.kubectl_ok(&["get", "crd"]);
    let header: Vec<&str> = crds.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "CREATED", "AT"], "{crds}");
    assert!(
        crds.lines().any(|l| l.starts_with("trainjobs.kubeflow.org ") && l.contains('T') && l.ends_with('Z')),
        "{crds}"
    );
    let established = sim.kubectl_ok(&[
        "get",
        "crd",
        "trainjobs.kubeflow.org",
        "-o",
        r#"jsonpath={.status.conditions[?(@.type=="Established")].status} {.status.acceptedNames.kind}"#,
    ]);
    assert_eq!(established, "True TrainJob");

    let resources = sim.kubectl_ok(&["api-resources"]);
    let line = resources.lines().find(|l| l.starts_with("trainjobs ")).unwrap_or_else(|| panic!("{resources}"));
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols, ["trainjobs", "tj", "kubeflow.org/v1", "true", "TrainJob"], "{line}");
    let crd_line = resources.lines().find(|l| l.starts_with("customresourcedefinitions ")).unwrap();
    assert!(crd_line.contains("crd,crds") && crd_line.contains("apiextensions.k8s.io/v1"), "{crd_line}");
    assert!(
        sim.kubectl_ok(&["api-resources", "--categories=kubeflow", "-o", "name"]).contains("trainjobs.kubeflow.org")
    );

    let a = write(&sim, "a.yaml", &trainjob("llama-pretrain", 64));
    let b = write(&sim, "b.yaml", &trainjob("bert-finetune", 8));
    assert!(sim.kubectl_ok(&["apply", "-f", &a]).contains("trainjob.kubeflow.org/llama-pretrain created"));
    assert!(
        sim.kubectl_ok(&["apply", "--server-side", "-f", &b])
            .contains("trainjob.kubeflow.org/bert-finetune serverside-applied")
    );
    // The status subresource is the only way to write status.
    sim.kubectl_ok(&[
        "patch",
        "tj",
        "llama-pretrain",
        "-n",
        "ml-train",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"state":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#,
    ]);
    sim.kubectl_ok(&[
        "patch",
        "tj",
        "bert-finetune",
        "-n",
        "ml-train",
        "--type=merge",
        "-p",
        r#"{"status":{"state":"Ignored"}}"#,
    ]);

    // Client-side apply of a change: a JSON merge patch, as kubectl sends for custom resources.
    std::fs::write(
        &a,
        trainjob("llama-pretrain", 64)
            .replace("image: ghcr.io/example/trainer:1.0", "image: ghcr.io/example/trainer:1.1"),
    )
    .unwrap();
    assert!(sim.kubectl_ok(&["apply", "-f", &a]).contains("trainjob.kubeflow.org/llama-pretrain configured"));
    let image = sim.kubectl_ok(&[
        "get",
        "tj",
        "llama-pretrain",
        "-n",
        "ml-train",
        "-o",
        "jsonpath={.spec.image} {.metadata.generation}",
    ]);
    assert_eq!(image, "ghcr.io/example/trainer:1.1 2");
    let table = sim.kubectl_ok(&["get", "tj", "-A"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAMESPACE", "NAME", "STATE", "GPUS", "MISSING"], "no AGE: the CRD lists columns\n{table}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        rows,
        [vec!["ml-train", "bert-finetune", "8"], vec!["ml-train", "llama-pretrain", "Running", "64"]],
        "{table}"
    );
    let wide = sim.kubectl_ok(&["get", "trainjobs", "-n", "ml-train", "-o", "wide"]);
    assert!(wide.lines().next().unwrap().ends_with("READY"), "{wide}");
    assert!(wide.lines().any(|l| l.starts_with("llama-pretrain") && l.trim_end().ends_with("True")), "{wide}");

    let yaml = sim.kubectl_ok(&["get", "trainjobs.kubeflow.org", "llama-pretrain", "-n", "ml-train", "-o", "yaml"]);
    for needle in
        ["apiVersion: kubeflow.org/v1", "kind: TrainJob", "gpus: 64", "state: Running", "uid: ", "resourceVersion: "]
    {
        assert!(yaml.contains(needle), "{needle} missing:\n{yaml}");
    }
    let describe = sim.kubectl_ok(&["describe", "tj", "llama-pretrain", "-n", "ml-train"]);
    for needle in [
        "Name:         llama-pretrain",
        "Namespace:    ml-train",
        "API Version:  kubeflow.org/v1",
        "Kind:         TrainJob",
        "Gpus:",
        "State:",
    ] {
        assert!(describe.contains(needle), "{needle} missing:\n{describe}");
    }

    let deleted = sim.kubectl_ok(&["delete", "crd", "trainjobs.kubeflow.org"]);
    assert!(
        deleted.contains("customresourcedefinition.apiextensions.k8s.io \"trainjobs.kubeflow.org\" deleted"),
        "{deleted}"
    );
    // kubectl still holds the old discovery in its cache: it resolves `tj` and the list is a 404, as on a cluster.
    let stale = sim.kubectl(&["get", "tj", "-n", "ml-train"]);
    assert!(!stale.status.success());
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(
        stderr.contains("Error from server (NotFound)") && stderr.contains("could not find the requested resource"),
        "{stderr}"
    );
    // With fresh discovery the name no longer resolves at all.
    let cache = sim.dir.path().join("fresh-cache");
    let gone = sim.kubectl(&["get", "tj", "-n", "ml-train", "--cache-dir", cache.to_str().unwrap()]);
    assert!(!gone.status.success());
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("the server doesn't have a resource type \"tj\""), "{stderr}");
    assert!(!sim.kubectl_ok(&["api-resources"]).contains("trainjobs"));

    // Re-created, the resource is back and empty: the objects went with the CRD.
    sim.kubectl_ok(&["apply", "--server-side", "-f", &crd]);
    let empty = sim.kubectl(&["get", "tj", "-n", "ml-train"]);
    assert!(empty.status.success(), "{}", String::from_utf8_lossy(&empty.stderr));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("No resources found in ml-train namespace."));
}

#[test]
fn watching_a_custom_resource_sees_applied_objects() {
    require_kubectl!();
    let sim = TestSim::demo();
    let crd = write(&sim, "crd.yaml", TRAINJOB_CRD);
    sim.kubectl_ok(&["apply", "-f", &crd]);
    let child = sim
        .kubectl_cmd(&["get", "tj", "-n", "ml-train", "-w", "--output-watch-events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl -w starts");
    std::thread::sleep(Duration::from_secs(2));
    let a = write(&sim, "a.yaml", &trainjob("watched-job", 16));
    sim.kubectl_ok(&["apply", "-f", &a]);
    let lines = read_until(child, Duration::from_secs(20), |lines| lines.iter().any(|l| l.contains("watched-job")));
    let added = lines.iter().find(|l| l.contains("watched-job")).unwrap_or_else(|| panic!("{lines:?}"));
    let cols: Vec<&str> = added.split_whitespace().collect();
    assert_eq!(cols, ["ADDED", "watched-job", "16"], "{lines:?}");
}

#[test]
fn daemonsets_run_a_pod_per_eligible_node_and_keep_revisions() {
    require_kubectl!();
    let sim = TestSim::demo();
    // The controller writes status on its first pass; the node lifecycle controller marks the daemon pods on the
    // demo's lost node (gpu-a100-04) not ready once it sees the node Unknown, so the figures settle after both.
    let table = sim
        .eventually(Duration::from_secs(20), || {
            let t = sim.kubectl_ok(&["get", "ds", "-A"]);
            let proxy = t.lines().find(|l| l.split_whitespace().nth(1) == Some("kube-proxy"))?;
            (proxy.split_whitespace().nth(4) == Some("11")).then_some(t)
        })
        .expect("daemonsets get status");
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAMESPACE", "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE", "SELECTOR", "AGE"]
    );
    let row = |name: &str| -> Vec<String> {
        let line =
            table.lines().find(|l| l.split_whitespace().nth(1) == Some(name)).unwrap_or_else(|| panic!("{table}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    // 12 nodes; the GPU operator's daemons only on the 9 GPU nodes; the lost node's pods scheduled but not ready.
    assert_eq!(row("kube-proxy")[2..7], ["12", "12", "11", "12", "11"], "{table}");
    assert_eq!(row("nvidia-dcgm-exporter")[2..8], ["9", "9", "8", "9", "8", "nvidia.com/gpu.present=true"], "{table}");
    assert_eq!(row("nvidia-device-plugin-daemonset")[2], "9");

    let pods = sim.kubectl_ok(&["get", "pods", "-n", "gpu-operator", "-l", "app=nvidia-dcgm-exporter", "-o", "jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].controller} {.spec.nodeName}{\"\\n\"}{end}"]);
    assert_eq!(pods.lines().count(), 9, "{pods}");
    assert!(pods.lines().all(|l| l.starts_with("DaemonSet/true gpu-")), "{pods}");
    let tolerations = sim.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        "kube-system",
        "-l",
        "app=kube-proxy",
        "-o",
        "jsonpath={.items[0].spec.tolerations[*].key}",
    ]);
    for key in ["not-ready", "unreachable", "disk-pressure", "memory-pressure", "pid-pressure", "unschedulable"] {
        assert!(tolerations.contains(&format!("node.kubernetes.io/{key}")), "{key}: {tolerations}");
    }

    let describe = sim.kubectl_ok(&["describe", "ds", "kube-proxy", "-n", "kube-system"]);
    for needle in [
        "Desired Number of Nodes Scheduled: 12",
        "Current Number of Nodes Scheduled: 12",
        "Number of Nodes Misscheduled: 0",
        "Pods Status:  12 Running",
    ] {
        assert!(describe.contains(needle), "{needle} missing:\n{describe}");
    }
    let history = sim.kubectl_ok(&["rollout", "history", "ds/kube-proxy", "-n", "kube-system"]);
    assert!(history.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["1", "<none>"]), "{history}");
    let revisions = sim.kubectl_ok(&["get", "controllerrevisions", "-n", "kube-system", "-l", "app=kube-proxy"]);
    let header: Vec<&str> = revisions.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "CONTROLLER", "REVISION", "AGE"], "{revisions}");
    let row: Vec<&str> = revisions.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[1..3], ["daemonset.apps/kube-proxy", "1"], "{revisions}");

    // A new template is a new revision, rolled out node by node (one unavailable at a time). The demo's lost node
    // would hold the rollout (its daemon pod unavailable, and once deleted never done terminating), as on a real
    // cluster: bring its kubelet back first.
    sim.faults(r#"{"startKubelets": ["gpu-a100-04"]}"#);
    let back = sim.eventually(Duration::from_secs(30), || {
        let ready =
            sim.kubectl_ok(&["get", "ds", "kube-proxy", "-n", "kube-system", "-o", "jsonpath={.status.numberReady}"]);
        (ready == "12").then_some(())
    });
    assert!(back.is_some(), "every kube-proxy ready once gpu-a100-04 reports again");
    sim.kubectl_ok(&[
        "set",
        "image",
        "ds/kube-proxy",
        "-n",
        "kube-system",
        "kube-proxy=registry.k8s.io/kube-proxy:v1.31.8",
    ]);
    let images = || {
        sim.kubectl_ok(&[
            "get",
            "pods",
            "-n",
            "kube-system",
            "-l",
            "app=kube-proxy",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ])
    };
    let rolled = sim.eventually(Duration::from_secs(30), || {
        let now = images();
        (now.split_whitespace().filter(|i| i.ends_with("v1.31.8")).count() >= 2).then_some(now)
    });
    assert!(
        rolled.is_some(),
        "kube-proxy pods replaced:\n{}",
        sim.kubectl_ok(&["get", "pods", "-n", "kube-system", "-l", "app=kube-proxy", "-o", "wide"])
    );
    let old = images().split_whitespace().filter(|i| i.ends_with("v1.32.4")).count();
    assert!(old >= 8, "not all at once: {old} old pods left");
    let history = sim.kubectl_ok(&["rollout", "history", "ds/kube-proxy", "-n", "kube-system"]);
    assert!(history.lines().any(|l| l.split_whitespace().next() == Some("2")), "{history}");
}

const CRONJOB: &str = r#"apiVersion: batch/v1
kind: CronJob
metadata:
  name: hourly-sync
  namespace: ml-train
spec:
  schedule: "15 * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: sync
            image: ghcr.io/acme-ml/tokenizer:0.9.1
"#;

#[test]
fn cronjobs_are_listed_described_and_applied() {
    require_kubectl!();
    let sim = TestSim::demo();
    let table = sim.kubectl_ok(&["get", "cj", "-n", "ml-train"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"], "{table}");
    let nightly: Vec<&str> =
        table.lines().find(|l| l.starts_with("nightly-eval")).unwrap().split_whitespace().collect();
    assert_eq!(nightly[1..8], ["0", "3", "*", "*", "*", "<none>", "False"], "{table}");
    let gc = table.lines().find(|l| l.starts_with("checkpoint-gc")).unwrap();
    assert!(gc.contains("True"), "{gc}");

    let file = write(&sim, "cj.yaml", CRONJOB);
    assert!(sim.kubectl_ok(&["apply", "-f", &file]).contains("cronjob.batch/hourly-sync created"));
    let describe = sim.kubectl_ok(&["describe", "cronjob", "hourly-sync", "-n", "ml-train"]);
    for needle in [
        "Schedule:                      15 * * * *",
        "Concurrency Policy:            Allow",
        "Suspend:                       True",
        "Successful Job History Limit:  3",
        "Failed Job History Limit:      1",
        "Last Schedule Time:  <unset>",
        "Active Jobs:         <none>",
    ] {
        assert!(describe.contains(needle), "{needle} missing:\n{describe}");
    }
    assert!(sim.kubectl_ok(&["get", "all", "-n", "ml-train"]).contains("cronjob.batch/hourly-sync"));
    // A suspended CronJob starts nothing, whatever the time.
    std::thread::sleep(Duration::from_secs(2));
    assert!(!sim.kubectl_ok(&["get", "jobs", "-n", "ml-train"]).contains("hourly-sync"));

    // Resumed, with its last run two minutes back, the next minute is overdue: the controller starts one Job.
    sim.kubectl_ok(&[
        "patch",
        "cj",
        "hourly-sync",
        "-n",
        "ml-train",
        "--type=merge",
        "-p",
        r#"{"spec":{"suspend":false,"schedule":"* * * * *"}}"#,
    ]);
    let earlier = gpudeck::sim::clock::rfc3339(gpudeck::sim::clock::now() - 120);
    let status = format!(r#"{{"status":{{"lastScheduleTime":"{earlier}"}}}}"#);
    sim.kubectl_ok(&[
        "patch",
        "cj",
        "hourly-sync",
        "-n",
        "ml-train",
        "--subresource=status",
        "--type=merge",
        "-p",
        &status,
    ]);
    let job = sim.eventually(Duration::from_secs(10), || {
        let active =
            sim.kubectl_ok(&["get", "cj", "hourly-sync", "-n", "ml-train", "-o", "jsonpath={.status.active[*].name}"]);
        (!active.is_empty()).then_some(active)
    });
    let job = job.expect("an active job");
    assert!(job.starts_with("hourly-sync-") && !job.contains(' '), "one job: {job}");
    let owner = sim.kubectl_ok(&[
        "get",
        "job",
        &job,
        "-n",
        "ml-train",
        "-o",
        "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}",
    ]);
    assert_eq!(owner, "CronJob/hourly-sync");
    let last =
        sim.kubectl_ok(&["get", "cj", "hourly-sync", "-n", "ml-train", "-o", "jsonpath={.status.lastScheduleTime}"]);
    assert!(last > earlier, "{last} after {earlier}");
}

const API: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: ml-serve
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: ghcr.io/acme-ml/web:5.2.1
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: ml-serve
spec:
  selector: {app: api}
  ports:
  - {name: web, port: 80, targetPort: http}
"#;

#[test]
fn services_get_endpoints_and_slices_from_ready_pods() {
    require_kubectl!();
    let sim = TestSim::demo();
    let dcgm = sim.kubectl_ok(&["get", "endpoints", "nvidia-dcgm-exporter", "-n", "gpu-operator"]);
    let header: Vec<&str> = dcgm.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "ENDPOINTS", "AGE"], "{dcgm}");
    // Nine exporters, but the one on gpu-a100-04 (its kubelet lost) was marked not ready and left the addresses.
    assert!(dcgm.contains(":9400,") && dcgm.contains(" + 5 more..."), "eight ready exporters: {dcgm}");

    let file = write(&sim, "api.yaml", API);
    sim.kubectl_ok(&["apply", "-f", &file]);
    let ep = sim.eventually(Duration::from_secs(20), || {
        let out = sim.kubectl(&["get", "ep", "api", "-n", "ml-serve", "--no-headers"]);
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.matches(":8080").count() == 2).then_some(out)
    });
    assert!(ep.is_some(), "both pods ready behind the named port");
    let refs = sim.kubectl_ok(&[
        "get",
        "endpoints",
        "api",
        "-n",
        "ml-serve",
        "-o",
        "jsonpath={.subsets[0].addresses[*].targetRef.kind} {.subsets[0].ports[0].name}",
    ]);
    assert_eq!(refs, "Pod Pod web");

    let slices = sim.kubectl_ok(&["get", "endpointslices", "-n", "ml-serve", "-l", "kubernetes.io/service-name=api"]);
    let header: Vec<&str> = slices.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], "{slices}");
    let row: Vec<&str> = slices.lines().nth(1).unwrap().split_whitespace().collect();
    assert!(
        row[0].starts_with("api-") && row[1] == "IPv4" && row[2] == "8080" && row[3].matches('.').count() == 6,
        "{slices}"
    );
    let owner = sim.kubectl_ok(&[
        "get",
        "endpointslices",
        "-n",
        "ml-serve",
        "-l",
        "kubernetes.io/service-name=api",
        "-o",
        "jsonpath={.items[0].metadata.ownerReferences[0].kind} {.items[0].endpoints[0].conditions.ready}",
    ]);
    assert_eq!(owner, "Service true");

    let describe = sim.kubectl_ok(&["describe", "svc", "api", "-n", "ml-serve"]);
    let line = describe.lines().find(|l| l.starts_with("Endpoints:")).unwrap_or_else(|| panic!("{describe}"));
    assert_eq!(line.matches(":8080").count(), 2, "{line}");

    sim.kubectl_ok(&["scale", "deploy/api", "-n", "ml-serve", "--replicas=0"]);
    let emptied = sim.eventually(Duration::from_secs(30), || {
        let out = sim.kubectl_ok(&["get", "ep", "api", "-n", "ml-serve", "--no-headers"]);
        out.contains("<none>").then_some(out)
    });
    assert!(emptied.is_some(), "no pods, no endpoints");
    sim.kubectl_ok(&["delete", "svc", "api", "-n", "ml-serve"]);
    let gone = sim.eventually(Duration::from_secs(10), || {
        let ep = sim.kubectl(&["get", "ep", "api", "-n", "ml-serve"]);
        let slices = sim.kubectl_ok(&[
            "get",
            "endpointslices",
            "-n",
            "ml-serve",
            "-l",
            "kubernetes.io/service-name=api",
            "-o",
            "name",
        ]);
        (!ep.status.success() && slices.trim().is_empty()).then_some(())
    });
    assert!(gone.is_some(), "endpoints and slices go with the service");
}

fn claim(name: &str, class: Option<&str>) -> String {
    let class = class.map(|c| format!("  storageClassName: {c}\n")).unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\n  namespace: ml-train\nspec:\n{class}  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 20Gi\n"
    )
}

#[test]
fn claims_are_provisioned_from_the_default_class_or_wait_for_a_missing_one() {
    require_kubectl!();
    let sim = TestSim::demo();
    let classes = sim.kubectl_ok(&["get", "sc"]);
    let header: Vec<&str> = classes.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]);
    let gp3: Vec<&str> = classes.lines().find(|l| l.starts_with("gp3 ")).unwrap().split_whitespace().collect();
    assert_eq!(gp3[..6], ["gp3", "(default)", "ebs.csi.aws.com", "Delete", "Immediate", "true"], "{classes}");

    let file = write(&sim, "pvc.yaml", &claim("scratch", None));
    sim.kubectl_ok(&["apply", "-f", &file]);
    let bound = sim.eventually(Duration::from_secs(10), || {
        let out = sim.kubectl_ok(&["get", "pvc", "scratch", "-n", "ml-train", "--no-headers"]);
        out.contains("Bound").then_some(out)
    });
    let bound = bound.expect("the claim binds");
    let cols: Vec<&str> = bound.split_whitespace().collect();
    assert_eq!((cols[1], cols[3], cols[4], cols[5], cols[6]), ("Bound", "20Gi", "RWO", "gp3", "<unset>"), "{bound}");
    let volume = cols[2].to_string();
    assert!(volume.starts_with("pvc-"), "{bound}");
    let pv = sim.kubectl_ok(&["get", "pv", &volume, "--no-headers"]);
    let pv: Vec<&str> = pv.split_whitespace().collect();
    assert_eq!(pv[1..7], ["20Gi", "RWO", "Delete", "Bound", "ml-train/scratch", "gp3"]);
    // The demo's own claim was bound when the cluster started.
    assert!(sim.kubectl_ok(&["get", "pvc", "datasets", "-n", "ml-train"]).contains("Bound"));

    let missing = write(&sim, "missing.yaml", &claim("fast", Some("fast-nvme")));
    sim.kubectl_ok(&["apply", "-f", &missing]);
    let described = sim.eventually(Duration::from_secs(10), || {
        let out = sim.kubectl_ok(&["describe", "pvc", "fast", "-n", "ml-train"]);
        out.contains("ProvisioningFailed").then_some(out)
    });
    let described = described.expect("a ProvisioningFailed event");
    assert!(described.contains("Status:        Pending"), "{described}");
    assert!(described.contains("storageclass.storage.k8s.io \"fast-nvme\" not found"), "{described}");

    sim.kubectl_ok(&["delete", "pvc", "scratch", "-n", "ml-train"]);
    let released = sim
        .eventually(Duration::from_secs(10), || (!sim.kubectl(&["get", "pv", &volume]).status.success()).then_some(()));
    assert!(released.is_some(), "the Delete policy removes the volume with its claim");
}

const POLICIES: &str = r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: ml-serve
spec:
  minAvailable: 50%
  selector:
    matchLabels: {app: web}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-ingress
  namespace: ml-serve
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: monitoring}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: internal
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: ml-serve
spec:
  ingressClassName: internal
  tls:
  - hosts: [web.example.com]
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
"#;

#[test]
fn service_accounts_budgets_network_policies_and_ingresses() {
    require_kubectl!();
    let sim = TestSim::demo();
    let sa = sim.kubectl_ok(&["get", "sa", "-n", "ml-train"]);
    let header: Vec<&str> = sa.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "SECRETS", "AGE"], "{sa}");
    assert!(sa.lines().any(|l| l.split_whitespace().take(2).eq(["default", "0"])), "{sa}");
    // `kubectl create namespace` sends protobuf, which the sim does not read yet: apply the manifest instead.
    let ns = write(&sim, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-new\n");
    sim.kubectl_ok(&["apply", "-f", &ns]);
    let fresh = sim.eventually(Duration::from_secs(10), || {
        let out = sim.kubectl(&["get", "sa", "default", "-n", "team-new"]);
        out.status.success().then_some(())
    });
    assert!(fresh.is_some(), "a new namespace gets its default ServiceAccount");

    let file = write(&sim, "policies.yaml", POLICIES);
    let applied = sim.kubectl_ok(&["apply", "-f", &file]);
    for line in [
        "poddisruptionbudget.policy/web created",
        "networkpolicy.networking.k8s.io/web-ingress created",
        "ingressclass.networking.k8s.io/internal created",
        "ingress.networking.k8s.io/web created",
    ] {
        assert!(applied.contains(line), "{line}: {applied}");
    }
    let status = sim.eventually(Duration::from_secs(10), || {
        let s = sim.kubectl_ok(&["get", "pdb", "web", "-n", "ml-serve", "-o", "jsonpath={.status.expectedPods} {.status.currentHealthy} {.status.desiredHealthy} {.status.disruptionsAllowed}"]);
        (!s.trim().is_empty()).then_some(s)
    });
    let status = status.expect("the budget gets a status");
    let n: Vec<i64> = status.split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert_eq!(n[2], (n[0] + 1) / 2, "50% of {} rounded up", n[0]);
    assert_eq!(n[3], (n[1] - n[2]).max(0), "{status}");
    let pdb = sim.kubectl_ok(&["get", "pdb", "-n", "ml-serve"]);
    let header: Vec<&str> = pdb.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED", "DISRUPTIONS", "AGE"], "{pdb}");
    let row: Vec<&str> = pdb.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[..4], ["web", "50%", "N/A", n[3].to_string().as_str()], "{pdb}");

    // The demo has its own policy, class and Ingress beside these.
    let row = |table: &str, name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    };
    let netpol = sim.kubectl_ok(&["get", "netpol", "-n", "ml-serve"]);
    assert!(row(&netpol, "web-ingress").is_some_and(|r| r[..2] == ["web-ingress", "app=web"]), "{netpol}");
    let classes = sim.kubectl_ok(&["get", "ingressclass"]);
    assert!(
        row(&classes, "internal").is_some_and(|r| r[..3] == ["internal", "k8s.io/ingress-nginx", "<none>"]),
        "{classes}"
    );
    let ing = sim.kubectl_ok(&["get", "ing", "-n", "ml-serve"]);
    let header: Vec<&str> = ing.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"], "{ing}");
    let web = row(&ing, "web").unwrap_or_else(|| panic!("{ing}"));
    assert_eq!(web[..5], ["web", "internal", "web.example.com", "80,", "443"], "{ing}");
    let describe = sim.kubectl_ok(&["describe", "ingress", "web", "-n", "ml-serve"]);
    assert!(describe.contains("web.example.com") && describe.contains("web:80"), "{describe}");
}
