//! The write-ahead journal (docs/safety.md, "Write-ahead journal"; schema version 5 in
//! `src/store/schema.rs`): before a mutation's request leaves, the gate writes an *attempt*
//! here; the audit entry that records the outcome closes it in the same transaction
//! ([`Store::audit_complete`]). An attempt left open — the process was killed, the runtime
//! stopped, or the carrier's answer never arrived — is "outcome unknown" in `cmo audit` until
//! a later run reads the carrier and records what it found ([`Store::attempt_resolve`]).
//!
//! A mutation whose attempt cannot be written is not sent ("no journal, no change"), and a
//! damaged store refuses the attempt ([`Store::ensure_sound`]), so a damaged file is never
//! written by a mutation.

use super::audit::{AuditEntry, AuditRecord, OUTCOME_UNKNOWN, Operator, insert_entry};
use super::error::{StoreError, StoreResult};
use super::{Store, format_time, parse_time};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// What a mutation is about to send, as written before the request leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    pub action: String,
    /// One product (a batch writes one attempt per product); empty for a cancel of a monitor
    /// the store does not know.
    pub product_id: String,
    /// What is requested: a status name, `name=value, …`, an attribute edit, a monitor id.
    pub target: String,
    /// What the gate knew before sending (may be unknown yet: a status is read by the engine).
    pub before: Option<String>,
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub time: DateTime<Utc>,
    pub operator: String,
    pub ssh_client: Option<String>,
    pub action: String,
    pub product_id: String,
    pub target: String,
    pub before: Option<String>,
    /// The process that sent it.
    pub pid: u32,
    /// A batch item's outcome, noted as soon as the carrier answered (the batch's own entry
    /// comes at its end).
    pub result: Option<String>,
}

impl Attempt {
    /// How `cmo audit` shows an open attempt: `seq` 0 (it has no journal row yet), result
    /// `outcome unknown: …`.
    pub fn as_record(&self) -> AuditRecord {
        let result = match &self.result {
            Some(noted) => format!(
                "{OUTCOME_UNKNOWN}: interrupted; the carrier had answered {noted} (not yet reconciled)"
            ),
            None => format!(
                "{OUTCOME_UNKNOWN}: interrupted before the carrier's answer was recorded (not yet reconciled)"
            ),
        };
        AuditRecord {
            seq: 0,
            entry: AuditEntry {
                time: self.time,
                operator: self.operator.clone(),
                ssh_client: self.ssh_client.clone(),
                action: self.action.clone(),
                product_ids: if self.product_id.is_empty() {
                    Vec::new()
                } else {
                    vec![self.product_id.clone()]
                },
                before: self.before.clone(),
                after: Some(self.target.clone()),
                result,
            },
            monitors: Vec::new(),
            request_seq: None,
            attempt: Some(self.id),
            outcome: Some("unknown".into()),
        }
    }

    /// Whether the process that wrote it may still be sending it (then no other process
    /// reconciles it). Linux: its `/proc` entry; elsewhere, never (reconciled at next start).
    pub fn sender_alive(&self) -> bool {
        self.pid == std::process::id()
            || std::path::Path::new("/proc")
                .join(self.pid.to_string())
                .exists()
    }
}

impl Store {
    /// Refuse writes to a store whose pages are damaged: `PRAGMA quick_check` once per open
    /// store, before its first mutation. A damaged file is named in the error and left as it is.
    pub fn ensure_sound(&mut self) -> StoreResult<()> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        if self.sound {
            return Ok(());
        }
        let mut stmt = self
            .conn
            .prepare("PRAGMA quick_check")
            .map_err(|e| self.sql(e))?;
        let findings = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        drop(stmt);
        if findings.len() == 1 && findings[0] == "ok" {
            self.sound = true;
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: findings.join("; "),
            })
        }
    }

    /// Write an attempt before its request leaves (durable when this returns). Refused on a
    /// damaged or read-only store.
    pub fn attempt_begin(&mut self, operator: &Operator, attempt: &NewAttempt) -> StoreResult<i64> {
        self.ensure_sound()?;
        let time = format_time(Utc::now());
        let pid = std::process::id();
        self.write(|tx, path| {
            tx.execute(
                "INSERT INTO journal_attempt (time, operator, ssh_client, action, product_id, target, before, pid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    time,
                    operator.user,
                    operator.ssh_client,
                    attempt.action,
                    attempt.product_id,
                    attempt.target,
                    attempt.before,
                    pid
                ],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Note what the carrier answered to an attempt whose journal entry comes later (a batch
    /// item): a kill before the batch's entry then still leaves the answer on record.
    pub fn attempt_note(&mut self, id: i64, before: Option<&str>, result: &str) -> StoreResult<()> {
        self.write(|tx, path| {
            tx.execute(
                "UPDATE journal_attempt SET result = ?2, before = coalesce(?3, before)
                 WHERE id = ?1 AND audit_seq IS NULL",
                params![id, result, before],
            )
            .map_err(|e| StoreError::sqlite(path, e))
            .map(|_| ())
        })
    }

    /// Attempts with no entry recording their outcome, oldest first.
    pub fn attempts_open(&self) -> StoreResult<Vec<Attempt>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, time, operator, ssh_client, action, product_id, target, before, pid, result
                 FROM journal_attempt WHERE audit_seq IS NULL ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    Attempt {
                        id: r.get(0)?,
                        time: DateTime::<Utc>::MIN_UTC,
                        operator: r.get(2)?,
                        ssh_client: r.get(3)?,
                        action: r.get(4)?,
                        product_id: r.get(5)?,
                        target: r.get(6)?,
                        before: r.get(7)?,
                        pid: r.get(8)?,
                        result: r.get(9)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        rows.into_iter()
            .map(|(time, mut a)| {
                a.time = parse_time(&time).ok_or_else(|| StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("journal attempt {} has an unreadable time", a.id),
                })?;
                Ok(a)
            })
            .collect()
    }

    /// Record what a later run found for an open attempt: `entry` (its result starting with
    /// `reconciled`) is appended, linked to the attempt, and closes it — unless another process
    /// resolved it first (then nothing is written and `None` is returned).
    pub fn attempt_resolve(&mut self, id: i64, entry: &AuditEntry) -> StoreResult<Option<i64>> {
        self.write(|tx, path| {
            let open: Option<i64> = tx
                .query_row(
                    "SELECT id FROM journal_attempt WHERE id = ?1 AND audit_seq IS NULL",
                    [id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| StoreError::sqlite(path, e))?;
            if open.is_none() {
                return Ok(None);
            }
            let seq = insert_entry(tx, path, entry, Some(id))?;
            tx.execute(
                "UPDATE journal_attempt SET audit_seq = ?2 WHERE id = ?1",
                params![id, seq],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(Some(seq))
        })
    }
}
