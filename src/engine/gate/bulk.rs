//! A batch through the account's bulk status call (issue 16; docs/safety.md, "Bulk batches"):
//! products already in the target status or not allowed to move are settled without a
//! request; the rest go as lists of at most the carrier's maximum. Each product's write-ahead
//! attempt is written before its list leaves ("no journal, no list"), the carrier's answer is
//! noted on it, and the re-reads give each product its own outcome — done, not applied (still
//! in its old status when the settle timeout passed) or unknown (never read: the attempt stays
//! open for the next run to reconcile). The batch's single entry closes the settled attempts.

use super::{BatchRun, Gate, GateError, journal, settle};
use crate::backends::{BackendError, BulkChange, ChangeOutcome};
use crate::domain::capabilities::sim_change_allowed;
use crate::domain::{ProductId, Status};
use crate::engine::batch::BatchItem;
use crate::engine::bulk::{BulkRoute, Settled, may_have_arrived};
use crate::engine::{BatchLookup, Engine};
use crate::store::OUTCOME_UNKNOWN;
use tokio_util::sync::CancellationToken;

impl Gate {
    /// Run a looked-up batch as bulk requests on `route` (see the module header).
    pub(super) async fn batch_bulk(
        &self,
        ids: &[ProductId],
        to: Status,
        lookup: &BatchLookup,
        route: BulkRoute,
        stop: &CancellationToken,
    ) -> Result<BatchRun, GateError> {
        let seen = |i: usize| lookup.seen.get(&ids[i]).map(|s| s.status);
        let mut items: Vec<Option<BatchItem>> = ids.iter().map(|_| None).collect();
        let item = |i: usize, result, unchanged| BatchItem {
            id: ids[i].clone(),
            from: seen(i),
            result,
            unchanged,
        };
        // Settled without a request: refused, unchanged, not in the transition table.
        let mut eligible = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let Some(from) = seen(i) else {
                items[i] = Some(item(
                    i,
                    Err(BackendError::NotFound {
                        backend: lookup.account.clone(),
                        what: format!("product {id}"),
                    }),
                    false,
                ));
                continue;
            };
            if let Some(refusal) = Engine::status_change_refusal(id) {
                items[i] = Some(item(i, Err(refusal), false));
            } else if from == to {
                items[i] = Some(item(i, Ok(ChangeOutcome::Done { status: Some(to) }), true));
            } else if !sim_change_allowed(id.kind, from, to) {
                let refused = BackendError::TransitionNotAllowed {
                    kind: id.kind,
                    from,
                    to,
                };
                items[i] = Some(item(i, Err(refused), false));
            } else {
                eligible.push(i);
            }
        }
        let chunks: Vec<&[usize]> = eligible.chunks(route.limits.max_items).collect();
        let mut requests = 0usize;
        let mut close: Vec<i64> = Vec::new();
        let mut tracked: Vec<(usize, i64, String)> = Vec::new();
        let mut not_started: Vec<usize> = Vec::new();
        let mut halted = false;
        for (n, chunk) in chunks.iter().enumerate() {
            if halted || stop.is_cancelled() {
                not_started.extend_from_slice(chunk);
                continue;
            }
            // Every attempt of the list first: one missing attempt and the list is not sent.
            let mut written = Vec::with_capacity(chunk.len());
            let mut refused = None;
            for &i in *chunk {
                let target = to.as_str().to_string();
                match self
                    .begin(journal::BATCH_STATUS, ids[i].to_string(), target, None)
                    .await
                {
                    Ok(attempt) => written.push((i, attempt)),
                    Err(e) => {
                        refused = Some(e);
                        break;
                    }
                }
            }
            if let Some(e) = refused {
                halted = true;
                for &i in *chunk {
                    let journal_error = BackendError::Other {
                        backend: "journal".into(),
                        detail: e.to_string(),
                    };
                    items[i] = Some(item(i, Err(journal_error), false));
                }
                close.extend(written.iter().map(|(_, a)| *a));
                continue;
            }
            let changes: Vec<BulkChange> = chunk
                .iter()
                .filter_map(|&i| {
                    Some(BulkChange {
                        id: ids[i].business(),
                        from: seen(i)?,
                    })
                })
                .collect();
            requests += 1;
            let sent = self.engine.send_bulk(&route, &changes, to).await;
            let what = format!("bulk request {} of {}", n + 1, chunks.len());
            let note = match &sent {
                Ok(()) => format!("accepted in {what} (no request id): re-reading"),
                Err(e) if may_have_arrived(e) => {
                    format!("{what} answered {e}; re-reading to see what the carrier did")
                }
                Err(e) => format!("failed: {e}"),
            };
            for (i, attempt) in written {
                let before = seen(i).map(|s| s.as_str().to_string());
                if let Err(e) = self.store.attempt_note(attempt, before, note.clone()).await {
                    tracing::error!(product = %ids[i], error = %e, "a bulk item's answer could not be noted");
                }
                match &sent {
                    Err(e) if !may_have_arrived(e) => {
                        items[i] = Some(item(i, Err(e.clone()), false));
                        close.push(attempt);
                    }
                    _ => tracked.push((i, attempt, what.clone())),
                }
            }
        }
        let tracked_ids: Vec<ProductId> = tracked.iter().map(|(i, _, _)| ids[*i].clone()).collect();
        let settlement = if tracked_ids.is_empty() {
            Default::default()
        } else {
            self.engine
                .settle_bulk(&route, &tracked_ids, to, stop)
                .await
        };
        let settle_for = humantime::format_duration(route.limits.settle);
        // The carrier's own reasons for the products left unchanged, where its bulk call
        // reports them (Aeris's request failure infos); none for 1NCE.
        let unchanged: Vec<crate::domain::BusinessId> = settlement
            .settled
            .iter()
            .filter(|(_, s)| matches!(s, Settled::NotApplied(_)))
            .map(|(id, _)| id.business())
            .collect();
        let reasons = if unchanged.is_empty() {
            Default::default()
        } else {
            self.engine.bulk_reasons(&route, &unchanged).await
        };
        let mut unknown: Vec<ProductId> = Vec::new();
        for (i, attempt, what) in tracked {
            let outcome = settlement.settled.get(&ids[i]);
            let result = match outcome {
                Some(Settled::Done) => Ok(ChangeOutcome::Done { status: Some(to) }),
                Some(Settled::NotApplied(now)) => Err(BackendError::Other {
                    backend: lookup.account.clone(),
                    detail: match reasons.get(&ids[i].business()) {
                        Some(why) => format!(
                            "{}: the carrier accepted the bulk request but reported it failed for this SIM ({why}); it shows {now}",
                            journal::NOT_APPLIED
                        ),
                        None => format!(
                            "{}: the carrier accepted the bulk request but still shows {now} after {settle_for}",
                            journal::NOT_APPLIED
                        ),
                    },
                }),
                Some(Settled::Unknown(why)) => Err(BackendError::Other {
                    backend: lookup.account.clone(),
                    detail: format!(
                        "{OUTCOME_UNKNOWN}: the bulk request was sent but the product could not be read ({why}); the next run that reaches the carrier reconciles it"
                    ),
                }),
                // Cut short by a stop: sent, no verdict (the attempt stays open).
                None => {
                    unknown.push(ids[i].clone());
                    continue;
                }
            };
            let settled = item(i, result, false);
            let noted = format!("{} ({what})", journal::item_text(&settled));
            let before = settled.from.map(|s| s.as_str().to_string());
            if let Err(e) = self.store.attempt_note(attempt, before, noted).await {
                tracing::error!(product = %ids[i], error = %e, "a bulk item's outcome could not be noted");
            }
            // An unread product keeps its attempt open: "outcome unknown" until a run reads it.
            if !matches!(outcome, Some(Settled::Unknown(_))) {
                close.push(attempt);
            }
            items[i] = Some(settled);
        }
        let not_started: Vec<ProductId> = not_started.iter().map(|i| ids[*i].clone()).collect();
        let items: Vec<BatchItem> = items.into_iter().flatten().collect();
        let mut result = journal::batch_result(&items);
        if !unknown.is_empty() || !not_started.is_empty() {
            result.push_str(&journal::batch_interrupted(&unknown, &not_started));
        }
        // The requests are on each product's attempt ("accepted in bulk request 1 of 2"); the
        // entry's result keeps the per-product batch's wording.
        tracing::info!(
            requests,
            reads = settlement.reads,
            max = route.limits.max_items,
            "bulk batch sent"
        );
        let interrupted = stop.is_cancelled() && (!unknown.is_empty() || !not_started.is_empty());
        let journaled = self
            .journal(
                journal::BATCH_STATUS,
                ids.iter().map(ToString::to_string).collect(),
                journal::batch_before(&items),
                Some(to.as_str().to_string()),
                result.clone(),
                close,
            )
            .await;
        let run = BatchRun {
            items,
            unknown,
            not_started,
            interrupted,
            requests,
            bulk: Some(route.limits.max_items),
        };
        settle(journaled, run, || format!("batch status → {to}: {result}"))
    }
}
