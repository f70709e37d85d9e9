//! Starting points for new objects (`:new KIND`): a Deployment, a GPU training Job, a ConfigMap, a Service.

/// The template names `:new` completes.
pub const NAMES: [&str; 4] = ["deployment", "gpu-job", "configmap", "service"];

/// The YAML for template `name` in namespace `namespace`, or None for an unknown name.
pub fn render(name: &str, namespace: &str) -> Option<String> {
    let body = match name {
        "deployment" => DEPLOYMENT,
        "gpu-job" => GPU_JOB,
        "configmap" => CONFIGMAP,
        "service" => SERVICE,
        _ => return None,
    };
    Some(body.replace("NAMESPACE", namespace))
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-app
  namespace: NAMESPACE
spec:
  replicas: 2
  selector:
    matchLabels:
      app: my-app
  template:
    metadata:
      labels:
        app: my-app
    spec:
      containers:
      - name: app
        image: registry.example:5000/my-app:1.0
        ports:
        - containerPort: 8080
        resources:
          requests:
            cpu: 250m
            memory: 256Mi
";

const GPU_JOB: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: train
  namespace: NAMESPACE
spec:
  completions: 1
  parallelism: 1
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      tolerations:
      - key: nvidia.com/gpu
        operator: Exists
        effect: NoSchedule
      containers:
      - name: trainer
        image: nvcr.io/nvidia/pytorch:24.10-py3
        command: [python, train.py]
        resources:
          limits:
            nvidia.com/gpu: 1
";

const CONFIGMAP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: my-config
  namespace: NAMESPACE
data:
  LOG_LEVEL: info
";

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: my-app
  namespace: NAMESPACE
spec:
  selector:
    app: my-app
  ports:
  - port: 80
    targetPort: 8080
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{KnownKinds, check};

    #[test]
    fn every_template_is_a_valid_manifest_in_the_namespace_asked_for() {
        for name in NAMES {
            let text = render(name, "ml").unwrap();
            let lines: Vec<String> = text.lines().map(String::from).collect();
            let checked = check(&lines, &KnownKinds::new());
            assert!(checked.problems.is_empty(), "{name}: {:?}", checked.problems);
            assert_eq!(checked.documents[0].value["metadata"]["namespace"], "ml", "{name}");
        }
        assert_eq!(render("gadget", "ml"), None);
    }
}
