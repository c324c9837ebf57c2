//! Handlers of the simulated 1NCE Management API routes.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Months, NaiveDate, Utc};
use serde_json::{Value, json};

use super::sims::{ICCIDS, SimChange, SimRow};
use super::{ApiError, Shared, auth_error};
use crate::sim::faults::lock;

type Params = Query<HashMap<String, String>>;

/// `POST /oauth/token`: Basic client credentials, grant type in a JSON or form body (or query).
pub(super) async fn token(
    State(sim): State<Shared>,
    Query(query): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let grant_type = if body.is_empty() {
        query.get("grant_type").cloned()
    } else if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v
                .get("grant_type")
                .and_then(Value::as_str)
                .map(str::to_string),
            Err(_) => return auth_error("BodyValidationError", "Request body is not valid JSON"),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        form_value(&body, "grant_type").or_else(|| query.get("grant_type").cloned())
    } else {
        return auth_error(
            "UnsupportedContentTypeError",
            "Content-Type must be application/json or application/x-www-form-urlencoded",
        );
    };
    if grant_type.as_deref() != Some("client_credentials") {
        return auth_error(
            "BodyValidationError",
            "grant_type must be client_credentials",
        );
    }
    let Some((client_id, secret)) = crate::sim::basic::credentials(&headers) else {
        return auth_error(
            "AuthValidationError",
            "Missing or malformed Basic authorization header",
        );
    };
    if client_id != sim.client_id || secret != sim.secret {
        return auth_error("BadCredentials", "Invalid client credentials");
    }
    let issued = sim.tokens.issue(&client_id);
    Json(json!({
        "status_code": 200,
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "userId": client_id,
        "scope": "all",
    }))
    .into_response()
}

fn form_value(body: &[u8], key: &str) -> Option<String> {
    std::str::from_utf8(body).ok()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace('+', " "))
    })
}

/// A positive integer query parameter with a default and an upper bound.
fn bounded(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| {
                ApiError::bad_request(format!("{name} must be an integer between 1 and {max}"))
            }),
    }
}

/// `GET /v1/sims?page=&pageSize=`: a bare array, paging in `X-*` headers.
pub(super) async fn list(
    State(sim): State<Shared>,
    Query(query): Params,
) -> Result<Response, ApiError> {
    if query.contains_key("q") || query.contains_key("sort") {
        return Err(ApiError::bad_request(
            "q and sort are not modelled by this simulator",
        ));
    }
    let page = bounded(&query, "page", 1, u64::from(u32::MAX))?;
    let page_size = bounded(&query, "pageSize", 10, 100)?;
    let total_pages = sim.size.div_ceil(page_size);
    let start = (page - 1).saturating_mul(page_size);
    let end = start.saturating_add(page_size).min(sim.size);
    let rows: Vec<Value> = {
        let changes = lock(&sim.changes);
        (start..end.max(start))
            .map(|i| SimRow::generate(sim.seed, sim.size, i, changes.get(&i)).to_json())
            .collect()
    };
    let mut response = Json(rows).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-count-per-page", page_size),
        ("x-current-page", page),
        ("x-total-count", sim.size),
        ("x-total-pages", total_pages),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    Ok(response)
}

fn find(sim: &Shared, iccid: &str) -> Result<SimRow, ApiError> {
    let index = ICCIDS
        .index_of(sim.seed, sim.size, iccid)
        .ok_or_else(|| ApiError::not_found(format!("SIM {iccid} not found")))?;
    let changes = lock(&sim.changes);
    Ok(SimRow::generate(
        sim.seed,
        sim.size,
        index,
        changes.get(&index),
    ))
}

pub(super) async fn detail(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.to_json()))
}

pub(super) async fn connectivity(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.connectivity_json(Utc::now())))
}

pub(super) async fn quota_data(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.quota_json(false)))
}

pub(super) async fn quota_sms(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.quota_json(true)))
}

/// `GET /v1/sims/{iccid}/usage?start_dt=&end_dt=`: daily stats, history limited to 6 months.
pub(super) async fn usage(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
    Query(query): Params,
) -> Result<Json<Value>, ApiError> {
    let row = find(&sim, &iccid)?;
    let date = |name: &str| {
        query
            .get(name)
            .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
            .ok_or_else(|| ApiError::bad_request(format!("{name} must be a date YYYY-MM-DD")))
    };
    let (start, end) = (date("start_dt")?, date("end_dt")?);
    let today = Utc::now().date_naive();
    let oldest = today.checked_sub_months(Months::new(6)).unwrap_or(today);
    if start > end {
        return Err(ApiError::bad_request("start_dt must not be after end_dt"));
    }
    if start < oldest {
        return Err(ApiError::bad_request(format!(
            "usage history is limited to the last 6 months (start_dt >= {oldest})"
        )));
    }
    let stats: Vec<Value> = start
        .iter_days()
        .take_while(|d| *d <= end.min(today))
        .map(|d| row.usage_day_json(d))
        .collect();
    Ok(Json(json!({ "stats": stats })))
}

/// `PUT /v1/sims/{iccid}` with `{iccid, status, label?, imei_lock?}`: applied at once, 200 empty.
pub(super) async fn update(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let row = find(&sim, &iccid)?;
    let bad = |message: &str| Err(ApiError::bad_request(message));
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return bad("body must be a JSON object");
    };
    match body.get("iccid").and_then(Value::as_str) {
        Some(given) if given == row.iccid || given == iccid => {}
        Some(_) => return bad("iccid in body does not match the path"),
        None => return bad("iccid is required"),
    }
    let status = match body.get("status").and_then(Value::as_str) {
        Some(s @ ("Enabled" | "Disabled")) => s.to_string(),
        _ => return bad("status is required and must be Enabled or Disabled"),
    };
    let label = match body.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return bad("label must be a string"),
    };
    let imei_lock = match body.get("imei_lock") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return bad("imei_lock must be a boolean"),
    };
    let mut changes = lock(&sim.changes);
    let change = changes.entry(row.index).or_insert_with(SimChange::default);
    if status != row.status {
        change.changed_at = Some(Utc::now());
    }
    change.status = Some(status);
    change.label = label.or(change.label.take());
    change.imei_lock = imei_lock.or(change.imei_lock);
    tracing::debug!(iccid = %row.iccid, status = ?change.status, "1NCE simulator applied a status change");
    Ok(StatusCode::OK)
}
