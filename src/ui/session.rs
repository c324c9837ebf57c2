//! `UiSession`: what the console runs against — the engine (reads), the gate (every mutation),
//! the local store (monitors, audit, product cache) and the running monitor poller. The CLI
//! builds one with [`UiSession::start`]; `ui::run` stops the poller when the console closes.

use crate::engine::{Engine, Gate, MonitorPoller, PollerConfig, PollerHandle};
use crate::store::{Operator, StoreError, StoreHandle};
use std::path::PathBuf;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the session is set up (from the configuration and the command line).
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Where the store lives (`--data-dir`, the config's `store.data_dir`, or the XDG default).
    pub data_dir: PathBuf,
    pub read_only: bool,
    /// The gate's batch guardrail (`max_batch_size`).
    pub max_batch: usize,
    /// How long finished monitors are kept.
    pub monitor_retention: Duration,
    pub operator: Operator,
}

pub struct UiSession {
    pub engine: Engine,
    pub gate: Gate,
    pub store: StoreHandle,
    pub poller: PollerHandle,
    /// Stops the poller started by [`UiSession::start`] (none when the caller runs its own).
    poller_task: Option<(CancellationToken, JoinHandle<()>)>,
}

impl UiSession {
    /// Open the store, build the gate and start the monitor poller (which resumes every
    /// monitor the store holds as pending).
    pub async fn start(engine: Engine, settings: SessionSettings) -> Result<UiSession, StoreError> {
        let store = StoreHandle::open(settings.data_dir).await?;
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
            store,
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
            store,
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
