//! Tables for ServiceAccounts, PodDisruptionBudgets, NetworkPolicies, Ingresses and IngressClasses, as
//! kube-apiserver 1.32's printers.go prints them; no IO.

use serde_json::{Value, json};

use super::{AGE, Column, NAME, age, at, column, list, name, text};

pub const SERVICE_ACCOUNT_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Secrets",
        "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret",
    ),
    AGE,
];

pub const PDB_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Min Available",
        "string",
        "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
    ),
    column(
        "Max Unavailable",
        "string",
        "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\".",
    ),
    column("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    AGE,
];

pub const NETWORK_POLICY_COLUMNS: &[Column] = &[
    NAME,
    column(
        "Pod-Selector",
        "string",
        "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.",
    ),
    AGE,
];

pub const INGRESS_COLUMNS: &[Column] = &[
    NAME,
    column("Class", "string", "The name of the IngressClass resource used by this Ingress"),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    AGE,
];

pub const INGRESS_CLASS_COLUMNS: &[Column] = &[
    NAME,
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    AGE,
];

pub fn service_account_cells(sa: &Value, now: i64) -> Vec<Value> {
    vec![name(sa), json!(list(sa, "/secrets").len()), age(sa, now)]
}

fn int_or_string(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => "N/A".into(),
    }
}

pub fn pdb_cells(pdb: &Value, now: i64) -> Vec<Value> {
    vec![
        name(pdb),
        json!(int_or_string(at(pdb, "/spec/minAvailable"))),
        json!(int_or_string(at(pdb, "/spec/maxUnavailable"))),
        json!(at(pdb, "/status/disruptionsAllowed").as_i64().unwrap_or(0)),
        age(pdb, now),
    ]
}

fn hosts(ingress: &Value) -> String {
    let rules = list(ingress, "/spec/rules");
    let named: Vec<&str> = rules.iter().map(|r| text(r, "/host")).filter(|h| !h.is_empty()).collect();
    if named.is_empty() {
        return "*".into();
    }
    if rules.len() > 3 {
        let shown: Vec<&str> = rules.iter().take(3).map(|r| text(r, "/host")).filter(|h| !h.is_empty()).collect();
        return format!("{} + {} more...", shown.join(","), rules.len() - 3);
    }
    named.join(",")
}

/// ingressLoadBalancerStatusStringer without wide output: addresses comma-joined, cut at 16 characters.
fn address(ingress: &Value) -> String {
    let all: Vec<&str> = list(ingress, "/status/loadBalancer/ingress")
        .iter()
        .filter_map(|i| i["ip"].as_str().filter(|s| !s.is_empty()).or_else(|| i["hostname"].as_str()))
        .collect();
    let joined = all.join(",");
    if joined.len() > 16 { format!("{}...", &joined[..13]) } else { joined }
}

pub fn ingress_cells(ingress: &Value, now: i64) -> Vec<Value> {
    let class = at(ingress, "/spec/ingressClassName").as_str().unwrap_or("<none>");
    let ports = if list(ingress, "/spec/tls").is_empty() { "80" } else { "80, 443" };
    vec![name(ingress), json!(class), json!(hosts(ingress)), json!(address(ingress)), json!(ports), age(ingress, now)]
}

pub fn ingress_class_cells(class: &Value, now: i64) -> Vec<Value> {
    let params = at(class, "/spec/parameters");
    let parameters = if params.is_object() {
        let kind = match text(params, "/apiGroup") {
            "" => text(params, "/kind").to_string(),
            group => format!("{}.{group}", text(params, "/kind")),
        };
        format!("{kind}/{}", text(params, "/name"))
    } else {
        "<none>".into()
    };
    vec![name(class), json!(text(class, "/spec/controller")), json!(parameters), age(class, now)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_cells() {
        let pdb =
            json!({"metadata": {"name": "web"}, "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 2}});
        assert_eq!(pdb_cells(&pdb, 0)[1..4], [json!("50%"), json!("N/A"), json!(2)]);
        let ing = json!({"metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "rules": [{"host": "a.example.com"}, {}], "tls": [{}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}});
        assert_eq!(
            ingress_cells(&ing, 0)[1..5],
            [json!("nginx"), json!("a.example.com"), json!("203.0.113.10"), json!("80, 443")]
        );
        let class = json!({"metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}});
        assert_eq!(ingress_class_cells(&class, 0)[1..3], [json!("k8s.io/ingress-nginx"), json!("<none>")]);
    }
}
