//! `MonitorPoller`: the persistent watcher of asynchronous carrier requests. It resumes every
//! monitor the store holds as pending (with its saved backoff), picks up the monitors the gate
//! hands it while running (and, by rescanning the store, those other cmo processes created),
//! writes every change of state to the store, prunes finished monitors past their retention,
//! and publishes each change on a broadcast channel the UI subscribes to. See `docs/safety.md`.
//!
//! One task per pending monitor (each sleeps until its next poll; nothing spins), supervised by
//! one loop that owns the set of running watches. Everything stops with the cancellation token.
//! Each watch is a [`MonitorTracker`] (`tracker.rs`), the same one the CLI's `--wait` follows a
//! monitor with (`Gate::follow_monitor`); the poller adds saving the poll position, publishing
//! each change, and marking a monitor the carrier can never answer for `InError`.

use super::Engine;
use super::tracker::{FIRST_POLL, MAX_POLL, MonitorTracker, OnError, Step, next_interval};
use crate::backends::BackendError;
use crate::domain::{Monitor, MonitorState};
use crate::store::{DEFAULT_MONITOR_RETENTION, Operator, PendingMonitor, StoreHandle};
use chrono::Utc;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// Pacing of the poller. Tests shrink the intervals; the defaults suit carriers.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// The first interval between polls of one monitor (raised to 1 ms if smaller).
    pub first_interval: Duration,
    /// The ceiling of the backoff (never above [`MAX_POLL`], the ceiling of `next_interval`).
    pub max_interval: Duration,
    /// How often the store is re-read for pending monitors other processes created.
    pub rescan_interval: Duration,
    /// How long finished monitors are kept (the configuration's value, else the default).
    pub retention: Duration,
    /// How often finished monitors past `retention` are pruned (also once at start).
    pub prune_interval: Duration,
    /// Who observed a final outcome, for its journal entry when the journal does not link the
    /// request that created the monitor (then the request's operator is used).
    pub operator: Operator,
    /// This process as the holder of monitor leases (a shared PostgreSQL store: only the
    /// lease holder polls a monitor; `rescan_interval` must stay well under `lease` so the
    /// leases are renewed). The SQLite store grants every lease to its one process.
    pub owner: String,
    /// How long a claimed monitor stays this process's without renewal.
    pub lease: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            first_interval: FIRST_POLL,
            max_interval: MAX_POLL,
            rescan_interval: Duration::from_secs(30),
            retention: DEFAULT_MONITOR_RETENTION,
            prune_interval: Duration::from_secs(3600),
            operator: Operator::from_env(),
            owner: crate::store::replica_id(),
            lease: Duration::from_secs(90),
        }
    }
}

impl PollerConfig {
    pub(in crate::engine) fn first(&self) -> Duration {
        self.first_interval.max(Duration::from_millis(1))
    }

    pub(in crate::engine) fn next(&self, current: Duration) -> Duration {
        next_interval(current).min(self.max_interval.max(self.first()))
    }

    /// The interval after `attempts` polls, as the backoff would have grown it.
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let mut interval = self.first();
        for _ in 0..attempts.min(64) {
            interval = self.next(interval);
        }
        interval
    }

    /// How long to wait before the first poll of a resumed monitor: until its saved
    /// `next_poll_at` (none, or already past: now), never longer than the backoff ceiling, so
    /// a clock that jumped backwards cannot park a monitor for hours.
    pub fn resume_wait(&self, pending: &PendingMonitor) -> Duration {
        let ceiling = self.max_interval.max(self.first());
        pending
            .next_poll_at
            .and_then(|at| (at - Utc::now()).to_std().ok())
            .map_or(Duration::ZERO, |wait| wait.min(ceiling))
    }
}

/// Fill what a carrier's poll answer leaves out (many return only state and code) from what
/// the store knew when the request was made; the request text is always the one recorded then.
pub fn merge_monitor(known: &Monitor, mut polled: Monitor) -> Monitor {
    if polled.product_id.is_none() {
        polled.product_id = known.product_id.clone();
    }
    // What the operator asked ("status CREATED → ACTIVE") says more than what a carrier's job
    // record lets an adapter rebuild, which often lacks the starting status.
    if !known.request.is_empty() {
        polled.request = known.request.clone();
    }
    if polled.backend.is_empty() {
        polled.backend = known.backend.clone();
    }
    if polled.created.is_empty() {
        polled.created = known.created.clone();
    }
    polled
}

/// Errors after which the carrier can never answer for this monitor: it is marked `InError`.
/// Anything else (outage, rate limit, expired credentials…) keeps it pending with backoff —
/// the carrier's job still exists, and a later poll may still see it finish.
pub fn is_permanent(e: &BackendError) -> bool {
    matches!(
        e,
        BackendError::NotSupported { .. }
            | BackendError::NotFound { .. }
            | BackendError::TransitionNotAllowed { .. }
            | BackendError::InvalidInput(_)
    )
}

/// `known`, ended `InError` by an error after which the carrier can never answer for it.
pub fn in_error(known: &Monitor, e: &BackendError) -> Monitor {
    let mut failed = known.clone();
    failed.state = MonitorState::InError;
    failed.detail = Some(crate::text::sanitize(&e.to_string()));
    failed.updated = Some(Utc::now().to_rfc3339());
    failed
}

/// What the gate and the UI hold: hand monitors to the poller, subscribe to its updates.
#[derive(Clone, Debug)]
pub struct PollerHandle {
    intake: mpsc::UnboundedSender<Monitor>,
    updates: broadcast::Sender<Monitor>,
}

impl PollerHandle {
    /// Watch `monitor` if it is pending; if it is final, stop watching it. Either way the
    /// monitor is published. Ignored when the poller has stopped (the store still has it).
    pub fn track(&self, monitor: Monitor) {
        let _ = self.intake.send(monitor);
    }

    /// Every change the poller sees or is told of. A receiver that lags gets
    /// `RecvError::Lagged` and should reload `StoreHandle::monitors_list()`.
    pub fn subscribe(&self) -> broadcast::Receiver<Monitor> {
        self.updates.subscribe()
    }
}

pub struct MonitorPoller {
    engine: Engine,
    store: StoreHandle,
    config: PollerConfig,
    handle: PollerHandle,
    intake: mpsc::UnboundedReceiver<Monitor>,
}

/// One watch in progress, as the supervisor knows it.
struct Watch {
    stop: CancellationToken,
    task: tokio::task::Id,
}

impl MonitorPoller {
    /// A poller not yet running: subscribe (and give the gate [`MonitorPoller::handle`]) first,
    /// then [`MonitorPoller::start`], so no update is missed.
    pub fn new(engine: Engine, store: StoreHandle, config: PollerConfig) -> MonitorPoller {
        let (intake_tx, intake) = mpsc::unbounded_channel();
        let (updates, _) = broadcast::channel(256);
        MonitorPoller {
            engine,
            store,
            config,
            handle: PollerHandle {
                intake: intake_tx,
                updates,
            },
            intake,
        }
    }

    pub fn handle(&self) -> PollerHandle {
        self.handle.clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Monitor> {
        self.handle.subscribe()
    }

    /// Run until `cancel` fires; the returned task ends after every watch has stopped.
    pub fn start(self, cancel: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(self.run(cancel))
    }

    async fn run(mut self, cancel: CancellationToken) {
        let mut watches: HashMap<String, Watch> = HashMap::new();
        let mut tasks: JoinSet<String> = JoinSet::new();
        // Both tick at once first: the initial load of pending monitors and the start-up prune.
        let mut rescan =
            tokio::time::interval(self.config.rescan_interval.max(self.config.first()));
        rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut prune = tokio::time::interval(self.config.prune_interval.max(self.config.first()));
        prune.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break,
                Some(monitor) = self.intake.recv() => {
                    self.accept(monitor, &mut watches, &mut tasks, &cancel);
                }
                Some(ended) = tasks.join_next_with_id(), if !tasks.is_empty() => match ended {
                    Ok((_, id)) => { watches.remove(&id); }
                    Err(e) => {
                        tracing::error!(error = %e, "a monitor watch failed");
                        watches.retain(|_, w| w.task != e.id());
                    }
                },
                _ = rescan.tick() => self.resume_pending(&mut watches, &mut tasks, &cancel).await,
                _ = prune.tick() => match self.store.monitors_prune(self.config.retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "finished monitors past retention removed"),
                    Err(e) => tracing::warn!(error = %e, "pruning monitors failed"),
                },
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// A monitor from the gate: watch it when pending, stop watching it when final.
    fn accept(
        &self,
        monitor: Monitor,
        watches: &mut HashMap<String, Watch>,
        tasks: &mut JoinSet<String>,
        cancel: &CancellationToken,
    ) {
        if monitor.state.is_final() {
            if let Some(watch) = watches.remove(&monitor.id) {
                watch.stop.cancel();
            }
        } else if !watches.contains_key(&monitor.id) {
            let pending = PendingMonitor {
                monitor: monitor.clone(),
                poll_attempts: 0,
                next_poll_at: None,
            };
            self.spawn_watch(pending, watches, tasks, cancel);
        }
        let _ = self.handle.updates.send(monitor);
    }

    async fn resume_pending(
        &self,
        watches: &mut HashMap<String, Watch>,
        tasks: &mut JoinSet<String>,
        cancel: &CancellationToken,
    ) {
        // Claimed, not just read: with a shared store each pending monitor of a platform this
        // process has an account of is leased to one process, this one's renewed, and an
        // expired one (its holder died) taken over.
        let accounts = self.engine.accounts();
        let kinds = accounts
            .iter()
            .map(|a| a.kind.as_str().to_string())
            .collect();
        let pending = match self
            .store
            .monitors_claim(&self.config.owner, self.config.lease, kinds)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read pending monitors; retrying at the next rescan");
                return;
            }
        };
        for p in pending {
            if watches.contains_key(&p.monitor.id) {
                continue;
            }
            // Without a configured backend of its kind nobody can answer; leave it untouched
            // for a run whose configuration has that backend again.
            if !accounts.iter().any(|a| a.kind == p.monitor.kind) {
                tracing::debug!(monitor = %p.monitor.id, "no configured backend of its kind; not polled");
                continue;
            }
            let _ = self.handle.updates.send(p.monitor.clone());
            self.spawn_watch(p, watches, tasks, cancel);
        }
    }

    fn spawn_watch(
        &self,
        pending: PendingMonitor,
        watches: &mut HashMap<String, Watch>,
        tasks: &mut JoinSet<String>,
        cancel: &CancellationToken,
    ) {
        let stop = cancel.child_token();
        let id = pending.monitor.id.clone();
        let tracker =
            MonitorTracker::new(self.engine.clone(), self.store.clone(), self.config.clone())
                .saving_position();
        let updates = self.handle.updates.clone();
        let watch_stop = stop.clone();
        let task = tasks
            .spawn(async move {
                let id = pending.monitor.id.clone();
                tracker
                    .run(pending, &watch_stop, poll_failed, |step| {
                        match step {
                            Step::Changed { now, .. } => {
                                let _ = updates.send(now.clone());
                            }
                            Step::Retrying(e) => {
                                tracing::warn!(monitor = %id, error = %e, "polling failed; retrying with backoff");
                            }
                            Step::NotStored(e) => {
                                tracing::warn!(monitor = %id, error = %e, "monitor update not stored");
                            }
                        }
                        std::ops::ControlFlow::Continue(())
                    })
                    .await;
                // The supervisor forgets the watch by its id.
                id
            })
            .id();
        watches.insert(id, Watch { stop, task });
    }
}

/// The poller's rule for a failed poll: an error after which the carrier can never answer ends
/// the monitor `InError`; anything else is retried with backoff (docs/safety.md).
fn poll_failed(e: &BackendError) -> OnError {
    if is_permanent(e) {
        OnError::MarkInError
    } else {
        OnError::Retry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_resumes_where_it_stood_and_stays_under_the_ceiling() {
        let config = PollerConfig {
            first_interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(1),
            ..PollerConfig::default()
        };
        assert_eq!(config.backoff_after(0), Duration::from_millis(100));
        assert_eq!(config.backoff_after(1), Duration::from_millis(150));
        assert_eq!(config.backoff_after(2), Duration::from_millis(225));
        assert_eq!(config.backoff_after(50), Duration::from_secs(1));
        let zero = PollerConfig {
            first_interval: Duration::ZERO,
            ..PollerConfig::default()
        };
        assert!(
            zero.backoff_after(0) > Duration::ZERO,
            "a zero interval would spin"
        );
    }

    #[test]
    fn resume_wait_honours_the_saved_time_within_the_ceiling() {
        let config = PollerConfig {
            max_interval: Duration::from_secs(10),
            ..PollerConfig::default()
        };
        let monitor = Monitor {
            id: "TMSP-1".into(),
            kind: crate::domain::BackendKind::Tmsp,
            backend: "tmsp".into(),
            product_id: None,
            request: "status ACTIVE → SUSPENDED".into(),
            state: MonitorState::InProgress,
            status_code: None,
            detail: None,
            created: "2026-01-01T00:00:00Z".into(),
            updated: None,
        };
        let at = |secs: i64| PendingMonitor {
            monitor: monitor.clone(),
            poll_attempts: 3,
            next_poll_at: Some(Utc::now() + chrono::Duration::seconds(secs)),
        };
        assert_eq!(config.resume_wait(&at(-5)), Duration::ZERO);
        let soon = config.resume_wait(&at(4));
        assert!(soon > Duration::from_secs(3) && soon <= Duration::from_secs(4));
        assert_eq!(config.resume_wait(&at(3600)), Duration::from_secs(10));
    }

    #[test]
    fn a_poll_keeps_what_was_asked_and_takes_the_carriers_state() {
        let known = Monitor {
            id: "TMSP-1".into(),
            kind: crate::domain::BackendKind::Tmsp,
            backend: "tmsp".into(),
            product_id: Some(crate::domain::ProductId::new(
                crate::domain::BackendKind::Tmsp,
                "89490200000000000013",
            )),
            request: "status CREATED → ACTIVE".into(),
            state: MonitorState::InProgress,
            status_code: Some(202),
            detail: None,
            created: "2026-01-01T00:00:00Z".into(),
            updated: None,
        };
        let polled = Monitor {
            product_id: None,
            request: "status → ACTIVE (Productive)".into(),
            state: MonitorState::Completed,
            status_code: Some(200),
            created: String::new(),
            ..known.clone()
        };
        let merged = merge_monitor(&known, polled);
        assert_eq!(merged.request, "status CREATED → ACTIVE");
        assert_eq!(merged.product_id, known.product_id);
        assert_eq!(merged.created, known.created);
        assert_eq!(
            (merged.state, merged.status_code),
            (MonitorState::Completed, Some(200))
        );
    }
}
