//! The local side of a command: which data directory holds the store (`--data-dir`, else the
//! config's `[store] data_dir`, else the XDG data dir), opening the store only when a command
//! needs it, and building the mutation gate every change goes through (docs/safety.md).
//!
//! Opening is lazy on purpose: `capabilities`, `info`, `simulate` and `products list` never
//! touch the store, so a damaged or foreign database (or an unwritable data dir) cannot stop
//! them. A database that cannot be used is refused by the store with one line naming the file;
//! the file is never written to.

use super::args::GlobalArgs;
use super::demo::config_error;
use super::error::CliError;
use crate::config::{Config, ConfigError};
use crate::engine::{Engine, Gate};
use crate::paths::Paths;
use crate::store::{Operator, StoreHandle};
use std::path::PathBuf;

/// What a command needs to open the store and to build the gate.
#[derive(Debug, Clone)]
pub struct Local {
    pub data_dir: PathBuf,
    /// `[store]`: a PostgreSQL `url` and its password source, else the SQLite file in `data_dir`.
    pub store: crate::config::StoreConfig,
    /// How long the store password's `secret_cmd` may run.
    pub secret_cmd_timeout: std::time::Duration,
    /// `--read-only` or `read_only = true`.
    pub read_only: bool,
    pub max_batch: usize,
    /// Reconcile interrupted changes of earlier runs when a gate is built (not with `--demo`:
    /// its simulators are new in every process and know nothing of earlier requests).
    pub reconcile: bool,
}

impl Local {
    pub fn new(global: &GlobalArgs, config: &Config, paths: &Paths) -> Local {
        let data_dir = global
            .data_dir
            .clone()
            .or_else(|| config.store.data_dir.clone())
            .unwrap_or_else(|| paths.data_dir.clone());
        Local {
            data_dir,
            store: config.store.clone(),
            secret_cmd_timeout: config.secret_cmd_timeout,
            read_only: global.read_only || config.read_only,
            max_batch: config.max_batch_size,
            reconcile: !global.demo,
        }
    }

    /// For commands that only touch the store (audit, `monitors list`): the config is read
    /// for `[store] data_dir` and `read_only`, but no backend is built and no simulator
    /// started. A missing config file means defaults here — local data needs no carrier.
    pub fn without_engine(global: &GlobalArgs, paths: &Paths) -> Result<Local, CliError> {
        Ok(Local::new(global, &local_config(global, paths)?, paths))
    }

    /// Where the store lives: `[store] url` (PostgreSQL), else the data dir's SQLite file.
    pub fn location(&self) -> Result<crate::store::StoreLocation, CliError> {
        Ok(self
            .store
            .location(self.data_dir.clone(), self.secret_cmd_timeout)?)
    }

    /// Open (creating if needed) the store: the data dir's file, or the PostgreSQL database.
    pub async fn store(&self) -> Result<StoreHandle, CliError> {
        let store = StoreHandle::open(self.location()?).await?;
        tracing::debug!(db = %store.describe(), "store open");
        Ok(store)
    }

    /// Open the store and build the gate around `engine`, acting as `$USER`.
    ///
    /// Every command that builds a gate around carriers first reconciles the changes earlier
    /// runs left "outcome unknown" (docs/safety.md, "Write-ahead journal"): each is read at its
    /// carrier and what it shows is journaled, linked to the interrupted attempt.
    pub async fn gate(&self, engine: Engine) -> Result<Gate, CliError> {
        let store = self.store().await?;
        let has_carriers = !engine.accounts().is_empty();
        let gate = Gate::new(engine, store, Operator::from_env())
            .with_read_only(self.read_only)
            .with_max_batch(self.max_batch);
        if self.reconcile && has_carriers {
            reconcile(&gate).await;
        }
        Ok(gate)
    }

    /// For read commands that reach carriers (`products list|get|find`, `sim-card get`, …):
    /// reconcile the changes earlier runs left "outcome unknown", when a store exists — none
    /// is created, and a store that cannot be opened or written is left alone (these commands
    /// must work with a broken data dir).
    pub async fn reconcile_existing(&self, engine: &Engine) {
        if !self.reconcile || engine.accounts().is_empty() {
            return;
        }
        if self.store.url.is_none() && !self.data_dir.join(crate::store::DB_FILE_NAME).is_file() {
            return;
        }
        let location = match self.location() {
            Ok(location) => location,
            Err(e) => {
                tracing::debug!(error = %e, "store not opened; nothing reconciled");
                return;
            }
        };
        match StoreHandle::open(location).await {
            Ok(store) => {
                let gate = Gate::new(engine.clone(), store, Operator::from_env());
                reconcile(&gate).await;
            }
            Err(e) => tracing::debug!(error = %e, "store not opened; nothing reconciled"),
        }
    }

    /// A gate without backends, for custom attributes of a configuration that has no CMO
    /// account: every attribute lives in the local store and no carrier is needed.
    pub async fn attrs_gate(&self) -> Result<Gate, CliError> {
        self.gate(Engine::new(Vec::new())).await
    }
}

/// The configuration as commands that need no carrier read it: the config file without its
/// secrets (none is read or run), or defaults when there is none (or with `--demo`, whose
/// accounts exist only while simulators run). Never build a backend from it.
pub fn local_config(global: &GlobalArgs, paths: &Paths) -> Result<Config, CliError> {
    if global.demo {
        return Ok(Config::default());
    }
    match Config::load_without_secrets(&paths.config_file) {
        Ok(c) => {
            super::output::config_warnings(&c);
            Ok(c)
        }
        Err(ConfigError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(Config::default())
        }
        Err(e) => Err(config_error(e)),
    }
}

/// Reconcile the attempts of processes that are gone and say so on stderr (docs/cli.md,
/// "Interrupted changes and unknown outcomes").
async fn reconcile(gate: &Gate) {
    let open = gate.interrupted_attempts().await;
    if open.is_empty() {
        return;
    }
    let found = gate.reconcile(open).await;
    let mut line = format!(
        "cmo: reconciled {} change(s) an earlier run left with an unknown outcome (see cmo audit)",
        found.resolved
    );
    if found.still_unknown > 0 {
        line.push_str(&format!(
            "; {} still unknown (their carrier could not be read)",
            found.still_unknown
        ));
    }
    super::output::stderr_line(&line);
}
