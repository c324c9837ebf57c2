//! Simulator of the AIRLINQ platform (Jio's CMO Management Platform). No public API is known, so
//! the wire API is PROVISIONAL, designed in `docs/backends/airlinq.md`:
//! - every call carries the enterprise's API key in `X-API-Key` (no token endpoint; a revoked
//!   key answers 401, and `FaultControl::expire_tokens_now` revokes it for good);
//! - under `/cmp/api/v2/enterprises/{enterpriseId}`: `GET sims?offset=&limit=` (offset paging,
//!   `totalCount`), `GET sims/{iccid}`, `GET sims/{iccid}/usage` (up/down bytes of the cycle),
//!   `POST sims/{iccid}/state-change` (202 + `transactionId`), `GET transactions/{id}`
//!   (`SUBMITTED` → `SUCCESS` | `FAILED` after `async_delay`);
//! - errors are `{"status":"FAILURE","error":{"code":"CMP-…","message":…}}`.
//!
//! Native states: TEST, READY, ACTIVE, SUSPEND, BLOCKED, CEASE, TERMINATED. Customers may only
//! move ACTIVE ↔ SUSPEND; SIMs on the non-suspendable plan fail their suspension.

mod routes;

use std::sync::Arc;

use super::cellular::{self, Profile};
use super::inventory::{IccidScheme, row_hash};
use super::status_book::StatusBook;
use super::{FaultControl, PlatformApp, PlatformContext, PlatformSpec};

/// Registration of the AIRLINQ simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "AIRLINQ",
    name: "airlinq-demo",
    capacity: 1_000_000_000,
    build,
};

pub const BASE_PATH: &str = "/cmp/api/v2";
pub const MAX_LIMIT: usize = 500;
pub const DEFAULT_LIMIT: usize = 100;
/// The plan whose SIMs cannot be suspended: their suspension ends `FAILED`.
pub const NON_SUSPENDABLE_PLAN: &str = "JioIoT Fixed 1GB (no suspend)";

/// Every native state, with its share of the generated inventory.
pub const STATES: &[(&str, u32)] = &[
    ("TEST", 8),
    ("READY", 8),
    ("ACTIVE", 48),
    ("SUSPEND", 14),
    ("BLOCKED", 7),
    ("CEASE", 6),
    ("TERMINATED", 9),
];

const PROFILE: Profile = Profile {
    iccid: IccidScheme {
        prefix: "8991874",
        body_len: 19,
        luhn: true,
    },
    mcc_mnc: "405857",
    msisdn_prefix: "9170",
    msisdn_len: 12,
    operator: "Jio",
    plans: &[
        ("JioIoT Flex 500MB", 4),
        ("JioIoT Pooled 10GB", 4),
        (NON_SUSPENDABLE_PLAN, 2),
    ],
    apns: &["jionet", "jioiot.m2m", "ent.jio.private"],
    radios: &[("LTE", 3), ("LTE-M", 4), ("NB-IoT", 3)],
};

pub(crate) struct Airlinq {
    seed: u64,
    size: u64,
    enterprise: String,
    api_key: String,
    /// The token epoch the key was issued in; a later epoch means the key was revoked.
    key_epoch: u64,
    control: Arc<FaultControl>,
    book: StatusBook,
}

/// One SIM as the platform sees it now.
pub(crate) struct Sim {
    pub row: cellular::Row,
    pub state: String,
    pub state_changed: String,
}

impl Airlinq {
    fn index_of(&self, iccid: &str) -> Option<u64> {
        PROFILE.index_of(self.seed, self.size, iccid)
    }

    fn sim(&self, index: u64) -> Sim {
        let row = PROFILE.row(self.seed, self.size, index);
        match self.book.changed(index) {
            Some(c) => Sim {
                row,
                state: c.status,
                state_changed: c.at,
            },
            None => Sim {
                state: cellular::pick(self.seed, index, 0xA1, STATES).to_string(),
                state_changed: format!("{}T08:00:00Z", row.activated_on),
                row,
            },
        }
    }

    fn key_valid(&self, presented: Option<&str>) -> bool {
        presented == Some(self.api_key.as_str()) && self.control.token_epoch() == self.key_epoch
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let enterprise = format!("ENT{:07}", row_hash(ctx.seed, 0, 0xE7) % 10_000_000);
    let api_key = format!(
        "jcmp_{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E)
    );
    let sim = Arc::new(Airlinq {
        seed: ctx.seed,
        size: ctx.size,
        enterprise: enterprise.clone(),
        api_key: api_key.clone(),
        key_epoch: ctx.control.token_epoch(),
        control: ctx.control.clone(),
        book: StatusBook::new(ctx.async_delay),
    });
    PlatformApp {
        router: routes::router(sim, ctx.control),
        base_path: BASE_PATH,
        account_id: enterprise.clone(),
        // The key is the only credential; the user name is informative.
        username: format!("api-{enterprise}"),
        secret: api_key,
    }
}
