//! Deterministic, lazily generated inventories for the carrier simulators.
//!
//! A simulated platform may hold a million SIMs, so nothing here materializes rows: every field
//! of row `index` is a pure function of `(seed, index, salt)`, computed on demand. Identifiers are
//! built so that they can be mapped back to their row (`IccidScheme::index_of`), which lets a
//! simulator answer `GET /sims/{iccid}` without a lookup table. Only mutated state (a status
//! change, a label) is kept by the platform modules, in a map keyed by index.

/// SplitMix64 finalizer: a fast, well-mixed, stable hash. Stable across Rust and crate versions,
/// which `rand`'s generators do not promise; determinism of the inventory depends on it.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of one field of one row: `salt` separates fields so they vary independently.
pub fn row_hash(seed: u64, index: u64, salt: u64) -> u64 {
    mix64(mix64(seed ^ salt.wrapping_mul(0xA24B_AED4_963E_E407)) ^ index)
}

/// Stable 64-bit hash of a string (FNV-1a), used to derive per-platform seeds from a kind name.
pub fn str_hash(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The Luhn check digit of a string of ASCII digits (non-digits are ignored).
pub fn luhn_digit(digits: &str) -> char {
    let sum: u32 = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// True when the last digit of `digits` is the Luhn check digit of the rest.
pub fn luhn_valid(digits: &str) -> bool {
    match digits.len().checked_sub(1) {
        Some(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            luhn_digit(&digits[..n]) == char::from(digits.as_bytes()[n])
        }
        _ => false,
    }
}

/// How a platform numbers its SIMs: `prefix` (`89` + country code + issuer) followed by a
/// sequential serial, `body_len` digits in all, plus a Luhn digit when the carrier prints one.
#[derive(Debug, Clone, Copy)]
pub struct IccidScheme {
    pub prefix: &'static str,
    pub body_len: usize,
    pub luhn: bool,
}

impl IccidScheme {
    /// Number of serial digits after the prefix.
    fn serial_digits(&self) -> u32 {
        (self.body_len - self.prefix.len()) as u32
    }

    /// Capacity of the serial space (how many distinct ICCIDs the scheme can produce).
    pub fn capacity(&self) -> u64 {
        10u64.saturating_pow(self.serial_digits())
    }

    /// Where this seed's block of serials starts: seeded, so two seeds give different ICCIDs,
    /// and leaving room for `size` sequential serials.
    fn first_serial(&self, seed: u64, size: u64) -> u64 {
        let room = self.capacity().saturating_sub(size).max(1);
        row_hash(seed, 0, 0x1CC1D) % room
    }

    /// The ICCID of row `index` (of an inventory of `size` rows).
    pub fn iccid(&self, seed: u64, size: u64, index: u64) -> String {
        let serial = self.first_serial(seed, size) + index;
        let body = format!(
            "{}{:0width$}",
            self.prefix,
            serial,
            width = self.serial_digits() as usize
        );
        if self.luhn {
            let check = luhn_digit(&body);
            format!("{body}{check}")
        } else {
            body
        }
    }

    /// The row index of an ICCID, if it belongs to this inventory. Accepts the ICCID with or
    /// without its Luhn digit (carriers and clients differ on which they print; 1NCE prints both).
    pub fn index_of(&self, seed: u64, size: u64, iccid: &str) -> Option<u64> {
        if !iccid.bytes().all(|b| b.is_ascii_digit()) || !iccid.starts_with(self.prefix) {
            return None;
        }
        let body = if iccid.len() == self.body_len + 1 && luhn_valid(iccid) {
            &iccid[..self.body_len]
        } else if iccid.len() == self.body_len {
            iccid
        } else {
            return None;
        };
        let serial: u64 = body[self.prefix.len()..].parse().ok()?;
        let index = serial.checked_sub(self.first_serial(seed, size))?;
        (index < size).then_some(index)
    }
}

/// A 15-digit IMSI: `mcc_mnc` (5 or 6 digits) then an MSIN unique per row.
pub fn imsi(mcc_mnc: &str, seed: u64, index: u64) -> String {
    let msin_len = 15 - mcc_mnc.len();
    let space = 10u64.pow(msin_len as u32);
    let base = row_hash(seed, 0, str_hash(mcc_mnc)) % space;
    format!("{mcc_mnc}{:0msin_len$}", (base + index) % space)
}

/// An MSISDN of `len` digits starting with `prefix` (country code + network code), unique per row.
pub fn msisdn(prefix: &str, len: usize, seed: u64, index: u64) -> String {
    let rest = len - prefix.len();
    let space = 10u64.pow(rest as u32);
    let base = row_hash(seed, 0, str_hash(prefix)) % space;
    format!("{prefix}{:0rest$}", (base + index * 7) % space)
}

/// Realistic type allocation codes (first 8 digits of an IMEI) of common IoT modules.
const IOT_MODULE_TACS: [&str; 6] = [
    "86451504", "35473310", "86759203", "35895511", "86695704", "35209811",
];

/// A 15-digit IMEI: a module TAC, a 6-digit serial and the Luhn digit.
pub fn imei(seed: u64, index: u64) -> String {
    let h = row_hash(seed, index, 0x1E1);
    let tac = IOT_MODULE_TACS[(h % IOT_MODULE_TACS.len() as u64) as usize];
    let body = format!("{tac}{:06}", (h >> 16) % 1_000_000);
    let check = luhn_digit(&body);
    format!("{body}{check}")
}

/// A private IPv4 address inside `10.0.0.0/8`, unique per row up to 16 million rows.
pub fn private_ipv4(index: u64) -> String {
    let n = index + 256; // skip 10.0.0.x
    format!("10.{}.{}.{}", (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)
}

/// Picks one of the weighted values with hash `h`. Weights come from each platform module,
/// so every simulator shows its carrier's realistic spread of native statuses.
pub fn weighted<'a>(weights: &[(&'a str, u32)], h: u64) -> &'a str {
    let total: u64 = weights.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 {
        return weights.first().map_or("", |(v, _)| v);
    }
    let mut pick = h % total;
    for (value, weight) in weights {
        let weight = u64::from(*weight);
        if pick < weight {
            return value;
        }
        pick -= weight;
    }
    weights.last().map_or("", |(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEME: IccidScheme = IccidScheme {
        prefix: "8988228",
        body_len: 19,
        luhn: true,
    };

    #[test]
    fn luhn_matches_known_numbers() {
        assert_eq!(luhn_digit("7992739871"), '3');
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398714"));
        assert!(luhn_valid("490154203237518")); // a published example IMEI
    }

    #[test]
    fn iccids_round_trip_to_their_row() {
        let size = 1_000_000;
        for index in [0, 1, 42, 999_999] {
            let with_luhn = SCHEME.iccid(7, size, index);
            assert_eq!(with_luhn.len(), 20);
            assert!(luhn_valid(&with_luhn));
            assert_eq!(SCHEME.index_of(7, size, &with_luhn), Some(index));
            assert_eq!(SCHEME.index_of(7, size, &with_luhn[..19]), Some(index));
        }
        assert_eq!(SCHEME.index_of(7, size, "8988228000"), None);
        assert_eq!(SCHEME.index_of(7, size, "not-digits"), None);
    }

    #[test]
    fn identifiers_have_carrier_shapes() {
        let i = imsi("901405", 3, 12);
        assert_eq!(i.len(), 15);
        assert!(i.starts_with("901405"));
        assert_ne!(imsi("901405", 3, 12), imsi("901405", 3, 13));
        let m = imei(3, 12);
        assert_eq!(m.len(), 15);
        assert!(luhn_valid(&m));
        assert_eq!(msisdn("88228", 15, 3, 1).len(), 15);
        assert_eq!(private_ipv4(0), "10.0.1.0");
    }

    #[test]
    fn weighted_picks_follow_weights() {
        let weights = [("Enabled", 9), ("Disabled", 1)];
        let enabled = (0..10_000)
            .filter(|i| weighted(&weights, mix64(*i)) == "Enabled")
            .count();
        assert!((8_500..9_500).contains(&enabled), "{enabled}");
        assert_eq!(weighted(&[("only", 0)], 5), "only");
    }
}
