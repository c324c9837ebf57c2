//! Custom attributes, monitors with their leases, and carrier-account claims on PostgreSQL:
//! the same behaviour as `../attrs.rs` and `../monitors.rs` (the contract tests hold both to it).

use super::journal::insert_entry_pg;
use super::{Db, PgStore, secs};
use crate::domain::attrs::{lookup_name, validate_name};
use crate::domain::{CustomAttribute, Monitor, MonitorState, ProductId};
use crate::store::audit::encode_ids;
use crate::store::error::{StoreError, StoreResult};
use crate::store::{
    AttrChange, AttrsByProduct, AuditEntry, MONITOR_FINAL, PendingMonitor, format_time, parse_time,
};
use chrono::{DateTime, Utc};
use postgres::Transaction;
use std::time::Duration;

pub(super) fn col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
    db: &Db,
) -> StoreResult<T> {
    row.try_get(i).map_err(|e| db.err(e))
}

fn lookup(
    tx: &mut Transaction<'_>,
    db: &Db,
    product: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    let row = tx
        .query_opt(
            "SELECT value FROM custom_attribute WHERE product_id = $1 AND name = $2 FOR UPDATE",
            &[&product, &name],
        )
        .map_err(|e| db.err(e))?;
    row.map(|r| col(&r, 0, db)).transpose()
}

fn not_found(product: &ProductId, name: &str) -> StoreError {
    StoreError::AttrNotFound {
        product: product.clone(),
        name: name.to_string(),
    }
}

/// The edit's journal row, with `before`/`after` taken from what it did.
fn journal_change(
    tx: &mut Transaction<'_>,
    db: &Db,
    journal: Option<&AuditEntry>,
    change: &AttrChange,
) -> StoreResult<()> {
    if let Some(entry) = journal {
        let mut entry = entry.clone();
        entry.before = change.before_text();
        entry.after = change.after_text();
        insert_entry_pg(tx, db, &entry, None)?;
    }
    Ok(())
}

impl PgStore {
    pub(super) fn attrs_all_pg(&mut self) -> StoreResult<AttrsByProduct> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT product_id, name, value FROM custom_attribute ORDER BY seq",
                &[],
            )
            .map_err(|e| db.err(e))?;
        let mut all = AttrsByProduct::new();
        for r in rows {
            let key: String = col(&r, 0, &db)?;
            let attr = CustomAttribute {
                name: col(&r, 1, &db)?,
                value: col(&r, 2, &db)?,
            };
            match key.parse::<ProductId>() {
                Ok(id) => all.entry(id).or_default().push(attr),
                Err(e) => tracing::warn!(product = %crate::text::sanitize(&key), error = %e,
                    "skipping attributes of an unreadable product id"),
            }
        }
        Ok(all)
    }

    pub(super) fn attrs_list_pg(
        &mut self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>> {
        let db = Db(self.name.clone());
        let key = product.to_string();
        let name = name.map(lookup_name).transpose()?;
        let rows = self
            .client
            .query(
                "SELECT name, value FROM custom_attribute
                 WHERE product_id = $1 AND ($2::text IS NULL OR name = $2) ORDER BY seq",
                &[&key, &name],
            )
            .map_err(|e| db.err(e))?;
        let attrs = rows
            .iter()
            .map(|r| {
                Ok(CustomAttribute {
                    name: col(r, 0, &db)?,
                    value: col(r, 1, &db)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        match name {
            Some(name) if attrs.is_empty() => Err(not_found(product, &name)),
            _ => Ok(attrs),
        }
    }

    pub(super) fn attrs_set_pg(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let attr = CustomAttribute::new(name, value)?;
        let key = product.to_string();
        self.tx(|tx, db| {
            let old = lookup(tx, db, &key, &attr.name)?;
            let now = format_time(Utc::now());
            tx.execute(
                "INSERT INTO custom_attribute (product_id, name, value, created, updated)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (product_id, name) DO UPDATE
                     SET value = excluded.value, updated = excluded.updated",
                &[&key, &attr.name, &attr.value, &now],
            )
            .map_err(|e| db.err(e))?;
            let change = AttrChange {
                product: product.clone(),
                before: old.map(|value| CustomAttribute {
                    name: attr.name.clone(),
                    value,
                }),
                after: Some(attr.clone()),
            };
            journal_change(tx, db, journal, &change)?;
            Ok(change)
        })
    }

    pub(super) fn attrs_rename_pg(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let old = lookup_name(old)?;
        let new = validate_name(new)?;
        let key = product.to_string();
        self.tx(|tx, db| {
            let value = lookup(tx, db, &key, &old)?.ok_or_else(|| not_found(product, &old))?;
            if new != old && lookup(tx, db, &key, &new)?.is_some() {
                return Err(StoreError::AttrExists {
                    product: product.clone(),
                    name: new.clone(),
                });
            }
            tx.execute(
                "UPDATE custom_attribute SET name = $3, updated = $4
                 WHERE product_id = $1 AND name = $2",
                &[&key, &old, &new, &format_time(Utc::now())],
            )
            .map_err(|e| db.err(e))?;
            let change = AttrChange {
                product: product.clone(),
                before: Some(CustomAttribute {
                    name: old.clone(),
                    value: value.clone(),
                }),
                after: Some(CustomAttribute {
                    name: new.clone(),
                    value,
                }),
            };
            journal_change(tx, db, journal, &change)?;
            Ok(change)
        })
    }

    pub(super) fn attrs_delete_pg(
        &mut self,
        product: &ProductId,
        name: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        let name = lookup_name(name)?;
        let key = product.to_string();
        self.tx(|tx, db| {
            let value = lookup(tx, db, &key, &name)?.ok_or_else(|| not_found(product, &name))?;
            tx.execute(
                "DELETE FROM custom_attribute WHERE product_id = $1 AND name = $2",
                &[&key, &name],
            )
            .map_err(|e| db.err(e))?;
            let change = AttrChange {
                product: product.clone(),
                before: Some(CustomAttribute {
                    name: name.clone(),
                    value,
                }),
                after: None,
            };
            journal_change(tx, db, journal, &change)?;
            Ok(change)
        })
    }

    pub(super) fn monitor_record_pg(
        &mut self,
        monitor: &Monitor,
        outcome: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        let body = serde_json::to_string(monitor).map_err(|e| {
            Db(self.name.clone()).state(format!("monitor {:?} cannot be encoded: {e}", monitor.id))
        })?;
        let finished = monitor.state.is_final().then(|| format_time(Utc::now()));
        let outcome = outcome.filter(|_| monitor.state.is_final());
        self.tx(|tx, db| {
            // A final state ends the lease and the polling position with it.
            tx.execute(
                "INSERT INTO monitor (id, state, body, finished_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET
                     state = excluded.state,
                     body = excluded.body,
                     finished_at = CASE WHEN excluded.finished_at IS NULL THEN NULL
                                        ELSE coalesce(monitor.finished_at, excluded.finished_at) END,
                     next_poll_at = CASE WHEN excluded.finished_at IS NULL THEN monitor.next_poll_at
                                         ELSE NULL END,
                     lease_owner = CASE WHEN excluded.finished_at IS NULL THEN monitor.lease_owner
                                        ELSE NULL END,
                     lease_until = CASE WHEN excluded.finished_at IS NULL THEN monitor.lease_until
                                        ELSE NULL END",
                &[&monitor.id, &monitor.state.as_str(), &body, &finished],
            )
            .map_err(|e| db.err(e))?;
            match outcome {
                Some(entry) => insert_final(tx, db, &monitor.id, &monitor.created, entry),
                None => Ok(false),
            }
        })
    }

    pub(super) fn monitor_get_pg(&mut self, id: &str) -> StoreResult<Monitor> {
        let db = Db(self.name.clone());
        let row = self
            .client
            .query_opt("SELECT body FROM monitor WHERE id = $1", &[&id])
            .map_err(|e| db.err(e))?;
        match row {
            Some(r) => decode_monitor(&db, id, &col::<String>(&r, 0, &db)?),
            None => Err(StoreError::MonitorNotFound(id.to_string())),
        }
    }

    pub(super) fn monitor_rows_pg(
        &mut self,
        pending_only: bool,
    ) -> StoreResult<Vec<PendingMonitor>> {
        let db = Db(self.name.clone());
        let rows = self
            .client
            .query(
                "SELECT id, body, poll_attempts, next_poll_at FROM monitor
                 WHERE NOT $1 OR state = $2 ORDER BY seq",
                &[&pending_only, &MonitorState::InProgress.as_str()],
            )
            .map_err(|e| db.err(e))?;
        pending_rows(&db, &rows)
    }

    pub(super) fn monitor_record_poll_pg(
        &mut self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let next = format_time(next_poll_at);
        self.tx(|tx, db| {
            let changed = tx
                .execute(
                    "UPDATE monitor SET poll_attempts = $2, next_poll_at = $3 WHERE id = $1",
                    &[&id, &i64::from(poll_attempts), &next],
                )
                .map_err(|e| db.err(e))?;
            if changed == 0 {
                return Err(StoreError::MonitorNotFound(id.to_string()));
            }
            Ok(())
        })
    }

    pub(super) fn monitors_prune_before_pg(&mut self, cutoff: DateTime<Utc>) -> StoreResult<usize> {
        let cutoff = format_time(cutoff);
        self.tx(|tx, db| {
            tx.execute(
                "DELETE FROM monitor WHERE finished_at IS NOT NULL AND finished_at < $1",
                &[&cutoff],
            )
            .map(|n| n as usize)
            .map_err(|e| db.err(e))
        })
    }

    /// Claim every pending monitor `owner` may poll: unleased, lease expired, or its own.
    /// `FOR UPDATE SKIP LOCKED`: two replicas claiming at once never wait on (nor both take)
    /// the same row; each gets the rows the other has not locked.
    pub(super) fn monitors_claim_pg(
        &mut self,
        owner: &str,
        lease: Duration,
        kinds: &[String],
    ) -> StoreResult<Vec<PendingMonitor>> {
        let mut claimed = self.tx(|tx, db| {
            let rows = tx
                .query(
                    "WITH due AS (
                         SELECT id FROM monitor
                         WHERE state = $3
                           AND split_part(id, '-', 1) = ANY($4)
                           AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < now())
                         ORDER BY seq
                         FOR UPDATE SKIP LOCKED
                     )
                     UPDATE monitor m
                     SET lease_owner = $1, lease_until = now() + make_interval(secs => $2)
                     FROM due WHERE m.id = due.id
                     RETURNING m.id, m.body, m.poll_attempts, m.next_poll_at, m.seq",
                    &[
                        &owner,
                        &secs(lease),
                        &MonitorState::InProgress.as_str(),
                        &kinds,
                    ],
                )
                .map_err(|e| db.err(e))?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let seq: i64 = col(r, 4, db)?;
                if let Some(p) = pending_rows(db, std::slice::from_ref(r))?.pop() {
                    out.push((seq, p));
                }
            }
            Ok(out)
        })?;
        claimed.sort_by_key(|(seq, _)| *seq);
        Ok(claimed.into_iter().map(|(_, p)| p).collect())
    }

    /// Take or renew one monitor's lease; false when another owner's lease is live (or the
    /// monitor is gone).
    pub(super) fn monitor_claim_pg(
        &mut self,
        id: &str,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<bool> {
        self.tx(|tx, db| {
            tx.execute(
                "UPDATE monitor SET lease_owner = $2, lease_until = now() + make_interval(secs => $3)
                 WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < now())",
                &[&id, &owner, &secs(lease)],
            )
            .map(|n| n > 0)
            .map_err(|e| db.err(e))
        })
    }

    pub(super) fn account_claim_pg(
        &mut self,
        account: &str,
        label: &str,
        owner: &str,
        ttl: Duration,
    ) -> StoreResult<()> {
        self.tx(|tx, db| {
            let granted = tx
                .query_opt(
                    "INSERT INTO account_claim (account, label, owner, heartbeat_until)
                     VALUES ($1, $2, $3, now() + make_interval(secs => $4))
                     ON CONFLICT (account) DO UPDATE
                         SET label = excluded.label, owner = excluded.owner,
                             heartbeat_until = excluded.heartbeat_until
                         WHERE account_claim.owner = excluded.owner
                            OR account_claim.heartbeat_until < now()
                     RETURNING owner",
                    &[&account, &label, &owner, &secs(ttl)],
                )
                .map_err(|e| db.err(e))?;
            if granted.is_some() {
                return Ok(());
            }
            let holder = tx
                .query_one(
                    "SELECT owner, ceil(extract(epoch FROM heartbeat_until - now()))::bigint
                     FROM account_claim WHERE account = $1",
                    &[&account],
                )
                .map_err(|e| db.err(e))?;
            Err(StoreError::AccountClaimed {
                account: crate::text::sanitize(label),
                owner: crate::text::sanitize(&col::<String>(&holder, 0, db)?),
                remaining_secs: col::<i64>(&holder, 1, db)?.max(0),
            })
        })
    }

    pub(super) fn account_release_pg(&mut self, account: &str, owner: &str) -> StoreResult<()> {
        self.tx(|tx, db| {
            tx.execute(
                "DELETE FROM account_claim WHERE account = $1 AND owner = $2",
                &[&account, &owner],
            )
            .map(|_| ())
            .map_err(|e| db.err(e))
        })
    }
}

fn decode_monitor(db: &Db, id: &str, body: &str) -> StoreResult<Monitor> {
    serde_json::from_str(body)
        .map_err(|e| db.state(format!("monitor {id:?} cannot be read back: {e}")))
}

/// `(id, body, poll_attempts, next_poll_at)` rows; one whose JSON no longer decodes is
/// skipped with a warning rather than hiding every other monitor.
fn pending_rows(db: &Db, rows: &[postgres::Row]) -> StoreResult<Vec<PendingMonitor>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = col(r, 0, db)?;
        let body: String = col(r, 1, db)?;
        let attempts: i64 = col(r, 2, db)?;
        let next: Option<String> = col(r, 3, db)?;
        match decode_monitor(db, &id, &body) {
            Ok(monitor) => out.push(PendingMonitor {
                monitor,
                poll_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                next_poll_at: next.as_deref().and_then(parse_time),
            }),
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable monitor row"),
        }
    }
    Ok(out)
}

/// The final-outcome entry of `monitor_id`, unless the journal has one (`../audit.rs`,
/// `insert_final`): the unique `monitor_key` makes several observers write it once.
fn insert_final(
    tx: &mut Transaction<'_>,
    db: &Db,
    monitor_id: &str,
    monitor_created: &str,
    entry: &AuditEntry,
) -> StoreResult<bool> {
    let ids = encode_ids(std::path::Path::new(&db.0), &entry.product_ids)?;
    let key = format!("{monitor_id}@{monitor_created}");
    let written = tx
        .execute(
            "INSERT INTO audit
                 (time, operator, ssh_client, action, product_ids, before, after, result,
                  monitor_id, monitor_key)
             SELECT $1::text,
                    coalesce(r.operator, $2::text),
                    CASE WHEN r.seq IS NULL THEN $3::text ELSE r.ssh_client END,
                    $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text
             FROM (SELECT 1) AS one
                  LEFT JOIN audit r ON r.seq =
                      (SELECT max(request_seq) FROM audit_monitor WHERE monitor_id = $9::text)
             ON CONFLICT DO NOTHING",
            &[
                &format_time(entry.time),
                &entry.operator,
                &entry.ssh_client,
                &MONITOR_FINAL,
                &ids,
                &entry.before,
                &entry.after,
                &entry.result,
                &monitor_id,
                &key,
            ],
        )
        .map_err(|e| db.err(e))?;
    Ok(written > 0)
}
