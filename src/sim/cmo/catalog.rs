//! The simulated tenant's products, generated lazily per row: which underlying platform (SYSTEM)
//! each product lives on, its business id (ICCID or terminal serial), its SIM / terminal data and
//! consumption, plus the server's own knowledge of each platform — which statuses it can be moved
//! between, and whether it applies changes synchronously (200) or through a monitor (202).
//!
//! This is the simulator's own, independent reading of the CMO documentation (docs/backends/cmo.md
//! §6–7); it deliberately shares no table with the console's `domain::capabilities`.

use crate::sim::inventory::{IccidScheme, imei, imsi, msisdn, row_hash, weighted};

/// Underlying platforms of the tenant and their share of the inventory.
const SYSTEMS: &[(&str, u32)] = &[
    ("TMSP", 4),
    ("JASPER", 3),
    ("1NCE", 3),
    ("TMUS", 2),
    ("IOTA", 1),
    ("INTELSAT", 2),
    ("AIRLINQ", 1),
    ("STC", 1),
    ("TURKCELL", 1),
    ("GALAXY1", 1),
];

/// ICCIDs of the tenant's SIMs (one numbering across platforms keeps rows reversible).
const ICCIDS: IccidScheme = IccidScheme {
    prefix: "8949021",
    body_len: 19,
    luhn: true,
};

/// Satellite terminals are numbered `SERIAL_BASE + row`.
const SERIAL_BASE: u64 = 20_000;

pub const CAPACITY: u64 = 100_000_000;

/// Whether a platform's products are satellite terminals (no SIM card subproduct).
pub fn is_satellite(system: &str) -> bool {
    matches!(system, "INTELSAT" | "GALAXY1")
}

/// Platforms that answer a status change with 202 and a monitor (the CMO's sync/async page).
pub fn is_async(system: &str) -> bool {
    matches!(
        system,
        "TMSP" | "INTELSAT" | "AIRLINQ" | "STC" | "TURKCELL" | "GALAXY1"
    )
}

/// Status changes the CMO forwards to each platform. JASPER accepts any move between its states
/// (the CMO docs: "Jasper: all changes"); GALAXY1 accepts none.
pub fn transition_allowed(system: &str, from: &str, to: &str) -> bool {
    let pairs: &[(&str, &str)] = match system {
        "TMSP" => &[
            ("CREATED", "ACTIVE"),
            ("PENDING_ACTIVE", "ACTIVE"),
            ("ACTIVE", "SUSPENDED"),
            ("SUSPENDED", "ACTIVE"),
            ("ACTIVE", "BLOCKED"),
            ("BLOCKED", "ACTIVE"),
            ("ACTIVE", "TERMINATED"),
            ("TERMINATED", "ACTIVE"),
            ("PENDING_TERMINATE", "ACTIVE"),
        ],
        "TMUS" => &[
            ("CREATED", "ACTIVE"),
            ("ACTIVE", "SUSPENDED"),
            ("SUSPENDED", "ACTIVE"),
            ("ACTIVE", "PENDING_TERMINATE"),
            ("PENDING_TERMINATE", "ACTIVE"),
            ("ACTIVE", "TERMINATED"),
        ],
        "JASPER" => {
            const STATES: [&str; 6] = [
                "INVENTORY",
                "PENDING_ACTIVE",
                "ACTIVE",
                "SUSPENDED",
                "PENDING_TERMINATE",
                "TERMINATED",
            ];
            return from != to && STATES.contains(&from) && STATES.contains(&to);
        }
        "GALAXY1" => &[],
        _ => &[("ACTIVE", "SUSPENDED"), ("SUSPENDED", "ACTIVE")],
    };
    pairs.contains(&(from, to))
}

/// Initial status spread per platform (a status the platform can express).
fn status_weights(system: &str) -> &'static [(&'static str, u32)] {
    match system {
        "TMSP" => &[
            ("ACTIVE", 6),
            ("SUSPENDED", 2),
            ("BLOCKED", 1),
            ("CREATED", 1),
            ("TERMINATED", 1),
        ],
        "JASPER" | "TMUS" => &[
            ("ACTIVE", 6),
            ("SUSPENDED", 2),
            ("INVENTORY", 1),
            ("PENDING_ACTIVE", 1),
        ],
        "INTELSAT" | "GALAXY1" => &[("ACTIVE", 7), ("SUSPENDED", 2)],
        _ => &[("ACTIVE", 6), ("SUSPENDED", 2), ("PENDING_ACTIVE", 1)],
    }
}

/// One generated product.
#[derive(Debug, Clone)]
pub struct Row {
    pub index: u64,
    pub system: &'static str,
    /// ICCID (cellular) or terminal serial (satellite).
    pub business: String,
    pub status: &'static str,
    pub imsi: String,
    pub msisdn: String,
    pub imei: String,
    /// Platform account (relatedParty): name in IoT Hub and id on the platform.
    pub account_name: String,
    pub account_id: String,
    pub offering: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    /// Data used this period, KB; `satellite_kb` only for hybrid TMSP products.
    pub used_kb: f64,
    pub satellite_kb: Option<f64>,
    /// The platform refuses asynchronous changes to this SIM (the monitor ends `InError`).
    pub operator_lock: bool,
}

impl Row {
    pub fn id(&self) -> String {
        format!("{}-{}", self.system, self.business)
    }
}

pub fn system(seed: u64, index: u64) -> &'static str {
    weighted(SYSTEMS, row_hash(seed, index, 0x5157))
}

pub fn row(seed: u64, size: u64, index: u64) -> Row {
    let system = system(seed, index);
    let h = |salt| row_hash(seed, index, salt);
    let business = if is_satellite(system) {
        (SERIAL_BASE + index).to_string()
    } else {
        ICCIDS.iccid(seed, size, index)
    };
    let offering = match system {
        "INTELSAT" => "Maritime VSAT 20GB",
        "GALAXY1" => "Land Mobile 5GB",
        _ if h(0x0FF) % 3 == 0 => "1GB Shared Fixed Pool Roaming",
        _ => "IoT Flex 500MB",
    };
    let used_kb = (h(0x05E) % 2_000_000) as f64 + (h(0x05F) % 1000) as f64 / 1000.0;
    let hybrid = system == "TMSP" && h(0x4B1) % 5 == 0;
    Row {
        index,
        system,
        business,
        status: weighted(status_weights(system), h(0x57A)),
        imsi: imsi("26201", seed, index),
        msisdn: msisdn("49151", 13, seed, index),
        imei: imei(seed, index),
        account_name: format!("{system}_1"),
        account_id: (100_000_000
            + row_hash(seed, 0, crate::sim::inventory::str_hash(system)) % 900_000_000)
            .to_string(),
        offering,
        latitude: (h(0x1A7) % 180_000) as f64 / 1000.0 - 90.0,
        longitude: (h(0x10E) % 360_000) as f64 / 1000.0 - 180.0,
        used_kb,
        satellite_kb: hybrid.then(|| (h(0x5A7) % 50_000) as f64 + 0.5),
        operator_lock: is_async(system) && h(0x10C) % 12 == 0,
    }
}

/// The row of a business id (ICCID with or without Luhn digit, or serial), if it exists.
pub fn index_of(seed: u64, size: u64, business: &str) -> Option<u64> {
    let index = match ICCIDS.index_of(seed, size, business) {
        Some(i) => i,
        None => business
            .parse::<u64>()
            .ok()?
            .checked_sub(SERIAL_BASE)
            .filter(|i| *i < size)?,
    };
    // An ICCID only names a cellular row, a serial only a satellite one.
    let satellite = is_satellite(system(seed, index));
    let is_serial = business.len() < 18;
    (satellite == is_serial).then_some(index)
}

/// The row of a CMO product id `{SYSTEM}-{business}` (the SYSTEM must match).
pub fn index_of_id(seed: u64, size: u64, id: &str) -> Option<u64> {
    let (system_part, business) = id.split_once('-')?;
    let index = index_of(seed, size, business)?;
    (system(seed, index) == system_part).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_wrong_system() {
        for i in 0..200 {
            let r = row(5, 200, i);
            assert_eq!(index_of(5, 200, &r.business), Some(i));
            assert_eq!(index_of_id(5, 200, &r.id()), Some(i));
            let other = if r.system == "TMSP" { "JASPER" } else { "TMSP" };
            assert_eq!(
                index_of_id(5, 200, &format!("{other}-{}", r.business)),
                None
            );
        }
        assert_eq!(index_of(5, 200, "999999999"), None);
    }

    #[test]
    fn server_rules_follow_each_platform() {
        assert!(transition_allowed("TMSP", "ACTIVE", "BLOCKED"));
        assert!(!transition_allowed("1NCE", "ACTIVE", "BLOCKED"));
        assert!(transition_allowed("JASPER", "ACTIVE", "TERMINATED"));
        assert!(!transition_allowed("JASPER", "ACTIVE", "BLOCKED"));
        assert!(!transition_allowed("GALAXY1", "ACTIVE", "SUSPENDED"));
        assert!(is_async("TMSP") && !is_async("JASPER"));
    }
}
