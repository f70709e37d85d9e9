//! The `demo` scenario: a small GPU cluster in three pools with every failure state the triage pane ranks (the
//! fabric between the pods, from CNI to certificates, in fabric.rs).

use serde_json::json;

use super::rollouts::Write;
use super::{Builder, Pods, fabric};
use crate::sim::resources;
use crate::sim::{dcgm, defaults, prometheus};

/// Triton's HTTP, gRPC and metrics ports, as its Helm chart names them.
const TRITON_PORTS: &[(&str, u16)] = &[("http", 8000), ("grpc", 8001), ("metrics", 8002)];
const HTTP_8080: &[(&str, u16)] = &[("http", 8080)];
const NOTEBOOK_PORTS: &[(&str, u16)] = &[("http", 8888)];

impl Builder<'_> {
    /// About 12 nodes in three pools and ~150 pods with every failure state the triage pane ranks.
    pub fn demo(&mut self) {
        const DAY: f64 = 86400.0;
        for ns in [
            "default",
            "kube-system",
            "kube-node-lease",
            "gpu-operator",
            "monitoring",
            "ingress-nginx",
            "ml-train",
            "ml-serve",
        ] {
            self.namespace(ns, 41.0);
        }
        self.node("cpu-01", "system", 0, "", true, false, true, 41.0);
        self.node("cpu-02", "cpu", 0, "", true, false, false, 41.0);
        self.node("cpu-03", "cpu", 0, "", true, true, false, 12.0);
        for i in 1..=5 {
            self.node(
                &format!("gpu-h100-{i:02}"),
                "h100",
                8,
                "NVIDIA-H100-80GB-HBM3",
                true,
                false,
                false,
                30.0 - f64::from(i),
            );
        }
        for i in 1..=4 {
            self.node(&format!("gpu-a100-{i:02}"), "a100", 4, "NVIDIA-A100-SXM4-80GB", i != 4, false, false, 60.0);
        }
        // One node's kubelet lags the control plane by a minor version.
        self.kubelet_version("gpu-h100-05", "v1.31.9");
        let mut kube_proxy = Self::daemon_template("kube-proxy", "registry.k8s.io/kube-proxy:v1.32.4", &[], false);
        kube_proxy["spec"]["hostNetwork"] = serde_json::Value::Bool(true);
        self.per_node("kube-system", "kube-proxy", kube_proxy, 41.0 * DAY, None);
        // Before any pod that needs a network: calico-node is down on cpu-02.
        self.calico();
        let device_plugin = Self::daemon_template(
            "nvidia-device-plugin-daemonset",
            "nvcr.io/nvidia/k8s-device-plugin:v0.16.2",
            &[],
            true,
        );
        self.per_node("gpu-operator", "nvidia-device-plugin-daemonset", device_plugin, 30.0 * DAY, None);
        let exporter = Self::daemon_template(
            dcgm::SERVICE,
            "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04",
            &[("metrics", dcgm::PORT)],
            true,
        );
        self.per_node("gpu-operator", dcgm::SERVICE, exporter, 30.0 * DAY, None);
        self.put(resources::STORAGE_CLASSES, json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}, "creationTimestamp": self.ago(41.0 * DAY)},
            "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3"}, "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate", "allowVolumeExpansion": true}));
        // The binder provisions its volume when the controllers start.
        let mut claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "datasets", "namespace": "ml-train", "creationTimestamp": self.ago(20.0 * DAY)},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Gi"}}}});
        defaults::apply(resources::PVCS, &mut claim);
        self.put(resources::PVCS, claim);
        self.claims_at_risk();
        self.training_jobs();
        self.service(dcgm::NAMESPACE, dcgm::SERVICE, dcgm::PORT, 30.0 * DAY);
        self.service(prometheus::NAMESPACE, prometheus::SERVICE, prometheus::PORT, 30.0 * DAY);
        self.deployment(
            "kube-system",
            "coredns",
            2,
            &Pods::new("registry.k8s.io/coredns/coredns:v1.11.3").pool("system").log("system"),
            41.0 * DAY,
        );
        self.deployment(
            "kube-system",
            "metrics-server",
            1,
            &Pods::new("registry.k8s.io/metrics-server/metrics-server:v0.7.2").log("system"),
            41.0 * DAY,
        );
        self.deployment(
            "gpu-operator",
            "gpu-operator",
            1,
            &Pods::new("nvcr.io/nvidia/gpu-operator:v24.9.0").log("system"),
            30.0 * DAY,
        );

        // Training first: it holds most H100s, which leaves the 70B eval unschedulable.
        self.job(
            "ml-train",
            "llama3-finetune",
            4,
            4,
            &Pods::new("nvcr.io/nvidia/pytorch:24.12-py3")
                .gpus(8, "h100")
                .job(8 * 3600)
                .claims(&[(fabric::CHECKPOINTS, "/checkpoints")]),
            2.0 * 3600.0,
        );
        for (i, age_min) in [(1, 95.0), (2, 70.0), (3, 40.0), (4, 18.0), (5, 9.0), (6, 3.0)] {
            self.job(
                "ml-train",
                &format!("resnet-sweep-{i:02}"),
                1,
                2,
                &Pods::new("ghcr.io/acme-ml/trainer:0.15.0").gpus(1, "a100").job(1500 - i * 120),
                age_min * 60.0,
            );
        }
        for day in 1..=10u32 {
            self.job(
                "ml-train",
                &format!("data-prep-202611{:02}", 25 - day),
                3,
                2,
                &Pods::new("ghcr.io/acme-ml/trainer:0.15.0").pool("cpu").job(1400),
                f64::from(day) * DAY,
            );
        }
        self.cronjob(
            "ml-train",
            "nightly-eval",
            "0 3 * * *",
            false,
            &Pods::new("ghcr.io/acme-ml/trainer:0.15.0").pool("cpu").job(600),
            20.0 * DAY,
        );
        self.cronjob(
            "ml-train",
            "checkpoint-gc",
            "*/30 * * * *",
            true,
            &Pods::new("ghcr.io/acme-ml/tokenizer:0.9.1").pool("cpu").job(60),
            6.0 * DAY,
        );
        self.job(
            "ml-train",
            "bert-pretrain-bad-config",
            1,
            2,
            &Pods::new("ghcr.io/acme-ml/trainer:0.15.0").gpus(1, "a100").job(90).behavior("fail"),
            5.0 * 3600.0,
        );
        self.job(
            "ml-train",
            "eval-nightly",
            2,
            2,
            &Pods::new("ghcr.io/acme-ml/trainer:0.15.0").pool("cpu").job(240),
            30.0,
        );
        self.statefulset(
            "ml-train",
            "notebook",
            8,
            &Pods::new("quay.io/jupyter/pytorch-notebook:2024-11-19").pool("cpu").log("system").ports(NOTEBOOK_PORTS),
            9.0 * DAY,
        );
        self.service_to("ml-train", "notebook", "notebook", &[("http", 8888, 8888)], 9.0 * DAY);

        // Four revisions, each pushed by the CI pipeline's service account; the first one's tag has since been
        // deleted from the registry.
        let llm = |tag: &str| {
            Pods::new(&format!("ghcr.io/acme-ml/llm-server:{tag}")).gpus(1, "h100").ports(&[("http", 8000)])
        };
        let ci = |tag: &str, pipeline: u32| {
            format!("CI pipeline {pipeline} as system:serviceaccount:ci:deployer: llm-server {tag}")
        };
        self.rolled_out(
            "ml-serve",
            "llm-inference",
            6,
            &[
                Write { pods: llm("1.7.4"), manager: "ci-deploy", cause: ci("1.7.4", 4711), age: 24.0 * DAY },
                Write { pods: llm("1.8.0"), manager: "ci-deploy", cause: ci("1.8.0", 4760), age: 15.0 * DAY },
                Write { pods: llm("1.9.0"), manager: "ci-deploy", cause: ci("1.9.0", 4795), age: 9.0 * DAY },
                Write { pods: llm("1.9.1"), manager: "ci-deploy", cause: ci("1.9.1", 4812), age: 6.0 * DAY },
            ],
        );
        self.deployment(
            "ml-serve",
            "embeddings",
            4,
            &Pods::new("nvcr.io/nvidia/tritonserver:24.12-py3").gpus(1, "a100").ports(TRITON_PORTS),
            12.0 * DAY,
        );
        // Its Helm release's upgrades, as the Deployment saw them: the last one is stuck on a tag never pushed.
        let reranker =
            |tag: &str| Pods::new(&format!("ghcr.io/acme-ml/reranker:{tag}")).gpus(1, "a100").ports(HTTP_8080);
        let upgrade = |tag: &str| format!("helm upgrade reranker --set image.tag={tag}");
        self.rolled_out(
            "ml-serve",
            "reranker",
            2,
            &[
                Write { pods: reranker("2.3.0"), manager: "helm", cause: upgrade("2.3.0"), age: 9.0 * DAY },
                Write { pods: reranker("2.4.0"), manager: "helm", cause: upgrade("2.4.0"), age: 2.0 * DAY },
                Write { pods: reranker("2.4.1"), manager: "helm", cause: upgrade("2.4.1"), age: 25.0 * 60.0 },
            ],
        );
        self.deployment(
            "ml-serve",
            "tokenizer",
            2,
            &Pods::new("ghcr.io/acme-ml/tokenizer:0.9.1").pool("cpu").behavior("crashloop").ports(HTTP_8080),
            3.0 * 3600.0,
        );
        self.deployment(
            "ml-serve",
            "llm-70b-eval",
            1,
            &Pods::new("ghcr.io/acme-ml/llm-server:1.9.1").gpus(8, "h100").ports(&[("http", 8000)]),
            50.0 * 60.0,
        );
        self.deployment(
            "ml-serve",
            "feature-api",
            12,
            &Pods::new("ghcr.io/acme-ml/feature-api:3.1.0").pool("cpu").ports(HTTP_8080).cpu_usage("455m"),
            20.0 * DAY,
        );
        self.deployment(
            "ml-serve",
            "web",
            10,
            &Pods::new("ghcr.io/acme-ml/web:5.2.1").pool("cpu").ports(HTTP_8080),
            2.0 * DAY,
        );
        // Credentials, to show that Secret values stay masked until asked for.
        self.put(resources::SECRETS, json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "vector-db-credentials", "namespace": "ml-serve", "creationTimestamp": self.ago(33.0 * DAY)},
            "data": {"username": "dmVjdG9y", "password": "czNjcjN0LXZlY3Rvci1kYg=="}}));
        // An autoscaler owns feature-api's replicas (scaling it by hand gets a warning), and has been pinned at its
        // maximum for 40 minutes.
        self.pinned_autoscaler();
        self.gateway();
        self.network_policies();
        self.statefulset(
            "ml-serve",
            "vector-db",
            3,
            &Pods::new("ghcr.io/acme-ml/vector-db:1.4.2").pool("cpu").ports(&[("http", 6333)]),
            33.0 * DAY,
        );
        self.statefulset(
            "ml-serve",
            "feature-cache",
            1,
            &Pods::new("ghcr.io/acme-ml/vector-db:1.4.2").pool("cpu").behavior("oom"),
            4.0 * DAY,
        );
        self.helm_releases();
    }
}
