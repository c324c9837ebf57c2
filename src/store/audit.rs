//! The audit journal: one row per mutating action (status change, batch, characteristics,
//! custom attributes, monitor cancel) — who, from where, when, on which products, what changed
//! and how it ended. Append-only: nothing in the library updates or deletes a row.

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

impl Store {
    /// Append one entry to the journal (durable when this returns).
    pub fn audit_append(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        let ids = serde_json::to_string(&entry.product_ids).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("audit product ids cannot be encoded: {e}"),
        })?;
        let time = format_time(entry.time);
        self.write(|tx, path| {
            tx.execute(
                "INSERT INTO audit (time, operator, ssh_client, action, product_ids, before, after, result)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    time,
                    entry.operator,
                    entry.ssh_client,
                    entry.action,
                    ids,
                    entry.before,
                    entry.after,
                    entry.result
                ],
            )
            .map_err(|e| StoreError::sqlite(path, e))?;
            Ok(())
        })
    }

    /// Entries at or after `since` (all when `None`), in the order they were written.
    pub fn audit_since(&self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>> {
        let since = since.map(format_time);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT time, operator, ssh_client, action, product_ids, before, after, result
                 FROM audit WHERE (?1 IS NULL OR time >= ?1) ORDER BY seq",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(4)?,
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
            .map(|(time, ids, mut entry)| {
                let damaged = |what: &str| StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("audit entry has an unreadable {what}"),
                };
                entry.time = parse_time(&time).ok_or_else(|| damaged("time"))?;
                entry.product_ids =
                    serde_json::from_str(&ids).map_err(|_| damaged("product id list"))?;
                Ok(entry)
            })
            .collect()
    }
}
