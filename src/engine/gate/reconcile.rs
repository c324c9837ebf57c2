//! Reconciling interrupted changes (docs/safety.md, "Write-ahead journal"): an attempt left
//! open by an earlier process — killed, stopped mid-batch, or unable to read the carrier's
//! answer — is "outcome unknown" until a run that reaches the carrier reads what it shows now
//! and journals that, linked to the attempt (`attempt` in `cmo audit`), as `reconciled: …`.
//!
//! Only attempts whose process is gone are touched (another cmo may still be sending its own),
//! and only when the carrier answers: an unreachable carrier leaves the attempt open for a later
//! run. Reconciling records the carrier's state and changes nothing there, so read-only mode
//! does not refuse it; a damaged or read-only store is never written.

use super::{Gate, journal};
use crate::domain::{Characteristic, ProductId};
use crate::engine::AttrHome;
use crate::store::{Attempt, AuditEntry, RECONCILED};

/// What one reconciliation pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// Attempts now closed by an entry saying what the carrier shows.
    pub resolved: usize,
    /// Attempts still open: the carrier could not be read (or another process holds them).
    pub still_unknown: usize,
}

impl Gate {
    /// The open attempts of processes that are gone: what [`Gate::reconcile`] would read.
    /// Taken before a session's first mutation, so its own new attempts are never in it.
    pub async fn interrupted_attempts(&self) -> Vec<Attempt> {
        match self.store.attempts_open().await {
            Ok(open) => open.into_iter().filter(|a| !a.sender_alive()).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "open journal attempts could not be read");
                Vec::new()
            }
        }
    }

    /// Read the carrier for each attempt and journal what it shows, linked to the attempt.
    pub async fn reconcile(&self, attempts: Vec<Attempt>) -> Reconciliation {
        let mut report = Reconciliation::default();
        if attempts.is_empty() {
            return report;
        }
        if let Err(e) = self.store.ensure_sound().await {
            tracing::warn!(error = %e, "interrupted changes not reconciled: the store takes no writes");
            report.still_unknown = attempts.len();
            return report;
        }
        for attempt in attempts {
            match self.found(&attempt).await {
                Some((after, result)) => {
                    let entry = AuditEntry {
                        time: chrono::Utc::now(),
                        operator: attempt.operator.clone(),
                        ssh_client: attempt.ssh_client.clone(),
                        action: attempt.action.clone(),
                        product_ids: (!attempt.product_id.is_empty())
                            .then(|| attempt.product_id.clone())
                            .into_iter()
                            .collect(),
                        before: attempt.before.clone(),
                        after,
                        result,
                    };
                    match self.store.attempt_resolve(attempt.id, entry).await {
                        Ok(Some(_)) => report.resolved += 1,
                        // Another process resolved it meanwhile: its entry stands.
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(attempt = attempt.id, error = %e, "reconciliation not recorded");
                            report.still_unknown += 1;
                        }
                    }
                }
                None => report.still_unknown += 1,
            }
        }
        tracing::info!(
            resolved = report.resolved,
            still_unknown = report.still_unknown,
            "interrupted changes reconciled"
        );
        report
    }

    /// `(after, result)` from what the carrier shows now; `None` when it cannot be read.
    async fn found(&self, attempt: &Attempt) -> Option<(Option<String>, String)> {
        let noted = attempt
            .result
            .as_ref()
            .map(|r| format!("; before the interruption the carrier had answered {r}"))
            .unwrap_or_default();
        let target = &attempt.target;
        let product = || attempt.product_id.parse::<ProductId>().ok();
        match attempt.action.as_str() {
            journal::STATUS | journal::BATCH_STATUS => {
                let p = self.engine.product(&product()?).await.ok()?;
                let now = p.summary.status.status.as_str();
                let verdict = if now == target {
                    "done".to_string()
                } else {
                    format!("not in the requested {target}")
                };
                Some((
                    Some(now.to_string()),
                    format!("{RECONCILED}: {verdict} — the carrier shows {now}{noted}"),
                ))
            }
            journal::CHARACTERISTICS => {
                let p = self.engine.product(&product()?).await.ok()?;
                let changes: Vec<Characteristic> = target
                    .split(", ")
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(name, value)| Characteristic::new(name, value))
                    .collect();
                let now = journal::current_characteristics(&p, &changes);
                let verdict = if now == *target {
                    "done"
                } else {
                    "not as requested"
                };
                Some((
                    Some(now.clone()),
                    format!("{RECONCILED}: {verdict} — the carrier shows {now}{noted}"),
                ))
            }
            journal::ATTRS_SET | journal::ATTRS_RENAME | journal::ATTRS_DELETE => {
                match self.engine.attrs_home(&product()?).await.ok()? {
                    AttrHome::Remote { backend, current } => {
                        let held = current
                            .iter()
                            .map(|a| format!("{}={}", a.name, a.value))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let held = if held.is_empty() { "none".into() } else { held };
                        Some((
                            Some(held.clone()),
                            format!(
                                "{RECONCILED}: {} holds {held} (requested {target}){noted}",
                                backend.account().name
                            ),
                        ))
                    }
                    // A local edit is one transaction with its entry: never left open.
                    AttrHome::Local => None,
                }
            }
            journal::MONITOR_CANCEL => {
                let m = self.engine.monitor(target).await.ok()?;
                let state = m.state.as_str().to_string();
                Some((
                    Some(state.clone()),
                    format!("{RECONCILED}: monitor {target} is {state}{noted}"),
                ))
            }
            _ => None,
        }
    }
}
