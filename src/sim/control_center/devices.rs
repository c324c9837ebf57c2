//! Control Center device rows: generated from `(seed, index)` and rendered in the REST API's
//! JSON shapes (search result row, device details, cycle-to-date usage). Only changes made
//! through `PUT /devices/{iccid}` are stored, as [`DeviceChange`]s.
//!
//! Generated rows were last modified at evenly spaced instants inside the year before the
//! simulator started, in index order, so the search (sorted by modification date, oldest first)
//! is index order for unchanged rows; changed rows follow, by change time.

use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{Value, json};

use crate::sim::inventory::{self, IccidScheme, row_hash, weighted};

/// The native SIM statuses Control Center reports (docs/backends/control-center.md).
pub const NATIVE_STATUSES: [&str; 8] = [
    "ACTIVATED",
    "ACTIVATION_READY",
    "DEACTIVATED",
    "INVENTORY",
    "PURGED",
    "REPLACED",
    "RETIRED",
    "TEST_READY",
];

/// A realistic spread: most SIMs activated, a few in every other state.
const STATUS_WEIGHTS: [(&str, u32); 8] = [
    ("ACTIVATED", 55),
    ("TEST_READY", 6),
    ("ACTIVATION_READY", 8),
    ("DEACTIVATED", 12),
    ("INVENTORY", 8),
    ("RETIRED", 5),
    ("PURGED", 3),
    ("REPLACED", 3),
];

/// Generated modification dates span this much of the year before start (the rest is margin,
/// so every row stays inside the one-year `modifiedSince` window for days of uptime).
const UPDATE_SPAN_DAYS: i64 = 330;
const OLDEST_UPDATE_DAYS: i64 = 340;

/// What differs between the two operators' Control Center accounts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Numbering {
    pub iccids: IccidScheme,
    pub imsi_home: &'static str,
    pub msisdn_prefix: &'static str,
    pub msisdn_len: usize,
    pub rate_plans: &'static [&'static str],
    pub communication_plans: &'static [&'static str],
}

/// What `PUT /devices/{iccid}` changed on one device.
#[derive(Debug, Clone)]
pub(super) struct DeviceChange {
    pub status: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// One device as the platform currently sees it.
#[derive(Debug, Clone)]
pub(super) struct DeviceRow {
    pub index: u64,
    pub seed: u64,
    account_id: String,
    pub iccid: String,
    pub imsi: String,
    pub msisdn: String,
    pub imei: String,
    pub status: String,
    pub rate_plan: &'static str,
    pub communication_plan: &'static str,
    pub date_added: DateTime<Utc>,
    pub date_updated: DateTime<Utc>,
}

/// Control Center's timestamp format: `2016-07-06 22:04:04.380+0000`.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f+0000").to_string()
}

/// When generated row `index` (of `size`) was last modified, for a simulator started at `start`.
pub(super) fn generated_update(start: DateTime<Utc>, size: u64, index: u64) -> DateTime<Utc> {
    let oldest = start - Span::days(OLDEST_UPDATE_DAYS);
    let step_ms = (UPDATE_SPAN_DAYS * 86_400_000) / size.max(1) as i64;
    oldest + Span::milliseconds(step_ms.max(1) * index as i64)
}

/// The first generated row modified at or after `since` (may be `size`: none).
pub(super) fn first_generated_since(start: DateTime<Utc>, size: u64, since: DateTime<Utc>) -> u64 {
    // Binary search over the monotonic generated dates.
    let (mut lo, mut hi) = (0u64, size);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if generated_update(start, size, mid) < since {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

impl DeviceRow {
    pub fn generate(
        numbering: &Numbering,
        seed: u64,
        size: u64,
        start: DateTime<Utc>,
        account_id: &str,
        index: u64,
        change: Option<&DeviceChange>,
    ) -> Self {
        let h = |salt| row_hash(seed, index, salt);
        let date_updated = generated_update(start, size, index);
        let date_added = date_updated - Span::days(30 + (h(1) % 900) as i64);
        let pick = |list: &'static [&'static str], salt| {
            list.get((h(salt) % list.len().max(1) as u64) as usize)
                .copied()
                .unwrap_or("")
        };
        let mut row = DeviceRow {
            index,
            seed,
            account_id: account_id.to_string(),
            iccid: numbering.iccids.iccid(seed, size, index),
            imsi: inventory::imsi(numbering.imsi_home, seed, index),
            msisdn: inventory::msisdn(numbering.msisdn_prefix, numbering.msisdn_len, seed, index),
            imei: inventory::imei(seed, index),
            status: weighted(&STATUS_WEIGHTS, h(2)).to_string(),
            rate_plan: pick(numbering.rate_plans, 3),
            communication_plan: pick(numbering.communication_plans, 4),
            date_added,
            date_updated,
        };
        if let Some(change) = change {
            if let Some(status) = &change.status {
                row.status = status.clone();
            }
            row.date_updated = change.changed_at;
        }
        row
    }

    fn h(&self, salt: u64) -> u64 {
        row_hash(self.seed, self.index, salt)
    }

    /// Whether the SIM ever attached (no usage, activation date or IP before that).
    fn in_service(&self) -> bool {
        matches!(
            self.status.as_str(),
            "ACTIVATED" | "TEST_READY" | "DEACTIVATED" | "RETIRED"
        )
    }

    /// A row of `GET /devices`: only these four fields.
    pub fn search_json(&self) -> Value {
        json!({
            "iccid": self.iccid,
            "status": self.status,
            "ratePlan": self.rate_plan,
            "communicationPlan": self.communication_plan,
        })
    }

    /// `GET /devices/{iccid}`.
    pub fn details_json(&self) -> Value {
        let activated = self
            .in_service()
            .then(|| stamp(self.date_added + Span::days(7)));
        let fixed_ip = (self.in_service() && self.h(5).is_multiple_of(4))
            .then(|| inventory::private_ipv4(self.index));
        let custom = |n: u64| {
            self.h(10 + n)
                .is_multiple_of(3)
                .then(|| format!("site-{:03}", self.h(20 + n) % 1000))
        };
        json!({
            "iccid": self.iccid,
            "imsi": self.imsi,
            "msisdn": self.msisdn,
            "imei": self.imei,
            "status": self.status,
            "ratePlan": self.rate_plan,
            "communicationPlan": self.communication_plan,
            "customer": if self.h(6).is_multiple_of(2) { Value::Null } else { json!("Fleet Ops") },
            "endConsumerId": Value::Null,
            "dateActivated": activated,
            "dateAdded": stamp(self.date_added),
            "dateUpdated": stamp(self.date_updated),
            "dateShipped": stamp(self.date_added + Span::days(2)),
            "accountId": self.account_id,
            "fixedIPAddress": fixed_ip,
            "fixedIpv6Address": Value::Null,
            "operatorCustom1": Value::Null,
            "operatorCustom2": Value::Null,
            "operatorCustom3": Value::Null,
            "operatorCustom4": Value::Null,
            "operatorCustom5": Value::Null,
            "accountCustom1": custom(1),
            "accountCustom2": custom(2),
            "accountCustom3": Value::Null,
            "accountCustom4": Value::Null,
            "accountCustom5": Value::Null,
            "accountCustom6": Value::Null,
            "accountCustom7": Value::Null,
            "accountCustom8": Value::Null,
            "accountCustom9": Value::Null,
            "accountCustom10": Value::Null,
            "simNotes": Value::Null,
            "deviceID": format!("dev-{:06}", self.index),
            "modemID": Value::Null,
            "globalSimType": if self.h(7).is_multiple_of(5) { "eUICC" } else { "Standard" },
        })
    }

    /// `GET /devices/{iccid}/ctdUsages`: cycle to date; SIMs never in service used nothing.
    pub fn usage_json(&self) -> Value {
        let used = self.in_service();
        let data = if used { self.h(30) % 2_000_000_000 } else { 0 };
        let sms = if used { self.h(31) % 120 } else { 0 };
        let voice = if used && self.h(32).is_multiple_of(4) {
            self.h(33) % 3_600
        } else {
            0
        };
        json!({
            "iccid": self.iccid,
            "imsi": self.imsi,
            "msisdn": self.msisdn,
            "imei": self.imei,
            "status": self.status,
            "ratePlan": self.rate_plan,
            "communicationPlan": self.communication_plan,
            "ctdDataUsage": data,
            "ctdSMSUsage": sms,
            "ctdVoiceUsage": voice,
            "ctdSessionCount": if used { self.h(34) % 400 } else { 0 },
            "overageLimitReached": data > 1_500_000_000,
            "overageLimitOverride": "DEFAULT",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_updates_are_monotonic_and_inside_the_year() {
        let start = Utc::now();
        let size = 1000;
        let mut last = None;
        for i in 0..size {
            let t = generated_update(start, size, i);
            assert!(t > start - Span::days(365) && t < start);
            assert!(last.is_none_or(|l| l < t));
            last = Some(t);
        }
        let mid = generated_update(start, size, 400);
        assert_eq!(first_generated_since(start, size, mid), 400);
        assert_eq!(first_generated_since(start, size, start), size);
        assert_eq!(
            first_generated_since(start, size, start - Span::days(365)),
            0
        );
    }

    #[test]
    fn status_weights_cover_every_native_status() {
        for s in NATIVE_STATUSES {
            assert!(STATUS_WEIGHTS.iter().any(|(w, _)| *w == s), "{s}");
        }
    }
}
