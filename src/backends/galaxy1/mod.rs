//! The Viasat GALAXY1 adapter (kind GALAXY1). No public API is known; this speaks the
//! PROVISIONAL API of `docs/backends/galaxy1.md`, which the simulator serves: session tokens
//! (`POST {base}/sessions`, `Authorization: Session …`), page-token listing of terminals, terminal
//! and consumption reads, and carrier-side jobs polled as monitors `GALAXY1-{jobId}`.
//!
//! A GALAXY1 product is a hybrid satellite terminal with an embedded SIM (its LTE bearer): the
//! seed's ✔ for SIM card and terminal details, ✖ for data connectivity and status changes
//! (refused by `Guarded`), ✔ for monitors (the carrier's own jobs). Business id: the terminal id.

mod link;
mod session;
mod wire;

use super::http::HttpPolicy;
use super::{Account, Backend, BackendError, BackendResult, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{
    BackendKind, BusinessId, Monitor, Product, ProductSummary, SimCard, Terminal, Usage,
};
use async_trait::async_trait;
use session::SessionAuth;
use std::sync::Arc;
use wire::{WireConsumption, WireJob, WireList, WireTerminal};

pub const MAX_PAGE_SIZE: u32 = 200;

pub struct Galaxy1 {
    policy: HttpPolicy,
    base: String,
}

impl Galaxy1 {
    /// An adapter for a GALAXY1 backend; `base_url` is the API root (`https://host/galaxy/api/v1`).
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Galaxy1> {
        let base = config.base_url.as_str().trim_end_matches('/').to_string();
        let url = config
            .auth
            .token_url
            .as_ref()
            .map_or_else(|| format!("{base}/sessions"), |u| u.to_string());
        let auth = SessionAuth::new(url, &config.auth.username, config.auth.secret.clone());
        let policy = kit::policy(config, BackendKind::Galaxy1, Box::new(auth), health)?;
        Ok(Galaxy1 { policy, base })
    }

    fn malformed(&self, detail: String) -> BackendError {
        BackendError::Malformed {
            backend: self.policy.account().name.clone(),
            detail,
        }
    }

    /// The terminal a business id names: by terminal id, or by its embedded SIM's ICCID.
    async fn wire_terminal(&self, id: &BusinessId) -> BackendResult<WireTerminal> {
        match id {
            BusinessId::Serial(serial) => {
                let url = format!("{}/terminals/{serial}", self.base);
                self.policy
                    .send_json("a terminal", |c| c.get(&url))
                    .await
                    .map_err(kit::named(format!("terminal {serial}")))
            }
            BusinessId::Iccid(iccid) => {
                let url = format!("{}/terminals", self.base);
                let list: WireList = self
                    .policy
                    .send_json("a terminal lookup", |c| {
                        c.get(&url).query(&[("iccid", iccid.as_str())])
                    })
                    .await?;
                list.terminals
                    .into_iter()
                    .next()
                    .ok_or_else(|| BackendError::NotFound {
                        backend: self.account().name.clone(),
                        what: format!("SIM {iccid}"),
                    })
            }
        }
    }

    async fn consumption(&self, terminal_id: &str) -> BackendResult<Usage> {
        let url = format!("{}/terminals/{terminal_id}/consumption", self.base);
        let c: WireConsumption = self
            .policy
            .send_json("terminal consumption", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("terminal {terminal_id}")))?;
        c.usage().map_err(|e| self.malformed(e))
    }
}

#[async_trait]
impl Backend for Galaxy1 {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let size = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = format!("{}/terminals", self.base);
        let token = page.cursor.clone();
        let reply: WireList = self
            .policy
            .send_json("a terminal page", |c| {
                let mut req = c.get(&url).query(&[("pageSize", size.to_string())]);
                if let Some(t) = &token {
                    req = req.query(&[("pageToken", t.as_str())]);
                }
                req
            })
            .await?;
        // A page token the platform repeats, or one on an empty page, would loop forever.
        let next = reply
            .next_page_token
            .filter(|t| !t.is_empty() && !reply.terminals.is_empty() && Some(t) != token.as_ref());
        let account = self.account();
        Ok(Page {
            items: reply.terminals.iter().map(|t| t.summary(account)).collect(),
            next,
            total: reply.total_size,
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        let t = self.wire_terminal(id).await?;
        let usage = self.consumption(&t.terminal_id).await?;
        let account = self.account();
        Ok(Product {
            summary: t.summary(account),
            product_offering: t.service_plan.as_deref().map(crate::text::sanitize),
            start_date: None,
            characteristics: vec![crate::domain::Characteristic::new("system", "GALAXY1")],
            sim_card: t.sim_card(),
            data_connectivity: None,
            terminal: Some(t.terminal()),
            usage: Some(usage),
            custom: Vec::new(),
        })
    }

    async fn sim_card(&self, id: &BusinessId) -> BackendResult<SimCard> {
        let t = self.wire_terminal(id).await?;
        t.sim_card()
            .ok_or_else(|| self.malformed(format!("terminal {} has no SIM", t.terminal_id)))
    }

    async fn terminal(&self, id: &BusinessId) -> BackendResult<Terminal> {
        Ok(self.wire_terminal(id).await?.terminal())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        match id {
            BusinessId::Serial(s) => self.consumption(s.as_str()).await,
            BusinessId::Iccid(_) => {
                let t = self.wire_terminal(id).await?;
                self.consumption(&t.terminal_id).await
            }
        }
    }

    /// One call by terminal id (two when the product is named by its SIM's ICCID).
    async fn session_state(
        &self,
        id: &BusinessId,
    ) -> BackendResult<Option<crate::domain::SessionState>> {
        let terminal_id = match id {
            BusinessId::Serial(s) => s.as_str().to_string(),
            BusinessId::Iccid(_) => self.wire_terminal(id).await?.terminal_id,
        };
        Ok(Some(self.link(&terminal_id).await?))
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let job = match Monitor::split_id(monitor_id) {
            Some((BackendKind::Galaxy1, native)) => native,
            _ => {
                return Err(BackendError::InvalidInput(format!(
                    "'{monitor_id}' is not a GALAXY1 monitor id (expected GALAXY1-<job id>)"
                )));
            }
        };
        let url = format!("{}/jobs/{job}", self.base);
        let job: WireJob = self
            .policy
            .send_json("a job", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("monitor {monitor_id}")))?;
        job.monitor(self.account())
    }
}
