//! Allowances in the CMO-shaped JSON: each usage type's quota as a TMF `bucketBalance` next to
//! its `bucketCounter`s (which keep the seed's three-level rule), and as text under `usage get`.

use super::json::{timestamp, value_name};
use crate::domain::Usage;
use crate::domain::quota::Allowance;
use crate::domain::usage::{UsageType, display_amount};
use serde_json::{Value, json};

/// The `bucketBalance` entries of one usage type: remaining, total and used values, the
/// percentage used, and the validity (until the quota's expiry or the period's end).
pub fn bucket_balances(usage: &Usage, usage_type: UsageType) -> Vec<Value> {
    usage
        .allowances
        .iter()
        .filter(|a| a.usage_type == usage_type)
        .map(balance)
        .collect()
}

fn balance(a: &Allowance) -> Value {
    let units = a.units.as_str();
    let mut out = json!({
        "totalValue": {"amount": a.total, "units": units},
        "totalValueName": value_name(a.total, a.units),
        "source": crate::text::sanitize(&a.source),
    });
    if let Some(left) = a.remaining_amount() {
        out["remainingValue"] = json!({"amount": left, "units": units});
        out["remainingValueName"] = json!(value_name(left, a.units));
    }
    if let Some(used) = a.used_amount() {
        out["usedValue"] = json!({"amount": used, "units": units});
    }
    if let Some(pct) = a.percent() {
        out["percentUsed"] = json!((pct * 100.0).round() / 100.0);
    }
    if let Some(over) = a.overage {
        out["overage"] = json!(over);
    }
    let mut valid = json!({});
    if let Some(start) = &a.period_start {
        valid["startDateTime"] = json!(timestamp(start));
    }
    if let Some(end) = &a.expiry {
        valid["endDateTime"] = json!(timestamp(end));
    }
    out["validFor"] = valid;
    out
}

/// `usage get`'s text: one line per allowance (`DATA  64.21 MB of 500.00 MB used (12.8 %),
/// 435.79 MB left, until 2029-01-01T00:00:00Z`).
pub fn allowance_lines(usage: &Usage) -> String {
    if usage.allowances.is_empty() {
        return String::new();
    }
    let mut out = String::from("Allowance\n");
    for a in &usage.allowances {
        let used = a
            .used_amount()
            .map_or_else(|| "?".to_string(), |u| display_amount(u, a.units));
        let pct = a
            .percent()
            .map(|p| format!(" ({p:.1} %)"))
            .unwrap_or_default();
        let left = a
            .remaining_amount()
            .map(|r| format!(", {} left", display_amount(r, a.units)))
            .unwrap_or_default();
        let until = a
            .expiry
            .as_deref()
            .map(|e| format!(", until {}", timestamp(e)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<5} {used} of {} used{pct}{left}{until}\n",
            super::json::usage_type_str(a.usage_type),
            display_amount(a.total, a.units),
        ));
    }
    out
}
