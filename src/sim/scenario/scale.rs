//! The `scale` scenario: as many nodes and pods as asked, in deployments spread over 50 namespaces.

use super::{Builder, Pods};
use crate::sim::dcgm;

impl Builder<'_> {
    /// `nodes` nodes (80 % 8×H100) and about `pods` pods in deployments of up to 100 replicas over 50 namespaces.
    pub fn scale(&mut self, nodes: usize, pods: usize) {
        const DAY: f64 = 86400.0;
        let namespaces: Vec<String> = (0..50).map(|i| format!("team-{i:02}")).collect();
        for ns in ["default", "kube-system", "kube-node-lease", "gpu-operator"]
            .iter()
            .map(|s| s.to_string())
            .chain(namespaces.iter().cloned())
        {
            self.namespace(&ns, 90.0);
        }
        let gpu_nodes = nodes * 4 / 5;
        for i in 0..nodes {
            if i < gpu_nodes {
                self.node(&format!("gpu-{i:04}"), "h100", 8, "NVIDIA-H100-80GB-HBM3", true, false, false, 60.0);
            } else {
                self.node(&format!("cpu-{i:04}"), "cpu", 0, "", true, false, i == gpu_nodes, 60.0);
            }
        }
        self.service(dcgm::NAMESPACE, dcgm::SERVICE, dcgm::PORT, 60.0 * DAY);
        // GPU deployments fill about 60 % of the GPUs; every 25th deployment is a small failing one.
        let gpu_budget = gpu_nodes * 8 * 3 / 5;
        let (mut left, mut gpu_used, mut i) = (pods, 0usize, 0usize);
        while left > 0 {
            let ns = namespaces[i % namespaces.len()].clone();
            let age = (1.0 + (i % 30) as f64) * DAY;
            let mut spec = Pods::new("ghcr.io/acme-ml/feature-api:3.1.0");
            let mut replicas = left.min(100);
            if i % 25 == 24 {
                replicas = left.min(5);
                spec = if i % 50 == 49 {
                    Pods::new("ghcr.io/acme-ml/reranker:2.4.1")
                } else {
                    Pods::new("ghcr.io/acme-ml/tokenizer:0.9.1").behavior("crashloop")
                };
                spec = spec.pool("cpu");
            } else if gpu_used + replicas <= gpu_budget && i % 3 == 0 {
                spec = Pods::new("ghcr.io/acme-ml/llm-server:1.9.1").gpus(1, "h100");
                gpu_used += replicas;
            } else {
                spec = spec.pool("cpu");
            }
            self.deployment(&ns, &format!("svc-{i:04}"), replicas as i64, &spec, age);
            left -= replicas;
            i += 1;
        }
    }
}
