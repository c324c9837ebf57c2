//! Persisted monitors of asynchronous carrier requests, so a monitor started before the console
//! or a headless command exits is still known — and still polled — after a restart.
//!
//! The full `Monitor` is kept as JSON; the columns beside it exist for queries: the state, when
//! it became final (for the retention window) and the poller's backoff position, so polling
//! resumes where it left off instead of hammering the carrier after every restart.

use super::audit::{AuditEntry, insert_final};
use super::error::{StoreError, StoreResult};
use super::{Store, format_time, parse_time};
use crate::domain::{Monitor, MonitorState};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use std::time::Duration;

/// How long finished monitors are kept when the configuration does not say otherwise.
pub const DEFAULT_MONITOR_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// A monitor still `InProgress`, with where its polling backoff stood.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMonitor {
    pub monitor: Monitor,
    /// Polls made so far without a final answer.
    pub poll_attempts: u32,
    /// When the poller planned the next poll; `None` means as soon as possible.
    pub next_poll_at: Option<DateTime<Utc>>,
}

impl Store {
    fn decode_monitor(&self, id: &str, body: &str) -> StoreResult<Monitor> {
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("monitor {id:?} cannot be read back: {e}"),
        })
    }

    /// Insert or update a monitor. The first time it is stored in a final state, that moment
    /// starts its retention window and its polling state is cleared.
    pub fn monitor_upsert(&mut self, monitor: &Monitor) -> StoreResult<()> {
        self.monitor_record(monitor, None).map(|_| ())
    }

    /// [`Store::monitor_upsert`], and — when `outcome` is given for a final monitor — its
    /// final-outcome journal entry in the same transaction, unless the journal already has one
    /// for this monitor (so several observers of the same end write it once). Returns whether
    /// the entry was written.
    pub fn monitor_record(
        &mut self,
        monitor: &Monitor,
        outcome: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let body = serde_json::to_string(monitor).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("monitor {:?} cannot be encoded: {e}", monitor.id),
        })?;
        let finished = monitor.state.is_final().then(|| format_time(Utc::now()));
        let outcome = outcome.filter(|_| monitor.state.is_final());
        self.write(|tx, path| {
            tx.execute(
                "INSERT INTO monitor (id, state, body, finished_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET
                     state = excluded.state,
                     body = excluded.body,
                     finished_at = CASE WHEN excluded.finished_at IS NULL THEN NULL
                                        ELSE coalesce(monitor.finished_at, excluded.finished_at) END,
                     next_poll_at = CASE WHEN excluded.finished_at IS NULL THEN monitor.next_poll_at
                                         ELSE NULL END",
                params![monitor.id, monitor.state.as_str(), body, finished],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            match outcome {
                Some(entry) => insert_final(tx, path, &monitor.id, &monitor.created, entry),
                None => Ok(false),
            }
        })
    }

    /// One monitor by id; [`StoreError::MonitorNotFound`] when the store never saw it.
    pub fn monitor_get(&self, id: &str) -> StoreResult<Monitor> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM monitor WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))?;
        match body {
            Some(body) => self.decode_monitor(id, &body),
            None => Err(StoreError::MonitorNotFound(id.to_string())),
        }
    }

    /// Every stored monitor, oldest first.
    pub fn monitors_list(&self) -> StoreResult<Vec<Monitor>> {
        Ok(self
            .monitor_rows(
                "SELECT id, body, poll_attempts, next_poll_at FROM monitor ORDER BY rowid",
            )?
            .into_iter()
            .map(|p| p.monitor)
            .collect())
    }

    /// The monitors a poller must resume: those still `InProgress`, oldest first.
    pub fn monitors_pending(&self) -> StoreResult<Vec<PendingMonitor>> {
        self.monitor_rows(&format!(
            "SELECT id, body, poll_attempts, next_poll_at FROM monitor WHERE state = '{}' ORDER BY rowid",
            MonitorState::InProgress.as_str()
        ))
    }

    /// Rows whose JSON no longer decodes (written by another build) are skipped with a
    /// warning rather than hiding every other monitor.
    fn monitor_rows(&self, sql: &str) -> StoreResult<Vec<PendingMonitor>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, body, poll_attempts, next) in rows {
            match self.decode_monitor(&id, &body) {
                Ok(monitor) => out.push(PendingMonitor {
                    monitor,
                    poll_attempts,
                    next_poll_at: next.as_deref().and_then(parse_time),
                }),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable monitor row"),
            }
        }
        Ok(out)
    }

    /// Remember the poller's backoff position for a pending monitor.
    pub fn monitor_record_poll(
        &mut self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let next = format_time(next_poll_at);
        self.write(|tx, path| {
            let changed = tx
                .execute(
                    "UPDATE monitor SET poll_attempts = ?2, next_poll_at = ?3 WHERE id = ?1",
                    params![id, poll_attempts, next],
                )
                .map_err(|e| StoreError::sqlite(path, e))?;
            if changed == 0 {
                return Err(StoreError::MonitorNotFound(id.to_string()));
            }
            Ok(())
        })
    }

    /// Forget monitors that reached a final state more than `retention` ago; returns how many.
    pub fn monitors_prune(&mut self, retention: Duration) -> StoreResult<usize> {
        match chrono::Duration::from_std(retention)
            .ok()
            .and_then(|r| Utc::now().checked_sub_signed(r))
        {
            Some(cutoff) => self.monitors_prune_before(cutoff),
            // A retention longer than the calendar can hold keeps everything.
            None => Ok(0),
        }
    }

    /// Forget monitors that reached a final state before `cutoff`. Pending ones are never pruned.
    pub fn monitors_prune_before(&mut self, cutoff: DateTime<Utc>) -> StoreResult<usize> {
        let cutoff = format_time(cutoff);
        self.write(|tx, path| {
            tx.execute(
                "DELETE FROM monitor WHERE finished_at IS NOT NULL AND finished_at < ?1",
                [&cutoff],
            )
            .map_err(|e| StoreError::sqlite(path, e))
        })
    }
}
