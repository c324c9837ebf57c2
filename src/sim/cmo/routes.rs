//! HTTP routes of the CMO simulator: product listing with `pageSize`/`pageNumber`/`fields`,
//! bundle and subproduct reads, `POST /product/find` with per-id problems, and the monitors.
//! PATCH handling (status changes and custom properties) lives in [`super::patch`].

use super::catalog::{self, is_satellite};
use super::render::{self, fault_body, problem, problem_value};
use super::{API_PREFIX, MAX_PAGE_SIZE, State, TOKEN_PATH, Tenant};
use crate::sim::FaultControl;
use crate::sim::server::{FaultLayer, inject_faults};
use axum::extract::{Path, Query, State as AxState};
use axum::http::{StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = AxState<Arc<Tenant>>;

pub(super) fn router(tenant: Arc<Tenant>, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let base = format!("{API_PREFIX}/{{tenant}}");
    let api = Router::new()
        .route(&format!("{base}/product"), get(list))
        .route(&format!("{base}/product/find"), post(find))
        .route(
            &format!("{base}/product/{{id}}"),
            get(product).patch(super::patch::patch),
        )
        .route(&format!("{base}/monitor/{{id}}"), get(monitor))
        // route_layer: the last added runs first → faults, then the bearer gate.
        .route_layer(middleware::from_fn_with_state(
            tenant.clone(),
            super::auth::gate,
        ))
        .route_layer(middleware::from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(TOKEN_PATH, post(super::auth::token))
        .merge(api)
        .with_state(tenant)
}

pub(super) use crate::cmo_api::wire::with_correlation;
use crate::cmo_api::wire::{keep_fields, list_envelope, paging, parse_fields};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    page_size: Option<String>,
    page_number: Option<String>,
    fields: Option<String>,
}

async fn list(AxState(t): Shared, uri: Uri, Query(q): Query<ListQuery>) -> Response {
    let (size, number) = match paging(
        q.page_size.as_deref(),
        q.page_number.as_deref(),
        MAX_PAGE_SIZE,
        uri.path(),
    ) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let fields = parse_fields(q.fields.as_deref());
    let st = t.lock();
    let first = ((number - 1) as u64)
        .saturating_mul(size as u64)
        .min(st.size);
    let last = first.saturating_add(size as u64).min(st.size);
    let entities: Vec<Value> = (first..last)
        .map(|i| keep_fields(render::summary(&st, &st.row(i)), fields.as_deref()))
        .collect();
    let body = list_envelope(
        entities,
        uri.path(),
        size,
        number,
        &q.fields
            .as_ref()
            .map(|f| format!("&fields={f}"))
            .unwrap_or_default(),
        last < st.size,
    );
    Json(body).into_response()
}

/// A product id split into its row and subproduct suffix (`""` for the bundle).
pub(super) fn resolve<'a>(st: &State, id: &'a str) -> Option<(u64, &'a str)> {
    let (base, suffix) = crate::cmo_api::split_suffix(id);
    let index = catalog::index_of_id(st.seed, st.size, base)?;
    let satellite = is_satellite(st.row(index).system);
    let applies = match suffix {
        "-simCard" | "-dataConnectivity" => !satellite,
        "-terminal" => satellite,
        _ => true,
    };
    applies.then_some((index, suffix))
}

pub(super) fn not_found(id: &str, uri: &Uri) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        &format!("Product with id {id} not found"),
        uri.path(),
    )
}

async fn product(AxState(t): Shared, uri: Uri, Path((_, id)): Path<(String, String)>) -> Response {
    let st = t.lock();
    let Some((index, suffix)) = resolve(&st, &id) else {
        return not_found(&id, &uri);
    };
    let row = st.row(index);
    let body = match suffix {
        "-simCard" => render::sim_card(&st, &row),
        "-dataConnectivity" => render::data_connectivity(&row),
        "-terminal" => render::terminal(&st, &row),
        "-usageVolume-data" => render::usage(&row),
        _ => render::bundle(&st, &row),
    };
    Json(with_correlation(body)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FindBody {
    iccid_list: Vec<String>,
    #[serde(rename = "terminalSNList")]
    terminal_sn_list: Vec<String>,
}

async fn find(
    AxState(t): Shared,
    uri: Uri,
    body: Result<Json<FindBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The body must be a JSON object with iccidList and/or terminalSNList",
            uri.path(),
        );
    };
    if body.iccid_list.is_empty() && body.terminal_sn_list.is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            "iccidList or terminalSNList must name at least one product",
            uri.path(),
        );
    }
    let st = t.lock();
    let mut entities = Vec::new();
    let mut errors = Vec::new();
    let wanted = body.iccid_list.iter().map(|i| ("iccid", i, false)).chain(
        body.terminal_sn_list
            .iter()
            .map(|s| ("terminal serial number", s, true)),
    );
    for (label, value, satellite) in wanted {
        let index = catalog::index_of(st.seed, st.size, value.trim())
            .filter(|i| is_satellite(st.row(*i).system) == satellite);
        match index {
            Some(i) => entities.push(render::bundle(&st, &st.row(i))),
            None => errors.push(problem_value(
                StatusCode::NOT_FOUND,
                "Not Found",
                &format!("Product with {label} {value} not found"),
                uri.path(),
            )),
        }
    }
    Json(json!({"entities": entities, "errors": errors})).into_response()
}

async fn monitor(AxState(t): Shared, uri: Uri, Path((_, id)): Path<(String, String)>) -> Response {
    let Some(rec) = t.lock().monitors.get(&id).cloned() else {
        let detail = format!("Monitor with id {id} not found");
        return problem(StatusCode::NOT_FOUND, "Not Found", &detail, uri.path());
    };
    // The job engine settles jobs (whose effects lock the state): never call it under the lock.
    let job = t.jobs.get(rec.job).unwrap_or(crate::sim::jobs::JobView {
        id: rec.job,
        state: crate::sim::jobs::JobState::InProgress,
        error: None,
        payload: String::new(),
    });
    let st = t.lock();
    Json(with_correlation(render::monitor(&id, &rec, &job, &st))).into_response()
}
