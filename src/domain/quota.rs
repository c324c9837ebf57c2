//! Allowances (a carrier's quota or plan allowance for one usage type) and daily usage records,
//! and the arithmetic the screens and the query share: how much of an allowance is used, how
//! many days it has left, whether it crossed the 80 % / 100 % marks, and the 30-day series a
//! sparkline draws with its min, max and total.
//!
//! An allowance is only what a carrier says: a platform without a quota call has none, and the
//! console then shows no gauge rather than a guess.

use super::usage::{Unit, UsageType};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// At or above this share of the allowance a product is marked and its gauge warns.
pub const WARN_PERCENT: f64 = 80.0;
/// At or above this share the allowance is used up.
pub const FULL_PERCENT: f64 = 100.0;
/// Days of daily usage the detail's sparkline shows.
pub const SERIES_DAYS: usize = 30;

/// What a carrier says one usage type may consume: the total, and what is left or used.
/// Amounts are in `units` (the carrier's own, as with buckets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allowance {
    pub usage_type: UsageType,
    /// The whole allowance (1NCE: `total_volume`).
    pub total: f64,
    /// What is left, when the carrier tells (1NCE: `volume`).
    pub remaining: Option<f64>,
    /// What is used, when the carrier tells it directly rather than what is left.
    pub used: Option<f64>,
    pub units: Unit,
    /// When the allowance started, when known (ISO 8601).
    pub period_start: Option<String>,
    /// When it ends: the end of the billing period or the quota's expiry (ISO 8601).
    pub expiry: Option<String>,
    /// The carrier's own overage flag, when it has one.
    pub overage: Option<bool>,
    /// Where the figure comes from (`1NCE /quota/data`), shown next to the gauge.
    pub source: String,
}

/// How full an allowance is, for colour and marking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    /// At or above [`WARN_PERCENT`].
    Warn,
    /// At or above [`FULL_PERCENT`], or flagged as overage by the carrier.
    Over,
}

impl Allowance {
    /// What is used: the carrier's figure, else total − remaining (never below zero).
    pub fn used_amount(&self) -> Option<f64> {
        self.used
            .or_else(|| self.remaining.map(|r| (self.total - r).max(0.0)))
    }

    /// What is left: the carrier's figure, else total − used (may be negative on overage).
    pub fn remaining_amount(&self) -> Option<f64> {
        self.remaining.or_else(|| self.used.map(|u| self.total - u))
    }

    /// Used as a percentage of the total; `None` without a positive total or a used figure.
    pub fn percent(&self) -> Option<f64> {
        let used = self.used_amount()?;
        (self.total > 0.0 && self.total.is_finite() && used.is_finite())
            .then(|| used / self.total * 100.0)
    }

    pub fn level(&self) -> Level {
        let pct = self.percent().unwrap_or(0.0);
        if self.overage == Some(true) || pct >= FULL_PERCENT {
            Level::Over
        } else if pct >= WARN_PERCENT {
            Level::Warn
        } else {
            Level::Ok
        }
    }

    /// Whole days from `now` to the expiry (0 once passed); `None` without a readable expiry.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<i64> {
        let end = parse_time(self.expiry.as_deref()?)?;
        Some((end - now).num_days().max(0))
    }
}

/// The highest percentage among `allowances`: what the list marks and `usage>N%` compares.
pub fn highest_percent(allowances: &[Allowance]) -> Option<f64> {
    allowances
        .iter()
        .filter_map(Allowance::percent)
        .fold(None, |acc: Option<f64>, p| {
            Some(acc.map_or(p, |a| a.max(p)))
        })
}

/// One day's consumption of one usage type, as a carrier's daily record says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyUse {
    pub day: NaiveDate,
    pub usage_type: UsageType,
    pub amount: f64,
    pub units: Unit,
}

/// The last [`SERIES_DAYS`] days of data use ending on `last`, in bytes, oldest first; a day
/// with no record is `None` (unknown, not zero).
pub fn data_series(days: &[DailyUse], last: NaiveDate) -> Vec<Option<f64>> {
    let first = last - chrono::Duration::days(SERIES_DAYS as i64 - 1);
    let mut out = vec![None; SERIES_DAYS];
    for d in days.iter().filter(|d| d.usage_type == UsageType::Data) {
        if d.day < first || d.day > last {
            continue;
        }
        let Some(bytes) = d.units.convert(d.amount, Unit::Bytes) else {
            continue;
        };
        let slot = &mut out[(d.day - first).num_days() as usize];
        *slot = Some(slot.unwrap_or(0.0) + bytes);
    }
    out
}

/// Min, max and total of the known days of a series (bytes), and how many days are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesStats {
    pub min: f64,
    pub max: f64,
    pub total: f64,
    pub known_days: usize,
}

pub fn series_stats(series: &[Option<f64>]) -> Option<SeriesStats> {
    let known: Vec<f64> = series.iter().flatten().copied().collect();
    let first = *known.first()?;
    Some(SeriesStats {
        min: known.iter().copied().fold(first, f64::min),
        max: known.iter().copied().fold(first, f64::max),
        total: known.iter().sum(),
        known_days: known.len(),
    })
}

/// The data volume a plan's or offering's name states (`TMO IoT 1GB Pooled` → 1 GB,
/// `IoT NB-IoT Europe 500MB` → 500 MB): the only statement of an included volume some carriers
/// make through their API. A name without a number directly followed by KB, MB or GB (`Fixed
/// 24M` is 24 months) states none.
pub fn volume_in_name(name: &str) -> Option<(f64, Unit)> {
    let upper = name.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = &upper[start..i];
        let rest = upper[i..].trim_start_matches(' ');
        let unit = [("GB", Unit::Gb), ("MB", Unit::Mb), ("KB", Unit::Kb)]
            .into_iter()
            .find(|(u, _)| {
                rest.starts_with(u)
                    && !rest[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
            });
        if let (Ok(v), Some((_, unit))) = (number.parse::<f64>(), unit)
            && v > 0.0
        {
            return Some((v, unit));
        }
    }
    None
}

pub use super::time::parse_time;

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(total: f64, remaining: f64) -> Allowance {
        Allowance {
            usage_type: UsageType::Data,
            total,
            remaining: Some(remaining),
            used: None,
            units: Unit::Mb,
            period_start: None,
            expiry: Some("2026-12-31T00:00:00.000+0000".into()),
            overage: None,
            source: "test".into(),
        }
    }

    #[test]
    fn percent_and_level_follow_the_80_and_100_marks() {
        assert_eq!(mb(500.0, 450.0).percent(), Some(10.0));
        assert_eq!(mb(500.0, 450.0).level(), Level::Ok);
        assert_eq!(mb(500.0, 100.0).level(), Level::Warn);
        assert_eq!(mb(500.0, 0.0).level(), Level::Over);
        assert_eq!(mb(0.0, 0.0).percent(), None);
        let flagged = Allowance {
            overage: Some(true),
            ..mb(500.0, 400.0)
        };
        assert_eq!(flagged.level(), Level::Over);
        let used = Allowance {
            remaining: None,
            used: Some(1330.0),
            ..mb(1000.0, 0.0)
        };
        assert_eq!(used.remaining_amount(), Some(-330.0));
        assert!((used.percent().unwrap() - 133.0).abs() < 1e-9);
    }

    #[test]
    fn days_left_counts_to_expiry_and_stops_at_zero() {
        let now = parse_time("2026-12-01T12:00:00Z").unwrap();
        assert_eq!(mb(1.0, 1.0).days_left(now), Some(29));
        let past = Allowance {
            expiry: Some("2026-11-01".into()),
            ..mb(1.0, 1.0)
        };
        assert_eq!(past.days_left(now), Some(0));
        let none = Allowance {
            expiry: Some("soon".into()),
            ..mb(1.0, 1.0)
        };
        assert_eq!(none.days_left(now), None);
    }

    #[test]
    fn a_volume_is_read_from_a_plan_name_only_when_it_says_one() {
        assert_eq!(volume_in_name("TMO IoT 1GB Pooled"), Some((1.0, Unit::Gb)));
        assert_eq!(
            volume_in_name("IoT NB-IoT Europe 500MB"),
            Some((500.0, Unit::Mb))
        );
        assert_eq!(volume_in_name("TMO IoT 50 MB"), Some((50.0, Unit::Mb)));
        assert_eq!(volume_in_name("Plan 2.5gb"), Some((2.5, Unit::Gb)));
        assert_eq!(volume_in_name("M2M Business Fixed 24M"), None);
        assert_eq!(volume_in_name("TMO LTE-M Flex"), None);
        assert_eq!(volume_in_name("X5GBit"), None);
        assert_eq!(volume_in_name("LTE4GB"), None);
    }

    #[test]
    fn highest_percent_takes_the_fullest_allowance() {
        let sms = Allowance {
            usage_type: UsageType::Sms,
            units: Unit::Sms,
            ..mb(250.0, 25.0)
        };
        assert_eq!(highest_percent(&[mb(500.0, 400.0), sms]), Some(90.0));
        assert_eq!(highest_percent(&[]), None);
    }

    #[test]
    fn the_series_places_days_and_leaves_unknown_days_empty() {
        let last = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let day = |d: NaiveDate, amount: f64| DailyUse {
            day: d,
            usage_type: UsageType::Data,
            amount,
            units: Unit::Mb,
        };
        let days = vec![
            day(last, 2.0),
            day(last - chrono::Duration::days(29), 1.0),
            day(last - chrono::Duration::days(30), 9.0), // outside the window
            DailyUse {
                usage_type: UsageType::Sms,
                units: Unit::Sms,
                ..day(last, 5.0)
            },
        ];
        let s = data_series(&days, last);
        assert_eq!(s.len(), SERIES_DAYS);
        assert_eq!(s[0], Some(1e6));
        assert_eq!(s[29], Some(2e6));
        assert_eq!(s[10], None);
        let stats = series_stats(&s).unwrap();
        assert_eq!((stats.min, stats.max, stats.total), (1e6, 2e6, 3e6));
        assert_eq!(stats.known_days, 2);
        assert_eq!(series_stats(&[None, None]), None);
    }
}
