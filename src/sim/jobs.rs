//! A generic asynchronous job engine for platforms whose changes are queued (TMSP, IOTA,
//! INTELSAT…): a job is `InProgress` until `async_delay` has passed, then `Completed` (its effect
//! applied) or `InError`; it can be cancelled while pending.
//!
//! Jobs settle lazily: every read of the engine first completes the jobs that are due, in
//! submission order. No background task, so the engine is deterministic under test.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::faults::lock;

/// Native-neutral job states; each platform renders them in its own vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    InProgress,
    Completed,
    InError,
    Cancelled,
}

/// A job's effect, run once when it completes; returns an error text to end `InError`.
pub type JobEffect = Box<dyn FnOnce() -> Result<(), String> + Send>;

/// A snapshot of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    pub id: u64,
    pub state: JobState,
    pub error: Option<String>,
    /// Opaque platform data (the request that created the job, as the platform shapes it).
    pub payload: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("job not found")]
    NotFound,
    #[error("job is no longer pending")]
    NotPending,
}

struct Job {
    due: Instant,
    view: JobView,
    effect: Option<JobEffect>,
}

/// The queue of one platform's jobs.
pub struct JobEngine {
    delay: Duration,
    jobs: Mutex<BTreeMap<u64, Job>>,
}

impl std::fmt::Debug for JobEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobEngine")
            .field("delay", &self.delay)
            .finish()
    }
}

impl JobEngine {
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            jobs: Mutex::new(BTreeMap::new()),
        }
    }

    /// Queues a job; its `effect` runs when it becomes due. Returns the job id (1, 2, …).
    pub fn submit(&self, payload: impl Into<String>, effect: JobEffect) -> u64 {
        self.settle();
        let mut jobs = lock(&self.jobs);
        let id = jobs.keys().next_back().map_or(1, |last| last + 1);
        jobs.insert(
            id,
            Job {
                due: Instant::now() + self.delay,
                view: JobView {
                    id,
                    state: JobState::InProgress,
                    error: None,
                    payload: payload.into(),
                },
                effect: Some(effect),
            },
        );
        id
    }

    /// Completes every due job, running effects outside the lock (they may touch platform state).
    pub fn settle(&self) {
        let now = Instant::now();
        let due: Vec<(u64, JobEffect)> = lock(&self.jobs)
            .iter_mut()
            .filter(|(_, job)| job.view.state == JobState::InProgress && job.due <= now)
            .filter_map(|(id, job)| job.effect.take().map(|effect| (*id, effect)))
            .collect();
        for (id, effect) in due {
            let result = effect();
            if let Some(job) = lock(&self.jobs).get_mut(&id) {
                match result {
                    Ok(()) => job.view.state = JobState::Completed,
                    Err(error) => {
                        job.view.state = JobState::InError;
                        job.view.error = Some(error);
                    }
                }
            }
        }
    }

    pub fn get(&self, id: u64) -> Option<JobView> {
        self.settle();
        lock(&self.jobs).get(&id).map(|job| job.view.clone())
    }

    /// Cancels a pending job; its effect never runs.
    pub fn cancel(&self, id: u64) -> Result<JobView, CancelError> {
        self.settle();
        let mut jobs = lock(&self.jobs);
        let job = jobs.get_mut(&id).ok_or(CancelError::NotFound)?;
        if job.view.state != JobState::InProgress {
            return Err(CancelError::NotPending);
        }
        job.view.state = JobState::Cancelled;
        job.effect = None;
        Ok(job.view.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn immediate_jobs_complete_or_fail_on_next_read() {
        let engine = JobEngine::new(Duration::ZERO);
        let hits = Arc::new(AtomicU32::new(0));
        let counter = hits.clone();
        let ok = engine.submit(
            "a",
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        );
        let bad = engine.submit("b", Box::new(|| Err("refused".to_string())));
        assert_eq!(engine.get(ok).map(|j| j.state), Some(JobState::Completed));
        let failed = engine.get(bad).expect("job exists");
        assert_eq!(
            (failed.state, failed.error.as_deref()),
            (JobState::InError, Some("refused"))
        );
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(engine.cancel(ok), Err(CancelError::NotPending));
        assert_eq!(engine.cancel(99), Err(CancelError::NotFound));
    }

    #[test]
    fn pending_jobs_can_be_cancelled() {
        let engine = JobEngine::new(Duration::from_secs(3600));
        let id = engine.submit("x", Box::new(|| panic!("a cancelled job must not run")));
        assert_eq!(engine.get(id).map(|j| j.state), Some(JobState::InProgress));
        assert_eq!(engine.cancel(id).map(|j| j.state), Ok(JobState::Cancelled));
        engine.settle();
        assert_eq!(engine.get(id).map(|j| j.state), Some(JobState::Cancelled));
    }
}
