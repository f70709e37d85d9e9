//! CronJobs: the standard 5-field schedule (lists, ranges, steps, names, @hourly-style macros), and the reconciler
//! that starts Jobs when a scheduled time passes, tracks active ones and trims history; pure.

use std::sync::Arc;

use serde_json::{Value, json};

use super::clock;
use super::kubelet::EventSpec;
use super::object::{self, Stored};
use super::resources;
use super::store::Key;
use super::workloads::Action;

/// A parsed schedule: the allowed values of each field as bit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Both day fields restricted: a day matches if either does (cron's rule).
    either_day: bool,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn field(text: &str, min: u32, max: u32, names: &[&str]) -> Result<(u64, bool), String> {
    let value = |s: &str| -> Result<u32, String> {
        let upper = s.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(i as u32 + min);
        }
        s.parse::<u32>().map_err(|_| format!("failed to parse int from {s}"))
    };
    let mut bits = 0u64;
    let restricted = !text.starts_with('*') && text != "?";
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().map_err(|_| format!("failed to parse int from {s}"))?),
            None => (part, 1),
        };
        let (lo, hi) = match range {
            "*" | "?" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                None if part.contains('/') => (value(r)?, max),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        // Sunday may be written 7.
        let hi = if max == 6 && hi == 7 { 6 } else { hi };
        let lo = if max == 6 && lo == 7 { 0 } else { lo };
        if lo < min || hi > max || lo > hi || step == 0 {
            return Err(format!("end of range ({hi}) above maximum ({max}): {part}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, restricted))
}

impl Schedule {
    /// Parses a schedule the way the CronJob controller's cron library (standard 5 fields) does.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let expanded = match text.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!("expected exactly 5 fields, found {}: {text}", fields.len()));
        }
        let (minutes, _) = field(fields[0], 0, 59, &[])?;
        let (hours, _) = field(fields[1], 0, 23, &[])?;
        let (days, dom_restricted) = field(fields[2], 1, 31, &[])?;
        let (months, _) = field(fields[3], 1, 12, &MONTHS)?;
        let (weekdays, dow_restricted) = field(fields[4], 0, 6, &WEEKDAYS)?;
        Ok(Schedule {
            minutes,
            hours,
            days: if dom_restricted || !dow_restricted { days } else { 0 },
            months,
            weekdays: if dow_restricted || !dom_restricted { weekdays } else { 0 },
            either_day: dom_restricted && dow_restricted,
        })
    }

    fn day_matches(&self, day: i64, weekday: i64) -> bool {
        let dom = self.days & (1 << day) != 0;
        let dow = self.weekdays & (1 << weekday) != 0;
        if self.either_day { dom || dow } else { (self.days == 0 || dom) && (self.weekdays == 0 || dow) }
    }

    /// The first scheduled minute strictly after `t` (unix seconds), within about five years.
    pub fn next_after(&self, t: i64) -> Option<i64> {
        let mut at = (t.div_euclid(60) + 1) * 60;
        let limit = t + 5 * 366 * 86_400;
        while at <= limit {
            let (_, month, day, hour, minute, _) = clock::civil(at);
            let weekday = (at.div_euclid(86_400) + 4).rem_euclid(7);
            if self.months & (1 << month) == 0 {
                // To the first day of the next month.
                let later = (at.div_euclid(86_400) - (day - 1) + 32) * 86_400;
                let (_, _, d, _, _, _) = clock::civil(later);
                at = later - (d - 1) * 86_400;
            } else if !self.day_matches(day, weekday) {
                at = (at.div_euclid(86_400) + 1) * 86_400;
            } else if self.hours & (1 << hour) == 0 {
                at = (at.div_euclid(3600) + 1) * 3600;
            } else if self.minutes & (1 << minute) == 0 {
                at += 60;
            } else {
                return Some(at);
            }
        }
        None
    }
}

fn event(cj: &Value, warning: bool, reason: &'static str, message: String) -> Action {
    Action::Event(cj.clone(), EventSpec { warning, reason, message, component: "cronjob-controller" })
}

fn job_finished(job: &Value) -> Option<&'static str> {
    let conditions = job["status"]["conditions"].as_array()?;
    ["Complete", "Failed"]
        .into_iter()
        .find(|kind| conditions.iter().any(|c| c["type"] == *kind && c["status"] == "True"))
}

fn reference(job: &Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "name": object::name(job), "namespace": object::namespace(job),
           "uid": job["metadata"]["uid"], "resourceVersion": job["metadata"]["resourceVersion"]})
}

/// The Job a CronJob starts for `scheduled` (named `{cronjob}-{minutes since the epoch}`, as the controller does).
pub fn job_for(cj: &Value, scheduled: i64) -> Value {
    let template = &cj["spec"]["jobTemplate"];
    let mut annotations = template["metadata"]["annotations"].clone();
    if !annotations.is_object() {
        annotations = json!({});
    }
    annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = json!(clock::rfc3339(scheduled));
    let mut meta = json!({
        "name": format!("{}-{}", object::name(cj), scheduled / 60), "namespace": object::namespace(cj),
        "annotations": annotations,
        "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": object::name(cj), "uid": cj["metadata"]["uid"],
            "controller": true, "blockOwnerDeletion": true}],
    });
    if let Some(labels) = template["metadata"]["labels"].as_object().filter(|l| !l.is_empty()) {
        meta["labels"] = Value::Object(labels.clone());
    }
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template["spec"].clone()});
    super::defaults::apply(resources::JOBS, &mut job);
    job
}

/// Converges a CronJob at `now`: `owned` holds its Jobs.
pub fn reconcile(cj: &Value, rv: u64, owned: &[(Key, Arc<Stored>)], now: i64) -> Vec<Action> {
    let mut actions = Vec::new();
    let spec = &cj["spec"];
    let mut jobs: Vec<Value> =
        owned.iter().filter(|(k, o)| k.0 == resources::JOBS && !o.terminating).map(|(_, o)| o.value()).collect();
    jobs.sort_by_key(|j| j["metadata"]["creationTimestamp"].as_str().unwrap_or_default().to_string());
    let mut status = cj["status"].as_object().cloned().map(Value::Object).unwrap_or_else(|| json!({}));
    let (active, done): (Vec<&Value>, Vec<&Value>) = jobs.iter().partition(|j| job_finished(j).is_none());
    // History limits: the oldest finished jobs beyond them are deleted, with their pods.
    for (kind, limit) in [
        ("Complete", spec["successfulJobsHistoryLimit"].as_i64().unwrap_or(3)),
        ("Failed", spec["failedJobsHistoryLimit"].as_i64().unwrap_or(1)),
    ] {
        let finished: Vec<&&Value> = done.iter().filter(|j| job_finished(j) == Some(kind)).collect();
        let excess = finished.len().saturating_sub(limit.max(0) as usize);
        for job in finished.into_iter().take(excess) {
            actions.push(event(cj, false, "SuccessfulDelete", format!("Deleted job {}", object::name(job))));
            actions.push(Action::Delete((
                resources::JOBS,
                object::namespace(job).to_string(),
                object::name(job).to_string(),
            )));
        }
    }
    if let Some(last) = done
        .iter()
        .filter(|j| job_finished(j) == Some("Complete"))
        .filter_map(|j| j["status"]["completionTime"].as_str())
        .max()
    {
        if status.get("lastSuccessfulTime").and_then(Value::as_str).is_none_or(|t| t < last) {
            status["lastSuccessfulTime"] = json!(last);
        }
    }
    let mut active_refs: Vec<Value> = active.iter().map(|j| reference(j)).collect();
    let suspended = spec["suspend"].as_bool() == Some(true);
    let since = status
        .get("lastScheduleTime")
        .and_then(Value::as_str)
        .or_else(|| cj["metadata"]["creationTimestamp"].as_str())
        .and_then(clock::parse_rfc3339)
        .map_or(now, |t| t as i64);
    let schedule = Schedule::parse(spec["schedule"].as_str().unwrap_or_default());
    if let (false, Ok(schedule)) = (suspended, schedule) {
        // The most recent missed time, as the controller starts only the latest one.
        let mut due = None;
        let mut at = since;
        for _ in 0..1000 {
            match schedule.next_after(at) {
                Some(t) if t <= now => {
                    due = Some(t);
                    at = t;
                }
                _ => break,
            }
        }
        let too_late = |t: i64| spec["startingDeadlineSeconds"].as_i64().is_some_and(|d| now - t > d);
        if let Some(t) = due.filter(|t| !too_late(*t)) {
            let policy = spec["concurrencyPolicy"].as_str().unwrap_or("Allow");
            if policy == "Forbid" && !active.is_empty() {
                // Skipped; the time stays unrecorded so the next one is tried.
            } else {
                if policy == "Replace" {
                    for job in &active {
                        actions.push(event(
                            cj,
                            false,
                            "SuccessfulDelete",
                            format!("Deleted job {}", object::name(job)),
                        ));
                        actions.push(Action::Delete((
                            resources::JOBS,
                            object::namespace(job).to_string(),
                            object::name(job).to_string(),
                        )));
                    }
                    active_refs.clear();
                }
                let job = job_for(cj, t);
                actions.push(event(cj, false, "SuccessfulCreate", format!("Created job {}", object::name(&job))));
                active_refs.push(json!({"apiVersion": "batch/v1", "kind": "Job", "name": object::name(&job), "namespace": object::namespace(&job)}));
                actions.push(Action::Create(resources::JOBS, job));
                status["lastScheduleTime"] = json!(clock::rfc3339(t));
            }
        }
    }
    match active_refs.is_empty() {
        true => status.as_object_mut().map(|s| s.remove("active")),
        false => status.as_object_mut().map(|s| s.insert("active".into(), json!(active_refs))),
    };
    if cj["status"] != status && !(cj["status"].is_null() && status == json!({})) {
        let mut next = cj.clone();
        next["status"] = status;
        actions.push(Action::Update(resources::CRONJOBS, next, rv));
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        clock::parse_rfc3339(text).unwrap() as i64
    }

    #[test]
    fn schedules_step_through_fields() {
        let every_15 = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(every_15.next_after(at("2026-03-01T10:07:30Z")), Some(at("2026-03-01T10:15:00Z")));
        let nightly = Schedule::parse("30 2 * * MON-FRI").unwrap();
        // 2026-03-07 is a Saturday: the next is Monday the 9th.
        assert_eq!(nightly.next_after(at("2026-03-06T03:00:00Z")), Some(at("2026-03-09T02:30:00Z")));
        let yearly = Schedule::parse("@yearly").unwrap();
        assert_eq!(yearly.next_after(at("2026-03-01T00:00:00Z")), Some(at("2027-01-01T00:00:00Z")));
        let either = Schedule::parse("0 0 13 * 5").unwrap();
        // The 13th or any Friday: 2026-03-06 is a Friday.
        assert_eq!(either.next_after(at("2026-03-01T00:00:00Z")), Some(at("2026-03-06T00:00:00Z")));
        let months = Schedule::parse("0 12 1 feb,aug *").unwrap();
        assert_eq!(months.next_after(at("2026-03-01T00:00:00Z")), Some(at("2026-08-01T12:00:00Z")));
        assert!(Schedule::parse("* * * *").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
    }

    fn cronjob(suspend: bool) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "nightly", "namespace": "ml-train", "uid": "cj-1", "creationTimestamp": "2026-03-01T00:00:00Z"},
            "spec": {"schedule": "*/10 * * * *", "suspend": suspend,
                "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}}}}}})
    }

    #[test]
    fn a_passed_time_starts_one_job_and_suspend_holds_it() {
        let now = at("2026-03-01T00:25:10Z");
        let actions = reconcile(&cronjob(false), 7, &[], now);
        let created: Vec<&Value> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Create(r, j) if *r == resources::JOBS => Some(j),
                _ => None,
            })
            .collect();
        assert_eq!(created.len(), 1, "only the latest missed time");
        assert_eq!(created[0]["metadata"]["name"], format!("nightly-{}", at("2026-03-01T00:20:00Z") / 60));
        assert_eq!(created[0]["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        let status = actions.iter().find_map(|a| match a {
            Action::Update(_, v, _) => Some(v["status"].clone()),
            _ => None,
        });
        let status = status.unwrap();
        assert_eq!(status["lastScheduleTime"], "2026-03-01T00:20:00Z");
        assert_eq!(status["active"][0]["kind"], "Job");
        assert!(reconcile(&cronjob(true), 7, &[], now).is_empty());
    }
}
