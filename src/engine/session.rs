//! `UiSession`: the wiring of a console session, in one place outside `ui/` — the engine
//! (reads), the gate (every mutation), the console's local data (monitors, audit, product
//! cache, through [`LocalData`]) and the running monitor poller. The CLI builds one with
//! [`UiSession::start`]; `ui::run` stops the poller when the console closes. The UI reaches the
//! store only through [`LocalData`], so `ui/` imports nothing from `store`.

use crate::domain::{Monitor, ProductSummary};
use crate::engine::{Engine, Gate, MonitorPoller, PollerConfig, PollerHandle};
use crate::store::{
    AttrsByProduct, AuditEntry, CachedProduct, Operator, StoreError, StoreHandle, StoreResult,
};

use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the session is set up (from the configuration and the command line).
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Where the store lives: `[store] url` (PostgreSQL), else the SQLite file in the data
    /// directory (`--data-dir`, the config's `store.data_dir`, or the XDG default).
    pub store: crate::store::StoreLocation,
    pub read_only: bool,
    /// The gate's batch guardrail (`max_batch_size`).
    pub max_batch: usize,
    /// How long finished monitors are kept.
    pub monitor_retention: Duration,
    /// How long usage history is kept (`usage_history_retention`).
    pub usage_retention: Duration,
    pub operator: Operator,
}

pub struct UiSession {
    pub engine: Engine,
    pub gate: Gate,
    pub store: LocalData,
    pub poller: PollerHandle,
    /// Stops the poller started by [`UiSession::start`] (none when the caller runs its own).
    poller_task: Option<(CancellationToken, JoinHandle<()>)>,
}

impl UiSession {
    /// Open the store, build the gate and start the monitor poller (which resumes every
    /// monitor the store holds as pending).
    pub async fn start(engine: Engine, settings: SessionSettings) -> Result<UiSession, StoreError> {
        let store = StoreHandle::open(settings.store).await?;
        let usage_retention = settings.usage_retention;
        let config = PollerConfig {
            retention: settings.monitor_retention,
            ..PollerConfig::default()
        };
        let poller = MonitorPoller::new(engine.clone(), store.clone(), config);
        let handle = poller.handle();
        let gate = Gate::new(engine.clone(), store.clone(), settings.operator)
            .with_read_only(settings.read_only)
            .with_max_batch(settings.max_batch)
            .with_poller(handle.clone());
        let cancel = CancellationToken::new();
        let task = poller.start(cancel.clone());
        Ok(UiSession {
            engine,
            gate,
            store: LocalData(store, usage_retention),
            poller: handle,
            poller_task: Some((cancel, task)),
        })
    }

    /// A session over parts the caller built (and whose poller it runs itself).
    pub fn from_parts(
        engine: Engine,
        gate: Gate,
        store: StoreHandle,
        poller: PollerHandle,
    ) -> Self {
        UiSession {
            engine,
            gate,
            store: LocalData::new(store),
            poller,
            poller_task: None,
        }
    }

    /// Stop the poller this session started and wait (briefly) for its watches to end.
    pub async fn shutdown(mut self) {
        if let Some((cancel, task)) = self.poller_task.take() {
            cancel.cancel();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                tracing::warn!("the monitor poller did not stop within 2 s");
            }
        }
    }
}

/// What the console reads and keeps locally, outside the gate: the product cache (written page
/// by page, read back in chunks), the custom attributes index, monitors, the audit journal and
/// the data dir (for the `:` history). Mutations never go through here; they go through the gate.
#[derive(Clone)]
pub struct LocalData(StoreHandle, Duration);

impl LocalData {
    /// The console's view of an open store.
    pub fn new(store: StoreHandle) -> Self {
        LocalData(store, crate::store::DEFAULT_USAGE_RETENTION)
    }

    /// The usage history kept in this store, with the session's retention.
    pub fn usage_history(&self) -> super::UsageHistory {
        super::UsageHistory::new(self.0.clone(), self.1)
    }

    /// One page of a listing in progress for the product cache.
    pub async fn cache_stage(
        &self,
        backend: String,
        restart: bool,
        rows: Vec<ProductSummary>,
    ) -> StoreResult<usize> {
        self.0.cache_stage(backend, restart, rows).await
    }
    /// The listing completed: its staged pages become the cache.
    pub async fn cache_commit(&self, backend: String) -> StoreResult<usize> {
        self.0.cache_commit(backend).await
    }
    /// The cache in chunks: `first` rows, then `chunk` rows at a time.
    pub fn cache_stream(
        &self,
        first: usize,
        chunk: usize,
    ) -> tokio::sync::mpsc::Receiver<StoreResult<Vec<CachedProduct>>> {
        self.0.cache_stream(first, chunk)
    }
    pub async fn attrs_all(&self) -> StoreResult<AttrsByProduct> {
        self.0.attrs_all().await
    }
    pub async fn monitors_list(&self) -> StoreResult<Vec<Monitor>> {
        self.0.monitors_list().await
    }
    /// The journal, changes whose outcome is unknown (open write-ahead attempts) included.
    pub async fn audit_entries(&self) -> StoreResult<Vec<AuditEntry>> {
        let records = self.0.audit_records_since(None).await?;
        Ok(records.into_iter().map(|r| r.entry).collect())
    }
    /// The folder the store lives in.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.0.data_dir().to_path_buf()
    }
}
