//! 1NCE's bulk SIM configuration, `POST /v1/sims` with a JSON array of `{iccid, status?,
//! label?, imei_lock?}` (docs/backends/1nce.md, "Bulk status change"): the published spec
//! answers 201 with no body and no request id, and applies the list asynchronously ("a positive
//! response only means that the SIM changes have been placed into the queue"). Here the list
//! is validated as a whole (a bad item or an unknown ICCID refuses it all, nothing queued), then
//! applied after a delay; the `bulk_partial=N` fault applies only the first N items and
//! `bulk_delay` sets the delay (src/sim/faults.rs).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::Value;

use super::sims::{ICCIDS, SimRow};
use super::{ApiError, Shared};
use crate::sim::faults::lock;

/// The most SIMs one list may carry. The spec names no limit; 100 (the list endpoint's page
/// size) is our provisional choice, and the adapter chunks by the same number.
pub const MAX_ITEMS: usize = 100;
/// How long an accepted list waits in the queue before it is applied (unless `bulk_delay`).
pub const APPLY_DELAY: Duration = Duration::from_millis(300);

/// One validated item of a list.
struct Update {
    index: u64,
    status: Option<String>,
    label: Option<String>,
    imei_lock: Option<bool>,
}

/// `POST /v1/sims`: validate the whole list, queue it, answer 201 with an empty body.
pub(super) async fn update_many(
    State(sim): State<Shared>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(&body) else {
        return Err(ApiError::bad_request(
            "body must be a JSON array of SIM updates",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::bad_request("the list of SIM updates is empty"));
    }
    if items.len() > MAX_ITEMS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_ITEMS} SIMs per request ({} given)",
            items.len()
        )));
    }
    let mut queued = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        queued.push(validate(&sim, n, item)?);
    }
    let faults = sim.control.bulk();
    if let Some(keep) = faults.partial {
        queued.truncate(usize::try_from(keep).unwrap_or(usize::MAX));
    }
    let delay = faults.delay.unwrap_or(APPLY_DELAY);
    tracing::debug!(
        items = items.len(),
        applied = queued.len(),
        ?delay,
        "1NCE simulator queued a bulk update"
    );
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        apply(&sim, queued);
    });
    Ok(StatusCode::CREATED)
}

fn validate(sim: &Shared, n: usize, item: &Value) -> Result<Update, ApiError> {
    let bad = |what: &str| Err(ApiError::bad_request(format!("item {n}: {what}")));
    let Value::Object(item) = item else {
        return bad("must be an object");
    };
    let Some(iccid) = item.get("iccid").and_then(Value::as_str) else {
        return bad("iccid is required");
    };
    let Some(index) = ICCIDS.index_of(sim.seed, sim.size, iccid) else {
        return Err(ApiError::not_found(format!("SIM {iccid} not found")));
    };
    let status = match item.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "Enabled" || s == "Disabled" => Some(s.clone()),
        Some(_) => return bad("status must be Enabled or Disabled"),
    };
    let label = match item.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return bad("label must be a string"),
    };
    let imei_lock = match item.get("imei_lock") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return bad("imei_lock must be a boolean"),
    };
    Ok(Update {
        index,
        status,
        label,
        imei_lock,
    })
}

/// Apply a queued list, as `PUT /v1/sims/{iccid}` applies one item.
fn apply(sim: &Shared, updates: Vec<Update>) {
    let mut changes = lock(&sim.changes);
    for update in updates {
        let row = SimRow::generate(sim.seed, sim.size, update.index, changes.get(&update.index));
        let change = changes.entry(update.index).or_default();
        if let Some(status) = update.status {
            if status != row.status {
                change.changed_at = Some(Utc::now());
            }
            change.status = Some(status);
        }
        change.label = update.label.or(change.label.take());
        change.imei_lock = update.imei_lock.or(change.imei_lock);
    }
}
