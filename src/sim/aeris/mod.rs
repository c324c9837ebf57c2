//! Simulator of the Aeris IoT Accelerator APIs behind the CMO's IOTA backend
//! (docs/backends/aeris.md):
//! - `POST /iot/api/auth/token` — password grant, `client_id=cm-public-api-client`, a short-lived
//!   token (`token_type: "JWT"`, 60 s like the documented example); errors in the legacy
//!   `{code, httpStatus, message}` shape (`2040` invalid credentials);
//! - `GET /iot/api/subscriptions/details` — cursor paging (`limit` 1–10000, `cursor` = last key,
//!   relative `next` link), `q=label==X|company==X`, `order=ICC|IMSI|MSISDN`, `additionalFields`;
//! - `POST /iot/api/subscriptions/details` — lookup by `identifierType` + `identifierValues`;
//! - `POST /iot/api/sica/subscriptions/requests/state-changes` — a list of up to
//!   [`MAX_IDENTIFIERS`] identifiers, 201 with one request id; the change is applied after
//!   `async_delay` by the job engine, per subscription: a locked or unknown one fails with
//!   failure info (`COMPLETED_WITH_FAILURES`), a request naming only locked ones is refused
//!   (409), and the `bulk_partial=N` fault (src/sim/faults.rs) fails every identifier after
//!   the first N;
//! - `GET /iot/api/sica/subscriptions/requests/{id}` — the request's progress (path PROVISIONAL).
//!
//! API errors are `application/problem+json`. Every API response carries `X-RateLimit-Limit-*`
//! and `X-RateLimit-Remaining-*` (second and minute windows per organisation); beyond a limit
//! the answer is 429 with those headers and no `Retry-After` (none is documented).

mod requests;
mod routes;
pub mod rows;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::inventory::row_hash;
use super::jobs::JobEngine;
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};
use requests::{Overrides, Records};
use rows::Numbering;

/// Registration of the IOTA simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "IOTA",
    name: "iota-demo",
    capacity: rows::CAPACITY,
    build,
};

/// The documented token example says `expires_in: 60`.
pub const TOKEN_TTL: Duration = Duration::from_secs(60);
pub const CLIENT_ID: &str = "cm-public-api-client";
/// Per-organisation limits (account-specific on the real platform; these are ours).
pub const LIMIT_PER_SECOND: u32 = 20;
pub const LIMIT_PER_MINUTE: u32 = 1200;
pub const MAX_LIMIT: usize = 10_000;
pub const DEFAULT_LIMIT: usize = 100;
/// The most identifiers one state-change request takes. The public spec names no maximum;
/// 1000 (the details lookup's maximum) is our PROVISIONAL choice.
pub const MAX_IDENTIFIERS: usize = 1000;

/// Request counts of one organisation in the current second and minute.
#[derive(Debug, Default)]
struct Windows {
    second: u64,
    in_second: u32,
    minute: u64,
    in_minute: u32,
}

/// Shared state of one simulated organisation.
pub(crate) struct Aeris {
    numbering: Numbering,
    org: String,
    username: String,
    password: String,
    tokens: TokenIssuer,
    jobs: JobEngine,
    records: Records,
    overrides: Overrides,
    windows: Mutex<HashMap<String, Windows>>,
    /// The platform's faults (the state change reads `bulk_partial`).
    control: Arc<crate::sim::FaultControl>,
}

impl Aeris {
    fn row(&self, index: u64) -> rows::Row {
        let change = crate::sim::faults::lock(&self.overrides)
            .get(&index)
            .cloned();
        rows::row(self.numbering, index, change.as_ref())
    }

    /// Counts one request against `org`'s windows; the remaining counts, or `None` when over.
    fn take(&self, org: &str) -> Option<(u32, u32)> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut all = crate::sim::faults::lock(&self.windows);
        let w = all.entry(org.to_string()).or_default();
        if w.second != now {
            (w.second, w.in_second) = (now, 0);
        }
        if w.minute != now / 60 {
            (w.minute, w.in_minute) = (now / 60, 0);
        }
        if w.in_second >= LIMIT_PER_SECOND || w.in_minute >= LIMIT_PER_MINUTE {
            return None;
        }
        w.in_second += 1;
        w.in_minute += 1;
        Some((
            LIMIT_PER_SECOND - w.in_second,
            LIMIT_PER_MINUTE - w.in_minute,
        ))
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let org = format!(
        "3.{}.{}",
        70 + row_hash(ctx.seed, 0, 0x0A) % 20,
        1 + row_hash(ctx.seed, 1, 0x0A) % 999
    );
    let username = format!("noc-{}@iota.example", row_hash(ctx.seed, 2, 0x0A) % 10_000);
    let password = format!(
        "{:016x}{:08x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E) as u32
    );
    let sim = Arc::new(Aeris {
        numbering: Numbering {
            seed: ctx.seed,
            size: ctx.size,
        },
        org: org.clone(),
        username: username.clone(),
        password: password.clone(),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        jobs: JobEngine::new(ctx.async_delay),
        records: Arc::default(),
        overrides: Arc::default(),
        windows: Mutex::new(HashMap::new()),
        control: ctx.control.clone(),
    });
    PlatformApp {
        router: routes::router(sim, ctx.control),
        base_path: "",
        account_id: org,
        username,
        secret: password,
    }
}
