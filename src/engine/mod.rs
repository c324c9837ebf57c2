//! The engine: owns the configured backends (each behind the capability guard), routes every
//! request by product id to the account that holds it, lists backends in parallel, and keeps
//! each backend's health. The UI and the CLI call only this; neither sees an adapter.
//!
//! Every method that changes something at a carrier (a status, characteristics, a batch, a
//! bulk list, a monitor's cancellation) is `pub(in crate::engine)`: only the gate
//! (`gate/`) calls them, so no caller can skip its read-only check, guardrails and journal.
//! Callers outside the engine get backends only as [`BackendReader`]s.

mod attrs;
pub mod batch;
pub mod bulk;
mod check;
pub mod gate;
pub mod health;
mod listing;
pub mod poller;
mod reader;
pub mod session;
pub mod tracker;
mod usage_history;

/// Types the engine's and the gate's answers carry, re-exported so the layers above (the UI)
/// name them here instead of reaching into `backends` or `store`.
pub use crate::backends::{BackendError, ChangeOutcome};
pub use crate::domain::health::{Health, HealthBoard, HealthEntry};
/// How an unsettled outcome starts ("outcome unknown"), for the console's batch report.
pub use crate::store::OUTCOME_UNKNOWN;
/// How an audit result reads in a list ("outcome unknown", "reconciled", …).
pub use crate::store::outcome_label;
pub use crate::store::{AttrChange, AuditEntry};
pub use attrs::AttrHome;
pub use batch::{BatchItem, BatchLookup};
pub use check::AccountCheck;
pub use gate::{Gate, GateError};
pub use listing::{ListEvent, PageGuard};
pub use poller::{MonitorPoller, PollerConfig, PollerHandle};
pub use reader::BackendReader;
pub use session::{LocalData, SessionSettings, UiSession};
pub use usage_history::UsageHistory;

use crate::backends::{Account, Backend, BackendResult};
use crate::domain::capabilities::supports;
use crate::domain::{
    BackendKind, BusinessId, Characteristic, ConnectivityType, DataConnectivity, Monitor,
    Operation, Product, ProductId, SimCard, Status, Terminal, Usage,
};
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// What the operator saw of a product when asking for a change: its normalized status,
/// whether it is a SIM or a terminal (which request the change takes), and the account that
/// showed it (the change goes to that account only; `None`: each that may hold it, in turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: Status,
    pub connectivity: ConnectivityType,
    pub account: Option<String>,
}

/// A status change together with the status the product was in before it.
#[derive(Debug)]
pub struct StatusChange {
    pub from: Option<Status>,
    pub result: BackendResult<ChangeOutcome>,
    /// The product already was in the target status: nothing was sent, and `result` is
    /// `Done` with that status. Not an error (an operator re-running a batch expects this).
    pub unchanged: bool,
}

#[derive(Clone)]
pub struct Engine {
    backends: Arc<Vec<Arc<dyn Backend>>>,
    health: Arc<HealthBoard>,
    /// The most pages one backend's listing may take (`max_list_pages`, `listing.rs`).
    max_pages: u32,
}

impl Engine {
    /// `backends` should already be wrapped in [`crate::backends::Guarded`].
    pub fn new(backends: Vec<Arc<dyn Backend>>) -> Self {
        Self {
            backends: Arc::new(backends),
            health: HealthBoard::new(),
            max_pages: crate::config::DEFAULT_MAX_LIST_PAGES,
        }
    }

    /// Stop every backend's listing with an error after `pages` pages (`max_list_pages`).
    pub fn with_max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// A fresh guard for walking one backend's pages (`listing.rs`), for callers that page a
    /// backend themselves (`products list --page`).
    pub fn page_guard(&self, backend: &str) -> PageGuard {
        PageGuard::new(backend, self.max_pages)
    }

    /// Like [`Engine::new`], recording into `health`: the board the adapters' HTTP policies
    /// record every request into (the one given to `registry::build_with_health`), so the
    /// engine's routed calls and the wire's requests land on one board.
    pub fn with_health(backends: Vec<Arc<dyn Backend>>, health: Arc<HealthBoard>) -> Self {
        Self {
            backends: Arc::new(backends),
            health,
            max_pages: crate::config::DEFAULT_MAX_LIST_PAGES,
        }
    }

    pub fn accounts(&self) -> Vec<Account> {
        self.backends.iter().map(|b| b.account().clone()).collect()
    }

    /// The one health board (`domain::health`): read it, or subscribe to its changes.
    pub fn health(&self) -> &Arc<HealthBoard> {
        &self.health
    }

    /// The backends a `--backend` value names: a configured name, else a kind (`1NCE`, `TMSP`…),
    /// to read from (see [`BackendReader`]).
    pub fn select(&self, filter: Option<&str>) -> BackendResult<Vec<BackendReader>> {
        Ok(self
            .selected(filter)?
            .into_iter()
            .map(BackendReader::new)
            .collect())
    }

    /// [`Engine::select`], the adapters themselves.
    pub(in crate::engine) fn selected(
        &self,
        filter: Option<&str>,
    ) -> BackendResult<Vec<Arc<dyn Backend>>> {
        let Some(f) = filter else {
            return Ok(self.backends.to_vec());
        };
        let by_name: Vec<_> = self
            .backends
            .iter()
            .filter(|b| b.account().name == f)
            .cloned()
            .collect();
        if !by_name.is_empty() {
            return Ok(by_name);
        }
        let names = || {
            self.backends
                .iter()
                .map(|b| format!("{} ({})", b.account().name, b.kind()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kind: BackendKind = f.parse().map_err(|_| {
            BackendError::InvalidInput(format!(
                "no backend named or of kind '{f}'; configured: {}",
                names()
            ))
        })?;
        let by_kind: Vec<_> = self
            .backends
            .iter()
            .filter(|b| b.kind() == kind)
            .cloned()
            .collect();
        if by_kind.is_empty() {
            return Err(BackendError::InvalidInput(format!(
                "no backend of kind {kind} is configured; configured: {}",
                names()
            )));
        }
        Ok(by_kind)
    }

    /// Run one backend call, timing it into the health board.
    async fn timed<T, F>(&self, backend: &dyn Backend, call: F) -> BackendResult<T>
    where
        F: Future<Output = BackendResult<T>>,
    {
        let started = Instant::now();
        let result = call.await;
        health::record_call(
            &self.health,
            &backend.account().name,
            started.elapsed(),
            result.as_ref().err(),
        );
        result
    }

    fn of_kind(&self, kind: BackendKind) -> BackendResult<Vec<Arc<dyn Backend>>> {
        let found: Vec<_> = self
            .backends
            .iter()
            .filter(|b| b.kind() == kind)
            .cloned()
            .collect();
        if found.is_empty() {
            Err(BackendError::NotFound {
                backend: kind.to_string(),
                what: format!("a configured backend of kind {kind}"),
            })
        } else {
            Ok(found)
        }
    }

    /// The accounts that may hold a product of `kind`: those of that kind first, then every CMO
    /// account (a CMO tenant aggregates products of all platforms under their own ids).
    fn holders(&self, kind: BackendKind) -> BackendResult<Vec<Arc<dyn Backend>>> {
        let own = self.backends.iter().filter(|b| b.kind() == kind);
        let cmo = self
            .backends
            .iter()
            .filter(|b| kind != BackendKind::Cmo && b.kind() == BackendKind::Cmo);
        let found: Vec<_> = own.chain(cmo).cloned().collect();
        if found.is_empty() {
            Err(BackendError::NotFound {
                backend: kind.to_string(),
                what: format!("a configured backend of kind {kind} (or a CMO account)"),
            })
        } else {
            Ok(found)
        }
    }

    /// Try `call` on each account that may hold the product (its kind's, then CMO accounts)
    /// until one does not answer NotFound.
    async fn route<T, F, Fut>(&self, id: &ProductId, call: F) -> BackendResult<T>
    where
        F: Fn(Arc<dyn Backend>, BusinessId) -> Fut,
        Fut: Future<Output = BackendResult<T>>,
    {
        self.route_in(id, None, call)
            .await
            .map(|(answer, _)| answer)
    }

    /// [`Engine::route`], telling which account answered. With `held_by` naming a configured
    /// account that may hold the product, only that account is asked: a product seen on a CMO
    /// account keeps its carrier's kind, and a change must not go to the carrier's own account
    /// first (which may accept the request and reject it later, or worse, hold another SIM).
    async fn route_in<T, F, Fut>(
        &self,
        id: &ProductId,
        held_by: Option<&str>,
        call: F,
    ) -> BackendResult<(T, String)>
    where
        F: Fn(Arc<dyn Backend>, BusinessId) -> Fut,
        Fut: Future<Output = BackendResult<T>>,
    {
        let business = id.business();
        let mut holders = self.holders(id.kind)?;
        if let Some(name) = held_by
            && holders.iter().any(|b| b.account().name == name)
        {
            holders.retain(|b| b.account().name == name);
        }
        let mut last = None;
        for backend in &holders {
            match self
                .timed(backend.as_ref(), call(backend.clone(), business.clone()))
                .await
            {
                Err(e @ BackendError::NotFound { .. }) => last = Some(e),
                other => return other.map(|answer| (answer, backend.account().name.clone())),
            }
        }
        // Asked more than one account: the answer names them all, not just the last.
        match last {
            Some(e) if holders.len() == 1 => Err(e),
            _ => Err(BackendError::NotFound {
                backend: holders
                    .iter()
                    .map(|b| b.account().name.clone())
                    .collect::<Vec<_>>()
                    .join(" or "),
                what: format!("product {id}"),
            }),
        }
    }

    pub async fn product(&self, id: &ProductId) -> BackendResult<Product> {
        self.route(id, |b, bid| async move { b.product(&bid).await })
            .await
    }

    pub async fn sim_card(&self, id: &ProductId) -> BackendResult<SimCard> {
        self.route(id, |b, bid| async move { b.sim_card(&bid).await })
            .await
    }

    pub async fn terminal(&self, id: &ProductId) -> BackendResult<Terminal> {
        self.route(id, |b, bid| async move { b.terminal(&bid).await })
            .await
    }

    pub async fn data_connectivity(&self, id: &ProductId) -> BackendResult<DataConnectivity> {
        self.route(id, |b, bid| async move { b.data_connectivity(&bid).await })
            .await
    }

    pub async fn usage(&self, id: &ProductId) -> BackendResult<Usage> {
        self.route(id, |b, bid| async move { b.usage(&bid).await })
            .await
    }

    /// The bundle and the session state together ([`Backend::product_with_session`]): the
    /// console's detail, each sub-resource read once.
    pub async fn product_with_session(
        &self,
        id: &ProductId,
    ) -> BackendResult<crate::backends::ProductRead> {
        self.route(
            id,
            |b, bid| async move { b.product_with_session(&bid).await },
        )
        .await
    }

    /// The network session / attach state; `None`: the platform offers none.
    pub async fn session_state(
        &self,
        id: &ProductId,
    ) -> BackendResult<Option<crate::domain::SessionState>> {
        self.route(id, |b, bid| async move { b.session_state(&bid).await })
            .await
    }

    /// Products by business id across every backend; ids found nowhere come back with the
    /// error of the last backend that said so.
    pub async fn find(
        &self,
        ids: &[BusinessId],
    ) -> (Vec<Product>, Vec<(BusinessId, BackendError)>) {
        let calls = self.backends.iter().map(|b| self.find_on(b.as_ref(), ids));
        let results = futures::future::join_all(calls).await;
        let mut found: Vec<Product> = Vec::new();
        let mut errors: Vec<(BusinessId, BackendError)> = Vec::new();
        for result in results {
            match result {
                Ok(products) => found.extend(products),
                Err(e) => {
                    for id in ids {
                        errors.push((id.clone(), e.clone()));
                    }
                }
            }
        }
        let missing = ids
            .iter()
            .filter(|id| {
                !found
                    .iter()
                    .any(|p| p.summary.id.business_id == id.as_str())
            })
            .map(|id| {
                let err = errors
                    .iter()
                    .rev()
                    .find(|(e_id, _)| e_id == id)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_else(|| BackendError::NotFound {
                        backend: "any configured backend".into(),
                        what: format!("product with business id {id}"),
                    });
                (id.clone(), err)
            })
            .collect();
        (found, missing)
    }

    /// `ids` on one backend. A platform that cannot hold a kind of id (a satellite platform
    /// and an ICCID) refuses it as bad input: then each kind of id is asked on its own, and a
    /// kind it refuses is simply not there — not a failure of the lookup.
    async fn find_on(&self, b: &dyn Backend, ids: &[BusinessId]) -> BackendResult<Vec<Product>> {
        match self.timed(b, b.find(ids)).await {
            Ok((found, _)) => Ok(found),
            Err(BackendError::InvalidInput(_)) => {
                let (iccids, serials): (Vec<_>, Vec<_>) = ids
                    .iter()
                    .cloned()
                    .partition(|id| matches!(id, BusinessId::Iccid(_)));
                let mut found = Vec::new();
                for group in [iccids, serials] {
                    if group.is_empty() || group.len() == ids.len() {
                        continue;
                    }
                    match self.timed(b, b.find(&group)).await {
                        Ok((more, _)) => found.extend(more),
                        Err(BackendError::InvalidInput(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(found)
            }
            Err(e) => Err(e),
        }
    }

    /// Why the support matrix refuses any status change of `id`, decided from the id alone —
    /// a serial names a satellite terminal, an ICCID a SIM — so that a ✖ costs no request,
    /// not even the read of the current status. A CMO account's own products (kind CMO) are
    /// judged by the adapter, which knows their platform.
    pub fn status_change_refusal(id: &ProductId) -> Option<BackendError> {
        if id.kind == BackendKind::Cmo {
            return None;
        }
        let op = match id.business() {
            BusinessId::Serial(_) => Operation::ChangeTerminalStatus,
            BusinessId::Iccid(_) => Operation::ChangeSimStatus,
        };
        (!supports(id.kind, op)).then(|| BackendError::not_supported(id.kind, op))
    }

    /// Change a product's status: reads the current status first (the transition table is keyed
    /// by it), then sends a SIM or terminal change depending on the product's connectivity.
    /// Also tells the status the product was in when read (for the audit journal's `before`);
    /// `from` is `None` when the product could not be read.
    pub(in crate::engine) async fn change_status_from(
        &self,
        id: &ProductId,
        to: Status,
    ) -> StatusChange {
        if let Some(refusal) = Engine::status_change_refusal(id) {
            return StatusChange {
                from: None,
                result: Err(refusal),
                unchanged: false,
            };
        }
        match self.read_status(id).await {
            Ok(seen) => self.change_status_seen(id, seen, to).await,
            Err(e) => StatusChange {
                from: None,
                result: Err(e),
                unchanged: false,
            },
        }
    }

    /// What a change needs to know of a product: its status and kind. A SIM of a platform
    /// that serves its SIM card alone costs that one read; otherwise the whole bundle is read.
    pub async fn read_status(&self, id: &ProductId) -> BackendResult<Seen> {
        let sim = id.kind != BackendKind::Cmo && matches!(id.business(), BusinessId::Iccid(_));
        if sim {
            match self
                .route_in(id, None, |b, bid| async move { b.sim_card(&bid).await })
                .await
            {
                Ok((card, account)) => {
                    return Ok(Seen {
                        status: card.status.status,
                        connectivity: ConnectivityType::Cellular,
                        account: Some(account),
                    });
                }
                Err(BackendError::NotSupported { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let (product, account) = self
            .route_in(id, None, |b, bid| async move { b.product(&bid).await })
            .await?;
        Ok(Seen {
            status: product.summary.status.status,
            connectivity: product.summary.connectivity,
            account: Some(account),
        })
    }

    /// Change a product's status from the status the operator saw (the console's row), with
    /// no read first: one carrier request. A stale `seen` is the carrier's (or the transition
    /// table's) refusal, which is what the operator needs to hear anyway.
    pub(in crate::engine) async fn change_status_seen(
        &self,
        id: &ProductId,
        seen: Seen,
        to: Status,
    ) -> StatusChange {
        if let Some(refusal) = Engine::status_change_refusal(id) {
            return StatusChange {
                from: None,
                result: Err(refusal),
                unchanged: false,
            };
        }
        let from = seen.status;
        // Already there: no transition to check and nothing to send.
        if from == to {
            return StatusChange {
                from: Some(from),
                result: Ok(ChangeOutcome::Done { status: Some(to) }),
                unchanged: true,
            };
        }
        let satellite = seen.connectivity == ConnectivityType::Satellite;
        let result = self
            .route_in(id, seen.account.as_deref(), move |b, bid| async move {
                if satellite {
                    b.change_terminal_status(&bid, from, to).await
                } else {
                    b.change_sim_status(&bid, from, to).await
                }
            })
            .await
            .map(|(outcome, _)| outcome);
        StatusChange {
            from: Some(from),
            result,
            unchanged: false,
        }
    }

    /// Update characteristics of a product (seed: TMSP only; the guard refuses the rest).
    pub(in crate::engine) async fn update_characteristics(
        &self,
        id: &ProductId,
        changes: &[Characteristic],
    ) -> BackendResult<ChangeOutcome> {
        self.route(id, |b, bid| async move {
            b.update_characteristics(&bid, changes).await
        })
        .await
    }

    fn monitor_owners(&self, monitor_id: &str) -> BackendResult<Vec<Arc<dyn Backend>>> {
        let (kind, _) = Monitor::split_id(monitor_id).ok_or_else(|| {
            BackendError::InvalidInput(format!(
                "monitor id '{monitor_id}' must look like BACKEND-REQUESTID (e.g. TMSP-8949…-1685435484707)"
            ))
        })?;
        self.of_kind(kind)
    }

    pub async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let mut last = None;
        for b in self.monitor_owners(monitor_id)? {
            match self.timed(b.as_ref(), b.monitor(monitor_id)).await {
                Err(e @ BackendError::NotFound { .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| BackendError::NotFound {
            backend: "monitors".into(),
            what: format!("monitor {monitor_id}"),
        }))
    }

    pub(in crate::engine) async fn cancel_monitor(
        &self,
        monitor_id: &str,
    ) -> BackendResult<Monitor> {
        let mut last = None;
        for b in self.monitor_owners(monitor_id)? {
            match self.timed(b.as_ref(), b.cancel_monitor(monitor_id)).await {
                Err(e @ BackendError::NotFound { .. }) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| BackendError::NotFound {
            backend: "monitors".into(),
            what: format!("monitor {monitor_id}"),
        }))
    }
}
