//! The 1NCE Management API adapter (docs/backends/1nce.md): Basic → `/oauth/token` bearer
//! tokens; `GET /v1/sims` pages (≤ 100, paging in `X-Total-Pages`/`X-Total-Count` headers, the
//! cursor is the page number); detail, `/status` (data connectivity) and `/usage` (daily MB for
//! the current month → one global bucket); ACTIVE ↔ SUSPENDED via `PUT /v1/sims/{iccid}` with
//! `Enabled`/`Disabled`, which is synchronous for us: we re-read the SIM and report its status.
//! Everything else keeps the trait's refusal. The shared policy keeps `/sims` at 10 req/s.

mod session;
mod wire;

use super::health::HealthBoard;
use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::mapping::{native_for, normalize};
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Product, ProductSummary, SessionState, SimCard,
    Status, Usage, UsageSample,
};
use async_trait::async_trait;
use chrono::Datelike;
use std::sync::Arc;
use wire::{WireConnectivity, WireSim, WireUsage};

/// 1NCE allows `pageSize` 1–100; we ask for the most to need the fewest requests.
const MAX_PAGE_SIZE: u32 = 100;

pub struct OneNce {
    policy: HttpPolicy,
    base: String,
}

impl OneNce {
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<OneNce> {
        let base = kit::base(config);
        let token_url = kit::token_url(config, &base, "/oauth/token")?;
        let auth = OAuthToken::new(
            Grant::BasicJsonClientCredentials,
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::OneNce, Box::new(auth), health)?;
        Ok(OneNce { policy, base })
    }

    fn name(&self) -> &str {
        &self.policy.account().name
    }

    /// The ICCID to put in the path; 1NCE has no satellite products.
    fn iccid<'a>(&self, id: &'a BusinessId) -> BackendResult<&'a str> {
        kit::iccid(self.account(), id)
    }

    async fn sim(&self, iccid: &str) -> BackendResult<WireSim> {
        let url = format!("{}/v1/sims/{iccid}", self.base);
        self.policy
            .send_json("a SIM object", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))
    }

    async fn connectivity(&self, iccid: &str) -> BackendResult<WireConnectivity> {
        let url = format!("{}/v1/sims/{iccid}/status", self.base);
        self.policy
            .send_json("a SIM connectivity status object", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))
    }

    /// Daily usage from the first of the current month (UTC) to today.
    async fn month_usage(&self, iccid: &str) -> BackendResult<Usage> {
        let today = chrono::Utc::now().date_naive();
        let first = today.with_day(1).unwrap_or(today);
        let url = format!("{}/v1/sims/{iccid}/usage", self.base);
        let (start, end) = (
            first.format("%Y-%m-%d").to_string(),
            today.format("%Y-%m-%d").to_string(),
        );
        let wire: WireUsage = self
            .policy
            .send_json("a usage object with stats", |c| {
                c.get(&url).query(&[("start_dt", &start), ("end_dt", &end)])
            })
            .await
            .map_err(kit::name_sim(iccid))?;
        let mut samples = wire.samples().map_err(|detail| BackendError::Malformed {
            backend: self.name().to_string(),
            detail,
        })?;
        if !samples.iter().any(|s| s.usage_type == UsageType::Data) {
            // No traffic this month is still a reading: zero MB for the period asked.
            samples.push(UsageSample {
                usage_type: UsageType::Data,
                amount: 0.0,
                units: Unit::Mb,
                period_start: Some(format!("{start}T00:00:00Z")),
                period_end: Some(format!("{end}T23:59:59Z")),
            });
        }
        Ok(Usage::from_samples(&samples, &[]))
    }
}

#[async_trait]
impl Backend for OneNce {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let number = kit::page_number(self.account(), page.cursor.as_deref(), 1)?;
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/v1/sims", self.base);
        let reply = self
            .policy
            .send(Repeat::Idempotent, |c| {
                c.get(&url).query(&[("page", number), ("pageSize", size)])
            })
            .await?;
        let sims: Vec<WireSim> = self.policy.decode(&reply, "a JSON array of SIM objects")?;
        let total_pages = reply.header_u64("x-total-pages");
        let more = match total_pages {
            Some(pages) => u64::from(number) < pages,
            // Without the header, a full page suggests there may be another.
            None => sims.len() == size as usize,
        };
        let items = sims.iter().map(|s| s.summary(self.account())).collect();
        Ok(Page {
            items,
            next: more.then(|| (number + 1).to_string()),
            total: reply.header_u64("x-total-count"),
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let iccid = self.iccid(id)?;
        let (sim, conn, usage) = tokio::try_join!(
            self.sim(iccid),
            self.connectivity(iccid),
            self.month_usage(iccid)
        )?;
        Ok(Product {
            summary: sim.summary(self.account()),
            product_offering: None,
            start_date: sim.activation_date.clone(),
            characteristics: Vec::new(),
            data_connectivity: Some(conn.data_connectivity(&sim)),
            sim_card: Some(sim.sim_card()),
            terminal: None,
            usage: Some(usage),
            custom: Vec::new(),
        })
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        Ok(self.sim(self.iccid(id)?).await?.sim_card())
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let iccid = self.iccid(id)?;
        let (sim, conn) = tokio::try_join!(self.sim(iccid), self.connectivity(iccid))?;
        Ok(conn.data_connectivity(&sim))
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.month_usage(self.iccid(id)?).await
    }

    async fn session_state(&self, id: &BusinessId) -> BackendResult<Option<SessionState>> {
        Ok(Some(self.session(self.iccid(id)?).await?))
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let iccid = self.iccid(id)?;
        let native = native_for(BackendKind::OneNce, to)
            .filter(|n| normalize(BackendKind::OneNce, n).status == to)
            .ok_or(BackendError::TransitionNotAllowed {
                kind: BackendKind::OneNce,
                from,
                to,
            })?;
        let url = format!("{}/v1/sims/{iccid}", self.base);
        let body = serde_json::json!({"iccid": iccid, "status": native});
        // Setting a status is idempotent, so the full retry policy applies.
        self.policy
            .send(Repeat::Idempotent, |c| c.put(&url).json(&body))
            .await
            .map_err(kit::name_sim(iccid))?;
        tracing::info!(backend = self.name(), iccid, %from, %to, native, "1NCE status change accepted");
        // The PUT answers without a body; whoever shows the SIM re-reads it (the console
        // refreshes the row), so no read is spent here.
        Ok(ChangeOutcome::Done { status: None })
    }
}
