//! Jobs and CronJobs: described as kubectl does (a CronJob's active Jobs come from its own status).

use super::Printed;
use crate::describe::batch;

pub const JOBS: Printed = Printed {
    group: "batch",
    kind: "Job",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| batch::describe_job(obj, events, now),
};

pub const CRON_JOBS: Printed = Printed {
    group: "batch",
    kind: "CronJob",
    columns: &[],
    fetches: &[],
    print: |obj, _, events, now| batch::describe_cron_job(obj, events, now),
};
