//! The IOTA adapter (Aeris IoT Accelerator, ex-Ericsson DCP; docs/backends/aeris.md) on the
//! shared [`HttpPolicy`]: password-grant JWTs from `/iot/api/auth/token` (refreshed before
//! expiry, and once on a 401); the Subscription Search API for listing (cursor paging: the page
//! cursor is the `cursor` of the carrier's `next` link) and for lookups by ICCID (POST);
//! month-to-date `monthlyData`/`monthlySms` as usage; and ACTIVE ↔ SUSPENDED as an asynchronous
//! SICA state-change request that this adapter polls to completion within [`Polling::deadline`],
//! because the seed models IOTA as synchronous. A request that does not finish in time is an
//! error naming the request id, so the NOC can follow it up on the platform. A batch sends one
//! state-change request per chunk of ICCIDs (`bulk.rs`).

mod bulk;
mod wire;

use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, DataConnectivity, Product, ProductSummary, SimCard, Status, Usage,
};
use async_trait::async_trait;
pub use bulk::{DEFAULT_SETTLE, LOOKUP_MAX, MAX_BULK_ITEMS};
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use wire::{RequestProgress, WireSearch, WireSubscription, cursor_from_next};
use wire::{WireAccepted, WireRequest};

/// The password grant's public client id.
pub const CLIENT_ID: &str = "cm-public-api-client";
/// We ask for 1000 per page (the API allows up to 10000; smaller pages keep the first
/// screen fast on slow links).
pub const DEFAULT_PAGE_SIZE: u32 = 1000;
pub const MAX_PAGE_SIZE: u32 = 10_000;
/// Field groups requested on every search/lookup: everything the bundle shows.
const FIELD_GROUPS: [&str; 10] = [
    "CUSTOM_FIELDS",
    "DATES",
    "ENTERPRISE",
    "INDIVIDUAL_APN",
    "LABEL",
    "LOCK_STATE",
    "PACKAGE",
    "SIM_SPEC",
    "MONTHLY_DATA",
    "MONTHLY_SMS",
];

/// How a state-change request is polled: every `interval`, until `deadline` has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    pub interval: Duration,
    pub deadline: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            interval: Duration::from_secs(2),
            deadline: Duration::from_secs(60),
        }
    }
}

pub struct Aeris {
    policy: HttpPolicy,
    /// Scheme + host (+ optional prefix) under which `/iot/api/…` lives.
    base: String,
    polling: Polling,
    bulk: Option<super::BulkLimits>,
    /// The request id of each ICCID of recent bulk requests (for failure reasons).
    sent: std::sync::Mutex<bulk::SentRequests>,
}

impl Aeris {
    /// `config.base_url` is the API host (`https://iot-api.aeris.com` or an operator's own);
    /// `account_id` the organization id the requests act on behalf of (e.g. `3.78.3`).
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Aeris> {
        let base = kit::base(config);
        let token_url = kit::token_url(config, &base, "/iot/api/auth/token")?;
        let auth = OAuthToken::new(
            Grant::Password {
                client_id: CLIENT_ID.to_string(),
            },
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Iota, Box::new(auth), health)?;
        Ok(Aeris {
            policy,
            base,
            polling: Polling::default(),
            bulk: kit::bulk_limits(config, MAX_BULK_ITEMS, DEFAULT_SETTLE),
            sent: std::sync::Mutex::default(),
        })
    }

    /// Override how state-change requests are polled (tests use short bounds).
    pub fn with_polling(mut self, polling: Polling) -> Aeris {
        self.polling = polling;
        self
    }

    fn name(&self) -> &str {
        &self.policy.account().name
    }

    fn url(&self, path: &str) -> String {
        format!("{}/iot/api{path}", self.base)
    }

    fn groups() -> Vec<(&'static str, &'static str)> {
        FIELD_GROUPS
            .iter()
            .map(|g| ("additionalFields", *g))
            .collect()
    }

    fn iccid<'a>(&self, id: &'a BusinessId) -> BackendResult<&'a str> {
        kit::iccid(self.account(), id)
    }

    fn not_found(&self, iccid: &str) -> BackendError {
        BackendError::NotFound {
            backend: self.name().to_string(),
            what: format!("SIM {iccid}"),
        }
    }

    /// Subscriptions by ICCID (one POST lookup); the platform's 404 means none matched.
    async fn lookup(&self, iccids: &[&str]) -> BackendResult<Vec<WireSubscription>> {
        let url = self.url("/subscriptions/details");
        let body = serde_json::json!({"identifierType": "ICC", "identifierValues": iccids});
        let groups = Self::groups();
        // A lookup reads only, so it may be repeated like a GET.
        let reply = self
            .policy
            .send(Repeat::Idempotent, |c| {
                c.post(&url).query(&groups).json(&body)
            })
            .await;
        match reply {
            Ok(reply) => {
                let found: WireSearch = self.policy.decode(&reply, "a subscriptions object")?;
                Ok(found.subscriptions)
            }
            Err(BackendError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    async fn subscription(&self, id: &BusinessId) -> BackendResult<(String, WireSubscription)> {
        let iccid = self.iccid(id)?;
        let found = self.lookup(&[iccid]).await?;
        found
            .into_iter()
            .find(|s| s.iccid.as_deref() == Some(iccid))
            .map(|s| (iccid.to_string(), s))
            .ok_or_else(|| self.not_found(iccid))
    }

    fn product_of(&self, iccid: &str, s: &WireSubscription) -> Product {
        Product {
            summary: s.summary(self.account(), iccid),
            product_offering: s.subscription_package_name.clone(),
            start_date: s
                .first_activated_at
                .clone()
                .or_else(|| s.provisioned_at.clone()),
            characteristics: Vec::new(),
            sim_card: Some(s.sim_card(iccid)),
            data_connectivity: Some(s.data_connectivity()),
            terminal: None,
            usage: s.usage(chrono::Utc::now()),
            custom: Vec::new(),
        }
    }

    /// Submits a state change for one ICCID; returns the platform's request id.
    async fn submit_state(&self, iccid: &str, native: &str) -> BackendResult<String> {
        self.submit_states(&[iccid.to_string()], native).await
    }

    /// Submits one state change for every ICCID of `iccids`; returns the request id.
    async fn submit_states(&self, iccids: &[String], native: &str) -> BackendResult<String> {
        let url = self.url("/sica/subscriptions/requests/state-changes");
        let body = serde_json::json!({
            "subscriptions": {"identifier_type": "ICC", "identifiers": iccids},
            "change": {"state": native},
            "on_behalf_of": {"organization_id": self.account().account_id},
        });
        // Creating a request is not idempotent: repeat only when it surely did not land.
        let reply = self
            .policy
            .send(Repeat::Once, |c| c.post(&url).json(&body))
            .await?;
        let accepted: WireAccepted = self
            .policy
            .decode(&reply, "a body with subscription_request_id")?;
        Ok(accepted.subscription_request_id)
    }

    /// Polls the request until it settles or the deadline passes.
    async fn await_request(&self, request_id: &str) -> BackendResult<()> {
        let url = self.url(&format!("/sica/subscriptions/requests/{request_id}"));
        let started = Instant::now();
        loop {
            let req: WireRequest = self
                .policy
                .send_json("a subscription request", |c| c.get(&url))
                .await
                .map_err(kit::named(format!("state-change request {request_id}")))?;
            match req.progress() {
                RequestProgress::Completed => return Ok(()),
                RequestProgress::Failed(why) => {
                    return Err(BackendError::Other {
                        backend: self.name().to_string(),
                        detail: format!("state-change request {request_id} failed: {why}"),
                    });
                }
                RequestProgress::Running => {}
            }
            let elapsed = started.elapsed();
            if elapsed >= self.polling.deadline {
                return Err(BackendError::Other {
                    backend: self.name().to_string(),
                    detail: format!(
                        "state-change request {request_id} is still {} after {}; \
                         it may yet complete on the platform",
                        req.subscription_request_state,
                        humantime::format_duration(round_ms(elapsed))
                    ),
                });
            }
            let left = self.polling.deadline - elapsed;
            tokio::time::sleep(self.polling.interval.min(left)).await;
        }
    }
}

fn round_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis().min(u128::from(u64::MAX)) as u64)
}

#[async_trait]
impl Backend for Aeris {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let limit = page
            .page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
            .to_string();
        let mut query: Vec<(&str, &str)> = vec![("order", "ICC"), ("limit", &limit)];
        if let Some(c) = page.cursor.as_deref() {
            query.push(("cursor", c));
        }
        query.extend(Self::groups());
        let url = self.url("/subscriptions/details");
        let found: WireSearch = self
            .policy
            .send_json("a subscriptions page", |c| c.get(&url).query(&query))
            .await?;
        let mut items = Vec::with_capacity(found.subscriptions.len());
        for s in &found.subscriptions {
            let iccid = s
                .iccid_or(self.name())
                .map_err(|detail| BackendError::Malformed {
                    backend: self.name().to_string(),
                    detail,
                })?;
            items.push(s.summary(self.account(), iccid));
        }
        let next = found.next.as_deref().and_then(cursor_from_next);
        if found.next.is_some() && next.is_none() {
            tracing::warn!(
                backend = self.name(),
                "next link without a cursor: listing ends here"
            );
        }
        Ok(Page {
            items,
            next,
            total: None,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let (iccid, s) = self.subscription(id).await?;
        Ok(self.product_of(&iccid, &s))
    }

    /// One lookup per 1000 ICCIDs instead of one per product.
    async fn find(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<(Vec<Product>, Vec<(BusinessId, BackendError)>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut wanted = Vec::new();
        for id in ids {
            match self.iccid(id) {
                Ok(i) => wanted.push((id, i)),
                Err(e) => missing.push((id.clone(), e)),
            }
        }
        for chunk in wanted.chunks(LOOKUP_MAX) {
            let keys: Vec<&str> = chunk.iter().map(|(_, i)| *i).collect();
            let subs = self.lookup(&keys).await?;
            for (id, iccid) in chunk {
                match subs.iter().find(|s| s.iccid.as_deref() == Some(*iccid)) {
                    Some(s) => found.push(self.product_of(iccid, s)),
                    None => missing.push(((*id).clone(), self.not_found(iccid))),
                }
            }
        }
        Ok((found, missing))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let (iccid, s) = self.subscription(id).await?;
        Ok(s.sim_card(&iccid))
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        Ok(self.subscription(id).await?.1.data_connectivity())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        let (_, s) = self.subscription(id).await?;
        s.usage(chrono::Utc::now())
            .ok_or_else(|| BackendError::Malformed {
                backend: self.name().to_string(),
                detail: "the subscription carries no monthlyData/monthlySms".into(),
            })
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let iccid = self.iccid(id)?;
        let native = super::native_target(BackendKind::Iota, from, to)?;
        let request_id = self.submit_state(iccid, native).await?;
        tracing::info!(backend = self.name(), iccid, %from, %to, native, request_id, "IOTA state change requested");
        self.await_request(&request_id).await?;
        let (_, now) = self.subscription(id).await?;
        Ok(ChangeOutcome::Done {
            status: Some(now.status().status),
        })
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

    async fn bulk_failure_reasons(
        &self,
        ids: &[BusinessId],
    ) -> std::collections::HashMap<BusinessId, String> {
        self.failure_reasons(ids).await
    }
}
