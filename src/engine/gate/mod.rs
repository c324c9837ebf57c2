//! The gate every mutating action passes (docs/architecture.md, docs/safety.md): read-only mode, guardrails (max batch
//! size), the action itself through the engine, the audit journal, and persistence of the
//! monitors asynchronous changes return — so the CLI and the UI call this and nothing else to
//! change anything. See `docs/safety.md`.
//!
//! Rules, the same for every method:
//! - Read-only refuses with [`GateError::ReadOnly`] before anything else: no carrier call, no
//!   store write, no journal entry.
//! - The gate's own guardrail (batch size) refuses the same way, before any product is read.
//! - Everything past those two writes exactly ONE audit entry, whatever the result — success,
//!   carrier failure, or a refusal by the capability guard (which costs no network call, but an
//!   operator tried it, and the journal is where "who tried to terminate that SIM" is answered).
//! - A pending change's monitor is stored (so a restart keeps watching it) and handed to the
//!   poller when one is attached.
//! - Before any request leaves, a write-ahead attempt is journaled ([`wal`]); the entry that
//!   records the outcome closes it. No attempt, no request. An unreadable answer is "outcome
//!   unknown" (a monitor, a verification read, or an open attempt), never "failed"; open
//!   attempts of dead processes are reconciled at the next start ([`reconcile`]).
//! - Confirmation is the caller's job: the UI asks (default Cancel) and the CLI needs `--yes`
//!   *before* calling; a call here means "confirmed".

mod attrs;
mod bulk;
mod error;
pub mod journal;
pub mod reconcile;
pub mod record;
pub mod wal;

pub use error::GateError;

use super::Engine;
use super::batch::{self, BatchItem};
use super::poller::{PollerConfig, PollerHandle, merge_monitor};
use super::tracker::{MonitorTracker, OnError, Step, Tracked};
use crate::backends::BackendError;
use crate::backends::ChangeOutcome;
use crate::domain::capabilities::supports;
use crate::domain::{Characteristic, Monitor, MonitorState, Operation, ProductId, Status};
use crate::store::{AuditEntry, Operator, PendingMonitor, StoreError, StoreHandle};
use futures::StreamExt;
use std::ops::ControlFlow;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The largest batch when the configuration does not set `max_batch_size`.
pub const DEFAULT_MAX_BATCH: usize = 100;

/// A batch as far as it ran: `items` finished (in the ids' order); `unknown` were sent but
/// had not answered when the grace after a stop ran out (journaled as outcome unknown, their
/// attempts open for the next run); `not_started` were never sent.
#[derive(Debug)]
pub struct BatchRun {
    pub items: Vec<BatchItem>,
    pub unknown: Vec<ProductId>,
    pub not_started: Vec<ProductId>,
    /// A stop arrived before every item had finished.
    pub interrupted: bool,
    /// Change requests sent to the carrier (the HTTP policy's retries aside): one per list for
    /// a bulk batch, else one per product that was sent.
    pub requests: usize,
    /// `Some(max)`: the batch went as bulk requests of at most `max` products.
    pub bulk: Option<usize>,
}

/// What an unreadable answer to a status change turned out to be.
enum Unreadable {
    /// The body still named the carrier's request: a monitor follows it.
    Monitor { monitor: Monitor, result: String },
    /// A verification read shows the target status.
    Verified { status: Status, result: String },
    /// A verification read shows another status: the outcome stays unknown (journaled).
    Unknown { result: String },
    /// The verification read failed: the attempt stays open for the next run.
    Unsettled { detail: String },
}

/// A status change as the gate reports it to callers that tell "unchanged" apart.
#[derive(Debug)]
pub struct StatusOutcome {
    pub outcome: ChangeOutcome,
    /// The product already was in the target status; nothing was sent.
    pub unchanged: bool,
}

#[derive(Clone)]
pub struct Gate {
    engine: Engine,
    store: StoreHandle,
    read_only: bool,
    max_batch: usize,
    operator: Operator,
    poller: Option<PollerHandle>,
}

impl Gate {
    /// A writable gate with [`DEFAULT_MAX_BATCH`] and no poller attached.
    pub fn new(engine: Engine, store: StoreHandle, operator: Operator) -> Gate {
        Gate {
            engine,
            store,
            read_only: false,
            max_batch: DEFAULT_MAX_BATCH,
            operator,
            poller: None,
        }
    }

    pub fn with_read_only(mut self, read_only: bool) -> Gate {
        self.read_only = read_only;
        self
    }

    /// Batches of more than `max` ids are refused (0 refuses every batch).
    pub fn with_max_batch(mut self, max: usize) -> Gate {
        self.max_batch = max;
        self
    }

    /// Hand every monitor the gate creates or cancels to a running poller.
    pub fn with_poller(mut self, poller: PollerHandle) -> Gate {
        self.poller = Some(poller);
        self
    }

    /// The same gate journaling as `operator` (`cmo serve`: each request's client and
    /// operator; the engine, store and poller are shared).
    pub fn with_operator(mut self, operator: Operator) -> Gate {
        self.operator = operator;
        self
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// The engine, for reads: its mutators are private to `engine/`, so nothing reached
    /// through it changes a carrier.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A monitor as the store holds it (a read; the store itself is not handed out, so every
    /// write of a monitor goes through [`Gate::record_monitor`] or [`Gate::cancel_monitor`]).
    pub async fn stored_monitor(&self, id: &str) -> crate::store::StoreResult<Monitor> {
        self.store.monitor_get(id).await
    }

    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    fn refuse_if_read_only(&self, action: &'static str) -> Result<(), GateError> {
        if self.read_only {
            tracing::info!(action, "refused in read-only mode");
            return Err(GateError::ReadOnly { action });
        }
        Ok(())
    }

    async fn journal(
        &self,
        action: &str,
        product_ids: Vec<String>,
        before: Option<String>,
        after: Option<String>,
        result: String,
        attempts: Vec<i64>,
    ) -> Result<(), StoreError> {
        self.journal_linked(
            action,
            product_ids,
            before,
            after,
            result,
            Vec::new(),
            attempts,
        )
        .await
    }

    /// [`Gate::journal`] for a request that created `monitors`: their final outcomes, journaled
    /// later by whoever sees them end, link back to this entry. The entry closes the
    /// write-ahead `attempts` it records (docs/safety.md, "Write-ahead journal").
    #[allow(clippy::too_many_arguments)]
    async fn journal_linked(
        &self,
        action: &str,
        product_ids: Vec<String>,
        before: Option<String>,
        after: Option<String>,
        result: String,
        monitors: Vec<String>,
        attempts: Vec<i64>,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(&self.operator, action, product_ids, before, after, result);
        self.store
            .audit_complete(entry, monitors, attempts)
            .await
            .map(|_| ())
            .inspect_err(|e| {
                tracing::error!(action, error = %e, "the audit journal could not be written");
            })
    }

    /// Record what a carrier said about a monitor (`known`: what the store had, if anything):
    /// stored when it changed, and once final, its outcome journaled once
    /// ([`record::record_monitor`]); a running poller is told. Not refused in read-only mode:
    /// this records the carrier's state, it changes nothing there.
    pub async fn record_monitor(
        &self,
        known: Option<&Monitor>,
        polled: Monitor,
    ) -> Result<Monitor, GateError> {
        let (monitor, changed) =
            record::record_monitor(&self.store, &self.operator, known, polled).await?;
        if changed && let Some(poller) = &self.poller {
            poller.track(monitor.clone());
        }
        Ok(monitor)
    }

    /// Follow `monitor` until it is final with the one tracker the console's poller uses
    /// (`engine/tracker.rs`): each change recorded (a final one journaled once), told to a
    /// running poller and passed to `report` (a `Changed` or a `Retrying` step). A transient
    /// poll failure is retried with backoff; any other ends the follow with its error, as does
    /// a change the store could not record. Dropping the future stops following.
    pub async fn follow_monitor(
        &self,
        monitor: Monitor,
        mut report: impl FnMut(Step<'_>),
    ) -> Result<Monitor, GateError> {
        let config = PollerConfig {
            operator: self.operator.clone(),
            ..PollerConfig::default()
        };
        let tracker = MonitorTracker::new(self.engine.clone(), self.store.clone(), config);
        let pending = PendingMonitor {
            monitor,
            poll_attempts: 0,
            next_poll_at: None,
        };
        let never = CancellationToken::new();
        let mut not_stored = None;
        let on_error = |e: &BackendError| {
            if e.is_transient() {
                OnError::Retry
            } else {
                OnError::Stop
            }
        };
        let tracked = tracker
            .run(pending, &never, on_error, |step| match step {
                Step::NotStored(e) => {
                    not_stored = Some(e);
                    ControlFlow::Break(())
                }
                step => {
                    if let (Step::Changed { now, .. }, Some(poller)) = (&step, &self.poller) {
                        poller.track((*now).clone());
                    }
                    report(step);
                    ControlFlow::Continue(())
                }
            })
            .await;
        match (tracked, not_stored) {
            (_, Some(e)) => Err(GateError::Store(e)),
            (Tracked::Failed(e), None) => Err(GateError::Backend(e)),
            (Tracked::Ended(m) | Tracked::BrokenOff(m), None) => Ok(m),
        }
    }

    /// Journal a failed action and return its error; a journal failure is logged (by
    /// [`Gate::journal`]) but the action's own error is what the caller needs to see.
    async fn journal_failure<E: Into<GateError> + std::fmt::Display>(
        &self,
        action: &str,
        product_ids: Vec<String>,
        before: Option<String>,
        requested: &str,
        error: E,
        attempt: Option<i64>,
    ) -> GateError {
        let result = journal::failure_text(requested, &error);
        let _ = self
            .journal(
                action,
                product_ids,
                before,
                None,
                result,
                attempt.into_iter().collect(),
            )
            .await;
        error.into()
    }

    /// Store a monitor (a final one with its outcome journaled once) and tell the poller.
    async fn keep_monitor(&self, monitor: &Monitor) -> Result<(), StoreError> {
        let outcome = monitor
            .state
            .is_final()
            .then(|| record::final_entry(&self.operator, monitor));
        let stored = self
            .store
            .monitor_record(monitor, outcome)
            .await
            .map(|_| ());
        if let Err(e) = &stored {
            tracing::error!(monitor = %monitor.id, error = %e, "a monitor could not be stored");
        }
        if let Some(poller) = &self.poller {
            poller.track(monitor.clone());
        }
        stored
    }

    async fn keep_outcome(&self, outcome: &ChangeOutcome) -> Result<(), StoreError> {
        match outcome {
            ChangeOutcome::Pending(m) => self.keep_monitor(m).await,
            ChangeOutcome::Done { .. } => Ok(()),
        }
    }

    /// Change one product's status. `before` in the journal is the status the engine read
    /// just before sending; `after` the target; `result` is `ok` or `accepted (monitor ID)`.
    pub async fn change_status(
        &self,
        id: &ProductId,
        to: Status,
    ) -> Result<ChangeOutcome, GateError> {
        self.change_status_reported(id, to)
            .await
            .map(|reported| reported.outcome)
    }

    /// [`Gate::change_status`], also saying whether the product already was in `to` (then
    /// nothing was sent and the journal's result is `unchanged`).
    pub async fn change_status_reported(
        &self,
        id: &ProductId,
        to: Status,
    ) -> Result<StatusOutcome, GateError> {
        self.change_status_journaled(id, None, to).await
    }

    /// [`Gate::change_status`] from the status the operator saw (`Engine::change_status_seen`):
    /// the console's change is one carrier request, no read before it.
    pub async fn change_status_seen(
        &self,
        id: &ProductId,
        seen: crate::engine::Seen,
        to: Status,
    ) -> Result<ChangeOutcome, GateError> {
        self.change_status_journaled(id, Some(seen), to)
            .await
            .map(|reported| reported.outcome)
    }

    /// [`Gate::change_status_reported`] from a status read just before (`Engine::read_status`,
    /// which `cmo status set` makes to confirm): the change sends without reading again.
    pub async fn change_status_reported_seen(
        &self,
        id: &ProductId,
        seen: crate::engine::Seen,
        to: Status,
    ) -> Result<StatusOutcome, GateError> {
        self.change_status_journaled(id, Some(seen), to).await
    }

    async fn change_status_journaled(
        &self,
        id: &ProductId,
        seen: Option<crate::engine::Seen>,
        to: Status,
    ) -> Result<StatusOutcome, GateError> {
        self.refuse_if_read_only("status change")?;
        let ids = vec![id.to_string()];
        let attempt = self
            .begin(
                journal::STATUS,
                id.to_string(),
                to.as_str().to_string(),
                None,
            )
            .await?;
        let change = match seen {
            Some(seen) => self.engine.change_status_seen(id, seen, to).await,
            None => self.engine.change_status_from(id, to).await,
        };
        let unchanged = change.unchanged;
        let before = change.from.map(|s| s.as_str().to_string());
        let outcome = match change.result {
            Ok(outcome) => outcome,
            // The request left (the product was read first): an unreadable answer is not a failure.
            Err(e) if change.from.is_some() && wal::is_unreadable(&e) => {
                let settled = self.settle_unreadable(id, change.from, to, &e).await;
                return self
                    .report_unreadable(attempt, id, before, to, settled)
                    .await;
            }
            Err(e) => {
                return Err(self
                    .journal_failure(journal::STATUS, ids, before, to.as_str(), e, Some(attempt))
                    .await);
            }
        };
        let after = match &outcome {
            ChangeOutcome::Done { status: Some(s) } => *s,
            _ => to,
        };
        let result = if unchanged {
            "unchanged".to_string()
        } else {
            journal::outcome_text(&outcome)
        };
        let kept = self.keep_outcome(&outcome).await;
        let journaled = self
            .journal_linked(
                journal::STATUS,
                ids,
                before,
                Some(after.as_str().to_string()),
                result.clone(),
                journal::outcome_monitors(&outcome),
                vec![attempt],
            )
            .await;
        let reported = StatusOutcome { outcome, unchanged };
        settle(kept.and(journaled), reported, || {
            format!("status of {id} → {to}: {result}")
        })
    }

    /// What an unreadable answer to a status change turned out to be: a monitor when the
    /// body named the carrier's request, else what a verification read shows.
    async fn settle_unreadable(
        &self,
        id: &ProductId,
        from: Option<Status>,
        to: Status,
        error: &BackendError,
    ) -> Unreadable {
        let what = format!("status of {id} → {to}");
        if let Some(native) = wal::request_id_in(id.kind, error) {
            let from = from.map_or("?", Status::as_str);
            let monitor = wal::recovered_monitor(
                id.kind,
                error,
                id,
                format!("status {from} → {to}"),
                &native,
            );
            let result = wal::unknown_text(
                &what,
                error,
                &format!(
                    "the carrier named its request: monitor {} follows it",
                    monitor.id
                ),
            );
            return Unreadable::Monitor { monitor, result };
        }
        match self.engine.product(id).await {
            Ok(p) if p.summary.status.status == to => Unreadable::Verified {
                status: to,
                result: format!(
                    "ok (verified by a read: the answer was unreadable, the carrier shows {to})"
                ),
            },
            Ok(p) => Unreadable::Unknown {
                result: wal::unknown_text(
                    &what,
                    error,
                    &format!("a read just after shows {}", p.summary.status.status),
                ),
            },
            Err(read) => Unreadable::Unsettled {
                detail: wal::unknown_text(
                    &what,
                    error,
                    &format!(
                        "the verification read failed too ({read}); the next run that reaches the carrier reconciles it"
                    ),
                ),
            },
        }
    }

    /// Journal and report a single status change whose answer was unreadable.
    async fn report_unreadable(
        &self,
        attempt: i64,
        id: &ProductId,
        before: Option<String>,
        to: Status,
        settled: Unreadable,
    ) -> Result<StatusOutcome, GateError> {
        let ids = vec![id.to_string()];
        let what = format!("status of {id} → {to}");
        let after = Some(to.as_str().to_string());
        let (result, monitors, kept) = match &settled {
            Unreadable::Unsettled { detail } => {
                // The attempt stays open: "outcome unknown" until a run reads the carrier.
                return Err(GateError::OutcomeUnknown {
                    what,
                    detail: detail.clone(),
                });
            }
            Unreadable::Monitor { monitor, result } => (
                result.clone(),
                vec![monitor.id.clone()],
                self.keep_monitor(monitor).await,
            ),
            Unreadable::Verified { result, .. } | Unreadable::Unknown { result } => {
                (result.clone(), Vec::new(), Ok(()))
            }
        };
        let journaled = self
            .journal_linked(
                journal::STATUS,
                ids,
                before,
                after,
                result.clone(),
                monitors,
                vec![attempt],
            )
            .await;
        if let Err(source) = kept.and(journaled) {
            return Err(GateError::NotRecorded {
                done: format!("{what}: {result}"),
                source,
            });
        }
        match settled {
            Unreadable::Verified { status, .. } => Ok(StatusOutcome {
                outcome: ChangeOutcome::Done {
                    status: Some(status),
                },
                unchanged: false,
            }),
            _ => Err(GateError::OutcomeUnknown {
                what,
                detail: result
                    .strip_prefix(crate::store::OUTCOME_UNKNOWN)
                    .map(|r| r.trim_start_matches(':').trim().to_string())
                    .unwrap_or(result),
            }),
        }
    }

    /// Change the status of every id (one account, at most `max_batch` ids). One journal entry
    /// lists every id, the statuses they started from, the target and a per-id summary.
    pub async fn batch_status(
        &self,
        ids: &[ProductId],
        to: Status,
    ) -> Result<Vec<BatchItem>, GateError> {
        let never = CancellationToken::new();
        self.batch_status_until(ids, to, &never, Duration::ZERO)
            .await
            .map(|run| run.items)
    }

    /// [`Gate::batch_status`] that stops starting items once `stop` is cancelled (a signal):
    /// items in flight get `grace` to finish and be journaled; any still running after that is
    /// left "outcome unknown" (its attempt open, reconciled by the next run). Every item writes
    /// its attempt before its request and notes the answer as soon as it arrives, so a kill at
    /// any point leaves a record of every product the carrier may have changed.
    pub async fn batch_status_until(
        &self,
        ids: &[ProductId],
        to: Status,
        stop: &CancellationToken,
        grace: Duration,
    ) -> Result<BatchRun, GateError> {
        self.batch_status_looked_up(ids, to, None, stop, grace)
            .await
    }

    /// [`Gate::batch_status_until`] with the lookup the caller already made of `ids` (to name
    /// the account in its question): the batch reads no product again. `None` looks them up.
    pub async fn batch_status_looked_up(
        &self,
        ids: &[ProductId],
        to: Status,
        looked_up: Option<crate::engine::BatchLookup>,
        stop: &CancellationToken,
        grace: Duration,
    ) -> Result<BatchRun, GateError> {
        self.refuse_if_read_only("batch status change")?;
        if ids.len() > self.max_batch {
            return Err(GateError::BatchTooLarge {
                size: ids.len(),
                max: self.max_batch,
            });
        }
        self.ensure_journal(journal::BATCH_STATUS).await?;
        let id_texts: Vec<String> = ids.iter().map(ProductId::to_string).collect();
        let lookup = match looked_up.filter(|l| ids.iter().all(|id| l.seen.contains_key(id))) {
            Some(lookup) => Ok(lookup),
            None => self.engine.batch_lookup(ids).await,
        };
        let lookup = match lookup {
            Ok(lookup) => lookup,
            Err(e) => {
                let result = journal::batch_refused(to, &e);
                let _ = self
                    .journal(
                        journal::BATCH_STATUS,
                        id_texts,
                        None,
                        None,
                        result,
                        Vec::new(),
                    )
                    .await;
                return Err(e.into());
            }
        };
        if let Some(route) = self.engine.bulk_route(&lookup) {
            return self.batch_bulk(ids, to, &lookup, route, stop).await;
        }
        let lookup = &lookup;
        // A failed attempt stops the batch: "no journal, no change" for every later item.
        let halt = stop.child_token();
        let started = std::sync::Mutex::new(Vec::<usize>::new());
        let mut items = futures::stream::iter(ids.iter().cloned().enumerate())
            .map(|(index, id)| {
                let (halt, started) = (&halt, &started);
                async move {
                    if halt.is_cancelled() {
                        return None;
                    }
                    if let Ok(mut s) = started.lock() {
                        s.push(index);
                    }
                    let seen = lookup.seen.get(&id).cloned();
                    Some((index, self.batch_item(id, seen, to, halt).await))
                }
            })
            .buffer_unordered(batch::IN_FLIGHT);
        let mut done: Vec<(usize, BatchItem, Option<i64>)> = Vec::new();
        let deadline = async {
            stop.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = items.next() => match next {
                    Some(Some((index, (item, attempt)))) => done.push((index, item, attempt)),
                    Some(None) => {}
                    None => break,
                },
                _ = &mut deadline => break,
            }
        }
        // Dropping the stream abandons what is still in flight; its attempts stay open.
        drop(items);
        done.sort_by_key(|(index, _, _)| *index);
        let started = started.into_inner().unwrap_or_default();
        let finished: Vec<usize> = done.iter().map(|(i, _, _)| *i).collect();
        let unknown: Vec<ProductId> = started
            .iter()
            .filter(|i| !finished.contains(i))
            .map(|i| ids[*i].clone())
            .collect();
        let not_started: Vec<ProductId> = (0..ids.len())
            .filter(|i| !started.contains(i))
            .map(|i| ids[i].clone())
            .collect();
        let attempts: Vec<i64> = done.iter().filter_map(|(_, _, a)| *a).collect();
        let items: Vec<BatchItem> = done.into_iter().map(|(_, item, _)| item).collect();
        let mut kept = Ok(());
        for item in &items {
            if let Ok(outcome) = &item.result {
                let stored = self.keep_outcome(outcome).await;
                kept = kept.and(stored);
            }
        }
        let mut result = journal::batch_result(&items);
        let interrupted = stop.is_cancelled() && (!unknown.is_empty() || !not_started.is_empty());
        if !unknown.is_empty() || !not_started.is_empty() {
            result.push_str(&journal::batch_interrupted(&unknown, &not_started));
        }
        let monitors = items
            .iter()
            .filter_map(|i| i.result.as_ref().ok())
            .flat_map(journal::outcome_monitors)
            .collect();
        let journaled = self
            .journal_linked(
                journal::BATCH_STATUS,
                id_texts,
                journal::batch_before(&items),
                Some(to.as_str().to_string()),
                result.clone(),
                monitors,
                attempts,
            )
            .await;
        let requests = items.iter().filter(|i| was_sent(i)).count() + unknown.len();
        let run = BatchRun {
            items,
            unknown,
            not_started,
            interrupted,
            requests,
            bulk: None,
        };
        settle(kept.and(journaled), run, || {
            format!("batch status → {to}: {result}")
        })
    }

    /// One product of a batch: its attempt, the change, and its answer noted on the attempt.
    /// Returns the attempt to close with the batch's entry (`None`: nothing to close — not
    /// written, or left open because the outcome is still unknown).
    async fn batch_item(
        &self,
        id: ProductId,
        seen: Option<crate::engine::Seen>,
        to: Status,
        halt: &CancellationToken,
    ) -> (BatchItem, Option<i64>) {
        let attempt = match self
            .begin(
                journal::BATCH_STATUS,
                id.to_string(),
                to.as_str().to_string(),
                None,
            )
            .await
        {
            Ok(a) => a,
            Err(e) => {
                halt.cancel();
                let item = BatchItem {
                    id,
                    from: None,
                    result: Err(BackendError::Other {
                        backend: "journal".into(),
                        detail: e.to_string(),
                    }),
                    unchanged: false,
                };
                return (item, None);
            }
        };
        // The batch's lookup read the product already: its status goes with the change.
        let change = match seen {
            Some(seen) => self.engine.change_status_seen(&id, seen, to).await,
            None => self.engine.change_status_from(&id, to).await,
        };
        let mut item = BatchItem {
            id,
            from: change.from,
            result: change.result,
            unchanged: change.unchanged,
        };
        let mut close = Some(attempt);
        if let Err(e) = &item.result
            && item.from.is_some()
            && wal::is_unreadable(e)
        {
            let backend = match e {
                BackendError::Malformed { backend, .. } => backend.clone(),
                _ => String::new(),
            };
            item.result = match self.settle_unreadable(&item.id, item.from, to, e).await {
                Unreadable::Monitor { monitor, .. } => Ok(ChangeOutcome::Pending(monitor)),
                Unreadable::Verified { status, .. } => Ok(ChangeOutcome::Done {
                    status: Some(status),
                }),
                Unreadable::Unknown { result } => Err(BackendError::Other {
                    backend,
                    detail: result,
                }),
                Unreadable::Unsettled { detail } => {
                    close = None;
                    Err(BackendError::Other { backend, detail })
                }
            };
        }
        let noted = journal::item_text(&item);
        let before = item.from.map(|s| s.as_str().to_string());
        if let Err(e) = self.store.attempt_note(attempt, before, noted).await {
            tracing::error!(product = %item.id, error = %e, "a batch item's answer could not be noted");
        }
        (item, close)
    }

    /// Update characteristics. `before` holds the current values of the named characteristics
    /// (one product read; skipped when the guard will refuse the operation anyway).
    pub async fn update_characteristics(
        &self,
        id: &ProductId,
        changes: &[Characteristic],
    ) -> Result<ChangeOutcome, GateError> {
        self.refuse_if_read_only("characteristics update")?;
        self.ensure_journal(journal::CHARACTERISTICS).await?;
        let requested = journal::characteristics_text(changes);
        let ids = vec![id.to_string()];
        let before = if supports(id.kind, Operation::UpdateCharacteristics) {
            match self.engine.product(id).await {
                Ok(p) => Some(journal::current_characteristics(&p, changes)),
                Err(e) => {
                    return Err(self
                        .journal_failure(journal::CHARACTERISTICS, ids, None, &requested, e, None)
                        .await);
                }
            }
        } else {
            None
        };
        let attempt = self
            .begin(
                journal::CHARACTERISTICS,
                id.to_string(),
                requested.clone(),
                before.clone(),
            )
            .await?;
        let outcome = match self.engine.update_characteristics(id, changes).await {
            Ok(outcome) => outcome,
            Err(e) if wal::is_unreadable(&e) => {
                return self
                    .unreadable_characteristics(attempt, id, changes, before, &requested, e)
                    .await;
            }
            Err(e) => {
                return Err(self
                    .journal_failure(
                        journal::CHARACTERISTICS,
                        ids,
                        before,
                        &requested,
                        e,
                        Some(attempt),
                    )
                    .await);
            }
        };
        let result = journal::outcome_text(&outcome);
        let kept = self.keep_outcome(&outcome).await;
        let journaled = self
            .journal_linked(
                journal::CHARACTERISTICS,
                ids,
                before,
                Some(requested.clone()),
                result.clone(),
                journal::outcome_monitors(&outcome),
                vec![attempt],
            )
            .await;
        settle(kept.and(journaled), outcome, || {
            format!("characteristics of {id} ({requested}): {result}")
        })
    }

    /// An unreadable answer to a characteristics update: a monitor when the body named the
    /// request, else a verification read of the named characteristics.
    async fn unreadable_characteristics(
        &self,
        attempt: i64,
        id: &ProductId,
        changes: &[Characteristic],
        before: Option<String>,
        requested: &str,
        error: BackendError,
    ) -> Result<ChangeOutcome, GateError> {
        let what = format!("characteristics of {id} ({requested})");
        let ids = vec![id.to_string()];
        let (result, outcome) = if let Some(native) = wal::request_id_in(id.kind, &error) {
            let monitor = wal::recovered_monitor(
                id.kind,
                &error,
                id,
                format!("characteristics {requested}"),
                &native,
            );
            let result = wal::unknown_text(
                &what,
                &error,
                &format!(
                    "the carrier named its request: monitor {} follows it",
                    monitor.id
                ),
            );
            (result, Some(ChangeOutcome::Pending(monitor)))
        } else {
            match self.engine.product(id).await {
                Ok(p) => {
                    let now = journal::current_characteristics(&p, changes);
                    if now == requested {
                        (
                            format!(
                                "ok (verified by a read: the answer was unreadable, the carrier shows {now})"
                            ),
                            Some(ChangeOutcome::Done { status: None }),
                        )
                    } else {
                        (
                            wal::unknown_text(
                                &what,
                                &error,
                                &format!("a read just after shows {now}"),
                            ),
                            None,
                        )
                    }
                }
                Err(read) => {
                    return Err(GateError::OutcomeUnknown {
                        what,
                        detail: format!(
                            "the answer was unreadable ({error}) and the verification read failed ({read}); the next run that reaches the carrier reconciles it"
                        ),
                    });
                }
            }
        };
        let kept = match &outcome {
            Some(o) => self.keep_outcome(o).await,
            None => Ok(()),
        };
        let monitors = outcome
            .as_ref()
            .map(journal::outcome_monitors)
            .unwrap_or_default();
        let journaled = self
            .journal_linked(
                journal::CHARACTERISTICS,
                ids,
                before,
                Some(requested.to_string()),
                result.clone(),
                monitors,
                vec![attempt],
            )
            .await;
        if let Err(source) = kept.and(journaled) {
            return Err(GateError::NotRecorded {
                done: format!("{what}: {result}"),
                source,
            });
        }
        match outcome {
            Some(done @ ChangeOutcome::Done { .. }) => Ok(done),
            _ => Err(GateError::OutcomeUnknown {
                what,
                detail: result,
            }),
        }
    }

    /// Cancel an asynchronous request at the carrier and record the monitor's new state (the
    /// poller, when attached, stops watching it and publishes the change).
    pub async fn cancel_monitor(&self, monitor_id: &str) -> Result<Monitor, GateError> {
        self.refuse_if_read_only("monitor cancel")?;
        let stored = match self.store.monitor_get(monitor_id).await {
            Ok(m) => Some(m),
            Err(StoreError::MonitorNotFound(_)) => None,
            Err(e) => {
                tracing::warn!(monitor = monitor_id, error = %e, "stored monitor unreadable");
                None
            }
        };
        let before = stored.as_ref().map(|m| m.state.as_str().to_string());
        let ids: Vec<String> = stored
            .as_ref()
            .and_then(|m| m.product_id.as_ref())
            .map(|p| vec![p.to_string()])
            .unwrap_or_default();
        let requested = format!("cancel of monitor {monitor_id}");
        let attempt = self
            .begin(
                journal::MONITOR_CANCEL,
                ids.first().cloned().unwrap_or_default(),
                monitor_id.to_string(),
                before.clone(),
            )
            .await?;
        let answered = match self.engine.cancel_monitor(monitor_id).await {
            // An unreadable answer: the cancel may have arrived; read the monitor to see.
            Err(e) if wal::is_unreadable(&e) => match self.engine.monitor(monitor_id).await {
                Ok(m) if m.state == MonitorState::Cancelled => Ok(m),
                Ok(m) => Err(GateError::OutcomeUnknown {
                    what: requested.clone(),
                    detail: format!(
                        "the answer was unreadable ({e}); a read just after shows {}",
                        m.state.as_str()
                    ),
                }),
                Err(read) => Err(GateError::OutcomeUnknown {
                    what: requested.clone(),
                    detail: format!(
                        "the answer was unreadable ({e}) and the verification read failed ({read}); the next run that reaches the carrier reconciles it"
                    ),
                }),
            },
            other => other.map_err(GateError::from),
        };
        let cancelled = match answered {
            Ok(m) => match &stored {
                Some(known) => merge_monitor(known, m),
                None => m,
            },
            Err(GateError::OutcomeUnknown { what, detail }) => {
                if !detail.contains("verification read failed") {
                    let result = format!("{}: {detail}", crate::store::OUTCOME_UNKNOWN);
                    let _ = self
                        .journal(
                            journal::MONITOR_CANCEL,
                            ids,
                            before,
                            None,
                            result,
                            vec![attempt],
                        )
                        .await;
                }
                return Err(GateError::OutcomeUnknown { what, detail });
            }
            Err(e) => {
                return Err(self
                    .journal_failure(
                        journal::MONITOR_CANCEL,
                        ids,
                        before,
                        &requested,
                        e,
                        Some(attempt),
                    )
                    .await);
            }
        };
        let result = format!("ok (monitor {monitor_id})");
        let kept = self.keep_monitor(&cancelled).await;
        let journaled = self
            .journal(
                journal::MONITOR_CANCEL,
                ids,
                before,
                Some(cancelled.state.as_str().to_string()),
                result,
                vec![attempt],
            )
            .await;
        settle(kept.and(journaled), cancelled, || {
            format!("monitor {monitor_id} was cancelled")
        })
    }
}

/// Whether a per-product batch item's request left for the carrier: nothing is sent for an
/// unchanged product, one never read, or one the capability guard refused.
fn was_sent(item: &BatchItem) -> bool {
    !item.unchanged
        && item.from.is_some()
        && !matches!(
            item.result,
            Err(BackendError::NotSupported { .. }
                | BackendError::TransitionNotAllowed { .. }
                | BackendError::InvalidInput(_))
        )
}

/// The action is done; report a failure to record it without hiding that it happened.
fn settle<T>(
    recorded: Result<(), StoreError>,
    value: T,
    done: impl FnOnce() -> String,
) -> Result<T, GateError> {
    match recorded {
        Ok(()) => Ok(value),
        Err(source) => Err(GateError::NotRecorded {
            done: done(),
            source,
        }),
    }
}
