//! The demo's custom resources: a Kubeflow-style PyTorchJob CRD with printer columns, and three jobs of it (one
//! failed, one without workers), so `:pytorchjobs` and `:crd` have something real to show.

use serde_json::json;

use super::Builder;
use crate::sim::resources;

impl Builder<'_> {
    pub(super) fn training_jobs(&self) {
        const DAY: f64 = 86400.0;
        let mut crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "pytorchjobs.kubeflow.org", "creationTimestamp": self.ago(30.0 * DAY)},
            "spec": {"group": "kubeflow.org", "scope": "Namespaced",
                "names": {"plural": "pytorchjobs", "singular": "pytorchjob", "kind": "PyTorchJob"},
                "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                    "additionalPrinterColumns": [
                        {"name": "State", "type": "string", "jsonPath": ".status.state"},
                        {"name": "GPUs", "type": "integer", "jsonPath": ".spec.gpus"},
                        {"name": "Workers", "type": "integer", "jsonPath": ".spec.pytorchReplicaSpecs.Worker.replicas"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}});
        crate::sim::crd::default(&mut crd);
        self.put(resources::CRDS, crd.clone());
        let Some(definition) = crate::sim::crd::definition(&crd) else { return };
        let pytorchjobs = resources::intern(definition);
        let image = "nvcr.io/nvidia/pytorch:24.12-py3";
        let replicas = |n: u32| json!({"replicas": n, "template": {"spec": {"containers": [{"name": "pytorch", "image": image}]}}});
        for (name, state, gpus, workers, age) in [
            ("llama3-sft", "Running", 16, Some(2), 0.3),
            ("mixtral-dpo", "Failed", 8, Some(1), 1.5),
            ("bert-base-eval", "Succeeded", 1, None, 4.0),
        ] {
            let mut spec = json!({"gpus": gpus, "pytorchReplicaSpecs": {"Master": replicas(1)}});
            if let Some(workers) = workers {
                spec["pytorchReplicaSpecs"]["Worker"] = replicas(workers);
            }
            self.put(
                pytorchjobs,
                json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
                "metadata": {"name": name, "namespace": "ml-train", "creationTimestamp": self.ago(age * DAY)},
                "spec": spec, "status": {"state": state}}),
            );
        }
    }
}
