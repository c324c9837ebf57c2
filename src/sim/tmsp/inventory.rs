//! The simulated M2M Service Portal 3.0 SIM inventory: deterministic SIM records in every native
//! status, the product-offering catalogue with its tariff rules, and consumption figures
//! (terrestrial for all SIMs, NTN satellite for some).
//!
//! Native strings only: the simulator models the carrier and knows nothing of our mapping.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn luhn(body: &str) -> char {
    let mut sum = 0u32;
    for (i, c) in body.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// The status of SIM `i`: the first SIMs cover every native status (twice), the rest are
/// mostly productive, as in a real fleet.
fn status_for(i: usize, rng: &mut StdRng) -> &'static str {
    if i < 2 * NATIVE_STATUSES.len() {
        return NATIVE_STATUSES[i % NATIVE_STATUSES.len()];
    }
    match rng.random_range(0..20u8) {
        0..=13 => "Productive",
        14 => "Test",
        15 | 16 => "Suspended",
        17 => "On Stock",
        18 => "Blocked(manually)",
        _ => "Terminated",
    }
}

/// `size` deterministic SIMs for `seed`.
pub fn generate(size: usize, seed: u64) -> Vec<SimRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..size)
        .map(|i| {
            let body = format!("894902000{:010}", 1_000_000 + i);
            let iccid = format!("{body}{}", luhn(&body));
            let status = status_for(i, &mut rng);
            // Offering by index so tests and demos always find each tariff rule.
            let offering = &OFFERINGS[i % OFFERINGS.len()];
            let euicc = i % 2 == 0;
            let activated = !matches!(
                status,
                "Ordered" | "Ordered for Stock" | "On Stock" | "Delivered"
            );
            let day = 1 + (i % 28);
            let mut consumption = Vec::new();
            if activated {
                let kb = f64::from(rng.random_range(1_000..900_000u32));
                consumption.push(Consumption {
                    access_type: "TERRESTRIAL",
                    service: "DATA",
                    amount: kb,
                    unit: "KB",
                });
                consumption.push(Consumption {
                    access_type: "TERRESTRIAL",
                    service: "SMS",
                    amount: f64::from(rng.random_range(0..40u32)),
                    unit: "SMS",
                });
                if offering.ntn {
                    consumption.push(Consumption {
                        access_type: "NTN",
                        service: "DATA",
                        amount: f64::from(rng.random_range(50..20_000u32)),
                        unit: "KB",
                    });
                }
            }
            SimRecord {
                imsi: format!("26201{}", digits(&mut rng, 10)),
                msisdn: format!("49151{}", digits(&mut rng, 8)),
                imei: activated.then(|| format!("35{}", digits(&mut rng, 13))),
                eid: euicc.then(|| format!("89049032{}", digits(&mut rng, 24))),
                status: status.to_string(),
                sim_profile: SIM_PROFILES[i % SIM_PROFILES.len()].to_string(),
                product_offering: offering.name.to_string(),
                related_party: RELATED_PARTIES[i % RELATED_PARTIES.len()].to_string(),
                network_provider: "Telekom Deutschland".to_string(),
                radio_access_technology: RATS[i % RATS.len()].to_string(),
                tariff: format!("DT M2M {}", offering.name),
                apns: vec!["m2m.telekom.de".to_string(), "iot.t-mobile.de".to_string()],
                activation_date: activated.then(|| format!("2025-03-{day:02}T08:00:00Z")),
                last_status_change: format!("2026-01-{day:02}T10:30:00Z"),
                consumption,
                iccid,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_covers_every_native_status() {
        let a = generate(60, 7);
        let b = generate(60, 7);
        assert_eq!(a.len(), 60);
        assert_eq!(a[5].iccid, b[5].iccid);
        assert_eq!(a[5].imsi, b[5].imsi);
        for st in NATIVE_STATUSES {
            assert!(a.iter().any(|s| s.status == st), "no SIM in {st}");
        }
        assert!(a.iter().all(|s| s.iccid.len() == 20 && s.imsi.len() == 15));
    }

    #[test]
    fn some_sims_have_satellite_usage_and_others_do_not() {
        let sims = generate(40, 1);
        let ntn = |s: &SimRecord| s.consumption.iter().any(|c| c.access_type == "NTN");
        assert!(sims.iter().any(ntn));
        assert!(sims.iter().any(|s| !ntn(s) && !s.consumption.is_empty()));
    }
}
