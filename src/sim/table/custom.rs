//! Tables for CustomResourceDefinitions (the apiserver's default convertor) and for custom resources (their CRD's
//! additionalPrinterColumns, as apiextensions-apiserver's tableconvertor prints them); no IO.

use serde_json::{Value, json};

use super::{AGE_DESC, NAME, ago, name, parse_rfc3339, text};
use crate::sim::jsonpath::{self, Path};
use crate::sim::resources::{Custom, PrinterColumn};

/// `kubectl get crd`: rest.DefaultTableConvertor's Name and Created At (an RFC 3339 time, printed as is).
pub fn crd_columns() -> Vec<Value> {
    vec![
        NAME.to_json(),
        json!({"name": "Created At", "type": "date", "format": "", "description": AGE_DESC, "priority": 0}),
    ]
}

pub fn crd_cells(crd: &Value) -> Vec<Value> {
    vec![name(crd), json!(text(crd, "/metadata/creationTimestamp"))]
}

/// The Age column the apiserver serves for a version that declares no printer columns.
pub fn default_columns() -> Vec<PrinterColumn> {
    vec![PrinterColumn {
        name: "Age".into(),
        kind: "date".into(),
        format: String::new(),
        description: AGE_DESC.into(),
        priority: 0,
        json_path: ".metadata.creationTimestamp".into(),
    }]
}

/// Name, then each printer column with its type, format and priority.
pub fn columns(custom: &Custom) -> Vec<Value> {
    let mut out = vec![NAME.to_json()];
    for c in &custom.columns {
        let description = if c.description.is_empty() {
            format!("Custom resource definition column (in JSONPath format): {}", c.json_path)
        } else {
            c.description.clone()
        };
        out.push(json!({"name": c.name, "type": c.kind, "format": c.format, "description": description, "priority": c.priority}));
    }
    out
}

/// One row: a path that reaches nothing gives a null cell, never an error.
pub fn cells(custom: &Custom, obj: &Value, now: i64) -> Vec<Value> {
    let mut out = vec![name(obj)];
    for c in &custom.columns {
        let found = Path::parse(&c.json_path).and_then(|p| p.find(obj).first().map(|v| (*v).clone()));
        out.push(match found {
            None => Value::Null,
            Some(v) if c.kind == "string" => json!(jsonpath::print(&v)),
            Some(v) => typed_cell(&c.kind, &v, now),
        });
    }
    out
}

/// cellForJSONValue: a value of the wrong JSON type for its column prints as null.
fn typed_cell(kind: &str, value: &Value, now: i64) -> Value {
    match (kind, value) {
        ("integer", Value::Number(n)) => {
            n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).map_or(Value::Null, |i| json!(i))
        }
        ("number", Value::Number(n)) => n.as_f64().map_or(Value::Null, |f| json!(f)),
        ("boolean", Value::Bool(b)) => json!(b),
        ("date", Value::String(s)) if s.is_empty() => json!("<unknown>"),
        ("date", Value::String(s)) => match parse_rfc3339(s) {
            Some(t) => json!(ago(Some(t), now)),
            None => json!("<invalid>"),
        },
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, kind: &str, path: &str, priority: i64) -> PrinterColumn {
        PrinterColumn {
            name: name.into(),
            kind: kind.into(),
            format: String::new(),
            description: String::new(),
            priority,
            json_path: path.into(),
        }
    }

    #[test]
    fn printer_columns_print_typed_cells_and_null_for_missing_paths() {
        let custom = Custom {
            crd: "trainjobs.kubeflow.org".into(),
            columns: vec![
                column("State", "string", ".status.state", 0),
                column("GPUs", "integer", ".spec.gpus", 0),
                column("Missing", "string", ".status.nothere", 1),
                column("Ready", "string", r#".status.conditions[?(@.type=="Ready")].status"#, 0),
                column("Started", "date", ".status.startTime", 0),
                column("Wrong", "boolean", ".spec.gpus", 0),
            ],
        };
        let obj = json!({
            "metadata": {"name": "llama", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"gpus": 8},
            "status": {"state": "Running", "startTime": "2026-01-01T00:00:00Z",
                       "conditions": [{"type": "Ready", "status": "True"}]},
        });
        let now = parse_rfc3339("2026-01-01T00:05:00Z").unwrap();
        assert_eq!(
            cells(&custom, &obj, now),
            [json!("llama"), json!("Running"), json!(8), Value::Null, json!("True"), json!("5m"), Value::Null]
        );
        let cols = columns(&custom);
        assert_eq!(cols[0]["name"], "Name");
        assert_eq!(cols[3]["priority"], 1);
        assert_eq!(cols[1]["description"], "Custom resource definition column (in JSONPath format): .status.state");
        assert_eq!(default_columns()[0].name, "Age");
    }
}
