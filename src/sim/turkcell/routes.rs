//! HTTP routes of the Turkcell simulator: session login, the session-token gate, cursor-paged
//! line listing, line and usage reads. Every body has a `result {code, description}` envelope.

// Lookups hand the ready error Response straight back to the handler; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BASE_PATH, DEFAULT_LIMIT, Line, MAX_LIMIT, Turkcell};
use crate::sim::FaultControl;
use crate::sim::cellular::current_cycle;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::tokens::TokenCheck;

type Shared = Arc<Turkcell>;

pub(super) fn router(sim: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/lines", get(list))
        .route("/lines/{iccid}", get(one))
        .route("/lines/{iccid}/usage", get(usage))
        // route_layer: the last added runs first → faults, then the session gate.
        .route_layer(from_fn_with_state(sim.clone(), session_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(&format!("{BASE_PATH}/session/login"), post(login))
        .nest(BASE_PATH, api)
        .with_state(sim)
}

fn result(code: &str, description: &str) -> Value {
    json!({"code": code, "description": description})
}

fn fail(status: StatusCode, code: &str, description: impl Into<String>) -> Response {
    let body = json!({"result": result(code, &description.into())});
    (status, Json(body)).into_response()
}

fn ok(mut body: Value) -> Response {
    if let Some(map) = body.as_object_mut() {
        map.insert("result".into(), result("0", "OK"));
    }
    Json(body).into_response()
}

fn fault_body(status: u16) -> Value {
    let (code, text) = match status {
        429 => ("THROTTLED", "too many requests"),
        504 => ("BACKEND_TIMEOUT", "the line system did not answer"),
        _ => ("SYSTEM_ERROR", "temporary system error"),
    };
    json!({"result": result(code, text)})
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Login {
    user_name: String,
    password: String,
}

async fn login(State(sim): State<Shared>, Json(body): Json<Login>) -> Response {
    if body.user_name != sim.user || body.password != sim.password {
        return fail(
            StatusCode::UNAUTHORIZED,
            "LOGIN_FAILED",
            "user name or password is wrong",
        );
    }
    let issued = sim.sessions.issue(&sim.user);
    ok(json!({"sessionToken": issued.access_token, "validitySeconds": issued.expires_in}))
}

async fn session_gate(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get("x-session-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match sim.sessions.check(token) {
        TokenCheck::Valid(_) => next.run(req).await,
        TokenCheck::Expired => fail(
            StatusCode::UNAUTHORIZED,
            "SESSION_EXPIRED",
            "session expired, log in again",
        ),
        TokenCheck::Unknown => fail(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION",
            "no valid session token",
        ),
    }
}

fn yn(b: bool) -> &'static str {
    if b { "Y" } else { "N" }
}

fn line_json(line: &Line) -> Value {
    let r = &line.row;
    let [in_sms, out_sms, in_voice, out_voice, data] = line.flags;
    json!({
        "iccid": r.iccid,
        "imsi": r.imsi,
        "msisdn": r.msisdn,
        "imei": r.imei,
        "contractStatus": line.contract,
        "barring": {
            "incomingSms": yn(in_sms), "outgoingSms": yn(out_sms),
            "incomingVoice": yn(in_voice), "outgoingVoice": yn(out_voice),
            "data": yn(data),
        },
        "tariffName": r.plan,
        // Turkcell lists APNs as one comma-separated field.
        "apnList": r.apns.join(","),
        "network": "Turkcell",
        "radioType": r.radio,
        "activationDate": r.activated_on,
    })
}

/// Cursors are opaque to clients: the next row index, base64url-encoded.
fn encode_cursor(index: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("line:{index}"))
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("line:")?
        .parse()
        .ok()
}

#[derive(Deserialize)]
struct Paging {
    limit: Option<String>,
    after: Option<String>,
}

async fn list(State(sim): State<Shared>, Query(q): Query<Paging>) -> Response {
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "INVALID_LIMIT",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            );
        }
    };
    let first = match q.after.as_deref() {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Some(i) => i.min(sim.size),
            None => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "INVALID_CURSOR",
                    "cursor is not valid",
                );
            }
        },
    };
    let last = first.saturating_add(limit as u64).min(sim.size);
    let lines: Vec<Value> = (first..last).map(|i| line_json(&sim.line(i))).collect();
    let next = (last < sim.size).then(|| encode_cursor(last));
    ok(json!({"lines": lines, "nextCursor": next}))
}

fn find(sim: &Turkcell, iccid: &str) -> Result<u64, Response> {
    sim.index_of(iccid).ok_or_else(|| {
        fail(
            StatusCode::NOT_FOUND,
            "LINE_NOT_FOUND",
            format!("no line with ICCID {iccid}"),
        )
    })
}

async fn one(State(sim): State<Shared>, Path(iccid): Path<String>) -> Response {
    match find(&sim, &iccid) {
        Ok(i) => ok(json!({"line": line_json(&sim.line(i))})),
        Err(r) => r,
    }
}

async fn usage(State(sim): State<Shared>, Path(iccid): Path<String>) -> Response {
    let i = match find(&sim, &iccid) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let r = sim.line(i).row;
    let (start, end) = current_cycle();
    ok(json!({"usage": {
        "iccid": r.iccid,
        "periodStart": start,
        "periodEnd": end,
        "dataKB": r.cycle_bytes / 1000,
        "smsCount": r.cycle_sms,
    }}))
}
