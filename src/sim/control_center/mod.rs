//! The Cisco IoT Control Center REST API simulator (docs/backends/control-center.md), run as two
//! operator accounts from one module: T-Mobile US (`TMUS`) and an Etisalat-style `JASPER`
//! account, with their own base paths, account ids, numbering and credentials.
//!
//! Modelled: HTTP Basic (user name + API key); `GET /devices` with the `modifiedSince` rules
//! (required, not in the future, at most a year old), `pageSize` ≤ 50, 1-based `pageNumber` and
//! `lastPage`, sorted by modification date, oldest first; device details; `ctdUsages`; the
//! synchronous `PUT /devices/{iccid}`; `GET /echo/{value}`; error bodies
//! `{errorCode, errorMessage}` (codes are strings); and the rate limit answered as HTTP 400 with
//! errorCode `40000029`. Native statuses are plain strings; nothing here knows our mapping.

mod devices;
mod handlers;
mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::inventory::{IccidScheme, row_hash};
use super::ratelimit::RateLimiter;
use super::server::{FaultLayer, inject_faults};
use super::{FaultControl, PlatformApp, PlatformContext, PlatformSpec};
use devices::{DeviceChange, Numbering};

pub use devices::NATIVE_STATUSES;

/// Registration of the T-Mobile US Control Center account.
pub const TMUS: PlatformSpec = PlatformSpec {
    kind: "TMUS",
    name: "tmus-demo",
    capacity: 100_000_000_000,
    build: build_tmus,
};

/// Registration of the JASPER (Etisalat) Control Center account.
pub const JASPER: PlatformSpec = PlatformSpec {
    kind: "JASPER",
    name: "jasper-demo",
    capacity: 100_000_000_000,
    build: build_jasper,
};

/// Requests per second the simulated account accepts (Control Center publishes no figure;
/// clients keep to about 5, so twice that leaves them headroom). Beyond it: 400 / 40000029.
pub const REQUESTS_PER_SECOND: u32 = 10;
pub const MAX_PAGE_SIZE: u64 = 50;

/// Control Center's error codes (strings on the wire).
pub mod codes {
    pub const INVALID_CREDENTIALS: &str = "10000001";
    pub const MODIFIED_SINCE_REQUIRED: &str = "10000003";
    pub const MALFORMED_JSON: &str = "10000023";
    pub const INVALID_PARAMETER: &str = "10000028";
    pub const MODIFIED_SINCE_TOO_OLD: &str = "10000045";
    pub const MODIFIED_SINCE_FUTURE: &str = "10002119";
    pub const NOT_FOUND: &str = "20000001";
    pub const SERVER_ERROR: &str = "30000001";
    pub const RATE_LIMIT: &str = "40000029";
}

/// One operator's account settings.
struct Operator {
    base_path: &'static str,
    account_base: u64,
    user_prefix: &'static str,
    numbering: Numbering,
}

const TMUS_OPERATOR: Operator = Operator {
    base_path: "/tmus/rws/api/v1",
    account_base: 100_000_000,
    user_prefix: "tmus-api",
    numbering: Numbering {
        iccids: IccidScheme {
            prefix: "8901260",
            body_len: 18,
            luhn: true,
        },
        imsi_home: "310260",
        msisdn_prefix: "1206",
        msisdn_len: 11,
        rate_plans: &["TMO IoT 1GB Pooled", "TMO IoT 50MB", "TMO LTE-M Flex"],
        communication_plans: &["TMO Data Only", "TMO Data + SMS", "TMO LTE-M NB-IoT"],
    },
};

const JASPER_OPERATOR: Operator = Operator {
    base_path: "/rws/api/v1",
    account_base: 200_000_000,
    user_prefix: "eti-api",
    numbering: Numbering {
        iccids: IccidScheme {
            prefix: "8997102",
            body_len: 18,
            luhn: true,
        },
        imsi_home: "42402",
        msisdn_prefix: "97150",
        msisdn_len: 12,
        rate_plans: &["ETI M2M 100MB", "ETI M2M 1GB Shared", "ETI M2M Test"],
        communication_plans: &["ETI Data SMS", "ETI Data Only", "ETI Roaming GCC"],
    },
};

/// Shared state of one simulated Control Center account.
struct ControlCenterSim {
    seed: u64,
    size: u64,
    /// When the simulator started: generated modification dates are relative to it.
    start: DateTime<Utc>,
    account_id: String,
    username: String,
    api_key: String,
    numbering: Numbering,
    limiter: RateLimiter,
    control: Arc<FaultControl>,
    changes: Mutex<HashMap<u64, DeviceChange>>,
}

type Shared = Arc<ControlCenterSim>;

fn build_tmus(ctx: PlatformContext) -> PlatformApp {
    build(ctx, &TMUS_OPERATOR)
}

fn build_jasper(ctx: PlatformContext) -> PlatformApp {
    build(ctx, &JASPER_OPERATOR)
}

fn build(ctx: PlatformContext, operator: &Operator) -> PlatformApp {
    let account_id =
        (operator.account_base + row_hash(ctx.seed, 0, 0xACC) % 90_000_000).to_string();
    let username = format!(
        "{}-{}",
        operator.user_prefix,
        row_hash(ctx.seed, 1, 0x05E) % 10_000
    );
    let api_key = format!(
        "{:08x}-{:04x}-{:04x}-{:012x}",
        row_hash(ctx.seed, 2, 0xA91) & 0xFFFF_FFFF,
        row_hash(ctx.seed, 3, 0xA91) & 0xFFFF,
        row_hash(ctx.seed, 4, 0xA91) & 0xFFFF,
        row_hash(ctx.seed, 5, 0xA91) & 0xFFFF_FFFF_FFFF
    );
    let sim = Arc::new(ControlCenterSim {
        seed: ctx.seed,
        size: ctx.size,
        start: Utc::now(),
        account_id: account_id.clone(),
        username: username.clone(),
        api_key: api_key.clone(),
        numbering: operator.numbering,
        limiter: RateLimiter::new(REQUESTS_PER_SECOND),
        control: ctx.control.clone(),
        changes: Mutex::new(HashMap::new()),
    });
    PlatformApp {
        router: router(sim, ctx.control, operator.base_path),
        base_path: operator.base_path,
        account_id,
        username,
        secret: api_key,
    }
}

fn router(sim: Shared, control: Arc<FaultControl>, base_path: &'static str) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/devices", get(handlers::search))
        .route(
            "/devices/{iccid}",
            get(handlers::details).put(handlers::edit),
        )
        .route("/devices/{iccid}/ctdUsages", get(handlers::ctd_usages))
        .route("/devices/{iccid}/sessionInfo", get(session::session_info))
        .route("/echo/{value}", get(handlers::echo))
        // route_layer: the last added runs first → the rate limit (which also serves forced
        // limits, as Control Center answers them), then random faults, then Basic auth.
        .route_layer(from_fn_with_state(sim.clone(), require_basic))
        .route_layer(from_fn_with_state(faults, inject_faults))
        .route_layer(from_fn_with_state(sim.clone(), rate_limit))
        .with_state(sim);
    Router::new().nest(base_path, api)
}

/// An error answer with Control Center's body `{errorCode, errorMessage}`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: codes::NOT_FOUND,
            message: "Resource not found - Invalid ICCID.".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"errorCode": self.code, "errorMessage": self.message});
        (self.status, Json(body)).into_response()
    }
}

/// Bodies of injected faults, in Control Center's shape.
fn fault_body(status: u16) -> Value {
    match status {
        429 => json!({"errorCode": codes::RATE_LIMIT, "errorMessage": "Rate Limit Exceeded"}),
        _ => json!({"errorCode": codes::SERVER_ERROR, "errorMessage": "Unknown server error"}),
    }
}

fn rate_limit_exceeded() -> Response {
    ApiError::bad_request(codes::RATE_LIMIT, "Rate Limit Exceeded").into_response()
}

/// Per-account TPS; forced limits (`FaultControl::force_429_for`) are answered the same way,
/// as HTTP 400 with errorCode 40000029 and no `Retry-After`.
async fn rate_limit(State(sim): State<Shared>, request: Request, next: Next) -> Response {
    if sim.control.take_forced_429() {
        sim.control.note_injected();
        return rate_limit_exceeded();
    }
    match sim.limiter.check(&sim.account_id) {
        Ok(()) => next.run(request).await,
        Err(_) => rate_limit_exceeded(),
    }
}

/// 401 with code 10000001 unless the request carries this account's user name and API key.
async fn require_basic(State(sim): State<Shared>, request: Request, next: Next) -> Response {
    match crate::sim::basic::credentials(request.headers()) {
        Some((user, key)) if user == sim.username && key == sim.api_key => next.run(request).await,
        _ => ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: codes::INVALID_CREDENTIALS,
            message: "Invalid credentials".into(),
        }
        .into_response(),
    }
}
