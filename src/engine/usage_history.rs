//! The usage history the console and the CLI keep (`store::usage_history`): each usage read is
//! recorded under the account that answered it, and read back as 30-day series (a product's,
//! an account's sum of what is known) and as the products' allowance levels for the list.
//! Recording is a reading, not an operator's change: it is not journaled, and a store that
//! cannot be written only costs the history (logged), never the read itself.

use super::Engine;
use crate::backends::BackendResult;
use crate::domain::quota::{DailyUse, SERIES_DAYS};
use crate::domain::{ProductId, Usage};
use crate::store::{DEFAULT_USAGE_RETENTION, StoreHandle, StoreResult};
use chrono::Utc;
use std::time::Duration;

/// The store and how long history is kept (`usage_history_retention`).
#[derive(Clone)]
pub struct UsageHistory {
    store: StoreHandle,
    retention: Duration,
}

impl UsageHistory {
    pub fn new(store: StoreHandle, retention: Duration) -> Self {
        UsageHistory { store, retention }
    }

    pub fn with_default_retention(store: StoreHandle) -> Self {
        Self::new(store, DEFAULT_USAGE_RETENTION)
    }

    /// Record one reading of `id` answered by `account`; a failure is logged, not returned.
    pub async fn record(&self, account: &str, id: &ProductId, usage: &Usage) {
        let (account, product, usage, retention) = (
            account.to_string(),
            id.to_string(),
            usage.clone(),
            self.retention,
        );
        let result = self
            .store
            .call(move |s| s.usage_record(&account, &product, &usage, Utc::now(), retention))
            .await;
        if let Err(e) = result {
            tracing::warn!(product = %id, error = %e, "the usage reading was not kept in the history");
        }
    }

    /// The product's daily use over the last [`SERIES_DAYS`] days.
    pub async fn product_daily(&self, id: &ProductId) -> StoreResult<Vec<DailyUse>> {
        let since = Utc::now().date_naive() - chrono::Duration::days(SERIES_DAYS as i64 - 1);
        let product = id.to_string();
        self.store
            .call(move |s| s.usage_daily(&product, since))
            .await
    }

    /// Each account's summed daily data use (bytes) over the last [`SERIES_DAYS`] days.
    pub async fn accounts_daily(
        &self,
        accounts: Vec<String>,
    ) -> StoreResult<Vec<(String, Vec<DailyUse>)>> {
        let since = Utc::now().date_naive() - chrono::Duration::days(SERIES_DAYS as i64 - 1);
        self.store
            .call(move |s| {
                accounts
                    .into_iter()
                    .map(|a| {
                        let days = s.usage_account_daily(&a, since)?;
                        Ok((a, days))
                    })
                    .collect()
            })
            .await
    }

    /// Every product's highest allowance percentage last recorded.
    pub async fn levels(&self) -> StoreResult<Vec<(ProductId, f64)>> {
        let rows = self.store.call(|s| s.usage_levels()).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, pct)| id.parse::<ProductId>().ok().map(|id| (id, pct)))
            .collect())
    }
}

impl Engine {
    /// The allowances the platform holding `id` reports through calls of their own (1NCE's
    /// quotas); `None` when it offers none beyond its usage read.
    pub async fn allowances(
        &self,
        id: &ProductId,
    ) -> BackendResult<Option<Vec<crate::domain::quota::Allowance>>> {
        self.route(id, |b, bid| async move { b.allowances(&bid).await })
            .await
    }

    /// The usage of `id` and the name of the account that answered it (for the history).
    pub async fn usage_with_account(&self, id: &ProductId) -> BackendResult<(String, Usage)> {
        self.route(id, |b, bid| async move {
            let account = b.account().name.clone();
            b.usage(&bid).await.map(|u| (account, u))
        })
        .await
    }
}
