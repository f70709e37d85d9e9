//! The kubeconfig the sim emits: one cluster, an admin and a read-only user, a context for each; text only.

use base64::Engine;

/// Everything a client needs to reach the sim.
pub struct Access<'a> {
    pub server: &'a str,
    pub ca_pem: Option<&'a str>,
    pub admin_token: &'a str,
    pub readonly_token: &'a str,
    pub namespace: &'a str,
}

/// Renders a kubeconfig whose current context is the admin one; `gpudeck-sim-readonly` uses the read-only token.
pub fn render(access: &Access) -> String {
    let ca = match access.ca_pem {
        Some(pem) => format!(
            "    certificate-authority-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(pem.as_bytes())
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: gpudeck-sim
  cluster:
    server: {server}
{ca}users:
- name: gpudeck-sim-admin
  user:
    token: {admin}
- name: gpudeck-sim-readonly
  user:
    token: {readonly}
contexts:
- name: gpudeck-sim
  context:
    cluster: gpudeck-sim
    user: gpudeck-sim-admin
    namespace: {ns}
- name: gpudeck-sim-readonly
  context:
    cluster: gpudeck-sim
    user: gpudeck-sim-readonly
    namespace: {ns}
current-context: gpudeck-sim
preferences: {{}}
",
        server = access.server,
        admin = access.admin_token,
        readonly = access.readonly_token,
        ns = access.namespace,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_yaml_with_both_contexts() {
        let text = render(&Access {
            server: "https://127.0.0.1:1",
            ca_pem: Some("PEM"),
            admin_token: "a",
            readonly_token: "r",
            namespace: "default",
        });
        let doc: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(doc["current-context"], "gpudeck-sim");
        assert_eq!(doc["clusters"][0]["cluster"]["certificate-authority-data"], "UEVN");
        assert_eq!(doc["users"][1]["user"]["token"], "r");
        assert_eq!(doc["contexts"][1]["context"]["user"], "gpudeck-sim-readonly");
    }
}
