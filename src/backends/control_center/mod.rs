//! The Cisco IoT Control Center adapter (docs/backends/control-center.md), one type for the two kinds
//! that run on it: TMUS (T-Mobile US) and JASPER (Etisalat). They differ only in configuration
//! (base URL, account, credentials) and in the seed's transition table, which [`Guarded`]
//! enforces before a request is made; this adapter just sends.
//!
//! Wire: HTTP Basic (user name + API key) on every request; `GET {base}/devices` with
//! `modifiedSince` (always sent, a valid value: now − 364 days, fixed for a whole listing by the
//! cursor), `pageSize` ≤ 50 and a 1-based `pageNumber`, ending at `lastPage`; `GET
//! {base}/devices/{iccid}` (details) and `…/ctdUsages` (cycle to date); status changes by
//! `PUT {base}/devices/{iccid} {"status": native}`, synchronous, confirmed by re-reading the
//! device. HTTP 400 with errorCode 40000029 is a rate limit: waited out and retried by the
//! shared [`HttpPolicy`], never reported as a client error.
//!
//! [`Guarded`]: super::Guarded

mod allowance;
mod session;
mod wire;

pub use wire::{RATE_LIMIT_CODE, is_rate_limit, iso_date};

use super::http::{BasicAuth, HttpPolicy, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Product, ProductSummary, SessionState, SimCard,
    Status, Usage,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration as Span, Utc};
use std::sync::Arc;
use wire::{WireCtdUsage, WireDevice, WireSearch};

/// Control Center allows at most 50 devices per search page.
pub const MAX_PAGE_SIZE: u32 = 50;
/// How far back a listing looks: the API refuses `modifiedSince` older than a year, so we stay
/// a day inside it (clock skew). SIMs unchanged for longer are not listed by the carrier.
const LOOKBACK_DAYS: i64 = 364;

pub struct ControlCenter {
    policy: HttpPolicy,
    base: String,
}

/// Where a listing is: the `modifiedSince` of its first page and the next page number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    since: DateTime<Utc>,
    page: u32,
}

impl Cursor {
    fn start(now: DateTime<Utc>) -> Cursor {
        Cursor {
            since: now - Span::days(LOOKBACK_DAYS),
            page: 1,
        }
    }

    fn encode(&self) -> String {
        format!("{}@{}", self.page, self.since.timestamp())
    }

    /// A cursor from [`Cursor::encode`]. One older than the API accepts (a listing left open
    /// for days) restarts the window instead of sending an invalid `modifiedSince`.
    fn decode(raw: &str, now: DateTime<Utc>) -> BackendResult<Cursor> {
        let bad = || BackendError::InvalidInput(format!("'{raw}' is not a Control Center cursor"));
        let (page, since) = raw.split_once('@').ok_or_else(bad)?;
        let page = page
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(bad)?;
        let since = since
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(bad)?;
        // The API's own bound (a year), not our look-back: the window of a listing in progress
        // must not move between pages.
        let oldest = now - Span::days(365) + Span::hours(1);
        Ok(Cursor {
            since: since.clamp(oldest, now),
            page,
        })
    }

    /// `modifiedSince` as `yyyy-MM-ddTHH:mm:ssZ`.
    fn modified_since(&self) -> String {
        self.since.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

impl ControlCenter {
    /// An adapter for a TMUS or JASPER backend; `base_url` ends with the API prefix
    /// (`https://host/rws/api/v1`).
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<ControlCenter> {
        if !matches!(config.kind, BackendKind::Tmus | BackendKind::Jasper) {
            return Err(BackendError::Other {
                backend: config.name.clone(),
                detail: format!("{} is not a Control Center kind", config.kind.as_str()),
            });
        }
        let base = config.base_url.as_str().trim_end_matches('/').to_string();
        let auth = BasicAuth::new(&config.auth.username, config.auth.secret.clone());
        let policy = kit::policy(config, config.kind, Box::new(auth), health)?
            .with_rate_limit_classifier(is_rate_limit);
        Ok(ControlCenter { policy, base })
    }

    fn kind(&self) -> BackendKind {
        self.policy.account().kind
    }

    fn iccid<'a>(&self, id: &'a BusinessId) -> BackendResult<&'a str> {
        kit::iccid(self.account(), id)
    }

    async fn device(&self, iccid: &str) -> BackendResult<WireDevice> {
        let url = format!("{}/devices/{iccid}", self.base);
        self.policy
            .send_json("device details", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))
    }

    async fn ctd_usage(&self, iccid: &str) -> BackendResult<WireCtdUsage> {
        let url = format!("{}/devices/{iccid}/ctdUsages", self.base);
        self.policy
            .send_json("cycle-to-date usage", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))
    }
}

#[async_trait]
impl Backend for ControlCenter {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let now = Utc::now();
        let cursor = match page.cursor.as_deref() {
            None => Cursor::start(now),
            Some(raw) => Cursor::decode(raw, now)?,
        };
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/devices", self.base);
        let since = cursor.modified_since();
        let reply: WireSearch = self
            .policy
            .send_json("a device search page", |c| {
                c.get(&url).query(&[
                    ("modifiedSince", since.clone()),
                    ("pageSize", size.to_string()),
                    ("pageNumber", cursor.page.to_string()),
                ])
            })
            .await?;
        if reply.page_number.is_some_and(|n| n != cursor.page) {
            return Err(BackendError::Malformed {
                backend: self.account().name.clone(),
                detail: format!(
                    "asked for page {} of the device search, got page {:?}",
                    cursor.page, reply.page_number
                ),
            });
        }
        // Without `lastPage`, a short page is the last one.
        let last = reply
            .last_page
            .unwrap_or(reply.devices.len() < size as usize);
        let items = reply
            .devices
            .iter()
            .map(|d| d.summary(self.account()))
            .collect();
        let next = (!last).then(|| {
            Cursor {
                page: cursor.page + 1,
                ..cursor.clone()
            }
            .encode()
        });
        Ok(Page {
            items,
            next,
            total: reply.total_count,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let iccid = self.iccid(id)?;
        let (device, usage) = tokio::try_join!(self.device(iccid), self.ctd_usage(iccid))?;
        let mut characteristics = device.product_characteristics();
        characteristics.extend(usage.characteristics());
        Ok(Product {
            summary: device.summary(self.account()),
            product_offering: device.rate_plan.clone(),
            start_date: device.date_activated.as_deref().map(iso_date),
            characteristics,
            sim_card: Some(device.sim_card(self.kind())),
            data_connectivity: Some(device.data_connectivity(self.kind())),
            terminal: None,
            usage: Some(usage.usage()),
            custom: Vec::new(),
        })
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        Ok(self.device(self.iccid(id)?).await?.sim_card(self.kind()))
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let device = self.device(self.iccid(id)?).await?;
        Ok(device.data_connectivity(self.kind()))
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        Ok(self.ctd_usage(self.iccid(id)?).await?.usage())
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
        let kind = self.kind();
        let iccid = self.iccid(id)?;
        let native = super::native_target(kind, from, to)?;
        let url = format!("{}/devices/{iccid}", self.base);
        let body = serde_json::json!({ "status": native });
        // Setting a status is idempotent, so the full retry policy applies.
        self.policy
            .send(Repeat::Idempotent, |c| c.put(&url).json(&body))
            .await
            .map_err(kit::name_sim(iccid))?;
        tracing::info!(backend = %self.account().name, iccid, %from, %to, native, "Control Center status change applied");
        // The PUT answers with the ICCID only; whoever shows the SIM re-reads it (the console
        // refreshes the row), so no read is spent here.
        Ok(ChangeOutcome::Done { status: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_keeps_the_first_pages_window() {
        let now = Utc::now();
        let first = Cursor::start(now);
        let next = Cursor {
            page: 2,
            ..first.clone()
        };
        let back = Cursor::decode(&next.encode(), now).unwrap();
        assert_eq!(back.page, 2);
        assert_eq!(back.since.timestamp(), first.since.timestamp());
        assert!(back.modified_since().ends_with('Z'));
    }

    #[test]
    fn stale_cursors_restart_inside_the_year_and_garbage_is_bad_input() {
        let now = Utc::now();
        let old = now - Span::days(400);
        let c = Cursor::decode(&format!("3@{}", old.timestamp()), now).unwrap();
        assert!(c.since >= now - Span::days(365));
        assert_eq!(c.page, 3);
        let future = now + Span::days(2);
        let c = Cursor::decode(&format!("1@{}", future.timestamp()), now).unwrap();
        assert!(c.since <= now);
        for bad in ["", "2", "0@5", "x@1", "2@"] {
            let e = Cursor::decode(bad, now).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
        }
    }
}
