//! Workload and disruption kinds from protobuf: apps/v1 Deployment, batch/v1 Job and CronJob, policy/v1
//! PodDisruptionBudget, and policy/v1 and v1beta1 Eviction.

use serde_json::Value;

use k8s_pb::api::{apps::v1 as apps, batch::v1 as batch, policy};

use super::core_v1::pod_template;
use super::meta::{Obj, delete_options, int_or_string, label_selector, object_meta};

fn i32s(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

pub fn deployment(d: apps::Deployment) -> Value {
    Obj::new()
        .msg("metadata", d.metadata, object_meta)
        .msg("spec", d.spec, |s| {
            Obj::new()
                .int("replicas", i32s(s.replicas))
                .msg("selector", s.selector, label_selector)
                .msg("template", s.template, pod_template)
                .msg("strategy", s.strategy, |st| {
                    Obj::new()
                        .str("type", st.r#type)
                        .msg("rollingUpdate", st.rolling_update, |r| {
                            Obj::new()
                                .msg("maxUnavailable", r.max_unavailable, int_or_string)
                                .msg("maxSurge", r.max_surge, int_or_string)
                                .done()
                        })
                        .done()
                })
                .int0("minReadySeconds", i32s(s.min_ready_seconds))
                .int("revisionHistoryLimit", i32s(s.revision_history_limit))
                .flag("paused", s.paused)
                .int("progressDeadlineSeconds", i32s(s.progress_deadline_seconds))
                .done()
        })
        .done()
}

fn job_spec(s: batch::JobSpec) -> Value {
    Obj::new()
        .int("parallelism", i32s(s.parallelism))
        .int("completions", i32s(s.completions))
        .int("activeDeadlineSeconds", s.active_deadline_seconds)
        .int("backoffLimit", i32s(s.backoff_limit))
        .msg("selector", s.selector, label_selector)
        .bool("manualSelector", s.manual_selector)
        .msg("template", s.template, pod_template)
        .int("ttlSecondsAfterFinished", i32s(s.ttl_seconds_after_finished))
        .str("completionMode", s.completion_mode)
        .bool("suspend", s.suspend)
        .str("podReplacementPolicy", s.pod_replacement_policy)
        .done()
}

pub fn job(j: batch::Job) -> Value {
    Obj::new().msg("metadata", j.metadata, object_meta).msg("spec", j.spec, job_spec).done()
}

pub fn cron_job(c: batch::CronJob) -> Value {
    Obj::new()
        .msg("metadata", c.metadata, object_meta)
        .msg("spec", c.spec, |s| {
            Obj::new()
                .str("schedule", s.schedule)
                .str("timeZone", s.time_zone)
                .int("startingDeadlineSeconds", s.starting_deadline_seconds)
                .str("concurrencyPolicy", s.concurrency_policy)
                .bool("suspend", s.suspend)
                .msg("jobTemplate", s.job_template, |t| {
                    Obj::new().msg("metadata", t.metadata, object_meta).msg("spec", t.spec, job_spec).done()
                })
                .int("successfulJobsHistoryLimit", i32s(s.successful_jobs_history_limit))
                .int("failedJobsHistoryLimit", i32s(s.failed_jobs_history_limit))
                .done()
        })
        .done()
}

pub fn pdb(p: policy::v1::PodDisruptionBudget) -> Value {
    Obj::new()
        .msg("metadata", p.metadata, object_meta)
        .msg("spec", p.spec, |s| {
            Obj::new()
                .msg("minAvailable", s.min_available, int_or_string)
                .msg("selector", s.selector, label_selector)
                .msg("maxUnavailable", s.max_unavailable, int_or_string)
                .str("unhealthyPodEvictionPolicy", s.unhealthy_pod_eviction_policy)
                .done()
        })
        .done()
}

pub fn eviction(e: policy::v1::Eviction) -> Value {
    Obj::new().msg("metadata", e.metadata, object_meta).msg("deleteOptions", e.delete_options, delete_options).done()
}

pub fn eviction_v1beta1(e: policy::v1beta1::Eviction) -> Value {
    Obj::new().msg("metadata", e.metadata, object_meta).msg("deleteOptions", e.delete_options, delete_options).done()
}
