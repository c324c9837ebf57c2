//! Batch status changes: every id must resolve to one backend account (seed: "All products should
//! belong to the same backend platform account"), checked before anything is sent; then the
//! changes run with bounded concurrency, inside that backend's rate limiter, one result per id
//! — or, where the account has a bulk call, as lists (`bulk.rs`, through the gate).

use super::{Engine, Seen};
use crate::backends::{BackendError, BackendResult, ChangeOutcome};
use crate::domain::{ProductId, Status};
use futures::StreamExt;
use std::collections::HashMap;

/// How many changes of one batch are in flight at once; the backend's limiter still paces them.
pub(crate) const IN_FLIGHT: usize = 4;

/// The account every product of a batch belongs to, and what the read of each showed.
#[derive(Debug, Clone)]
pub struct BatchLookup {
    pub account: String,
    pub seen: HashMap<ProductId, Seen>,
}

/// The outcome of one product of a batch.
#[derive(Debug)]
pub struct BatchItem {
    pub id: ProductId,
    /// The status read just before the change; `None` when the product could not be read.
    pub from: Option<Status>,
    pub result: BackendResult<ChangeOutcome>,
    /// Already in the target status: nothing was sent (`result` is `Done`).
    pub unchanged: bool,
}

impl Engine {
    /// The configured account that holds every product in `ids`, or an error naming the ids that
    /// belong elsewhere. Products are looked up (reads only), never changed.
    pub async fn batch_account(&self, ids: &[ProductId]) -> BackendResult<String> {
        self.batch_lookup(ids).await.map(|l| l.account)
    }

    /// [`Engine::batch_account`], keeping what each read showed (status and kind of product),
    /// so the changes that follow are sent without reading each product again.
    pub async fn batch_lookup(&self, ids: &[ProductId]) -> BackendResult<BatchLookup> {
        let Some(first) = ids.first() else {
            return Err(BackendError::InvalidInput(
                "a batch needs at least one product id".into(),
            ));
        };
        let mut kinds: Vec<_> = ids.iter().map(|i| i.kind).collect();
        kinds.dedup();
        if kinds.len() > 1 {
            let names: Vec<&str> = ids.iter().map(|i| i.kind.as_str()).collect();
            return Err(BackendError::InvalidInput(format!(
                "a batch must stay within one backend account; these ids span several backends ({})",
                dedup(names).join(", ")
            )));
        }
        // An account with a bulk call reads many statuses at once (1NCE: a list page).
        let prefetched = &self.bulk_lookup(ids).await;
        let looked_up = futures::stream::iter(ids.iter().cloned())
            .map(|id| async move {
                if let Some((name, seen)) = prefetched.get(&id) {
                    return (id, Ok((name.clone(), seen.clone())));
                }
                let account = self.product(&id).await.map(|p| {
                    let seen = Seen {
                        status: p.summary.status.status,
                        connectivity: p.summary.connectivity,
                        account: Some(p.summary.related_party.name.clone()),
                    };
                    (p.summary.related_party.name, seen)
                });
                (id, account)
            })
            .buffered(IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        let mut account: Option<String> = None;
        let mut strays = Vec::new();
        let mut seen = HashMap::new();
        for (id, found) in looked_up {
            let (name, shown) = found?;
            seen.insert(id.clone(), shown);
            match &account {
                None => account = Some(name),
                Some(a) if *a == name => {}
                Some(_) => strays.push(format!("{id} ({name})")),
            }
        }
        let account = account.unwrap_or_else(|| first.kind.to_string());
        if strays.is_empty() {
            Ok(BatchLookup { account, seen })
        } else {
            Err(BackendError::InvalidInput(format!(
                "a batch must stay within one backend account; {} holds the first id but {} belong to other accounts",
                account,
                strays.join(", ")
            )))
        }
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v.dedup();
    v
}
