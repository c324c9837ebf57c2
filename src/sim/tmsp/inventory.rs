//! The simulated M2M Service Portal 3.0 SIM inventory: deterministic SIM records in every native
//! status, the product-offering catalogue with its tariff rules, and consumption figures
//! (terrestrial for all SIMs, NTN satellite for some).
//!
//! Native strings only: the simulator models the carrier and knows nothing of our mapping.

use crate::sim::inventory::{luhn_digit, row_hash, weighted};
use serde::Serialize;

/// Every native SIM status the portal reports (the seed's TMSP column).
pub const NATIVE_STATUSES: [&str; 13] = [
    "Ordered",
    "Ordered for Stock",
    "On Stock",
    "Delivered",
    "Test",
    "Productive",
    "Suspended",
    "Blocked(automatically)",
    "Blocked(manually)",
    "Blocked(by operator)",
    "Terminated",
    "Deleted",
    "Undefined",
];

/// A product offering of the catalogue. `allows_suspension: false` is the tariff rule that makes
/// a suspension request end `InError` (fixed-term contracts cannot be paused).
pub struct Offering {
    pub name: &'static str,
    pub allows_suspension: bool,
    /// SIMs on this offering may roam onto non-terrestrial (satellite) networks.
    pub ntn: bool,
}

pub const OFFERINGS: [Offering; 4] = [
    Offering {
        name: "M2M Business Flex 1GB",
        allows_suspension: true,
        ntn: false,
    },
    Offering {
        name: "M2M Business Fixed 24M",
        allows_suspension: false,
        ntn: false,
    },
    Offering {
        name: "IoT NB-IoT Europe 500MB",
        allows_suspension: true,
        ntn: false,
    },
    Offering {
        name: "IoT Hybrid NTN 1GB",
        allows_suspension: true,
        ntn: true,
    },
];

pub const SIM_PROFILES: [&str; 3] = ["M2M Standard", "M2M Industrial", "eSIM Multi-IMSI"];

const RELATED_PARTIES: [&str; 3] = ["Fleet Ops North", "Smart Metering", "Logistics EU"];
const RATS: [&str; 4] = ["LTE-M", "NB-IoT", "LTE", "5G NSA"];

pub fn offering(name: &str) -> Option<&'static Offering> {
    OFFERINGS.iter().find(|o| o.name == name)
}

/// One consumption line of the current billing period.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Consumption {
    /// `TERRESTRIAL` or `NTN`.
    pub access_type: &'static str,
    /// `DATA` or `SMS`.
    pub service: &'static str,
    pub amount: f64,
    /// `KB` for data, `SMS` for messages.
    pub unit: &'static str,
}

/// One SIM as the portal stores it (serialized as-is on the wire).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimRecord {
    pub iccid: String,
    pub imsi: String,
    pub msisdn: String,
    pub imei: Option<String>,
    /// eUICC id; `None` for a classic (non-eUICC) SIM, which cannot switch profiles.
    pub eid: Option<String>,
    pub status: String,
    pub sim_profile: String,
    pub product_offering: String,
    pub related_party: String,
    pub network_provider: String,
    pub radio_access_technology: String,
    pub tariff: String,
    pub apns: Vec<String>,
    pub activation_date: Option<String>,
    pub last_status_change: String,
    #[serde(skip)]
    pub consumption: Vec<Consumption>,
}

/// Field salts for [`row_hash`].
const SALT_STATUS: u64 = 0x51;
const SALT_USAGE: u64 = 0x52;

/// Capacity of the numbering below (ten-digit serial part of the ICCID).
pub const CAPACITY: u64 = 1_000_000_000;

/// Identifiers are sequential ranges, as M2M fleets are provisioned, so each maps back to its
/// row without a lookup table.
pub fn iccid(index: u64) -> String {
    let body = format!("894902000{:010}", index);
    format!("{body}{}", luhn_digit(&body))
}
fn imsi(index: u64) -> String {
    format!("262017{index:09}")
}
fn msisdn(index: u64) -> String {
    format!("491517{index:09}")
}
fn imei(index: u64) -> String {
    let body = format!("35209{index:09}");
    format!("{body}{}", luhn_digit(&body))
}
fn eid(index: u64) -> String {
    format!("8904903200000000000{index:013}")
}

/// The row of an identifier of `kind` (ICCID, EID, IMSI, IMEI, MSISDN) — still to be checked
/// against the size and, for EID/IMEI, against the row's having one.
pub fn index_of(kind: &str, value: &str) -> Option<u64> {
    let tail = |prefix: &str, len: usize| -> Option<u64> {
        let rest = value.strip_prefix(prefix)?;
        (value.len() == len && rest.bytes().all(|b| b.is_ascii_digit()))
            .then(|| rest.parse().ok())
            .flatten()
    };
    let index = match kind {
        "ICCID" => tail("894902000", 20).map(|_| value[9..19].parse().ok())??,
        "IMSI" => tail("262017", 15)?,
        "MSISDN" => tail("491517", 15)?,
        "IMEI" => tail("35209", 15).map(|_| value[5..14].parse().ok())??,
        "EID" => tail("8904903200000000000", 32)?,
        _ => return None,
    };
    Some(index)
}

/// The status of SIM `i`: the first SIMs cover every native status (twice), the rest are
/// mostly productive, as in a real fleet.
fn status_for(seed: u64, i: u64) -> &'static str {
    let n = NATIVE_STATUSES.len() as u64;
    if i < 2 * n {
        return NATIVE_STATUSES[(i % n) as usize];
    }
    weighted(
        &[
            ("Productive", 14),
            ("Test", 1),
            ("Suspended", 2),
            ("On Stock", 1),
            ("Blocked(manually)", 1),
            ("Terminated", 1),
        ],
        row_hash(seed, i, SALT_STATUS),
    )
}

/// SIM `i` as generated for `seed` (before any change the portal applied).
pub fn record(seed: u64, i: u64) -> SimRecord {
    let status = status_for(seed, i);
    let at = |n: usize| (i % n as u64) as usize;
    // Offering by index so tests and demos always find each tariff rule.
    let offering = &OFFERINGS[at(OFFERINGS.len())];
    let euicc = i.is_multiple_of(2);
    let activated = !matches!(
        status,
        "Ordered" | "Ordered for Stock" | "On Stock" | "Delivered"
    );
    let day = 1 + at(28);
    let h = row_hash(seed, i, SALT_USAGE);
    let mut consumption = Vec::new();
    if activated {
        consumption.push(Consumption {
            access_type: "TERRESTRIAL",
            service: "DATA",
            amount: (1_000 + h % 899_000) as f64,
            unit: "KB",
        });
        consumption.push(Consumption {
            access_type: "TERRESTRIAL",
            service: "SMS",
            amount: ((h >> 20) % 40) as f64,
            unit: "SMS",
        });
        if offering.ntn {
            consumption.push(Consumption {
                access_type: "NTN",
                service: "DATA",
                amount: (50 + (h >> 32) % 20_000) as f64,
                unit: "KB",
            });
        }
    }
    SimRecord {
        iccid: iccid(i),
        imsi: imsi(i),
        msisdn: msisdn(i),
        imei: activated.then(|| imei(i)),
        eid: euicc.then(|| eid(i)),
        status: status.to_string(),
        sim_profile: SIM_PROFILES[at(SIM_PROFILES.len())].to_string(),
        product_offering: offering.name.to_string(),
        related_party: RELATED_PARTIES[at(RELATED_PARTIES.len())].to_string(),
        network_provider: "Telekom Deutschland".to_string(),
        radio_access_technology: RATS[at(RATS.len())].to_string(),
        tariff: format!("DT M2M {}", offering.name),
        apns: vec!["m2m.telekom.de".to_string(), "iot.t-mobile.de".to_string()],
        activation_date: activated.then(|| format!("2025-03-{day:02}T08:00:00Z")),
        last_status_change: format!("2026-01-{day:02}T10:30:00Z"),
        consumption,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_covers_every_native_status() {
        let a: Vec<_> = (0..60).map(|i| record(7, i)).collect();
        assert_eq!(record(7, 40).status, a[40].status);
        for st in NATIVE_STATUSES {
            assert!(a.iter().any(|s| s.status == st), "no SIM in {st}");
        }
        assert!(a.iter().all(|s| s.iccid.len() == 20 && s.imsi.len() == 15));
    }

    #[test]
    fn identifiers_map_back_to_their_row() {
        let r = record(3, 123_456);
        assert_eq!(index_of("ICCID", &r.iccid), Some(123_456));
        assert_eq!(index_of("IMSI", &r.imsi), Some(123_456));
        assert_eq!(index_of("MSISDN", &r.msisdn), Some(123_456));
        assert_eq!(
            index_of("EID", r.eid.as_deref().unwrap_or("")),
            Some(123_456)
        );
        assert_eq!(
            index_of("IMEI", r.imei.as_deref().unwrap_or("")),
            Some(123_456)
        );
        assert_eq!(index_of("ICCID", "8949020000000000000"), None);
        assert!(crate::sim::inventory::luhn_valid(&r.iccid));
    }

    #[test]
    fn some_sims_have_satellite_usage_and_others_do_not() {
        let sims: Vec<_> = (0..40).map(|i| record(1, i)).collect();
        let ntn = |s: &SimRecord| s.consumption.iter().any(|c| c.access_type == "NTN");
        assert!(sims.iter().any(ntn));
        assert!(sims.iter().any(|s| !ntn(s) && !s.consumption.is_empty()));
    }
}
