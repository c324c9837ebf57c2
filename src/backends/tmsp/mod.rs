//! The TMSP adapter (Telekom Deutschland M2M Service Portal 3.0): SIM listing and POST lookups by
//! ICCID, status changes and characteristics updates as asynchronous portal requests tracked by
//! monitors (`TMSP-{requestId}`), cancellation of pending requests, and usage at cellular and
//! satellite (NTN) level. Wire shapes are PROVISIONAL (`docs/backends/tmsp.md`).
//!
//! Every request goes through the shared [`HttpPolicy`] (limiter, retries, Keycloak client
//! credentials token, health). Reads — including the POST lookups, which change nothing — are
//! [`Repeat::Idempotent`]; requests that create or cancel portal requests are [`Repeat::Once`],
//! so a 5xx or a timeout never sends a second change request.

mod allowance;
pub mod wire;

use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, Characteristic, DataConnectivity, Monitor, Product, ProductSummary,
    SimCard, Status, Usage,
};
use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::sync::Arc;
use wire::{Lookup, LookupRequest, RequestDto, SimDto, SimPage, UsageDto};

/// The portal's largest page, and the most identifiers one lookup takes.
pub const MAX_PAGE_SIZE: u32 = 100;
/// API base path under the gateway origin.
pub const API_PATH: &str = "/iot/connectivity/management/v1";
/// Keycloak token endpoint under the gateway origin (realm `default`), unless `auth.token_url`.
pub const TOKEN_PATH: &str = "/auth/realms/default/protocol/openid-connect/token";

pub struct TmspBackend {
    policy: HttpPolicy,
    /// `{origin}{API_PATH}/partners/{partnerId}`.
    partner_base: String,
}

impl TmspBackend {
    /// `config.base_url` is the gateway origin (e.g. `https://sg-api.telekom.de`),
    /// `config.account_id` the portal's partner id, `config.auth` the OAuth2 client id and secret.
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Self> {
        let origin = kit::base(config);
        let token_url = kit::token_url(config, &origin, TOKEN_PATH)?;
        let auth = OAuthToken::new(
            Grant::ClientCredentialsForm { scope: None },
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let partner_base = format!("{origin}{API_PATH}/partners/{}", config.account_id);
        let policy = kit::policy(config, BackendKind::Tmsp, Box::new(auth), health)?;
        Ok(TmspBackend {
            policy,
            partner_base,
        })
    }

    fn url(&self, rest: &str) -> String {
        format!("{}{rest}", self.partner_base)
    }

    /// Send `body` to `endpoint` with `repeat` and decode the answer; a 404 names `what`.
    async fn post<T: DeserializeOwned>(
        &self,
        repeat: Repeat,
        endpoint: &str,
        body: &serde_json::Value,
        what: &str,
    ) -> BackendResult<T> {
        let url = self.url(endpoint);
        let reply = self
            .policy
            .send(repeat, |c| c.post(&url).json(body))
            .await
            .map_err(kit::named(what))?;
        self.policy.decode(&reply, "a TMSP JSON document")
    }

    async fn get<T: DeserializeOwned>(&self, rest: &str, what: &str) -> BackendResult<T> {
        let url = self.url(rest);
        self.policy
            .send_json("a TMSP JSON document", |c| c.get(&url))
            .await
            .map_err(kit::named(what))
    }

    /// TMSP products are SIMs: a serial is the wrong kind of id (`InvalidInput`, as on every
    /// platform, so `Engine::find_on` can split a mixed lookup).
    fn iccid<'a>(&self, id: &'a BusinessId) -> BackendResult<&'a str> {
        kit::iccid(self.account(), id)
    }

    async fn lookup<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        iccids: &[&str],
    ) -> BackendResult<Lookup<T>> {
        let body = serde_json::to_value(LookupRequest {
            identifier_type: "ICCID",
            identifiers: iccids.to_vec(),
        })
        .map_err(|e| BackendError::InvalidInput(e.to_string()))?;
        // A lookup only reads, so it is retried like a GET.
        self.post(Repeat::Idempotent, endpoint, &body, "SIMs").await
    }

    async fn one_sim(&self, id: &BusinessId) -> BackendResult<SimDto> {
        let iccid = self.iccid(id)?;
        let found: Lookup<SimDto> = self.lookup("/sims/search", &[iccid]).await?;
        found
            .content
            .into_iter()
            .find(|s| s.iccid == iccid)
            .ok_or_else(|| self.not_found(iccid))
    }

    fn not_found(&self, iccid: &str) -> BackendError {
        kit::not_found(self.account(), format!("SIM {iccid}"))
    }

    async fn submit(
        &self,
        endpoint: &str,
        body: serde_json::Value,
        request: String,
    ) -> BackendResult<ChangeOutcome> {
        // Creates a portal request: never repeated once it may have arrived.
        let dto: RequestDto = self.post(Repeat::Once, endpoint, &body, "SIM").await?;
        let monitor = wire::monitor(&dto, self.account(), request)?;
        tracing::info!(backend = %self.account().name, monitor = %monitor.id, "TMSP request accepted");
        Ok(ChangeOutcome::Pending(monitor))
    }

    fn request_path(&self, monitor_id: &str) -> BackendResult<String> {
        match Monitor::split_id(monitor_id) {
            Some((BackendKind::Tmsp, native))
                if native.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Ok(self.url(&format!("/requests/{native}")))
            }
            _ => Err(BackendError::InvalidInput(format!(
                "'{monitor_id}' is not a TMSP monitor id (expected TMSP-<request id>)"
            ))),
        }
    }
}

#[async_trait]
impl Backend for TmspBackend {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        // TMSP numbers its pages from 0.
        let number = kit::page_number(self.account(), page.cursor.as_deref(), 0)?;
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let got: SimPage = self
            .get(&format!("/sims?page={number}&size={size}"), "partner")
            .await?;
        let next =
            (got.page.number + 1 < got.page.total_pages).then(|| (got.page.number + 1).to_string());
        Ok(Page {
            items: got
                .content
                .iter()
                .map(|s| wire::summary(s, self.account()))
                .collect(),
            next,
            total: Some(got.page.total_elements),
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let sim = self.one_sim(id).await?;
        let mut usage = self.usage(id).await?;
        allowance::add(&mut usage, sim.product_offering.as_deref());
        Ok(wire::product(&sim, Some(usage), self.account()))
    }

    /// One lookup per 100 ICCIDs (sims and usage), instead of one call per product.
    async fn find(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<(Vec<Product>, Vec<(BusinessId, BackendError)>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut iccids = Vec::new();
        for id in ids {
            match self.iccid(id) {
                Ok(i) => iccids.push((id, i)),
                Err(e) => missing.push((id.clone(), e)),
            }
        }
        for chunk in iccids.chunks(MAX_PAGE_SIZE as usize) {
            let keys: Vec<&str> = chunk.iter().map(|(_, i)| *i).collect();
            let sims: Lookup<SimDto> = self.lookup("/sims/search", &keys).await?;
            let usages: Lookup<UsageDto> = self.lookup("/sims/usage", &keys).await?;
            for (id, iccid) in chunk {
                match sims.content.iter().find(|s| s.iccid == *iccid) {
                    Some(sim) => {
                        let usage = usages
                            .content
                            .iter()
                            .find(|u| u.iccid == *iccid)
                            .map(wire::usage)
                            .map(|mut u| {
                                allowance::add(&mut u, sim.product_offering.as_deref());
                                u
                            });
                        found.push(wire::product(sim, usage, self.account()));
                    }
                    None => missing.push(((*id).clone(), self.not_found(iccid))),
                }
            }
        }
        Ok((found, missing))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        Ok(wire::sim_card(&self.one_sim(id).await?))
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        Ok(wire::data_connectivity(&self.one_sim(id).await?))
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        let iccid = self.iccid(id)?;
        let got: Lookup<UsageDto> = self.lookup("/sims/usage", &[iccid]).await?;
        got.content
            .iter()
            .find(|u| u.iccid == iccid)
            .map(wire::usage)
            .ok_or_else(|| self.not_found(iccid))
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let iccid = self.iccid(id)?;
        let target = super::native_target(BackendKind::Tmsp, from, to)?;
        let body = json!({"identifierType": "ICCID", "identifier": iccid, "targetStatus": target});
        self.submit(
            "/sims/status-change-requests",
            body,
            format!("status {from} → {to}"),
        )
        .await
    }

    async fn update_characteristics(
        &self,
        id: &BusinessId,
        changes: &[Characteristic],
    ) -> BackendResult<ChangeOutcome> {
        let iccid = self.iccid(id)?;
        let body = wire::characteristics_request(iccid, changes)?;
        let text: Vec<String> = changes
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        let body =
            serde_json::to_value(&body).map_err(|e| BackendError::InvalidInput(e.to_string()))?;
        self.submit(
            "/sims/characteristics-change-requests",
            body,
            format!("characteristics {}", text.join(", ")),
        )
        .await
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let url = self.request_path(monitor_id)?;
        let dto: RequestDto = self
            .policy
            .send_json("a TMSP request", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("monitor {monitor_id}")))?;
        wire::monitor(&dto, self.account(), wire::describe(&dto))
    }

    async fn cancel_monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let url = self.request_path(monitor_id)?;
        // Once: a repeated DELETE after a lost answer would read "already Cancelled" (409) and
        // misreport a successful cancel as a refusal.
        let result = match self.policy.send(Repeat::Once, |c| c.delete(&url)).await {
            Ok(reply) => self.policy.decode::<RequestDto>(&reply, "a TMSP request"),
            Err(e) => Err(kit::named(format!("monitor {monitor_id}"))(e)),
        };
        match result {
            Ok(dto) => wire::monitor(&dto, self.account(), wire::describe(&dto)),
            // The portal refuses to cancel a request that has already finished.
            Err(BackendError::Http {
                status: 409,
                detail,
                ..
            }) => Err(BackendError::InvalidInput(format!(
                "monitor {monitor_id} can no longer be cancelled: {detail}"
            ))),
            Err(e) => Err(e),
        }
    }
}
