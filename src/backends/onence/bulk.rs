//! 1NCE's bulk status change (docs/backends/1nce.md, "Bulk status change"): `POST /v1/sims`
//! with a JSON array of `{iccid, status}`, answered 201 with no body and applied later by the
//! carrier's queue — no request id to follow, so the engine re-reads the SIMs. Those re-reads
//! ([`OneNce::statuses`]) use the list endpoint when its pages cost fewer requests than one read
//! per SIM: a page of 100 SIMs is one request at the organisation's 10 requests/s.

use super::OneNce;
use crate::backends::http::Repeat;
use crate::backends::{Backend, BackendError, BackendResult, BulkChange, PageRequest, kit};
use crate::domain::mapping::{native_for, normalize};
use crate::domain::{BackendKind, BusinessId, Status};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// The most SIMs per bulk request. The spec names no limit; 100 (the list's page size) is our
/// provisional maximum, and `bulk_max_items` may lower it.
pub const MAX_BULK_ITEMS: usize = 100;
/// How long SIMs of an accepted list are re-read before one still in its old status is
/// "not applied", unless `bulk_settle_timeout` says otherwise.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(60);
/// SIMs per list page when re-reading (the API's maximum).
const PAGE: usize = 100;
/// Single-SIM reads in flight at once; the account's pace still spaces them.
const READS_IN_FLIGHT: usize = 4;

impl OneNce {
    /// One `POST /v1/sims` for every SIM of `changes`. Sent once: a retry would be a second
    /// write, and the re-reads that follow tell what the carrier did either way.
    pub(super) async fn send_bulk(&self, changes: &[BulkChange], to: Status) -> BackendResult<()> {
        let max = self.bulk.map_or(0, |l| l.max_items);
        if changes.is_empty() || changes.len() > max {
            return Err(BackendError::InvalidInput(format!(
                "a 1NCE bulk status change takes 1 to {max} SIMs ({} given)",
                changes.len()
            )));
        }
        let from = changes[0].from;
        let native = native_for(BackendKind::OneNce, to)
            .filter(|n| normalize(BackendKind::OneNce, n).status == to)
            .ok_or(BackendError::TransitionNotAllowed {
                kind: BackendKind::OneNce,
                from,
                to,
            })?;
        let body = changes
            .iter()
            .map(|c| {
                let iccid = kit::iccid(self.account(), &c.id)?;
                Ok(serde_json::json!({"iccid": iccid, "status": native}))
            })
            .collect::<BackendResult<Vec<_>>>()?;
        let url = format!("{}/v1/sims", self.base);
        self.policy
            .send(Repeat::Once, |c| c.post(&url).json(&body))
            .await?;
        tracing::info!(
            backend = self.account().name.as_str(),
            sims = changes.len(),
            %to,
            native,
            "1NCE bulk status change accepted (applied later by the carrier)"
        );
        Ok(())
    }

    /// Each SIM's status: list pages when they cost fewer requests than single reads (the
    /// first page tells how many there are), single reads for the rest.
    pub(super) async fn statuses(
        &self,
        ids: &[BusinessId],
    ) -> BackendResult<Vec<(BusinessId, BackendResult<Status>)>> {
        let mut wanted: HashMap<String, BusinessId> = HashMap::with_capacity(ids.len());
        for id in ids {
            wanted.insert(kit::iccid(self.account(), id)?.to_string(), id.clone());
        }
        let mut found: Vec<(BusinessId, BackendResult<Status>)> = Vec::with_capacity(ids.len());
        if wanted.len() >= 2 {
            self.statuses_from_pages(&mut wanted, &mut found).await?;
        }
        let rest: Vec<BusinessId> = wanted.into_values().collect();
        let singles = futures::stream::iter(rest)
            .map(|id| async move {
                let status = self.sim_card(&id).await.map(|c| c.status.status);
                (id, status)
            })
            .buffer_unordered(READS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        found.extend(singles);
        Ok(found)
    }

    /// Read list pages while they are the cheaper way, moving every SIM found out of `wanted`.
    async fn statuses_from_pages(
        &self,
        wanted: &mut HashMap<String, BusinessId>,
        found: &mut Vec<(BusinessId, BackendResult<Status>)>,
    ) -> BackendResult<()> {
        let mut cursor: Option<String> = None;
        let mut pages_read = 0usize;
        let mut seen_pages = HashSet::new();
        loop {
            let page = self
                .list_products(PageRequest {
                    cursor: cursor.clone(),
                    page_size: Some(PAGE as u32),
                })
                .await?;
            pages_read += 1;
            for row in page.items {
                if let Some(id) = wanted.remove(&row.id.business_id) {
                    found.push((id, Ok(row.status.status)));
                }
            }
            let Some(next) = page.next else { break };
            if wanted.is_empty() || !seen_pages.insert(next.clone()) {
                break;
            }
            // Pages still to read against single reads still needed: stop when singles win.
            let total_pages = page
                .total
                .map(|t| usize::try_from(t.div_ceil(PAGE as u64)).unwrap_or(usize::MAX));
            let pages_left = total_pages.map(|t| t.saturating_sub(pages_read));
            match pages_left {
                Some(left) if left <= wanted.len() => cursor = Some(next),
                _ => break,
            }
        }
        Ok(())
    }
}
