//! Batch status changes: every id must resolve to one backend account (seed: "All products should
//! belong to the same backend platform account"), checked before anything is sent; then the
//! changes run with bounded concurrency, inside that backend's rate limiter, one result per id.

use super::Engine;
use crate::backends::{BackendError, BackendResult, ChangeOutcome};
use crate::domain::{ProductId, Status};
use futures::StreamExt;

/// How many changes of one batch are in flight at once; the backend's limiter still paces them.
pub(crate) const IN_FLIGHT: usize = 4;

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
        let looked_up = futures::stream::iter(ids.iter().cloned())
            .map(|id| async move {
                let account = self
                    .product(&id)
                    .await
                    .map(|p| p.summary.related_party.name);
                (id, account)
            })
            .buffered(IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        let mut account: Option<String> = None;
        let mut strays = Vec::new();
        for (id, found) in looked_up {
            let name = found?;
            match &account {
                None => account = Some(name),
                Some(a) if *a == name => {}
                Some(_) => strays.push(format!("{id} ({name})")),
            }
        }
        let account = account.unwrap_or_else(|| first.kind.to_string());
        if strays.is_empty() {
            Ok(account)
        } else {
            Err(BackendError::InvalidInput(format!(
                "a batch must stay within one backend account; {} holds the first id but {} belong to other accounts",
                account,
                strays.join(", ")
            )))
        }
    }

    /// Change the status of every product in `ids` (one account, at most `max` ids).
    pub async fn batch_status(
        &self,
        ids: &[ProductId],
        to: Status,
        max: usize,
    ) -> BackendResult<Vec<BatchItem>> {
        if ids.len() > max {
            return Err(BackendError::InvalidInput(format!(
                "the batch has {} ids; the configured maximum is {max} (max_batch_size)",
                ids.len()
            )));
        }
        self.batch_account(ids).await?;
        Ok(futures::stream::iter(ids.iter().cloned())
            .map(|id| async move {
                let change = self.change_status_from(&id, to).await;
                BatchItem {
                    id,
                    from: change.from,
                    result: change.result,
                    unchanged: change.unchanged,
                }
            })
            .buffered(IN_FLIGHT)
            .collect()
            .await)
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v.dedup();
    v
}
