//! Recording what a carrier says about an asynchronous request. Every observer — the console's
//! poller, `monitors list`, `monitors get`, `--wait`, a cancel through the gate — stores a
//! monitor's new state through [`record_monitor`], so the rules live in one place:
//!
//! - the carrier's answer is merged with what the store knew (product, request text);
//! - nothing is written unless the state, carrier code or detail changed, or the monitor is
//!   final (then the write also makes sure the journal has its final outcome);
//! - a final state writes one `monitor-final` journal entry (`completed`, `failed: REASON`,
//!   `cancelled`) in the same transaction as the monitor, linked to the request's entry; the
//!   store ignores a second one, so observers racing on the same end journal it once.
//!
//! Recording a carrier's answer is not an operator's change, so read-only mode does not refuse
//! it (the poller records in read-only mode too; docs/safety.md).

use super::journal;
use crate::domain::Monitor;
use crate::engine::poller::merge_monitor;
use crate::store::{AuditEntry, MONITOR_FINAL, Operator, StoreError, StoreHandle};

/// A change worth storing and publishing: state, carrier code or detail (not mere timestamps).
pub fn changed(before: &Monitor, after: &Monitor) -> bool {
    before.state != after.state
        || before.status_code != after.status_code
        || before.detail != after.detail
}

/// The journal entry of a monitor's final outcome, as `operator` observed it (the store puts
/// the requesting operator in when the journal links the request).
pub fn final_entry(operator: &Operator, monitor: &Monitor) -> AuditEntry {
    AuditEntry::new(
        operator,
        MONITOR_FINAL,
        monitor
            .product_id
            .as_ref()
            .map(|p| vec![p.to_string()])
            .unwrap_or_default(),
        Some(crate::domain::MonitorState::InProgress.as_str().to_string()),
        Some(monitor.state.as_str().to_string()),
        journal::final_result(monitor),
    )
}

/// Store `polled` (merged with `known`, what the store had) when it says something new, with
/// its final-outcome journal entry once it is final. Returns the merged monitor and whether it
/// changed.
pub async fn record_monitor(
    store: &StoreHandle,
    operator: &Operator,
    known: Option<&Monitor>,
    polled: Monitor,
) -> Result<(Monitor, bool), StoreError> {
    let merged = match known {
        Some(k) => merge_monitor(k, polled),
        None => polled,
    };
    let is_new = known.is_none_or(|k| changed(k, &merged));
    if merged.state.is_final() {
        store
            .monitor_record(&merged, Some(final_entry(operator, &merged)))
            .await?;
    } else if is_new {
        store.monitor_record(&merged, None).await?;
    }
    Ok((merged, is_new))
}
