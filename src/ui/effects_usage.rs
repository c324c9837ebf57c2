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

/// The quotas read alongside a bundle join its usage; a failed quota read costs only the
/// gauge (logged), not the detail.
pub(super) fn merge_allowances<E: std::fmt::Display>(
    id: &ProductId,
    usage: &mut Usage,
    allowances: Result<Option<Vec<crate::domain::quota::Allowance>>, E>,
) {
    match allowances {
        Ok(Some(list)) if usage.allowances.is_empty() => usage.allowances = list,
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(product = %id, error = %e, "the quotas could not be read");
            if usage.allowances.is_empty() {
                usage.allowances_error = Some(e.to_string());
            }
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

#[cfg(test)]
mod tests {
    use super::merge_allowances;
    use crate::domain::quota::Allowance;
    use crate::domain::usage::{Unit, UsageType};
    use crate::domain::{ProductId, Usage};

    fn quota(total: f64) -> Allowance {
        Allowance {
            usage_type: UsageType::Data,
            total,
            remaining: Some(1.0),
            used: None,
            units: Unit::Mb,
            period_start: None,
            expiry: None,
            overage: None,
            source: "test".into(),
        }
    }

    #[test]
    fn quotas_read_alongside_join_a_usage_that_has_none() {
        let id: ProductId = "1NCE-8988228066000000001".parse().unwrap();
        let mut usage = Usage::default();
        merge_allowances(&id, &mut usage, Ok::<_, String>(Some(vec![quota(500.0)])));
        assert_eq!(usage.allowances, vec![quota(500.0)]);
        // What the usage read carried itself wins; a failure or "not offered" changes nothing.
        merge_allowances(&id, &mut usage, Ok::<_, String>(Some(vec![quota(1.0)])));
        merge_allowances(&id, &mut usage, Ok::<_, String>(None));
        merge_allowances(&id, &mut usage, Err::<Option<Vec<Allowance>>, _>("down"));
        assert_eq!(usage.allowances, vec![quota(500.0)]);
        assert_eq!(
            usage.allowances_error, None,
            "a failure beside known quotas is moot"
        );
    }

    #[test]
    fn a_failed_quota_read_is_said_not_hidden() {
        let id: ProductId = "1NCE-8988228066000000001".parse().unwrap();
        let mut usage = Usage::default();
        merge_allowances(
            &id,
            &mut usage,
            Err::<Option<Vec<Allowance>>, _>("HTTP 503"),
        );
        assert!(usage.allowances.is_empty());
        assert_eq!(usage.allowances_error.as_deref(), Some("HTTP 503"));
    }
}
