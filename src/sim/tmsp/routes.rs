//! HTTP routes of the TMSP simulator: the Keycloak-style token endpoint, the bearer-token gate,
//! SIM listing / lookup / usage, and the asynchronous change requests. Errors are JSON
//! `{status, code, message, timestamp}` (PROVISIONAL).

use super::requests::{self, Change, Request};
use super::{BASE_PATH, MAX_PAGE_SIZE, Portal, State, TOKEN_PATH, inventory};
use crate::sim::FaultControl;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::tokens::TokenCheck;
use axum::extract::{Form, Path, Query, Request as HttpRequest, State as AxState};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

type Shared = Portal;
type Shr = AxState<Arc<Portal>>;

pub(super) fn router(shared: Arc<Portal>, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/partners/{partner}/sims", get(list_sims))
        .route("/partners/{partner}/sims/search", post(search))
        .route("/partners/{partner}/sims/usage", post(usage))
        .route(
            "/partners/{partner}/sims/status-change-requests",
            post(status_change),
        )
        .route(
            "/partners/{partner}/sims/characteristics-change-requests",
            post(characteristics_change),
        )
        .route(
            "/partners/{partner}/requests/{id}",
            get(get_request).delete(cancel_request),
        )
        // route_layer: the last added runs first → faults, then the bearer gate.
        .route_layer(middleware::from_fn_with_state(shared.clone(), bearer_gate))
        .route_layer(middleware::from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(TOKEN_PATH, post(token))
        .nest(BASE_PATH, api)
        .with_state(shared)
}

/// A refused API call; becomes the JSON error body.
struct Problem {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn problem(status: StatusCode, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        status,
        code,
        message: message.into(),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "status": self.status.as_u16(),
            "code": self.code,
            "message": self.message,
            "timestamp": requests::now_rfc3339(),
        });
        (self.status, Json(body)).into_response()
    }
}

type Reply = Result<Response, Problem>;

/// Bodies of injected faults (gateway errors, 429) in the portal's error shape.
fn fault_body(status: u16) -> serde_json::Value {
    json!({
        "status": status,
        "code": if status == 429 { "TOO_MANY_REQUESTS" } else { "GATEWAY_ERROR" },
        "message": "the API gateway could not serve the request",
        "timestamp": requests::now_rfc3339(),
    })
}

async fn token(AxState(sh): Shr, Form(form): Form<HashMap<String, String>>) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        let body = json!({"error": "unsupported_grant_type",
            "error_description": "only client_credentials is supported"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let id_ok = form.get("client_id") == Some(&sh.client_id);
    let secret_ok = form.get("client_secret") == Some(&sh.client_secret);
    if !(id_ok && secret_ok) {
        let body = json!({"error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let issued = sh.tokens.issue(&sh.client_id);
    Json(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": "openid",
    }))
    .into_response()
}

/// Checks the bearer token, and settles due requests before any handler.
async fn bearer_gate(AxState(sh): Shr, req: HttpRequest, next: Next) -> Response {
    {
        if sh.tokens.check_headers(req.headers()) != TokenCheck::Valid(sh.client_id.clone()) {
            let mut resp = problem(
                StatusCode::UNAUTHORIZED,
                "INVALID_TOKEN",
                "access token missing, invalid or expired",
            )
            .into_response();
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return resp;
        }
        sh.lock().settle_due();
    }
    next.run(req).await
}

fn check_partner(st: &State, partner: &str) -> Result<(), Problem> {
    if partner == st.partner_id {
        Ok(())
    } else {
        Err(problem(
            StatusCode::FORBIDDEN,
            "PARTNER_ACCESS_DENIED",
            format!("client has no access to partner {partner}"),
        ))
    }
}

#[derive(Deserialize)]
struct Paging {
    page: Option<usize>,
    size: Option<usize>,
}

async fn list_sims(
    AxState(sh): Shr,
    Path(partner): Path<String>,
    Query(q): Query<Paging>,
) -> Reply {
    let st = sh.lock();
    check_partner(&st, &partner)?;
    let size = q.size.unwrap_or(20);
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "INVALID_PAGE_SIZE",
            format!("size must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let page = q.page.unwrap_or(0) as u64;
    let total = st.size;
    let first = page.saturating_mul(size as u64).min(total);
    let last = first.saturating_add(size as u64).min(total);
    let content: Vec<_> = (first..last).map(|i| st.sim(i)).collect();
    Ok(Json(json!({
        "content": content,
        "page": {"number": page, "size": size, "totalElements": total,
                 "totalPages": total.div_ceil(size as u64)},
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lookup {
    identifier_type: String,
    identifiers: Vec<String>,
}

/// The SIM row for one identifier of `kind` (ICCID, EID, IMSI, IMEI, MSISDN).
fn find(st: &State, kind: &str, value: &str) -> Result<Option<u64>, Problem> {
    if !matches!(kind, "ICCID" | "EID" | "IMSI" | "IMEI" | "MSISDN") {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "INVALID_IDENTIFIER_TYPE",
            format!("identifierType '{kind}' is not one of ICCID, EID, IMSI, IMEI, MSISDN"),
        ));
    }
    let Some(i) = inventory::index_of(kind, value).filter(|i| *i < st.size) else {
        return Ok(None);
    };
    // EID and IMEI exist only for eUICC and activated SIMs.
    let sim = st.sim(i);
    let present = match kind {
        "EID" => sim.eid.as_deref() == Some(value),
        "IMEI" => sim.imei.as_deref() == Some(value),
        _ => true,
    };
    Ok(present.then_some(i))
}

fn lookup<T: serde::Serialize>(
    sh: &Shared,
    partner: &str,
    q: &Lookup,
    view: impl Fn(&inventory::SimRecord) -> T,
) -> Reply {
    let st = sh.lock();
    check_partner(&st, partner)?;
    if q.identifiers.is_empty() || q.identifiers.len() > 100 {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "INVALID_IDENTIFIERS",
            "between 1 and 100 identifiers are required",
        ));
    }
    let mut content = Vec::new();
    let mut not_found = Vec::new();
    for value in &q.identifiers {
        match find(&st, &q.identifier_type, value) {
            Err(r) => return Err(r),
            Ok(Some(i)) => content.push(view(&st.sim(i))),
            Ok(None) => not_found.push(value.clone()),
        }
    }
    Ok(Json(json!({"content": content, "notFound": not_found})).into_response())
}

async fn search(AxState(sh): Shr, Path(partner): Path<String>, Json(q): Json<Lookup>) -> Reply {
    lookup(&sh, &partner, &q, |s| s.clone())
}

async fn usage(AxState(sh): Shr, Path(partner): Path<String>, Json(q): Json<Lookup>) -> Reply {
    // The current calendar month, like every simulated billing cycle.
    let (start, end) = crate::sim::cellular::current_cycle();
    lookup(&sh, &partner, &q, |s| {
        json!({
            "iccid": s.iccid,
            "billingPeriod": {"start": start, "end": end},
            "consumption": s.consumption,
        })
    })
}

/// Resolve the one SIM a change request addresses, refusing if another change is pending.
fn target_sim(st: &State, kind: &str, value: &str) -> Result<u64, Problem> {
    let i = find(st, kind, value)?.ok_or_else(|| {
        problem(
            StatusCode::NOT_FOUND,
            "SIM_NOT_FOUND",
            format!("no SIM with {kind} {value}"),
        )
    })?;
    let iccid = inventory::iccid(i);
    if let Some(p) = st
        .requests
        .values()
        .find(|r| r.is_pending() && r.iccid == iccid)
    {
        return Err(problem(
            StatusCode::CONFLICT,
            "REQUEST_PENDING",
            format!("request {} for this SIM is still in progress", p.id),
        ));
    }
    Ok(i)
}

fn accept(st: &mut State, iccid: String, change: Change) -> Response {
    let id = st.fresh_id();
    let req = Request::new(id.clone(), iccid, change, st.async_delay);
    let view = req.view();
    st.requests.insert(id, req);
    (StatusCode::ACCEPTED, Json(view)).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusChange {
    identifier_type: String,
    identifier: String,
    target_status: String,
}

async fn status_change(
    AxState(sh): Shr,
    Path(partner): Path<String>,
    Json(b): Json<StatusChange>,
) -> Reply {
    let mut st = sh.lock();
    check_partner(&st, &partner)?;
    if !requests::settable(&b.target_status) {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "INVALID_TARGET_STATUS",
            format!("'{}' cannot be requested", b.target_status),
        ));
    }
    let i = target_sim(&st, &b.identifier_type, &b.identifier)?;
    let from = st.sim(i).status;
    if !requests::transition_allowed(&from, &b.target_status) {
        return Err(problem(
            StatusCode::CONFLICT,
            "TRANSITION_NOT_ALLOWED",
            format!("status change {from} → {} is not allowed", b.target_status),
        ));
    }
    let iccid = inventory::iccid(i);
    Ok(accept(
        &mut st,
        iccid,
        Change::Status {
            target: b.target_status,
        },
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CharacteristicsChange {
    identifier_type: String,
    identifier: String,
    product_offering: Option<String>,
    related_party: Option<String>,
    sim_profile: Option<String>,
}

async fn characteristics_change(
    AxState(sh): Shr,
    Path(partner): Path<String>,
    Json(b): Json<CharacteristicsChange>,
) -> Reply {
    let mut st = sh.lock();
    check_partner(&st, &partner)?;
    if b.product_offering.is_none() && b.related_party.is_none() && b.sim_profile.is_none() {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "NOTHING_TO_CHANGE",
            "give productOffering, relatedParty or simProfile",
        ));
    }
    if let Some(o) = b
        .product_offering
        .as_deref()
        .filter(|o| inventory::offering(o).is_none())
    {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "UNKNOWN_PRODUCT_OFFERING",
            format!("product offering '{o}' is not in the partner's catalogue"),
        ));
    }
    if let Some(p) = b
        .sim_profile
        .as_deref()
        .filter(|p| !inventory::SIM_PROFILES.contains(p))
    {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "UNKNOWN_SIM_PROFILE",
            format!("SIM profile '{p}' does not exist"),
        ));
    }
    let i = target_sim(&st, &b.identifier_type, &b.identifier)?;
    let iccid = inventory::iccid(i);
    let change = Change::Characteristics {
        product_offering: b.product_offering,
        related_party: b.related_party,
        sim_profile: b.sim_profile,
    };
    Ok(accept(&mut st, iccid, change))
}

async fn get_request(AxState(sh): Shr, Path((partner, id)): Path<(String, String)>) -> Reply {
    let st = sh.lock();
    check_partner(&st, &partner)?;
    match st.requests.get(&id) {
        Some(r) => Ok(Json(r.view()).into_response()),
        None => Err(problem(
            StatusCode::NOT_FOUND,
            "REQUEST_NOT_FOUND",
            format!("no request {id}"),
        )),
    }
}

async fn cancel_request(AxState(sh): Shr, Path((partner, id)): Path<(String, String)>) -> Reply {
    let mut st = sh.lock();
    check_partner(&st, &partner)?;
    let Some(req) = st.requests.get_mut(&id) else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "REQUEST_NOT_FOUND",
            format!("no request {id}"),
        ));
    };
    if !req.is_pending() {
        return Err(problem(
            StatusCode::CONFLICT,
            "REQUEST_NOT_CANCELLABLE",
            format!(
                "request {id} is already {} and can no longer be cancelled",
                req.state
            ),
        ));
    }
    req.cancel();
    Ok(Json(req.view()).into_response())
}
