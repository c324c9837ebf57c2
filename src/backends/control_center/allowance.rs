//! Control Center allowances (docs/backends/control-center.md, "Allowance"): the public REST
//! API has no rate-plan detail call, so the included data volume is what the `ratePlan` name
//! of `GET /devices/{iccid}/ctdUsages` states (`TMO IoT 1GB Pooled` → 1 GB), with the answer's
//! own `overageLimitReached` flag. A plan whose name states no volume gives no allowance. The
//! answer carries no cycle dates, so the gauge shows no days left. Pooled plans share their
//! volume across SIMs: the gauge then compares one SIM with the whole pool's size, which the
//! source label says.

use crate::domain::quota::{Allowance, volume_in_name};
use crate::domain::usage::UsageType;

/// The data allowance the rate plan's name states, with the overage flag.
pub fn from_rate_plan(
    rate_plan: Option<&str>,
    data_used_bytes: Option<f64>,
    overage: Option<bool>,
) -> Option<Allowance> {
    let plan = rate_plan?;
    let (total, units) = volume_in_name(plan)?;
    let used = data_used_bytes.and_then(|b| crate::domain::usage::Unit::Bytes.convert(b, units));
    let pooled = plan.to_ascii_lowercase().contains("pool");
    Some(Allowance {
        usage_type: UsageType::Data,
        total,
        remaining: None,
        used,
        units,
        period_start: None,
        expiry: None,
        overage,
        source: format!(
            "Control Center rate plan \"{}\"{}",
            crate::text::sanitize(plan),
            if pooled { " (pooled)" } else { "" }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::usage::Unit;

    #[test]
    fn the_plan_name_gives_the_allowance_and_the_flag_its_overage() {
        let a = from_rate_plan(Some("TMO IoT 1GB Pooled"), Some(1.33e9), Some(false)).unwrap();
        assert_eq!((a.total, a.units), (1.0, Unit::Gb));
        assert!((a.percent().unwrap() - 133.0).abs() < 1e-9);
        assert!(a.source.contains("(pooled)"));
        let flagged = from_rate_plan(Some("TMO IoT 50MB"), Some(1e6), Some(true)).unwrap();
        assert_eq!(flagged.level(), crate::domain::quota::Level::Over);
        assert_eq!(
            from_rate_plan(Some("TMO LTE-M Flex"), Some(1e6), None),
            None
        );
        assert_eq!(from_rate_plan(None, Some(1e6), None), None);
    }
}
