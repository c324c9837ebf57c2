//! Simulator of Telekom Deutschland's M2M Service Portal 3.0 REST API (kind TMSP).
//!
//! PROVISIONAL wire shapes (only the base path, `partners/{partnerId}/sims`, OAuth2 and "lookups
//! via POST" are public; see `docs/backends/tmsp.md`):
//! - `POST /auth/realms/default/protocol/openid-connect/token` — client credentials, 300 s TTL;
//! - under `/iot/connectivity/management/v1/partners/{partnerId}`: `GET sims?page=&size=`,
//!   `POST sims/search`, `POST sims/usage`, `POST sims/status-change-requests`,
//!   `POST sims/characteristics-change-requests`, `GET|DELETE requests/{requestId}`.
//!
//! The base URL is the gateway origin (as `https://sg-api.telekom.de` in production): the token
//! endpoint and the API live under different paths of it.

pub mod inventory;
pub mod requests;
mod routes;

use super::inventory::row_hash;
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};
use inventory::SimRecord;
use requests::Request;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Registration of the TMSP simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "TMSP",
    name: "tmsp-demo",
    capacity: inventory::CAPACITY,
    build,
};

pub const BASE_PATH: &str = "/iot/connectivity/management/v1";
pub const TOKEN_PATH: &str = "/auth/realms/default/protocol/openid-connect/token";
/// Keycloak's default access-token lifespan, as the CMO's own Keycloak uses.
pub const TOKEN_TTL: Duration = Duration::from_secs(300);
/// Largest page `GET sims` serves.
pub const MAX_PAGE_SIZE: usize = 100;

/// Mutable portal state: only SIMs that changed are stored; the rest are generated per row.
pub(crate) struct State {
    pub seed: u64,
    pub size: u64,
    pub partner_id: String,
    pub changed: HashMap<u64, SimRecord>,
    pub requests: HashMap<String, Request>,
    pub next_id: u64,
    pub async_delay: Duration,
}

impl State {
    pub fn sim(&self, i: u64) -> SimRecord {
        self.changed
            .get(&i)
            .cloned()
            .unwrap_or_else(|| inventory::record(self.seed, i))
    }

    pub fn sim_mut(&mut self, i: u64) -> &mut SimRecord {
        let seed = self.seed;
        self.changed
            .entry(i)
            .or_insert_with(|| inventory::record(seed, i))
    }

    /// Settle every request whose delay has passed (called before serving any API call).
    pub fn settle_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .requests
            .values()
            .filter(|r| r.is_pending() && r.due <= now)
            .map(|r| r.id.clone())
            .collect();
        for id in due {
            let Some(mut req) = self.requests.remove(&id) else {
                continue;
            };
            let row = inventory::index_of("ICCID", &req.iccid).filter(|i| *i < self.size);
            req.settle(row.map(|i| self.sim_mut(i)));
            self.requests.insert(id, req);
        }
    }

    pub fn fresh_id(&mut self) -> String {
        self.next_id += 1;
        format!("REQ{:08}", self.next_id)
    }
}

pub(crate) struct Portal {
    state: Mutex<State>,
    pub tokens: TokenIssuer,
    pub client_id: String,
    pub client_secret: String,
}

impl Portal {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in one handler must not take the whole simulator down with a poisoned lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let partner = 100_000 + row_hash(ctx.seed, 0, 0x9A) % 900_000;
    let client_id = format!("tmsp-cmo-{partner}");
    let secret = format!(
        "{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E)
    );
    let portal = Arc::new(Portal {
        state: Mutex::new(State {
            seed: ctx.seed,
            size: ctx.size,
            partner_id: partner.to_string(),
            changed: HashMap::new(),
            requests: HashMap::new(),
            next_id: 0,
            async_delay: ctx.async_delay,
        }),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        client_id: client_id.clone(),
        client_secret: secret.clone(),
    });
    PlatformApp {
        router: routes::router(portal, ctx.control),
        base_path: "",
        account_id: partner.to_string(),
        username: client_id,
        secret,
    }
}
