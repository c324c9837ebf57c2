//! HTTP routes of the AIRLINQ simulator: the API-key gate, offset-paged SIM listing, SIM and
//! usage reads, and asynchronous state changes tracked as transactions.

// Lookups hand the ready error Response straight back to the handler; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Airlinq, BASE_PATH, DEFAULT_LIMIT, MAX_LIMIT, NON_SUSPENDABLE_PLAN, Sim};
use crate::sim::FaultControl;
use crate::sim::cellular::{current_cycle, now_rfc3339};
use crate::sim::jobs::JobState;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::status_book::Order;

type Shared = Arc<Airlinq>;

pub(super) fn router(sim: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/enterprises/{ent}/sims", get(list))
        .route("/enterprises/{ent}/sims/{iccid}", get(one))
        .route("/enterprises/{ent}/sims/{iccid}/usage", get(usage))
        .route("/enterprises/{ent}/sims/{iccid}/state-change", post(change))
        .route("/enterprises/{ent}/transactions/{id}", get(transaction))
        // route_layer: the last added runs first → faults, then the key gate.
        .route_layer(from_fn_with_state(sim.clone(), key_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new().nest(BASE_PATH, api).with_state(sim)
}

/// The platform's error answer.
fn failure(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(failure_body(code, &message.into()))).into_response()
}

fn failure_body(code: &str, message: &str) -> Value {
    json!({"status": "FAILURE", "error": {"code": code, "message": message}})
}

fn fault_body(status: u16) -> Value {
    match status {
        429 => failure_body("CMP-4290", "request quota exceeded, slow down"),
        504 => failure_body("CMP-5040", "upstream timeout"),
        _ => failure_body("CMP-5000", "internal platform error"),
    }
}

async fn key_gate(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    if !sim.key_valid(key) {
        return failure(
            StatusCode::UNAUTHORIZED,
            "CMP-1001",
            "API key missing, invalid or revoked",
        );
    }
    sim.book.settle();
    next.run(req).await
}

fn check_enterprise(sim: &Airlinq, ent: &str) -> Result<(), Response> {
    if ent == sim.enterprise {
        Ok(())
    } else {
        Err(failure(
            StatusCode::FORBIDDEN,
            "CMP-1003",
            format!("the API key has no access to enterprise {ent}"),
        ))
    }
}

fn find(sim: &Airlinq, ent: &str, iccid: &str) -> Result<u64, Response> {
    check_enterprise(sim, ent)?;
    sim.index_of(iccid).ok_or_else(|| {
        failure(
            StatusCode::NOT_FOUND,
            "CMP-2004",
            format!("SIM {iccid} does not belong to the enterprise"),
        )
    })
}

fn sim_json(sim: &Sim, enterprise: &str) -> Value {
    let r = &sim.row;
    json!({
        "iccid": r.iccid,
        "imsi": r.imsi,
        "msisdn": r.msisdn,
        "imei": r.imei,
        "simState": sim.state,
        "stateChangedOn": sim.state_changed,
        "activationDate": r.activated_on,
        "ratePlan": r.plan,
        "enterpriseId": enterprise,
        "network": {"operator": "Jio", "rat": r.radio, "ipAddress": r.ip},
        "apns": r.apns,
    })
}

#[derive(Deserialize)]
struct Window {
    offset: Option<String>,
    limit: Option<String>,
}

async fn list(
    State(sim): State<Shared>,
    Path(ent): Path<String>,
    Query(w): Query<Window>,
) -> Response {
    if let Err(r) = check_enterprise(&sim, &ent) {
        return r;
    }
    let offset = match w.offset.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(o)) => o,
        Some(Err(_)) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "CMP-3001",
                "offset must be a non-negative integer",
            );
        }
    };
    let limit = match w.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(l)) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "CMP-3002",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            );
        }
    };
    let first = offset.min(sim.size);
    let last = first.saturating_add(limit as u64).min(sim.size);
    let sims: Vec<Value> = (first..last)
        .map(|i| sim_json(&sim.sim(i), &sim.enterprise))
        .collect();
    Json(json!({"totalCount": sim.size, "offset": offset, "limit": limit, "sims": sims}))
        .into_response()
}

async fn one(State(sim): State<Shared>, Path((ent, iccid)): Path<(String, String)>) -> Response {
    match find(&sim, &ent, &iccid) {
        Ok(i) => Json(sim_json(&sim.sim(i), &sim.enterprise)).into_response(),
        Err(r) => r,
    }
}

async fn usage(State(sim): State<Shared>, Path((ent, iccid)): Path<(String, String)>) -> Response {
    let i = match find(&sim, &ent, &iccid) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let r = sim.sim(i).row;
    let (start, end) = current_cycle();
    // Roughly a fifth of IoT traffic is uplink.
    let up = r.cycle_bytes / 5;
    Json(json!({
        "iccid": r.iccid,
        "billingCycle": {"start": start, "end": end},
        "data": {"uplinkBytes": up, "downlinkBytes": r.cycle_bytes - up},
        "sms": {"mo": r.cycle_sms / 2, "mt": r.cycle_sms - r.cycle_sms / 2},
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateChange {
    target_state: String,
}

async fn change(
    State(sim): State<Shared>,
    Path((ent, iccid)): Path<(String, String)>,
    Json(body): Json<StateChange>,
) -> Response {
    let i = match find(&sim, &ent, &iccid) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if !matches!(body.target_state.as_str(), "ACTIVE" | "SUSPEND") {
        return failure(
            StatusCode::BAD_REQUEST,
            "CMP-3010",
            format!("targetState '{}' cannot be requested", body.target_state),
        );
    }
    if let Some(job) = sim.book.pending(i) {
        return failure(
            StatusCode::CONFLICT,
            "CMP-4009",
            format!("transaction TXN{job:08} for this SIM is still being processed"),
        );
    }
    let current = sim.sim(i);
    let allowed = matches!(
        (current.state.as_str(), body.target_state.as_str()),
        ("ACTIVE", "SUSPEND") | ("SUSPEND", "ACTIVE")
    );
    if !allowed {
        return failure(
            StatusCode::CONFLICT,
            "CMP-4010",
            format!(
                "state change {} → {} is not permitted",
                current.state, body.target_state
            ),
        );
    }
    let refusal = (body.target_state == "SUSPEND" && current.row.plan == NON_SUSPENDABLE_PLAN)
        .then(|| format!("rate plan '{NON_SUSPENDABLE_PLAN}' does not allow suspension"));
    let order = Order {
        iccid: current.row.iccid.clone(),
        from: current.state,
        target: body.target_state,
        submitted: now_rfc3339(),
    };
    let id = sim.book.submit(i, order, refusal);
    let body = json!({"transactionId": format!("TXN{id:08}"), "status": "SUBMITTED"});
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

async fn transaction(
    State(sim): State<Shared>,
    Path((ent, id)): Path<(String, String)>,
) -> Response {
    if let Err(r) = check_enterprise(&sim, &ent) {
        return r;
    }
    let view = id
        .strip_prefix("TXN")
        .and_then(|n| n.parse::<u64>().ok())
        .and_then(|n| sim.book.get(n));
    let Some(view) = view else {
        return failure(
            StatusCode::NOT_FOUND,
            "CMP-2010",
            format!("no transaction {id}"),
        );
    };
    let status = match view.job.state {
        JobState::InProgress => "SUBMITTED",
        JobState::Completed => "SUCCESS",
        JobState::InError | JobState::Cancelled => "FAILED",
    };
    Json(json!({
        "transactionId": id,
        "type": "SIM_STATE_CHANGE",
        "iccid": view.order.iccid,
        "fromState": view.order.from,
        "requestedState": view.order.target,
        "status": status,
        "failureReason": view.job.error,
        "submittedOn": view.order.submitted,
    }))
    .into_response()
}
