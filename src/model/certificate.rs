//! A TLS Secret's certificate at the edge: the leaf's names and validity, its chain, whether tls.key is its key. No IO.

use std::net::IpAddr;

use k8s_openapi::api::core::v1::Secret;
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use x509_parser::extensions::GeneralName;
use x509_parser::nom;
use x509_parser::pem::Pem;
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509Error, parse_x509_certificate};

use crate::sanitize::clean;

/// The Secret type whose `tls.crt` and `tls.key` are read.
pub const TLS: &str = "kubernetes.io/tls";

/// The leaf (the first certificate in `tls.crt`; its chain may follow) and how `tls.key` relates to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    /// "CN=llm.acme.example"
    pub subject: String,
    /// DNS names and IP addresses.
    pub sans: Vec<String>,
    pub issuer: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// How many certificates `tls.crt` holds.
    pub chain: usize,
    pub key: KeyCheck,
}

/// Whether `tls.key`'s public part is the certificate's.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyCheck {
    Matches,
    Mismatch,
    Missing,
    /// Why the key could not be read.
    Unreadable(String),
}

/// Reads `tls.crt` (PEM) and checks `tls.key` (PEM) against its leaf; `Err` says why `tls.crt` does not parse.
pub fn inspect(cert_pem: &[u8], key_pem: Option<&[u8]>) -> Result<Certificate, String> {
    let blocks = pem_blocks(cert_pem).map_err(|e| format!("tls.crt: {e}"))?;
    let mut certs = blocks.iter().filter(|b| b.label == "CERTIFICATE");
    let leaf = certs.next().ok_or("tls.crt: no PEM CERTIFICATE block")?;
    let chain = 1 + certs.count();
    let unparsed = |e: String| clean(&format!("tls.crt: certificate does not parse: {e}"));
    let (_, x509) = parse_x509_certificate(&leaf.contents).map_err(|e| unparsed(nom_reason(e)))?;
    let sans = match x509.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().filter_map(san).collect(),
        Ok(None) => Vec::new(),
        Err(e) => return Err(unparsed(format!("subject alternative names: {e}"))),
    };
    let key = match key_pem {
        None => KeyCheck::Missing,
        Some(pem) => match public_key(pem) {
            // The key bits alone decide: the same bits under another algorithm identifier (an RSA-PSS certificate
            // for an rsaEncryption key) are still the same key.
            Ok(bits) if bits == x509.public_key().subject_public_key.data.as_ref() => KeyCheck::Matches,
            Ok(_) => KeyCheck::Mismatch,
            Err(why) => KeyCheck::Unreadable(clean(&why)),
        },
    };
    let validity = x509.validity();
    Ok(Certificate {
        subject: clean(&x509.subject().to_string()),
        sans,
        issuer: clean(&x509.issuer().to_string()),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
        chain,
        key,
    })
}

/// The certificate of a `kubernetes.io/tls` Secret (`None` for any other type); a missing `tls.crt` is an `Err`, a
/// missing or empty `tls.key` is [`KeyCheck::Missing`].
pub fn of_secret(secret: &Secret) -> Option<Result<Certificate, String>> {
    if secret.type_.as_deref() != Some(TLS) {
        return None;
    }
    let field = |name: &str| secret.data.as_ref().and_then(|d| d.get(name)).map(|b| b.0.as_slice());
    let Some(cert) = field("tls.crt") else {
        return Some(Err("tls.crt: missing".to_string()));
    };
    Some(inspect(cert, field("tls.key").filter(|k| !k.is_empty())))
}

fn pem_blocks(pem: &[u8]) -> Result<Vec<Pem>, String> {
    Pem::iter_from_buffer(pem).collect::<Result<_, _>>().map_err(|e| format!("PEM does not decode: {e}"))
}

fn nom_reason(e: nom::Err<X509Error>) -> String {
    match e {
        // x509-parser's own text for these is "nom error: Eof".
        nom::Err::Error(X509Error::NomError(kind)) | nom::Err::Failure(X509Error::NomError(kind)) => {
            format!("malformed DER ({})", kind.description().to_lowercase())
        }
        nom::Err::Error(e) | nom::Err::Failure(e) => e.to_string(),
        nom::Err::Incomplete(_) => "truncated".to_string(),
    }
}

fn san(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::DNSName(dns) => Some(clean(dns)),
        GeneralName::IPAddress(bytes) => Some(
            <[u8; 4]>::try_from(*bytes)
                .map(IpAddr::from)
                .or_else(|_| <[u8; 16]>::try_from(*bytes).map(IpAddr::from))
                .map_or_else(|_| "<invalid IP address>".to_string(), |ip| ip.to_string()),
        ),
        _ => None,
    }
}

/// The subjectPublicKey bits of the first private key in `key_pem`, as rustls (with ring) derives them.
fn public_key(key_pem: &[u8]) -> Result<Vec<u8>, String> {
    let blocks = pem_blocks(key_pem).map_err(|e| format!("tls.key: {e}"))?;
    let Some(block) = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) else {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(match labels.is_empty() {
            true => "tls.key: no PEM private key block".to_string(),
            false => format!("tls.key: no PEM private key block (found {})", labels.join(", ")),
        });
    };
    let contents = block.contents.clone();
    let (der, readable) = match block.label.as_str() {
        "PRIVATE KEY" => (
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(contents)),
            "RSA of 2048 to 4096 bits, ECDSA P-256 or P-384, or Ed25519",
        ),
        "RSA PRIVATE KEY" => (PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(contents)), "RSA of 2048 to 4096 bits"),
        "EC PRIVATE KEY" => {
            (PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(contents)), "ECDSA P-256 or P-384 with its public key")
        }
        other => {
            return Err(format!(
                "tls.key: {other} is not a key format gpudeck reads (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY)"
            ));
        }
    };
    let unread = || format!("tls.key: {} does not parse as {readable}", block.label);
    let key = any_supported_type(&der).map_err(|_| unread())?;
    let spki = key.public_key().ok_or_else(unread)?;
    let (_, spki) = SubjectPublicKeyInfo::from_der(spki.as_ref()).map_err(|_| unread())?;
    Ok(spki.subject_public_key.data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::STANDARD};
    use k8s_openapi::ByteString;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
        PKCS_ECDSA_P384_SHA384, PKCS_ED25519, SanType, SignatureAlgorithm,
    };
    use std::process::Command;

    fn params(cn: &str) -> CertificateParams {
        let mut p = CertificateParams::new(vec![cn.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        p
    }

    fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
        KeyPair::generate_for(alg).unwrap()
    }

    /// A self-signed certificate for `llm.acme.example` and its key, both PEM.
    fn pair(alg: &'static SignatureAlgorithm) -> (String, String) {
        let k = key(alg);
        (params("llm.acme.example").self_signed(&k).unwrap().pem(), k.serialize_pem())
    }

    #[test]
    fn a_matching_pair_in_each_algorithm_rcgen_makes() {
        for alg in [&PKCS_ECDSA_P256_SHA256, &PKCS_ECDSA_P384_SHA384, &PKCS_ED25519] {
            let (cert, key) = pair(alg);
            let c = inspect(cert.as_bytes(), Some(key.as_bytes())).unwrap();
            assert_eq!(c.key, KeyCheck::Matches, "{alg:?}");
            assert_eq!((c.subject.as_str(), c.issuer.as_str()), ("CN=llm.acme.example", "CN=llm.acme.example"));
            assert_eq!((c.sans, c.chain), (vec!["llm.acme.example".to_string()], 1));
        }
    }

    #[test]
    fn a_certificate_with_another_key_is_a_mismatch() {
        let (cert, _) = pair(&PKCS_ECDSA_P256_SHA256);
        let (_, other) = pair(&PKCS_ECDSA_P256_SHA256);
        assert_eq!(inspect(cert.as_bytes(), Some(other.as_bytes())).unwrap().key, KeyCheck::Mismatch);
        let (_, ed) = pair(&PKCS_ED25519);
        assert_eq!(inspect(cert.as_bytes(), Some(ed.as_bytes())).unwrap().key, KeyCheck::Mismatch, "another type");
    }

    #[test]
    fn a_chain_counts_its_certificates_and_the_leaf_is_first() {
        let ca_key = key(&PKCS_ECDSA_P384_SHA384);
        let mut ca = params("acme-ca");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf_key = key(&PKCS_ECDSA_P256_SHA256);
        let leaf = params("llm.acme.example").signed_by(&leaf_key, &issuer).unwrap();
        let chain = format!("{}{}", leaf.pem(), ca_cert.pem());
        let c = inspect(chain.as_bytes(), Some(leaf_key.serialize_pem().as_bytes())).unwrap();
        assert_eq!((c.subject.as_str(), c.issuer.as_str()), ("CN=llm.acme.example", "CN=acme-ca"));
        assert_eq!((c.chain, c.key), (2, KeyCheck::Matches));
    }

    #[test]
    fn sans_list_dns_names_and_ip_addresses() {
        let k = key(&PKCS_ECDSA_P256_SHA256);
        let mut p = params("llm.acme.example");
        p.subject_alt_names = vec![
            SanType::DnsName("llm.acme.example".try_into().unwrap()),
            SanType::DnsName("*.llm.acme.example".try_into().unwrap()),
            SanType::IpAddress("10.0.0.7".parse().unwrap()),
            SanType::IpAddress("fd00::7".parse().unwrap()),
            SanType::URI("spiffe://acme/llm".try_into().unwrap()),
        ];
        let c = inspect(p.self_signed(&k).unwrap().pem().as_bytes(), None).unwrap();
        assert_eq!(c.sans, ["llm.acme.example", "*.llm.acme.example", "10.0.0.7", "fd00::7"]);
    }

    #[test]
    fn validity_is_read_as_unix_seconds() {
        let k = key(&PKCS_ECDSA_P256_SHA256);
        let mut p = params("old.acme.example");
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        let c = inspect(p.self_signed(&k).unwrap().pem().as_bytes(), None).unwrap();
        assert_eq!((c.not_before, c.not_after), (1_577_836_800, 1_609_459_200));
    }

    #[test]
    fn garbage_in_tls_crt_says_why() {
        assert_eq!(inspect(b"hello", None), Err("tls.crt: no PEM CERTIFICATE block".to_string()));
        let (_, only_key) = pair(&PKCS_ED25519);
        let err = inspect(only_key.as_bytes(), None);
        assert_eq!(err, Err("tls.crt: no PEM CERTIFICATE block".to_string()), "a key only");
        let broken = b"-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
        let err = inspect(broken, None);
        assert_eq!(err, Err("tls.crt: certificate does not parse: malformed DER (end of file)".to_string()));
        let k = key(&PKCS_ED25519);
        let mut der = params("llm.acme.example").self_signed(&k).unwrap().der().to_vec();
        der[0] = 0x31; // a SET where the certificate's SEQUENCE starts
        let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", STANDARD.encode(&der));
        let err = inspect(pem.as_bytes(), None).unwrap_err();
        assert!(err.starts_with("tls.crt: certificate does not parse: "), "{err}");
        let not_base64 = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert_eq!(inspect(not_base64, None), Err("tls.crt: PEM does not decode: base64 decode error".to_string()));
        assert_eq!(
            inspect(b"-----BEGIN CERTIFICATE-----\nMIIB\n", None),
            Err("tls.crt: PEM does not decode: incomplete PEM".to_string())
        );
    }

    #[test]
    fn keys_that_cannot_be_read_say_why_and_no_key_is_missing() {
        let (cert, _) = pair(&PKCS_ECDSA_P256_SHA256);
        let check = |key: &[u8]| inspect(cert.as_bytes(), Some(key)).unwrap().key;
        let unreadable = |why: &str| KeyCheck::Unreadable(why.to_string());
        assert_eq!(inspect(cert.as_bytes(), None).unwrap().key, KeyCheck::Missing);
        assert_eq!(
            check(b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"),
            unreadable(
                "tls.key: OPENSSH PRIVATE KEY is not a key format gpudeck reads \
                 (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY)"
            )
        );
        assert_eq!(check(b"not a key"), unreadable("tls.key: no PEM private key block"));
        assert_eq!(check(cert.as_bytes()), unreadable("tls.key: no PEM private key block (found CERTIFICATE)"));
        assert_eq!(
            check(b"-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n"),
            unreadable(
                "tls.key: PRIVATE KEY does not parse as RSA of 2048 to 4096 bits, ECDSA P-256 or P-384, or Ed25519"
            )
        );
    }

    #[test]
    fn cluster_text_is_sanitized() {
        let k = key(&PKCS_ECDSA_P256_SHA256);
        let mut p = params("llm.acme.example");
        p.distinguished_name.push(DnType::OrganizationName, "acme\x1b[31m");
        let c = inspect(p.self_signed(&k).unwrap().pem().as_bytes(), None).unwrap();
        assert!(!c.subject.contains('\x1b') && c.subject.contains("acme"), "{}", c.subject);
    }

    /// A self-signed certificate and its key made by python's `cryptography`: rcgen with ring cannot make RSA keys,
    /// and writes every key as PKCS#8.
    fn python_pair(kind: &str) -> (String, String) {
        const SCRIPT: &str = r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec
kind, form = sys.argv[1].split("-")
if kind.startswith("rsa"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
else:
    key = ec.generate_private_key(ec.SECP384R1() if kind == "ec384" else ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "py.acme.example")])
start = datetime.datetime(2026, 1, 1)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    .serial_number(1).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=90))
    .sign(key, hashes.SHA256()))
fmt = serialization.PrivateFormat.PKCS8 if form == "pkcs8" else serialization.PrivateFormat.TraditionalOpenSSL
sys.stdout.write(cert.public_bytes(serialization.Encoding.PEM).decode())
sys.stdout.write(key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode())
"#;
        let install = "the RSA and SEC1 key tests need python3 with cryptography: apt-get install python3-cryptography";
        let out = Command::new("python3")
            .args(["-c", SCRIPT, kind])
            .output()
            .unwrap_or_else(|e| panic!("running python3: {e}; {install}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "python3 failed ({install}):\n{stderr}");
        let text = String::from_utf8(out.stdout).unwrap();
        let end = "-----END CERTIFICATE-----\n";
        let (cert, key) = text.split_once(end).unwrap();
        (format!("{cert}{end}"), key.to_string())
    }

    #[test]
    fn rsa_and_sec1_keys_that_cert_manager_writes_are_checked() {
        for (kind, label) in [
            ("rsa2048-pkcs1", "RSA PRIVATE KEY"),
            ("rsa3072-pkcs8", "PRIVATE KEY"),
            ("ec256-sec1", "EC PRIVATE KEY"),
            ("ec384-sec1", "EC PRIVATE KEY"),
        ] {
            let (cert, key) = python_pair(kind);
            assert!(key.starts_with(&format!("-----BEGIN {label}-----")), "{kind}: {key}");
            let c = inspect(cert.as_bytes(), Some(key.as_bytes())).unwrap();
            assert_eq!((c.subject.as_str(), &c.key), ("CN=py.acme.example", &KeyCheck::Matches), "{kind}");
            assert_eq!((c.not_before, c.not_after), (1_767_225_600, 1_767_225_600 + 90 * 86_400), "{kind}");
        }
        let (cert, _) = python_pair("rsa2048-pkcs1");
        let (_, other) = python_pair("rsa2048-pkcs8");
        assert_eq!(inspect(cert.as_bytes(), Some(other.as_bytes())).unwrap().key, KeyCheck::Mismatch);
        let (small, small_key) = python_pair("rsa1024-pkcs1");
        assert_eq!(
            inspect(small.as_bytes(), Some(small_key.as_bytes())).unwrap().key,
            KeyCheck::Unreadable("tls.key: RSA PRIVATE KEY does not parse as RSA of 2048 to 4096 bits".to_string())
        );
    }

    fn secret(type_: &str, data: &[(&str, &str)]) -> Secret {
        Secret {
            type_: Some(type_.to_string()),
            data: Some(data.iter().map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec()))).collect()),
            ..Secret::default()
        }
    }

    #[test]
    fn only_tls_secrets_are_read_and_tls_crt_must_be_there() {
        let (cert, key) = pair(&PKCS_ECDSA_P256_SHA256);
        assert_eq!(of_secret(&secret("Opaque", &[("tls.crt", &cert)])), None);
        assert_eq!(of_secret(&Secret::default()), None);
        assert_eq!(of_secret(&secret(TLS, &[("tls.key", &key)])), Some(Err("tls.crt: missing".to_string())));
        let both = of_secret(&secret(TLS, &[("tls.crt", &cert), ("tls.key", &key)]));
        assert_eq!(both.map(|c| c.map(|c| c.key)), Some(Ok(KeyCheck::Matches)));
        let empty_key = of_secret(&secret(TLS, &[("tls.crt", &cert), ("tls.key", "")]));
        assert_eq!(empty_key.map(|c| c.map(|c| c.key)), Some(Ok(KeyCheck::Missing)));
    }
}
