//! Opening the database file safely and bringing its schema up to date.
//!
//! Order matters, because a file that is not ours must never be modified:
//! 1. read the first 100 bytes ourselves: the SQLite magic and the `application_id` (offset 68);
//! 2. when the header carries no application id, look inside through a read-only, `immutable`
//!    connection: an empty database is new, anything with tables is some other program's;
//! 3. only then open read-write, and inside one `BEGIN IMMEDIATE` transaction re-check the
//!    application id, refuse a newer `user_version`, and apply the missing migrations;
//! 4. switch to WAL last. The very first transaction (which stamps the application id) therefore
//!    commits straight into the main file, so step 1 can always see it, even after a crash.
//!
//! Migrations are an ordered list in code; `PRAGMA user_version` is the number applied.

use super::error::{StoreError, StoreResult};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// `application_id` stamped into every cmo store: "CMOC" in ASCII.
pub const APPLICATION_ID: i32 = 0x434D_4F43;
/// How long one statement waits for another process's lock before SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Version N is `MIGRATIONS[..N]` applied. Append only; never edit a released step.
const MIGRATIONS: &[&str] = &[
    // 1: custom attributes and the audit journal.
    "CREATE TABLE custom_attribute (
         seq        INTEGER PRIMARY KEY,
         product_id TEXT NOT NULL,
         name       TEXT NOT NULL,
         value      TEXT NOT NULL,
         created    TEXT NOT NULL,
         updated    TEXT NOT NULL,
         UNIQUE (product_id, name)
     );
     CREATE TABLE audit (
         seq         INTEGER PRIMARY KEY AUTOINCREMENT,
         time        TEXT NOT NULL,
         operator    TEXT NOT NULL,
         ssh_client  TEXT,
         action      TEXT NOT NULL,
         product_ids TEXT NOT NULL,
         before      TEXT,
         after       TEXT,
         result      TEXT NOT NULL
     );
     CREATE INDEX audit_time ON audit (time);",
    // 2: monitors of asynchronous carrier requests, with their polling state.
    "CREATE TABLE monitor (
         id            TEXT PRIMARY KEY,
         state         TEXT NOT NULL,
         body          TEXT NOT NULL,
         finished_at   TEXT,
         poll_attempts INTEGER NOT NULL DEFAULT 0,
         next_poll_at  TEXT
     );
     CREATE INDEX monitor_state ON monitor (state);",
    // 3: the product cache the console opens on.
    "CREATE TABLE product_cache (
         backend    TEXT NOT NULL,
         product_id TEXT NOT NULL,
         position   INTEGER NOT NULL,
         summary    TEXT NOT NULL,
         fetched_at TEXT NOT NULL,
         PRIMARY KEY (backend, product_id)
     );",
    // 4: final outcomes of asynchronous changes in the journal. A request entry lists the
    // monitors it created in `audit_monitor`; a final entry names its monitor, and
    // `monitor_key` (the monitor id and its creation time: a carrier — or a restarted
    // simulator — may reuse an id for a later job) is unique, so several observers of the same
    // end write it once. The link to the request is resolved when read (the latest request
    // naming that monitor before the final entry), so no journal row is ever updated.
    "ALTER TABLE audit ADD COLUMN monitor_id TEXT;
     ALTER TABLE audit ADD COLUMN monitor_key TEXT;
     CREATE UNIQUE INDEX audit_final_monitor ON audit (monitor_key) WHERE monitor_key IS NOT NULL;
     CREATE TABLE audit_monitor (
         monitor_id  TEXT NOT NULL,
         request_seq INTEGER NOT NULL,
         PRIMARY KEY (monitor_id, request_seq)
     );",
    // 5: the write-ahead journal (docs/safety.md, "Write-ahead journal"). A mutation writes an
    // attempt before its request leaves; the audit entry that records its outcome (or, after
    // an interruption, what a later run found at the carrier) closes it by `audit_seq` and names
    // it in `audit.attempt_id`. An attempt with no `audit_seq` is "outcome unknown". `pid` is
    // the process that sent it, so another process never reconciles an attempt still in
    // flight; `result` is a batch item's outcome, noted as soon as the carrier answered.
    "CREATE TABLE journal_attempt (
         id         INTEGER PRIMARY KEY AUTOINCREMENT,
         time       TEXT NOT NULL,
         operator   TEXT NOT NULL,
         ssh_client TEXT,
         action     TEXT NOT NULL,
         product_id TEXT NOT NULL,
         target     TEXT NOT NULL,
         before     TEXT,
         pid        INTEGER NOT NULL,
         result     TEXT,
         audit_seq  INTEGER
     );
     CREATE INDEX journal_attempt_open ON journal_attempt (id) WHERE audit_seq IS NULL;
     ALTER TABLE audit ADD COLUMN attempt_id INTEGER;",
    // 6: usage history (`usage_history.rs`): one row per product, usage type, bucket (a
    // carrier's `daily` record, or a period reading's level) and day; and each product's latest
    // allowances, whose `percent` marks the list without a carrier call.
    "CREATE TABLE usage_history (
         product_id   TEXT NOT NULL,
         account      TEXT NOT NULL,
         usage_type   TEXT NOT NULL,
         bucket       TEXT NOT NULL,
         day          TEXT NOT NULL,
         amount       REAL NOT NULL,
         units        TEXT NOT NULL,
         period_start TEXT,
         recorded_at  TEXT NOT NULL,
         PRIMARY KEY (product_id, usage_type, bucket, day)
     );
     CREATE INDEX usage_history_day ON usage_history (day);
     CREATE INDEX usage_history_account ON usage_history (account, day);
     CREATE TABLE usage_allowance (
         product_id  TEXT NOT NULL,
         account     TEXT NOT NULL,
         usage_type  TEXT NOT NULL,
         body        TEXT NOT NULL,
         percent     REAL,
         recorded_at TEXT NOT NULL,
         PRIMARY KEY (product_id, usage_type)
     );",
    // 7: replicas sharing one store (docs/store.md, "Several replicas"). A monitor's lease
    // (`lease_owner` until `lease_until`) says which process polls it; `account_claim` says
    // which process paces a carrier account. One SQLite file has one process polling, so
    // these stay empty here (the PostgreSQL store uses them); the numbering is shared. The
    // journal is append-only: the triggers refuse any UPDATE or DELETE of an audit row.
    "ALTER TABLE monitor ADD COLUMN lease_owner TEXT;
     ALTER TABLE monitor ADD COLUMN lease_until TEXT;
     CREATE TABLE account_claim (
         account         TEXT PRIMARY KEY,
         label           TEXT NOT NULL,
         owner           TEXT NOT NULL,
         heartbeat_until TEXT NOT NULL
     );
     CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;
     CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What the raw header says about an existing file.
#[derive(Debug, PartialEq, Eq)]
enum Header {
    /// Missing or zero bytes: SQLite will create it.
    Absent,
    Ours,
    /// SQLite, but no application id yet: new-and-empty, or another program's.
    Unstamped,
}

fn foreign(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Foreign {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn read_header(path: &Path) -> StoreResult<Header> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Header::Absent),
        Err(e) => return Err(io(e)),
    };
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(io)?;
    if header.is_empty() {
        return Ok(Header::Absent);
    }
    if header.len() < 100 || !header.starts_with(SQLITE_MAGIC) {
        return Err(foreign(path, "it is not a SQLite database"));
    }
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    match app_id {
        APPLICATION_ID => Ok(Header::Ours),
        0 => Ok(Header::Unstamped),
        other => Err(foreign(
            path,
            format!("a SQLite database of another application, application_id {other:#010x}"),
        )),
    }
}

/// A `file:` URI for `path` with `immutable=1`: SQLite then reads the main file only, takes no
/// locks and creates no `-wal`/`-shm` companions (a plain read-only connection to a WAL-mode
/// file would create both).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Look inside an unstamped SQLite file without any chance of writing to it or beside it.
fn probe_read_only(path: &Path) -> StoreResult<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let unreadable = |e: rusqlite::Error| foreign(path, format!("SQLite cannot read it: {e}"));
    let conn = Connection::open_with_flags(immutable_uri(path), flags).map_err(unreadable)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(unreadable)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(unreadable)?;
    if app_id == APPLICATION_ID {
        // Another cmo stamped it between our header read and now.
        return Ok(());
    }
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 5",
        )
        .map_err(unreadable)?;
    let tables = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(unreadable)?;
    if app_id != 0 || !tables.is_empty() {
        return Err(foreign(
            path,
            format!(
                "a SQLite database of another application (application_id {app_id:#010x}, holding {})",
                tables.join(", ")
            ),
        ));
    }
    Ok(())
}

/// Open (creating if absent) the store at `path`, migrated to [`SCHEMA_VERSION`], in WAL mode.
pub(crate) fn open_connection(path: &Path) -> StoreResult<Connection> {
    if read_header(path)? == Header::Unstamped {
        probe_read_only(path)?;
    }
    let sql = |e| StoreError::sqlite(path, e);
    let mut conn = Connection::open(path).map_err(sql)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    migrate(&mut conn, path, SCHEMA_VERSION)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "store could not switch to WAL; concurrent readers will wait");
    }
    // FULL: in WAL mode NORMAL may drop the last commits on power loss; an acknowledged audit
    // entry or attribute must survive that too, and our write rate is tiny.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sql)?;
    Ok(conn)
}

/// Open an existing store for reading only (its directory or file is not writable). It must
/// already be ours and at [`SCHEMA_VERSION`]: a read-only file cannot be migrated. Without a
/// `-wal` file the `immutable` form is used (nothing can write it anyway, and a read-only
/// connection to a WAL-mode file would need to create `-shm` beside it).
pub(crate) fn open_read_only(path: &Path) -> StoreResult<Connection> {
    if read_header(path)? != Header::Ours {
        return Err(foreign(path, "not a cmo store"));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let sql = |e| StoreError::sqlite(path, e);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let conn = if has_wal {
        Connection::open_with_flags(path, flags).map_err(sql)?
    } else {
        Connection::open_with_flags(immutable_uri(path), flags).map_err(sql)?
    };
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    let version = user_version(&conn, path)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < SCHEMA_VERSION {
        return Err(StoreError::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    Ok(conn)
}

/// Stamp a new database and apply the migrations up to `target`, in one transaction that
/// first re-checks ownership and version under the write lock.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, target: i64) -> StoreResult<()> {
    let sql = |e| StoreError::sqlite(path, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql)?;
    let app_id: i32 = tx
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(sql)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql)?;
    if app_id != APPLICATION_ID {
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(sql)?;
        if app_id != 0 || version != 0 || objects != 0 {
            return Err(foreign(path, format!("application_id {app_id:#010x}")));
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(sql)?;
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, step) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(version as usize)
    {
        tracing::info!(path = %path.display(), version = index + 1, "applying store migration");
        tx.execute_batch(step).map_err(sql)?;
    }
    if target > version {
        tx.pragma_update(None, "user_version", target)
            .map_err(sql)?;
    }
    tx.commit().map_err(sql)
}

/// `PRAGMA user_version` of an open connection.
pub(crate) fn user_version(conn: &Connection, path: &Path) -> StoreResult<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| StoreError::sqlite(path, e))
}
