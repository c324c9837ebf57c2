//! Asynchronous SIM status changes for the simulators that queue them (AIRLINQ, STC): the changed
//! statuses (rows not listed keep their generated one), one pending change per SIM, and the
//! platform's job engine. A change whose SIM breaks a carrier rule is decided when it is
//! submitted but only reported when the job settles, as carriers do: the order is accepted and
//! later fails with a reason.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::cellular::now_rfc3339;
use super::faults::lock;
use super::jobs::{JobEngine, JobState, JobView};

/// A status a change has set, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub status: String,
    pub at: String,
}

/// What a job was asked to do; kept beside the engine's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub iccid: String,
    pub from: String,
    pub target: String,
    pub submitted: String,
}

/// A job and its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub job: JobView,
    pub order: Order,
}

pub struct StatusBook {
    changed: Arc<Mutex<HashMap<u64, Changed>>>,
    jobs: JobEngine,
    orders: Mutex<HashMap<u64, Order>>,
    /// SIM row → the job last submitted for it.
    latest: Mutex<HashMap<u64, u64>>,
}

impl StatusBook {
    pub fn new(async_delay: Duration) -> Self {
        Self {
            changed: Arc::default(),
            jobs: JobEngine::new(async_delay),
            orders: Mutex::new(HashMap::new()),
            latest: Mutex::new(HashMap::new()),
        }
    }

    /// Completes due jobs; call before answering any request.
    pub fn settle(&self) {
        self.jobs.settle();
    }

    /// The status a change set on row `index`, if any.
    pub fn changed(&self, index: u64) -> Option<Changed> {
        lock(&self.changed).get(&index).cloned()
    }

    /// The id of a job still pending for row `index`.
    pub fn pending(&self, index: u64) -> Option<u64> {
        let job = *lock(&self.latest).get(&index)?;
        (self.jobs.get(job)?.state == JobState::InProgress).then_some(job)
    }

    /// Queues `order` for row `index`. `refusal` is the carrier's reason when the change will
    /// fail; otherwise the job sets `order.target` when it settles. Returns the job id.
    pub fn submit(&self, index: u64, order: Order, refusal: Option<String>) -> u64 {
        let changed = self.changed.clone();
        let target = order.target.clone();
        let id = self.jobs.submit(
            order.iccid.clone(),
            Box::new(move || match refusal {
                Some(reason) => Err(reason),
                None => {
                    lock(&changed).insert(
                        index,
                        Changed {
                            status: target,
                            at: now_rfc3339(),
                        },
                    );
                    Ok(())
                }
            }),
        );
        lock(&self.orders).insert(id, order);
        lock(&self.latest).insert(index, id);
        id
    }

    pub fn get(&self, id: u64) -> Option<OrderView> {
        let job = self.jobs.get(id)?;
        let order = lock(&self.orders).get(&id).cloned()?;
        Some(OrderView { job, order })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(target: &str) -> Order {
        Order {
            iccid: "8900".into(),
            from: "ACTIVE".into(),
            target: target.into(),
            submitted: now_rfc3339(),
        }
    }

    #[test]
    fn jobs_apply_or_fail_when_they_settle() {
        let book = StatusBook::new(Duration::ZERO);
        let ok = book.submit(3, order("SUSPEND"), None);
        assert_eq!(book.get(ok).map(|v| v.job.state), Some(JobState::Completed));
        assert_eq!(book.changed(3).map(|c| c.status), Some("SUSPEND".into()));
        let bad = book.submit(4, order("SUSPEND"), Some("no".into()));
        let view = book.get(bad).expect("job");
        assert_eq!(view.job.state, JobState::InError);
        assert_eq!(book.changed(4), None);
        assert_eq!(book.pending(3), None);

        let slow = StatusBook::new(Duration::from_secs(3600));
        let id = slow.submit(1, order("ACTIVE"), None);
        assert_eq!(slow.pending(1), Some(id));
    }
}
