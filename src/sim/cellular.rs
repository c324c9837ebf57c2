//! Row generation shared by the regional cellular simulators (AIRLINQ, STC, TURKCELL): the
//! identifiers, plan, APN, radio and consumption of row `index`, as pure functions of
//! `(seed, index)`. Each platform keeps its own status vocabulary and wire shapes; only the
//! physical facts of a SIM are generated here, so the three APIs differ where carriers differ.

use super::inventory::{IccidScheme, imei, imsi, msisdn, private_ipv4, row_hash, weighted};

/// The numbering and catalogue of one carrier.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub iccid: IccidScheme,
    /// MCC + MNC of the IMSIs.
    pub mcc_mnc: &'static str,
    /// Country code + network code of the MSISDNs, and their length.
    pub msisdn_prefix: &'static str,
    pub msisdn_len: usize,
    pub operator: &'static str,
    /// Rate / service plans, with weights.
    pub plans: &'static [(&'static str, u32)],
    pub apns: &'static [&'static str],
    pub radios: &'static [(&'static str, u32)],
}

/// The generated facts of one SIM.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub index: u64,
    pub iccid: String,
    pub imsi: String,
    pub msisdn: String,
    pub imei: String,
    pub plan: &'static str,
    pub apns: Vec<&'static str>,
    pub radio: &'static str,
    pub ip: String,
    /// Bytes used in the current billing cycle.
    pub cycle_bytes: u64,
    /// SMS sent and received in the current billing cycle.
    pub cycle_sms: u64,
    /// `YYYY-MM-DD` of the first activation.
    pub activated_on: String,
}

impl Profile {
    /// How many SIMs the numbering can hold.
    pub fn capacity(&self) -> u64 {
        self.iccid.capacity()
    }

    pub fn iccid(&self, seed: u64, size: u64, index: u64) -> String {
        self.iccid.iccid(seed, size, index)
    }

    pub fn index_of(&self, seed: u64, size: u64, iccid: &str) -> Option<u64> {
        self.iccid.index_of(seed, size, iccid)
    }

    /// The generated row; `salt` separates per-platform hashes (status picks use their own).
    pub fn row(&self, seed: u64, size: u64, index: u64) -> Row {
        let h = |salt: u64| row_hash(seed, index, salt);
        let first_apn = (h(0xA9) % self.apns.len().max(1) as u64) as usize;
        let mut apns: Vec<&'static str> = self.apns.get(first_apn).copied().into_iter().collect();
        // About one SIM in four has a second APN (a private one beside the public).
        if h(0xA8) % 4 == 0
            && let Some(second) = self.apns.get((first_apn + 1) % self.apns.len().max(1))
            && !apns.contains(second)
        {
            apns.push(second);
        }
        let day = 1 + h(0xDA) % 28;
        let month = 1 + h(0xDB) % 12;
        let year = 2021 + h(0xDC) % 5;
        Row {
            index,
            iccid: self.iccid(seed, size, index),
            imsi: imsi(self.mcc_mnc, seed, index),
            msisdn: msisdn(self.msisdn_prefix, self.msisdn_len, seed, index),
            imei: imei(seed, index),
            plan: weighted(self.plans, h(0x91)),
            apns,
            radio: weighted(self.radios, h(0x9A)),
            ip: private_ipv4(index),
            // Up to ~2 GB, skewed low as IoT traffic is.
            cycle_bytes: (h(0xB1) % 2_000_000_000) >> (h(0xB2) % 8),
            cycle_sms: h(0xB3) % 40,
            activated_on: format!("{year}-{month:02}-{day:02}"),
        }
    }
}

/// A value picked for row `index` from weighted choices under the platform's own salt.
pub fn pick<'a>(seed: u64, index: u64, salt: u64, weights: &[(&'a str, u32)]) -> &'a str {
    weighted(weights, row_hash(seed, index, salt))
}

/// The current calendar month as RFC 3339 start and end (the simulated billing cycle).
pub fn current_cycle() -> (String, String) {
    use chrono::{Datelike, Duration, NaiveDate, Utc};
    let today = Utc::now().date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let last = next - Duration::days(1);
    (
        format!("{}T00:00:00Z", first.format("%Y-%m-%d")),
        format!("{}T23:59:59Z", last.format("%Y-%m-%d")),
    )
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: Profile = Profile {
        iccid: IccidScheme {
            prefix: "8990001",
            body_len: 19,
            luhn: true,
        },
        mcc_mnc: "28601",
        msisdn_prefix: "905",
        msisdn_len: 12,
        operator: "Test",
        plans: &[("A", 1), ("B", 1)],
        apns: &["a.apn", "b.apn"],
        radios: &[("LTE-M", 1)],
    };

    #[test]
    fn rows_are_deterministic_and_round_trip() {
        let row = PROFILE.row(5, 100, 42);
        assert_eq!(row, PROFILE.row(5, 100, 42));
        assert_eq!(PROFILE.index_of(5, 100, &row.iccid), Some(42));
        assert_eq!(row.imsi.len(), 15);
        assert_eq!(row.msisdn.len(), 12);
        assert!(!row.apns.is_empty());
        let (start, end) = current_cycle();
        assert!(start < end);
    }
}
