//! The PostgreSQL schema: the same numbered steps as the SQLite store's (`../schema.rs`), so
//! version N means the same tables in both. The version applied is the highest row of
//! `schema_version`; migrating holds a transaction-scoped advisory lock, so replicas that
//! start together apply each step once. Append only; never edit a released step.

use super::{Db, PgStore};
use crate::store::SCHEMA_VERSION;
use crate::store::error::StoreResult;

/// The advisory lock key of a migration: "CMOC", the SQLite store's application id.
const MIGRATION_LOCK: i64 = crate::store::APPLICATION_ID as i64;

const MIGRATIONS: &[&str] = &[
    // 1: custom attributes and the audit journal.
    "CREATE TABLE custom_attribute (
         seq        BIGSERIAL PRIMARY KEY,
         product_id TEXT NOT NULL,
         name       TEXT NOT NULL,
         value      TEXT NOT NULL,
         created    TEXT NOT NULL,
         updated    TEXT NOT NULL,
         UNIQUE (product_id, name)
     );
     CREATE TABLE audit (
         seq         BIGSERIAL PRIMARY KEY,
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
    // 2: monitors (`seq` keeps SQLite's rowid order: oldest first).
    "CREATE TABLE monitor (
         seq           BIGSERIAL NOT NULL,
         id            TEXT PRIMARY KEY,
         state         TEXT NOT NULL,
         body          TEXT NOT NULL,
         finished_at   TEXT,
         poll_attempts BIGINT NOT NULL DEFAULT 0,
         next_poll_at  TEXT
     );
     CREATE INDEX monitor_state ON monitor (state);",
    // 3: the product cache.
    "CREATE TABLE product_cache (
         backend    TEXT NOT NULL,
         product_id TEXT NOT NULL,
         position   BIGINT NOT NULL,
         summary    TEXT NOT NULL,
         fetched_at TEXT NOT NULL,
         PRIMARY KEY (backend, product_id)
     );",
    // 4: final outcomes of asynchronous changes, written once per monitor.
    "ALTER TABLE audit ADD COLUMN monitor_id TEXT;
     ALTER TABLE audit ADD COLUMN monitor_key TEXT;
     CREATE UNIQUE INDEX audit_final_monitor ON audit (monitor_key) WHERE monitor_key IS NOT NULL;
     CREATE TABLE audit_monitor (
         monitor_id  TEXT NOT NULL,
         request_seq BIGINT NOT NULL,
         PRIMARY KEY (monitor_id, request_seq)
     );",
    // 5: the write-ahead journal.
    "CREATE TABLE journal_attempt (
         id         BIGSERIAL PRIMARY KEY,
         time       TEXT NOT NULL,
         operator   TEXT NOT NULL,
         ssh_client TEXT,
         action     TEXT NOT NULL,
         product_id TEXT NOT NULL,
         target     TEXT NOT NULL,
         before     TEXT,
         pid        BIGINT NOT NULL,
         result     TEXT,
         audit_seq  BIGINT
     );
     CREATE INDEX journal_attempt_open ON journal_attempt (id) WHERE audit_seq IS NULL;
     ALTER TABLE audit ADD COLUMN attempt_id BIGINT;",
    // 6: usage history and allowances.
    "CREATE TABLE usage_history (
         product_id   TEXT NOT NULL,
         account      TEXT NOT NULL,
         usage_type   TEXT NOT NULL,
         bucket       TEXT NOT NULL,
         day          TEXT NOT NULL,
         amount       DOUBLE PRECISION NOT NULL,
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
         percent     DOUBLE PRECISION,
         recorded_at TEXT NOT NULL,
         PRIMARY KEY (product_id, usage_type)
     );",
    // 7: replicas sharing the store: monitor leases, carrier-account claims (on the server's
    // clock), and an append-only journal — a trigger refuses any UPDATE or DELETE of an
    // audit row, whatever client sends it.
    "ALTER TABLE monitor ADD COLUMN lease_owner TEXT;
     ALTER TABLE monitor ADD COLUMN lease_until TIMESTAMPTZ;
     CREATE TABLE account_claim (
         account         TEXT PRIMARY KEY,
         label           TEXT NOT NULL,
         owner           TEXT NOT NULL,
         heartbeat_until TIMESTAMPTZ NOT NULL
     );
     CREATE FUNCTION cmo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
         RAISE EXCEPTION 'the audit journal is append-only';
     END $$;
     CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
         FOR EACH ROW EXECUTE FUNCTION cmo_audit_append_only();",
];

const _: () = assert!(MIGRATIONS.len() as i64 == SCHEMA_VERSION);

/// Apply the missing steps in one transaction under the migration lock.
pub(super) fn migrate(store: &mut PgStore) -> StoreResult<()> {
    store.tx(|tx, db| {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| db.err(e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .map_err(|e| db.err(e))?;
        let version = current(tx, db)?;
        if version > SCHEMA_VERSION {
            return Err(crate::store::StoreError::PostgresTooNew {
                db: db.0.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (index, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let number = index as i64 + 1;
            tracing::info!(db = %db.0, version = number, "applying store migration");
            tx.batch_execute(step).map_err(|e| db.err(e))?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&number],
            )
            .map_err(|e| db.err(e))?;
        }
        Ok(())
    })
}

fn current(tx: &mut postgres::Transaction<'_>, db: &Db) -> StoreResult<i64> {
    let row = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .map_err(|e| db.err(e))?;
    row.try_get(0).map_err(|e| db.err(e))
}

/// The schema version applied.
pub(super) fn version(store: &mut PgStore) -> StoreResult<i64> {
    store.tx(current)
}
