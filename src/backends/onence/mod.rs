//! The 1NCE Management API adapter (docs/backends/1nce.md): Basic → `/oauth/token` bearer
//! tokens; `GET /v1/sims` pages (≤ 100, paging in `X-Total-Pages`/`X-Total-Count` headers, the
//! cursor is the page number); detail, `/status` (data connectivity) and `/usage` (daily MB for
//! the current month → one global bucket); ACTIVE ↔ SUSPENDED via `PUT /v1/sims/{iccid}` with
//! `Enabled`/`Disabled`, which is synchronous for us: we re-read the SIM and report its status.
//! A batch is one bulk `POST /v1/sims` per 100 SIMs (`bulk.rs`). Everything else keeps the
//! trait's refusal. The shared policy keeps `/sims` at 10 req/s.

mod bulk;
mod quota;
mod session;
mod wire;

pub use bulk::{DEFAULT_SETTLE, MAX_BULK_ITEMS};

use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::mapping::{native_for, normalize};
use crate::domain::quota::Allowance;
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
    bulk: Option<super::BulkLimits>,
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
        let bulk = kit::bulk_limits(config, MAX_BULK_ITEMS, DEFAULT_SETTLE);
        Ok(OneNce { policy, base, bulk })
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

    /// The bundle (SIM, `/status`, usage: three reads at once) and the `/status` answer, which
    /// also tells the session state.
    async fn bundle(&self, id: &BusinessId) -> BackendResult<(Product, WireConnectivity)> {
        let iccid = self.iccid(id)?;
        let (sim, conn, usage) = tokio::try_join!(
            self.sim(iccid),
            self.connectivity(iccid),
            self.month_usage(iccid)
        )?;
        let product = Product {
            summary: sim.summary(self.account()),
            product_offering: None,
            start_date: sim.activation_date.clone(),
            characteristics: Vec::new(),
            data_connectivity: Some(conn.data_connectivity(&sim)),
            sim_card: Some(sim.sim_card()),
            terminal: None,
            usage: Some(usage),
            custom: Vec::new(),
        };
        Ok((product, conn))
    }

    /// One quota call (`/quota/data` or `/quota/sms`) as an allowance.
    async fn quota(&self, iccid: &str, usage_type: UsageType) -> BackendResult<Allowance> {
        let path = if usage_type == UsageType::Sms {
            "sms"
        } else {
            "data"
        };
        let url = format!("{}/v1/sims/{iccid}/quota/{path}", self.base);
        let wire: quota::WireQuota = self
            .policy
            .send_json("a quota object", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))?;
        wire.allowance(usage_type)
            .map_err(|detail| BackendError::Malformed {
                backend: self.name().to_string(),
                detail,
            })
    }

    /// The data and SMS quotas: two calls, paced like every other.
    async fn quotas(&self, iccid: &str) -> BackendResult<Vec<Allowance>> {
        let (data, sms) = tokio::try_join!(
            self.quota(iccid, UsageType::Data),
            self.quota(iccid, UsageType::Sms)
        )?;
        Ok(vec![data, sms])
    }

    /// The month's buckets and the last 30 days of daily records with both quotas: three calls.
    async fn usage_with_quota(&self, iccid: &str) -> BackendResult<Usage> {
        let (mut usage, quotas) = tokio::try_join!(self.month_usage(iccid), self.quotas(iccid))?;
        usage.allowances = quotas;
        Ok(usage)
    }

    /// Daily usage: one call from the earlier of the first of the current month (UTC) and 29
    /// days ago, to today. The month's days make the buckets; the last 30 days are kept as
    /// daily records for the history.
    async fn month_usage(&self, iccid: &str) -> BackendResult<Usage> {
        let today = chrono::Utc::now().date_naive();
        let month_start = today.with_day(1).unwrap_or(today);
        let history_start =
            today - chrono::Duration::days(crate::domain::quota::SERIES_DAYS as i64 - 1);
        let first = month_start.min(history_start);
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
        let all = wire.samples().map_err(|detail| BackendError::Malformed {
            backend: self.name().to_string(),
            detail,
        })?;
        let daily = quota::daily(&all)
            .into_iter()
            .filter(|d| d.day >= history_start)
            .collect();
        // The buckets cover the month only, as before the history was fetched with them.
        let month_from = format!("{}T00:00:00Z", month_start.format("%Y-%m-%d"));
        let mut samples: Vec<UsageSample> = all
            .into_iter()
            .filter(|s| {
                s.period_start
                    .as_deref()
                    .is_none_or(|p| p >= month_from.as_str())
            })
            .collect();
        let start = month_start.format("%Y-%m-%d").to_string();
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
        let mut usage = Usage::from_samples(&samples, &[]);
        usage.daily = daily;
        Ok(usage)
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
        Ok(self.bundle(id).await?.0)
    }

    /// The session state comes from the `/status` the bundle reads anyway: one read.
    async fn product_with_session(&self, id: &BusinessId) -> BackendResult<super::ProductRead> {
        let (product, conn) = self.bundle(id).await?;
        Ok(super::ProductRead {
            product,
            session: Ok(Some(conn.session_state())),
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

    /// The bundle's usage (30 days of records included) without the quotas, so a read for a
    /// status change or a batch lookup stays three calls; the console asks for them alongside
    /// (`allowances`), `usage get` gets them with its usage.
    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.usage_with_quota(self.iccid(id)?).await
    }

    async fn allowances(&self, id: &BusinessId) -> BackendResult<Option<Vec<Allowance>>> {
        Ok(Some(self.quotas(self.iccid(id)?).await?))
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

    fn bulk_status(&self) -> Option<super::BulkLimits> {
        self.bulk
    }

    async fn change_sim_status_bulk(
        &self,
        changes: &[super::BulkChange],
        to: Status,
    ) -> BackendResult<()> {
        self.send_bulk(changes, to).await
    }

    async fn sim_statuses(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<Vec<(BusinessId, BackendResult<Status>)>> {
        self.statuses(ids).await
    }
}
