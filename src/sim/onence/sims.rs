//! 1NCE SIM rows: generated from `(seed, index)` and rendered in the Management API's JSON
//! shapes (SIM object, daily usage, quotas; the connectivity status is `session.rs`'s). Only changes made through
//! `PUT /v1/sims/{iccid}` are stored, as [`SimChange`]s.

use chrono::{DateTime, Duration as Span, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::sim::inventory::{self, IccidScheme, row_hash, weighted};

/// 1NCE ICCIDs: 19 digits without Luhn (`iccid`), 20 with it (`iccid_with_luhn`).
pub(super) const ICCIDS: IccidScheme = IccidScheme {
    prefix: "8988228066",
    body_len: 19,
    luhn: false,
};
/// Home network of 1NCE SIMs (primary IMSI) and the secondary profile (`imsi_2`).
const IMSI_HOME: &str = "901405";
const IMSI_SECOND: &str = "295050";
const MSISDN_PREFIX: &str = "88228";
/// 1NCE's lifetime bundle: 500 MB and 250 SMS over 10 years.
pub(super) const DATA_BUNDLE_MB: f64 = 500.0;
pub(super) const SMS_BUNDLE: u64 = 250;
/// The native status spread: almost every 1NCE SIM is enabled.
const STATUS_WEIGHTS: [(&str, u32); 2] = [("Enabled", 88), ("Disabled", 12)];
const LABELS: [&str; 5] = ["truck", "meter", "tracker", "gateway", "pump"];

/// What `PUT /v1/sims/{iccid}` changed on one SIM.
#[derive(Debug, Clone, Default)]
pub(super) struct SimChange {
    pub status: Option<String>,
    pub label: Option<String>,
    pub imei_lock: Option<bool>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// One SIM as the platform currently sees it.
#[derive(Debug, Clone)]
pub(super) struct SimRow {
    pub index: u64,
    pub seed: u64,
    pub iccid: String,
    pub imsi: String,
    pub imsi_2: String,
    pub msisdn: String,
    pub imei: String,
    pub imei_lock: bool,
    pub status: String,
    pub activation: DateTime<Utc>,
    pub label: Option<String>,
    pub data_used_mb: f64,
    pub sms_used: u64,
    pub status_changed: DateTime<Utc>,
}

fn fixed_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// 1NCE's timestamp format: `2018-03-09T07:59:09.000+0000`.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

impl SimRow {
    pub fn generate(seed: u64, size: u64, index: u64, change: Option<&SimChange>) -> Self {
        let h = |salt| row_hash(seed, index, salt);
        // Activation dates spread over six years from 2018, in whole seconds.
        let activation = fixed_epoch() + Span::seconds((h(1) % (6 * 365 * 86_400)) as i64);
        let mut row = SimRow {
            index,
            seed,
            iccid: ICCIDS.iccid(seed, size, index),
            imsi: inventory::imsi(IMSI_HOME, seed, index),
            imsi_2: inventory::imsi(IMSI_SECOND, seed, index),
            msisdn: inventory::msisdn(MSISDN_PREFIX, 15, seed, index),
            imei: inventory::imei(seed, index),
            imei_lock: h(2).is_multiple_of(10),
            status: weighted(&STATUS_WEIGHTS, h(3)).to_string(),
            activation,
            label: h(4).is_multiple_of(3).then(|| {
                format!(
                    "{}-{:04}",
                    LABELS[(h(5) % LABELS.len() as u64) as usize],
                    index % 10_000
                )
            }),
            data_used_mb: (h(6) % 520_000) as f64 / 1000.0,
            sms_used: h(7) % (SMS_BUNDLE + 10),
            status_changed: activation,
        };
        row.data_used_mb = row.data_used_mb.min(DATA_BUNDLE_MB);
        row.sms_used = row.sms_used.min(SMS_BUNDLE);
        if let Some(change) = change {
            if let Some(status) = &change.status {
                row.status = status.clone();
            }
            if let Some(label) = &change.label {
                row.label = Some(label.clone());
            }
            if let Some(lock) = change.imei_lock {
                row.imei_lock = lock;
            }
            if let Some(at) = change.changed_at {
                row.status_changed = at;
            }
        }
        row
    }

    fn h(&self, salt: u64) -> u64 {
        row_hash(self.seed, self.index, salt)
    }

    pub fn data_remaining_mb(&self) -> f64 {
        DATA_BUNDLE_MB - self.data_used_mb
    }

    pub fn sms_remaining(&self) -> u64 {
        SMS_BUNDLE - self.sms_used
    }

    /// The SIM object of `GET /v1/sims` and `GET /v1/sims/{iccid}`.
    pub fn to_json(&self) -> Value {
        let check = inventory::luhn_digit(&self.iccid);
        let current_imsi = if self.h(8).is_multiple_of(10) {
            &self.imsi_2
        } else {
            &self.imsi
        };
        json!({
            "iccid": self.iccid,
            "iccid_with_luhn": format!("{}{check}", self.iccid),
            "imsi": self.imsi,
            "imsi_2": self.imsi_2,
            "current_imsi": current_imsi,
            "msisdn": self.msisdn,
            "imei": self.imei,
            "imei_lock": self.imei_lock,
            "status": self.status,
            "activation_date": stamp(self.activation),
            "ip_address": inventory::private_ipv4(self.index),
            "current_quota": round3(self.data_remaining_mb()),
            "quota_status": quota_status(self.data_remaining_mb() / DATA_BUNDLE_MB, self),
            "current_quota_SMS": self.sms_remaining(),
            "quota_status_SMS": quota_status(self.sms_remaining() as f64 / SMS_BUNDLE as f64, self),
            "label": self.label,
        })
    }

    /// One day of `GET /v1/sims/{iccid}/usage`; quiet days (about a third) carry zero volume.
    pub fn usage_day_json(&self, day: NaiveDate) -> Value {
        let day_number = day.signed_duration_since(NaiveDate::MIN).num_days() as u64;
        let h = row_hash(self.seed ^ day_number.wrapping_mul(0x9E37), self.index, 20);
        let active = !h.is_multiple_of(3);
        let data_kb = if active { (h >> 8) % 8_000 } else { 0 };
        let rx_kb = data_kb * 7 / 10;
        let sms_mo = if active { (h >> 24) % 3 } else { 0 };
        let sms_mt = if active { (h >> 28) % 2 } else { 0 };
        let mb = |kb: u64| format!("{:.6}", kb as f64 / 1024.0);
        json!({
            "date": format!("{}T00:00:00.000Z", day.format("%Y-%m-%d")),
            "data": {
                "volume": mb(data_kb),
                "volume_rx": mb(rx_kb),
                "volume_tx": mb(data_kb - rx_kb),
                "traffic_type": {"id": 5, "description": "Data", "unit": "MB"},
                "cost": 0,
                "currency": {"id": 1, "code": "EUR", "symbol": "€"},
            },
            "sms": {
                "volume": (sms_mo + sms_mt).to_string(),
                "volume_rx": sms_mo.to_string(),
                "volume_tx": sms_mt.to_string(),
                "traffic_type": {"id": 6, "description": "SMS", "unit": "SMS"},
                "cost": 0,
                "currency": {"id": 1, "code": "EUR", "symbol": "€"},
            },
        })
    }

    /// `GET /v1/sims/{iccid}/quota/data` (or `/quota/sms` with `sms = true`).
    pub fn quota_json(&self, sms: bool) -> Value {
        let (remaining, total) = if sms {
            (self.sms_remaining() as f64, SMS_BUNDLE as f64)
        } else {
            (round3(self.data_remaining_mb()), DATA_BUNDLE_MB)
        };
        let expiry = self.activation + Span::days(3650);
        json!({
            "volume": remaining,
            "total_volume": total,
            "expiry_date": stamp(expiry),
            "peak_throughput": if sms { Value::Null } else { json!(1_000_000) },
            "last_volume_added": total,
            "last_status_change_date": stamp(self.status_changed),
            "threshold_percentage": 20,
        })
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// 1NCE's quota status: 0 above 20 % left, 1 at or below 20 %, 2 when exhausted.
fn quota_status(left: f64, row: &SimRow) -> Value {
    let (id, description) = if left <= 0.0 {
        (2, "No volume available")
    } else if left <= 0.2 {
        (1, "Less than 20% available")
    } else {
        (0, "More than 20% available")
    };
    let reached = (id >= 1).then(|| stamp(row.activation + Span::days(300)));
    let exceeded = (id == 2).then(|| stamp(row.activation + Span::days(400)));
    json!({
        "id": id,
        "description": description,
        "threshold_reached_date": reached,
        "quota_exceeded_date": exceeded,
    })
}
