//! The CMO API v5 adapter (kind CMO): a T IoT Hub tenant aggregating several carrier platforms.
//! OAuth2 client credentials (form body or Basic) with 300 s tokens via the shared HTTP policy;
//! `/product` pages (`pageSize`/`pageNumber`/`fields`), bundles and subproducts, `POST
//! /product/find`, status changes as JSON Patch on `-simCard`/`-terminal` (200 → done, 202 →
//! monitor `CMO-{monitorId}`), `/monitor/{id}`, and custom properties stored by the CMO itself
//! (JSON-Patch-Query). Wire shapes and what is inferred: `docs/backends/cmo.md`.
//!
//! Capabilities are judged per product by its underlying platform (SYSTEM): the guard only knows
//! the account kind (CMO), so before a change this adapter applies the seed's tables for that
//! platform and refuses without sending anything.

mod attrs;
mod changes;
#[cfg(test)]
mod doc_examples;
pub mod wire;

use super::http::{Grant, HttpPolicy, OAuthToken};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, CustomAttribute, DataConnectivity, Monitor, Product, ProductSummary,
    SimCard, Status, Terminal, Usage,
};
use async_trait::async_trait;
use reqwest::Url;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wire::{WireFind, WireList, WireProduct};

/// Products per list request (the API's maximum is undocumented; 100 is conservative).
pub const MAX_PAGE_SIZE: u32 = 100;
/// Keycloak token path, appended to the base URL's origin when no `token_url` is configured.
pub const DEFAULT_TOKEN_PATH: &str = "/auth/realms/iothub/protocol/openid-connect/token";
const LIST_FIELDS: &str =
    "id,status,connectivityType,relatedParty,productCharacteristic,customProperty";
/// Platform memo entries kept before the memo is cleared (bounds memory on huge tenants).
const MEMO_LIMIT: usize = 100_000;

/// How the client authenticates at the token endpoint (`client_auth` in the config).
pub use crate::config::ClientAuth;

pub struct CmoBackend {
    policy: HttpPolicy,
    /// `{API_URL}/connection-management-orchestrator/v5/{tenant}`, no trailing slash.
    base: String,
    /// Business id → underlying platform, learned from every bundle read.
    platforms: Mutex<HashMap<String, BackendKind>>,
    /// `X-Operator` on every request: who sits at this console (`$USER`), for the audit
    /// journal of a `cmo serve` gateway. Informative only — never used to authorize.
    operator: Option<reqwest::header::HeaderValue>,
}

/// The operator a CMO request names: `$USER`, else `$LOGNAME`, printable ASCII only.
fn operator_header() -> Option<reqwest::header::HeaderValue> {
    let user = std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())?;
    let clean: String = user
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect();
    if clean.is_empty() {
        return None;
    }
    reqwest::header::HeaderValue::from_str(&clean).ok()
}

impl CmoBackend {
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<CmoBackend> {
        Self::with_client_auth(config, config.auth.client_auth, health)
    }

    pub fn with_client_auth(
        config: &BackendConfig,
        client_auth: ClientAuth,
        health: Arc<HealthBoard>,
    ) -> BackendResult<CmoBackend> {
        let base = config.base_url.as_str().trim_end_matches('/').to_string();
        let token_url = match &config.auth.token_url {
            Some(u) => u.clone(),
            None => {
                let mut u = config.base_url.clone();
                u.set_path(DEFAULT_TOKEN_PATH);
                u.set_query(None);
                u
            }
        };
        let grant = match client_auth {
            ClientAuth::Form => Grant::ClientCredentialsForm { scope: None },
            ClientAuth::Basic => Grant::ClientCredentialsBasic { scope: None },
        };
        let auth = OAuthToken::new(
            grant,
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Cmo, Box::new(auth), health)?;
        Ok(CmoBackend {
            policy,
            base,
            platforms: Mutex::new(HashMap::new()),
            operator: operator_header(),
        })
    }

    /// `request` with the `X-Operator` header when the operator is known.
    fn op(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.operator {
            Some(v) => request.header("X-Operator", v.clone()),
            None => request,
        }
    }

    fn name(&self) -> &str {
        &self.policy.account().name
    }

    fn url(&self, rest: &str) -> BackendResult<Url> {
        Url::parse(&format!("{}{rest}", self.base))
            .map_err(|e| BackendError::InvalidInput(format!("cannot build a CMO URL: {e}")))
    }

    fn remember(&self, p: &WireProduct) {
        let (Some(id), Some(system)) = (p.product_id(), p.system()) else {
            return;
        };
        let mut memo = self.platforms.lock().unwrap_or_else(|e| e.into_inner());
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(id.business_id, system);
    }

    fn memo(&self, id: &BusinessId) -> Option<BackendKind> {
        let memo = self.platforms.lock().unwrap_or_else(|e| e.into_inner());
        memo.get(id.as_str()).copied()
    }

    /// `POST /product/find` for these ids: the bundles found, and the ids the API did not find.
    async fn find_raw(&self, ids: &[BusinessId]) -> BackendResult<WireFind> {
        let iccids: Vec<&str> = ids
            .iter()
            .filter(|i| matches!(i, BusinessId::Iccid(_)))
            .map(BusinessId::as_str)
            .collect();
        let serials: Vec<&str> = ids
            .iter()
            .filter(|i| matches!(i, BusinessId::Serial(_)))
            .map(BusinessId::as_str)
            .collect();
        let mut body = serde_json::Map::new();
        if !iccids.is_empty() {
            body.insert("iccidList".into(), serde_json::json!(iccids));
        }
        if !serials.is_empty() {
            body.insert("terminalSNList".into(), serde_json::json!(serials));
        }
        let url = self.url("/product/find")?;
        let found: WireFind = self
            .policy
            .send_json("a find result with entities and errors", |c| {
                self.op(c.post(url.clone())).json(&body)
            })
            .await?;
        found.entities.iter().for_each(|p| self.remember(p));
        Ok(found)
    }

    fn not_found(&self, id: &BusinessId) -> BackendError {
        BackendError::NotFound {
            backend: self.name().to_string(),
            what: format!("product with business id {id}"),
        }
    }

    /// The bundle of one product, found by business id.
    async fn bundle(&self, id: &BusinessId) -> BackendResult<WireProduct> {
        let found = self.find_raw(std::slice::from_ref(id)).await?;
        found
            .entities
            .into_iter()
            .find(|p| {
                p.product_id()
                    .is_some_and(|pid| pid.business_id == id.as_str())
            })
            .ok_or_else(|| self.not_found(id))
    }

    /// The underlying platform of a product (memoized; read from its bundle otherwise).
    async fn platform(&self, id: &BusinessId) -> BackendResult<BackendKind> {
        if let Some(kind) = self.memo(id) {
            return Ok(kind);
        }
        let bundle = self.bundle(id).await?;
        bundle.system().ok_or_else(|| BackendError::Malformed {
            backend: self.name().to_string(),
            detail: format!(
                "product {} names no known SYSTEM",
                crate::text::sanitize(&bundle.id)
            ),
        })
    }

    /// `GET /product/{SYSTEM}-{business}{suffix}`.
    async fn subproduct(&self, id: &BusinessId, suffix: &str) -> BackendResult<WireProduct> {
        let system = self.platform(id).await?;
        let cmo_id = format!("{}-{}{suffix}", system.as_str(), id.as_str());
        let url = self.url(&format!("/product/{cmo_id}"))?;
        self.policy
            .send_json("a CMO subproduct", |c| self.op(c.get(url.clone())))
            .await
            .map_err(kit::named(format!("product {cmo_id}")))
    }
}

#[async_trait]
impl Backend for CmoBackend {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let number = kit::page_number(self.account(), page.cursor.as_deref(), 1)?;
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = self.url("/product")?;
        let list: WireList = self
            .policy
            .send_json("a product list with entities", |c| {
                self.op(c.get(url.clone())).query(&[
                    ("pageSize", size.to_string()),
                    ("pageNumber", number.to_string()),
                    ("fields", LIST_FIELDS.to_string()),
                ])
            })
            .await?;
        let mut items = Vec::with_capacity(list.entities.len());
        for p in &list.entities {
            match wire::summary(p, self.account()) {
                Some(s) => {
                    // A later change or read of a listed product needs no bundle read to
                    // learn its platform.
                    self.remember(p);
                    items.push(s);
                }
                None => tracing::warn!(backend = self.name(), id = %crate::text::sanitize(&p.id),
                    "skipping a CMO product of a platform this console does not know"),
            }
        }
        // A `next` link says there is more; without links, a full page suggests so.
        let next_link = list
            .links
            .iter()
            .any(|l| l.kind.eq_ignore_ascii_case("next"));
        let more = if list.links.is_empty() {
            list.entities.len() == size as usize
        } else {
            next_link
        };
        Ok(Page {
            items,
            next: more.then(|| (number + 1).to_string()),
            total: None,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let bundle = self.bundle(id).await?;
        wire::product(&bundle, self.account()).ok_or_else(|| BackendError::Malformed {
            backend: self.name().to_string(),
            detail: format!(
                "product {} names no known platform",
                crate::text::sanitize(&bundle.id)
            ),
        })
    }

    /// One `POST /product/find` for all ids; ids the API reports missing come back NotFound.
    async fn find(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<(Vec<Product>, Vec<(BusinessId, BackendError)>)> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for chunk in ids.chunks(MAX_PAGE_SIZE as usize) {
            let result = self.find_raw(chunk).await?;
            for id in chunk {
                let hit = result.entities.iter().find(|p| {
                    p.product_id()
                        .is_some_and(|pid| pid.business_id == id.as_str())
                });
                match hit.and_then(|p| wire::product(p, self.account())) {
                    Some(p) => found.push(p),
                    None => {
                        let detail = result
                            .errors
                            .iter()
                            .find_map(|e| e.detail.as_deref().filter(|d| d.contains(id.as_str())));
                        let what = match detail {
                            Some(d) => crate::text::sanitize(d),
                            None => format!("product with business id {id}"),
                        };
                        let err = BackendError::NotFound {
                            backend: self.name().to_string(),
                            what,
                        };
                        missing.push((id.clone(), err));
                    }
                }
            }
        }
        Ok((found, missing))
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let sub = self.subproduct(id, "-simCard").await?;
        Ok(wire::sim_card(&sub, id.as_str()))
    }

    async fn terminal(&self, id: &BusinessId) -> BackendResult<Terminal> {
        let sub = self.subproduct(id, "-terminal").await?;
        Ok(wire::terminal(&sub, id.as_str()))
    }

    async fn data_connectivity(&self, id: &BusinessId) -> BackendResult<DataConnectivity> {
        let sub = self.subproduct(id, "-dataConnectivity").await?;
        Ok(wire::data_connectivity(&sub))
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        let sub = self.subproduct(id, "-usageVolume-data").await?;
        let satellite = matches!(id, BusinessId::Serial(_));
        Ok(wire::usage(&sub, satellite))
    }

    async fn change_sim_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        changes::change_status(self, id, from, to, false).await
    }

    async fn change_terminal_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        changes::change_status(self, id, from, to, true).await
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        changes::monitor(self, monitor_id).await
    }

    fn remote_attrs(&self) -> bool {
        true
    }

    async fn attrs_list(&self, id: &BusinessId) -> BackendResult<Vec<CustomAttribute>> {
        attrs::list(self, id).await
    }

    async fn attrs_set(
        &self,
        id: &BusinessId,
        attr: &CustomAttribute,
    ) -> BackendResult<Vec<CustomAttribute>> {
        attrs::set(self, id, attr).await
    }

    async fn attrs_rename(
        &self,
        id: &BusinessId,
        old: &str,
        new: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        attrs::rename(self, id, old, new).await
    }

    async fn attrs_delete(
        &self,
        id: &BusinessId,
        name: &str,
    ) -> BackendResult<Vec<CustomAttribute>> {
        attrs::delete(self, id, name).await
    }
}
