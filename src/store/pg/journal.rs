//! The audit journal and the write-ahead attempts on PostgreSQL: the same behaviour as
//! `../audit.rs` and `../attempts.rs`. Journal rows are only ever inserted (a trigger refuses
//! UPDATE and DELETE, `schema.rs` step 7); an attempt is closed by the entry that records it.

use super::data::col;
use super::{Db, PgStore};
use crate::store::audit::{AuditRow, assemble_records, encode_ids};
use crate::store::error::StoreResult;
use crate::store::{
    Attempt, AuditEntry, AuditRecord, NewAttempt, Operator, format_time, parse_time,
};
use chrono::{DateTime, Utc};
use postgres::Transaction;

/// Insert one journal row and return its `seq`.
pub(super) fn insert_entry_pg(
    tx: &mut Transaction<'_>,
    db: &Db,
    entry: &AuditEntry,
    attempt: Option<i64>,
) -> StoreResult<i64> {
    let ids = encode_ids(std::path::Path::new(&db.0), &entry.product_ids)?;
    let row = tx
        .query_one(
            "INSERT INTO audit
                 (time, operator, ssh_client, action, product_ids, before, after, result, attempt_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq",
            &[
                &format_time(entry.time),
                &entry.operator,
                &entry.ssh_client,
                &entry.action,
                &ids,
                &entry.before,
                &entry.after,
                &entry.result,
                &attempt,
            ],
        )
        .map_err(|e| db.err(e))?;
    col(&row, 0, db)
}

impl PgStore {
    pub(super) fn audit_complete_pg(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
        attempts: &[i64],
    ) -> StoreResult<i64> {
        let own = match attempts {
            [one] => Some(*one),
            _ => None,
        };
        self.tx(|tx, db| {
            let seq = insert_entry_pg(tx, db, entry, own)?;
            for monitor in monitors {
                tx.execute(
                    "INSERT INTO audit_monitor (monitor_id, request_seq) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[monitor, &seq],
                )
                .map_err(|e| db.err(e))?;
            }
            for attempt in attempts {
                tx.execute(
                    "UPDATE journal_attempt SET audit_seq = $2 WHERE id = $1 AND audit_seq IS NULL",
                    &[attempt, &seq],
                )
                .map_err(|e| db.err(e))?;
            }
            Ok(seq)
        })
    }

    pub(super) fn audit_rows_pg(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRow>> {
        let db = Db(self.name.clone());
        let since = since.map(format_time);
        let rows = self
            .client
            .query(
                "SELECT time, operator, ssh_client, action, product_ids, before, after, result,
                        seq, monitor_id, attempt_id
                 FROM audit WHERE ($1::text IS NULL OR time >= $1) ORDER BY seq",
                &[&since],
            )
            .map_err(|e| db.err(e))?;
        rows.iter()
            .map(|r| {
                let time: String = col(r, 0, &db)?;
                let ids: String = col(r, 4, &db)?;
                let damaged =
                    |what: &str| db.state(format!("audit entry has an unreadable {what}"));
                let entry = AuditEntry {
                    time: parse_time(&time).ok_or_else(|| damaged("time"))?,
                    operator: col(r, 1, &db)?,
                    ssh_client: col(r, 2, &db)?,
                    action: col(r, 3, &db)?,
                    product_ids: serde_json::from_str(&ids)
                        .map_err(|_| damaged("product id list"))?,
                    before: col(r, 5, &db)?,
                    after: col(r, 6, &db)?,
                    result: col(r, 7, &db)?,
                };
                Ok((col(r, 8, &db)?, col(r, 9, &db)?, col(r, 10, &db)?, entry))
            })
            .collect()
    }

    pub(super) fn audit_records_since_pg(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>> {
        let entries = self.audit_rows_pg(since)?;
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query("SELECT monitor_id, request_seq FROM audit_monitor", &[])
            .map_err(|e| db.err(e))?;
        let links = rows
            .iter()
            .map(|r| Ok((col(r, 0, &db)?, col(r, 1, &db)?)))
            .collect::<StoreResult<Vec<(String, i64)>>>()?;
        let open = self.attempts_open_pg()?;
        Ok(assemble_records(entries, &links, open, since))
    }

    pub(super) fn attempt_begin_pg(
        &mut self,
        operator: &Operator,
        attempt: &NewAttempt,
    ) -> StoreResult<i64> {
        let time = format_time(Utc::now());
        let pid = i64::from(std::process::id());
        self.tx(|tx, db| {
            let row = tx
                .query_one(
                    "INSERT INTO journal_attempt
                         (time, operator, ssh_client, action, product_id, target, before, pid)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    &[
                        &time,
                        &operator.user,
                        &operator.ssh_client,
                        &attempt.action,
                        &attempt.product_id,
                        &attempt.target,
                        &attempt.before,
                        &pid,
                    ],
                )
                .map_err(|e| db.err(e))?;
            col(&row, 0, db)
        })
    }

    pub(super) fn attempt_note_pg(
        &mut self,
        id: i64,
        before: Option<&str>,
        result: &str,
    ) -> StoreResult<()> {
        self.tx(|tx, db| {
            tx.execute(
                "UPDATE journal_attempt SET result = $2, before = coalesce($3, before)
                 WHERE id = $1 AND audit_seq IS NULL",
                &[&id, &result, &before],
            )
            .map(|_| ())
            .map_err(|e| db.err(e))
        })
    }

    pub(super) fn attempts_open_pg(&mut self) -> StoreResult<Vec<Attempt>> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT id, time, operator, ssh_client, action, product_id, target, before, pid, result
                 FROM journal_attempt WHERE audit_seq IS NULL ORDER BY id",
                &[],
            )
            .map_err(|e| db.err(e))?;
        rows.iter()
            .map(|r| {
                let id: i64 = col(r, 0, &db)?;
                let time: String = col(r, 1, &db)?;
                let pid: i64 = col(r, 8, &db)?;
                Ok(Attempt {
                    id,
                    time: parse_time(&time).ok_or_else(|| {
                        db.state(format!("journal attempt {id} has an unreadable time"))
                    })?,
                    operator: col(r, 2, &db)?,
                    ssh_client: col(r, 3, &db)?,
                    action: col(r, 4, &db)?,
                    product_id: col(r, 5, &db)?,
                    target: col(r, 6, &db)?,
                    before: col(r, 7, &db)?,
                    pid: u32::try_from(pid).unwrap_or(0),
                    result: col(r, 9, &db)?,
                })
            })
            .collect()
    }

    /// Close an open attempt with `entry`, unless another process resolved it first; the row
    /// lock makes two replicas reconciling the same attempt write one entry.
    pub(super) fn attempt_resolve_pg(
        &mut self,
        id: i64,
        entry: &AuditEntry,
    ) -> StoreResult<Option<i64>> {
        self.tx(|tx, db| {
            let open = tx
                .query_opt(
                    "SELECT id FROM journal_attempt WHERE id = $1 AND audit_seq IS NULL FOR UPDATE",
                    &[&id],
                )
                .map_err(|e| db.err(e))?;
            if open.is_none() {
                return Ok(None);
            }
            let seq = insert_entry_pg(tx, db, entry, Some(id))?;
            tx.execute(
                "UPDATE journal_attempt SET audit_seq = $2 WHERE id = $1",
                &[&id, &seq],
            )
            .map_err(|e| db.err(e))?;
            Ok(Some(seq))
        })
    }
}
