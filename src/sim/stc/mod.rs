//! Simulator of STC's ConnectME IoT platform. No public API is known, so the wire API is
//! PROVISIONAL, designed in `docs/backends/stc.md`:
//! - `POST /connectme/v1/oauth2/token` — OAuth2 client credentials with HTTP Basic client
//!   authentication and a form body; tokens live 30 minutes;
//! - under `/connectme/v1/accounts/{accountId}` (bearer token): `GET subscriptions?pageNumber=&
//!   pageSize=` (1-based page numbers, `pagination.totalPages`), `GET subscriptions/{iccid}`,
//!   `GET subscriptions/{iccid}/consumption`, `PATCH subscriptions/{iccid}` with a new
//!   `lifecycleStatus` (202 + an order), `GET orders/{orderId}` (`ACKNOWLEDGED` → `COMPLETED` |
//!   `REJECTED` after `async_delay`);
//! - errors are JSON:API-style `{"errors":[{"status","code","title","detail"}]}`.
//!
//! Native lifecycle statuses: INACTIVE, TEST, ACTIVE, SUSPENDED, BLOCKED, CEASE, TERMINATED.
//! Customers may only move ACTIVE ↔ SUSPENDED; prepaid subscriptions are refused suspension.

mod routes;

use std::sync::Arc;
use std::time::Duration;

use super::cellular::{self, Profile};
use super::inventory::{IccidScheme, row_hash};
use super::status_book::StatusBook;
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};

/// Registration of the STC simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "STC",
    name: "stc-demo",
    capacity: 1_000_000_000,
    build,
};

pub const BASE_PATH: &str = "/connectme/v1";
pub const TOKEN_TTL: Duration = Duration::from_secs(1800);
pub const MAX_PAGE_SIZE: u64 = 200;
pub const DEFAULT_PAGE_SIZE: u64 = 25;
/// Prepaid subscriptions cannot be suspended: their order ends `REJECTED`.
pub const PREPAID_PLAN: &str = "stc IoT Prepaid 1GB";

/// Every native lifecycle status, with its share of the generated inventory.
pub const STATUSES: &[(&str, u32)] = &[
    ("INACTIVE", 10),
    ("TEST", 6),
    ("ACTIVE", 48),
    ("SUSPENDED", 14),
    ("BLOCKED", 6),
    ("CEASE", 6),
    ("TERMINATED", 10),
];

const PROFILE: Profile = Profile {
    iccid: IccidScheme {
        prefix: "8996601",
        body_len: 19,
        luhn: true,
    },
    mcc_mnc: "42001",
    msisdn_prefix: "96657",
    msisdn_len: 12,
    operator: "stc",
    plans: &[
        ("stc IoT Postpaid 500MB", 4),
        ("stc IoT Fleet 5GB", 3),
        (PREPAID_PLAN, 2),
    ],
    apns: &["iot.stc.com.sa", "m2m.stc", "corp.stc.private"],
    radios: &[("4G", 3), ("LTE-M", 4), ("NB-IoT", 3)],
};

pub(crate) struct Stc {
    seed: u64,
    size: u64,
    account: String,
    client_id: String,
    client_secret: String,
    tokens: TokenIssuer,
    book: StatusBook,
}

/// One subscription as the platform sees it now.
pub(crate) struct Subscription {
    pub row: cellular::Row,
    pub status: String,
    pub status_date: String,
}

impl Stc {
    fn index_of(&self, iccid: &str) -> Option<u64> {
        PROFILE.index_of(self.seed, self.size, iccid)
    }

    fn subscription(&self, index: u64) -> Subscription {
        let row = PROFILE.row(self.seed, self.size, index);
        match self.book.changed(index) {
            Some(c) => Subscription {
                row,
                status: c.status,
                status_date: c.at,
            },
            None => Subscription {
                status: cellular::pick(self.seed, index, 0x57C, STATUSES).to_string(),
                status_date: format!("{}T06:30:00Z", row.activated_on),
                row,
            },
        }
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let account = format!("{}", 700_000_000 + row_hash(ctx.seed, 0, 0x57) % 99_999_999);
    let client_id = format!("cm-{account}");
    let client_secret = format!(
        "{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E)
    );
    let sim = Arc::new(Stc {
        seed: ctx.seed,
        size: ctx.size,
        account: account.clone(),
        client_id: client_id.clone(),
        client_secret: client_secret.clone(),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        book: StatusBook::new(ctx.async_delay),
    });
    PlatformApp {
        router: routes::router(sim, ctx.control),
        base_path: BASE_PATH,
        account_id: account,
        username: client_id,
        secret: client_secret,
    }
}
