//! Simulator of an Intelsat FlexEnterprise terminal API (kind INTELSAT). No public API is known:
//! the wire shapes are PROVISIONAL and documented in `docs/backends/intelsat.md`.
//!
//! - `POST {base}/oauth2/token` — OAuth2 client credentials, client authenticated with HTTP
//!   Basic, `scope=terminals` required; 3600 s tokens; RFC 6749 error bodies;
//! - `GET {base}/customers/{customerId}/terminals?offset=&limit=` — offset paging (limit 1–250,
//!   default 50) with `paging {offset, limit, total}`;
//! - `GET …/terminals/{serial}` and `GET …/terminals/{serial}/usage` (KB since activation, per
//!   network: `SATELLITE`, `CELLULAR_BACKUP`);
//! - `POST …/terminals/{serial}/orders {"action": "SUSPEND"|"RESUME"}` → 202 with an order id;
//!   the order is `PROCESSING` for `async_delay`, then `FULFILLED` or `REJECTED`;
//! - `GET …/orders/{orderId}`. Orders cannot be withdrawn.
//!
//! API errors are `{"error": {"code", "message", "traceId"}}`.

mod routes;
pub mod terminals;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::faults::lock;
use super::inventory::row_hash;
use super::jobs::JobEngine;
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};
use terminals::State;

/// Registration of the INTELSAT simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "INTELSAT",
    name: "intelsat-demo",
    capacity: terminals::CAPACITY,
    build,
};

pub const BASE_PATH: &str = "/flex/v2";
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);
pub const SCOPE: &str = "terminals";
pub const MAX_LIMIT: u64 = 250;
pub const DEFAULT_LIMIT: u64 = 50;

/// What an order asked for, kept for `GET …/orders/{id}`.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub serial: String,
    pub action: &'static str,
    pub created: String,
}

type Changed = Arc<Mutex<HashMap<u64, State>>>;

pub(crate) struct Flex {
    pub seed: u64,
    pub size: u64,
    pub customer: String,
    pub client_id: String,
    pub client_secret: String,
    pub tokens: TokenIssuer,
    pub jobs: JobEngine,
    pub orders: Mutex<HashMap<u64, Order>>,
    pub changed: Changed,
}

impl Flex {
    pub fn state(&self, i: u64) -> State {
        lock(&self.changed)
            .get(&i)
            .cloned()
            .unwrap_or_else(|| terminals::initial_state(self.seed, i))
    }

    pub fn row(&self, serial: &str) -> Option<u64> {
        terminals::index_of(serial).filter(|i| *i < self.size)
    }

    /// Queues an order; its effect applies the action when the order completes, unless the
    /// contract's offering forbids it (then the order is rejected).
    pub fn submit(&self, i: u64, action: &'static str) -> u64 {
        let (seed, changed) = (self.seed, self.changed.clone());
        let effect = move || {
            let mut all = lock(&changed);
            let state = all
                .entry(i)
                .or_insert_with(|| terminals::initial_state(seed, i));
            let offering = terminals::offering(i);
            match action {
                "SUSPEND" if !offering.allows_suspension => Err(format!(
                    "CONTRACT_TERMS: offering '{}' does not allow suspension",
                    offering.name
                )),
                "SUSPEND" => {
                    state.contract = "suspended".into();
                    state.aggregated = Some("suspended".into());
                    Ok(())
                }
                _ => {
                    state.contract = "active".into();
                    state.aggregated = Some("online".into());
                    Ok(())
                }
            }
        };
        let id = self.jobs.submit(action, Box::new(effect));
        lock(&self.orders).insert(
            id,
            Order {
                serial: terminals::serial(i),
                action,
                created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            },
        );
        id
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let customer = (300 + row_hash(ctx.seed, 0, 0x1E) % 700).to_string();
    let client_id = format!("flex-cmo-{customer}");
    let secret = format!(
        "{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E)
    );
    let flex = Arc::new(Flex {
        seed: ctx.seed,
        size: ctx.size,
        customer: customer.clone(),
        client_id: client_id.clone(),
        client_secret: secret.clone(),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        jobs: JobEngine::new(ctx.async_delay),
        orders: Mutex::new(HashMap::new()),
        changed: Arc::default(),
    });
    PlatformApp {
        router: routes::router(flex, ctx.control),
        base_path: BASE_PATH,
        account_id: customer,
        username: client_id,
        secret,
    }
}
