//! Handlers of the simulated Control Center routes: search, details, usage, edit, echo.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration as Span, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::devices::{DeviceChange, DeviceRow, NATIVE_STATUSES, first_generated_since};
use super::{ApiError, MAX_PAGE_SIZE, Shared, codes};
use crate::sim::faults::lock;

type Params = Query<HashMap<String, String>>;

/// ISO 8601 as clients send it: `2024-05-01T00:00:00Z`, `…+00:00` or `…+0000`.
fn parse_instant(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// The `modifiedSince` rules: required, not in the future, at most a year old.
fn modified_since(query: &HashMap<String, String>) -> Result<DateTime<Utc>, ApiError> {
    let raw = query
        .get("modifiedSince")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(codes::MODIFIED_SINCE_REQUIRED, "ModifiedSince is required")
        })?;
    let since = parse_instant(raw).ok_or_else(|| {
        ApiError::bad_request(
            codes::INVALID_PARAMETER,
            "ModifiedSince must be an ISO 8601 date, yyyy-MM-ddTHH:mm:ssZ",
        )
    })?;
    let now = Utc::now();
    if since > now {
        return Err(ApiError::bad_request(
            codes::MODIFIED_SINCE_FUTURE,
            "ModifiedSince cannot be a future date",
        ));
    }
    if since < now - Span::days(365) {
        return Err(ApiError::bad_request(
            codes::MODIFIED_SINCE_TOO_OLD,
            "ModifiedSince cannot be more than one year old",
        ));
    }
    Ok(since)
}

fn bounded(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| {
                ApiError::bad_request(
                    codes::INVALID_PARAMETER,
                    format!("{name} must be an integer between 1 and {max}"),
                )
            }),
    }
}

/// Filters the search modelled here: `status` (a native value) and `accountId`.
const KNOWN_SEARCH_PARAMS: [&str; 5] = [
    "modifiedSince",
    "pageSize",
    "pageNumber",
    "status",
    "accountId",
];

/// `GET /devices?modifiedSince=&pageSize=&pageNumber=`: rows modified since, oldest change first.
pub(super) async fn search(
    State(sim): State<Shared>,
    Query(query): Params,
) -> Result<Json<Value>, ApiError> {
    if let Some(unknown) = query
        .keys()
        .find(|k| !KNOWN_SEARCH_PARAMS.contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(
            codes::INVALID_PARAMETER,
            format!("Unrecognized parameter: {unknown}"),
        ));
    }
    let since = modified_since(&query)?;
    let page_size = bounded(&query, "pageSize", MAX_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let page_number = bounded(&query, "pageNumber", 1, u64::from(u32::MAX))?;
    let other_account = query
        .get("accountId")
        .is_some_and(|a| a.trim() != sim.account_id);
    let status = query.get("status").map(|s| s.trim().to_string());

    let changes = lock(&sim.changes);
    let row = |i: u64| {
        DeviceRow::generate(
            &sim.numbering,
            sim.seed,
            sim.size,
            sim.start,
            &sim.account_id,
            i,
            changes.get(&i),
        )
    };
    // Unchanged rows keep their generated (index-ordered) dates; changed rows come after them.
    let first = first_generated_since(sim.start, sim.size, since);
    let mut changed: Vec<(DateTime<Utc>, u64)> = changes
        .iter()
        .filter(|(_, c)| c.changed_at >= since)
        .map(|(i, c)| (c.changed_at, *i))
        .collect();
    changed.sort();
    let unchanged = (first..sim.size).filter(|i| !changes.contains_key(i));
    let ordered = unchanged.chain(changed.into_iter().map(|(_, i)| i));
    let skip = usize::try_from((page_number - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
    let wanted = usize::try_from(page_size).unwrap_or(usize::MAX);
    // One row past the page tells whether this is the last page.
    let window: Vec<DeviceRow> = if other_account {
        Vec::new()
    } else if let Some(status) = &status {
        ordered
            .map(row)
            .filter(|r| r.status == *status)
            .skip(skip)
            .take(wanted + 1)
            .collect()
    } else {
        // Without a filter, skip by index: late pages of a large inventory stay cheap.
        ordered.skip(skip).take(wanted + 1).map(row).collect()
    };
    let last_page = window.len() <= wanted;
    let rows: Vec<Value> = window
        .iter()
        .take(wanted)
        .map(DeviceRow::search_json)
        .collect();
    Ok(Json(json!({
        "pageNumber": page_number,
        "devices": rows,
        "lastPage": last_page,
    })))
}

pub(super) fn find(sim: &Shared, iccid: &str) -> Result<DeviceRow, ApiError> {
    let index = sim
        .numbering
        .iccids
        .index_of(sim.seed, sim.size, iccid)
        .ok_or_else(ApiError::not_found)?;
    let changes = lock(&sim.changes);
    Ok(DeviceRow::generate(
        &sim.numbering,
        sim.seed,
        sim.size,
        sim.start,
        &sim.account_id,
        index,
        changes.get(&index),
    ))
}

pub(super) async fn details(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.details_json()))
}

pub(super) async fn ctd_usages(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.usage_json()))
}

/// `GET /echo/{value}`: the connectivity check clients use.
pub(super) async fn echo(Path(value): Path<String>) -> Json<Value> {
    Json(json!({ "echo": value }))
}

/// Edit fields accepted but not modelled (they leave the device as it is).
const IGNORED_EDIT_FIELDS: [&str; 4] = ["customer", "deviceID", "modemID", "simNotes"];

/// `PUT /devices/{iccid}` with at least `status`: applied at once, 200 `{iccid}`.
pub(super) async fn edit(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let row = find(&sim, &iccid)?;
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return Err(ApiError::bad_request(
            codes::MALFORMED_JSON,
            "Malformed JSON in request body",
        ));
    };
    let invalid = |m: String| Err(ApiError::bad_request(codes::INVALID_PARAMETER, m));
    if body.contains_key("effectiveDate") {
        return invalid(
            "effectiveDate (scheduled changes) is not modelled by this simulator".into(),
        );
    }
    if let Some(unknown) = body
        .keys()
        .find(|k| *k != "status" && !IGNORED_EDIT_FIELDS.contains(&k.as_str()))
    {
        return invalid(format!("Unrecognized parameter: {unknown}"));
    }
    let status = match body.get("status") {
        Some(Value::String(s)) if NATIVE_STATUSES.contains(&s.as_str()) => s.clone(),
        Some(other) => return invalid(format!("Invalid status: {other}")),
        None => return invalid("At least one field to change is required: status".into()),
    };
    if matches!(row.status.as_str(), "PURGED" | "REPLACED") && status != row.status {
        return invalid(format!("A {} SIM cannot change status", row.status));
    }
    let mut changes = lock(&sim.changes);
    changes.insert(
        row.index,
        DeviceChange {
            status: Some(status.clone()),
            changed_at: Utc::now(),
        },
    );
    tracing::debug!(iccid = %row.iccid, %status, "Control Center simulator applied a status change");
    Ok(Json(json!({ "iccid": row.iccid })))
}
