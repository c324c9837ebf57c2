//! TMSP allowances (docs/backends/tmsp.md, "Allowance"): the product offering's name states
//! its included data volume (`M2M Business Flex 1GB`); it is compared with the global data
//! bucket of the billing period, whose end gives the days left. An offering whose name states
//! no volume (`M2M Business Fixed 24M`) gives no allowance: nothing is guessed.

use crate::domain::quota::{Allowance, volume_in_name};
use crate::domain::usage::UsageType;
use crate::domain::{BucketLevel, Usage};

/// Add the offering's allowance to `usage` (a product read knows both).
pub fn add(usage: &mut Usage, offering: Option<&str>) {
    let Some(name) = offering else { return };
    let Some((total, units)) = volume_in_name(name) else {
        return;
    };
    let bucket = usage.bucket(BucketLevel::Global, UsageType::Data);
    let used = bucket.and_then(|b| b.units.convert(b.amount, units));
    let allowance = Allowance {
        usage_type: UsageType::Data,
        total,
        remaining: None,
        used: Some(used.unwrap_or(0.0)),
        units,
        period_start: bucket.and_then(|b| b.period_start.clone()),
        expiry: bucket.and_then(|b| b.period_end.clone()),
        overage: None,
        source: format!("TMSP offering \"{}\"", crate::text::sanitize(name)),
    };
    usage.allowances.push(allowance);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Bucket;
    use crate::domain::usage::Unit;

    #[test]
    fn the_offering_volume_against_the_period_bucket() {
        let mut u = Usage {
            buckets: vec![Bucket {
                level: BucketLevel::Global,
                usage_type: UsageType::Data,
                amount: 900.0,
                units: Unit::Mb,
                period_start: Some("2026-11-01T00:00:00Z".into()),
                period_end: Some("2026-11-30T23:59:59Z".into()),
            }],
            ..Usage::default()
        };
        add(&mut u, Some("M2M Business Flex 1GB"));
        let a = &u.allowances[0];
        assert!((a.percent().unwrap() - 90.0).abs() < 1e-9);
        assert_eq!(a.expiry.as_deref(), Some("2026-11-30T23:59:59Z"));
        add(&mut u, Some("M2M Business Fixed 24M"));
        assert_eq!(u.allowances.len(), 1);
    }
}
