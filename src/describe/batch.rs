//! `kubectl describe` for Jobs (completions, timing, pod counts) and CronJobs (schedule, job template, active jobs).

use super::pod::controller_of;
use super::tabwriter::Out;
use super::text::{
    annotations_block, at, events_block, format_selector, go_bool, human_duration, int, labels_block, list, parse_time,
    plain, rfc1123z, s,
};
use super::workload::pod_template;
use serde_json::Value;

/// An optional integer field as text, `<unset>` when absent.
fn or_unset(v: &Value) -> String {
    if v.is_null() { "<unset>".to_string() } else { plain(v) }
}

pub(crate) fn describe_job(job: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(job, &["metadata"]);
    let spec = at(job, &["spec"]);
    let status = at(job, &["status"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    w.w(0, &format!("Selector:\t{}\n", format_selector(at(spec, &["selector"]))));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    let owner = controller_of(job);
    if !owner.is_empty() {
        w.w(0, &format!("Controlled By:\t{owner}\n"));
    }
    if !at(spec, &["parallelism"]).is_null() {
        w.w(0, &format!("Parallelism:\t{}\n", int(spec, &["parallelism"])));
    }
    w.w(0, &format!("Completions:\t{}\n", or_unset(at(spec, &["completions"]))));
    let mode = s(spec, &["completionMode"]);
    if !at(spec, &["completionMode"]).is_null() {
        w.w(0, &format!("Completion Mode:\t{mode}\n"));
    }
    for (title, key) in [
        ("Suspend", "suspend"),
        ("Backoff Limit", "backoffLimit"),
        ("TTL Seconds After Finished", "ttlSecondsAfterFinished"),
    ] {
        let v = at(spec, &[key]);
        if !v.is_null() {
            w.w(0, &format!("{title}:\t{}\n", plain(v)));
        }
    }
    let (start, done) = (at(status, &["startTime"]), at(status, &["completionTime"]));
    if !start.is_null() {
        w.w(0, &format!("Start Time:\t{}\n", rfc1123z(start)));
    }
    if !done.is_null() {
        w.w(0, &format!("Completed At:\t{}\n", rfc1123z(done)));
    }
    if let (Some(a), Some(b)) = (parse_time(start), parse_time(done)) {
        w.w(0, &format!("Duration:\t{}\n", human_duration(b - a)));
    }
    if !at(spec, &["activeDeadlineSeconds"]).is_null() {
        w.w(0, &format!("Active Deadline Seconds:\t{}s\n", int(spec, &["activeDeadlineSeconds"])));
    }
    let (active, succeeded, failed) = (int(status, &["active"]), int(status, &["succeeded"]), int(status, &["failed"]));
    let ready = at(status, &["ready"]);
    let active =
        if ready.is_null() { format!("{active} Active") } else { format!("{active} Active ({} Ready)", plain(ready)) };
    w.w(0, &format!("Pods Statuses:\t{active} / {succeeded} Succeeded / {failed} Failed\n"));
    if mode == "Indexed" {
        w.w(0, &format!("Completed Indexes:\t{}\n", capped_indexes(s(status, &["completedIndexes"]), 50)));
    }
    pod_template(&mut w, at(spec, &["template"]));
    events_block(&mut w, events, now);
    w.finish()
}

/// `capIndexesListOrNone`: the index list cut at the first comma at or after `soft_limit` bytes, then `...`.
fn capped_indexes(indexes: &str, soft_limit: usize) -> String {
    if indexes.is_empty() {
        return "<none>".to_string();
    }
    match indexes.bytes().enumerate().skip(soft_limit).find(|(_, b)| *b == b',') {
        Some((i, _)) => format!("{}...", &indexes[..=i]),
        None => indexes.to_string(),
    }
}

pub(crate) fn describe_cron_job(cj: &Value, events: &[&Value], now: i64) -> String {
    let mut w = Out::default();
    let meta = at(cj, &["metadata"]);
    let spec = at(cj, &["spec"]);
    w.w(0, &format!("Name:\t{}\n", s(meta, &["name"])));
    w.w(0, &format!("Namespace:\t{}\n", s(meta, &["namespace"])));
    labels_block(&mut w, "Labels", at(meta, &["labels"]));
    annotations_block(&mut w, "Annotations", at(meta, &["annotations"]));
    w.w(0, &format!("Schedule:\t{}\n", s(spec, &["schedule"])));
    w.w(0, &format!("Concurrency Policy:\t{}\n", s(spec, &["concurrencyPolicy"])));
    let suspend = at(spec, &["suspend"]).as_bool().map_or("<unset>", go_bool);
    w.w(0, &format!("Suspend:\t{suspend}\n"));
    for (title, key) in [
        ("Successful Job History Limit", "successfulJobsHistoryLimit"),
        ("Failed Job History Limit", "failedJobsHistoryLimit"),
    ] {
        w.w(0, &format!("{title}:\t{}\n", or_unset(at(spec, &[key]))));
    }
    let deadline = at(spec, &["startingDeadlineSeconds"]);
    let deadline = if deadline.is_null() { "<unset>".to_string() } else { format!("{}s", plain(deadline)) };
    w.w(0, &format!("Starting Deadline Seconds:\t{deadline}\n"));
    job_template(&mut w, at(spec, &["jobTemplate", "spec"]));
    let last = at(cj, &["status", "lastScheduleTime"]);
    let last = if last.is_null() { "<unset>".to_string() } else { rfc1123z(last) };
    w.w(0, &format!("Last Schedule Time:\t{last}\n"));
    let active: Vec<&str> = list(cj, &["status", "active"]).iter().map(|j| s(j, &["name"])).collect();
    w.w(0, "Active Jobs:\t");
    w.line(if active.is_empty() { "<none>".to_string() } else { active.join(", ") }.as_str());
    events_block(&mut w, events, now);
    w.finish()
}

/// `describeJobTemplate`: the job spec fields a CronJob stamps out, then its pod template.
fn job_template(w: &mut Out, spec: &Value) {
    let selector = at(spec, &["selector"]);
    let selector = if selector.is_null() { "<unset>".to_string() } else { format_selector(selector) };
    w.w(0, &format!("Selector:\t{selector}\n"));
    w.w(0, &format!("Parallelism:\t{}\n", or_unset(at(spec, &["parallelism"]))));
    w.w(0, &format!("Completions:\t{}\n", or_unset(at(spec, &["completions"]))));
    if !at(spec, &["activeDeadlineSeconds"]).is_null() {
        w.w(0, &format!("Active Deadline Seconds:\t{}s\n", int(spec, &["activeDeadlineSeconds"])));
    }
    pod_template(w, at(spec, &["template"]));
}
