//! The simulated Viasat GALAXY1 fleet: hybrid satellite terminals, each with an embedded SIM for
//! its LTE bearer, in every native service state; carrier-side jobs (commissioning, firmware
//! updates) whose outcome is a pure function of the row and of whether `async_delay` has passed.
//!
//! Native strings only: the simulator knows nothing of the console's status mapping.

use crate::sim::inventory::{luhn_digit, row_hash, weighted};
use serde_json::{Value, json};

pub const CAPACITY: u64 = 1_000_000_000;

/// Every native service state (terminal and its embedded SIM share it).
pub const SERVICE_STATES: [&str; 9] = [
    "Provisioned",
    "InStock",
    "Commissioning",
    "InService",
    "Suspended",
    "Barred",
    "Decommissioning",
    "Decommissioned",
    "Removed",
];

const MOBILITY: [&str; 3] = ["Maritime", "Land mobile", "Aero"];
const SALT_STATE: u64 = 0x61;
const SALT_GEO: u64 = 0x62;
const SALT_USAGE: u64 = 0x63;

pub fn terminal_id(i: u64) -> String {
    format!("GX{i:09}")
}

pub fn index_of_terminal(id: &str) -> Option<u64> {
    let digits = id.strip_prefix("GX")?;
    (digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

pub fn iccid(i: u64) -> String {
    let body = format!("89882470{i:010}");
    format!("{body}{}", luhn_digit(&body))
}

pub fn index_of_iccid(iccid: &str) -> Option<u64> {
    let digits = iccid.strip_prefix("89882470")?;
    (iccid.len() == 19 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits[..10].parse().ok())
        .flatten()
}

pub fn job_id(i: u64) -> String {
    format!("J{i:09}")
}

pub fn index_of_job(id: &str) -> Option<u64> {
    let digits = id.strip_prefix('J')?;
    (digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The service state row `i` was generated in (before its job, if any, finished).
pub fn initial_state(seed: u64, i: u64) -> &'static str {
    let n = SERVICE_STATES.len() as u64;
    if i < 2 * n {
        return SERVICE_STATES[(i % n) as usize];
    }
    weighted(
        &[
            ("InService", 14),
            ("Suspended", 2),
            ("Commissioning", 1),
            ("InStock", 1),
            ("Barred", 1),
        ],
        row_hash(seed, i, SALT_STATE),
    )
}

/// The carrier-side job of row `i`, if it has one: commissioning for terminals being
/// commissioned, a firmware update for every seventh terminal in service.
pub fn job_type(seed: u64, i: u64) -> Option<&'static str> {
    match initial_state(seed, i) {
        "Commissioning" => Some("COMMISSIONING"),
        "InService" if i % 7 == 3 => Some("FIRMWARE_UPDATE"),
        _ => None,
    }
}

/// Odd rows fail commissioning (antenna pointing), so both outcomes are always present.
pub fn job_fails(i: u64) -> bool {
    i % 2 == 1
}

/// The state row `i` is in, given whether its job (if any) has finished.
pub fn state(seed: u64, i: u64, jobs_done: bool) -> &'static str {
    let initial = initial_state(seed, i);
    match job_type(seed, i) {
        Some("COMMISSIONING") if jobs_done && job_fails(i) => "Provisioned",
        Some("COMMISSIONING") if jobs_done => "InService",
        _ => initial,
    }
}

/// The wire form of row `i`.
pub fn render(seed: u64, i: u64, jobs_done: bool) -> Value {
    let state = state(seed, i, jobs_done);
    let mobility = MOBILITY[(i % MOBILITY.len() as u64) as usize];
    let geo = row_hash(seed, i, SALT_GEO);
    let lat = ((-55.0 + (geo % 1_000_000) as f64 / 1e6 * 125.0) * 1e5).round() / 1e5;
    let lon = ((-180.0 + ((geo >> 24) % 1_000_000) as f64 / 1e6 * 360.0) * 1e5).round() / 1e5;
    let (label, model) = match mobility {
        "Maritime" => (format!("Vessel Aurora {i}"), "Viasat GX-M 60"),
        "Aero" => (format!("Jet N{i}VX"), "Viasat Ka-2517"),
        _ => (format!("Field Unit {i}"), "Viasat GX-L Flat"),
    };
    let vessel = (mobility == "Maritime").then(|| {
        json!({"imo": format!("9{:06}", geo % 1_000_000),
               "mmsi": format!("3{:08}", (geo >> 16) % 100_000_000)})
    });
    let day = 1 + i % 28;
    let pending_job = job_type(seed, i).filter(|_| !jobs_done).map(|_| job_id(i));
    json!({
        "terminalId": terminal_id(i),
        "label": label,
        "serviceState": state,
        "mobility": mobility,
        "hardware": {"model": model, "antenna": format!("KA-{:05}", geo % 100_000)},
        "location": {"latitude": lat, "longitude": lon,
                      "fixTime": format!("2026-02-{day:02}T{:02}:15:00Z", i % 24)},
        "vessel": vessel,
        "servicePlan": if i.is_multiple_of(2) { "GX Global Business" } else { "GX Regional 50GB" },
        "sim": {
            "iccid": iccid(i),
            "imsi": format!("90128{i:010}"),
            "msisdn": format!("88245{i:010}"),
            "state": state,
        },
        "activeJobId": pending_job,
    })
}

/// Consumption of the current period in bytes per bearer: Ka-band satellite always (once in
/// service), LTE for terminals that used their terrestrial bearer.
pub fn consumption(seed: u64, i: u64, jobs_done: bool) -> Value {
    let h = row_hash(seed, i, SALT_USAGE);
    let state = state(seed, i, jobs_done);
    let mut bearers = Vec::new();
    if matches!(
        state,
        "InService" | "Suspended" | "Barred" | "Decommissioning"
    ) {
        bearers.push(json!({"bearer": "KA_BAND", "bytes": 5_000_000 + h % 40_000_000_000}));
        if !i.is_multiple_of(3) {
            bearers.push(json!({"bearer": "LTE", "bytes": 1_000_000 + (h >> 24) % 2_000_000_000}));
        }
    }
    let (from, to) = crate::sim::cellular::current_cycle();
    json!({"from": from, "to": to, "bearers": bearers})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_states_cover_the_vocabulary() {
        assert_eq!(index_of_terminal(&terminal_id(77)), Some(77));
        assert_eq!(index_of_iccid(&iccid(77)), Some(77));
        assert!(crate::sim::inventory::luhn_valid(&iccid(77)));
        assert_eq!(index_of_job(&job_id(5)), Some(5));
        assert_eq!(index_of_terminal("GX12"), None);
        let states: Vec<_> = (0..18).map(|i| initial_state(3, i)).collect();
        for s in SERVICE_STATES {
            assert!(states.contains(&s), "{s}");
        }
    }

    #[test]
    fn commissioning_jobs_end_both_ways() {
        // Rows 2 and 11 are commissioning: 2 succeeds, 11 fails.
        assert_eq!(state(3, 2, false), "Commissioning");
        assert_eq!(state(3, 2, true), "InService");
        assert_eq!(state(3, 11, true), "Provisioned");
        assert_eq!(render(3, 2, false)["activeJobId"], "J000000002");
        assert!(render(3, 2, true)["activeJobId"].is_null());
    }
}
