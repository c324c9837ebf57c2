//! The Intelsat FlexEnterprise adapter (kind INTELSAT). No public Intelsat API is known; this
//! speaks the PROVISIONAL API of `docs/backends/intelsat.md`, which the simulator serves:
//! OAuth2 client credentials (HTTP Basic client auth, `scope=terminals`) from
//! `{base}/oauth2/token`; offset-paged `GET {base}/customers/{account}/terminals`; terminal and
//! usage reads by serial (the satellite business id); terminal status changes as asynchronous
//! `SUSPEND`/`RESUME` orders, tracked as monitors `INTELSAT-{orderId}`.
//!
//! Status is the seed's composite of contract and aggregated terminal status
//! (`mapping::normalize_intelsat`). Usage is KB since activation, satellite plus cellular backup.

mod session;
mod wire;

use super::http::{Grant, HttpPolicy, OAuthToken, Repeat};
use super::{Account, Backend, BackendError, BackendResult, ChangeOutcome, Page, PageRequest};
use crate::backends::kit;
use crate::config::BackendConfig;
use crate::domain::health::HealthBoard;
use crate::domain::{BackendKind, BusinessId, Monitor, Product, ProductSummary, Status, Terminal};
use crate::domain::{SessionState, Usage, capabilities};
use async_trait::async_trait;
use std::sync::Arc;
use wire::{WireOrder, WirePage, WireTerminal, WireUsage};

/// Largest page the terminal listing serves.
pub const MAX_PAGE_SIZE: u32 = 250;
pub const SCOPE: &str = "terminals";

pub struct Intelsat {
    policy: HttpPolicy,
    base: String,
}

impl Intelsat {
    /// The bundle and the terminal read it came from (which also tells the session state).
    async fn bundle(&self, id: &BusinessId) -> BackendResult<(Product, WireTerminal)> {
        let serial = self.serial(id)?;
        let (terminal, usage) =
            tokio::try_join!(self.wire_terminal(serial), self.wire_usage(serial))?;
        let account = self.account();
        let product = Product {
            summary: terminal.summary(account),
            product_offering: terminal
                .contract
                .offering
                .as_deref()
                .map(crate::text::sanitize),
            start_date: terminal
                .activation_date
                .as_deref()
                .map(crate::text::sanitize),
            characteristics: terminal.characteristics(account),
            sim_card: None,
            data_connectivity: None,
            terminal: Some(terminal.terminal()),
            usage: Some(usage),
            custom: Vec::new(),
        };
        Ok((product, terminal))
    }

    /// An adapter for an INTELSAT backend; `base_url` is the API root (`https://host/flex/v2`)
    /// and `account_id` the Intelsat customer id.
    pub fn new(config: &BackendConfig, health: Arc<HealthBoard>) -> BackendResult<Intelsat> {
        let base = kit::base(config);
        let token_url = kit::token_url(config, &base, "/oauth2/token")?;
        let grant = Grant::ClientCredentialsBasic {
            scope: Some(SCOPE.to_string()),
        };
        let auth = OAuthToken::new(
            grant,
            token_url,
            &config.auth.username,
            config.auth.secret.clone(),
        );
        let policy = kit::policy(config, BackendKind::Intelsat, Box::new(auth), health)?;
        Ok(Intelsat { policy, base })
    }

    fn customer_path(&self, rest: &str) -> String {
        format!(
            "{}/customers/{}/{rest}",
            self.base,
            self.policy.account().account_id
        )
    }

    fn serial<'a>(&self, id: &'a BusinessId) -> BackendResult<&'a str> {
        kit::serial(self.account(), id)
    }

    fn malformed(&self, detail: String) -> BackendError {
        BackendError::Malformed {
            backend: self.policy.account().name.clone(),
            detail,
        }
    }

    async fn wire_terminal(&self, serial: &str) -> BackendResult<WireTerminal> {
        let url = self.customer_path(&format!("terminals/{serial}"));
        self.policy
            .send_json("a terminal", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("terminal {serial}")))
    }

    async fn wire_usage(&self, serial: &str) -> BackendResult<Usage> {
        let url = self.customer_path(&format!("terminals/{serial}/usage"));
        let usage: WireUsage = self
            .policy
            .send_json("terminal usage", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("terminal {serial}")))?;
        usage.usage().map_err(|e| self.malformed(e))
    }

    fn order_id<'a>(&self, monitor_id: &'a str) -> BackendResult<&'a str> {
        match Monitor::split_id(monitor_id) {
            Some((BackendKind::Intelsat, native)) => Ok(native),
            _ => Err(BackendError::InvalidInput(format!(
                "'{monitor_id}' is not an INTELSAT monitor id (expected INTELSAT-<order id>)"
            ))),
        }
    }
}

#[async_trait]
impl Backend for Intelsat {
    fn account(&self) -> &Account {
        self.policy.account()
    }

    async fn list_products(&self, page: PageRequest) -> BackendResult<Page<ProductSummary>> {
        let offset = match page.cursor.as_deref() {
            None => 0,
            Some(raw) => raw.parse::<u64>().map_err(|_| {
                BackendError::InvalidInput(format!("'{raw}' is not an INTELSAT cursor"))
            })?,
        };
        let limit = page
            .page_size
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE);
        let url = self.customer_path("terminals");
        let reply: WirePage = self
            .policy
            .send_json("a terminal page", |c| {
                c.get(&url)
                    .query(&[("offset", offset.to_string()), ("limit", limit.to_string())])
            })
            .await?;
        if reply.paging.offset != offset {
            return Err(self.malformed(format!(
                "asked for offset {offset}, got {}",
                reply.paging.offset
            )));
        }
        let served = reply.items.len() as u64;
        let end = offset + served;
        // An empty page ends the listing even if the total says otherwise (no endless loop).
        let next = (served > 0 && end < reply.paging.total).then(|| end.to_string());
        tracing::debug!(offset, limit = reply.paging.limit, served, "INTELSAT page");
        let account = self.account();
        Ok(Page {
            items: reply.items.iter().map(|t| t.summary(account)).collect(),
            next,
            total: Some(reply.paging.total),
        })
    }

    async fn product(&self, id: &BusinessId) -> BackendResult<Product> {
        Ok(self.bundle(id).await?.0)
    }

    /// The session state is the terminal's aggregated status, which the bundle reads anyway.
    async fn product_with_session(&self, id: &BusinessId) -> BackendResult<super::ProductRead> {
        let (product, terminal) = self.bundle(id).await?;
        Ok(super::ProductRead {
            product,
            session: Ok(terminal.session_state()),
        })
    }

    async fn terminal(&self, id: &BusinessId) -> BackendResult<Terminal> {
        Ok(self.wire_terminal(self.serial(id)?).await?.terminal())
    }

    async fn usage(&self, id: &BusinessId) -> BackendResult<Usage> {
        self.wire_usage(self.serial(id)?).await
    }

    async fn session_state(&self, id: &BusinessId) -> BackendResult<Option<SessionState>> {
        Ok(self.wire_terminal(self.serial(id)?).await?.session_state())
    }

    async fn change_terminal_status(
        &self,
        id: &BusinessId,
        from: Status,
        to: Status,
    ) -> BackendResult<ChangeOutcome> {
        let kind = BackendKind::Intelsat;
        if !capabilities::terminal_transitions(kind).contains(&(from, to)) {
            return Err(BackendError::TransitionNotAllowed { kind, from, to });
        }
        let action = match to {
            Status::Suspended => "SUSPEND",
            _ => "RESUME",
        };
        let serial = self.serial(id)?;
        let url = self.customer_path(&format!("terminals/{serial}/orders"));
        let body = serde_json::json!({ "action": action });
        // Creating an order is not idempotent: never repeated once it may have arrived.
        let reply = self
            .policy
            .send(Repeat::Once, |c| c.post(&url).json(&body))
            .await
            .map_err(kit::named(format!("terminal {serial}")))?;
        let order: WireOrder = self.policy.decode(&reply, "an order")?;
        let monitor = order.monitor(self.account())?;
        tracing::info!(backend = %self.account().name, serial, action, monitor = %monitor.id, "INTELSAT order accepted");
        Ok(ChangeOutcome::Pending(monitor))
    }

    async fn monitor(&self, monitor_id: &str) -> BackendResult<Monitor> {
        let order = self.order_id(monitor_id)?;
        let url = self.customer_path(&format!("orders/{order}"));
        let order: WireOrder = self
            .policy
            .send_json("an order", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("monitor {monitor_id}")))?;
        order.monitor(self.account())
    }
}
