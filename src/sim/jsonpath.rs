//! The JSONPath subset CRD printer columns use (`.spec.x`, `[0]`, `[*]`, `[?(@.type=="Ready")]`), evaluated over
//! JSON values with missing keys allowed, as client-go's jsonpath with `AllowMissingKeys(true)`; pure.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Index(i64),
    All,
    /// `[?(@.a.b=="x")]` (or `!=`): keep the elements whose path equals (or not) the literal.
    Filter {
        path: Vec<String>,
        value: Value,
        negated: bool,
    },
}

/// A parsed path; None when the text is outside the supported subset.
#[derive(Debug, Clone, PartialEq)]
pub struct Path(Vec<Step>);

impl Path {
    /// Parses `.status.phase`, `{.status.phase}`, `.spec.items[0].name`, `.status.conditions[?(@.type=="Ready")].status`.
    pub fn parse(text: &str) -> Option<Path> {
        let text = text.trim();
        let text = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
        let mut chars = text.trim().strip_prefix('$').unwrap_or(text.trim()).chars().peekable();
        let mut steps = Vec::new();
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    let mut name = String::new();
                    while let Some(&n) = chars.peek() {
                        if n == '.' || n == '[' {
                            break;
                        }
                        name.push(n);
                        chars.next();
                    }
                    match name.as_str() {
                        "" => {}
                        "*" => steps.push(Step::All),
                        _ => steps.push(Step::Field(name)),
                    }
                }
                '[' => {
                    let mut inner = String::new();
                    let mut depth = 0;
                    for n in chars.by_ref() {
                        match n {
                            '[' | '(' => depth += 1,
                            ')' => depth -= 1,
                            ']' if depth == 0 => break,
                            _ => {}
                        }
                        inner.push(n);
                    }
                    steps.push(bracket(inner.trim())?);
                }
                _ => return None,
            }
        }
        Some(Path(steps))
    }

    /// Every value the path reaches; empty when any step is missing.
    pub fn find<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for step in &self.0 {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Field(name) => next.extend(v.get(name.as_str())),
                    Step::Index(i) => {
                        if let Some(items) = v.as_array() {
                            let at = if *i < 0 { items.len() as i64 + i } else { *i };
                            next.extend(usize::try_from(at).ok().and_then(|at| items.get(at)));
                        }
                    }
                    Step::All => match v {
                        Value::Array(items) => next.extend(items.iter()),
                        Value::Object(map) => next.extend(map.values()),
                        _ => {}
                    },
                    Step::Filter { path, value, negated } => {
                        for item in v.as_array().into_iter().flatten() {
                            let found = path.iter().try_fold(item, |at, key| at.get(key.as_str()));
                            if found.is_some_and(|f| f == value) != *negated {
                                next.push(item);
                            }
                        }
                    }
                }
            }
            current = next;
        }
        current
    }
}

fn bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Ok(i) = inner.parse::<i64>() {
        return Some(Step::Index(i));
    }
    if let Some(quoted) = inner.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(Step::Field(quoted.to_string()));
    }
    let expr = inner.strip_prefix("?(")?.strip_suffix(')')?.trim();
    let (lhs, rhs, negated) = match expr.split_once("!=") {
        Some((l, r)) => (l, r, true),
        None => {
            let (l, r) = expr.split_once("==")?;
            (l, r, false)
        }
    };
    let path: Vec<String> =
        lhs.trim().strip_prefix('@')?.split('.').filter(|s| !s.is_empty()).map(str::to_string).collect();
    let rhs = rhs.trim();
    let value = match rhs.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(s) => Value::String(s.to_string()),
        None => match rhs.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
            Some(s) => Value::String(s.to_string()),
            None => serde_json::from_str(rhs).ok()?,
        },
    };
    Some(Step::Filter { path, value, negated })
}

/// How client-go's jsonpath prints one value: strings bare, everything else as JSON.
pub fn print(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(path: &str, obj: &Value) -> Vec<Value> {
        Path::parse(path).unwrap().find(obj).into_iter().cloned().collect()
    }

    #[test]
    fn fields_indexes_and_filters() {
        let obj = json!({
            "spec": {"gpus": 8, "workers": [{"name": "a"}, {"name": "b"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Done", "status": "False"}]},
        });
        assert_eq!(eval(".spec.gpus", &obj), [json!(8)]);
        assert_eq!(eval("{.spec.workers[1].name}", &obj), [json!("b")]);
        assert_eq!(eval(".spec.workers[-1].name", &obj), [json!("b")]);
        assert_eq!(eval(".spec.workers[*].name", &obj), [json!("a"), json!("b")]);
        assert_eq!(eval(r#".status.conditions[?(@.type=="Ready")].status"#, &obj), [json!("True")]);
        assert_eq!(eval(r#".status.conditions[?(@.type!="Ready")].type"#, &obj), [json!("Done")]);
        assert!(eval(".status.nothere.deeper", &obj).is_empty());
        assert!(eval(".spec.workers[5]", &obj).is_empty());
        assert!(Path::parse("spec").is_none());
        assert_eq!(print(&json!(8)), "8");
        assert_eq!(print(&json!("x")), "x");
    }
}
