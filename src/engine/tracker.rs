//! `MonitorTracker`: the one way a monitor is followed to its end — by the console's poller
//! (`poller.rs`: one tracker per pending monitor, across restarts) and by the CLI's `--wait`
//! and batch follow-ups (`Gate::follow_monitor`). It polls with backoff (fast at first, then
//! slower), lets its caller decide what a failed poll means, fills the carrier's answer in with
//! what was known (`merge_monitor`), records each change through the gate's one recording path
//! (stored when new, a final state journaled once however many observers see it), optionally
//! saves its poll position for a resume, and reports every change to its caller.

use super::Engine;
use super::gate::record::{changed, record_monitor};
use super::poller::{PollerConfig, in_error, merge_monitor};
use crate::backends::BackendError;
use crate::domain::Monitor;
use crate::store::{PendingMonitor, StoreError, StoreHandle};
use chrono::Utc;
use std::ops::ControlFlow;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Poll intervals: start quick (carriers often finish in seconds), back off to a ceiling.
pub const FIRST_POLL: Duration = Duration::from_millis(500);
pub const MAX_POLL: Duration = Duration::from_secs(15);

/// The next poll interval after `current`.
pub fn next_interval(current: Duration) -> Duration {
    (current * 3 / 2).min(MAX_POLL)
}

/// What a failed poll means to the tracker's caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Keep the monitor pending and poll again after the backoff.
    Retry,
    /// The carrier can never answer for it: record it `InError` (a final state).
    MarkInError,
    /// Stop following and hand the error to the caller (the monitor stays as recorded).
    Stop,
}

/// What the tracker tells its caller as it goes.
#[derive(Debug)]
pub enum Step<'a> {
    /// The monitor changed (state, code or detail); already recorded.
    Changed {
        before: &'a Monitor,
        now: &'a Monitor,
    },
    /// A poll failed and will be retried.
    Retrying(&'a BackendError),
    /// A change could not be stored (it is still reported); `Break` stops the tracker.
    NotStored(StoreError),
}

/// How a tracker ended.
#[derive(Debug)]
pub enum Tracked {
    /// The last known monitor: final, or still pending when stopped or gone from the store.
    Ended(Monitor),
    /// A poll failed and the caller chose [`OnError::Stop`].
    Failed(BackendError),
    /// The caller broke off on a [`Step`].
    BrokenOff(Monitor),
}

/// Follows one monitor; see the module header.
#[derive(Clone)]
pub struct MonitorTracker {
    engine: Engine,
    store: StoreHandle,
    config: PollerConfig,
    save_position: bool,
}

impl MonitorTracker {
    pub(in crate::engine) fn new(engine: Engine, store: StoreHandle, config: PollerConfig) -> Self {
        MonitorTracker {
            engine,
            store,
            config,
            save_position: false,
        }
    }

    /// Save the poll count and the next poll's time after each poll (the poller's resume); a
    /// monitor gone from the store (pruned, removed by another process) then ends the tracker.
    pub(in crate::engine) fn saving_position(mut self) -> Self {
        self.save_position = true;
        self
    }

    /// Follow `pending` until it is final, `stop` fires, the caller stops on an error or
    /// breaks off on a step.
    pub(in crate::engine) async fn run(
        &self,
        pending: PendingMonitor,
        stop: &CancellationToken,
        on_error: impl Fn(&BackendError) -> OnError,
        mut report: impl FnMut(Step<'_>) -> ControlFlow<()>,
    ) -> Tracked {
        let mut wait = self.config.resume_wait(&pending);
        let mut attempts = pending.poll_attempts;
        let mut interval = self.config.backoff_after(attempts);
        let mut known = pending.monitor;
        let id = known.id.clone();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return Tracked::Ended(known),
                _ = tokio::time::sleep(wait) => {}
            }
            // The poller's watches poll only under a lease (docs/store.md): another live
            // process holding it means this watch ends (that process polls it); a store that
            // cannot answer skips this poll. The CLI's `--wait` follows its own change.
            if self.save_position {
                match self
                    .store
                    .monitor_claim(&id, &self.config.owner, self.config.lease)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::debug!(monitor = %id, "leased by another process; not polled here");
                        return Tracked::Ended(known);
                    }
                    Err(e) => {
                        tracing::warn!(monitor = %id, error = %e, "monitor lease not taken; poll skipped");
                        wait = interval;
                        interval = self.config.next(interval);
                        continue;
                    }
                }
            }
            let polled = tokio::select! {
                _ = stop.cancelled() => return Tracked::Ended(known),
                polled = self.engine.monitor(&id) => polled,
            };
            let observed = match polled {
                Ok(m) => Some(m),
                Err(e) => match on_error(&e) {
                    OnError::MarkInError => Some(in_error(&known, &e)),
                    OnError::Stop => return Tracked::Failed(e),
                    OnError::Retry => {
                        if report(Step::Retrying(&e)).is_break() {
                            return Tracked::BrokenOff(known);
                        }
                        None
                    }
                },
            };
            if let Some(observed) = observed {
                let m = merge_monitor(&known, observed);
                let is_change = changed(&known, &m);
                if is_change || m.state.is_final() {
                    let recorded =
                        record_monitor(&self.store, &self.config.operator, Some(&known), m.clone());
                    if let Err(e) = recorded.await
                        && report(Step::NotStored(e)).is_break()
                    {
                        return Tracked::BrokenOff(known);
                    }
                }
                if is_change
                    && report(Step::Changed {
                        before: &known,
                        now: &m,
                    })
                    .is_break()
                {
                    return Tracked::BrokenOff(m);
                }
                let finished = m.state.is_final();
                known = m;
                if finished {
                    return Tracked::Ended(known);
                }
            }
            attempts = attempts.saturating_add(1);
            wait = interval;
            interval = self.config.next(interval);
            if self.save_position {
                let next_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                match self.store.monitor_record_poll(&id, attempts, next_at).await {
                    Ok(()) => {}
                    // Pruned or removed by another process: nothing left to keep up to date.
                    Err(StoreError::MonitorNotFound(_)) => return Tracked::Ended(known),
                    Err(e) => {
                        tracing::warn!(monitor = %id, error = %e, "poll position not stored");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_ceiling() {
        let mut d = FIRST_POLL;
        for _ in 0..20 {
            let n = next_interval(d);
            assert!(n >= d && n <= MAX_POLL);
            d = n;
        }
        assert_eq!(d, MAX_POLL);
    }
}
