//! Asynchronous subscription requests: a `state-changes` POST becomes a job of the shared
//! [`JobEngine`], `IN_PROGRESS` until `async_delay` has passed, then applied per subscription
//! (resource). The request view follows the DCP `SubscriptionRequest` shape: state
//! `IN_PROGRESS | COMPLETED | COMPLETED_WITH_FAILURES | REJECTED | CANCELED`, counters and
//! per-resource results with failure infos.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde_json::{Value, json};

use super::rows::StateChange;
use crate::sim::faults::lock;
use crate::sim::jobs::{JobEngine, JobState};

/// Per-row state overrides (the only stored inventory state).
pub type Overrides = Arc<Mutex<HashMap<u64, StateChange>>>;

/// One subscription named in a request: its identifier and row (if it exists) and, once the
/// job ran, its failure text (`None` = done). A failure set before submitting (a locked
/// subscription, or one the `bulk_partial` fault leaves out) is kept: the job skips it.
#[derive(Debug, Clone)]
pub struct Resource {
    pub identifier: String,
    pub row: Option<u64>,
    pub failure: Option<String>,
}

#[derive(Debug)]
pub struct RequestRecord {
    pub target: String,
    pub created: String,
    pub resources: Vec<Resource>,
    pub done: bool,
}

pub type Records = Arc<Mutex<HashMap<u64, Arc<Mutex<RequestRecord>>>>>;

pub fn wire_id(id: u64) -> String {
    format!("REQ{id:012}")
}

pub fn parse_id(wire: &str) -> Option<u64> {
    wire.strip_prefix("REQ")?.parse().ok()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Queues a state change of `resources` to `target`; `current` reads a row's state when the
/// job runs. Returns the request id (wire form).
pub fn submit(
    jobs: &JobEngine,
    records: &Records,
    overrides: &Overrides,
    current: impl Fn(u64) -> String + Send + 'static,
    target: &str,
    resources: Vec<Resource>,
) -> String {
    // The job owns its record (shared with the map), so it never needs the map's lock.
    let record = Arc::new(Mutex::new(RequestRecord {
        target: target.to_string(),
        created: now(),
        resources,
        done: false,
    }));
    let mine = record.clone();
    let overrides = overrides.clone();
    let wanted = target.to_string();
    let effect = Box::new(move || {
        let mut record = lock(&mine);
        for resource in &mut record.resources {
            if resource.failure.is_some() {
                continue;
            }
            resource.failure = match resource.row {
                None => Some(format!("Subscription {} not found", resource.identifier)),
                Some(row) if current(row) == "TERMINATED" => Some(format!(
                    "Subscription {} is terminated and cannot change state",
                    resource.identifier
                )),
                Some(row) => {
                    let change = StateChange {
                        state: wanted.clone(),
                        at: Utc::now(),
                    };
                    lock(&overrides).insert(row, change);
                    None
                }
            };
        }
        record.done = true;
        if record.resources.iter().all(|r| r.failure.is_some()) {
            Err("every subscription of the request failed".to_string())
        } else {
            Ok(())
        }
    });
    let id = jobs.submit(target, effect);
    lock(records).insert(id, record);
    wire_id(id)
}

/// The request as `GET …/subscriptions/requests/{id}` returns it.
pub fn view(jobs: &JobEngine, records: &Records, id: u64) -> Option<Value> {
    let job = jobs.get(id)?;
    let shared = lock(records).get(&id)?.clone();
    let record = lock(&shared);
    let failed = record
        .resources
        .iter()
        .filter(|r| r.failure.is_some())
        .count();
    let total = record.resources.len();
    let state = match job.state {
        JobState::InProgress => "IN_PROGRESS",
        JobState::Cancelled => "CANCELED",
        JobState::InError => "REJECTED",
        JobState::Completed if failed > 0 => "COMPLETED_WITH_FAILURES",
        JobState::Completed => "COMPLETED",
    };
    let pending = !record.done && job.state == JobState::InProgress;
    let resources: Vec<Value> = record
        .resources
        .iter()
        .map(|r| {
            let resource_state = match (&r.failure, pending, job.state) {
                (_, true, _) => "IN_PROGRESS",
                (_, _, JobState::Cancelled) => "CANCELED",
                (Some(_), _, _) => "FAILED",
                (None, _, _) => "COMPLETED",
            };
            let infos: Vec<Value> = r
                .failure
                .iter()
                .map(|f| json!({"errorCode": "SUBSCRIPTION_STATE_CHANGE_FAILED", "errorMessage": f}))
                .collect();
            json!({
                "resourceId": r.identifier,
                "resourceState": resource_state,
                "resourceProperties": [{"type": "SUBSCRIPTION_STATE", "value": record.target, "operation": "SET"}],
                "resourceFailureInfos": infos,
            })
        })
        .collect();
    let count = |cond: bool, n: usize| if cond { n } else { 0 };
    Some(json!({
        "subscriptionRequestId": wire_id(id),
        "subscriptionRequestType": "CHANGE_SUBSCRIPTIONSTATE",
        "subscriptionRequestState": state,
        "timeCreated": record.created,
        "lastUpdated": now(),
        "subscriptionRequestResourceCounters": {
            "inProgress": count(pending, total),
            "pending": 0,
            "canceled": count(job.state == JobState::Cancelled, total),
            "rejected": 0,
            "completed": count(record.done, total - failed),
            "failed": count(record.done, failed),
        },
        "subscriptionRequestResources": resources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn requests_apply_per_resource_and_report_failures() {
        let jobs = JobEngine::new(Duration::ZERO);
        let records: Records = Arc::default();
        let overrides: Overrides = Arc::default();
        let resources = vec![
            Resource {
                identifier: "a".into(),
                row: Some(1),
                failure: None,
            },
            Resource {
                identifier: "b".into(),
                row: None,
                failure: None,
            },
        ];
        let id = submit(
            &jobs,
            &records,
            &overrides,
            |_| "ACTIVE".into(),
            "DEACTIVATED",
            resources,
        );
        assert_eq!(parse_id(&id), Some(1));
        let v = view(&jobs, &records, 1).expect("request exists");
        assert_eq!(v["subscriptionRequestState"], "COMPLETED_WITH_FAILURES");
        assert_eq!(
            v["subscriptionRequestResources"][1]["resourceState"],
            "FAILED"
        );
        assert_eq!(lock(&overrides)[&1].state, "DEACTIVATED");
    }

    #[test]
    fn a_failure_set_before_the_job_is_kept_and_the_row_left_alone() {
        let jobs = JobEngine::new(Duration::ZERO);
        let records: Records = Arc::default();
        let overrides: Overrides = Arc::default();
        let resources = vec![
            Resource {
                identifier: "a".into(),
                row: Some(1),
                failure: None,
            },
            Resource {
                identifier: "b".into(),
                row: Some(2),
                failure: Some("Subscription b is locked".into()),
            },
        ];
        submit(
            &jobs,
            &records,
            &overrides,
            |_| "ACTIVE".into(),
            "DEACTIVATED",
            resources,
        );
        let v = view(&jobs, &records, 1).expect("request exists");
        assert_eq!(v["subscriptionRequestState"], "COMPLETED_WITH_FAILURES");
        let b = &v["subscriptionRequestResources"][1];
        assert_eq!(b["resourceState"], "FAILED");
        assert_eq!(
            b["resourceFailureInfos"][0]["errorMessage"],
            "Subscription b is locked"
        );
        assert!(lock(&overrides).contains_key(&1));
        assert!(!lock(&overrides).contains_key(&2), "b was not applied");
    }
}
