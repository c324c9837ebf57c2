//! Consumption in TM Forum volume buckets at global, cellular and satellite level.
//!
//! Seed rule: when a product consumed both cellular and satellite volume there are three buckets
//! (cellular, satellite, and global = their sum); when consumption is cellular only (or satellite
//! only) a single global bucket carries the total.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BucketLevel {
    Global,
    Cellular,
    Satellite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UsageType {
    Data,
    Sms,
    Voice,
}

/// Units of a bucket amount. Data amounts are converted to a common unit before summing
/// (decimal multiples: 1 KB = 1000 bytes, as carriers bill).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    #[serde(rename = "BYTES")]
    Bytes,
    #[serde(rename = "KB")]
    Kb,
    #[serde(rename = "MB")]
    Mb,
    #[serde(rename = "GB")]
    Gb,
    #[serde(rename = "SMS")]
    Sms,
    #[serde(rename = "SECONDS")]
    Seconds,
}

impl Unit {
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "BYTES",
            Unit::Kb => "KB",
            Unit::Mb => "MB",
            Unit::Gb => "GB",
            Unit::Sms => "SMS",
            Unit::Seconds => "SECONDS",
        }
    }

    fn bytes_factor(self) -> Option<f64> {
        match self {
            Unit::Bytes => Some(1.0),
            Unit::Kb => Some(1e3),
            Unit::Mb => Some(1e6),
            Unit::Gb => Some(1e9),
            _ => None,
        }
    }

    /// `amount` in `self` expressed in `to`, when both are data units (or the same unit).
    pub fn convert(self, amount: f64, to: Unit) -> Option<f64> {
        if self == to {
            return Some(amount);
        }
        Some(amount * self.bytes_factor()? / to.bytes_factor()?)
    }
}

/// `amount` of `units` for a person to read: data in the largest decimal unit (B, KB, MB, GB)
/// that keeps the number at 1 or more, SMS as a count, voice as hours, minutes and seconds.
/// Buckets keep the carrier's units (the JSON output is TMF's); only screens call this.
pub fn display_amount(amount: f64, units: Unit) -> String {
    match units {
        Unit::Sms => format!("{amount:.0} SMS"),
        Unit::Seconds => {
            let total = amount.max(0.0).round() as u64;
            let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
            match (h, m) {
                (0, 0) => format!("{s}s"),
                (0, _) => format!("{m}m {s:02}s"),
                _ => format!("{h}h {m:02}m {s:02}s"),
            }
        }
        data => {
            let bytes = data.convert(amount, Unit::Bytes).unwrap_or(amount);
            let unit = [Unit::Gb, Unit::Mb, Unit::Kb].into_iter().find(|u| {
                Unit::Bytes
                    .convert(bytes.abs(), *u)
                    .is_some_and(|v| v >= 1.0)
            });
            match unit {
                Some(u) => {
                    let v = Unit::Bytes.convert(bytes, u).unwrap_or(bytes);
                    format!("{v:.2} {}", u.as_str())
                }
                None => format!("{bytes:.0} B"),
            }
        }
    }
}

/// One consumption figure an adapter read from a carrier, before bucketing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageSample {
    pub usage_type: UsageType,
    pub amount: f64,
    pub units: Unit,
    /// ISO 8601 start and end of the consumption period, when the carrier says.
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// A TMF `bucketCounter` with `counterType: USED` at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub level: BucketLevel,
    pub usage_type: UsageType,
    pub amount: f64,
    pub units: Unit,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// Usage of a product: the buckets, built by [`Usage::from_samples`] with the seed's rule, and
/// — where the carrier tells — its allowances and its daily records (`domain::quota`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Usage {
    pub buckets: Vec<Bucket>,
    /// Quotas or plan allowances the carrier reported with this reading.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<super::quota::Allowance>,
    /// Daily records the carrier returned (1NCE: the last 30 days), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily: Vec<super::quota::DailyUse>,
    /// Why the allowances are missing when their read failed (the carrier's answer): the
    /// detail says so instead of silently drawing no gauge. Never serialized.
    #[serde(skip)]
    pub allowances_error: Option<String>,
}

impl Usage {
    /// Bucket cellular and satellite samples by the seed's rule, per usage type.
    pub fn from_samples(cellular: &[UsageSample], satellite: &[UsageSample]) -> Usage {
        let mut buckets = Vec::new();
        for usage_type in [UsageType::Data, UsageType::Sms, UsageType::Voice] {
            let cell = sum(cellular, usage_type);
            let sat = sum(satellite, usage_type);
            match (cell, sat) {
                (Some(c), Some(s)) if c.amount > 0.0 && s.amount > 0.0 => {
                    let total = s
                        .units
                        .convert(s.amount, c.units)
                        .map(|sa| c.amount + sa)
                        .unwrap_or(c.amount);
                    buckets.push(Bucket {
                        level: BucketLevel::Global,
                        amount: total,
                        period_start: earliest(&c.period_start, &s.period_start),
                        period_end: latest(&c.period_end, &s.period_end),
                        ..c.clone()
                    });
                    buckets.push(Bucket {
                        level: BucketLevel::Cellular,
                        ..c
                    });
                    buckets.push(Bucket {
                        level: BucketLevel::Satellite,
                        ..s
                    });
                }
                (Some(c), Some(s)) if c.amount <= 0.0 && s.amount > 0.0 => buckets.push(s),
                (Some(c), _) => buckets.push(c),
                (None, Some(s)) => buckets.push(s),
                (None, None) => {}
            }
        }
        Usage {
            buckets,
            ..Usage::default()
        }
    }

    pub fn bucket(&self, level: BucketLevel, usage_type: UsageType) -> Option<&Bucket> {
        self.buckets
            .iter()
            .find(|b| b.level == level && b.usage_type == usage_type)
    }
}

/// The sum of one usage type's samples as a global bucket, in the first sample's units.
fn sum(samples: &[UsageSample], usage_type: UsageType) -> Option<Bucket> {
    let mut it = samples.iter().filter(|s| s.usage_type == usage_type);
    let first = it.next()?;
    let mut bucket = Bucket {
        level: BucketLevel::Global,
        usage_type,
        amount: first.amount,
        units: first.units,
        period_start: first.period_start.clone(),
        period_end: first.period_end.clone(),
    };
    for s in it {
        bucket.amount += s.units.convert(s.amount, bucket.units).unwrap_or(0.0);
        bucket.period_start = earliest(&bucket.period_start, &s.period_start);
        bucket.period_end = latest(&bucket.period_end, &s.period_end);
    }
    Some(bucket)
}

// ISO 8601 timestamps in one zone compare correctly as strings.
fn earliest(a: &Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y).clone()),
        (x, y) => x.clone().or_else(|| y.clone()),
    }
}

fn latest(a: &Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y).clone()),
        (x, y) => x.clone().or_else(|| y.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(amount: f64, units: Unit) -> UsageSample {
        UsageSample {
            usage_type: UsageType::Data,
            amount,
            units,
            period_start: Some("2026-11-01T00:00:00Z".into()),
            period_end: Some("2026-11-29T00:00:00Z".into()),
        }
    }

    #[test]
    fn amounts_read_in_the_largest_fitting_unit() {
        assert_eq!(display_amount(816_344_604.0, Unit::Bytes), "816.34 MB");
        assert_eq!(display_amount(1_401_626.776_576, Unit::Kb), "1.40 GB");
        assert_eq!(display_amount(0.002803, Unit::Mb), "2.80 KB");
        assert_eq!(display_amount(512.0, Unit::Bytes), "512 B");
        assert_eq!(display_amount(0.0, Unit::Mb), "0 B");
        assert_eq!(display_amount(2500.0, Unit::Gb), "2500.00 GB");
        assert_eq!(display_amount(62.0, Unit::Sms), "62 SMS");
        assert_eq!(display_amount(45.0, Unit::Seconds), "45s");
        assert_eq!(display_amount(723.0, Unit::Seconds), "12m 03s");
        assert_eq!(display_amount(3723.0, Unit::Seconds), "1h 02m 03s");
    }

    #[test]
    fn cellular_only_gives_one_global_bucket() {
        let u = Usage::from_samples(&[data(12.5, Unit::Mb)], &[]);
        assert_eq!(u.buckets.len(), 1);
        let b = &u.buckets[0];
        assert_eq!(
            (b.level, b.amount, b.units),
            (BucketLevel::Global, 12.5, Unit::Mb)
        );
    }

    #[test]
    fn cellular_plus_satellite_gives_three_buckets_with_global_sum() {
        let u = Usage::from_samples(&[data(2.0, Unit::Mb)], &[data(500.0, Unit::Kb)]);
        assert_eq!(u.buckets.len(), 3);
        let g = u.bucket(BucketLevel::Global, UsageType::Data).unwrap();
        assert!((g.amount - 2.5).abs() < 1e-9);
        assert_eq!(g.units, Unit::Mb);
        assert_eq!(
            u.bucket(BucketLevel::Cellular, UsageType::Data)
                .unwrap()
                .amount,
            2.0
        );
        assert_eq!(
            u.bucket(BucketLevel::Satellite, UsageType::Data)
                .unwrap()
                .amount,
            500.0
        );
    }

    #[test]
    fn zero_satellite_usage_is_no_satellite_usage() {
        let u = Usage::from_samples(&[data(2.0, Unit::Mb)], &[data(0.0, Unit::Kb)]);
        assert_eq!(u.buckets.len(), 1);
        assert_eq!(u.buckets[0].level, BucketLevel::Global);
    }

    #[test]
    fn daily_samples_are_summed_into_one_bucket() {
        let u = Usage::from_samples(&[data(1.0, Unit::Mb), data(0.5, Unit::Mb)], &[]);
        assert_eq!(u.buckets.len(), 1);
        assert!((u.buckets[0].amount - 1.5).abs() < 1e-9);
    }
}
