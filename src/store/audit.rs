//! The audit journal: one row per mutating action (status change, batch, characteristics,
//! custom attributes, monitor cancel) — who, from where, when, on which products, what changed
//! and how it ended. Append-only: nothing in the library updates or deletes a row.
//!
//! Asynchronous changes get two kinds of entry: the request (`accepted (monitor M)`, linked to
//! the monitors it created) and, once per monitor, its final outcome (`completed`, `failed:
//! REASON`, `cancelled`), written with the monitor's final state by [`Store::monitor_record`].

use super::error::{StoreError, StoreResult};
use super::{Store, format_time, parse_time};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// Who is acting: the login name, and the SSH client's address when the session came over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub user: String,
    pub ssh_client: Option<String>,
}

impl Operator {
    /// From `$USER` (then `$LOGNAME`), and the first field of `$SSH_CLIENT` or `$SSH_CONNECTION`.
    pub fn from_env() -> Operator {
        let var = |name| std::env::var(name).ok();
        Operator::from_vars(
            var("USER").or_else(|| var("LOGNAME")).as_deref(),
            var("SSH_CLIENT").as_deref(),
            var("SSH_CONNECTION").as_deref(),
        )
    }

    /// The pure half of [`Operator::from_env`]: `SSH_CLIENT` is "addr port lport",
    /// `SSH_CONNECTION` is "addr port laddr lport"; either way the client is the first field.
    pub fn from_vars(
        user: Option<&str>,
        ssh_client: Option<&str>,
        ssh_connection: Option<&str>,
    ) -> Operator {
        let first_field = |v: Option<&str>| {
            v.and_then(|v| v.split_whitespace().next())
                .map(crate::text::sanitize)
                .filter(|s| !s.is_empty())
        };
        let user = user
            .map(crate::text::sanitize)
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        Operator {
            user,
            ssh_client: first_field(ssh_client).or_else(|| first_field(ssh_connection)),
        }
    }
}

/// One journal row. `before`/`after` are short human-readable states ("ACTIVE", "site=pier 4").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub time: DateTime<Utc>,
    pub operator: String,
    pub ssh_client: Option<String>,
    /// What was done: "status", "batch-status", "characteristics", "attrs-set", "monitor-cancel", …
    pub action: String,
    pub product_ids: Vec<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// How it ended: "ok", "accepted (monitor 1NCE-42)", or the error's message.
    pub result: String,
}

impl AuditEntry {
    /// An entry stamped now for `operator`.
    pub fn new(
        operator: &Operator,
        action: impl Into<String>,
        product_ids: Vec<String>,
        before: Option<String>,
        after: Option<String>,
        result: impl Into<String>,
    ) -> AuditEntry {
        AuditEntry {
            time: Utc::now(),
            operator: operator.user.clone(),
            ssh_client: operator.ssh_client.clone(),
            action: action.into(),
            product_ids,
            before,
            after,
            result: result.into(),
        }
    }
}

/// A journal row as `cmo audit` shows it: the entry, its sequence number, and its links to
/// asynchronous requests. A request entry lists the monitors it created; a final-outcome entry
/// names its one monitor and (when the journal holds it) the request entry's `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<String>,
    /// On a final-outcome entry: the `seq` of the entry that made the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_seq: Option<i64>,
    /// The write-ahead attempt this entry records (or, `seq` 0, the attempt itself while its
    /// outcome is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<i64>,
    /// `unknown` (interrupted, or the carrier's answer was unreadable) or `reconciled` (a
    /// later run read the carrier and recorded what it found); absent for ordinary entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// The start of the result of an entry a later run wrote after reading the carrier for an
/// attempt whose outcome was unknown.
pub const RECONCILED: &str = "reconciled";
/// The start of the result of a change whose outcome is not known.
pub const OUTCOME_UNKNOWN: &str = "outcome unknown";

/// `unknown` / `reconciled` from an entry's result, as `cmo audit` and the console label it.
pub fn outcome_label(result: &str) -> Option<String> {
    if result.starts_with(RECONCILED) {
        Some("reconciled".into())
    } else if result.starts_with(OUTCOME_UNKNOWN) || result.contains(OUTCOME_UNKNOWN) {
        Some("unknown".into())
    } else {
        None
    }
}

impl AuditRecord {
    /// Whether this entry records the final outcome of an asynchronous request.
    pub fn is_final_outcome(&self) -> bool {
        self.entry.action == MONITOR_FINAL
    }
}

/// Entries in written order with the open attempts (oldest first) placed before the first
/// entry written after them, so an interrupted change shows where it happened.
fn interleave(records: Vec<AuditRecord>, open: Vec<AuditRecord>) -> Vec<AuditRecord> {
    let mut out = Vec::with_capacity(records.len() + open.len());
    let mut open = open.into_iter().peekable();
    for record in records {
        while let Some(a) = open.next_if(|a| a.entry.time <= record.entry.time) {
            out.push(a);
        }
        out.push(record);
    }
    out.extend(open);
    out
}

/// `(seq, monitor_id, attempt_id, entry)` of one journal row.
pub(super) type AuditRow = (i64, Option<String>, Option<i64>, AuditEntry);

/// The action of a final-outcome entry.
pub const MONITOR_FINAL: &str = "monitor-final";

pub(super) fn encode_ids(path: &std::path::Path, ids: &[String]) -> StoreResult<String> {
    serde_json::to_string(ids).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("audit product ids cannot be encoded: {e}"),
    })
}

/// Insert the final-outcome entry of `monitor_id`, unless one exists (several observers — the
/// console's poller, `monitors list`, `--wait` — may see the same end; the first one records
/// it). The operator is the one who made the request when the journal links it, since the
/// outcome completes their action. Returns whether a row was written.
pub(super) fn insert_final(
    tx: &rusqlite::Transaction<'_>,
    path: &std::path::Path,
    monitor_id: &str,
    monitor_created: &str,
    entry: &AuditEntry,
) -> StoreResult<bool> {
    let ids = encode_ids(path, &entry.product_ids)?;
    let written = tx
        .execute(
            "INSERT OR IGNORE INTO audit
                 (time, operator, ssh_client, action, product_ids, before, after, result,
                  monitor_id, monitor_key)
             SELECT ?1,
                    coalesce(r.operator, ?2),
                    CASE WHEN r.seq IS NULL THEN ?3 ELSE r.ssh_client END,
                    ?4, ?5, ?6, ?7, ?8, ?9, ?10
             FROM (SELECT 1)
                  LEFT JOIN audit r ON r.seq =
                      (SELECT max(request_seq) FROM audit_monitor WHERE monitor_id = ?9)",
            params![
                format_time(entry.time),
                entry.operator,
                entry.ssh_client,
                MONITOR_FINAL,
                ids,
                entry.before,
                entry.after,
                entry.result,
                monitor_id,
                format!("{monitor_id}@{monitor_created}")
            ],
        )
        .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(written > 0)
}

/// Insert one journal row (`attempt`: the write-ahead attempt it records, if one) and return
/// its `seq`.
pub(super) fn insert_entry(
    tx: &rusqlite::Transaction<'_>,
    path: &std::path::Path,
    entry: &AuditEntry,
    attempt: Option<i64>,
) -> StoreResult<i64> {
    let ids = encode_ids(path, &entry.product_ids)?;
    tx.execute(
        "INSERT INTO audit (time, operator, ssh_client, action, product_ids, before, after, result, attempt_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            format_time(entry.time),
            entry.operator,
            entry.ssh_client,
            entry.action,
            ids,
            entry.before,
            entry.after,
            entry.result,
            attempt
        ],
    )
    .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(tx.last_insert_rowid())
}

/// The journal as `cmo audit` reads it, from the rows of either store: each entry with its
/// links to monitors (`links`: `(monitor_id, request_seq)`), and the open attempts at or
/// after `since` placed where they happened.
pub(super) fn assemble_records(
    entries: Vec<AuditRow>,
    links: &[(String, i64)],
    open: Vec<super::Attempt>,
    since: Option<DateTime<Utc>>,
) -> Vec<AuditRecord> {
    let records = entries
        .into_iter()
        .map(|(seq, monitor_id, attempt, entry)| {
            let (monitors, request_seq) = match monitor_id {
                Some(m) => {
                    // The latest request naming this monitor before this entry (an id a
                    // carrier reused belongs to its newest job), else any (a final entry
                    // written before its request's entry).
                    let requests = || links.iter().filter(|(id, _)| *id == m).map(|(_, s)| *s);
                    let request = requests()
                        .filter(|s| *s < seq)
                        .max()
                        .or_else(|| requests().max());
                    (vec![m], request)
                }
                None => (
                    links
                        .iter()
                        .filter(|(_, s)| *s == seq)
                        .map(|(id, _)| id.clone())
                        .collect(),
                    None,
                ),
            };
            AuditRecord {
                seq,
                outcome: outcome_label(&entry.result),
                entry,
                monitors,
                request_seq,
                attempt,
            }
        })
        .collect::<Vec<_>>();
    let open = open
        .into_iter()
        .filter(|a| since.is_none_or(|t| a.time >= t))
        .map(|a| a.as_record())
        .collect();
    interleave(records, open)
}

impl Store {
    /// Append one entry to the journal (durable when this returns).
    pub fn audit_append(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        self.audit_append_linked(entry, &[]).map(|_| ())
    }

    /// Append a request entry and link it to the monitors the request created, so their final
    /// outcomes point back to it. Returns the entry's `seq`.
    pub fn audit_append_linked(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
    ) -> StoreResult<i64> {
        self.audit_complete(entry, monitors, &[])
    }

    /// Append the entry that records how a mutation ended, link it to the monitors it created,
    /// and close the write-ahead `attempts` it completes — one transaction, so an attempt is
    /// either still open ("outcome unknown") or closed by an entry that is there.
    pub fn audit_complete(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
        attempts: &[i64],
    ) -> StoreResult<i64> {
        encode_ids(&self.path, &entry.product_ids)?;
        let own = match attempts {
            [one] => Some(*one),
            _ => None,
        };
        self.write(|tx, path| {
            let seq = insert_entry(tx, path, entry, own)?;
            for monitor in monitors {
                tx.execute(
                    "INSERT OR IGNORE INTO audit_monitor (monitor_id, request_seq) VALUES (?1, ?2)",
                    params![monitor, seq],
                )
                .map_err(|e| StoreError::sqlite(path, e))?;
            }
            for attempt in attempts {
                tx.execute(
                    "UPDATE journal_attempt SET audit_seq = ?2 WHERE id = ?1 AND audit_seq IS NULL",
                    params![attempt, seq],
                )
                .map_err(|e| StoreError::sqlite(path, e))?;
            }
            Ok(seq)
        })
    }

    /// Like [`Store::audit_since`], with each entry's `seq` and its links to monitors.
    pub fn audit_records_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>> {
        let entries = self.audit_rows(since)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT monitor_id, request_seq FROM audit_monitor")
            .map_err(|e| self.sql(e))?;
        let links = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        let open = self.attempts_open()?;
        Ok(assemble_records(entries, &links, open, since))
    }

    /// Entries at or after `since` (all when `None`), in the order they were written.
    pub fn audit_since(&self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>> {
        Ok(self
            .audit_rows(since)?
            .into_iter()
            .map(|(_, _, _, e)| e)
            .collect())
    }

    /// `(seq, monitor_id, entry)` of the entries at or after `since`, in written order.
    fn audit_rows(&self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditRow>> {
        let since = since.map(format_time);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT time, operator, ssh_client, action, product_ids, before, after, result,
                        seq, monitor_id, attempt_id
                 FROM audit WHERE (?1 IS NULL OR time >= ?1) ORDER BY seq",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<i64>>(10)?,
                    AuditEntry {
                        time: DateTime::<Utc>::MIN_UTC,
                        operator: r.get(1)?,
                        ssh_client: r.get(2)?,
                        action: r.get(3)?,
                        product_ids: Vec::new(),
                        before: r.get(5)?,
                        after: r.get(6)?,
                        result: r.get(7)?,
                    },
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        rows.into_iter()
            .map(|(time, ids, seq, monitor_id, attempt, mut entry)| {
                let damaged = |what: &str| StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("audit entry has an unreadable {what}"),
                };
                entry.time = parse_time(&time).ok_or_else(|| damaged("time"))?;
                entry.product_ids =
                    serde_json::from_str(&ids).map_err(|_| damaged("product id list"))?;
                Ok((seq, monitor_id, attempt, entry))
            })
            .collect()
    }
}
