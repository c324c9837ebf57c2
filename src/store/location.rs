//! `StoreLocation`: which store a process opens — the embedded SQLite file in the data
//! directory (the default), or a PostgreSQL database (`[store] url`, docs/store.md).

use super::PgTarget;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub enum StoreLocation {
    /// `cmo.sqlite3` in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database; `data_dir` still holds the process's local files (logs, the
    /// command history).
    Postgres { data_dir: PathBuf, target: PgTarget },
}

impl StoreLocation {
    /// The local data directory either way.
    pub fn data_dir(&self) -> &Path {
        match self {
            StoreLocation::Sqlite(dir) => dir,
            StoreLocation::Postgres { data_dir, .. } => data_dir,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, StoreLocation::Postgres { .. })
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(dir: PathBuf) -> StoreLocation {
        StoreLocation::Sqlite(dir)
    }
}

/// This process as the owner of leases and account claims in a shared store: the host name,
/// the process id and a random suffix (a pid is reused; a restarted process is a new owner).
pub fn replica_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| crate::text::sanitize(h.trim()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string());
    format!(
        "{host}/{}/{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}
