//! HTTP routes of the Aeris simulator: token endpoint, bearer gate, per-organisation rate
//! windows with `X-RateLimit-*` headers, subscription search (GET, cursor) and lookup (POST),
//! and the asynchronous state-change requests. Errors are `application/problem+json`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::requests::{self, Resource};
use super::rows::{Key, SETTABLE};
use super::{Aeris, CLIENT_ID, DEFAULT_LIMIT, LIMIT_PER_MINUTE, LIMIT_PER_SECOND, MAX_LIMIT};
use crate::sim::FaultControl;
use crate::sim::server::{FaultLayer, inject_faults};
use crate::sim::tokens::TokenCheck;

type Shared = Arc<Aeris>;

pub(super) fn router(sim: Shared, control: Arc<FaultControl>) -> Router {
    let faults = FaultLayer {
        control,
        error_body: fault_body,
    };
    let api = Router::new()
        .route("/iot/api/subscriptions/details", get(search).post(lookup))
        .route(
            "/iot/api/sica/subscriptions/requests/state-changes",
            post(state_change),
        )
        .route("/iot/api/sica/subscriptions/requests/{id}", get(request))
        // route_layer: the last added runs first → faults, then the bearer gate, then limits.
        .route_layer(from_fn_with_state(sim.clone(), rate_windows))
        .route_layer(from_fn_with_state(sim.clone(), bearer_gate))
        .route_layer(from_fn_with_state(faults, inject_faults));
    Router::new()
        .route("/iot/api/auth/token", post(token))
        .merge(api)
        .with_state(sim)
}

/// An RFC 7807 problem answer.
pub(super) fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = problem_body(status.as_u16(), &detail.into());
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

fn problem_body(status: u16, detail: &str) -> Value {
    let title = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({
        "type": "https://www.iana.org/assignments/http-status-codes/",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": format!("{:032x}", rand::random::<u128>()),
    })
}

fn fault_body(status: u16) -> Value {
    let detail = match status {
        429 => "API rate limit exceeded",
        504 => "Gateway Timeout",
        _ => "Internal Server Error",
    };
    problem_body(status, detail)
}

/// `POST /iot/api/auth/token`: form-encoded password grant.
async fn token(State(sim): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let legacy = |status: StatusCode, code: u32, message: &str, detailed: &str| {
        let body = json!({"code": code, "httpStatus": status.as_u16(), "message": message,
            "detailedMessage": detailed});
        (status, Json(body)).into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("password") {
        return legacy(
            StatusCode::BAD_REQUEST,
            4000,
            "Bad request",
            "grant_type must be password",
        );
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return legacy(
            StatusCode::BAD_REQUEST,
            4000,
            "Bad request",
            "unknown client_id",
        );
    }
    let user_ok = form.get("username") == Some(&sim.username);
    let password_ok = form.get("password") == Some(&sim.password);
    if !(user_ok && password_ok) {
        return legacy(StatusCode::UNAUTHORIZED, 2040, "Invalid credentials", "");
    }
    let issued = sim.tokens.issue(&sim.org);
    Json(json!({
        "access_token": issued.access_token,
        "token_type": "JWT",
        "expires_in": issued.expires_in,
    }))
    .into_response()
}

/// The organisation a valid token was issued to.
#[derive(Clone)]
struct Org(String);

async fn bearer_gate(State(sim): State<Shared>, mut req: Request, next: Next) -> Response {
    match sim.tokens.check_headers(req.headers()) {
        TokenCheck::Valid(org) => {
            req.extensions_mut().insert(Org(org));
            // Requests that are due complete before anything is read.
            sim.jobs.settle();
            next.run(req).await
        }
        TokenCheck::Expired => problem(StatusCode::UNAUTHORIZED, "Token expired"),
        TokenCheck::Unknown => problem(StatusCode::UNAUTHORIZED, "Invalid token"),
    }
}

fn rate_headers(headers: &mut HeaderMap, remaining: (u32, u32)) {
    let pairs = [
        ("x-ratelimit-limit-second", LIMIT_PER_SECOND),
        ("x-ratelimit-limit-minute", LIMIT_PER_MINUTE),
        ("x-ratelimit-remaining-second", remaining.0),
        ("x-ratelimit-remaining-minute", remaining.1),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from(value));
    }
}

async fn rate_windows(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let org = req
        .extensions()
        .get::<Org>()
        .map_or_else(String::new, |o| o.0.clone());
    match sim.take(&org) {
        Some(remaining) => {
            let mut response = next.run(req).await;
            rate_headers(response.headers_mut(), remaining);
            response
        }
        None => {
            let mut response = problem(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
            rate_headers(response.headers_mut(), (0, 0));
            response
        }
    }
}

/// Query pairs in order (`additionalFields` repeats).
type Pairs = Query<Vec<(String, String)>>;

fn groups(query: &[(String, String)]) -> Vec<String> {
    query
        .iter()
        .filter(|(k, _)| k == "additionalFields")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
        .collect()
}

/// `GET …/subscriptions/details?q=&order=&limit=&cursor=&additionalFields=…`
async fn search(State(sim): State<Shared>, Query(query): Pairs) -> Response {
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let order = match get("order").map(Key::parse) {
        None => Key::Imsi,
        Some(Some(k)) => k,
        Some(None) => return problem(StatusCode::BAD_REQUEST, "order must be ICC, IMSI or MSISDN"),
    };
    let limit = match get("limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return problem(StatusCode::BAD_REQUEST, "limit must be between 1 and 10000"),
    };
    let filter: Box<dyn Fn(&super::rows::Row) -> bool + Send> = match get("q") {
        None | Some("") => Box::new(|_| true),
        Some(q) => match q.split_once("==") {
            Some((field, value)) if field.eq_ignore_ascii_case("label") => {
                let v = value.to_string();
                Box::new(move |r| r.label == v)
            }
            Some((field, value)) if field.eq_ignore_ascii_case("company") => {
                let v = value.to_string();
                Box::new(move |r| r.enterprise == v)
            }
            _ => return problem(StatusCode::BAD_REQUEST, format!("Invalid query '{q}'")),
        },
    };
    let start = match get("cursor") {
        None | Some("") => 0,
        Some(c) => match sim.numbering.index_of(order, c) {
            Some(i) => i + 1,
            None => return problem(StatusCode::BAD_REQUEST, format!("Invalid cursor '{c}'")),
        },
    };
    let fields = groups(&query);
    let mut page = Vec::new();
    let mut more = false;
    for index in start..sim.numbering.size {
        let row = sim.row(index);
        if !filter(&row) {
            continue;
        }
        if page.len() == limit {
            more = true;
            break;
        }
        page.push(row);
    }
    let next = page.last().filter(|_| more).map(|last| {
        let mut link = String::from("/details?");
        if let Some(q) = get("q") {
            link.push_str(&format!("q={q}&"));
        }
        link.push_str(&format!(
            "order={}&limit={limit}&cursor={}",
            order.as_str(),
            last.key(order)
        ));
        for g in &fields {
            link.push_str(&format!("&additionalFields={g}"));
        }
        link
    });
    let subscriptions: Vec<Value> = page.iter().map(|r| r.render(&sim.org, &fields)).collect();
    let mut body = json!({"subscriptions": subscriptions, "size": page.len()});
    if let (Some(next), Some(o)) = (next, body.as_object_mut()) {
        o.insert("next".into(), json!(next));
    }
    Json(body).into_response()
}

/// `POST …/subscriptions/details` with `{identifierType, identifierValues}`.
async fn lookup(State(sim): State<Shared>, Query(query): Pairs, bytes: Bytes) -> Response {
    let fields = groups(&query);
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return problem(StatusCode::BAD_REQUEST, "Request body is not valid JSON");
    };
    let Some(kind) = body.get("identifierType").and_then(Value::as_str) else {
        return problem(StatusCode::BAD_REQUEST, "IdentifierType can not be null");
    };
    let Some(key) = Key::parse(kind) else {
        return problem(
            StatusCode::BAD_REQUEST,
            format!("IdentifierType '{kind}' is not supported"),
        );
    };
    let values: Vec<&str> = body
        .get("identifierValues")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if values.is_empty() {
        return problem(StatusCode::BAD_REQUEST, "IdentifierValues can not be empty");
    }
    let found: Vec<Value> = values
        .iter()
        .filter_map(|v| sim.numbering.index_of(key, v))
        .map(|i| sim.row(i).render(&sim.org, &fields))
        .collect();
    if found.is_empty() {
        return problem(StatusCode::NOT_FOUND, "Not Found");
    }
    Json(json!({"subscriptions": found})).into_response()
}

/// `POST …/sica/subscriptions/requests/state-changes` (snake_case body) → 201 + request id.
async fn state_change(State(sim): State<Shared>, bytes: Bytes) -> Response {
    sim.control.note_status_change();
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return problem(StatusCode::BAD_REQUEST, "Request body is not valid JSON");
    };
    let subs = &body["subscriptions"];
    let Some(key) = subs["identifier_type"].as_str().and_then(Key::parse) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "identifier_type must be IMSI, MSISDN or ICC",
        );
    };
    let identifiers: Vec<String> = subs["identifiers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if identifiers.is_empty() {
        return problem(StatusCode::BAD_REQUEST, "identifiers can not be empty");
    }
    if identifiers.len() > super::MAX_IDENTIFIERS {
        return problem(
            StatusCode::BAD_REQUEST,
            format!(
                "at most {} identifiers per request ({} given)",
                super::MAX_IDENTIFIERS,
                identifiers.len()
            ),
        );
    }
    let target = body["change"]["state"].as_str().unwrap_or_default();
    if !SETTABLE.contains(&target) {
        return problem(
            StatusCode::BAD_REQUEST,
            format!(
                "State '{target}' can not be set; allowed: {}",
                SETTABLE.join(", ")
            ),
        );
    }
    match body["on_behalf_of"]["organization_id"].as_str() {
        Some(org) if org == sim.org => {}
        Some(org) => {
            return problem(
                StatusCode::FORBIDDEN,
                format!("No access to organization {org}"),
            );
        }
        None => {}
    }
    let mut resources: Vec<Resource> = identifiers
        .into_iter()
        .map(|identifier| Resource {
            row: sim.numbering.index_of(key, &identifier),
            identifier,
            failure: None,
        })
        .collect();
    let locked: Vec<usize> = (0..resources.len())
        .filter(|&n| resources[n].row.is_some_and(|i| sim.row(i).locked))
        .collect();
    // A request naming only locked subscriptions is refused outright; in a longer list each
    // locked one fails on its own and the rest are applied.
    if locked.len() == resources.len() {
        let names: Vec<&str> = resources.iter().map(|r| r.identifier.as_str()).collect();
        return problem(
            StatusCode::CONFLICT,
            format!("Subscription state is locked for {}", names.join(", ")),
        );
    }
    for n in locked {
        let who = &resources[n].identifier;
        resources[n].failure = Some(format!("Subscription state is locked for {who}"));
    }
    if let Some(keep) = sim.control.bulk().partial {
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        for r in resources.iter_mut().skip(keep) {
            if r.failure.is_none() {
                r.failure = Some(format!(
                    "Subscription {} was not changed: provisioning did not complete",
                    r.identifier
                ));
            }
        }
    }
    // The job reads state through the overrides, not the whole simulator (no Arc cycle).
    let (numbering, overrides) = (sim.numbering, sim.overrides.clone());
    let current = move |row: u64| {
        let change = crate::sim::faults::lock(&overrides).get(&row).cloned();
        super::rows::row(numbering, row, change.as_ref()).state
    };
    let id = requests::submit(
        &sim.jobs,
        &sim.records,
        &sim.overrides,
        current,
        target,
        resources,
    );
    (
        StatusCode::CREATED,
        Json(json!({"subscription_request_id": id})),
    )
        .into_response()
}

/// `GET …/sica/subscriptions/requests/{id}`.
async fn request(State(sim): State<Shared>, Path(id): Path<String>) -> Response {
    match requests::parse_id(&id).and_then(|n| requests::view(&sim.jobs, &sim.records, n)) {
        Some(view) => Json(view).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            format!("Subscription request {id} not found"),
        ),
    }
}
