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
//! - Confirmation is the caller's job: the UI asks (default Cancel) and the CLI needs `--yes`
//!   *before* calling; a call here means "confirmed".

mod attrs;
mod error;
pub mod journal;
pub mod record;

pub use error::GateError;

use super::Engine;
use super::batch::BatchItem;
use super::poller::{PollerHandle, merge_monitor};
use crate::backends::ChangeOutcome;
use crate::domain::capabilities::supports;
use crate::domain::{Characteristic, Monitor, Operation, ProductId, Status};
use crate::store::{AuditEntry, Operator, StoreError, StoreHandle};

/// The largest batch when the configuration does not set `max_batch_size`.
pub const DEFAULT_MAX_BATCH: usize = 100;

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

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn store(&self) -> &StoreHandle {
        &self.store
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
    ) -> Result<(), StoreError> {
        self.journal_linked(action, product_ids, before, after, result, Vec::new())
            .await
    }

    /// [`Gate::journal`] for a request that created `monitors`: their final outcomes, journaled
    /// later by whoever sees them end, link back to this entry.
    async fn journal_linked(
        &self,
        action: &str,
        product_ids: Vec<String>,
        before: Option<String>,
        after: Option<String>,
        result: String,
        monitors: Vec<String>,
    ) -> Result<(), StoreError> {
        let entry = AuditEntry::new(&self.operator, action, product_ids, before, after, result);
        self.store
            .audit_append_linked(entry, monitors)
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

    /// Journal a failed action and return its error; a journal failure is logged (by
    /// [`Gate::journal`]) but the action's own error is what the caller needs to see.
    async fn journal_failure<E: Into<GateError> + std::fmt::Display>(
        &self,
        action: &str,
        product_ids: Vec<String>,
        before: Option<String>,
        requested: &str,
        error: E,
    ) -> GateError {
        let result = journal::failure_text(requested, &error);
        let _ = self
            .journal(action, product_ids, before, None, result)
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
        self.refuse_if_read_only("status change")?;
        let change = self.engine.change_status_from(id, to).await;
        let unchanged = change.unchanged;
        let before = change.from.map(|s| s.as_str().to_string());
        let ids = vec![id.to_string()];
        let outcome = match change.result {
            Ok(outcome) => outcome,
            Err(e) => {
                return Err(self
                    .journal_failure(journal::STATUS, ids, before, to.as_str(), e)
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
            )
            .await;
        let reported = StatusOutcome { outcome, unchanged };
        settle(kept.and(journaled), reported, || {
            format!("status of {id} → {to}: {result}")
        })
    }

    /// Change the status of every id (one account, at most `max_batch` ids). One journal entry
    /// lists every id, the statuses they started from, the target and a per-id summary.
    pub async fn batch_status(
        &self,
        ids: &[ProductId],
        to: Status,
    ) -> Result<Vec<BatchItem>, GateError> {
        self.refuse_if_read_only("batch status change")?;
        if ids.len() > self.max_batch {
            return Err(GateError::BatchTooLarge {
                size: ids.len(),
                max: self.max_batch,
            });
        }
        let id_texts: Vec<String> = ids.iter().map(ProductId::to_string).collect();
        let items = match self.engine.batch_status(ids, to, self.max_batch).await {
            Ok(items) => items,
            Err(e) => {
                let result = journal::batch_refused(to, &e);
                let _ = self
                    .journal(journal::BATCH_STATUS, id_texts, None, None, result)
                    .await;
                return Err(e.into());
            }
        };
        let mut kept = Ok(());
        for item in &items {
            if let Ok(outcome) = &item.result {
                let stored = self.keep_outcome(outcome).await;
                kept = kept.and(stored);
            }
        }
        let result = journal::batch_result(&items);
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
            )
            .await;
        settle(kept.and(journaled), items, || {
            format!("batch status → {to}: {result}")
        })
    }

    /// Update characteristics. `before` holds the current values of the named characteristics
    /// (one product read; skipped when the guard will refuse the operation anyway).
    pub async fn update_characteristics(
        &self,
        id: &ProductId,
        changes: &[Characteristic],
    ) -> Result<ChangeOutcome, GateError> {
        self.refuse_if_read_only("characteristics update")?;
        let requested = journal::characteristics_text(changes);
        let ids = vec![id.to_string()];
        let before = if supports(id.kind, Operation::UpdateCharacteristics) {
            match self.engine.product(id).await {
                Ok(p) => Some(journal::current_characteristics(&p, changes)),
                Err(e) => {
                    return Err(self
                        .journal_failure(journal::CHARACTERISTICS, ids, None, &requested, e)
                        .await);
                }
            }
        } else {
            None
        };
        let outcome = match self.engine.update_characteristics(id, changes).await {
            Ok(outcome) => outcome,
            Err(e) => {
                return Err(self
                    .journal_failure(journal::CHARACTERISTICS, ids, before, &requested, e)
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
            )
            .await;
        settle(kept.and(journaled), outcome, || {
            format!("characteristics of {id} ({requested}): {result}")
        })
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
        let cancelled = match self.engine.cancel_monitor(monitor_id).await {
            Ok(m) => match &stored {
                Some(known) => merge_monitor(known, m),
                None => m,
            },
            Err(e) => {
                return Err(self
                    .journal_failure(journal::MONITOR_CANCEL, ids, before, &requested, e)
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
            )
            .await;
        settle(kept.and(journaled), cancelled, || {
            format!("monitor {monitor_id} was cancelled")
        })
    }
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
