//! The CMO API v5 handlers of the gateway: the product list (paging, `fields`, and the filters
//! `status` and `system`), `POST /product/find`, a bundle and its subproducts, `PATCH` of a SIM
//! card or terminal (JSON Patch status change, JSON-Patch-Query custom properties) through the
//! gate, and monitors. Reads go through the engine, changes through the gate with the caller as
//! the journal's operator; errors are the CMO API's problem objects, the seed's capability
//! refusals as `400 Invalid Action`, carrier failures as `502`/`503` naming the account.

use super::auth::Caller;
use super::listing::{Filter, ListError};
use super::{Shared, render};
use crate::backends::{BackendError, ChangeOutcome};
use crate::cmo_api::patch::{STATUS_PATCH_SHAPE, apply_custom, media_type, status_target};
use crate::cmo_api::wire::{
    keep_fields, list_envelope, paging, parse_fields, problem, problem_value, with_correlation,
};
use crate::cmo_api::{JSON_PATCH, JSON_PATCH_QUERY, split_suffix};
use crate::domain::{
    BackendKind, BusinessId, CustomAttribute, Iccid, ProductId, Status, TerminalSerial,
};
use crate::engine::{Gate, GateError};
use crate::store::{Operator, StoreError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared_ = State<Arc<Shared>>;

/// The largest `pageSize` (the CMO simulator's, so a client paging either behaves the same).
pub const MAX_PAGE_SIZE: usize = 500;
/// The most ids one `POST /product/find` may name.
const MAX_FIND_IDS: usize = 500;

fn text(e: &dyn std::fmt::Display) -> String {
    crate::text::sanitize(&e.to_string())
}

/// A carrier's (or the engine's) error as the CMO API's problem. `what` names the resource
/// for a 404 ("Product with id …").
pub fn backend_problem(e: &BackendError, instance: &str, what: &str) -> Response {
    let (status, kind, detail) = match e {
        BackendError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "Not Found",
            format!("{what} not found"),
        ),
        BackendError::NotSupported { .. } | BackendError::TransitionNotAllowed { .. } => {
            (StatusCode::BAD_REQUEST, "Invalid Action", text(e))
        }
        BackendError::InvalidInput(_) => (
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            text(e),
        ),
        BackendError::RateLimited { .. } => {
            let mut resp = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                &text(e),
                instance,
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return resp;
        }
        // The carrier refusing the *gateway's* credentials is the gateway's failure, never a
        // 401/403 the client would take for its own token or role.
        _ => (StatusCode::BAD_GATEWAY, "Bad Gateway", text(e)),
    };
    problem(status, kind, &detail, instance)
}

/// A gate's error as a problem (`change` says what was asked, for the journal-side wording).
fn gate_problem(e: &GateError, instance: &str, what: &str) -> Response {
    match e {
        GateError::Backend(b) => backend_problem(b, instance, what),
        GateError::ReadOnly { .. } => {
            problem(StatusCode::FORBIDDEN, "Forbidden", &text(e), instance)
        }
        GateError::Store(s) => store_problem(s, instance),
        GateError::NotJournaled { .. } => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            &text(e),
            instance,
        ),
        GateError::BatchTooLarge { .. } => problem(
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            &text(e),
            instance,
        ),
        GateError::NotRecorded { .. } | GateError::OutcomeUnknown { .. } => {
            problem(StatusCode::BAD_GATEWAY, "Bad Gateway", &text(e), instance)
        }
    }
}

fn store_problem(e: &StoreError, instance: &str) -> Response {
    let (status, kind) = match e.exit_code() {
        4 => (StatusCode::NOT_FOUND, "Not Found"),
        2 => match e {
            StoreError::AttrExists { .. } => (StatusCode::CONFLICT, "Conflict"),
            _ => (StatusCode::BAD_REQUEST, "Missing or malformed parameter"),
        },
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    };
    problem(status, kind, &text(e), instance)
}

/// The gate for this caller: journals as the client and operator; read-only for a read-only
/// client whatever the middleware let through, and for everyone on a read-only gateway.
fn gate_for(shared: &Shared, caller: &Caller) -> Gate {
    let user = caller
        .operator
        .clone()
        .unwrap_or_else(|| format!("client:{}", caller.client));
    let via = match caller.peer {
        Some(peer) => format!("gateway client {} from {}", caller.client, peer.ip()),
        None => format!("gateway client {}", caller.client),
    };
    shared
        .gate
        .clone()
        .with_operator(Operator {
            user,
            ssh_client: Some(via),
        })
        .with_read_only(shared.read_only || caller.role == crate::config::Role::ReadOnly)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    page_size: Option<String>,
    page_number: Option<String>,
    fields: Option<String>,
    status: Option<String>,
    system: Option<String>,
}

/// `GET /product`.
pub async fn list(State(shared): Shared_, uri: Uri, Query(q): Query<ListQuery>) -> Response {
    let instance = uri.path();
    let (size, number) = match paging(
        q.page_size.as_deref(),
        q.page_number.as_deref(),
        MAX_PAGE_SIZE,
        instance,
    ) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let bad = |detail: String| {
        problem(
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            &detail,
            instance,
        )
    };
    let mut filter = Filter::default();
    if let Some(s) = &q.status {
        match s.parse::<Status>() {
            Ok(st) => filter.status = Some(st),
            Err(_) => return bad(format!("status: unknown status '{}'", text(s))),
        }
    }
    if let Some(s) = &q.system {
        match s.parse::<BackendKind>() {
            Ok(k) => filter.system = Some(k),
            Err(_) => return bad(format!("system: unknown platform '{}'", text(s))),
        }
    }
    let page = match shared.listings.page(&filter, size, number).await {
        Ok(p) => p,
        Err(e @ ListError::Account { .. }) | Err(e @ ListError::TooSlow(_)) => {
            return problem(StatusCode::BAD_GATEWAY, "Bad Gateway", &text(&e), instance);
        }
    };
    let attrs = match shared.store.attrs_all().await {
        Ok(a) => a,
        Err(e) => return store_problem(&e, instance),
    };
    let fields = parse_fields(q.fields.as_deref());
    let entities: Vec<Value> = page
        .rows
        .into_iter()
        .map(|mut row| {
            row.attrs = attrs.get(&row.id).cloned().unwrap_or_default();
            keep_fields(render::summary(&shared.tenant, &row), fields.as_deref())
        })
        .collect();
    let mut extra = String::new();
    if let Some(f) = &q.fields {
        extra.push_str(&format!("&fields={}", text(f)));
    }
    if let Some(s) = filter.status {
        extra.push_str(&format!("&status={}", s.as_str()));
    }
    if let Some(k) = filter.system {
        extra.push_str(&format!("&system={}", k.as_str()));
    }
    let body = list_envelope(entities, instance, size, number, &extra, page.more);
    Json(body).into_response()
}

/// A product id of the API (`{PLATFORM}-{ICCID|serial}`, no suffix).
fn product_id(raw: &str) -> Option<ProductId> {
    let id: ProductId = raw.parse().ok()?;
    (id.kind != BackendKind::Cmo && id.to_string() == raw).then_some(id)
}

fn not_found(raw: &str, instance: &str) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Not Found",
        &format!("Product with id {} not found", text(&raw)),
        instance,
    )
}

async fn attrs_of(shared: &Shared, id: &ProductId) -> Result<Vec<CustomAttribute>, StoreError> {
    shared.store.attrs_list(id, None).await
}

/// `GET /product/{id}`: the bundle, or a subproduct by its suffix.
pub async fn product(
    State(shared): Shared_,
    uri: Uri,
    Path((_, raw)): Path<(String, String)>,
) -> Response {
    let instance = uri.path();
    let (base, suffix) = split_suffix(&raw);
    let Some(id) = product_id(base) else {
        return not_found(&raw, instance);
    };
    let satellite = matches!(id.business(), BusinessId::Serial(_));
    let applies = match suffix {
        "-simCard" | "-dataConnectivity" => !satellite,
        "-terminal" => satellite,
        _ => true,
    };
    if !applies {
        return not_found(&raw, instance);
    }
    let what = format!("Product with id {}", text(&raw));
    let engine = shared.gate.engine();
    let tenant = &shared.tenant;
    let attrs = || async {
        attrs_of(&shared, &id).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "custom properties could not be read");
            Vec::new()
        })
    };
    let body = match suffix {
        "-simCard" => match engine.sim_card(&id).await {
            Ok(s) => render::sim_card(tenant, &id, &s, &attrs().await),
            Err(e) => return backend_problem(&e, instance, &what),
        },
        "-terminal" => match engine.terminal(&id).await {
            Ok(t) => render::terminal(tenant, &id, &t, &attrs().await),
            Err(e) => return backend_problem(&e, instance, &what),
        },
        "-dataConnectivity" => match engine.data_connectivity(&id).await {
            Ok(d) => render::data_connectivity(tenant, &id, &d),
            Err(e) => return backend_problem(&e, instance, &what),
        },
        "-usageVolume-data" => match engine.usage(&id).await {
            Ok(u) => render::usage(tenant, &id, &u),
            Err(e) => return backend_problem(&e, instance, &what),
        },
        _ => match engine.product(&id).await {
            Ok(p) => render::bundle(tenant, &p, &attrs().await),
            Err(e) => return backend_problem(&e, instance, &what),
        },
    };
    shared.seen.note(&id);
    Json(with_correlation(body)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct FindBody {
    iccid_list: Vec<String>,
    #[serde(rename = "terminalSNList")]
    terminal_sn_list: Vec<String>,
}

/// `POST /product/find`: the bundles found on any account; a problem per id found nowhere.
pub async fn find(
    State(shared): Shared_,
    uri: Uri,
    body: Result<Json<FindBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let instance = uri.path();
    let Ok(Json(body)) = body else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The body must be a JSON object with iccidList and/or terminalSNList",
            instance,
        );
    };
    let count = body.iccid_list.len() + body.terminal_sn_list.len();
    if count == 0 || count > MAX_FIND_IDS {
        return problem(
            StatusCode::BAD_REQUEST,
            "Missing or malformed parameter",
            &format!("iccidList and terminalSNList must name 1 to {MAX_FIND_IDS} products"),
            instance,
        );
    }
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    let label = |satellite: bool| {
        if satellite {
            "terminal serial number"
        } else {
            "iccid"
        }
    };
    for (raw, satellite) in body
        .iccid_list
        .iter()
        .map(|i| (i, false))
        .chain(body.terminal_sn_list.iter().map(|s| (s, true)))
    {
        let parsed = if satellite {
            raw.trim()
                .parse::<TerminalSerial>()
                .map(BusinessId::Serial)
                .ok()
        } else {
            raw.trim().parse::<Iccid>().map(BusinessId::Iccid).ok()
        };
        match parsed {
            Some(id) => ids.push(id),
            None => errors.push(problem_value(
                StatusCode::BAD_REQUEST,
                "Missing or malformed parameter",
                &format!("{} {} is not valid", label(satellite), text(raw)),
                instance,
            )),
        }
    }
    let (found, missing) = if ids.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        shared.gate.engine().find(&ids).await
    };
    let attrs = shared.store.attrs_all().await.unwrap_or_default();
    let entities: Vec<Value> = found
        .iter()
        .map(|p| {
            shared.seen.note(&p.summary.id);
            let a = attrs.get(&p.summary.id).cloned().unwrap_or_default();
            render::bundle(&shared.tenant, p, &a)
        })
        .collect();
    for (id, e) in missing {
        let satellite = matches!(id, BusinessId::Serial(_));
        let (status, kind) = match e {
            BackendError::NotFound { .. } => (StatusCode::NOT_FOUND, "Not Found"),
            _ => (StatusCode::BAD_GATEWAY, "Bad Gateway"),
        };
        let detail = match status {
            StatusCode::NOT_FOUND => format!("Product with {} {id} not found", label(satellite)),
            _ => format!("Product with {} {id}: {}", label(satellite), text(&e)),
        };
        errors.push(problem_value(status, kind, &detail, instance));
    }
    Json(json!({"entities": entities, "errors": errors})).into_response()
}

/// `PATCH /product/{id}-simCard|-terminal`.
pub async fn patch(
    State(shared): Shared_,
    Extension(caller): Extension<Caller>,
    uri: Uri,
    headers: HeaderMap,
    Path((_, raw)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let instance = uri.path().to_string();
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
            &instance,
        );
    };
    let (base, suffix) = split_suffix(&raw);
    let Some(id) = product_id(base) else {
        return not_found(&raw, &instance);
    };
    if suffix != render::carrier_suffix(&id) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Invalid Action",
            "Only the simCard and terminal subproducts can be changed",
            &instance,
        );
    }
    let gate = gate_for(&shared, &caller);
    // The change runs in its own task, counted in flight: a client that hangs up does not
    // cancel it half-way, and a shutdown waits for it to be journaled.
    let work = shared.inflight.enter();
    let task_shared = shared.clone();
    let task = tokio::spawn(async move {
        let _work = work;
        match content_type.as_str() {
            JSON_PATCH => status_change(&task_shared, &gate, &id, &ops, &instance).await,
            JSON_PATCH_QUERY => custom_properties(&task_shared, &gate, &id, &ops, &instance).await,
            _ => problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Media Type",
                &format!("Content-Type must be {JSON_PATCH} or {JSON_PATCH_QUERY}"),
                &instance,
            ),
        }
    });
    match task.await {
        Ok(resp) => resp,
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            &format!("the change task ended: {e}"),
            uri.path(),
        ),
    }
}

async fn status_change(
    shared: &Shared,
    gate: &Gate,
    id: &ProductId,
    ops: &[Value],
    instance: &str,
) -> Response {
    let invalid =
        |detail: &str| problem(StatusCode::BAD_REQUEST, "Invalid Action", detail, instance);
    let Some(wanted) = status_target(ops) else {
        return invalid(STATUS_PATCH_SHAPE);
    };
    let Ok(to) = wanted.parse::<Status>() else {
        return invalid(&format!("Unknown status '{}'", text(&wanted)));
    };
    let what = format!("Product with id {id}");
    match gate.change_status_reported(id, to).await {
        Ok(done) if done.unchanged => {
            // The CMO API has no transition from a status to itself (the CMO simulator answers
            // the same); the gate journaled it as `unchanged`, nothing was sent.
            invalid(&format!(
                "Status change {to} -> {to} is not supported for {} products (already {to})",
                id.kind
            ))
        }
        Ok(done) => match done.outcome {
            ChangeOutcome::Done { status } => {
                let now = status.unwrap_or(to);
                shared.listings.note_status(id, now);
                let body = render::changed(&shared.tenant, id, Some(now.as_str()), None);
                Json(with_correlation(body)).into_response()
            }
            ChangeOutcome::Pending(m) => {
                let body = render::monitor(&shared.tenant, &m);
                let mut resp = (StatusCode::ACCEPTED, Json(with_correlation(body))).into_response();
                let location = format!(
                    "{}/{}/monitor/{}",
                    crate::cmo_api::API_PREFIX,
                    shared.tenant,
                    m.id
                );
                if let Ok(v) = HeaderValue::from_str(&location) {
                    resp.headers_mut().insert(header::LOCATION, v);
                }
                resp
            }
        },
        Err(e) => gate_problem(&e, instance, &what),
    }
}

/// JSON-Patch-Query on the product's custom properties: checked on a copy with the same code
/// as the CMO simulator (all or nothing), then each operation through the gate (journaled).
async fn custom_properties(
    shared: &Shared,
    gate: &Gate,
    id: &ProductId,
    ops: &[Value],
    instance: &str,
) -> Response {
    let what = format!("Product with id {id}");
    // The product must exist at its carrier (an attribute of a product that is nowhere would be
    // stored forever): a product read through the gateway lately counts; else one read.
    if !shared.seen.recent(id) {
        let read = match id.business() {
            BusinessId::Serial(_) => gate.engine().terminal(id).await.map(|_| ()),
            BusinessId::Iccid(_) => gate.engine().sim_card(id).await.map(|_| ()),
        };
        if let Err(e) = read {
            return backend_problem(&e, instance, &what);
        }
        shared.seen.note(id);
    }
    let current = match gate.attrs_list(id, None).await {
        Ok(a) => a,
        Err(e) => return gate_problem(&e, instance, &what),
    };
    let mut props: Vec<(String, String)> = current
        .iter()
        .map(|a| (a.name.clone(), a.value.clone()))
        .collect();
    let mut next = props.clone();
    if let Err((status, kind, detail)) = apply_custom(&mut next, ops) {
        return problem(status, kind, &detail, instance);
    }
    // Replay operation by operation through the gate: each is one journaled edit.
    for op in ops {
        let mut one = props.clone();
        if apply_custom(&mut one, std::slice::from_ref(op)).is_err() {
            continue; // cannot happen: the whole list applied above
        }
        let result = replay(gate, id, &props, &one).await;
        if let Err(e) = result {
            return gate_problem(&e, instance, &what);
        }
        props = one;
    }
    let attrs = match gate.attrs_list(id, None).await {
        Ok(a) => a,
        Err(e) => return gate_problem(&e, instance, &what),
    };
    let body = render::changed(&shared.tenant, id, None, Some(&attrs));
    Json(with_correlation(body)).into_response()
}

/// The gate edits that turn `before` into `after` (one operation's effect): a set, a
/// rename (and a set of its value when that changed too), or a delete.
async fn replay(
    gate: &Gate,
    id: &ProductId,
    before: &[(String, String)],
    after: &[(String, String)],
) -> Result<(), GateError> {
    let gone: Vec<&(String, String)> = before
        .iter()
        .filter(|(n, _)| !after.iter().any(|(m, _)| m == n))
        .collect();
    let new: Vec<&(String, String)> = after
        .iter()
        .filter(|(n, _)| !before.iter().any(|(m, _)| m == n))
        .collect();
    match (gone.as_slice(), new.as_slice()) {
        ([(old, old_value)], [(name, value)]) => {
            gate.attrs_rename(id, old, name).await?;
            if value != old_value {
                gate.attrs_set(id, name, value).await?;
            }
        }
        ([(old, _)], []) => {
            gate.attrs_delete(id, old).await?;
        }
        _ => {
            for (name, value) in after {
                let was = before.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                if was != Some(value) {
                    gate.attrs_set(id, name, value).await?;
                }
            }
        }
    }
    Ok(())
}

/// `GET /monitor/{id}`: a final monitor from the store; a pending one polled once at its
/// carrier (through the account's pace) and recorded — its end journaled once — as
/// `cmo monitors get` does.
pub async fn monitor(
    State(shared): Shared_,
    uri: Uri,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let instance = uri.path();
    let what = format!("Monitor with id {}", text(&id));
    let known = shared.store.monitor_get(&id).await.ok();
    if let Some(m) = &known
        && m.state.is_final()
    {
        return Json(with_correlation(render::monitor(&shared.tenant, m))).into_response();
    }
    let polled = match shared.gate.engine().monitor(&id).await {
        Ok(m) => m,
        // Not a monitor id, or a platform without monitors: no such monitor here.
        Err(BackendError::InvalidInput(_) | BackendError::NotSupported { .. }) => {
            return problem(
                StatusCode::NOT_FOUND,
                "Not Found",
                &format!("{what} not found"),
                instance,
            );
        }
        Err(e) => return backend_problem(&e, instance, &what),
    };
    let recorded = match shared.gate.record_monitor(known.as_ref(), polled).await {
        Ok(m) => m,
        Err(e) => return gate_problem(&e, instance, &what),
    };
    Json(with_correlation(render::monitor(&shared.tenant, &recorded))).into_response()
}

/// `GET /health`: the gateway answers, and each account's health from the one board the
/// console reads too (`domain::health`; state only: failure texts are for the logs and the console's backends view).
pub async fn health(State(shared): Shared_) -> Response {
    let accounts: Vec<Value> = shared
        .gate
        .engine()
        .accounts()
        .iter()
        .map(|a| {
            let h = shared.gate.engine().health().entry(&a.name);
            json!({"name": a.name, "kind": a.kind.as_str(), "health": h.health})
        })
        .collect();
    Json(json!({"status": "ok", "accounts": accounts})).into_response()
}
