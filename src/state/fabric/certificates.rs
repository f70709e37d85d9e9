//! Certificates: a TLS Secret that does not parse, whose key is not its certificate's, that expires within 14
//! days (a warning) or 2 (an error) or has expired, or that an Ingress serves for a host it does not name.

use super::{Fabric, Finding, Verdict};
use crate::model::Health;
use crate::model::certificate::KeyCheck;
use crate::model::tls::TlsSecret;

const DAY: i64 = 86_400;
/// Expiry within this long is a warning; within `EXPIRY_ERROR` an error.
pub const EXPIRY_WARNING: i64 = 14 * DAY;
pub const EXPIRY_ERROR: i64 = 2 * DAY;

/// Whether certificate name `pattern` (`*.acme.example` covers one label) covers `host`.
pub fn covers(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(domain) => host.split_once('.').is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(domain)),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

pub fn judge_secret(fabric: &Fabric, secret: &TlsSecret, now: i64) -> Verdict {
    let name = (secret.id.namespace.clone(), secret.id.name.clone());
    let ingresses: Vec<_> = fabric
        .ingresses_with_secret
        .get(&name)
        .into_iter()
        .flatten()
        .filter_map(|uid| fabric.ingresses.get(uid))
        .collect();
    let used_by = if ingresses.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = ingresses.iter().map(|i| i.id.name.as_str()).collect();
        format!("; served by ingress {}", names.join(", "))
    };
    let finding = |problem, why: String, severity, since| Finding {
        problem,
        why: format!("{why}{used_by}"),
        severity,
        weight: 72,
        since,
    };
    let cert = match &secret.certificate {
        Err(why) => return Verdict::of(finding("Unparseable", why.clone(), Health::Error, secret.created)),
        Ok(cert) => cert,
    };
    let names = format!("{}, issuer {}", cert.subject, cert.issuer);
    match &cert.key {
        KeyCheck::Mismatch => {
            let why = format!("tls.key is not the key of the certificate ({names})");
            return Verdict::of(finding("KeyMismatch", why, Health::Error, secret.created));
        }
        KeyCheck::Missing => {
            return Verdict::of(finding("KeyMissing", "tls.key is empty".into(), Health::Error, secret.created));
        }
        KeyCheck::Unreadable(why) => {
            return Verdict::of(finding("KeyUnreadable", format!("tls.key: {why}"), Health::Error, secret.created));
        }
        KeyCheck::Matches => {}
    }
    let hosts = ingresses.iter().flat_map(|i| {
        let entries = i.tls.iter().filter(|t| t.secret == secret.id.name);
        entries.flat_map(|t| t.hosts.iter()).map(move |h| (i.id.name.as_str(), h.as_str()))
    });
    let uncovered: Vec<String> = hosts
        .filter(|(_, host)| !cert.sans.iter().any(|san| covers(san, host)))
        .map(|(ingress, host)| format!("{host} (ingress {ingress})"))
        .collect();
    let left = cert.not_after - now;
    let until = crate::model::age(left.abs());
    let warned_from = (cert.not_after - EXPIRY_WARNING).max(cert.not_before);
    let (problem, why, severity, since) = if left <= 0 {
        ("Expired", format!("certificate expired {until} ago ({names})"), Health::Error, cert.not_after)
    } else if !uncovered.is_empty() {
        let why = format!("certificate names {} but is served for {}", cert.sans.join(","), uncovered.join(", "));
        ("HostNotCovered", why, Health::Error, secret.created)
    } else if left <= EXPIRY_ERROR {
        ("Expiring", format!("certificate expires in {until} ({names})"), Health::Error, warned_from)
    } else if left <= EXPIRY_WARNING {
        ("Expiring", format!("certificate expires in {until} ({names})"), Health::Warn, warned_from)
    } else if cert.not_before > now {
        let why = format!("certificate is valid only in {}", crate::model::age(cert.not_before - now));
        ("NotYetValid", why, Health::Warn, secret.created)
    } else {
        ("", String::new(), Health::Ok, 0)
    };
    // The verdict changes by itself at each threshold still ahead.
    let next = [cert.not_after - EXPIRY_WARNING, cert.not_after - EXPIRY_ERROR, cert.not_after, cert.not_before]
        .into_iter()
        .filter(|t| *t > now)
        .min();
    if severity == Health::Ok {
        return Verdict::fine().recheck(next);
    }
    Verdict::of(finding(problem, why, severity, since)).recheck(next)
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn a_wildcard_covers_one_label() {
        assert!(covers("*.acme.example", "llm.acme.example"));
        assert!(!covers("*.acme.example", "a.llm.acme.example"));
        assert!(!covers("*.acme.example", "acme.example"));
        assert!(covers("LLM.acme.example", "llm.acme.example"));
    }
}
