//! HTTP routes of the Intelsat simulator: the OAuth2 token endpoint (Basic client auth), the
//! bearer gate, offset-paged terminal listing, terminal and usage reads, and terminal orders.

// Handlers answer errors as ready `Response`s (cold paths); boxing them buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BASE_PATH, DEFAULT_LIMIT, Flex, MAX_LIMIT, SCOPE, terminals};
use crate::sim::FaultControl;
use crate::sim::faults::lock;
use crate::sim::jobs::JobState;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::tokens::TokenCheck;

type Shared = Arc<Flex>;
type Reply = Result<Response, Response>;

pub(super) fn router(flex: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: |status| {
            let code = match status {
                429 => "RATE_LIMITED",
                504 => "GATEWAY_TIMEOUT",
                _ => "INTERNAL_ERROR",
            };
            error_body(code, "the service is temporarily unavailable")
        },
    };
    let c = format!("{BASE_PATH}/customers/{{customer}}");
    let api = Router::new()
        .route(&format!("{c}/terminals"), get(list))
        .route(&format!("{c}/terminals/{{serial}}"), get(terminal))
        .route(&format!("{c}/terminals/{{serial}}/usage"), get(usage))
        .route(&format!("{c}/terminals/{{serial}}/orders"), post(order))
        .route(&format!("{c}/orders/{{order}}"), get(get_order))
        .route_layer(from_fn_with_state(flex.clone(), bearer_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new()
        .route(&format!("{BASE_PATH}/oauth2/token"), post(token))
        .merge(api)
        .with_state(flex)
}

fn error_body(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message,
        "traceId": format!("{:016x}", rand::random::<u64>())}})
}

fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(error_body(code, &message.into()))).into_response()
}

/// `POST …/oauth2/token`: client credentials with the client in HTTP Basic (RFC 6749 §2.3.1).
async fn token(
    State(flex): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let oauth = |status: StatusCode, code: &str, description: &str| {
        (
            status,
            Json(json!({"error": code, "error_description": description})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let client = crate::sim::basic::credentials(&headers);
    if client != Some((flex.client_id.clone(), flex.client_secret.clone())) {
        return oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let scopes = form.get("scope").map(String::as_str).unwrap_or_default();
    if !scopes.split(' ').any(|s| s == SCOPE) {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope 'terminals' is required",
        );
    }
    let issued = flex.tokens.issue(&flex.customer);
    Json(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": SCOPE,
    }))
    .into_response()
}

async fn bearer_gate(State(flex): State<Shared>, req: Request, next: Next) -> Response {
    match flex.tokens.check_headers(req.headers()) {
        TokenCheck::Valid(_) => {
            flex.jobs.settle();
            next.run(req).await
        }
        TokenCheck::Expired => error(
            StatusCode::UNAUTHORIZED,
            "TOKEN_EXPIRED",
            "access token expired",
        ),
        TokenCheck::Unknown => error(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            "access token missing or invalid",
        ),
    }
}

fn customer(flex: &Flex, customer: &str) -> Result<(), Response> {
    if customer == flex.customer {
        Ok(())
    } else {
        Err(error(
            StatusCode::FORBIDDEN,
            "CUSTOMER_ACCESS_DENIED",
            format!("no access to customer {customer}"),
        ))
    }
}

fn row(flex: &Flex, serial: &str) -> Result<u64, Response> {
    flex.row(serial).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "TERMINAL_NOT_FOUND",
            format!("no terminal with serial number {serial}"),
        )
    })
}

#[derive(Deserialize)]
struct Paging {
    offset: Option<String>,
    limit: Option<String>,
}

async fn list(State(flex): State<Shared>, Path(c): Path<String>, Query(q): Query<Paging>) -> Reply {
    customer(&flex, &c)?;
    let number = |v: Option<&String>, default: u64| v.map_or(Ok(default), |s| s.parse::<u64>());
    let limit = number(q.limit.as_ref(), DEFAULT_LIMIT)
        .ok()
        .filter(|l| (1..=MAX_LIMIT).contains(l))
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "INVALID_LIMIT",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )
        })?;
    let offset = number(q.offset.as_ref(), 0).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_OFFSET",
            "offset must be a non-negative integer",
        )
    })?;
    let first = offset.min(flex.size);
    let last = first.saturating_add(limit).min(flex.size);
    let items: Vec<Value> = (first..last)
        .map(|i| terminals::render(flex.seed, i, &flex.state(i)))
        .collect();
    Ok(Json(json!({
        "items": items,
        "paging": {"offset": offset, "limit": limit, "total": flex.size},
    }))
    .into_response())
}

async fn terminal(State(flex): State<Shared>, Path((c, serial)): Path<(String, String)>) -> Reply {
    customer(&flex, &c)?;
    let i = row(&flex, &serial)?;
    Ok(Json(terminals::render(flex.seed, i, &flex.state(i))).into_response())
}

async fn usage(State(flex): State<Shared>, Path((c, serial)): Path<(String, String)>) -> Reply {
    customer(&flex, &c)?;
    let i = row(&flex, &serial)?;
    Ok(Json(terminals::usage(flex.seed, i, &flex.state(i))).into_response())
}

fn order_view(flex: &Flex, id: u64) -> Option<Value> {
    let job = flex.jobs.get(id)?;
    let order = lock(&flex.orders).get(&id).cloned()?;
    let state = match job.state {
        JobState::InProgress => "PROCESSING",
        JobState::Completed => "FULFILLED",
        JobState::InError => "REJECTED",
        JobState::Cancelled => "WITHDRAWN",
    };
    Some(json!({
        "orderId": format!("ORD-{id:08}"),
        "serialNumber": order.serial,
        "action": order.action,
        "state": state,
        "reason": job.error,
        "createdAt": order.created,
    }))
}

async fn order(
    State(flex): State<Shared>,
    Path((c, serial)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Reply {
    customer(&flex, &c)?;
    let i = row(&flex, &serial)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| error(StatusCode::BAD_REQUEST, "INVALID_BODY", "body is not JSON"))?;
    let action = match body["action"].as_str() {
        Some("SUSPEND") => "SUSPEND",
        Some("RESUME") => "RESUME",
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "INVALID_ACTION",
                "action must be SUSPEND or RESUME",
            ));
        }
    };
    let pending = lock(&flex.orders)
        .iter()
        .filter(|(_, o)| o.serial == serial)
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .into_iter()
        .find(|id| {
            flex.jobs
                .get(*id)
                .is_some_and(|j| j.state == JobState::InProgress)
        });
    if let Some(id) = pending {
        return Err(error(
            StatusCode::CONFLICT,
            "ORDER_IN_PROGRESS",
            format!("order ORD-{id:08} for this terminal is still processing"),
        ));
    }
    let state = flex.state(i);
    let aggregated = state.aggregated.as_deref();
    let allowed = state.change_actions_allowed
        && match action {
            "SUSPEND" => state.contract == "active" && aggregated == Some("online"),
            _ => {
                state.contract == "suspended"
                    || (state.contract == "active" && aggregated == Some("suspended"))
            }
        };
    if !allowed {
        return Err(error(
            StatusCode::CONFLICT,
            "ACTION_NOT_ALLOWED",
            format!(
                "{action} is not possible for contract '{}' with terminal '{}'",
                state.contract,
                aggregated.unwrap_or("none")
            ),
        ));
    }
    let id = flex.submit(i, action);
    let order = lock(&flex.orders).get(&id).cloned();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "orderId": format!("ORD-{id:08}"),
            "serialNumber": serial,
            "action": action,
            "state": "SUBMITTED",
            "createdAt": order.map(|o| o.created),
        })),
    )
        .into_response())
}

async fn get_order(State(flex): State<Shared>, Path((c, order)): Path<(String, String)>) -> Reply {
    customer(&flex, &c)?;
    order
        .strip_prefix("ORD-")
        .and_then(|n| n.parse::<u64>().ok())
        .and_then(|id| order_view(&flex, id))
        .map(|v| Json(v).into_response())
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "ORDER_NOT_FOUND",
                format!("no order {order}"),
            )
        })
}
