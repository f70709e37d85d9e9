//! The demo's fabric between the pods, each with one thing wrong: Calico (down on cpu-02, so new pods there get no
//! sandbox), the `llm-gateway` Ingress (its Service selects no pod, its certificate expires in 9 days), claims (one
//! on a missing class, one 93 % full), network policies (a default deny and an allow) and an autoscaler pinned at
//! its maximum.

use serde_json::{Value, json};

use super::Builder;
use crate::sim::rng::Rng;
use crate::sim::workloads::Action;
use crate::sim::{defaults, kubelet, resources, stats, storage, tls};

const DAY: f64 = 86400.0;
/// The checkpoint claim the llama3 fine-tune writes to.
pub const CHECKPOINTS: &str = "checkpoints";
const CALICO_VERSION: &str = "v3.28.2";
/// The node whose calico-node crash-loops, and how long ago its pod was recreated.
const CALICO_BROKEN: (&str, f64) = ("cpu-02", 25.0 * 60.0);
const GATEWAY_HOST: &str = "llm.acme.example";

impl Builder<'_> {
    /// Calico as its manifest installs it: the calico-node DaemonSet on every node, host-network, its install-cni
    /// init container writing the CNI configuration into the host's /etc/cni/net.d.
    pub(super) fn calico(&mut self) {
        let host = |name: &str, path: &str, kind: Option<&str>| {
            let mut v = json!({"name": name, "hostPath": {"path": path}});
            if let Some(k) = kind {
                v["hostPath"]["type"] = json!(k);
            }
            v
        };
        let mount =
            |name: &str, path: &str, read_only: bool| json!({"name": name, "mountPath": path, "readOnly": read_only});
        let template = json!({
        "metadata": {"labels": {"k8s-app": "calico-node"}, "annotations": {crate::sim::logtext::LOG_PROFILE: "system"}},
        "spec": {
            "hostNetwork": true,
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [{"effect": "NoSchedule", "operator": "Exists"}, {"key": "CriticalAddonsOnly", "operator": "Exists"},
                {"effect": "NoExecute", "operator": "Exists"}],
            "serviceAccountName": "calico-node",
            "terminationGracePeriodSeconds": 0,
            "priorityClassName": "system-node-critical",
            "restartPolicy": "Always",
            "initContainers": [{
                "name": "install-cni", "image": format!("docker.io/calico/cni:{CALICO_VERSION}"), "command": ["/opt/cni/bin/install"],
                "env": [{"name": "CNI_CONF_NAME", "value": "10-calico.conflist"}, {"name": "CNI_NET_DIR", "value": kubelet::CNI_CONF_DIR},
                    {"name": "KUBERNETES_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                    {"name": "SLEEP", "value": "false"}],
                "securityContext": {"privileged": true},
                "volumeMounts": [mount("cni-bin-dir", "/host/opt/cni/bin", false), mount("cni-net-dir", "/host/etc/cni/net.d", false)]}],
            "containers": [{
                "name": "calico-node", "image": format!("docker.io/calico/node:{CALICO_VERSION}"),
                "env": [{"name": "DATASTORE_TYPE", "value": "kubernetes"},
                    {"name": "NODENAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
                    {"name": "CALICO_NETWORKING_BACKEND", "value": "bird"}, {"name": "CLUSTER_TYPE", "value": "k8s,bgp"},
                    {"name": "IP", "value": "autodetect"}, {"name": "CALICO_IPV4POOL_IPIP", "value": "Always"},
                    {"name": "CALICO_IPV4POOL_CIDR", "value": "10.244.0.0/16"}, {"name": "FELIX_HEALTHENABLED", "value": "true"}],
                "resources": {"requests": {"cpu": "250m"}},
                "livenessProbe": {"exec": {"command": ["/bin/calico-node", "-felix-live", "-bird-live"]},
                    "periodSeconds": 10, "initialDelaySeconds": 10, "failureThreshold": 6, "timeoutSeconds": 10},
                "readinessProbe": {"exec": {"command": ["/bin/calico-node", "-felix-ready", "-bird-ready"]},
                    "periodSeconds": 10, "timeoutSeconds": 10},
                "securityContext": {"privileged": true},
                "volumeMounts": [mount("cni-net-dir", "/host/etc/cni/net.d", false), mount("lib-modules", "/lib/modules", true),
                    mount("xtables-lock", "/run/xtables.lock", false), mount("var-run-calico", "/var/run/calico", false),
                    mount("var-lib-calico", "/var/lib/calico", false), mount("policysync", "/var/run/nodeagent", false)]}],
            "volumes": [host("lib-modules", "/lib/modules", None), host("var-run-calico", "/var/run/calico", Some("DirectoryOrCreate")),
                host("var-lib-calico", "/var/lib/calico", Some("DirectoryOrCreate")), host("xtables-lock", "/run/xtables.lock", Some("FileOrCreate")),
                host("cni-bin-dir", "/opt/cni/bin", Some("DirectoryOrCreate")), host("cni-net-dir", kubelet::CNI_CONF_DIR, None),
                host("policysync", "/var/run/nodeagent", Some("DirectoryOrCreate"))],
        }});
        self.put(resources::SERVICE_ACCOUNTS, json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "calico-node", "namespace": "kube-system", "creationTimestamp": self.ago(41.0 * DAY)}}));
        self.per_node("kube-system", "calico-node", template, 41.0 * DAY, Some(CALICO_BROKEN));
    }

    /// The public way in to the LLM: ingress-nginx with its class, and the `llm-gateway` Ingress whose Service
    /// selects no pod and whose certificate (from a throwaway internal CA) expires in 9 days.
    pub(super) fn gateway(&mut self) {
        let lb = "a3f6c2e19b7d44c8a1e05d2b9c7f3e81-1742539822.us-east-1.elb.amazonaws.com";
        self.put(resources::INGRESS_CLASSES, json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": {"name": "nginx", "creationTimestamp": self.ago(41.0 * DAY),
                "annotations": {"ingressclass.kubernetes.io/is-default-class": "true"}, "labels": {"app.kubernetes.io/name": "ingress-nginx"}},
            "spec": {"controller": "k8s.io/ingress-nginx"}}));
        self.deployment(
            "ingress-nginx",
            "ingress-nginx-controller",
            1,
            &super::Pods::new("registry.k8s.io/ingress-nginx/controller:v1.11.3")
                .pool("system")
                .log("system")
                .ports(&[("http", 80), ("https", 443)]),
            41.0 * DAY,
        );
        self.put(resources::SERVICES, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "ingress-nginx-controller", "namespace": "ingress-nginx", "creationTimestamp": self.ago(41.0 * DAY),
                "labels": {"app": "ingress-nginx-controller"},
                "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}},
            "spec": {"type": "LoadBalancer", "clusterIP": "10.96.31.80", "clusterIPs": ["10.96.31.80"], "externalTrafficPolicy": "Local",
                "selector": {"app": "ingress-nginx-controller"}, "sessionAffinity": "None", "healthCheckNodePort": 32108,
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 31080, "protocol": "TCP"},
                          {"name": "https", "port": 443, "targetPort": "https", "nodePort": 31443, "protocol": "TCP"}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": lb}]}}}));
        // The gateway's pods were renamed away: its Service selects nothing, so it has no endpoints.
        self.service_to("ml-serve", "llm-gateway", "llm-gateway", &[("http", 80, 8080)], 6.0 * DAY);
        self.tls_secret("ml-serve", "llm-gateway-tls", GATEWAY_HOST, 81.0 * DAY, 9.0 * DAY);
        self.put(resources::INGRESSES, json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "llm-gateway", "namespace": "ml-serve", "generation": 1, "creationTimestamp": self.ago(6.0 * DAY),
                "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "16m", "nginx.ingress.kubernetes.io/proxy-read-timeout": "300"}},
            "spec": {"ingressClassName": "nginx",
                "tls": [{"hosts": [GATEWAY_HOST], "secretName": "llm-gateway-tls"}],
                "rules": [{"host": GATEWAY_HOST, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                    "backend": {"service": {"name": "llm-gateway", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": lb}]}}}));
    }

    /// A `kubernetes.io/tls` Secret for `host` issued `issued` seconds ago and expiring in `expires` seconds.
    fn tls_secret(&mut self, ns: &str, name: &str, host: &str, issued: f64, expires: f64) {
        let mut rng = Rng::new(self.rng.next_u64());
        let (from, to) = ((self.now - issued) as i64, (self.now + expires) as i64);
        let issued_cert = match tls::issue(&mut rng, "Acme Internal Issuing CA", host, from, to) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("scenario certificate not issued: {e:#}");
                return;
            }
        };
        use base64::Engine;
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        self.put(resources::SECRETS, json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": self.ago(issued),
                "annotations": {"cert-manager.io/issuer-name": "acme-internal-ca", "cert-manager.io/issuer-kind": "ClusterIssuer",
                    "cert-manager.io/common-name": host, "cert-manager.io/alt-names": host}},
            "data": {"tls.crt": b64(&issued_cert.cert_pem), "tls.key": b64(&issued_cert.key_pem), "ca.crt": b64(&issued_cert.ca_pem)}}));
    }

    /// Claims in trouble: `scratch-fast` asks for a class that does not exist, and `checkpoints` (FSx for Lustre,
    /// shared by the fine-tune's pods) is 93 % full.
    pub(super) fn claims_at_risk(&mut self) {
        self.put(resources::STORAGE_CLASSES, json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "fsx-lustre", "creationTimestamp": self.ago(30.0 * DAY)},
            "provisioner": "fsx.csi.aws.com", "reclaimPolicy": "Retain", "volumeBindingMode": "Immediate", "mountOptions": ["flock"],
            "parameters": {"deploymentType": "PERSISTENT_2", "perUnitStorageThroughput": "250", "subnetId": "subnet-0a1b2c3d4e5f67890",
                "securityGroupIds": "sg-0123456789abcdef0"}}));
        let mut scratch = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "scratch-fast", "namespace": "ml-train", "creationTimestamp": self.ago(3.0 * 3600.0)},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast-nvme", "resources": {"requests": {"storage": "1Ti"}}}});
        defaults::apply(resources::PVCS, &mut scratch);
        self.put(resources::PVCS, scratch);
        let mut claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": CHECKPOINTS, "namespace": "ml-train", "creationTimestamp": self.ago(30.0 * DAY),
                "annotations": {stats::USED_PERCENT: "93"}},
            "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "fsx-lustre", "resources": {"requests": {"storage": "2400Gi"}}}});
        defaults::apply(resources::PVCS, &mut claim);
        let Some(stored) = self.put(resources::PVCS, claim) else { return };
        // Bound long ago, by the binder's own pass.
        let classes: Vec<Value> = {
            let (_, objects) = self.store.snapshot();
            objects.range(crate::sim::store::range(resources::STORAGE_CLASSES, None)).map(|(_, c)| c.value()).collect()
        };
        let rv = super::resource_version(&stored);
        for action in storage::reconcile_claim(&stored, rv, &classes, None, true) {
            match action {
                Action::Create(res, mut pv) => {
                    pv["metadata"]["creationTimestamp"] = json!(self.ago(30.0 * DAY));
                    self.put(res, pv);
                }
                Action::Update(res, pvc, rv) => {
                    let _ = self.store.replace(res, pvc, rv);
                }
                _ => {}
            }
        }
    }

    /// Both shapes of policy: ml-train denies all ingress (its notebook Service has ready endpoints no policy
    /// admits traffic to), ml-serve lets the ingress controller's namespace reach the LLM servers.
    pub(super) fn network_policies(&mut self) {
        self.put(resources::NETWORK_POLICIES, json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny-ingress", "namespace": "ml-train", "generation": 1, "creationTimestamp": self.ago(2.0 * DAY)},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}));
        self.put(resources::NETWORK_POLICIES, json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "allow-gateway", "namespace": "ml-serve", "generation": 1, "creationTimestamp": self.ago(6.0 * DAY)},
            "spec": {"podSelector": {"matchLabels": {"app": "llm-inference"}}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                    "ports": [{"protocol": "TCP", "port": 8000}]}]}}));
    }

    /// feature-api's autoscaler, its CPU far above target and its replicas at the maximum for the last 40 minutes.
    pub(super) fn pinned_autoscaler(&mut self) {
        let since = self.ago(20.0 * DAY);
        let pinned = self.ago(40.0 * 60.0);
        let cond = |kind: &str, reason: &str, message: &str, at: &str| json!({"type": kind, "status": "True", "reason": reason, "message": message, "lastTransitionTime": at});
        let mut hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "feature-api", "namespace": "ml-serve", "creationTimestamp": since},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "feature-api"},
                "minReplicas": 4, "maxReplicas": 12,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
            "status": {"currentReplicas": 12, "desiredReplicas": 12, "lastScaleTime": pinned,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "455m", "averageUtilization": 182}}}],
                "conditions": [
                    cond("AbleToScale", "ReadyForNewScale", "recommended size matches current size", &since),
                    cond("ScalingActive", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", &since),
                    cond("ScalingLimited", "TooManyReplicas", "the desired replica count is more than the maximum replica count", &pinned)]}});
        defaults::apply(resources::HPAS, &mut hpa);
        self.put(resources::HPAS, hpa);
    }
}
