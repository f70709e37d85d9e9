//! One release's whole records (JSON values, every field kept): values as `helm get values [--all]` prints them,
//! the manifest, notes and hooks, and the records a rollback or an unlock writes, as Helm 3 writes them. Pure.

use serde_json::{Map, Value};

/// Where a rollback lands: `:rollback N`, or the revision before the latest as `helm rollback` defaults.
pub fn rollback_target(records: &[Value], asked: Option<i64>) -> Result<i64, String> {
    let latest = latest(records).ok_or("no revisions")?;
    let target = asked.unwrap_or(revision(latest) - 1);
    if target < 1 {
        return Err(format!("revision {} is the first: there is nothing to roll back to", revision(latest)));
    }
    if target == revision(latest) {
        return Err(format!("revision {target} is the latest"));
    }
    find(records, target).map(|_| target).ok_or_else(|| format!("no revision {target} (Helm keeps the last few)"))
}

pub fn revision(record: &Value) -> i64 {
    record["version"].as_i64().unwrap_or(0)
}

pub fn status(record: &Value) -> &str {
    record["info"]["status"].as_str().unwrap_or("unknown")
}

pub fn latest(records: &[Value]) -> Option<&Value> {
    records.iter().max_by_key(|r| revision(r))
}

pub fn find(records: &[Value], revision_wanted: i64) -> Option<&Value> {
    records.iter().find(|r| revision(r) == revision_wanted)
}

pub fn manifest(record: &Value) -> &str {
    record["manifest"].as_str().unwrap_or_default()
}

pub fn notes(record: &Value) -> &str {
    record["info"]["notes"].as_str().unwrap_or_default()
}

/// What the user supplied (`helm get values`): `config`, empty when none.
pub fn user_values(record: &Value) -> Value {
    match &record["config"] {
        Value::Object(m) => Value::Object(m.clone()),
        _ => Value::Object(Map::new()),
    }
}

/// The chart's defaults with the user's values over them (`helm get values --all`): maps merge key by key, a
/// user's value replaces the default, and a user's null removes the default's key.
pub fn computed_values(record: &Value) -> Value {
    let mut merged = user_values(record);
    if let (Value::Object(user), Value::Object(defaults)) = (&mut merged, &record["chart"]["values"]) {
        coalesce(user, defaults);
    }
    merged
}

fn coalesce(user: &mut Map<String, Value>, defaults: &Map<String, Value>) {
    for (key, default) in defaults {
        match user.get_mut(key) {
            None => {
                user.insert(key.clone(), default.clone());
            }
            Some(Value::Null) => {
                user.remove(key);
            }
            Some(Value::Object(inner)) => {
                if let Value::Object(default) = default {
                    coalesce(inner, default);
                }
            }
            Some(_) => {}
        }
    }
}

/// The hooks as `helm get hooks` prints them: each one's manifest under its source path.
pub fn hooks(record: &Value) -> String {
    let mut out = String::new();
    for hook in record["hooks"].as_array().into_iter().flatten() {
        let events: Vec<&str> = hook["events"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let last = hook["last_run"]["phase"].as_str().filter(|p| !p.is_empty()).unwrap_or("never run");
        out.push_str(&format!(
            "---\n# Source: {}\n# events: {} · weight {} · last run: {last}\n{}\n",
            hook["path"].as_str().unwrap_or_default(),
            events.join(", "),
            hook["weight"].as_i64().unwrap_or(0),
            hook["manifest"].as_str().unwrap_or_default().trim_end(),
        ));
    }
    out
}

/// Values as YAML, as `helm get values` prints them.
pub fn yaml(values: &Value) -> String {
    if values.as_object().is_some_and(Map::is_empty) {
        return "{}\n".into();
    }
    serde_saphyr::to_string(values).unwrap_or_default()
}

fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map(|t| t.to_string()).unwrap_or_default()
}

/// What a rollback writes: the new revision (the target's chart, config, manifest, hooks and notes; status
/// `deployed`, description `Rollback to N`) and the records it marks `superseded` (every deployed one, and the
/// latest whatever its status), as Helm 3's rollback action leaves them.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackRecords {
    pub new: Value,
    pub superseded: Vec<Value>,
}

pub fn rollback(records: &[Value], target: i64, now: i64) -> Result<RollbackRecords, String> {
    let latest = latest(records).ok_or("no revisions")?;
    let from = find(records, target).ok_or_else(|| format!("no revision {target}"))?;
    let mut new = serde_json::json!({
        "name": latest["name"],
        "namespace": latest["namespace"],
        "version": revision(latest) + 1,
        "chart": from["chart"],
        "config": from["config"],
        "manifest": from["manifest"],
        "info": {
            "first_deployed": latest["info"]["first_deployed"],
            "last_deployed": rfc3339(now),
            "deleted": "",
            "description": format!("Rollback to {target}"),
            "status": "deployed",
            "notes": from["info"]["notes"],
        },
    });
    if let Some(hooks) = from.get("hooks") {
        new["hooks"] = hooks.clone();
    }
    let superseded = records
        .iter()
        .filter(|r| status(r) == "deployed" || revision(r) == revision(latest))
        .map(|r| with_status(r, "superseded", None))
        .collect();
    Ok(RollbackRecords { new, superseded })
}

/// The record with another status (and description), as `helm-unlock` and supersession write it.
pub fn with_status(record: &Value, status: &str, description: Option<&str>) -> Value {
    let mut out = record.clone();
    out["info"]["status"] = Value::String(status.into());
    if let Some(d) = description {
        out["info"]["description"] = Value::String(d.into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rev(n: i64, status: &str, image: &str) -> Value {
        json!({"name": "web", "namespace": "ml", "version": n,
            "info": {"status": status, "first_deployed": "2026-11-01T10:00:00Z", "last_deployed": "2026-11-02T10:00:00Z",
                "description": "Upgrade complete", "notes": format!("notes {n}")},
            "chart": {"metadata": {"name": "web", "version": format!("1.{n}.0")},
                "values": {"image": {"repository": "web", "tag": "1.0"}, "replicas": 1, "debug": true}},
            "config": {"image": {"tag": image}, "debug": null},
            "manifest": format!("kind: Deployment\nimage: {image}\n"),
            "hooks": [{"name": "migrate", "path": "web/templates/job.yaml", "manifest": "kind: Job\n",
                "events": ["pre-upgrade"], "weight": 5, "last_run": {"phase": "Succeeded"}}]})
    }

    #[test]
    fn computed_values_merge_defaults_under_the_users() {
        let all = computed_values(&rev(1, "deployed", "2.0"));
        assert_eq!(all, json!({"image": {"repository": "web", "tag": "2.0"}, "replicas": 1}));
        assert_eq!(user_values(&rev(1, "deployed", "2.0")), json!({"image": {"tag": "2.0"}, "debug": null}));
        assert_eq!(yaml(&json!({})), "{}\n");
        assert!(yaml(&all).contains("repository: web"));
    }

    #[test]
    fn hooks_print_under_their_source() {
        let text = hooks(&rev(1, "deployed", "2.0"));
        assert!(text.starts_with("---\n# Source: web/templates/job.yaml\n"), "{text}");
        assert!(text.contains("pre-upgrade · weight 5 · last run: Succeeded\nkind: Job"), "{text}");
    }

    #[test]
    fn a_rollback_copies_the_target_and_supersedes_the_deployed_and_the_latest() {
        let records = [rev(1, "superseded", "1.0"), rev(2, "deployed", "2.0"), rev(3, "failed", "3.0")];
        assert_eq!(rollback_target(&records, None), Ok(2));
        assert_eq!(rollback_target(&records, Some(1)), Ok(1));
        assert!(rollback_target(&records, Some(3)).unwrap_err().contains("latest"));
        assert!(rollback_target(&records, Some(9)).unwrap_err().contains("no revision 9"));
        assert!(rollback_target(&records[..1], None).unwrap_err().contains("first"));
        let plan = rollback(&records, 1, 1_796_119_200).unwrap();
        let new = &plan.new;
        assert_eq!((revision(new), status(new)), (4, "deployed"));
        assert_eq!(new["info"]["description"], "Rollback to 1");
        assert_eq!(new["info"]["last_deployed"], "2026-12-01T10:00:00Z");
        assert_eq!(new["info"]["first_deployed"], "2026-11-01T10:00:00Z");
        assert_eq!((manifest(new), notes(new)), (manifest(&records[0]), "notes 1"));
        assert_eq!(new["chart"], records[0]["chart"]);
        assert_eq!(new["hooks"], records[0]["hooks"]);
        let superseded: Vec<(i64, &str)> = plan.superseded.iter().map(|r| (revision(r), status(r))).collect();
        assert_eq!(superseded, [(2, "superseded"), (3, "superseded")]);
        assert_eq!(plan.superseded[1]["info"]["description"], "Upgrade complete");
    }
}
