//! Jobs and CronJobs: described as kubectl does (a CronJob's active Jobs come from its own status).

use serde_json::Value;

use super::View;
use crate::describe::{Related, batch};

pub struct Jobs;

impl View for Jobs {
    fn kind(&self) -> (&'static str, &'static str) {
        ("batch", "Job")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        batch::describe_job(obj, events, now)
    }
}

pub struct CronJobs;

impl View for CronJobs {
    fn kind(&self) -> (&'static str, &'static str) {
        ("batch", "CronJob")
    }

    fn describe(&self, obj: &Value, _related: &Related, events: &[&Value], now: i64) -> String {
        batch::describe_cron_job(obj, events, now)
    }
}
