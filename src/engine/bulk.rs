//! Batches through a carrier's bulk status call (issue 16; docs/performance.md, "Bulk
//! batches"): which account can take the batch as lists ([`Engine::bulk_route`]), sending one
//! list, and re-reading the products of accepted lists — which carry no request id — until each
//! shows the target status or the account's settle timeout passes ([`Engine::settle_bulk`]).
//! The re-reads go through the adapter's cheapest status read (1NCE: list pages) and the
//! account's pace, starting soon and backing off, so a slow queue costs few requests.
//! The lookup of a batch uses the same reads ([`Engine::bulk_lookup`]).

use super::{BatchLookup, Engine, Seen};
use crate::backends::{Backend, BackendError, BackendResult, BulkChange, BulkLimits};
use crate::domain::{BusinessId, ConnectivityType, ProductId, Status};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The first re-read after the lists were accepted, then doubled up to [`LAST_REREAD_GAP`].
pub const FIRST_REREAD: Duration = Duration::from_millis(500);
pub const LAST_REREAD_GAP: Duration = Duration::from_secs(5);

/// The account that takes a batch as lists, and its limits.
#[derive(Clone)]
pub struct BulkRoute {
    // Only the engine sends on it: a raw adapter outside the engine would bypass the gate.
    pub(in crate::engine) backend: Arc<dyn Backend>,
    pub limits: BulkLimits,
}

/// How one product of an accepted list ended, as the re-reads saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// A read showed the target status.
    Done,
    /// Still this status when the settle timeout passed.
    NotApplied(Status),
    /// Never read successfully (the reason of the last failure).
    Unknown(String),
}

/// What the re-reads found, and whether a stop cut them short.
#[derive(Debug, Default)]
pub struct Settlement {
    pub settled: HashMap<ProductId, Settled>,
    /// Products still unsettled when the stop arrived (not in `settled`).
    pub stopped: Vec<ProductId>,
    /// Status reads sent (each may cover many products).
    pub reads: usize,
}

impl Engine {
    /// The bulk route of a looked-up batch: its account's backend has a bulk status call and
    /// every product is a SIM. `None`: the batch runs one request per product.
    pub fn bulk_route(&self, lookup: &BatchLookup) -> Option<BulkRoute> {
        if lookup
            .seen
            .values()
            .any(|s| s.connectivity != ConnectivityType::Cellular)
        {
            return None;
        }
        let backend = self
            .backends
            .iter()
            .find(|b| b.account().name == lookup.account)?
            .clone();
        let limits = backend.bulk_status()?;
        (limits.max_items > 0).then_some(BulkRoute { backend, limits })
    }

    /// Send one list; `Ok` means the carrier accepted it.
    pub(in crate::engine) async fn send_bulk(
        &self,
        route: &BulkRoute,
        changes: &[BulkChange],
        to: Status,
    ) -> BackendResult<()> {
        let backend = route.backend.as_ref();
        self.timed(backend, backend.change_sim_status_bulk(changes, to))
            .await
    }

    /// The carrier's reasons for products of the route's bulk requests that were not applied
    /// (reads only; empty where the platform reports none).
    pub(in crate::engine) async fn bulk_reasons(
        &self,
        route: &BulkRoute,
        ids: &[BusinessId],
    ) -> HashMap<BusinessId, String> {
        route.backend.bulk_failure_reasons(ids).await
    }

    /// Re-read `ids` until each shows `to` or the route's settle timeout passes; a stop ends
    /// the reads at once (reads change nothing, so they need no grace).
    pub(in crate::engine) async fn settle_bulk(
        &self,
        route: &BulkRoute,
        ids: &[ProductId],
        to: Status,
        stop: &CancellationToken,
    ) -> Settlement {
        let backend = route.backend.as_ref();
        let deadline = Instant::now() + route.limits.settle;
        let by_business: HashMap<String, ProductId> = ids
            .iter()
            .map(|id| (id.business_id.clone(), id.clone()))
            .collect();
        let mut pending: Vec<ProductId> = ids.to_vec();
        let mut last: HashMap<ProductId, Result<Status, String>> = HashMap::new();
        let mut out = Settlement::default();
        let mut gap = FIRST_REREAD;
        loop {
            let nap = gap.min(deadline.saturating_duration_since(Instant::now()));
            tokio::select! {
                _ = tokio::time::sleep(nap) => {}
                _ = stop.cancelled() => {
                    out.stopped = pending;
                    return out;
                }
            }
            let business: Vec<BusinessId> = pending.iter().map(ProductId::business).collect();
            out.reads += 1;
            match self.timed(backend, backend.sim_statuses(&business)).await {
                Ok(reads) => {
                    for (id, read) in reads {
                        let Some(product) = by_business.get(id.as_str()) else {
                            continue;
                        };
                        match read {
                            Ok(status) if status == to => {
                                out.settled.insert(product.clone(), Settled::Done);
                            }
                            Ok(status) => {
                                last.insert(product.clone(), Ok(status));
                            }
                            Err(e) => {
                                last.insert(product.clone(), Err(e.to_string()));
                            }
                        }
                    }
                }
                Err(e) => {
                    for product in &pending {
                        last.insert(product.clone(), Err(e.to_string()));
                    }
                }
            }
            pending.retain(|p| !out.settled.contains_key(p));
            if pending.is_empty() || Instant::now() >= deadline {
                break;
            }
            gap = (gap * 2).min(LAST_REREAD_GAP);
        }
        for product in pending {
            let settled = match last.remove(&product) {
                Some(Ok(status)) => Settled::NotApplied(status),
                Some(Err(why)) => Settled::Unknown(why),
                None => Settled::Unknown("the carrier's answer did not list it".into()),
            };
            out.settled.insert(product, settled);
        }
        out
    }

    /// A batch's lookup through the one account of its kind that has a bulk call: its
    /// cheapest status reads name the account and each SIM's status. Products it does not
    /// find (or any failure) are left to the per-product lookup, which reports them.
    pub(crate) async fn bulk_lookup(
        &self,
        ids: &[ProductId],
    ) -> HashMap<ProductId, (String, Seen)> {
        let Some(first) = ids.first() else {
            return HashMap::new();
        };
        let all_sims = ids
            .iter()
            .all(|id| matches!(id.business(), BusinessId::Iccid(_)));
        let Ok(accounts) = self.of_kind(first.kind) else {
            return HashMap::new();
        };
        let [backend] = accounts.as_slice() else {
            return HashMap::new();
        };
        if !all_sims || backend.bulk_status().is_none() {
            return HashMap::new();
        }
        let business: Vec<BusinessId> = ids.iter().map(ProductId::business).collect();
        let reads = match self
            .timed(backend.as_ref(), backend.sim_statuses(&business))
            .await
        {
            Ok(reads) => reads,
            Err(e) => {
                tracing::debug!(error = %e, "bulk lookup failed; reading each product");
                return HashMap::new();
            }
        };
        let name = backend.account().name.clone();
        let by_business: HashMap<&str, &ProductId> =
            ids.iter().map(|id| (id.business_id.as_str(), id)).collect();
        reads
            .into_iter()
            .filter_map(|(id, read)| {
                let product = (*by_business.get(id.as_str())?).clone();
                let status = read.ok()?;
                let seen = Seen {
                    status,
                    connectivity: ConnectivityType::Cellular,
                    account: Some(name.clone()),
                };
                Some((product, (name.clone(), seen)))
            })
            .collect()
    }
}

/// Whether a failed bulk request may still have reached the carrier (an unreadable answer, a
/// timeout, a server error): then the re-reads decide each product's outcome.
pub fn may_have_arrived(error: &BackendError) -> bool {
    match error {
        BackendError::Malformed { .. } | BackendError::Timeout { .. } => true,
        BackendError::Http { status, .. } => *status >= 500,
        _ => false,
    }
}
