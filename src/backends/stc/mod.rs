//! The STC adapter (ConnectME; wire API PROVISIONAL, `docs/backends/stc.md`): OAuth2 client
//! credentials with Basic client authentication; 1-based page numbers (the cursor is the next
//! page number); subscription, connectivity and consumption reads; ACTIVE ↔ SUSPENDED as a
//! lifecycle PATCH that the platform turns into an asynchronous order, tracked by monitors
//! `STC-ORD-…`.

mod wire;

use super::cellular::{self, OrderState};
use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Monitor, Product, ProductId, ProductSummary,
    SimCard, Status, Usage,
};
use async_trait::async_trait;
use std::sync::Arc;
use wire::{WireConsumption, WireOrder, WirePage, WireSubscription};

/// ConnectME serves at most 200 subscriptions per page.
pub const MAX_PAGE_SIZE: u32 = 200;

pub struct Stc {
    policy: HttpPolicy,
    /// `{base_url}/accounts/{accountId}`.
    base: String,
}

impl Stc {
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Stc> {
        let root = kit::base(config);
        let token_url = kit::token_url(config, &root, "/oauth2/token")?;
        let auth = OAuthToken::new(
            Grant::ClientCredentialsBasic { scope: None },
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Stc, Box::new(auth), health)?;
        Ok(Stc {
            policy,
            base: format!("{root}/accounts/{}", config.account_id),
        })
    }

    async fn subscription(&self, iccid: &str) -> BackendResult<WireSubscription> {
        let url = format!("{}/subscriptions/{iccid}", self.base);
        self.policy
            .send_json("a subscription object", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))
    }

    async fn consumption(&self, iccid: &str) -> BackendResult<Usage> {
        let url = format!("{}/subscriptions/{iccid}/consumption", self.base);
        let wire: WireConsumption = self
            .policy
            .send_json("a consumption object", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))?;
        let samples = wire.samples().map_err(|detail| BackendError::Malformed {
            backend: self.account().name.clone(),
            detail: crate::text::sanitize(&detail),
        })?;
        Ok(cellular::cellular_usage(&samples))
    }

    fn monitor_of(&self, order: &WireOrder, request: String) -> BackendResult<Monitor> {
        let state = order.state().ok_or_else(|| BackendError::Malformed {
            backend: self.account().name.clone(),
            detail: format!(
                "unknown order status '{}'",
                crate::text::sanitize(&order.order_status)
            ),
        })?;
        Ok(cellular::monitor(
            self.account(),
            OrderState {
                native_id: order.order_id.clone(),
                iccid: order.subscription.as_ref().and_then(|s| s.iccid.clone()),
                state,
                request,
                detail: order.rejection_text(),
                created: order.created_at.clone(),
            },
        ))
    }
}

#[async_trait]
impl Backend for Stc {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let number = u64::from(kit::page_number(self.account(), page.cursor.as_deref(), 1)?);
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/subscriptions", self.base);
        let got: WirePage = self
            .policy
            .send_json("a page of subscriptions", |c| {
                c.get(&url)
                    .query(&[("pageNumber", number), ("pageSize", u64::from(size))])
            })
            .await?;
        let next = (got.pagination.page_number < got.pagination.total_pages
            && !got.data.is_empty())
        .then(|| (got.pagination.page_number + 1).to_string());
        Ok(Page {
            items: got
                .data
                .iter()
                .map(|s| cellular::summary(self.account(), &s.sim_card()))
                .collect(),
            next,
            total: got.pagination.total_records,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let iccid = cellular::iccid(self.account(), id)?;
        let (sub, usage) = tokio::try_join!(self.subscription(iccid), self.consumption(iccid))?;
        Ok(cellular::product(
            self.account(),
            sub.sim_card(),
            sub.data_connectivity(),
            usage,
            sub.activation_date.clone(),
        ))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let iccid = cellular::iccid(self.account(), id)?;
        Ok(self.subscription(iccid).await?.sim_card())
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let iccid = cellular::iccid(self.account(), id)?;
        Ok(self.subscription(iccid).await?.data_connectivity())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.consumption(cellular::iccid(self.account(), id)?).await
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let iccid = cellular::iccid(self.account(), id)?;
        let target = super::native_target(BackendKind::Stc, from, to)?;
        let url = format!("{}/subscriptions/{iccid}", self.base);
        let body = serde_json::json!({"lifecycleStatus": target});
        // The PATCH creates an order: not repeated once it may have reached the platform.
        let reply = self
            .policy
            .send(Repeat::Once, |c| c.patch(&url).json(&body))
            .await
            .map_err(cellular::name_sim(iccid))?;
        let order: WireOrder = self.policy.decode(&reply, "an order")?;
        let monitor = Monitor {
            product_id: Some(ProductId::new(BackendKind::Stc, iccid)),
            ..self.monitor_of(&order, format!("status {from} → {to}"))?
        };
        tracing::info!(backend = %self.account().name, monitor = %monitor.id, "STC lifecycle order acknowledged");
        Ok(ChangeOutcome::Pending(monitor))
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let native = cellular::native_monitor_id(self.account(), monitor_id)?;
        let url = format!("{}/orders/{native}", self.base);
        let order: WireOrder = self
            .policy
            .send_json("an order", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("monitor {monitor_id}")))?;
        self.monitor_of(&order, order.describe())
    }
}
