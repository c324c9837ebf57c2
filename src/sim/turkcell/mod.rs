//! Simulator of Turkcell's IoT line management API. No public API is known, so the wire API is
//! PROVISIONAL, designed in `docs/backends/turkcell.md`:
//! - `POST /tcell-iot/api/session/login` with `{"userName","password"}` returns a session token
//!   (`validitySeconds` 900) sent as `X-Session-Token` on every call;
//! - `GET lines?limit=&after=` (opaque cursor paging, `nextCursor` null at the end),
//!   `GET lines/{iccid}`, `GET lines/{iccid}/usage` (KB of the current period);
//! - every body carries `result: {code, description}` (`"0"`/`"OK"` on success); errors use the
//!   same envelope with a symbolic code and the matching HTTP status.
//!
//! A line has no single SIM status: it has a contract status (`a` active, `d` deactivated, `i`
//! in provisioning) and five barring flags (`Y`/`N`). The API offers no status change.

mod routes;

use std::sync::Arc;
use std::time::Duration;

use super::cellular::{self, Profile};
use super::inventory::{IccidScheme, row_hash};
use super::tokens::TokenIssuer;
use super::{PlatformApp, PlatformContext, PlatformSpec};

/// Registration of the TURKCELL simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "TURKCELL",
    name: "turkcell-demo",
    capacity: 1_000_000_000,
    build,
};

pub const BASE_PATH: &str = "/tcell-iot/api";
pub const SESSION_TTL: Duration = Duration::from_secs(900);
pub const MAX_LIMIT: usize = 250;
pub const DEFAULT_LIMIT: usize = 50;

/// Classes of lines with their share: active and clear, active with some barring, deactivated
/// (any flags), and in provisioning (a contract status the console does not map).
const CLASSES: &[(&str, u32)] = &[("a", 52), ("a+barred", 28), ("d", 14), ("i", 6)];

const PROFILE: Profile = Profile {
    iccid: IccidScheme {
        prefix: "8990128",
        body_len: 19,
        luhn: true,
    },
    mcc_mnc: "28601",
    msisdn_prefix: "90532",
    msisdn_len: 12,
    operator: "Turkcell",
    plans: &[
        ("M2M Akilli 250MB", 4),
        ("M2M Filo 2GB", 3),
        ("M2M Sayac 10MB", 3),
    ],
    apns: &["m2m.turkcell", "iot.tcell.private", "internet"],
    radios: &[("4.5G", 4), ("LTE-M", 3), ("NB-IoT", 3)],
};

/// Barring flags in the order in SMS, out SMS, in voice, out voice, data.
pub type Flags = [bool; 5];

pub(crate) struct Line {
    pub row: cellular::Row,
    pub contract: &'static str,
    pub flags: Flags,
}

pub(crate) struct Turkcell {
    seed: u64,
    size: u64,
    user: String,
    password: String,
    sessions: TokenIssuer,
}

impl Turkcell {
    fn index_of(&self, iccid: &str) -> Option<u64> {
        PROFILE.index_of(self.seed, self.size, iccid)
    }

    fn line(&self, index: u64) -> Line {
        let row = PROFILE.row(self.seed, self.size, index);
        let class = cellular::pick(self.seed, index, 0x7C, CLASSES);
        let mask = row_hash(self.seed, index, 0x7D) % 32;
        let mask = match class {
            "a" => 0,
            // At least one flag set; every one of the 31 combinations occurs.
            "a+barred" => 1 + mask % 31,
            _ => mask,
        };
        let flags = [0, 1, 2, 3, 4].map(|bit| mask & (1 << bit) != 0);
        let contract = match class {
            "a" | "a+barred" => "a",
            "d" => "d",
            _ => "i",
        };
        Line {
            row,
            contract,
            flags,
        }
    }
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let customer = 5_000_000 + row_hash(ctx.seed, 0, 0x7C) % 4_000_000;
    let user = format!("iot{customer}");
    let password = format!(
        "Tc!{:012x}{:08x}",
        row_hash(ctx.seed, 1, 0x5E) & 0xFFFF_FFFF_FFFF,
        row_hash(ctx.seed, 2, 0x5E) as u32
    );
    let sim = Arc::new(Turkcell {
        seed: ctx.seed,
        size: ctx.size,
        user: user.clone(),
        password: password.clone(),
        sessions: TokenIssuer::new(ctx.token_ttl.unwrap_or(SESSION_TTL), ctx.control.clone()),
    });
    PlatformApp {
        router: routes::router(sim, ctx.control),
        base_path: BASE_PATH,
        account_id: customer.to_string(),
        username: user,
        secret: password,
    }
}
