//! Tables for Jobs and CronJobs, as kube-apiserver 1.32's printers.go prints them; no IO.

use serde_json::Value;

use super::{
    AGE, CONTAINERS, Column, IMAGES, NAME, TEMPLATE_CONTAINERS, age, at, column, condition, container_cells,
    format_label_selector, human_duration, int, is_set, list, name, parse_rfc3339, since, text, wide,
};

const JOB_SELECTOR_DESC: &str = "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";

pub const JOB_COLUMNS: &[Column] = &[
    NAME,
    column("Status", "string", "Status of the job."),
    column(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.",
    ),
    column("Duration", "string", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", JOB_SELECTOR_DESC),
];

pub const CRON_JOB_COLUMNS: &[Column] = &[
    NAME,
    column("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column(
        "Timezone",
        "string",
        "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones",
    ),
    column(
        "Suspend",
        "boolean",
        "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
    ),
    column("Active", "integer", "A list of pointers to currently running jobs."),
    column("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
    AGE,
    CONTAINERS,
    IMAGES,
    wide("Selector", "string", JOB_SELECTOR_DESC),
];

pub fn job_cells(job: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(job, TEMPLATE_CONTAINERS);
    vec![
        name(job),
        job_status(job).into(),
        job_completions(job).into(),
        job_duration(job, now).into(),
        age(job, now),
        names,
        images,
        format_label_selector(at(job, "/spec/selector")).into(),
    ]
}

/// The first condition that holds, in printJob's order; Terminating outranks the softer ones.
fn job_status(job: &Value) -> &'static str {
    let conditions = list(job, "/status/conditions");
    let holds = |kind| condition(conditions, kind) == Some("True");
    if holds("Complete") {
        "Complete"
    } else if holds("Failed") {
        "Failed"
    } else if is_set(job, "/metadata/deletionTimestamp") {
        "Terminating"
    } else if holds("Suspended") {
        "Suspended"
    } else if holds("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    }
}

/// "succeeded/completions"; without completions, "n/1", or "n/1 of p" for a parallel work queue.
fn job_completions(job: &Value) -> String {
    let succeeded = int(job, "/status/succeeded");
    if let Some(completions) = at(job, "/spec/completions").as_i64() {
        return format!("{succeeded}/{completions}");
    }
    match int(job, "/spec/parallelism") {
        parallelism if parallelism > 1 => format!("{succeeded}/1 of {parallelism}"),
        _ => format!("{succeeded}/1"),
    }
}

/// Start to completion, or start to now while running; empty before the job starts.
fn job_duration(job: &Value, now: i64) -> String {
    let Some(start) = parse_rfc3339(text(job, "/status/startTime")) else {
        return String::new();
    };
    let end = parse_rfc3339(text(job, "/status/completionTime")).unwrap_or(now);
    human_duration(end.saturating_sub(start))
}

pub fn cron_job_cells(cron_job: &Value, now: i64) -> Vec<Value> {
    let [names, images] = container_cells(cron_job, "/spec/jobTemplate/spec/template/spec/containers");
    let last_schedule = if is_set(cron_job, "/status/lastScheduleTime") {
        since(text(cron_job, "/status/lastScheduleTime"), now)
    } else {
        "<none>".to_string()
    };
    // suspend defaults to false, so printBoolPtr's "<unset>" never shows on a real cluster.
    let suspend = if at(cron_job, "/spec/suspend").as_bool() == Some(true) { "True" } else { "False" };
    vec![
        name(cron_job),
        text(cron_job, "/spec/schedule").into(),
        at(cron_job, "/spec/timeZone").as_str().unwrap_or("<none>").into(),
        suspend.into(),
        list(cron_job, "/status/active").len().into(),
        last_schedule.into(),
        age(cron_job, now),
        names,
        images,
        format_label_selector(at(cron_job, "/spec/jobTemplate/spec/selector")).into(),
    ]
}
