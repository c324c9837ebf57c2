//! PATCH on a SIM card or terminal subproduct: status changes as JSON Patch
//! (`application/json-patch+json`, `replace /status`), answered 200 by synchronous platforms and
//! 202 with a monitor by asynchronous ones; custom properties as JSON-Patch-Query
//! (`application/json-patch-query+json`): `add customProperty`, and `replace`/`remove` on
//! `customProperty[?(@.name=='X')]` (or its `.value`), always synchronous.

use super::catalog::{self, is_async};
use super::render::{self, problem};
use super::routes::{not_found, resolve, with_correlation};
use super::{MonitorRecord, State, Tenant};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;

use crate::cmo_api::patch::{STATUS_PATCH_SHAPE, apply_custom, media_type, status_target};
use crate::cmo_api::{JSON_PATCH, JSON_PATCH_QUERY};

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn invalid_action(detail: &str, uri: &Uri) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "Invalid Action",
        detail,
        uri.path(),
    )
}

pub(super) async fn patch(
    AxState(t): AxState<Arc<Tenant>>,
    uri: Uri,
    headers: HeaderMap,
    Path((_, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let content_type = media_type(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let Ok(Value::Array(ops)) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The body must be a JSON array of patch operations",
            uri.path(),
        );
    };
    let target = {
        let st = t.lock();
        match resolve(&st, &id) {
            Some((index, "-simCard" | "-terminal")) => index,
            Some(_) => {
                return invalid_action(
                    "Only the simCard and terminal subproducts can be changed",
                    &uri,
                );
            }
            None => return not_found(&id, &uri),
        }
    };
    match content_type.as_str() {
        JSON_PATCH => status_change(&t, &id, target, &ops, &uri),
        JSON_PATCH_QUERY => {
            let mut st = t.lock();
            let mut props = st.custom.get(&target).cloned().unwrap_or_default();
            match apply_custom(&mut props, &ops) {
                Ok(()) => {
                    st.custom.insert(target, props);
                    let row = st.row(target);
                    let body = if catalog::is_satellite(row.system) {
                        render::terminal(&st, &row)
                    } else {
                        render::sim_card(&st, &row)
                    };
                    Json(with_correlation(body)).into_response()
                }
                Err((status, kind, detail)) => problem(status, kind, &detail, uri.path()),
            }
        }
        _ => problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
            &format!("Content-Type must be {JSON_PATCH} or {JSON_PATCH_QUERY}"),
            uri.path(),
        ),
    }
}

fn status_change(t: &Arc<Tenant>, id: &str, index: u64, ops: &[Value], uri: &Uri) -> Response {
    let Some(wanted) = status_target(ops).map(str::to_string) else {
        return invalid_action(STATUS_PATCH_SHAPE, uri);
    };
    let mut st = t.lock();
    let row = st.row(index);
    let current = st.status(index);
    if !catalog::transition_allowed(row.system, &current, &wanted) {
        let detail = format!(
            "Status change {current} -> {wanted} is not supported for {} products",
            row.system
        );
        return invalid_action(&detail, uri);
    }
    if let Some(pending) = st.pending_monitor(index) {
        let detail = format!("A status change of {id} is still in progress (monitor {pending})");
        return problem(StatusCode::CONFLICT, "Conflict", &detail, uri.path());
    }
    if !is_async(row.system) {
        st.status.insert(index, wanted);
        st.updated.insert(index, now());
        let body = if catalog::is_satellite(row.system) {
            render::terminal(&st, &row)
        } else {
            render::sim_card(&st, &row)
        };
        return Json(with_correlation(body)).into_response();
    }
    let monitor_id = fresh_monitor_id(&st, &row.business);
    st.monitors.insert(
        monitor_id.clone(),
        MonitorRecord {
            job: 0,
            index,
            source: id.to_string(),
            target: wanted.clone(),
            created: now(),
            finished: false,
        },
    );
    drop(st);
    let shared = t.clone();
    let effect_id = monitor_id.clone();
    let job = t.jobs.submit(
        monitor_id.clone(),
        Box::new(move || apply_async(&shared, &effect_id, index, wanted)),
    );
    let mut st = t.lock();
    if let Some(rec) = st.monitors.get_mut(&monitor_id) {
        rec.job = job;
    }
    let Some(rec) = st.monitors.get(&monitor_id).cloned() else {
        return problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "monitor lost",
            uri.path(),
        );
    };
    let view = crate::sim::jobs::JobView {
        id: job,
        state: crate::sim::jobs::JobState::InProgress,
        error: None,
        payload: String::new(),
    };
    let body = render::monitor(&monitor_id, &rec, &view, &st);
    let mut resp = (StatusCode::ACCEPTED, Json(with_correlation(body))).into_response();
    if let Some(href) = resp_location(&monitor_id) {
        resp.headers_mut().insert(header::LOCATION, href);
    }
    resp
}

fn resp_location(monitor_id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{}/{}/monitor/{monitor_id}",
        super::API_PREFIX,
        super::TENANT
    ))
    .ok()
}

/// `{business id}-{epoch ms}`, as the docs' example monitor id, made unique.
fn fresh_monitor_id(st: &State, business: &str) -> String {
    let mut ms = chrono::Utc::now().timestamp_millis();
    loop {
        let id = format!("{business}-{ms}");
        if !st.monitors.contains_key(&id) {
            return id;
        }
        ms += 1;
    }
}

/// The platform's answer to an asynchronous change, run when the job is due.
fn apply_async(t: &Tenant, monitor_id: &str, index: u64, wanted: String) -> Result<(), String> {
    let mut st = t.lock();
    if let Some(rec) = st.monitors.get_mut(monitor_id) {
        rec.finished = true;
    }
    let row = st.row(index);
    if row.operator_lock {
        return Err(format!(
            "{} refused the change: the SIM is locked by the operator",
            row.system
        ));
    }
    st.status.insert(index, wanted);
    st.updated.insert(index, now());
    Ok(())
}
