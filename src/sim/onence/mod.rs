//! The 1NCE Management API simulator (docs/backends/1nce.md): OAuth client-credentials
//! tokens, `/v1/sims` paging in headers, SIM detail, connectivity, daily usage, quotas and the
//! synchronous single-SIM `PUT`, and the asynchronous bulk `POST /v1/sims` (`bulk.rs`). `/v1/sims*` is limited to 10 requests/s per organisation.
//!
//! Error bodies: the token endpoint answers `{statusCode, errorCode, message}`; application
//! errors use the v2 shape `{error_code, error_token, message}`; gateway-level refusals (401, 429,
//! 504) use the AWS API Gateway shape `{message}` (1NCE runs on AWS; the exact 401/429 bodies
//! are not documented, see docs/simulators.md).

mod bulk;
mod handlers;
mod session;
mod sims;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::inventory::row_hash;
use super::ratelimit::RateLimiter;
use super::server::{FaultLayer, inject_faults, too_many_requests};
use super::tokens::{TokenCheck, TokenIssuer};
use super::{FaultControl, PlatformApp, PlatformContext, PlatformSpec};
use sims::SimChange;

/// Registration of the 1NCE simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "1NCE",
    name: "1nce-demo",
    capacity: 1_000_000_000,
    build,
};

/// The documented limit on `/v1/sims*`: 10 requests per second per organisation.
pub const REQUESTS_PER_SECOND: u32 = 10;
/// 1NCE tokens live an hour.
pub const TOKEN_TTL: Duration = Duration::from_secs(3600);
const BASE_PATH: &str = "/management-api";

/// Shared state of one simulated 1NCE organisation.
struct OnceSim {
    seed: u64,
    size: u64,
    client_id: String,
    secret: String,
    tokens: TokenIssuer,
    limiter: RateLimiter,
    changes: Mutex<HashMap<u64, SimChange>>,
    /// The bulk call's faults (`bulk_partial`, `bulk_delay`) live here.
    control: Arc<FaultControl>,
}

type Shared = Arc<OnceSim>;

fn build(ctx: PlatformContext) -> PlatformApp {
    let org = 10_000 + row_hash(ctx.seed, 0, 0x0A) % 90_000;
    let client_id = format!("cmo-sim-{org}");
    let secret = format!(
        "{:016x}{:016x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 2, 0x5E)
    );
    let sim = Arc::new(OnceSim {
        seed: ctx.seed,
        size: ctx.size,
        client_id: client_id.clone(),
        secret: secret.clone(),
        tokens: TokenIssuer::new(ctx.token_ttl.unwrap_or(TOKEN_TTL), ctx.control.clone()),
        limiter: RateLimiter::new(REQUESTS_PER_SECOND),
        changes: Mutex::new(HashMap::new()),
        control: ctx.control.clone(),
    });
    PlatformApp {
        router: router(sim, ctx.control),
        base_path: BASE_PATH,
        account_id: org.to_string(),
        username: client_id,
        secret,
    }
}

fn router(sim: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let v1 = Router::new()
        .route("/v1/sims", get(handlers::list).post(bulk::update_many))
        .route(
            "/v1/sims/{iccid}",
            get(handlers::detail).put(handlers::update),
        )
        .route("/v1/sims/{iccid}/status", get(handlers::connectivity))
        .route("/v1/sims/{iccid}/usage", get(handlers::usage))
        .route("/v1/sims/{iccid}/quota/data", get(handlers::quota_data))
        .route("/v1/sims/{iccid}/quota/sms", get(handlers::quota_sms))
        // route_layer: the last added runs first → faults, then bearer auth, then the limit.
        .route_layer(from_fn_with_state(sim.clone(), rate_limit))
        .route_layer(from_fn_with_state(sim.clone(), require_bearer))
        .route_layer(from_fn_with_state(faults, inject_faults));
    let api = Router::new()
        .route("/oauth/token", post(handlers::token))
        .merge(v1)
        .with_state(sim);
    Router::new().nest(BASE_PATH, api)
}

/// An application error, rendered with the v2 body `{error_code, error_token, message}`.
#[derive(Debug)]
struct ApiError(StatusCode, String);

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        Self(StatusCode::BAD_REQUEST, message.into())
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self(StatusCode::NOT_FOUND, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        app_error(self.0, self.1)
    }
}

fn app_error(status: StatusCode, message: impl Into<String>) -> Response {
    let token = match status {
        StatusCode::NOT_FOUND => "NotFound",
        StatusCode::BAD_REQUEST => "BadRequest",
        StatusCode::CONFLICT => "Conflict",
        _ => "InternalServerError",
    };
    let body =
        json!({"error_code": status.as_u16(), "error_token": token, "message": message.into()});
    (status, Json(body)).into_response()
}

/// Token endpoint error body: `{statusCode: 400, errorCode, message}`.
fn auth_error(code: &str, message: &str) -> Response {
    let body = json!({"statusCode": 400, "errorCode": code, "message": message});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Bodies of injected faults: gateway style for 429/504, v2 style for server errors.
fn fault_body(status: u16) -> Value {
    match status {
        429 => json!({"message": "Too Many Requests"}),
        504 => json!({"message": "Endpoint request timed out"}),
        code => {
            json!({"error_code": code, "error_token": "InternalServerError", "message": "Internal server error"})
        }
    }
}

/// 401 unless the request carries a live bearer token; the token's subject (the organisation)
/// is passed on for the per-organisation rate limit.
async fn require_bearer(State(sim): State<Shared>, mut request: Request, next: Next) -> Response {
    match sim.tokens.check_headers(request.headers()) {
        TokenCheck::Valid(subject) => {
            request.extensions_mut().insert(Organisation(subject));
            next.run(request).await
        }
        TokenCheck::Expired => unauthorized("The incoming token has expired"),
        TokenCheck::Unknown => unauthorized("Unauthorized"),
    }
}

fn unauthorized(message: &str) -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"message": message}))).into_response()
}

#[derive(Debug, Clone)]
struct Organisation(String);

/// 10 requests/s per organisation on `/v1/sims*`; beyond it, 429 with `Retry-After`.
async fn rate_limit(State(sim): State<Shared>, request: Request, next: Next) -> Response {
    let org = request
        .extensions()
        .get::<Organisation>()
        .map_or_else(String::new, |o| o.0.clone());
    match sim.limiter.check(&org) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many_requests(fault_body(429), wait),
    }
}
