//! The store: custom attributes, monitors, the audit journal and the product cache. See
//! `docs/store.md`. Two implementations of one interface ([`StoreOps`]): the embedded default,
//! one SQLite file (`cmo.sqlite3` in the data directory), and PostgreSQL (`pg/`) for a team
//! (`[store] url`).
//!
//! [`Store`] is the synchronous SQLite handle (one rusqlite connection) for headless commands
//! and tests; [`StoreHandle`] runs either store on a dedicated thread so async code — above all
//! the UI task — never blocks on disk or the network. Every SQLite write is one `BEGIN
//! IMMEDIATE` transaction, retried as a whole when another process holds the lock past the busy
//! timeout.

mod attempts;
mod attrs;
mod audit;
mod cache;
mod error;
mod handle;
mod location;
mod monitors;
mod ops;
mod pg;
mod schema;
mod usage_history;

pub use attempts::{Attempt, NewAttempt};
pub use attrs::{AttrChange, AttrsByProduct};
pub use audit::{
    AuditEntry, AuditRecord, MONITOR_FINAL, OUTCOME_UNKNOWN, Operator, RECONCILED, outcome_label,
};
pub use cache::CachedProduct;
pub use error::{StoreError, StoreResult};
pub use handle::{LocalEdit, StoreHandle};
pub use location::{StoreLocation, replica_id};
pub use monitors::{DEFAULT_MONITOR_RETENTION, PendingMonitor};
pub use ops::StoreOps;
pub use pg::{PgStore, PgTarget};
pub use schema::{APPLICATION_ID, BUSY_TIMEOUT, SCHEMA_VERSION};
pub use usage_history::DEFAULT_USAGE_RETENTION;

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
    /// Opened read-only (the data directory or file is not writable): reads work, every write
    /// is refused with [`StoreError::ReadOnly`].
    read_only: bool,
    /// `PRAGMA quick_check` passed since opening ([`Store::ensure_sound`]).
    sound: bool,
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
    ///
    /// A store that exists but cannot be written (a read-only data directory or file) is
    /// opened read-only instead, so read commands (`audit`, `attrs list`) still work; every
    /// write then fails with [`StoreError::ReadOnly`] naming the file.
    pub fn open(data_dir: &Path) -> StoreResult<Store> {
        let path = data_dir.join(DB_FILE_NAME);
        if let Err(source) = std::fs::create_dir_all(data_dir) {
            if path.is_file() {
                return Store::open_read_only(&path);
            }
            return Err(StoreError::CreateDir {
                path: data_dir.to_path_buf(),
                source,
            });
        }
        match schema::open_connection(&path) {
            Ok(conn) => Ok(Store {
                conn,
                path,
                read_only: false,
                sound: false,
            }),
            Err(e) if e.is_read_only() && path.is_file() => Store::open_read_only(&path),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn open_read_only(path: &Path) -> StoreResult<Store> {
        let conn = schema::open_read_only(path)?;
        tracing::info!(path = %path.display(), "store opened read-only: its directory or file is not writable");
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: true,
            sound: false,
        })
    }

    /// Whether the store was opened read-only ([`Store::open`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
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
        if self.read_only {
            return Err(StoreError::ReadOnly { path });
        }
        // A damaged file is never written — not a mutation's journal, nor a monitor's poll,
        // nor the product cache: the first write of an open store checks it once.
        self.ensure_sound()?;
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
