//! `Guarded`: wraps any adapter and refuses, without a network call, every operation the seed's
//! table marks ✖ and every status transition it does not list. One gate for all adapters.

use super::{
    Account, Backend, BackendError, BackendResult, BulkChange, BulkLimits, ChangeOutcome, Page,
    PageRequest,
};
use crate::domain::capabilities::{self, supports};
use crate::domain::{
    BackendKind, BusinessId, Characteristic, CustomAttribute, DataConnectivity, Monitor, Operation,
    Product, ProductSummary, SessionState, SimCard, Status, Terminal, Usage,
};
use async_trait::async_trait;
use std::sync::Arc;

pub struct Guarded {
    inner: Arc<dyn Backend>,
}

impl Guarded {
    pub fn new(inner: Arc<dyn Backend>) -> Self {
        Self { inner }
    }

    fn check(&self, op: Operation) -> BackendResult<()> {
        let kind = self.inner.kind();
        if supports(kind, op) {
            Ok(())
        } else {
            Err(BackendError::not_supported(kind, op))
        }
    }
}

#[async_trait]
impl Backend for Guarded {
    fn account(&self) -> &Account {
        self.inner.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        self.check(Operation::ListProducts)?;
        self.inner.list_products(page).await
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        self.check(Operation::ProductDetails)?;
        self.inner.product(id).await
    }

    async fn product_with_session(
        &self,
        id: &BusinessId,
    ) -> BackendResult<crate::backends::ProductRead> {
        self.check(Operation::ProductDetails)?;
        self.inner.product_with_session(id).await
    }

    async fn find(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<(Vec<Product>, Vec<(BusinessId, BackendError)>)> {
        self.check(Operation::ProductsByBusinessId)?;
        self.inner.find(ids).await
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        self.check(Operation::SimCardDetails)?;
        self.inner.sim_card(id).await
    }

    async fn terminal(&self, id: &BusinessId) -> BackendResult<Terminal> {
        self.check(Operation::TerminalDetails)?;
        self.inner.terminal(id).await
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        self.check(Operation::DataConnectivityDetails)?;
        self.inner.data_connectivity(id).await
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.check(Operation::Usage)?;
        self.inner.usage(id).await
    }

    async fn allowances(
        &self,
        id: &BusinessId,
    ) -> BackendResult<Option<Vec<crate::domain::quota::Allowance>>> {
        // Part of reading usage: allowed wherever usage is.
        self.check(Operation::Usage)?;
        self.inner.allowances(id).await
    }

    /// A read the seed's table has no row for: every platform may answer it (or say it has
    /// none), so it is not refused here.
    async fn session_state(&self, id: &BusinessId) -> BackendResult<Option<SessionState>> {
        self.inner.session_state(id).await
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        self.check(Operation::ChangeSimStatus)?;
        let kind = self.inner.kind();
        // A CMO account's products live on several platforms: its adapter applies the rules of
        // each product's own platform (SYSTEM) before sending anything.
        if kind != BackendKind::Cmo && !capabilities::sim_change_allowed(kind, from, to) {
            return Err(BackendError::TransitionNotAllowed { kind, from, to });
        }
        self.inner.change_sim_status(id, from, to).await
    }

    fn bulk_status(&self) -> Option<BulkLimits> {
        self.check(Operation::ChangeSimStatus).ok()?;
        self.inner.bulk_status()
    }

    /// The whole list is refused when one transition is not in the seed's table: the engine
    /// sends only allowed ones, so a refusal here is a bug upstream, never a partial send.
    async fn change_sim_status_bulk(
        &self,
        changes: &[BulkChange],
        to: Status,
    ) -> BackendResult<()> {
        self.check(Operation::ChangeSimStatus)?;
        let kind = self.inner.kind();
        if kind != BackendKind::Cmo
            && let Some(c) = changes
                .iter()
                .find(|c| !capabilities::sim_change_allowed(kind, c.from, to))
        {
            return Err(BackendError::TransitionNotAllowed {
                kind,
                from: c.from,
                to,
            });
        }
        self.inner.change_sim_status_bulk(changes, to).await
    }

    async fn sim_statuses(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<Vec<(BusinessId, BackendResult<Status>)>> {
        self.check(Operation::SimCardDetails)?;
        self.inner.sim_statuses(ids).await
    }

    async fn bulk_failure_reasons(
        &self,
        ids: &[BusinessId],
    ) -> std::collections::HashMap<BusinessId, String> {
        // Reads the carrier's requests: the same capability as the status re-reads.
        if self.check(Operation::SimCardDetails).is_err() {
            return std::collections::HashMap::new();
        }
        self.inner.bulk_failure_reasons(ids).await
    }

    async fn change_terminal_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        self.check(Operation::ChangeTerminalStatus)?;
        let kind = self.inner.kind();
        if kind != BackendKind::Cmo && !capabilities::terminal_change_allowed(kind, from, to) {
            return Err(BackendError::TransitionNotAllowed { kind, from, to });
        }
        self.inner.change_terminal_status(id, from, to).await
    }

    async fn update_characteristics(
        &self,
        id: &BusinessId,
        changes: &[Characteristic],
    ) -> BackendResult<ChangeOutcome> {
        self.check(Operation::UpdateCharacteristics)?;
        self.inner.update_characteristics(id, changes).await
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        self.check(Operation::MonitorStatus)?;
        self.inner.monitor(monitor_id).await
    }

    async fn cancel_monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        self.check(Operation::MonitorCancel)?;
        self.inner.cancel_monitor(monitor_id).await
    }

    fn remote_attrs(&self) -> bool {
        self.inner.remote_attrs()
    }

    async fn attrs_list(&self, id: &BusinessId) -> BackendResult<Vec<CustomAttribute>> {
        self.check(Operation::CustomAttributesRetrieve)?;
        self.inner.attrs_list(id).await
    }

    async fn attrs_set(
        &self,
        id: &BusinessId,
        attr: &CustomAttribute,
    ) -> BackendResult<Vec<CustomAttribute>> {
        self.check(Operation::CustomAttributesCreate)?;
        self.inner.attrs_set(id, attr).await
    }

    async fn attrs_rename(
        &self,
        id: &BusinessId,
        old: &str,
        new: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        self.check(Operation::CustomAttributesUpdate)?;
        self.inner.attrs_rename(id, old, new).await
    }

    async fn attrs_delete(
        &self,
        id: &BusinessId,
        name: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        self.check(Operation::CustomAttributesDelete)?;
        self.inner.attrs_delete(id, name).await
    }
}
