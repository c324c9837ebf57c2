//! `Engine::check`: is each carrier account answering, and how fast? One cheap read per
//! account (the first page of its product list, one product), all accounts at once, each
//! through its own pace; the outcome lands on the one health board like any routed call, and
//! the caller gets what the board shows after it. What `cmo backends` prints.

use super::Engine;
use crate::backends::PageRequest;
use crate::domain::health::HealthEntry;
use std::time::Instant;

/// One account's answer to the check.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountCheck {
    pub name: String,
    pub kind: crate::domain::BackendKind,
    /// What the board shows for the account after the check (the worse of the call and the
    /// wire layers: a check that succeeded after retries on 503 shows as the retries left it).
    pub entry: HealthEntry,
    /// How long the check took, retries and pacing included.
    pub took_ms: u64,
    /// Products the carrier says the account holds, when it reports a total.
    pub total: Option<u64>,
}

impl Engine {
    /// Check every account `filter` selects (a name or a kind; all when `None`).
    pub async fn check(
        &self,
        filter: Option<&str>,
    ) -> crate::backends::BackendResult<Vec<AccountCheck>> {
        let backends = self.selected(filter)?;
        let checks = backends.into_iter().map(|backend| async move {
            let name = backend.account().name.clone();
            let started = Instant::now();
            let req = PageRequest {
                cursor: None,
                page_size: Some(1),
            };
            let result = backend.list_products(req).await;
            let took = started.elapsed();
            super::health::record_call(&self.health, &name, took, result.as_ref().err());
            AccountCheck {
                kind: backend.kind(),
                entry: self.health.entry(&name),
                took_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                total: result.ok().and_then(|page| page.total),
                name,
            }
        });
        Ok(futures::future::join_all(checks).await)
    }
}
