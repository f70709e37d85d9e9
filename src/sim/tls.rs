//! A throwaway CA and a loopback server certificate generated at start, and the rustls acceptor built from them;
//! and the seeded, CA-signed serving certificates scenarios put in their TLS Secrets.

use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use super::rng::Rng;
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

/// PEM texts of a serving certificate for a Secret of type `kubernetes.io/tls`.
pub struct Issued {
    /// The leaf certificate.
    pub cert_pem: String,
    /// Its private key (PKCS #8).
    pub key_pem: String,
    /// The CA certificate that signed it.
    pub ca_pem: String,
}

/// A certificate for `host`, valid from `not_before` to `not_after` (unix seconds), signed by a CA named
/// `ca_name`. Keys are Ed25519 from `rng`, whose signatures are deterministic, so a seed gives the same PEM.
pub fn issue(rng: &mut Rng, ca_name: &str, host: &str, not_before: i64, not_after: i64) -> anyhow::Result<Issued> {
    // A unix second as the certificate library's time.
    let at = |unix: i64| rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(unix.max(0) as u64);
    let ca_key = seeded_key(rng)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca_params.distinguished_name = name(ca_name);
    // The CA was set up well before anything it signed and outlives it.
    ca_params.not_before = at(not_before - 365 * 86_400);
    ca_params.not_after = at(not_after + 4 * 365 * 86_400);
    let ca_cert = ca_params.self_signed(&ca_key).context("self-signing the CA")?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = seeded_key(rng)?;
    let mut params = CertificateParams::new(vec![host.to_string()]).context("certificate names")?;
    params.distinguished_name = name(host);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = at(not_before);
    params.not_after = at(not_after);
    let cert = params.signed_by(&key, &issuer).context("signing the certificate")?;
    Ok(Issued { cert_pem: cert.pem(), key_pem: key.serialize_pem(), ca_pem: ca_cert.pem() })
}

/// An Ed25519 key from 32 bytes of `rng`, as a PKCS #8 v1 document (the algorithm header, then the seed).
fn seeded_key(rng: &mut Rng) -> anyhow::Result<KeyPair> {
    const ED25519_PKCS8_HEADER: [u8; 16] =
        [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    let mut der = ED25519_PKCS8_HEADER.to_vec();
    for _ in 0..4 {
        der.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    KeyPair::try_from(der.as_slice()).context("an Ed25519 key from seeded bytes")
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}
