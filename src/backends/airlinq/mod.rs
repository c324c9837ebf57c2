//! The AIRLINQ adapter (Jio's CMO Management Platform; wire API PROVISIONAL,
//! `docs/backends/airlinq.md`): an enterprise API key in `X-API-Key`; offset/limit paging
//! (the cursor is the next offset); SIM, connectivity and cycle usage reads; ACTIVE ↔ SUSPENDED
//! as asynchronous state-change transactions tracked by monitors `AIRLINQ-TXN…`.

mod wire;

use super::cellular::{self, OrderState};
use super::http::{ApiKey, HttpPolicy, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Monitor, Product, ProductSummary, SimCard, Status,
    Usage,
};
use async_trait::async_trait;
use reqwest::header::HeaderName;
use std::sync::Arc;
use wire::{WireSim, WireSimPage, WireTransaction, WireUsage};

/// The platform serves at most 500 SIMs per call.
pub const MAX_PAGE_SIZE: u32 = 500;

pub struct Airlinq {
    policy: HttpPolicy,
    /// `{base_url}/enterprises/{enterpriseId}`.
    base: String,
}

impl Airlinq {
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Airlinq> {
        let base = format!(
            "{}/enterprises/{}",
            config.base_url.as_str().trim_end_matches('/'),
            config.account_id
        );
        let auth = ApiKey::new(
            HeaderName::from_static("x-api-key"),
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Airlinq, Box::new(auth), health)?;
        Ok(Airlinq { policy, base })
    }

    async fn sim(&self, iccid: &str) -> BackendResult<WireSim> {
        let url = format!("{}/sims/{iccid}", self.base);
        self.policy
            .send_json("a SIM object", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))
    }

    async fn cycle_usage(&self, iccid: &str) -> BackendResult<Usage> {
        let url = format!("{}/sims/{iccid}/usage", self.base);
        let wire: WireUsage = self
            .policy
            .send_json("a usage object with data bytes", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))?;
        Ok(cellular::cellular_usage(&[wire.sample()]))
    }

    fn monitor_of(&self, t: &WireTransaction, request: String) -> BackendResult<Monitor> {
        let state = t.state().ok_or_else(|| BackendError::Malformed {
            backend: self.account().name.clone(),
            detail: format!(
                "unknown transaction status '{}'",
                crate::text::sanitize(&t.status)
            ),
        })?;
        Ok(cellular::monitor(
            self.account(),
            OrderState {
                native_id: t.transaction_id.clone(),
                iccid: t.iccid.clone(),
                state,
                request,
                detail: t.failure_reason.clone(),
                created: t.submitted_on.clone(),
            },
        ))
    }
}

fn offset_of(cursor: Option<&str>) -> BackendResult<u64> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .parse()
            .map_err(|_| BackendError::InvalidInput(format!("'{c}' is not an AIRLINQ cursor"))),
    }
}

#[async_trait]
impl Backend for Airlinq {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let offset = offset_of(page.cursor.as_deref())?;
        let limit = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/sims", self.base);
        let got: WireSimPage = self
            .policy
            .send_json("a page of SIMs", |c| {
                c.get(&url)
                    .query(&[("offset", offset), ("limit", u64::from(limit))])
            })
            .await?;
        let reached = offset + got.sims.len() as u64;
        let next = (!got.sims.is_empty() && reached < got.total_count).then(|| reached.to_string());
        Ok(Page {
            items: got
                .sims
                .iter()
                .map(|s| cellular::summary(self.account(), &s.sim_card()))
                .collect(),
            next,
            total: Some(got.total_count),
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let iccid = cellular::iccid(self.account(), id)?;
        let (sim, usage) = tokio::try_join!(self.sim(iccid), self.cycle_usage(iccid))?;
        Ok(cellular::product(
            self.account(),
            sim.sim_card(),
            sim.data_connectivity(),
            usage,
            sim.activation_date.clone(),
        ))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let iccid = cellular::iccid(self.account(), id)?;
        Ok(self.sim(iccid).await?.sim_card())
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let iccid = cellular::iccid(self.account(), id)?;
        Ok(self.sim(iccid).await?.data_connectivity())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.cycle_usage(cellular::iccid(self.account(), id)?).await
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let iccid = cellular::iccid(self.account(), id)?;
        let target = super::native_target(BackendKind::Airlinq, from, to)?;
        let url = format!("{}/sims/{iccid}/state-change", self.base);
        let body = serde_json::json!({"targetState": target});
        // Creates a transaction: not repeated once it may have reached the platform.
        let reply = self
            .policy
            .send(Repeat::Once, |c| c.post(&url).json(&body))
            .await
            .map_err(cellular::name_sim(iccid))?;
        let txn: WireTransaction = self.policy.decode(&reply, "a transaction")?;
        let monitor = self.monitor_of(&txn, format!("status {from} → {to}"))?;
        let monitor = Monitor {
            product_id: Some(crate::domain::ProductId::new(BackendKind::Airlinq, iccid)),
            ..monitor
        };
        tracing::info!(backend = %self.account().name, monitor = %monitor.id, "AIRLINQ state change submitted");
        Ok(ChangeOutcome::Pending(monitor))
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let native = cellular::native_monitor_id(self.account(), monitor_id)?;
        let url = format!("{}/transactions/{native}", self.base);
        let txn: WireTransaction = self
            .policy
            .send_json("a transaction", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("monitor {monitor_id}")))?;
        self.monitor_of(&txn, txn.describe())
    }
}
