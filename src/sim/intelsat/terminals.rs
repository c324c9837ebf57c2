//! The simulated Intelsat FlexEnterprise terminal inventory: deterministic terminals of every
//! mobility type, each with a product contract (status, offering, whether change actions are
//! allowed) and an aggregated terminal status; maritime terminals carry IMO and MMSI numbers;
//! land-mobile and aero terminals also have a cellular backup link with its own usage.
//!
//! Native strings only: the simulator knows nothing of the console's status mapping.

use crate::sim::inventory::{row_hash, weighted};
use serde_json::{Value, json};

/// First terminal serial; serial `FIRST_SERIAL + i` is row `i`.
pub const FIRST_SERIAL: u64 = 10_000;
pub const CAPACITY: u64 = 100_000_000;

/// The composites the first rows cycle through: (contract status, change actions allowed,
/// aggregated terminal status). `active/degraded` is a terminal status the seed does not list.
pub const COMPOSITES: [(&str, bool, Option<&str>); 9] = [
    ("new", true, None),
    ("new", false, None),
    ("active", true, Some("online")),
    ("active", true, Some("suspended")),
    ("active", true, Some("offline")),
    ("suspended", true, Some("suspended")),
    ("cancelation", false, Some("offline")),
    ("ended", false, None),
    ("active", true, Some("degraded")),
];

pub const MOBILITY: [&str; 4] = ["Fixed", "Maritime", "Land mobile", "Aero"];

/// A contract offering; `allows_suspension: false` makes a SUSPEND order end REJECTED.
pub struct Offering {
    pub name: &'static str,
    pub allows_suspension: bool,
}

pub const OFFERINGS: [Offering; 5] = [
    Offering {
        name: "FlexEnterprise Global",
        allows_suspension: true,
    },
    Offering {
        name: "FlexMaritime Unlimited",
        allows_suspension: true,
    },
    Offering {
        name: "FlexMove Regional",
        allows_suspension: true,
    },
    Offering {
        name: "FlexEnterprise Committed 36M",
        allows_suspension: false,
    },
    Offering {
        name: "FlexAero Business",
        allows_suspension: true,
    },
];

const SALT_STATUS: u64 = 0x1A;
const SALT_GEO: u64 = 0x1B;
const SALT_USAGE: u64 = 0x1C;
const SALT_IDS: u64 = 0x1D;

/// The contract and terminal state of one row; stored by the platform once changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub contract: String,
    pub change_actions_allowed: bool,
    pub aggregated: Option<String>,
}

pub fn serial(index: u64) -> String {
    (FIRST_SERIAL + index).to_string()
}

/// The row of a serial, if it is one of ours (still to be checked against the size).
pub fn index_of(serial: &str) -> Option<u64> {
    if serial.is_empty() || !serial.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    serial.parse::<u64>().ok()?.checked_sub(FIRST_SERIAL)
}

/// The generated state of row `i`: the first rows cover every composite twice, the rest are
/// mostly active and online, as a real fleet.
pub fn initial_state(seed: u64, i: u64) -> State {
    let n = COMPOSITES.len() as u64;
    let (contract, allowed, aggregated) = if i < 2 * n {
        COMPOSITES[(i % n) as usize]
    } else {
        let pick = weighted(
            &[("online", 14), ("suspended", 2), ("offline", 2), ("new", 1)],
            row_hash(seed, i, SALT_STATUS),
        );
        match pick {
            "new" => ("new", true, None),
            "suspended" => ("suspended", true, Some("suspended")),
            other => ("active", true, Some(other)),
        }
    };
    State {
        contract: contract.to_string(),
        change_actions_allowed: allowed,
        aggregated: aggregated.map(str::to_string),
    }
}

pub fn offering(i: u64) -> &'static Offering {
    &OFFERINGS[(i % OFFERINGS.len() as u64) as usize]
}

pub fn mobility(i: u64) -> &'static str {
    MOBILITY[(i % MOBILITY.len() as u64) as usize]
}

/// Land-mobile and aero terminals fail over to a cellular link, which has its own usage.
pub fn has_cellular_backup(i: u64) -> bool {
    matches!(mobility(i), "Land mobile" | "Aero")
}

fn coordinate(h: u64, span: f64, low: f64) -> f64 {
    let raw = low + (h % 1_000_000) as f64 / 1_000_000.0 * span;
    (raw * 10_000.0).round() / 10_000.0
}

/// The wire form of terminal `i` in `state` (`GET …/terminals/{serial}`).
pub fn render(seed: u64, i: u64, state: &State) -> Value {
    let mobility = mobility(i);
    let geo = row_hash(seed, i, SALT_GEO);
    let ids = row_hash(seed, i, SALT_IDS);
    let (name, model, code) = match mobility {
        "Maritime" => (format!("MV Nordic Star {i}"), "Intellian v100NX", "MAR"),
        "Land mobile" => (format!("Convoy Unit {i}"), "Kymeta u8", "LND"),
        "Aero" => (format!("D-AFLX {i}"), "Honeywell JetWave", "AER"),
        _ => (format!("Teleport Site {i}"), "iDirect X7", "FIX"),
    };
    let maritime = mobility == "Maritime";
    let activated = state.contract != "new";
    let day = 1 + i % 28;
    let activation = activated.then(|| format!("2025-{:02}-{day:02}T08:00:00Z", 1 + i % 12));
    json!({
        "serialNumber": serial(i),
        "name": name,
        "model": model,
        "mobilityType": mobility,
        "antennaCode": format!("{code}-{:04}", ids % 10_000),
        "position": {
            "lat": coordinate(geo, 130.0, -60.0),
            "lon": coordinate(geo >> 24, 360.0, -180.0),
        },
        "imoNumber": maritime.then(|| format!("9{:06}", ids % 1_000_000)),
        "mmsi": maritime.then(|| format!("2{:08}", (ids >> 20) % 100_000_000)),
        "lastUpdated": format!("2026-01-{day:02}T{:02}:{:02}:00Z", i % 24, (i * 7) % 60),
        "activationDate": activation,
        "contract": {
            "contractId": format!("FX-{:07}", 1_000_000 + i),
            "status": state.contract,
            "changeActionsAllowed": state.change_actions_allowed,
            "offering": offering(i).name,
        },
        "aggregatedStatus": state.aggregated,
    })
}

/// Usage since activation in KB: satellite always, cellular backup for hybrid terminals.
pub fn usage(seed: u64, i: u64, state: &State) -> Value {
    let h = row_hash(seed, i, SALT_USAGE);
    let mut records = Vec::new();
    let started = state.contract != "new";
    if started {
        let kb = (1_000_000 + h % 5_000_000_000) as f64 / 1000.0;
        records.push(json!({"network": "SATELLITE", "volumeKb": kb}));
        if has_cellular_backup(i) {
            let kb = (50_000 + (h >> 32) % 900_000_000) as f64 / 1000.0;
            records.push(json!({"network": "CELLULAR_BACKUP", "volumeKb": kb}));
        }
    }
    let terminal = render(seed, i, state);
    json!({
        "serialNumber": serial(i),
        "since": terminal["activationDate"],
        "until": terminal["lastUpdated"],
        "records": records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_map_back_and_rows_cover_every_composite_and_mobility() {
        assert_eq!(index_of(&serial(42)), Some(42));
        assert_eq!(index_of("99"), None);
        assert_eq!(index_of("12a"), None);
        let states: Vec<_> = (0..18).map(|i| initial_state(5, i)).collect();
        for (contract, allowed, agg) in COMPOSITES {
            assert!(states.iter().any(|s| s.contract == contract
                && s.change_actions_allowed == allowed
                && s.aggregated.as_deref() == agg));
        }
        let maritime = render(5, 1, &states[1]);
        assert_eq!(maritime["mobilityType"], "Maritime");
        assert_eq!(maritime["imoNumber"].as_str().map(str::len), Some(7));
        assert!(render(5, 0, &states[0])["mmsi"].is_null());
    }

    #[test]
    fn hybrid_terminals_report_cellular_backup_usage() {
        let state = initial_state(5, 2);
        let land = usage(5, 2, &state);
        assert_eq!(land["records"].as_array().map(Vec::len), Some(2));
        let fixed = usage(5, 4, &initial_state(5, 4));
        assert_eq!(fixed["records"].as_array().map(Vec::len), Some(1));
        let new = usage(5, 0, &initial_state(5, 0));
        assert_eq!(new["records"].as_array().map(Vec::len), Some(0));
    }
}
