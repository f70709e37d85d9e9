//! A throwaway CA and a loopback server certificate generated at start, and the rustls acceptor built from them.

use std::sync::Arc;

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// The CA certificate (PEM, for the kubeconfig) and the acceptor serving the CA-signed server certificate.
pub struct ServerTls {
    pub ca_pem: String,
    pub acceptor: TlsAcceptor,
}

/// Generates a CA and a server certificate valid for `hosts` (IPs or DNS names).
pub fn generate(hosts: &[String]) -> anyhow::Result<ServerTls> {
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca_params.distinguished_name = name("gpudeck-sim-ca");
    let ca_cert = ca_params.self_signed(&ca_key).context("self-signing the CA")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().context("generating the server key")?;
    let mut server_params = CertificateParams::new(hosts.to_vec()).context("server certificate names")?;
    server_params.distinguished_name = name("kube-apiserver");
    let server_cert = server_params.signed_by(&server_key, &issuer).context("signing the server certificate")?;

    let key = pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca_cert.der().clone()], key)
        .context("TLS server certificate")?;
    // Watches hold a connection each; HTTP/1.1 keeps the server simple and every client supports it.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ServerTls { ca_pem: ca_cert.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}
