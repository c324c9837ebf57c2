//! `StoreError`: every way the local store can fail, each message naming the database file
//! where the file matters, and each mapped to the CLI's exit codes like `BackendError`.

use crate::domain::ProductId;
use crate::domain::attrs::AttrError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but is not a cmo store (random bytes, or another program's SQLite
    /// database). It was never opened for writing.
    #[error(
        "{} is not a cmo database ({reason}); it was left untouched — move it away or choose another --data-dir",
        path.display()
    )]
    Foreign { path: PathBuf, reason: String },
    /// The file is a cmo store whose pages are damaged.
    #[error("{} is damaged ({detail}); cmo will not try to repair it — restore it from a backup or move it away", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{} was written by a newer cmo (schema version {found}; this build knows versions up to {supported}); upgrade cmo or use another --data-dir",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{} is locked by another process and stayed locked after {attempts} attempts", path.display())]
    Busy { path: PathBuf, attempts: u32 },
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The data directory or the file is not writable: reads work, this write was refused.
    #[error("{} is read-only (its directory or file is not writable); nothing was written", path.display())]
    ReadOnly { path: PathBuf },
    #[error("invalid custom attribute: {0}")]
    InvalidAttr(#[from] AttrError),
    #[error("product {product} has no custom attribute named {name:?}")]
    AttrNotFound { product: ProductId, name: String },
    #[error("product {product} already has a custom attribute named {name:?}")]
    AttrExists { product: ProductId, name: String },
    #[error("no monitor with id {0:?} in the local store")]
    MonitorNotFound(String),
    /// A PostgreSQL store failed; `db` names the database (`postgres://user@host:port/name`,
    /// never the password).
    #[error("PostgreSQL store {db}: {source}")]
    Postgres { db: String, source: postgres::Error },
    /// A PostgreSQL store that is not usable as it stands (a newer schema, a foreign table,
    /// an unreadable row), named without its password.
    #[error("PostgreSQL store {db}: {detail}")]
    PostgresState { db: String, detail: String },
    #[error(
        "PostgreSQL store {db} was migrated by a newer cmo (schema version {found}; this build knows versions up to {supported}); upgrade cmo"
    )]
    PostgresTooNew {
        db: String,
        found: i64,
        supported: i64,
    },
    /// The `[store]` settings cannot be used (a bad URL, a password in the URL, an unreadable
    /// password source). The message never holds the password.
    #[error("[store]: {0}")]
    Settings(String),
    /// Another live replica paces this carrier account (docs/deployment.md, "One account,
    /// one replica").
    #[error(
        "carrier account {account} is claimed by replica {owner} (heartbeat live for {remaining_secs} s more); one account belongs to one replica — stop that replica or configure this one without the account"
    )]
    AccountClaimed {
        account: String,
        owner: String,
        remaining_secs: i64,
    },
    /// The dedicated store thread is gone (it panicked or the handle outlived it).
    #[error("the store thread has stopped")]
    Closed,
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Exit code per docs/cli.md: 4 not found, 2 bad input, 1 every runtime failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            StoreError::AttrNotFound { .. } | StoreError::MonitorNotFound(_) => 4,
            StoreError::InvalidAttr(_) | StoreError::AttrExists { .. } => 2,
            _ => 1,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.exit_code() == 4
    }

    /// Wrap a SQLite error, recognising damage and lock contention so the message says so.
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: source.to_string(),
            },
            _ => StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            },
        }
    }

    /// Whether opening failed because the file or its directory cannot be written (SQLite's
    /// READONLY / CANTOPEN, or permission denied), so a read-only open may still serve reads.
    pub(crate) fn is_read_only(&self) -> bool {
        use rusqlite::ErrorCode;
        match self {
            StoreError::Sqlite { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied)
            ),
            StoreError::Io { source, .. } | StoreError::CreateDir { source, .. } => {
                source.kind() == std::io::ErrorKind::PermissionDenied
            }
            StoreError::ReadOnly { .. } => true,
            _ => false,
        }
    }

    /// Whether the failure is lock contention that a retry of the whole transaction may cure.
    pub(crate) fn is_busy(&self) -> bool {
        use rusqlite::ErrorCode;
        match self {
            StoreError::Sqlite { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}
