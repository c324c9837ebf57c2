//! 1NCE quotas and daily history (docs/backends/1nce.md, "Quota and usage history"):
//! `GET /v1/sims/{iccid}/quota/data` and `/quota/sms` (the `Quota` object of 1NCE's SIM Usage
//! API: `volume` left, `total_volume`, `expiry_date`, …) become [`Allowance`]s; the daily
//! records of `GET /v1/sims/{iccid}/usage` become [`DailyUse`]s.

use crate::domain::UsageSample;
use crate::domain::quota::{Allowance, DailyUse};
use crate::domain::usage::{Unit, UsageType};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A JSON number, or a decimal number sent as a string; `null`/absent/empty as `None`.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|v| v.is_finite()))
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    })
}

/// The `Quota` object both quota calls answer.
#[derive(Debug, Clone, Deserialize)]
pub struct WireQuota {
    /// What is left: MB for data, a count for SMS.
    #[serde(default, deserialize_with = "number")]
    pub volume: Option<f64>,
    /// The whole allowance over the SIM's lifetime (or since the last top-up).
    #[serde(default, deserialize_with = "number")]
    pub total_volume: Option<f64>,
    #[serde(default, deserialize_with = "text")]
    pub expiry_date: Option<String>,
    /// Read when `total_volume` is missing (the last top-up is then the allowance).
    #[serde(default, deserialize_with = "number")]
    pub last_volume_added: Option<f64>,
}

impl WireQuota {
    /// The allowance, or an error text when the answer has no total to measure against.
    pub fn allowance(&self, usage_type: UsageType) -> Result<Allowance, String> {
        let (units, path) = match usage_type {
            UsageType::Sms => (Unit::Sms, "/quota/sms"),
            _ => (Unit::Mb, "/quota/data"),
        };
        let total = self
            .total_volume
            .or(self.last_volume_added)
            .filter(|t| *t >= 0.0)
            .ok_or_else(|| format!("{path} has no total_volume"))?;
        Ok(Allowance {
            usage_type,
            total,
            remaining: self.volume,
            used: None,
            units,
            period_start: None,
            expiry: self.expiry_date.clone(),
            overage: None,
            source: format!("1NCE {path}"),
        })
    }
}

/// Daily records of `/usage` as [`DailyUse`]s (the samples carry each day's period).
pub fn daily(samples: &[UsageSample]) -> Vec<DailyUse> {
    samples
        .iter()
        .filter_map(|s| {
            let day = crate::domain::quota::parse_time(s.period_start.as_deref()?)?.date_naive();
            Some(DailyUse {
                day,
                usage_type: s.usage_type,
                amount: s.amount,
                units: s.units,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_quota_object_becomes_an_allowance() {
        let q: WireQuota = serde_json::from_value(serde_json::json!({
            "volume": 435.787951, "total_volume": 500, "expiry_date": "2029-01-01T00:00:00.000Z",
            "peak_throughput": 1000000, "last_volume_added": 500,
            "last_status_change_date": "2018-10-01T11:59:44.000Z", "threshold_percentage": 20
        }))
        .unwrap();
        let a = q.allowance(UsageType::Data).unwrap();
        assert_eq!(
            (a.total, a.remaining, a.units),
            (500.0, Some(435.787951), Unit::Mb)
        );
        assert_eq!(a.expiry.as_deref(), Some("2029-01-01T00:00:00.000Z"));
        assert!((a.used_amount().unwrap() - 64.212049).abs() < 1e-6);
        let sms: WireQuota =
            serde_json::from_value(serde_json::json!({"volume": "12", "total_volume": "250"}))
                .unwrap();
        let s = sms.allowance(UsageType::Sms).unwrap();
        assert_eq!(
            (s.total, s.remaining, s.units),
            (250.0, Some(12.0), Unit::Sms)
        );
        let empty: WireQuota = serde_json::from_value(serde_json::json!({"volume": 3})).unwrap();
        assert!(
            empty
                .allowance(UsageType::Data)
                .unwrap_err()
                .contains("total_volume")
        );
    }
}
