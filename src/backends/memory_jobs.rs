//! Asynchronous requests of the in-memory test double: with
//! [`MemoryBackend::with_async_changes`](super::memory::MemoryBackend::with_async_changes) a
//! status or characteristics change is accepted as a pending monitor instead of applied, and the
//! change lands on the product only when the monitor completes, after a fixed number of polls —
//! the way TMSP and the other async platforms behave, without clocks, so tests stay deterministic.

use super::{BackendError, BackendResult};
use crate::domain::{BackendKind, Characteristic, Monitor, MonitorState, ProductId, Status};
use std::collections::HashMap;

/// The change a pending request applies when it completes.
#[derive(Debug, Clone)]
pub(super) enum Deferred {
    Status(Status),
    Characteristics(Vec<Characteristic>),
}

#[derive(Debug)]
struct Job {
    monitor: Monitor,
    business_id: String,
    polls_left: u32,
    change: Deferred,
}

/// The request table of one `MemoryBackend`.
#[derive(Debug, Default)]
pub(super) struct Jobs {
    /// `Some(n)`: changes are asynchronous and complete on the n-th poll.
    pub(super) polls_to_complete: Option<u32>,
    /// Polls still to fail with a transient error before the table answers again.
    pub(super) failing_polls: u32,
    issued: u64,
    jobs: HashMap<String, Job>,
}

impl Jobs {
    /// Accept a change: a new `InProgress` monitor for `product`.
    pub(super) fn accept(
        &mut self,
        backend: &str,
        kind: BackendKind,
        product: ProductId,
        request: String,
        change: Deferred,
    ) -> Monitor {
        self.issued += 1;
        let native = format!("{}-{}", product.business_id, self.issued);
        let monitor = Monitor {
            id: Monitor::make_id(kind, &native),
            kind,
            backend: backend.to_string(),
            product_id: Some(product.clone()),
            request,
            state: MonitorState::InProgress,
            status_code: None,
            detail: None,
            created: chrono::Utc::now().to_rfc3339(),
            updated: None,
        };
        self.jobs.insert(
            monitor.id.clone(),
            Job {
                monitor: monitor.clone(),
                business_id: product.business_id,
                polls_left: self.polls_to_complete.unwrap_or(1).max(1),
                change,
            },
        );
        monitor
    }

    /// One poll. Returns the monitor and, when this poll completed it, the change to apply
    /// (to the product with that business id).
    pub(super) fn poll(
        &mut self,
        backend: &str,
        id: &str,
    ) -> BackendResult<(Monitor, Option<(String, Deferred)>)> {
        if self.failing_polls > 0 {
            self.failing_polls -= 1;
            return Err(BackendError::Unreachable {
                backend: backend.to_string(),
                detail: "simulated connection failure".into(),
            });
        }
        let job = self.job(backend, id)?;
        let mut completed = None;
        if job.monitor.state == MonitorState::InProgress {
            job.polls_left = job.polls_left.saturating_sub(1);
            if job.polls_left == 0 {
                job.monitor.state = MonitorState::Completed;
                job.monitor.status_code = Some(200);
                job.monitor.updated = Some(chrono::Utc::now().to_rfc3339());
                completed = Some((job.business_id.clone(), job.change.clone()));
            }
        }
        Ok((job.monitor.clone(), completed))
    }

    /// Cancel a request still in progress; a finished one is refused like a carrier would (409).
    pub(super) fn cancel(&mut self, backend: &str, id: &str) -> BackendResult<Monitor> {
        let job = self.job(backend, id)?;
        if job.monitor.state != MonitorState::InProgress {
            return Err(BackendError::Http {
                backend: backend.to_string(),
                status: 409,
                detail: format!("request already {}", job.monitor.state.as_str()),
            });
        }
        job.monitor.state = MonitorState::Cancelled;
        job.monitor.updated = Some(chrono::Utc::now().to_rfc3339());
        Ok(job.monitor.clone())
    }

    fn job(&mut self, backend: &str, id: &str) -> BackendResult<&mut Job> {
        self.jobs.get_mut(id).ok_or_else(|| BackendError::NotFound {
            backend: backend.to_string(),
            what: format!("monitor {id}"),
        })
    }
}
