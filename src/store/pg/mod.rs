//! `PgStore`: the shared store on PostgreSQL (`[store] url`), for a team whose `cmo serve`
//! replicas and consoles share attributes, monitors, the audit journal and the product cache
//! (docs/store.md, docs/deployment.md). It implements the same [`super::StoreOps`] as the
//! embedded SQLite store, with the same schema numbering (`schema.rs`).
//!
//! It uses the synchronous `postgres` client, which runs its own small runtime: it lives on
//! the store thread ([`super::StoreHandle`]) and is never called from a tokio worker. Every
//! write is one transaction. Times are kept as the same fixed-width RFC 3339 text as in
//! SQLite, except leases and claims, which use the server's clock (`now()`) so replicas on
//! hosts with skewed clocks still agree on when a lease expired.

mod cache;
mod data;
mod journal;
mod schema;

use super::error::{StoreError, StoreResult};
use postgres::config::Host;
use postgres::{Client, NoTls, Transaction};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How long connecting may take before the store refuses to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a PostgreSQL store lives: the parsed URL, the password from its secret source, and
/// the name messages use (the URL without any password).
#[derive(Clone)]
pub struct PgTarget {
    /// Boxed: the parsed configuration is large, and a location is passed around by value.
    config: Box<postgres::Config>,
    name: String,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTarget").field("db", &self.name).finish()
    }
}

impl PgTarget {
    /// Parse `url` (`postgres://user@host[:port]/db`, libpq's URL form), with `password` from
    /// the configured secret source when given (it wins over one in the URL). Errors never
    /// repeat the URL, which may hold a password.
    pub fn parse(url: &str, password: Option<&SecretString>) -> StoreResult<PgTarget> {
        let mut config: postgres::Config = url.trim().parse().map_err(|e: postgres::Error| {
            StoreError::Settings(format!("url is not a PostgreSQL URL ({e})"))
        })?;
        if config.get_hosts().is_empty() {
            return Err(StoreError::Settings(
                "url names no host (postgres://user@host/database)".into(),
            ));
        }
        if let Some(password) = password {
            config.password(password.expose_secret());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("cmo");
        let name = display_name(&config);
        Ok(PgTarget {
            config: Box::new(config),
            name,
        })
    }

    /// Use `schema` (which must exist) instead of the user's default search path: one fresh
    /// schema per test, or several independent cmo stores in one database.
    pub fn with_schema(mut self, schema: &str) -> PgTarget {
        let options = format!("-c search_path={schema}");
        self.config.options(&options);
        // Its connections are then told apart in `pg_stat_activity`.
        self.config.application_name(&format!("cmo:{schema}"));
        self.name = format!("{} (schema {schema})", self.name);
        self
    }

    /// The database as messages name it: `postgres://user@host:port/db`, never the password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A plain connection (no migration), for tests and administration.
    pub fn connect_raw(&self) -> StoreResult<Client> {
        self.config
            .connect(NoTls)
            .map_err(|source| StoreError::Postgres {
                db: self.name.clone(),
                source,
            })
    }
}

fn display_name(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(i).or(config.get_ports().first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let db = config.get_dbname().unwrap_or(user);
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    format!("postgres://{at}{}/{db}", hosts.join(","))
}

pub struct PgStore {
    client: Client,
    name: String,
    /// Kept to reconnect when the server restarted or the connection dropped.
    target: PgTarget,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("db", &self.name).finish()
    }
}

impl PgStore {
    /// Connect and bring the schema up to date (replicas starting together migrate once:
    /// the migration holds an advisory lock). A schema from a newer cmo is refused untouched.
    pub fn connect(target: &PgTarget) -> StoreResult<PgStore> {
        let client = target.connect_raw()?;
        let mut store = PgStore {
            client,
            name: target.name.clone(),
            target: target.clone(),
        };
        schema::migrate(&mut store)?;
        tracing::info!(db = %store.name, "PostgreSQL store open");
        Ok(store)
    }

    /// The database, named without its password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reconnect when the connection was closed (the server restarted, the network dropped
    /// it), so one outage does not fail every later call; the call that met the outage fails.
    fn ready(&mut self) -> StoreResult<()> {
        if self.client.is_closed() {
            tracing::info!(db = %self.name, "PostgreSQL connection closed; reconnecting");
            self.client = self.target.connect_raw()?;
        }
        Ok(())
    }

    /// Run `body` in one transaction, committed when it returns `Ok`.
    fn tx<R>(
        &mut self,
        body: impl FnOnce(&mut Transaction<'_>, &Db) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let db = Db(self.name.clone());
        let mut tx = self.client.transaction().map_err(|e| db.err(e))?;
        let value = body(&mut tx, &db)?;
        tx.commit().map_err(|e| db.err(e))?;
        Ok(value)
    }
}

/// The database's name, for errors raised inside a transaction.
pub(super) struct Db(String);

impl Db {
    fn err(&self, source: postgres::Error) -> StoreError {
        StoreError::Postgres {
            db: self.0.clone(),
            source,
        }
    }

    fn state(&self, detail: impl Into<String>) -> StoreError {
        StoreError::PostgresState {
            db: self.0.clone(),
            detail: detail.into(),
        }
    }
}

/// Seconds as PostgreSQL's `make_interval` takes them.
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

use super::{
    Attempt, AttrChange, AttrsByProduct, AuditEntry, AuditRecord, CachedProduct, NewAttempt,
    Operator, PendingMonitor, StoreOps,
};
use crate::domain::quota::{Allowance, DailyUse};
use crate::domain::{CustomAttribute, Monitor, ProductId, ProductSummary, Usage};
use chrono::{DateTime, NaiveDate, Utc};

impl StoreOps for PgStore {
    fn describe(&self) -> String {
        self.name.clone()
    }
    fn is_read_only(&self) -> bool {
        false
    }
    fn schema_version(&mut self) -> StoreResult<i64> {
        self.ready()?;
        schema::version(self)
    }
    /// PostgreSQL checks its own pages; nothing to verify before a write.
    fn ensure_sound(&mut self) -> StoreResult<()> {
        Ok(())
    }
    fn attrs_all(&mut self) -> StoreResult<AttrsByProduct> {
        self.ready()?;
        self.attrs_all_pg()
    }
    fn attrs_list(
        &mut self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>> {
        self.ready()?;
        self.attrs_list_pg(product, name)
    }
    fn attrs_set_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        value: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        self.ready()?;
        self.attrs_set_pg(product, name, value, journal)
    }
    fn attrs_rename_journaled(
        &mut self,
        product: &ProductId,
        old: &str,
        new: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        self.ready()?;
        self.attrs_rename_pg(product, old, new, journal)
    }
    fn attrs_delete_journaled(
        &mut self,
        product: &ProductId,
        name: &str,
        journal: Option<&AuditEntry>,
    ) -> StoreResult<AttrChange> {
        self.ready()?;
        self.attrs_delete_pg(product, name, journal)
    }
    fn monitor_record(
        &mut self,
        monitor: &Monitor,
        outcome: Option<&AuditEntry>,
    ) -> StoreResult<bool> {
        self.ready()?;
        self.monitor_record_pg(monitor, outcome)
    }
    fn monitor_get(&mut self, id: &str) -> StoreResult<Monitor> {
        self.ready()?;
        self.monitor_get_pg(id)
    }
    fn monitors_list(&mut self) -> StoreResult<Vec<Monitor>> {
        self.ready()?;
        Ok(self
            .monitor_rows_pg(false)?
            .into_iter()
            .map(|p| p.monitor)
            .collect())
    }
    fn monitors_pending(&mut self) -> StoreResult<Vec<PendingMonitor>> {
        self.ready()?;
        self.monitor_rows_pg(true)
    }
    fn monitor_record_poll(
        &mut self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.ready()?;
        self.monitor_record_poll_pg(id, poll_attempts, next_poll_at)
    }
    fn monitors_prune_before(&mut self, cutoff: DateTime<Utc>) -> StoreResult<usize> {
        self.ready()?;
        self.monitors_prune_before_pg(cutoff)
    }
    fn monitors_claim(
        &mut self,
        owner: &str,
        lease: Duration,
        kinds: &[String],
    ) -> StoreResult<Vec<PendingMonitor>> {
        self.ready()?;
        self.monitors_claim_pg(owner, lease, kinds)
    }
    fn monitor_claim(&mut self, id: &str, owner: &str, lease: Duration) -> StoreResult<bool> {
        self.ready()?;
        self.monitor_claim_pg(id, owner, lease)
    }
    fn account_claim(
        &mut self,
        account: &str,
        label: &str,
        owner: &str,
        ttl: Duration,
    ) -> StoreResult<()> {
        self.ready()?;
        self.account_claim_pg(account, label, owner, ttl)
    }
    fn account_release(&mut self, account: &str, owner: &str) -> StoreResult<()> {
        self.ready()?;
        self.account_release_pg(account, owner)
    }
    fn audit_complete(
        &mut self,
        entry: &AuditEntry,
        monitors: &[String],
        attempts: &[i64],
    ) -> StoreResult<i64> {
        self.ready()?;
        self.audit_complete_pg(entry, monitors, attempts)
    }
    fn audit_records_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>> {
        self.ready()?;
        self.audit_records_since_pg(since)
    }
    fn audit_since(&mut self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>> {
        self.ready()?;
        Ok(self
            .audit_rows_pg(since)?
            .into_iter()
            .map(|(_, _, _, e)| e)
            .collect())
    }
    fn attempt_begin(&mut self, operator: &Operator, attempt: &NewAttempt) -> StoreResult<i64> {
        self.ready()?;
        self.attempt_begin_pg(operator, attempt)
    }
    fn attempt_note(&mut self, id: i64, before: Option<&str>, result: &str) -> StoreResult<()> {
        self.ready()?;
        self.attempt_note_pg(id, before, result)
    }
    fn attempts_open(&mut self) -> StoreResult<Vec<Attempt>> {
        self.ready()?;
        self.attempts_open_pg()
    }
    fn attempt_resolve(&mut self, id: i64, entry: &AuditEntry) -> StoreResult<Option<i64>> {
        self.ready()?;
        self.attempt_resolve_pg(id, entry)
    }
    fn cache_replace(&mut self, backend: &str, products: &[ProductSummary]) -> StoreResult<usize> {
        self.ready()?;
        self.cache_replace_pg(backend, products)
    }
    fn cache_stage(
        &mut self,
        backend: &str,
        restart: bool,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        self.ready()?;
        self.cache_stage_pg(backend, restart, products)
    }
    fn cache_commit(&mut self, backend: &str) -> StoreResult<usize> {
        self.ready()?;
        self.cache_commit_pg(backend)
    }
    fn cache_load_chunks(
        &mut self,
        first: usize,
        chunk: usize,
        each: &mut dyn FnMut(Vec<CachedProduct>) -> bool,
    ) -> StoreResult<()> {
        self.ready()?;
        self.cache_load_chunks_pg(first, chunk, each)
    }
    fn usage_record(
        &mut self,
        account: &str,
        product: &str,
        usage: &Usage,
        now: DateTime<Utc>,
        retention: Duration,
    ) -> StoreResult<usize> {
        self.ready()?;
        self.usage_record_pg(account, product, usage, now, retention)
    }
    fn usage_daily(&mut self, product: &str, since: NaiveDate) -> StoreResult<Vec<DailyUse>> {
        self.ready()?;
        self.usage_daily_pg(product, since)
    }
    fn usage_account_daily(
        &mut self,
        account: &str,
        since: NaiveDate,
    ) -> StoreResult<Vec<DailyUse>> {
        self.ready()?;
        self.usage_account_daily_pg(account, since)
    }
    fn usage_levels(&mut self) -> StoreResult<Vec<(String, f64)>> {
        self.ready()?;
        self.usage_levels_pg()
    }
    fn usage_allowances(&mut self, product: &str) -> StoreResult<Vec<Allowance>> {
        self.ready()?;
        self.usage_allowances_pg(product)
    }
    fn usage_history_rows(&mut self, product: &str) -> StoreResult<i64> {
        self.ready()?;
        self.usage_history_rows_pg(product)
    }
}
