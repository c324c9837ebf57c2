//! Simulator of the T IoT Hub CMO API v5 (kind CMO): one tenant (`eos`) aggregating products of
//! several underlying platforms (SYSTEM characteristic: TMSP, JASPER, 1NCE, INTELSAT…).
//!
//! Wire shapes follow docs/backends/cmo.md; what the docs leave open is inferred and listed in
//! `docs/backends/cmo.md`:
//! - `POST /auth/realms/iothub/protocol/openid-connect/token` — client credentials in the form
//!   body or HTTP Basic; JWT-shaped tokens (`tenants`, `realm_access.roles`), 300 s;
//! - under `/connection-management-orchestrator/v5/{tenant}`: `GET /product`, `GET /product/{id}`
//!   (bundle or `-simCard`, `-dataConnectivity`, `-terminal`, `-usageVolume-data`),
//!   `POST /product/find`, `PATCH /product/{id}-simCard|-terminal` (JSON Patch status change,
//!   JSON-Patch-Query custom properties), `GET /monitor/{id}`; errors are problem objects.
//!
//! Credentials: the read/write client is `PlatformApp::username`; the same secret with
//! [`READ_ONLY_SUFFIX`] appended to the client id is a read-only (`ro%…`) client.

mod auth;
pub mod catalog;
mod patch;
mod render;
mod routes;

use super::inventory::row_hash;
use super::jobs::JobEngine;
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "CMO",
    name: "cmo-demo",
    capacity: catalog::CAPACITY,
    build,
};

pub const TENANT: &str = "eos";
pub use crate::cmo_api::{API_PREFIX, TOKEN_PATH};
/// Appended to the read/write client id to name the read-only client of the same tenant.
pub const READ_ONLY_SUFFIX: &str = "-readonly";
/// Keycloak's default access-token lifespan (the CMO docs: 5 minutes).
pub const TOKEN_TTL: Duration = Duration::from_secs(300);
pub const MAX_PAGE_SIZE: usize = 500;

/// One asynchronous status change and what it asked.
#[derive(Debug, Clone)]
pub(crate) struct MonitorRecord {
    pub job: u64,
    pub index: u64,
    /// The subproduct id the change was sent to (`…-simCard` / `…-terminal`).
    pub source: String,
    pub target: String,
    pub created: String,
    /// Set by the job's effect when the platform has answered (either way).
    pub finished: bool,
}

/// Mutable tenant state; unchanged products are generated per row.
pub(crate) struct State {
    pub seed: u64,
    pub size: u64,
    pub status: HashMap<u64, String>,
    pub updated: HashMap<u64, String>,
    /// Custom properties per product (shared by its SIM card / terminal subproduct).
    pub custom: HashMap<u64, Vec<(String, String)>>,
    pub monitors: HashMap<String, MonitorRecord>,
}

impl State {
    pub fn row(&self, index: u64) -> catalog::Row {
        catalog::row(self.seed, self.size, index)
    }

    /// The product's status now (changed or generated).
    pub fn status(&self, index: u64) -> String {
        self.status
            .get(&index)
            .cloned()
            .unwrap_or_else(|| self.row(index).status.to_string())
    }

    /// The monitor of a change still pending on this product. Reads only `finished` (set by the
    /// job's effect): the job engine must never be called under the state lock.
    pub fn pending_monitor(&self, index: u64) -> Option<String> {
        self.monitors
            .iter()
            .find(|(_, m)| m.index == index && !m.finished)
            .map(|(id, _)| id.clone())
    }
}

pub(crate) struct Tenant {
    state: Mutex<State>,
    pub jobs: JobEngine,
    pub tokens: TokenIssuer,
    pub client_id: String,
    pub client_secret: String,
}

impl Tenant {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler must not take the whole simulator down with a poisoned lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let client_id = format!("cmo-app-{:06}", row_hash(ctx.seed, 0, 0xC11) % 1_000_000);
    let secret = format!(
        "{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5EC),
        row_hash(ctx.seed, 2, 0x5EC)
    );
    let tenant = Arc::new(Tenant {
        state: Mutex::new(State {
            seed: ctx.seed,
            size: ctx.size,
            status: HashMap::new(),
            updated: HashMap::new(),
            custom: HashMap::new(),
            monitors: HashMap::new(),
        }),
        jobs: JobEngine::new(ctx.async_delay),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        client_id: client_id.clone(),
        client_secret: secret.clone(),
    });
    PlatformApp {
        router: routes::router(tenant, ctx.control),
        base_path: "/connection-management-orchestrator/v5/eos",
        account_id: TENANT.to_string(),
        username: client_id,
        secret,
    }
}
