//! HTTP routes of the STC ConnectME simulator: the OAuth2 token endpoint (Basic client auth),
//! the bearer gate, page-numbered subscription listing, subscription and consumption reads, and
//! lifecycle changes as asynchronous orders. Errors are JSON:API-style `errors` arrays.

// Lookups hand the ready error Response straight back to the handler; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BASE_PATH, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PREPAID_PLAN, Stc, Subscription};
use crate::sim::FaultControl;
use crate::sim::cellular::{current_cycle, now_rfc3339};
use crate::sim::jobs::JobState;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::status_book::Order;
use crate::sim::tokens::TokenCheck;

type Shared = Arc<Stc>;

pub(super) fn router(sim: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/accounts/{acct}/subscriptions", get(list))
        .route(
            "/accounts/{acct}/subscriptions/{iccid}",
            get(one).patch(change),
        )
        .route(
            "/accounts/{acct}/subscriptions/{iccid}/consumption",
            get(consumption),
        )
        .route("/accounts/{acct}/orders/{id}", get(order))
        // route_layer: the last added runs first → faults, then the bearer gate.
        .route_layer(from_fn_with_state(sim.clone(), bearer_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(&format!("{BASE_PATH}/oauth2/token"), post(token))
        .nest(BASE_PATH, api)
        .with_state(sim)
}

fn errors_body(status: u16, code: &str, detail: &str) -> Value {
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({"errors": [{"status": status.to_string(), "code": code, "title": title, "detail": detail}]})
}

fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    let body = errors_body(status.as_u16(), code, &detail.into());
    (status, Json(body)).into_response()
}

fn fault_body(status: u16) -> Value {
    match status {
        429 => errors_body(429, "STC-GW-429", "throttled by the API gateway"),
        504 => errors_body(504, "STC-GW-504", "backend timeout"),
        s => errors_body(s, "STC-GW-500", "unexpected gateway error"),
    }
}

async fn token(
    State(sim): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        let body = json!({"error": "unsupported_grant_type"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let valid = crate::sim::basic::credentials(&headers)
        .is_some_and(|(id, secret)| id == sim.client_id && secret == sim.client_secret);
    if !valid {
        let body = json!({"error": "invalid_client",
            "error_description": "client authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let issued = sim.tokens.issue(&sim.account);
    Json(json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "scope": "connectme.subscriptions",
    }))
    .into_response()
}

async fn bearer_gate(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    match sim.tokens.check_headers(req.headers()) {
        TokenCheck::Valid(_) => {
            sim.book.settle();
            next.run(req).await
        }
        TokenCheck::Expired => error(
            StatusCode::UNAUTHORIZED,
            "STC-AUTH-002",
            "access token expired",
        ),
        TokenCheck::Unknown => error(
            StatusCode::UNAUTHORIZED,
            "STC-AUTH-001",
            "access token missing or invalid",
        ),
    }
}

fn check_account(sim: &Stc, acct: &str) -> Result<(), Response> {
    if acct == sim.account {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "STC-ACC-403",
            format!("no access to account {acct}"),
        ))
    }
}

fn find(sim: &Stc, acct: &str, iccid: &str) -> Result<u64, Response> {
    check_account(sim, acct)?;
    sim.index_of(iccid).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "STC-SUB-404",
            format!("subscription {iccid} not found in the account"),
        )
    })
}

fn subscription_json(s: &Subscription) -> Value {
    let r = &s.row;
    // Plan codes are what billing shows; names are what people read.
    let code = format!("SP{:04}", r.plan.len() * 97 % 10_000);
    json!({
        "iccid": r.iccid,
        "imsi": r.imsi,
        "msisdn": r.msisdn,
        "imei": r.imei,
        "lifecycleStatus": s.status,
        "lifecycleStatusDate": s.status_date,
        "activationDate": r.activated_on,
        "servicePlan": {"code": code, "name": r.plan},
        "apnList": r.apns.iter().map(|a| json!({"apnName": a})).collect::<Vec<_>>(),
        "network": {"operatorName": "stc", "accessTechnology": r.radio},
        "staticIp": r.ip,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Paging {
    page_number: Option<String>,
    page_size: Option<String>,
}

async fn list(
    State(sim): State<Shared>,
    Path(acct): Path<String>,
    Query(q): Query<Paging>,
) -> Response {
    if let Err(r) = check_account(&sim, &acct) {
        return r;
    }
    let number = match q.page_number.as_deref().map(str::parse::<u64>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "STC-REQ-001",
                "pageNumber must be 1 or more",
            );
        }
    };
    let size = match q.page_size.as_deref().map(str::parse::<u64>) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "STC-REQ-002",
                format!("pageSize must be between 1 and {MAX_PAGE_SIZE}"),
            );
        }
    };
    let first = (number - 1).saturating_mul(size).min(sim.size);
    let last = first.saturating_add(size).min(sim.size);
    let data: Vec<Value> = (first..last)
        .map(|i| subscription_json(&sim.subscription(i)))
        .collect();
    Json(json!({
        "data": data,
        "pagination": {"pageNumber": number, "pageSize": size,
            "totalPages": sim.size.div_ceil(size), "totalRecords": sim.size},
    }))
    .into_response()
}

async fn one(State(sim): State<Shared>, Path((acct, iccid)): Path<(String, String)>) -> Response {
    match find(&sim, &acct, &iccid) {
        Ok(i) => Json(subscription_json(&sim.subscription(i))).into_response(),
        Err(r) => r,
    }
}

async fn consumption(
    State(sim): State<Shared>,
    Path((acct, iccid)): Path<(String, String)>,
) -> Response {
    let i = match find(&sim, &acct, &iccid) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let r = sim.subscription(i).row;
    let (from, to) = current_cycle();
    // ConnectME reports megabytes with three decimals.
    let mb = (r.cycle_bytes as f64 / 1e3).round() / 1e3;
    Json(json!({
        "iccid": r.iccid,
        "period": {"from": from, "to": to},
        "items": [
            {"service": "DATA", "quantity": mb, "unit": "MB"},
            {"service": "SMS", "quantity": r.cycle_sms, "unit": "EVENT"},
        ],
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LifecyclePatch {
    lifecycle_status: String,
}

async fn change(
    State(sim): State<Shared>,
    Path((acct, iccid)): Path<(String, String)>,
    Json(patch): Json<LifecyclePatch>,
) -> Response {
    let i = match find(&sim, &acct, &iccid) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let target = patch.lifecycle_status;
    if !matches!(target.as_str(), "ACTIVE" | "SUSPENDED") {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "STC-LC-001",
            format!("lifecycleStatus '{target}' cannot be requested"),
        );
    }
    if let Some(job) = sim.book.pending(i) {
        return error(
            StatusCode::CONFLICT,
            "STC-LC-409",
            format!("order ORD-{job:06} for this subscription is not finished"),
        );
    }
    let current = sim.subscription(i);
    let allowed = matches!(
        (current.status.as_str(), target.as_str()),
        ("ACTIVE", "SUSPENDED") | ("SUSPENDED", "ACTIVE")
    );
    if !allowed {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "STC-LC-002",
            format!("cannot change lifecycle {} → {target}", current.status),
        );
    }
    let refusal = (target == "SUSPENDED" && current.row.plan == PREPAID_PLAN).then(|| {
        "PREPAID_SUSPENSION_NOT_ALLOWED: prepaid subscriptions cannot be suspended".into()
    });
    let order = Order {
        iccid: current.row.iccid.clone(),
        from: current.status,
        target,
        submitted: now_rfc3339(),
    };
    let id = sim.book.submit(i, order, refusal);
    let order_id = format!("ORD-{id:06}");
    let location = format!("{BASE_PATH}/accounts/{acct}/orders/{order_id}");
    let mut response = (
        StatusCode::ACCEPTED,
        Json(json!({"orderId": order_id, "orderStatus": "ACKNOWLEDGED"})),
    )
        .into_response();
    if let Ok(v) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

async fn order(State(sim): State<Shared>, Path((acct, id)): Path<(String, String)>) -> Response {
    if let Err(r) = check_account(&sim, &acct) {
        return r;
    }
    let view = id
        .strip_prefix("ORD-")
        .and_then(|n| n.parse::<u64>().ok())
        .and_then(|n| sim.book.get(n));
    let Some(view) = view else {
        return error(
            StatusCode::NOT_FOUND,
            "STC-ORD-404",
            format!("order {id} not found"),
        );
    };
    let status = match view.job.state {
        JobState::InProgress => "ACKNOWLEDGED",
        JobState::Completed => "COMPLETED",
        JobState::InError | JobState::Cancelled => "REJECTED",
    };
    let rejection = view.job.error.as_ref().map(|e| {
        let (code, text) = e.split_once(": ").unwrap_or(("REJECTED", e.as_str()));
        json!({"reasonCode": code, "reasonText": text})
    });
    Json(json!({
        "orderId": id,
        "orderType": "LIFECYCLE_CHANGE",
        "subscription": {"iccid": view.order.iccid},
        "fromStatus": view.order.from,
        "toStatus": view.order.target,
        "orderStatus": status,
        "rejection": rejection,
        "createdAt": view.order.submitted,
    }))
    .into_response()
}
