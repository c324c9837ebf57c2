//! HTTP routes of the TMSP simulator: the Keycloak-style token endpoint, the bearer-token gate,
//! SIM listing / lookup / usage, and the asynchronous change requests. Errors are JSON
//! `{status, code, message, timestamp}` (PROVISIONAL).

use super::requests::{self, Change, Request};
use super::{BASE_PATH, Shared, State, TOKEN_PATH, inventory};
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
use std::sync::atomic::Ordering;
use std::time::Instant;

type Shr = AxState<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
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
        .layer(middleware::from_fn_with_state(shared.clone(), bearer_gate));
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

async fn token(AxState(sh): Shr, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut st = sh.lock();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        let body = json!({"error": "unsupported_grant_type",
            "error_description": "only client_credentials is supported"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let id_ok = form.get("client_id") == Some(&st.opts.client_id);
    let secret_ok = form.get("client_secret") == Some(&st.opts.client_secret);
    if !(id_ok && secret_ok) {
        let body = json!({"error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    let n = sh.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
    let access_token = format!("tmsp-sim-{n}-{:x}", rand::random::<u64>());
    let ttl = st.opts.token_ttl;
    st.tokens.insert(access_token.clone(), Instant::now() + ttl);
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": "openid",
    }))
    .into_response()
}

/// Counts API calls, checks the bearer token, and settles due requests before any handler.
async fn bearer_gate(AxState(sh): Shr, req: HttpRequest, next: Next) -> Response {
    sh.api_calls.fetch_add(1, Ordering::SeqCst);
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    {
        let mut st = sh.lock();
        let now = Instant::now();
        st.tokens.retain(|_, exp| *exp > now);
        let valid = presented.is_some_and(|t| st.tokens.contains_key(&t));
        if !valid {
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
        st.settle_due();
    }
    next.run(req).await
}

fn check_partner(st: &State, partner: &str) -> Result<(), Problem> {
    if partner == st.opts.partner_id {
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
    if size == 0 || size > st.opts.max_page_size {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "INVALID_PAGE_SIZE",
            format!("size must be between 1 and {}", st.opts.max_page_size),
        ));
    }
    let page = q.page.unwrap_or(0);
    let total = st.sims.len();
    let content: Vec<_> = st.sims.iter().skip(page * size).take(size).collect();
    Ok(Json(json!({
        "content": content,
        "page": {"number": page, "size": size, "totalElements": total,
                 "totalPages": total.div_ceil(size)},
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lookup {
    identifier_type: String,
    identifiers: Vec<String>,
}

/// The SIM index for one identifier of `kind` (ICCID, EID, IMSI, IMEI, MSISDN).
fn find(st: &State, kind: &str, value: &str) -> Result<Option<usize>, Problem> {
    let field: fn(&inventory::SimRecord) -> Option<&str> = match kind {
        "ICCID" => |s| Some(&s.iccid),
        "EID" => |s| s.eid.as_deref(),
        "IMSI" => |s| Some(&s.imsi),
        "IMEI" => |s| s.imei.as_deref(),
        "MSISDN" => |s| Some(&s.msisdn),
        other => {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "INVALID_IDENTIFIER_TYPE",
                format!("identifierType '{other}' is not one of ICCID, EID, IMSI, IMEI, MSISDN"),
            ));
        }
    };
    if kind == "ICCID" {
        return Ok(st.by_iccid.get(value).copied());
    }
    Ok(st.sims.iter().position(|s| field(s) == Some(value)))
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
            Ok(Some(i)) => content.push(view(&st.sims[i])),
            Ok(None) => not_found.push(value.clone()),
        }
    }
    Ok(Json(json!({"content": content, "notFound": not_found})).into_response())
}

async fn search(AxState(sh): Shr, Path(partner): Path<String>, Json(q): Json<Lookup>) -> Reply {
    lookup(&sh, &partner, &q, |s| s.clone())
}

async fn usage(AxState(sh): Shr, Path(partner): Path<String>, Json(q): Json<Lookup>) -> Reply {
    lookup(&sh, &partner, &q, |s| {
        json!({
            "iccid": s.iccid,
            "billingPeriod": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-31T23:59:59Z"},
            "consumption": s.consumption,
        })
    })
}

/// Resolve the one SIM a change request addresses, refusing if another change is pending.
fn target_sim(st: &State, kind: &str, value: &str) -> Result<usize, Problem> {
    let i = find(st, kind, value)?.ok_or_else(|| {
        problem(
            StatusCode::NOT_FOUND,
            "SIM_NOT_FOUND",
            format!("no SIM with {kind} {value}"),
        )
    })?;
    let iccid = &st.sims[i].iccid;
    if let Some(p) = st
        .requests
        .values()
        .find(|r| r.is_pending() && &r.iccid == iccid)
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
    let id = st.fresh_id("REQ");
    let req = Request::new(id.clone(), iccid, change, st.opts.async_delay);
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
    let from = st.sims[i].status.clone();
    if !requests::transition_allowed(&from, &b.target_status) {
        return Err(problem(
            StatusCode::CONFLICT,
            "TRANSITION_NOT_ALLOWED",
            format!("status change {from} → {} is not allowed", b.target_status),
        ));
    }
    let iccid = st.sims[i].iccid.clone();
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
    let iccid = st.sims[i].iccid.clone();
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
