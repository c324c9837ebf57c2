//! How gated actions read in the audit journal: the `before`/`after`/`result` texts of each kind
//! of action, kept in one place so the CLI's `cmo audit` and the UI show one vocabulary.

use crate::backends::{BackendError, ChangeOutcome};
use crate::domain::{Characteristic, Monitor, MonitorState, Product, Status};
use crate::engine::batch::BatchItem;
use std::collections::BTreeMap;

/// Action names as stored in `AuditEntry::action`.
pub const STATUS: &str = "status";
pub const BATCH_STATUS: &str = "batch-status";
pub const CHARACTERISTICS: &str = "characteristics";
pub const ATTRS_SET: &str = "attrs-set";
pub const ATTRS_RENAME: &str = "attrs-rename";
pub const ATTRS_DELETE: &str = "attrs-delete";
pub const MONITOR_CANCEL: &str = "monitor-cancel";

/// How a product of an accepted bulk request reads when it never showed the target status.
pub const NOT_APPLIED: &str = "not applied";

/// `ok`, or `accepted (monitor ID)` for an asynchronous change.
pub fn outcome_text(outcome: &ChangeOutcome) -> String {
    match outcome {
        ChangeOutcome::Done { .. } => "ok".to_string(),
        ChangeOutcome::Pending(m) => format!("accepted (monitor {})", m.id),
    }
}

/// The result of a final-outcome entry: `completed`, `cancelled`, or `failed: REASON` (the
/// carrier's detail, else its HTTP code).
pub fn final_result(monitor: &Monitor) -> String {
    match monitor.state {
        MonitorState::Completed => "completed".into(),
        MonitorState::Cancelled => "cancelled".into(),
        MonitorState::InProgress => "pending".into(),
        MonitorState::InError => {
            let reason = monitor
                .detail
                .clone()
                .or_else(|| monitor.status_code.map(|c| format!("carrier answered {c}")))
                .unwrap_or_else(|| "the carrier gave no reason".into());
            format!("failed: {}", crate::text::sanitize(&reason))
        }
    }
}

/// The monitors an outcome created (empty for a synchronous one).
pub fn outcome_monitors(outcome: &ChangeOutcome) -> Vec<String> {
    match outcome {
        ChangeOutcome::Pending(m) => vec![m.id.clone()],
        ChangeOutcome::Done { .. } => Vec::new(),
    }
}

/// The result of a failed action, naming what was asked, since `after` stays empty.
pub fn failure_text(requested: &str, error: &dyn std::fmt::Display) -> String {
    format!("failed: requested {requested}: {error}")
}

/// `name=value, …` of the requested characteristics.
pub fn characteristics_text(changes: &[Characteristic]) -> String {
    changes
        .iter()
        .map(|c| format!("{}={}", c.name, c.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The current values of the characteristics about to change, looked up on the product and its
/// subproducts (first match wins); names the product does not have show as `(unset)`.
pub fn current_characteristics(product: &Product, changes: &[Characteristic]) -> String {
    let mut pools: Vec<&[Characteristic]> = vec![&product.characteristics];
    if let Some(s) = &product.sim_card {
        pools.push(&s.characteristics);
    }
    if let Some(d) = &product.data_connectivity {
        pools.push(&d.characteristics);
    }
    if let Some(t) = &product.terminal {
        pools.push(&t.characteristics);
    }
    changes
        .iter()
        .map(|c| {
            let current = pools
                .iter()
                .flat_map(|p| p.iter())
                .find(|o| o.name == c.name)
                .map_or("(unset)", |o| o.value.as_str());
            format!("{}={}", c.name, current)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ACTIVE ×3, SUSPENDED ×1` (plus `unread ×n` for products that could not be read).
pub fn batch_before(items: &[BatchItem]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for item in items {
        *counts
            .entry(item.from.map_or("unread", Status::as_str))
            .or_default() += 1;
    }
    (!counts.is_empty()).then(|| {
        counts
            .iter()
            .map(|(s, n)| format!("{s} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// `4 ok, 1 unchanged, 2 accepted (monitors A, B), 1 failed: ID: error; …` — successes counted, pending
/// monitors and failures named, since those are what an operator must follow up.
pub fn batch_result(items: &[BatchItem]) -> String {
    let mut done = 0;
    let mut unchanged = 0;
    let mut monitors = Vec::new();
    let mut failures = Vec::new();
    let mut unknown = Vec::new();
    let mut not_applied = Vec::new();
    for item in items {
        if item.unchanged {
            unchanged += 1;
            continue;
        }
        match &item.result {
            Ok(ChangeOutcome::Done { .. }) => done += 1,
            Ok(ChangeOutcome::Pending(m)) => monitors.push(m.id.as_str()),
            Err(e) if is_unknown(e) => unknown.push(format!("{}: {e}", item.id)),
            Err(e) if is_not_applied(e) => not_applied.push(item.id.to_string()),
            Err(e) => failures.push(format!("{}: {e}", item.id)),
        }
    }
    let mut parts = vec![format!("{done} ok")];
    if unchanged > 0 {
        parts.push(format!("{unchanged} unchanged"));
    }
    if !monitors.is_empty() {
        parts.push(format!(
            "{} accepted (monitors {})",
            monitors.len(),
            monitors.join(", ")
        ));
    }
    if !unknown.is_empty() {
        parts.push(format!(
            "{} {}: {}",
            unknown.len(),
            crate::store::OUTCOME_UNKNOWN,
            unknown.join("; ")
        ));
    }
    if !not_applied.is_empty() {
        parts.push(format!(
            "{} {NOT_APPLIED}: {}",
            not_applied.len(),
            not_applied.join(", ")
        ));
    }
    if !failures.is_empty() {
        parts.push(format!(
            "{} failed: {}",
            failures.len(),
            failures.join("; ")
        ));
    }
    parts.join(", ")
}

/// Whether a batch item's error says its outcome is unknown (an unreadable answer that a
/// verification read could not settle), which is not a failure.
pub fn is_unknown(error: &BackendError) -> bool {
    error.to_string().contains(crate::store::OUTCOME_UNKNOWN)
}

/// Whether a batch item's error says an accepted bulk request left it in its old status.
pub fn is_not_applied(error: &BackendError) -> bool {
    error.to_string().contains(NOT_APPLIED)
}

/// One batch item's answer as noted on its write-ahead attempt: `ok`, `unchanged`,
/// `accepted (monitor ID)`, `failed: …` or `outcome unknown: …`.
pub fn item_text(item: &BatchItem) -> String {
    if item.unchanged {
        return "unchanged".into();
    }
    match &item.result {
        Ok(outcome) => outcome_text(outcome),
        Err(e) if is_unknown(e) => e.to_string(),
        Err(e) => format!("failed: {e}"),
    }
}

/// `; interrupted: 2 outcome unknown (A, B), 30 not started (C, …)` after a batch's summary.
pub fn batch_interrupted(
    unknown: &[crate::domain::ProductId],
    not_started: &[crate::domain::ProductId],
) -> String {
    let list = |ids: &[crate::domain::ProductId]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !unknown.is_empty() {
        parts.push(format!(
            "{} {} (sent, no answer before the stop: {})",
            unknown.len(),
            crate::store::OUTCOME_UNKNOWN,
            list(unknown)
        ));
    }
    if !not_started.is_empty() {
        parts.push(format!(
            "{} not started ({})",
            not_started.len(),
            list(not_started)
        ));
    }
    format!("; interrupted: {}", parts.join(", "))
}

/// A refusal of the whole batch before any change (mixed accounts, unreadable product).
pub fn batch_refused(to: Status, error: &BackendError) -> String {
    failure_text(&format!("{to} for every id"), error)
}
