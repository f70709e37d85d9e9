//! `kubectl describe serviceaccount`: pull, mountable and token secrets, marking those the namespace lacks.

use super::tabwriter::Out;
use super::text::{at, events_block, list, meta_header, s};
use serde_json::Value;

/// `secrets` is the namespace's Secrets, `None` when they could not be listed (then nothing is marked missing and
/// no tokens are found, as kubectl tolerates that error).
pub(crate) fn describe_service_account(sa: &Value, secrets: Option<&[Value]>, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    meta_header(&mut w, sa);
    let (name, uid) = (s(sa, &["metadata", "name"]), s(sa, &["metadata", "uid"]));
    let names = |key: &str| list(sa, &[key]).iter().map(|r| s(r, &["name"])).collect::<Vec<_>>();
    let tokens: Vec<&str> = secrets
        .unwrap_or(&[])
        .iter()
        .filter(|x| {
            let notes = at(x, &["metadata", "annotations"]);
            s(x, &["type"]) == "kubernetes.io/service-account-token"
                && s(notes, &["kubernetes.io/service-account.name"]) == name
                && s(notes, &["kubernetes.io/service-account.uid"]) == uid
        })
        .map(|x| s(x, &["metadata", "name"]))
        .collect();
    let missing = |secret: &str| secrets.is_some_and(|all| !all.iter().any(|x| s(x, &["metadata", "name"]) == secret));
    // kubectl walks its headers in sorted order, which happens to be this one.
    for (header, listed) in [
        ("Image pull secrets:", names("imagePullSecrets")),
        ("Mountable secrets: ", names("secrets")),
        ("Tokens:            ", tokens),
    ] {
        if listed.is_empty() {
            w.w(0, &format!("{header}\t<none>\n"));
            continue;
        }
        for (i, secret) in listed.iter().enumerate() {
            let prefix = if i == 0 { header } else { "                   " };
            let note = if missing(secret) { " (not found)" } else { "" };
            w.w(0, &format!("{prefix}\t{secret}{note}\n"));
        }
    }
    events_block(&mut w, events, now);
    w.finish()
}
