//! The demo's Helm releases, kept as Helm 3 keeps them (Secrets of type `helm.sh/release.v1`, gzipped JSON): the GPU
//! operator deployed, a model-serving release whose third revision failed (its Deployment in ImagePullBackOff), and
//! one stuck in `pending-upgrade` since its helm process died. Each manifest is its live object as the scenario made
//! it, so the release's objects are in sync; earlier revisions differ in the image.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::Builder;
use crate::model::helm;
use crate::sim::{clock, resources};

/// One revision to record: its chart version, app version (the image tag), status, description and age.
struct Rev {
    chart: &'static str,
    app: &'static str,
    status: &'static str,
    description: &'static str,
    age: f64,
}

const DAY: f64 = 86400.0;

impl Builder<'_> {
    pub(super) fn helm_releases(&mut self) {
        let complete = "Upgrade complete";
        self.release(
            "gpu-operator",
            "gpu-operator",
            "nvcr.io/nvidia/gpu-operator",
            &[
                Rev {
                    chart: "v24.6.2",
                    app: "v24.6.2",
                    status: "superseded",
                    description: "Install complete",
                    age: 30.0 * DAY,
                },
                Rev { chart: "v24.9.0", app: "v24.9.0", status: "deployed", description: complete, age: 12.0 * DAY },
            ],
        );
        self.release(
            "ml-serve",
            "reranker",
            "ghcr.io/acme-ml/reranker",
            &[
                Rev {
                    chart: "0.3.0",
                    app: "2.3.0",
                    status: "superseded",
                    description: "Install complete",
                    age: 9.0 * DAY,
                },
                Rev { chart: "0.4.0", app: "2.4.0", status: "deployed", description: complete, age: 2.0 * DAY },
                Rev {
                    chart: "0.4.1",
                    app: "2.4.1",
                    status: "failed",
                    description: "Upgrade \"reranker\" failed: timed out waiting for the condition",
                    age: 20.0 * 60.0,
                },
            ],
        );
        self.release(
            "ml-serve",
            "web",
            "ghcr.io/acme-ml/web",
            &[
                Rev {
                    chart: "5.1.0",
                    app: "5.1.0",
                    status: "superseded",
                    description: "Install complete",
                    age: 20.0 * DAY,
                },
                Rev { chart: "5.2.0", app: "5.2.0", status: "superseded", description: complete, age: 6.0 * DAY },
                Rev { chart: "5.2.1", app: "5.2.1", status: "deployed", description: complete, age: 2.0 * DAY },
                Rev {
                    chart: "5.3.0",
                    app: "5.2.1",
                    status: "pending-upgrade",
                    description: "Preparing upgrade",
                    age: 25.0 * 60.0,
                },
            ],
        );
    }

    /// Records `revisions` of the release named after its Deployment; the last one's manifest is the live object.
    fn release(&mut self, namespace: &str, name: &str, repository: &str, revisions: &[Rev]) {
        let key = (resources::DEPLOYMENTS, namespace.to_string(), name.to_string());
        let Some(live) = self.store.get(&key).map(|s| s.value()) else { return };
        let first_deployed = self.ago(revisions[0].age);
        for (i, rev) in revisions.iter().enumerate() {
            let mut object = json!({"apiVersion": live["apiVersion"], "kind": live["kind"],
                "metadata": {"name": name, "labels": live["metadata"]["labels"]}, "spec": live["spec"]});
            let image = format!("{repository}:{}", rev.app);
            object["spec"]["template"]["spec"]["containers"][0]["image"] = Value::String(image.clone());
            let yaml = serde_saphyr::to_string(&object).unwrap_or_default();
            let template = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n";
            let revision = i as i64 + 1;
            let record = json!({
                "name": name, "namespace": namespace, "version": revision,
                "info": {"first_deployed": first_deployed, "last_deployed": self.ago(rev.age), "deleted": "",
                    "description": rev.description, "status": rev.status,
                    "notes": format!("{name} {} is serving in {namespace}.\nkubectl -n {namespace} get deploy {name}\n", rev.app)},
                "chart": {
                    "metadata": {"apiVersion": "v2", "name": name, "version": rev.chart, "appVersion": rev.app,
                        "description": format!("{name} for the GPU cluster"), "type": "application"},
                    "lock": null,
                    "templates": [{"name": "templates/deployment.yaml", "data": STANDARD.encode(template)}],
                    "values": {"image": {"repository": repository, "tag": "latest", "pullPolicy": "IfNotPresent"},
                        "replicas": 1, "resources": {}, "nodeSelector": {}},
                    "schema": null, "files": []},
                "config": {"image": {"tag": rev.app}, "replicas": live["spec"]["replicas"]},
                "manifest": format!("---\n# Source: {name}/templates/deployment.yaml\n{yaml}"),
                "hooks": [{"name": format!("{name}-preflight"), "kind": "Job",
                    "path": format!("{name}/templates/preflight-job.yaml"),
                    "manifest": format!("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}-preflight\n  annotations:\n    helm.sh/hook: pre-upgrade\n"),
                    "events": ["pre-upgrade"], "last_run": {"started_at": self.ago(rev.age + 30.0),
                        "completed_at": self.ago(rev.age + 10.0), "phase": "Succeeded"},
                    "weight": -5, "delete_policies": ["before-hook-creation"]}],
            });
            let modified = (self.now - rev.age) as i64;
            let labels = helm::record_labels(name, rev.status, revision, modified);
            self.put(
                resources::SECRETS,
                json!({"apiVersion": "v1", "kind": "Secret", "type": helm::SECRET_TYPE,
                "metadata": {"name": helm::record_name(name, revision), "namespace": namespace, "labels": labels,
                    "creationTimestamp": clock::rfc3339(modified)},
                "data": {"release": STANDARD.encode(helm::encode(&record))}}),
            );
        }
    }
}
