//! Status changes and monitors of CMO products. A change first applies the seed's tables of the
//! product's underlying platform (its SYSTEM) — the guard only knows the account kind, CMO — and
//! refuses without sending anything; then it PATCHes `/status` on the `-simCard` or `-terminal`
//! subproduct: 200 is done, 202 returns a monitor `CMO-{monitorId}` read from `/monitor/{id}`.

use super::CmoBackend;
use super::wire::{self, WireMonitor, WireProduct};
use crate::backends::http::Repeat;
use crate::backends::{Backend, BackendError, BackendResult, ChangeOutcome};
use crate::domain::capabilities::{self, supports};
use crate::domain::{BackendKind, BusinessId, Monitor, Operation, Status};
use reqwest::StatusCode;

/// Apply the seed's rules of the product's platform, then PATCH its status.
pub(super) async fn change_status(
    b: &CmoBackend,
    id: &BusinessId,
    from: Status,
    to: Status,
    terminal: bool,
) -> BackendResult<ChangeOutcome> {
    let system = b.platform(id).await?;
    let (op, allowed, suffix) = if terminal {
        let ok = capabilities::terminal_change_allowed(system, from, to);
        (Operation::ChangeTerminalStatus, ok, "-terminal")
    } else {
        let ok = capabilities::sim_change_allowed(system, from, to);
        (Operation::ChangeSimStatus, ok, "-simCard")
    };
    if !supports(system, op) {
        return Err(BackendError::not_supported(system, op));
    }
    if !allowed {
        return Err(BackendError::TransitionNotAllowed {
            kind: system,
            from,
            to,
        });
    }
    let cmo_id = format!("{}-{}{suffix}", system.as_str(), id.as_str());
    let url = b.url(&format!("/product/{cmo_id}"))?;
    let body = serde_json::json!([{"op": "replace", "path": "/status", "value": to.as_str()}]);
    let reply = b
        .policy
        .send(Repeat::Once, |c| {
            b.op(c.patch(url.clone()))
                .header(reqwest::header::CONTENT_TYPE, "application/json-patch+json")
                .body(body.to_string())
        })
        .await
        .map_err(|e| match e {
            BackendError::Http { status: 400, detail, backend } => BackendError::Other {
                backend,
                detail: format!(
                    "the CMO API refused the status change {from} → {to} for this {system} product: {detail}"
                ),
            },
            other => crate::backends::kit::named(format!("product {cmo_id}"))(other),
        })?;
    let request = format!("status {from} → {to}");
    if reply.status == StatusCode::ACCEPTED {
        let m: WireMonitor = b.policy.decode(&reply, "a monitor")?;
        let monitor = wire::monitor(&m, b.account(), request);
        tracing::info!(backend = b.name(), monitor = %monitor.id, %system, "CMO change accepted");
        return Ok(ChangeOutcome::Pending(monitor));
    }
    let sub: WireProduct = b.policy.decode(&reply, "the changed subproduct")?;
    tracing::info!(backend = b.name(), %system, %from, %to, "CMO change applied");
    Ok(ChangeOutcome::Done {
        status: sub.status.as_deref().map(|s| wire::status(Some(s)).status),
    })
}

pub(super) async fn monitor(b: &CmoBackend, monitor_id: &str) -> BackendResult<Monitor> {
    let native = match Monitor::split_id(monitor_id) {
        Some((BackendKind::Cmo, native))
            if native
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            native
        }
        _ => {
            return Err(BackendError::InvalidInput(format!(
                "'{monitor_id}' is not a CMO monitor id (expected CMO-<monitor id>)"
            )));
        }
    };
    let url = b.url(&format!("/monitor/{native}"))?;
    let m: WireMonitor = b
        .policy
        .send_json("a monitor", |c| b.op(c.get(url.clone())))
        .await
        .map_err(crate::backends::kit::named(format!("monitor {monitor_id}")))?;
    let request = m
        .response
        .body
        .get("status")
        .and_then(|s| s.as_str())
        .map(|s| format!("status → {}", crate::text::sanitize(s)))
        .unwrap_or_else(|| "status change".to_string());
    Ok(wire::monitor(&m, b.account(), request))
}
