//! The TURKCELL adapter (wire API PROVISIONAL, `docs/backends/turkcell.md`): a session token
//! from `POST …/session/login`, sent as `X-Session-Token` and renewed after a 401; opaque
//! cursor paging (`after` / `nextCursor`); line, connectivity and usage reads. A line's status
//! is computed from its contract status and five barring flags; status changes keep the trait's
//! refusal (the seed marks them ✖, docs/capabilities.md decision 1), as do monitors.

mod wire;

use super::cellular;
use super::http::{HttpPolicy, SessionLogin};
use super::{Account, Backend, BackendError, BackendResult, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Product, ProductSummary, SimCard, Usage,
};
use async_trait::async_trait;
use reqwest::header::HeaderName;
use std::sync::Arc;
use wire::{WireLine, WireLineReply, WireLinesPage, WireUsageReply};

/// The API serves at most 250 lines per call.
pub const MAX_PAGE_SIZE: u32 = 250;

pub struct Turkcell {
    policy: HttpPolicy,
    base: String,
}

impl Turkcell {
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Turkcell> {
        let base = kit::base(config);
        let login_url = kit::token_url(config, &base, "/session/login")?;
        let auth = SessionLogin::new(
            login_url,
            HeaderName::from_static("x-session-token"),
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Turkcell, Box::new(auth), health)?;
        Ok(Turkcell { policy, base })
    }

    async fn line(&self, iccid: &str) -> BackendResult<WireLine> {
        let url = format!("{}/lines/{iccid}", self.base);
        let reply: WireLineReply = self
            .policy
            .send_json("a line object", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))?;
        Ok(reply.line)
    }

    fn sim_card_of(&self, line: &WireLine) -> BackendResult<SimCard> {
        line.sim_card().map_err(|detail| BackendError::Malformed {
            backend: self.account().name.clone(),
            detail: crate::text::sanitize(&detail),
        })
    }

    async fn period_usage(&self, iccid: &str) -> BackendResult<Usage> {
        let url = format!("{}/lines/{iccid}/usage", self.base);
        let reply: WireUsageReply = self
            .policy
            .send_json("a usage object", |c| c.get(&url))
            .await
            .map_err(cellular::name_sim(iccid))?;
        Ok(cellular::cellular_usage(&[reply.usage.sample()]))
    }
}

#[async_trait]
impl Backend for Turkcell {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let limit = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/lines", self.base);
        let cursor = page.cursor.clone();
        let got: WireLinesPage = self
            .policy
            .send_json("a page of lines", |c| {
                let request = c.get(&url).query(&[("limit", limit)]);
                match &cursor {
                    Some(after) => request.query(&[("after", after)]),
                    None => request,
                }
            })
            .await?;
        let items = got
            .lines
            .iter()
            .map(|l| Ok(cellular::summary(self.account(), &self.sim_card_of(l)?)))
            .collect::<BackendResult<Vec<_>>>()?;
        Ok(Page {
            items,
            next: got.next_cursor.filter(|c| !c.is_empty()),
            total: None,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let iccid = cellular::iccid(self.account(), id)?;
        let (line, usage) = tokio::try_join!(self.line(iccid), self.period_usage(iccid))?;
        Ok(cellular::product(
            self.account(),
            self.sim_card_of(&line)?,
            line.data_connectivity(),
            usage,
            line.activation_date.clone(),
        ))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let iccid = cellular::iccid(self.account(), id)?;
        self.sim_card_of(&self.line(iccid).await?)
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let iccid = cellular::iccid(self.account(), id)?;
        Ok(self.line(iccid).await?.data_connectivity())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.period_usage(cellular::iccid(self.account(), id)?)
            .await
    }
}
