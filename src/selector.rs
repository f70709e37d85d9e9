//! Label and field selectors: the query syntax kubectl sends, parsed and matched; shared by the sim and the console; no IO.

use std::collections::BTreeMap;

/// One label requirement.
#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed `labelSelector`; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for term in split_top_level(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            out.push(parse_requirement(term)?);
        }
        Ok(LabelSelector(out))
    }

    /// Builds an equality selector from a `matchLabels` map (used by controllers).
    pub fn from_map(labels: &BTreeMap<String, String>) -> Self {
        LabelSelector(labels.iter().map(|(k, v)| Requirement::Equals(k.clone(), v.clone())).collect())
    }

    /// An object's `spec.selector` (a NetworkPolicy's `podSelector`): `matchLabels` and `matchExpressions`. An
    /// operator the API does not know matches nothing, as the API server would have refused it.
    pub fn from_k8s(selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> Self {
        let labels = selector.match_labels.iter().flatten().map(|(k, v)| Requirement::Equals(k.clone(), v.clone()));
        let expressions = selector.match_expressions.iter().flatten().map(|e| {
            let values = e.values.clone().unwrap_or_default();
            match e.operator.as_str() {
                "In" => Requirement::In(e.key.clone(), values),
                "NotIn" => Requirement::NotIn(e.key.clone(), values),
                "Exists" => Requirement::Exists(e.key.clone()),
                "DoesNotExist" => Requirement::NotExists(e.key.clone()),
                _ => Requirement::In(e.key.clone(), Vec::new()),
            }
        });
        LabelSelector(labels.chain(expressions).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|req| match req {
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
        })
    }
}

/// Splits on commas that are not inside a `( … )` value set.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(term: &str) -> Result<Requirement, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(valid_key(key.trim())?));
    }
    for (op, build) in [
        ("!=", Requirement::NotEquals as fn(String, String) -> Requirement),
        ("==", Requirement::Equals),
        ("=", Requirement::Equals),
    ] {
        if let Some((key, value)) = term.split_once(op) {
            return Ok(build(valid_key(key.trim())?, valid_value(value.trim())?));
        }
    }
    let words: Vec<&str> = term.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let rest = words[1].trim_start();
        let (op, set) = if let Some(set) = rest.strip_prefix("notin") {
            ("notin", set)
        } else if let Some(set) = rest.strip_prefix("in") {
            ("in", set)
        } else {
            return Err(format!("unable to parse requirement: found '{rest}', expected: in, notin, =, ==, !="));
        };
        let set = set.trim();
        let inner = set
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| format!("unable to parse requirement: found '{set}', expected: '('"))?;
        let values = inner.split(',').map(|v| valid_value(v.trim())).collect::<Result<Vec<_>, _>>()?;
        let key = valid_key(words[0])?;
        return Ok(if op == "in" { Requirement::In(key, values) } else { Requirement::NotIn(key, values) });
    }
    Ok(Requirement::Exists(valid_key(term)?))
}

fn valid_key(key: &str) -> Result<String, String> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            if prefix.is_empty()
                || prefix.len() > 253
                || !prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            {
                return Err(format!("invalid label key \"{key}\": prefix part must be a DNS-1123 subdomain"));
            }
            name
        }
        None => key,
    };
    if name.is_empty() || name.len() > 63 || !is_qualified_name(name) {
        return Err(format!(
            "invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ));
    }
    Ok(key.to_string())
}

fn valid_value(value: &str) -> Result<String, String> {
    if value.len() > 63 || (!value.is_empty() && !is_qualified_name(value)) {
        return Err(format!(
            "invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ));
    }
    Ok(value.to_string())
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, the shape of label names and values.
pub fn is_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// One `field=value` or `field!=value` term.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTerm {
    pub field: String,
    pub value: String,
    pub negated: bool,
}

/// A parsed `fieldSelector`; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(pub Vec<FieldTerm>);

impl FieldSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for raw in split_unescaped(text, ',') {
            if raw.trim().is_empty() {
                continue;
            }
            let (field, value, negated) = if let Some((f, v)) = split_op(&raw, "!=") {
                (f, v, true)
            } else if let Some((f, v)) = split_op(&raw, "==") {
                (f, v, false)
            } else if let Some((f, v)) = split_op(&raw, "=") {
                (f, v, false)
            } else {
                return Err(format!("invalid selector: '{raw}'; can't understand '{raw}'"));
            };
            terms.push(FieldTerm { field: field.trim().to_string(), value: unescape(value.trim()), negated });
        }
        Ok(FieldSelector(terms))
    }

    /// The single exact `metadata.name` this selector pins, if any (lets lists and watches skip a scan).
    pub fn exact_name(&self) -> Option<&str> {
        self.0.iter().find(|t| t.field == "metadata.name" && !t.negated).map(|t| t.value.as_str())
    }

    /// `value_of(field)` returns the object's value for a field label ("" when absent, as the apiserver does).
    pub fn matches(&self, value_of: impl Fn(&str) -> String) -> bool {
        self.0.iter().all(|t| (value_of(&t.field) == t.value) != t.negated)
    }
}

/// Splits on `sep` unless it is preceded by a backslash.
fn split_unescaped(text: &str, sep: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            if let Some(last) = parts.last_mut() {
                last.push('\\');
                last.push(c);
            }
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
}

/// Finds the first unescaped operator.
fn split_op<'a>(term: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let mut from = 0;
    while let Some(pos) = term[from..].find(op) {
        let at = from + pos;
        if at == 0 || term.as_bytes()[at - 1] != b'\\' {
            return Some((&term[..at], &term[at + op.len()..]));
        }
        from = at + op.len();
    }
    None
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn label_selector_operators() {
        let l = labels(&[("app", "web"), ("tier", "gpu"), ("example.com/team", "ml")]);
        let yes = [
            "app=web",
            "app==web",
            "app!=db",
            "tier in (gpu,cpu)",
            "env notin (prod)",
            "app",
            "!env",
            "example.com/team=ml",
            "app=web,tier=gpu",
            "",
        ];
        let no = ["app=db", "app!=web", "tier in (cpu)", "tier notin (gpu, cpu)", "!app", "env", "app=web,tier=cpu"];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&l), "{s}");
        }
    }

    #[test]
    fn label_selector_rejects_garbage() {
        for s in ["app=we b", "-app=x", "tier in gpu", "tier on (x)", "a/=b", "x=(y)"] {
            assert!(LabelSelector::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn field_selector_terms_and_escapes() {
        let f = FieldSelector::parse("spec.nodeName=node-2,status.phase!=Succeeded,status.phase!=Failed").unwrap();
        assert_eq!(f.0.len(), 3);
        let running = |field: &str| match field {
            "spec.nodeName" => "node-2".to_string(),
            "status.phase" => "Running".to_string(),
            _ => String::new(),
        };
        assert!(f.matches(running));
        assert!(!f.matches(|field: &str| if field == "status.phase" { "Failed".into() } else { "node-2".into() }));
        let e = FieldSelector::parse(r"metadata.name=a\,b").unwrap();
        assert_eq!(e.0[0].value, "a,b");
        assert_eq!(e.exact_name(), Some("a,b"));
        assert!(FieldSelector::parse("nonsense").is_err());
    }
}
