//! Aeris's bulk status change (docs/backends/aeris.md, "Bulk status change"): the SICA
//! state-change request already takes a list of ICCIDs and answers one
//! `subscription_request_id`, so a chunk of a batch is ONE `POST …/requests/state-changes`.
//! The engine then re-reads the SIMs ([`Aeris::statuses`]: one details lookup per 1000
//! ICCIDs); the request id is kept per ICCID so that a SIM the re-reads leave unchanged can be
//! given the platform's own reason from the request's per-subscription failure infos
//! ([`Aeris::failure_reasons`]).

use super::Aeris;
use super::wire::WireRequest;
use crate::backends::{Backend, BackendError, BackendResult, BulkChange, kit};
use crate::domain::mapping::{native_for, normalize};
use crate::domain::{BackendKind, BusinessId, Status};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The most ICCIDs per state-change request. The public spec names no maximum for
/// `identifiers`; 100 is our PROVISIONAL choice (a list the size of a default page), and
/// `bulk_max_items` may lower it.
pub const MAX_BULK_ITEMS: usize = 100;
/// How long SIMs of an accepted request are re-read before one still in its old status is
/// "not applied", unless `bulk_settle_timeout` says otherwise.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(60);
/// ICCIDs per details lookup (the POST lookup's documented maximum).
pub const LOOKUP_MAX: usize = 1000;
/// Request ids remembered for failure reasons; older ones are forgotten first.
const REMEMBERED: usize = 10_000;

/// The request id each ICCID of a recent bulk request was sent in.
#[derive(Debug, Default)]
pub(super) struct SentRequests {
    by_iccid: HashMap<String, (u64, String)>,
    next: u64,
}

impl SentRequests {
    fn remember(&mut self, request_id: &str, iccids: &[String]) {
        self.next += 1;
        for iccid in iccids {
            self.by_iccid
                .insert(iccid.clone(), (self.next, request_id.to_string()));
        }
        if self.by_iccid.len() > REMEMBERED {
            // Drop the oldest requests' entries; a bounded map, not a precise LRU.
            let cut = self.next.saturating_sub(self.next / 2);
            self.by_iccid.retain(|_, (n, _)| *n >= cut);
        }
    }
}

impl Aeris {
    /// ONE state-change request for every SIM of `changes`; returns once the platform
    /// accepted it (201 + request id). Sent once: a repeat would be a second request, and the
    /// re-reads that follow tell what the platform did either way.
    pub(super) async fn send_bulk(&self, changes: &[BulkChange], to: Status) -> BackendResult<()> {
        let max = self.bulk.map_or(0, |l| l.max_items);
        if changes.is_empty() || changes.len() > max {
            return Err(BackendError::InvalidInput(format!(
                "an IOTA bulk state change takes 1 to {max} SIMs ({} given)",
                changes.len()
            )));
        }
        let from = changes[0].from;
        let native = native_for(BackendKind::Iota, to)
            .filter(|n| normalize(BackendKind::Iota, n).status == to)
            .ok_or(BackendError::TransitionNotAllowed {
                kind: BackendKind::Iota,
                from,
                to,
            })?;
        let iccids = changes
            .iter()
            .map(|c| kit::iccid(self.account(), &c.id).map(str::to_string))
            .collect::<BackendResult<Vec<_>>>()?;
        let request_id = self.submit_states(&iccids, native).await?;
        tracing::info!(
            backend = self.name(),
            sims = iccids.len(),
            %to,
            native,
            request_id,
            "IOTA bulk state change requested"
        );
        kit_lock(&self.sent).remember(&request_id, &iccids);
        Ok(())
    }

    /// Each SIM's status from details lookups of up to [`LOOKUP_MAX`] ICCIDs; an ICCID the
    /// platform does not return is "not found".
    pub(super) async fn statuses(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<Vec<(BusinessId, BackendResult<Status>)>> {
        let mut wanted = Vec::with_capacity(ids.len());
        for id in ids {
            wanted.push((id, self.iccid(id)?));
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in wanted.chunks(LOOKUP_MAX) {
            let keys: Vec<&str> = chunk.iter().map(|(_, i)| *i).collect();
            let subs = self.lookup(&keys).await?;
            for (id, iccid) in chunk {
                let status = subs
                    .iter()
                    .find(|s| s.iccid.as_deref() == Some(*iccid))
                    .map(|s| s.status().status)
                    .ok_or_else(|| self.not_found(iccid));
                out.push(((*id).clone(), status));
            }
        }
        Ok(out)
    }

    /// The platform's failure info for each of `ids` that a recent bulk request reported
    /// FAILED: one read of each request involved. Reads that fail leave the reasons out (the
    /// engine's own wording stands).
    pub(super) async fn failure_reasons(&self, ids: &[BusinessId]) -> HashMap<BusinessId, String> {
        let mut by_request: HashMap<String, Vec<(&BusinessId, String)>> = HashMap::new();
        {
            let sent = kit_lock(&self.sent);
            for id in ids {
                let Ok(iccid) = self.iccid(id) else { continue };
                if let Some((_, request)) = sent.by_iccid.get(iccid) {
                    by_request
                        .entry(request.clone())
                        .or_default()
                        .push((id, iccid.to_string()));
                }
            }
        }
        let mut out = HashMap::new();
        for (request_id, wanted) in by_request {
            let url = self.url(&format!("/sica/subscriptions/requests/{request_id}"));
            let read: BackendResult<WireRequest> = self
                .policy
                .send_json("a subscription request", |c| c.get(&url))
                .await;
            let req = match read {
                Ok(req) => req,
                Err(e) => {
                    tracing::debug!(request_id, error = %e, "bulk request not readable for reasons");
                    continue;
                }
            };
            let failures = req.failures();
            for (id, iccid) in wanted {
                if let Some(why) = failures.get(&iccid) {
                    out.insert(
                        id.clone(),
                        format!(
                            "request {request_id} ({}): {why}",
                            crate::text::sanitize(&req.subscription_request_state)
                        ),
                    );
                }
            }
        }
        out
    }
}

/// The lock of the sent-request map; a poisoned lock still holds usable ids.
fn kit_lock(m: &Mutex<SentRequests>) -> std::sync::MutexGuard<'_, SentRequests> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
