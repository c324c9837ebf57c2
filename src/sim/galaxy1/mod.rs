//! Simulator of a Viasat GALAXY1 terminal API (kind GALAXY1). No public API is known: the wire
//! shapes are PROVISIONAL and documented in `docs/backends/galaxy1.md`.
//!
//! - `POST {base}/sessions {"login", "password"}` → 201 `{"sessionToken", "expiresInSeconds"}`;
//!   every other call sends `Authorization: Session <token>` (30 min sessions);
//! - `GET {base}/terminals?pageSize=&pageToken=` — opaque page tokens (`nextPageToken`), page
//!   size 1–200 (default 25), `totalSize`; `GET {base}/terminals?iccid=` looks up by SIM;
//! - `GET {base}/terminals/{terminalId}`, `GET {base}/terminals/{terminalId}/consumption`
//!   (bytes per bearer, `KA_BAND` and `LTE`);
//! - `GET {base}/jobs/{jobId}` — carrier-side jobs (commissioning, firmware updates):
//!   `QUEUED`/`RUNNING` until `async_delay` after start, then `SUCCEEDED` or `FAILED`.
//!
//! Errors are `{"fault": {"code", "reason", "httpStatus"}}`. Nothing can be changed through
//! this API (the seed marks GALAXY1 status changes ✖).

// Handlers answer errors as ready `Response`s (cold paths); boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod fleet;
mod link;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::inventory::row_hash;
use super::server::{FaultLayer, inject_faults};
use super::tokens::{TokenCheck, TokenIssuer};
use super::{FaultControl, PlatformApp, PlatformContext, PlatformSpec};

/// Registration of the GALAXY1 simulator.
pub const SPEC: PlatformSpec = PlatformSpec {
    kind: "GALAXY1",
    name: "galaxy1-demo",
    capacity: fleet::CAPACITY,
    build,
};

pub const BASE_PATH: &str = "/galaxy/api/v1";
pub const SESSION_TTL: Duration = Duration::from_secs(1800);
pub const MAX_PAGE_SIZE: u64 = 200;
pub const DEFAULT_PAGE_SIZE: u64 = 25;

struct Galaxy {
    seed: u64,
    size: u64,
    login: String,
    password: String,
    account: String,
    sessions: TokenIssuer,
    started: Instant,
    job_delay: Duration,
}

impl Galaxy {
    fn jobs_done(&self) -> bool {
        self.started.elapsed() >= self.job_delay
    }
    /// Page tokens are opaque to clients; salted so they cannot be mistaken for offsets.
    fn page_token(&self, offset: u64) -> String {
        format!("pt{:x}", offset ^ (self.seed & 0xFFFF_FFFF))
    }
    fn offset_of(&self, token: &str) -> Option<u64> {
        let raw = u64::from_str_radix(token.strip_prefix("pt")?, 16).ok()?;
        Some(raw ^ (self.seed & 0xFFFF_FFFF)).filter(|o| *o <= self.size)
    }
}

type Shared = Arc<Galaxy>;
type Reply = Result<Response, Response>;

fn fault_body(code: &str, reason: &str, status: u16) -> Value {
    json!({"fault": {"code": code, "reason": reason, "httpStatus": status}})
}

fn fault(status: StatusCode, code: &str, reason: impl Into<String>) -> Response {
    let body = fault_body(code, &reason.into(), status.as_u16());
    (status, Json(body)).into_response()
}

fn build(ctx: PlatformContext) -> PlatformApp {
    let account = format!("VS-{:06}", row_hash(ctx.seed, 0, 0x6A) % 1_000_000);
    let login = format!("noc.{}", row_hash(ctx.seed, 1, 0x6A) % 10_000);
    let password = format!(
        "{:016x}{:08x}",
        row_hash(ctx.seed, 1, 0x5E),
        row_hash(ctx.seed, 3, 0x5E) as u32
    );
    let galaxy = Arc::new(Galaxy {
        seed: ctx.seed,
        size: ctx.size,
        login: login.clone(),
        password: password.clone(),
        account: account.clone(),
        sessions: TokenIssuer::new(ctx.token_ttl.unwrap_or(SESSION_TTL), ctx.control.clone()),
        started: Instant::now(),
        job_delay: ctx.async_delay,
    });
    PlatformApp {
        router: router(galaxy, ctx.control),
        base_path: BASE_PATH,
        account_id: account,
        username: login,
        secret: password,
    }
}

fn router(galaxy: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: |status| fault_body("SERVICE_UNAVAILABLE", "try again later", status),
    };
    let api = Router::new()
        .route(&format!("{BASE_PATH}/terminals"), get(list))
        .route(&format!("{BASE_PATH}/terminals/{{id}}"), get(terminal))
        .route(
            &format!("{BASE_PATH}/terminals/{{id}}/link"),
            get(link::link),
        )
        .route(
            &format!("{BASE_PATH}/terminals/{{id}}/consumption"),
            get(consumption),
        )
        .route(&format!("{BASE_PATH}/jobs/{{id}}"), get(job))
        .route_layer(from_fn_with_state(galaxy.clone(), session_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(&format!("{BASE_PATH}/sessions"), post(open_session))
        .merge(api)
        .with_state(galaxy)
}

async fn open_session(State(g): State<Shared>, body: axum::body::Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let login = body["login"].as_str().unwrap_or_default();
    let password = body["password"].as_str().unwrap_or_default();
    if login != g.login || password != g.password {
        return fault(
            StatusCode::UNAUTHORIZED,
            "BAD_CREDENTIALS",
            "login or password is wrong",
        );
    }
    let issued = g.sessions.issue(&g.account);
    (
        StatusCode::CREATED,
        Json(json!({"sessionToken": issued.access_token,
                    "expiresInSeconds": issued.expires_in, "account": g.account})),
    )
        .into_response()
}

async fn session_gate(State(g): State<Shared>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("session"))
        .map(|(_, t)| t.trim().to_string());
    match token.map(|t| g.sessions.check(&t)) {
        Some(TokenCheck::Valid(_)) => next.run(req).await,
        Some(TokenCheck::Expired) => fault(
            StatusCode::UNAUTHORIZED,
            "SESSION_EXPIRED",
            "session expired, log in again",
        ),
        _ => fault(
            StatusCode::UNAUTHORIZED,
            "NO_SESSION",
            "a session token is required",
        ),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page_size: Option<String>,
    page_token: Option<String>,
    iccid: Option<String>,
}

async fn list(State(g): State<Shared>, Query(q): Query<ListQuery>) -> Reply {
    let done = g.jobs_done();
    if let Some(iccid) = q.iccid {
        let rows: Vec<Value> = fleet::index_of_iccid(&iccid)
            .filter(|i| *i < g.size)
            .map(|i| fleet::render(g.seed, i, done))
            .into_iter()
            .collect();
        return Ok(Json(json!({"terminals": rows, "totalSize": rows.len()})).into_response());
    }
    let size = match q.page_size.as_deref().map(str::parse::<u64>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => {
            return Err(fault(
                StatusCode::BAD_REQUEST,
                "INVALID_PAGE_SIZE",
                format!("pageSize must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
    };
    let start = match q.page_token.as_deref() {
        None | Some("") => 0,
        Some(t) => g.offset_of(t).ok_or_else(|| {
            fault(
                StatusCode::BAD_REQUEST,
                "INVALID_PAGE_TOKEN",
                "pageToken is not valid",
            )
        })?,
    };
    let end = start.saturating_add(size).min(g.size);
    let terminals: Vec<Value> = (start..end)
        .map(|i| fleet::render(g.seed, i, done))
        .collect();
    let mut body = json!({"terminals": terminals, "totalSize": g.size});
    if end < g.size {
        body["nextPageToken"] = json!(g.page_token(end));
    }
    Ok(Json(body).into_response())
}

fn row(g: &Galaxy, id: &str) -> Result<u64, Response> {
    fleet::index_of_terminal(id)
        .filter(|i| *i < g.size)
        .ok_or_else(|| {
            fault(
                StatusCode::NOT_FOUND,
                "TERMINAL_UNKNOWN",
                format!("terminal {id} does not exist"),
            )
        })
}

async fn terminal(State(g): State<Shared>, Path(id): Path<String>) -> Reply {
    let i = row(&g, &id)?;
    Ok(Json(fleet::render(g.seed, i, g.jobs_done())).into_response())
}

async fn consumption(State(g): State<Shared>, Path(id): Path<String>) -> Reply {
    let i = row(&g, &id)?;
    Ok(Json(fleet::consumption(g.seed, i, g.jobs_done())).into_response())
}

async fn job(State(g): State<Shared>, Path(id): Path<String>) -> Reply {
    let missing = || {
        fault(
            StatusCode::NOT_FOUND,
            "JOB_UNKNOWN",
            format!("job {id} does not exist"),
        )
    };
    let i = fleet::index_of_job(&id)
        .filter(|i| *i < g.size)
        .ok_or_else(missing)?;
    let kind = fleet::job_type(g.seed, i).ok_or_else(missing)?;
    let done = g.jobs_done();
    let failed = done && kind == "COMMISSIONING" && fleet::job_fails(i);
    let phase = match (done, failed) {
        (false, _) => "RUNNING",
        (true, true) => "FAILED",
        (true, false) => "SUCCEEDED",
    };
    Ok(Json(json!({
        "jobId": id,
        "terminalId": fleet::terminal_id(i),
        "type": kind,
        "phase": phase,
        "failureReason": failed.then_some("ANTENNA_POINTING: no lock on the assigned beam"),
        "createdAt": "2026-02-01T06:00:00Z",
    }))
    .into_response())
}
