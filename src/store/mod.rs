//! The local store: one SQLite file (`cmo.sqlite3` in the data directory) holding custom
//! attributes, monitors, the audit journal and the product cache. See `docs/store.md`.
//!
//! [`Store`] is the synchronous handle (one rusqlite connection) for headless commands and
//! tests; [`StoreHandle`] runs a `Store` on a dedicated thread so async code — above all the UI
//! task — never blocks on disk. Every write is one `BEGIN IMMEDIATE` transaction, retried as a
//! whole when another process holds the lock past the busy timeout.

mod attrs;
mod audit;
mod cache;
mod error;
mod handle;
mod monitors;
mod schema;

pub use attrs::{AttrChange, AttrsByProduct};
pub use audit::{AuditEntry, AuditRecord, MONITOR_FINAL, Operator};
pub use cache::CachedProduct;
pub use error::{StoreError, StoreResult};
pub use handle::StoreHandle;
pub use monitors::{DEFAULT_MONITOR_RETENTION, PendingMonitor};
pub use schema::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file's name inside the data directory.
pub const DB_FILE_NAME: &str = "cmo.sqlite3";
/// Whole-transaction attempts when the lock stays taken past [`BUSY_TIMEOUT`].
const WRITE_ATTEMPTS: u32 = 5;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Open the store in `data_dir` (created if missing), creating and migrating the database
    /// as needed. A file that is not a cmo store, is damaged, or comes from a newer schema is
    /// refused with an error naming it, and is never written to.
    pub fn open(data_dir: &Path) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE_NAME);
        let conn = schema::open_connection(&path)?;
        Ok(Store { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (always [`SCHEMA_VERSION`] after `open`).
    pub fn schema_version(&self) -> StoreResult<i64> {
        schema::user_version(&self.conn, &self.path)
    }

    /// `PRAGMA integrity_check`; a damaged file yields [`StoreError::Corrupt`] with SQLite's findings.
    pub fn integrity_check(&self) -> StoreResult<()> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| self.sql(e))?;
        let findings = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.sql(e))?;
        if findings.len() == 1 && findings[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: findings.join("; "),
            })
        }
    }

    fn sql(&self, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, e)
    }

    /// Run `body` in one immediate write transaction, retrying the whole transaction with a
    /// growing pause while another process keeps the database locked.
    fn write<R>(
        &mut self,
        body: impl Fn(&Transaction<'_>, &Path) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let path = self.path.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| StoreError::sqlite(&path, e))
                .and_then(|tx| {
                    let value = body(&tx, &path)?;
                    tx.commit().map_err(|e| StoreError::sqlite(&path, e))?;
                    Ok(value)
                });
            match outcome {
                Err(e) if e.is_busy() && attempt >= WRITE_ATTEMPTS => {
                    return Err(StoreError::Busy {
                        path,
                        attempts: attempt,
                    });
                }
                Err(e) if e.is_busy() => {
                    tracing::debug!(attempt, path = %path.display(), "store busy; retrying the transaction");
                    std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
                }
                other => return other,
            }
        }
    }
}

/// Times are stored as fixed-width RFC 3339 UTC text, so text order is time order.
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests;
