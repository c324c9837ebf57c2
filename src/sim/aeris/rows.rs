//! Aeris IoT Accelerator subscriptions: generated from `(seed, index)` and rendered in the
//! Subscription Search API's JSON shape, field groups included per `additionalFields`.
//! ICCID, IMSI and MSISDN all grow with the row index, so every `order` (ICC, IMSI, MSISDN)
//! walks rows in index order and a cursor (the last key served) maps straight back to its row.

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use serde_json::{Value, json};

use crate::sim::inventory::{self, IccidScheme, row_hash, weighted};

/// T-Mobile Austria style numbering: ICCID `894301…` (19 digits + Luhn), IMSI `23203…`,
/// MSISDN `43676…` (13 digits).
const ICCIDS: IccidScheme = IccidScheme {
    prefix: "894301",
    body_len: 19,
    luhn: true,
};
const IMSI_PREFIX: &str = "23203";
const IMSI_DIGITS: u32 = 10;
const MSISDN_PREFIX: &str = "43676";
const MSISDN_DIGITS: u32 = 8;
/// The largest inventory: bounded by the MSISDN number space.
pub(super) const CAPACITY: u64 = 10_000_000;

/// Every documented `SubscriptionState`; the first rows carry one of each, in this order.
pub const STATES: [&str; 8] = [
    "ACTIVE",
    "ACTIVE_NO_BILLING",
    "DEACTIVATED",
    "DEACTIVATED_NO_BILLING",
    "OPERATOR_BLOCKED",
    "PAUSE",
    "TERMINATED",
    "TERMINATED_PENDING",
];
/// The states a customer may request via `state-changes` (upper-case only).
pub const SETTABLE: [&str; 6] = [
    "ACTIVE",
    "DEACTIVATED",
    "PAUSE",
    "TERMINATED",
    "ACTIVE_NO_BILLING",
    "DEACTIVATED_NO_BILLING",
];
const STATE_WEIGHTS: [(&str, u32); 8] = [
    ("ACTIVE", 70),
    ("ACTIVE_NO_BILLING", 5),
    ("DEACTIVATED", 12),
    ("DEACTIVATED_NO_BILLING", 3),
    ("OPERATOR_BLOCKED", 2),
    ("PAUSE", 3),
    ("TERMINATED", 4),
    ("TERMINATED_PENDING", 1),
];
const LABELS: [&str; 4] = ["fleet", "smart-meter", "pos", "elevator"];
const PACKAGES: [(&str, &str); 3] = [
    ("232030101_SP_LTE_1GB", "IoT LTE 1 GB pooled"),
    ("232030102_SP_NB_50MB", "NB-IoT 50 MB"),
    ("232030103_SP_5G_10GB", "5G NSA 10 GB"),
];
const OPERATORS: [&str; 2] = ["TMA", "DTIOT"];

/// The keys a subscription can be ordered and looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Icc,
    Imsi,
    Msisdn,
}

impl Key {
    pub fn parse(s: &str) -> Option<Key> {
        match s {
            "ICC" => Some(Key::Icc),
            "IMSI" => Some(Key::Imsi),
            "MSISDN" => Some(Key::Msisdn),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Key::Icc => "ICC",
            Key::Imsi => "IMSI",
            Key::Msisdn => "MSISDN",
        }
    }
}

/// The numbering of one simulated organisation.
#[derive(Debug, Clone, Copy)]
pub struct Numbering {
    pub seed: u64,
    pub size: u64,
}

impl Numbering {
    fn start(&self, salt: u64, digits: u32) -> u64 {
        row_hash(self.seed, 0, salt) % (10u64.pow(digits) - CAPACITY)
    }

    pub fn key(&self, key: Key, index: u64) -> String {
        match key {
            Key::Icc => ICCIDS.iccid(self.seed, self.size, index),
            Key::Imsi => format!(
                "{IMSI_PREFIX}{:0w$}",
                self.start(0x1A5, IMSI_DIGITS) + index,
                w = IMSI_DIGITS as usize
            ),
            Key::Msisdn => format!(
                "{MSISDN_PREFIX}{:0w$}",
                self.start(0x3A5, MSISDN_DIGITS) + index,
                w = MSISDN_DIGITS as usize
            ),
        }
    }

    /// The row holding `value` as its `key`, if any.
    pub fn index_of(&self, key: Key, value: &str) -> Option<u64> {
        let (prefix, digits, salt) = match key {
            Key::Icc => return ICCIDS.index_of(self.seed, self.size, value),
            Key::Imsi => (IMSI_PREFIX, IMSI_DIGITS, 0x1A5),
            Key::Msisdn => (MSISDN_PREFIX, MSISDN_DIGITS, 0x3A5),
        };
        let rest = value.strip_prefix(prefix)?;
        if rest.len() != digits as usize || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let index = rest
            .parse::<u64>()
            .ok()?
            .checked_sub(self.start(salt, digits))?;
        (index < self.size).then_some(index)
    }
}

/// A stored state change of one row.
#[derive(Debug, Clone)]
pub struct StateChange {
    pub state: String,
    pub at: DateTime<Utc>,
}

/// One subscription as the platform currently sees it.
#[derive(Debug, Clone)]
pub struct Row {
    pub index: u64,
    pub iccid: String,
    pub imsi: String,
    pub msisdn: String,
    pub state: String,
    pub label: String,
    pub enterprise: String,
    pub locked: bool,
    pub changed_at: DateTime<Utc>,
    h: u64,
    seed: u64,
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn row(n: Numbering, index: u64, change: Option<&StateChange>) -> Row {
    let h = row_hash(n.seed, index, 0xAE15);
    let base_state = match STATES.get(index as usize) {
        Some(s) => s,
        None => weighted(&STATE_WEIGHTS, h),
    };
    let provisioned = epoch() + Span::hours((h % 40_000) as i64);
    Row {
        index,
        iccid: n.key(Key::Icc, index),
        imsi: n.key(Key::Imsi, index),
        msisdn: n.key(Key::Msisdn, index),
        state: change.map_or_else(|| base_state.to_string(), |c| c.state.clone()),
        label: LABELS[(h >> 8) as usize % LABELS.len()].to_string(),
        enterprise: format!("7800000{}", (h >> 12) % 3),
        // One subscription in fifty has its state locked by the operator (not the first rows).
        locked: index >= STATES.len() as u64 && (h >> 20).is_multiple_of(50),
        changed_at: change.map_or(provisioned + Span::days(30), |c| c.at),
        h,
        seed: n.seed,
    }
}

impl Row {
    pub fn key(&self, key: Key) -> &str {
        match key {
            Key::Icc => &self.iccid,
            Key::Imsi => &self.imsi,
            Key::Msisdn => &self.msisdn,
        }
    }

    /// The `SubscriptionResponse` JSON with the requested field groups.
    pub fn render(&self, org: &str, groups: &[String]) -> Value {
        let has = |g: &str| groups.iter().any(|x| x == g);
        let h = self.h;
        let mut v = json!({
            "iccid": self.iccid,
            "imsi": self.imsi,
            "msisdn": self.msisdn,
            "state": self.state,
            "organizationId": org,
            "operatorId": OPERATORS[(h >> 4) as usize % OPERATORS.len()],
            "region": "EU",
            "assignedImei": inventory::imei(self.seed, self.index),
        });
        let mut put = |k: &str, value: Value| {
            if let Some(o) = v.as_object_mut() {
                o.insert(k.to_string(), value);
            }
        };
        let provisioned = epoch() + Span::hours((h % 40_000) as i64);
        if has("DATES") {
            put("provisionedAt", json!(iso(provisioned)));
            if self.state != "ACTIVE_NO_BILLING" {
                put("firstActivatedAt", json!(iso(provisioned + Span::days(2))));
            }
            put("lastSubscriptionChangeDateAt", json!(iso(self.changed_at)));
        }
        if has("ENTERPRISE") {
            put("enterprise", json!(self.enterprise));
            put(
                "enterpriseName",
                json!(format!("Enterprise {}", self.enterprise)),
            );
        }
        if has("LABEL") {
            put("label", json!(self.label));
        }
        if has("PACKAGE") {
            let (name, description) = PACKAGES[(h >> 16) as usize % PACKAGES.len()];
            put("subscriptionPackageName", json!(name));
            put("subscriptionPackageDescription", json!(description));
        }
        if has("SIM_SPEC") {
            put("simSpecificationId", json!("TMA 0100"));
        }
        if has("LOCK_STATE") {
            put("subscriptionStateLocked", json!(self.locked));
            if self.locked {
                put("subscriptionStateBeforeLock", json!("ACTIVE"));
            }
        }
        if has("INDIVIDUAL_APN") {
            put(
                "apns",
                json!([
                    {"apn": "iot.t-mobile.at", "ordinal": 1, "apnId": 88, "qosId": 34, "type": "HLR"},
                    {"apn": "lte.iot.t-mobile.at", "ordinal": 2, "apnId": 22, "qosId": 34, "type": "HSS"},
                ]),
            );
            put(
                "ips",
                json!([{"apnName": "iot.t-mobile.at", "ip": inventory::private_ipv4(self.index), "ipVersion": "IPV4"}]),
            );
        }
        let active = matches!(self.state.as_str(), "ACTIVE" | "ACTIVE_NO_BILLING");
        if has("MONTHLY_DATA") {
            let bytes = if active { (h >> 24) % 900_000_000 } else { 0 };
            put("monthlyData", json!(bytes));
        }
        if has("MONTHLY_SMS") {
            put(
                "monthlySms",
                json!(if active { (h >> 40) % 200 } else { 0 }),
            );
        }
        if has("CUSTOM_FIELDS") {
            put(
                "customFields",
                json!([{"fieldName": "site", "fieldValue": format!("site-{}", h % 97)}]),
            );
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_grow_with_the_index() {
        let n = Numbering {
            seed: 9,
            size: 1000,
        };
        for key in [Key::Icc, Key::Imsi, Key::Msisdn] {
            let a = n.key(key, 10);
            let b = n.key(key, 11);
            assert!(a < b, "{key:?} must grow: {a} {b}");
            assert_eq!(n.index_of(key, &a), Some(10));
            assert_eq!(n.index_of(key, &n.key(key, 999)), Some(999));
        }
        assert_eq!(n.key(Key::Imsi, 0).len(), 15);
        assert_eq!(n.key(Key::Msisdn, 0).len(), 13);
        assert_eq!(n.index_of(Key::Imsi, "232039"), None);
    }

    #[test]
    fn first_rows_carry_every_state_and_groups_are_optional() {
        let n = Numbering { seed: 9, size: 100 };
        let states: Vec<String> = (0..8).map(|i| row(n, i, None).state).collect();
        assert_eq!(states, STATES);
        let bare = row(n, 0, None).render("3.78.3", &[]);
        assert!(bare.get("monthlyData").is_none());
        let full = row(n, 0, None).render("3.78.3", &["MONTHLY_DATA".into()]);
        assert!(full["monthlyData"].is_u64());
    }
}
