//! The adapter layer: `trait Backend` (every operation of the seed, normalized types in and out),
//! the capability guard that refuses ✖ operations before any request, the shared HTTP policy, and
//! one module per platform kind.

pub mod aeris;
pub mod airlinq;
pub mod cellular;
pub mod cmo;
pub mod control_center;
pub mod error;
pub mod galaxy1;
pub mod guard;
pub mod http;
pub mod intelsat;
pub mod kit;
pub mod memory;
mod memory_jobs;
pub mod onence;
pub mod registry;
pub mod stc;
pub mod tmsp;
pub mod turkcell;

pub use error::{BackendError, BackendResult};

/// A product bundle read together with its network session state
/// ([`Backend::product_with_session`]).
#[derive(Debug)]
pub struct ProductRead {
    pub product: Product,
    pub session: BackendResult<Option<SessionState>>,
}
pub use guard::Guarded;

use crate::domain::{
    BackendKind, BusinessId, Characteristic, CustomAttribute, DataConnectivity, Monitor, Operation,
    Product, ProductSummary, SessionState, SimCard, Status, Terminal, Usage,
};
use async_trait::async_trait;

/// The native value to send to `kind` for a change `from → to`: the mapping table's first native
/// value for `to`. A target the platform has no word for is a refused transition (exit code 3),
/// decided before any request.
pub fn native_target(kind: BackendKind, from: Status, to: Status) -> BackendResult<&'static str> {
    crate::domain::mapping::native_for(kind, to).ok_or(BackendError::TransitionNotAllowed {
        kind,
        from,
        to,
    })
}

/// The configured platform account an adapter talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The configured backend name (shown as `relatedParty.name`).
    pub name: String,
    pub kind: BackendKind,
    /// The account id on the carrier platform (`relatedParty.id`).
    pub account_id: String,
}

/// One page request. `cursor` is opaque to callers: `None` asks for the first page, and each
/// page's `next` is passed back to get the following one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    /// Wanted page size; adapters clamp it to what the carrier allows.
    pub page_size: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    /// The carrier's total count, when it tells.
    pub total: Option<u64>,
}

/// The result of a status or characteristics change: done at once (sync platforms), or
/// accepted and tracked by a monitor (async platforms).
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOutcome {
    Done { status: Option<Status> },
    Pending(Monitor),
}

/// What a platform's bulk status call takes (docs/backends/*.md, "Bulk status change"): the
/// most products one request may carry (the carrier's maximum, or a smaller configured
/// `bulk_max_items`), and how long the engine re-reads the products of an accepted list, which
/// carries no request id, before it calls one "not applied" (`bulk_settle_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkLimits {
    pub max_items: usize,
    pub settle: std::time::Duration,
}

/// One product of a bulk status change and the status it was read in.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkChange {
    pub id: BusinessId,
    pub from: Status,
}

/// Every operation of the seed. Methods a platform does not offer keep the default, which
/// refuses with [`BackendError::NotSupported`]; [`Guarded`] refuses ✖ cells before they get here.
/// Batches run in the engine within one account: one request per chunk where the platform has a
/// bulk status call ([`Backend::bulk_status`]), else rate-limited single changes.
/// Custom attributes normally live in the local store (seed); a backend whose platform stores
/// them itself (the CMO API) says so with [`Backend::remote_attrs`] and implements `attrs_*`.
#[async_trait]
pub trait Backend: Send + Sync {
    fn account(&self) -> &Account;

    fn kind(&self) -> BackendKind {
        self.account().kind
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>>;

    /// The full bundle for a business id (ICCID or serial).
    async fn product(&self, id: &BusinessId) -> BackendResult<Product>;

    /// Products by business id; ids not found come back in the second list with their error.
    async fn find(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<(Vec<Product>, Vec<(BusinessId, BackendError)>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match self.product(id).await {
                Ok(p) => found.push(p),
                Err(e @ BackendError::NotFound { .. }) => missing.push((id.clone(), e)),
                Err(e) => return Err(e),
            }
        }
        Ok((found, missing))
    }

    async fn sim_card(&self, _id: &BusinessId) -> BackendResult<SimCard> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::SimCardDetails,
        ))
    }

    async fn terminal(&self, _id: &BusinessId) -> BackendResult<Terminal> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::TerminalDetails,
        ))
    }

    async fn data_connectivity(&self, _id: &BusinessId) -> BackendResult<DataConnectivity> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::DataConnectivityDetails,
        ))
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage>;

    /// Quotas or plan allowances the platform reports for the product through calls of their
    /// own (1NCE's `/quota/*`), for a product read whose bundle did not fetch them. `None`:
    /// not offered by this platform (its usage read carries whatever allowance it has).
    async fn allowances(
        &self,
        _id: &BusinessId,
    ) -> BackendResult<Option<Vec<crate::domain::quota::Allowance>>> {
        Ok(None)
    }

    /// The network session / attach state (never the lifecycle status), one carrier call.
    /// `Ok(None)`: the platform offers no session data ("no session data on STC"), which is
    /// the default; adapters that can read one override it (docs/backends/).
    async fn session_state(&self, _id: &BusinessId) -> BackendResult<Option<SessionState>> {
        Ok(None)
    }

    /// The bundle and the session state, as the console's detail wants them. By default the
    /// two reads run side by side; a platform whose bundle already reads what the session
    /// state comes from (1NCE `/status`, Intelsat's terminal) answers both from that one read,
    /// so opening a product reads each sub-resource once. The session's own failure does not
    /// fail the bundle.
    async fn product_with_session(&self, id: &BusinessId) -> BackendResult<ProductRead> {
        let (product, session) = tokio::join!(self.product(id), self.session_state(id));
        Ok(ProductRead {
            product: product?,
            session,
        })
    }

    /// Move a SIM from `from` (its current status, as last read) to `to`.
    async fn change_sim_status(
        &self,
        _id: &BusinessId,
        _from: Status,
        _to: Status,
    ) -> BackendResult<ChangeOutcome> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::ChangeSimStatus,
        ))
    }

    /// Whether the platform changes the status of a list of SIMs in one request, and its limits.
    fn bulk_status(&self) -> Option<BulkLimits> {
        None
    }

    /// Send one bulk request moving every SIM of `changes` (at most
    /// [`BulkLimits::max_items`]) to `to`. `Ok` means the carrier accepted the list; whether
    /// each SIM changed is seen only by reading it again ([`Backend::sim_statuses`]).
    async fn change_sim_status_bulk(
        &self,
        _changes: &[BulkChange],
        _to: Status,
    ) -> BackendResult<()> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::ChangeSimStatus,
        ))
    }

    /// The current status of each SIM, in the cheapest way the platform allows (a list page
    /// covers many SIMs); the default reads each SIM card. One answer per id, in any order.
    async fn sim_statuses(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<Vec<(BusinessId, BackendResult<Status>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let status = self.sim_card(id).await.map(|c| c.status.status);
            out.push((id.clone(), status));
        }
        Ok(out)
    }

    /// The carrier's own reason why each of `ids` (products of this account's recent bulk
    /// requests that the re-reads found unchanged) was not applied, where its bulk call
    /// reports per-product failures (Aeris's request failure infos). Ids without a known
    /// reason are left out; the default knows none (1NCE's list has no request id).
    async fn bulk_failure_reasons(
        &self,
        _ids: &[BusinessId],
    ) -> std::collections::HashMap<BusinessId, String> {
        std::collections::HashMap::new()
    }

    async fn change_terminal_status(
        &self,
        _id: &BusinessId,
        _from: Status,
        _to: Status,
    ) -> BackendResult<ChangeOutcome> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::ChangeTerminalStatus,
        ))
    }

    async fn update_characteristics(
        &self,
        _id: &BusinessId,
        _changes: &[Characteristic],
    ) -> BackendResult<ChangeOutcome> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::UpdateCharacteristics,
        ))
    }

    /// Poll a monitor by the id this backend issued.
    async fn monitor(&self, _monitor_id: &str) -> BackendResult<Monitor> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::MonitorStatus,
        ))
    }

    async fn cancel_monitor(&self, _monitor_id: &str) -> BackendResult<Monitor> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::MonitorCancel,
        ))
    }

    /// Whether this backend stores custom attributes itself (then `attrs_*` are the truth and
    /// the local store is not used for its products).
    fn remote_attrs(&self) -> bool {
        false
    }

    /// The product's custom attributes, as stored by the backend.
    async fn attrs_list(&self, _id: &BusinessId) -> BackendResult<Vec<CustomAttribute>> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::CustomAttributesRetrieve,
        ))
    }

    /// Create or replace one attribute; returns the product's attributes afterwards.
    async fn attrs_set(
        &self,
        _id: &BusinessId,
        _attr: &CustomAttribute,
    ) -> BackendResult<Vec<CustomAttribute>> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::CustomAttributesCreate,
        ))
    }

    /// Rename one attribute, keeping its value; returns the product's attributes afterwards.
    async fn attrs_rename(
        &self,
        _id: &BusinessId,
        _old: &str,
        _new: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::CustomAttributesUpdate,
        ))
    }

    /// Delete one attribute; returns the product's attributes afterwards.
    async fn attrs_delete(
        &self,
        _id: &BusinessId,
        _name: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        Err(BackendError::not_supported(
            self.kind(),
            Operation::CustomAttributesDelete,
        ))
    }
}
