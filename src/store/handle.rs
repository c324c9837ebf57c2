//! `StoreHandle`: the async face of the store. One dedicated thread owns the store — the
//! SQLite [`Store`] or the PostgreSQL [`PgStore`], as one [`StoreOps`] (neither connection is
//! shared across threads, and the synchronous `postgres` client must not run on a tokio
//! worker) — and runs calls one at a time in arrival order; async callers await a oneshot
//! reply, so the UI task never blocks on disk, the network or a lock held by another cmo
//! process. Cloning the handle is cheap; the thread ends with the last clone.
//!
//! Writes of journaled state (custom attributes, monitors, the audit journal, write-ahead
//! attempts) and the raw `call` are `pub(crate)`: outside the crate only the gate
//! (`engine/gate/`) makes them, and tests/layering.rs keeps `ui/`, `cli/` and `serve/` from
//! calling them inside it. Reads and the product cache stay public.

use super::error::{StoreError, StoreResult};
use super::{
    Attempt, AttrChange, AttrsByProduct, AuditEntry, AuditRecord, CachedProduct, NewAttempt,
    Operator, PendingMonitor, PgStore, Store, StoreLocation, StoreOps,
};
use crate::domain::{AttrPattern, CustomAttribute, Monitor, ProductId, ProductSummary};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut dyn StoreOps) + Send>;

/// One local attribute edit, as [`StoreHandle::attrs_edit_journaled`] runs it.
#[derive(Debug, Clone)]
pub enum LocalEdit {
    Set { name: String, value: String },
    Rename { old: String, new: String },
    Delete { name: String },
}

#[derive(Clone, Debug)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
    /// The database as messages name it (a file, or a PostgreSQL URL without password).
    name: Arc<str>,
    /// The local data directory (the SQLite file's, or the one beside a PostgreSQL store).
    data_dir: Arc<PathBuf>,
}

fn run_jobs(mut store: Box<dyn StoreOps>, jobs: mpsc::Receiver<Job>) {
    for job in jobs {
        // A panic inside one call must not take the store away from every later caller; the
        // panicking caller sees `Closed` because its reply sender is dropped.
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(store.as_mut())));
        if outcome.is_err() {
            tracing::error!(db = %store.describe(), "a store call panicked");
        }
    }
}

/// Open the configured store (on the calling thread: the store thread).
fn open_store(location: &StoreLocation) -> StoreResult<Box<dyn StoreOps>> {
    Ok(match location {
        StoreLocation::Sqlite(dir) => Box::new(Store::open(dir)?),
        StoreLocation::Postgres { target, .. } => Box::new(PgStore::connect(target)?),
    })
}

fn spawn_thread(body: impl FnOnce() + Send + 'static) -> StoreResult<()> {
    std::thread::Builder::new()
        .name("cmo-store".into())
        .spawn(body)
        .map(|_| ())
        .map_err(|source| StoreError::Io {
            path: PathBuf::from("<store thread>"),
            source,
        })
}

impl StoreHandle {
    /// Move an open SQLite `Store` onto its own thread.
    pub fn spawn(store: Store) -> StoreResult<StoreHandle> {
        let data_dir = Arc::new(
            store
                .path()
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .to_path_buf(),
        );
        let name: Arc<str> = StoreOps::describe(&store).into();
        let (jobs, receiver) = mpsc::channel::<Job>();
        spawn_thread(move || run_jobs(Box::new(store), receiver))?;
        Ok(StoreHandle {
            jobs,
            name,
            data_dir,
        })
    }

    /// Open the store at `location` (a data directory for SQLite, or a PostgreSQL target) on
    /// the store thread, so not even connecting and migrating blocks the caller's task.
    pub async fn open(location: impl Into<StoreLocation>) -> StoreResult<StoreHandle> {
        let location = location.into();
        let data_dir = Arc::new(location.data_dir().to_path_buf());
        let (reply, opened) = oneshot::channel();
        let (jobs, receiver) = mpsc::channel::<Job>();
        spawn_thread(move || match open_store(&location) {
            Ok(store) => {
                if reply.send(Ok(store.describe())).is_ok() {
                    run_jobs(store, receiver);
                }
            }
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        })?;
        let name = opened.await.map_err(|_| StoreError::Closed)??;
        Ok(StoreHandle {
            jobs,
            name: name.into(),
            data_dir,
        })
    }

    /// The database as messages name it: the SQLite file, or the PostgreSQL URL without
    /// its password.
    pub fn describe(&self) -> &str {
        &self.name
    }

    /// The local data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Run `call` on the store thread and await its result.
    pub(crate) async fn call<R, F>(&self, call: F) -> StoreResult<R>
    where
        F: FnOnce(&mut dyn StoreOps) -> StoreResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move |store: &mut dyn StoreOps| {
                let _ = reply.send(call(store));
            }))
            .map_err(|_| StoreError::Closed)?;
        result.await.map_err(|_| StoreError::Closed)?
    }

    pub async fn attrs_list(
        &self,
        product: &ProductId,
        name: Option<&str>,
    ) -> StoreResult<Vec<CustomAttribute>> {
        let (product, name) = (product.clone(), name.map(str::to_string));
        self.call(move |s| s.attrs_list(&product, name.as_deref()))
            .await
    }

    /// Every product's attributes ([`Store::attrs_all`]).
    pub async fn attrs_all(&self) -> StoreResult<AttrsByProduct> {
        self.call(|s| s.attrs_all()).await
    }

    /// Products carrying a matching attribute ([`Store::attrs_find`]).
    pub async fn attrs_find(
        &self,
        pattern: &AttrPattern,
    ) -> StoreResult<Vec<(ProductId, Vec<CustomAttribute>)>> {
        let pattern = pattern.clone();
        self.call(move |s| s.attrs_find(&pattern)).await
    }

    /// Unjournaled: the store's own unit tests seed data with it.
    #[cfg(test)]
    pub(crate) async fn attrs_set(
        &self,
        product: &ProductId,
        name: &str,
        value: &str,
    ) -> StoreResult<AttrChange> {
        let (product, name, value) = (product.clone(), name.to_string(), value.to_string());
        self.call(move |s| s.attrs_set(&product, &name, &value))
            .await
    }

    /// Unjournaled: the store's own unit tests seed data with it.
    #[cfg(test)]
    pub(crate) async fn attrs_delete(
        &self,
        product: &ProductId,
        name: &str,
    ) -> StoreResult<AttrChange> {
        let (product, name) = (product.clone(), name.to_string());
        self.call(move |s| s.attrs_delete(&product, &name)).await
    }

    /// Unjournaled: the store's own unit tests seed data with it.
    #[cfg(test)]
    pub(crate) async fn monitor_upsert(&self, monitor: &Monitor) -> StoreResult<()> {
        let monitor = monitor.clone();
        self.call(move |s| s.monitor_upsert(&monitor)).await
    }

    /// [`Store::monitor_record`]: the monitor, and its final-outcome entry once.
    pub(crate) async fn monitor_record(
        &self,
        monitor: &Monitor,
        outcome: Option<AuditEntry>,
    ) -> StoreResult<bool> {
        let monitor = monitor.clone();
        self.call(move |s| s.monitor_record(&monitor, outcome.as_ref()))
            .await
    }

    pub async fn monitor_get(&self, id: &str) -> StoreResult<Monitor> {
        let id = id.to_string();
        self.call(move |s| s.monitor_get(&id)).await
    }

    pub async fn monitors_list(&self) -> StoreResult<Vec<Monitor>> {
        self.call(|s| s.monitors_list()).await
    }

    pub async fn monitors_pending(&self) -> StoreResult<Vec<PendingMonitor>> {
        self.call(|s| s.monitors_pending()).await
    }

    pub(crate) async fn monitor_record_poll(
        &self,
        id: &str,
        poll_attempts: u32,
        next_poll_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let id = id.to_string();
        self.call(move |s| s.monitor_record_poll(&id, poll_attempts, next_poll_at))
            .await
    }

    /// [`StoreOps::monitors_claim`]: the pending monitors of `kinds` `owner` may poll, leased
    /// to it.
    pub async fn monitors_claim(
        &self,
        owner: &str,
        lease: Duration,
        kinds: Vec<String>,
    ) -> StoreResult<Vec<PendingMonitor>> {
        let owner = owner.to_string();
        self.call(move |s| s.monitors_claim(&owner, lease, &kinds))
            .await
    }

    /// [`StoreOps::monitor_claim`]: take or renew one monitor's lease before polling it.
    pub async fn monitor_claim(&self, id: &str, owner: &str, lease: Duration) -> StoreResult<bool> {
        let (id, owner) = (id.to_string(), owner.to_string());
        self.call(move |s| s.monitor_claim(&id, &owner, lease))
            .await
    }

    /// [`StoreOps::account_claim`]: claim (or renew) a carrier account for `owner`.
    pub async fn account_claim(
        &self,
        account: &str,
        label: &str,
        owner: &str,
        ttl: Duration,
    ) -> StoreResult<()> {
        let (account, label, owner) = (account.to_string(), label.to_string(), owner.to_string());
        self.call(move |s| s.account_claim(&account, &label, &owner, ttl))
            .await
    }

    /// [`StoreOps::account_release`]: give a claimed account up.
    pub async fn account_release(&self, account: &str, owner: &str) -> StoreResult<()> {
        let (account, owner) = (account.to_string(), owner.to_string());
        self.call(move |s| s.account_release(&account, &owner))
            .await
    }

    pub async fn monitors_prune(&self, retention: Duration) -> StoreResult<usize> {
        self.call(move |s| s.monitors_prune(retention)).await
    }

    /// Unjournaled: the store's own unit tests seed data with it.
    #[cfg(test)]
    pub(crate) async fn audit_append(&self, entry: AuditEntry) -> StoreResult<()> {
        self.call(move |s| s.audit_append(&entry)).await
    }

    /// [`Store::audit_complete`]: the outcome's entry, closing the attempts it completes.
    pub(crate) async fn audit_complete(
        &self,
        entry: AuditEntry,
        monitors: Vec<String>,
        attempts: Vec<i64>,
    ) -> StoreResult<i64> {
        self.call(move |s| s.audit_complete(&entry, &monitors, &attempts))
            .await
    }

    /// [`Store::attempt_begin`]: the write-ahead attempt, before a request leaves.
    pub(crate) async fn attempt_begin(
        &self,
        operator: &Operator,
        attempt: NewAttempt,
    ) -> StoreResult<i64> {
        let operator = operator.clone();
        self.call(move |s| s.attempt_begin(&operator, &attempt))
            .await
    }

    /// [`Store::attempt_note`]: a batch item's answer, before the batch's entry.
    pub(crate) async fn attempt_note(
        &self,
        id: i64,
        before: Option<String>,
        result: String,
    ) -> StoreResult<()> {
        self.call(move |s| s.attempt_note(id, before.as_deref(), &result))
            .await
    }

    pub async fn attempts_open(&self) -> StoreResult<Vec<Attempt>> {
        self.call(|s| s.attempts_open()).await
    }

    /// [`Store::attempt_resolve`]: what a later run found for an open attempt.
    pub(crate) async fn attempt_resolve(
        &self,
        id: i64,
        entry: AuditEntry,
    ) -> StoreResult<Option<i64>> {
        self.call(move |s| s.attempt_resolve(id, &entry)).await
    }

    /// [`Store::ensure_sound`]: refuse a damaged or read-only store before a mutation.
    pub async fn ensure_sound(&self) -> StoreResult<()> {
        self.call(|s| s.ensure_sound()).await
    }

    /// A local attribute edit and its journal entry in one transaction.
    pub(crate) async fn attrs_edit_journaled(
        &self,
        product: &ProductId,
        edit: LocalEdit,
        journal: AuditEntry,
    ) -> StoreResult<AttrChange> {
        let product = product.clone();
        self.call(move |s| match edit {
            LocalEdit::Set { name, value } => {
                s.attrs_set_journaled(&product, &name, &value, Some(&journal))
            }
            LocalEdit::Rename { old, new } => {
                s.attrs_rename_journaled(&product, &old, &new, Some(&journal))
            }
            LocalEdit::Delete { name } => s.attrs_delete_journaled(&product, &name, Some(&journal)),
        })
        .await
    }

    pub async fn audit_records_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<AuditRecord>> {
        self.call(move |s| s.audit_records_since(since)).await
    }

    pub async fn audit_since(&self, since: Option<DateTime<Utc>>) -> StoreResult<Vec<AuditEntry>> {
        self.call(move |s| s.audit_since(since)).await
    }

    pub async fn cache_replace(
        &self,
        backend: &str,
        products: &[ProductSummary],
    ) -> StoreResult<usize> {
        let (backend, products) = (backend.to_string(), products.to_vec());
        self.call(move |s| s.cache_replace(&backend, &products))
            .await
    }

    pub async fn cache_load(&self) -> StoreResult<Vec<CachedProduct>> {
        self.call(|s| s.cache_load()).await
    }

    /// One page of a listing in progress (`Store::cache_stage`).
    pub async fn cache_stage(
        &self,
        backend: String,
        restart: bool,
        products: Vec<ProductSummary>,
    ) -> StoreResult<usize> {
        self.call(move |s| s.cache_stage(&backend, restart, &products))
            .await
    }

    /// The listing completed: its staged pages become the cache (`Store::cache_commit`).
    pub async fn cache_commit(&self, backend: String) -> StoreResult<usize> {
        self.call(move |s| s.cache_commit(&backend)).await
    }

    /// The cache in chunks (`Store::cache_load_chunks`): a receiver of `first` rows, then
    /// `chunk` rows at a time. At most a few chunks wait in the channel, so a slow receiver
    /// holds the store thread rather than a decoded million rows; dropping it stops the read.
    pub fn cache_stream(
        &self,
        first: usize,
        chunk: usize,
    ) -> tokio::sync::mpsc::Receiver<StoreResult<Vec<CachedProduct>>> {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let job: Job = Box::new(move |store: &mut dyn StoreOps| {
            let read = store
                .cache_load_chunks(first, chunk, &mut |rows| tx.blocking_send(Ok(rows)).is_ok());
            if let Err(e) = read {
                let _ = tx.blocking_send(Err(e));
            }
        });
        // A closed store drops the job, and with it the sender: the receiver ends empty.
        let _ = self.jobs.send(job);
        rx
    }
}
