//! The usage history effects (`engine::UsageHistory`): a detail's usage read is recorded, and a
//! reading without the carrier's daily records gets the days the history derived; the
//! allowance levels at start; the accounts' summed daily use for the backends view.

use super::msg::Msg;
use crate::domain::{ProductId, Usage};
use crate::engine::LocalData;

/// Record `usage` (answered by `account`) and give it the history's days when the carrier sent
/// none, so the detail always draws its 30 days from one place.
pub(super) async fn record_and_fill(
    store: &LocalData,
    account: &str,
    id: &ProductId,
    usage: &mut Usage,
) {
    let history = store.usage_history();
    history.record(account, id, usage).await;
    if usage.daily.is_empty() {
        match history.product_daily(id).await {
            Ok(days) => usage.daily = days,
            Err(e) => tracing::debug!(product = %id, error = %e, "no usage history read"),
        }
    }
}

pub(super) async fn levels(store: LocalData) -> Msg {
    Msg::UsageLevels(
        store
            .usage_history()
            .levels()
            .await
            .map_err(|e| e.to_string()),
    )
}

pub(super) async fn accounts(store: LocalData, names: Vec<String>) -> Msg {
    Msg::AccountUsage(
        store
            .usage_history()
            .accounts_daily(names)
            .await
            .map_err(|e| e.to_string()),
    )
}
