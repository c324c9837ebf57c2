//! 1NCE Management API v1 wire shapes (docs/backends/1nce.md) and their mapping onto the
//! normalized model. Parsing is lenient where the documentation is loose (numbers sent as
//! strings, `null`s, nested objects we only read a few fields of); unknown fields are ignored.

use crate::backends::Account;
use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, DataConnectivity, ProductId, ProductSummary,
    RelatedParty, SimCard, UsageSample,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Accepts a JSON string, number or bool as text; `null`/absent as `None`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// One SIM as `GET /v1/sims` and `GET /v1/sims/{iccid}` return it.
#[derive(Debug, Clone, Deserialize)]
pub struct WireSim {
    pub iccid: String,
    #[serde(default, deserialize_with = "text")]
    pub iccid_with_luhn: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imsi: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imsi_2: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub current_imsi: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub msisdn: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imei: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imei_lock: Option<String>,
    pub status: String,
    #[serde(default, deserialize_with = "text")]
    pub activation_date: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ip_address: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub current_quota: Option<String>,
    #[serde(default)]
    pub quota_status: Option<Value>,
    #[serde(default, rename = "current_quota_SMS", deserialize_with = "text")]
    pub current_quota_sms: Option<String>,
    #[serde(default, rename = "quota_status_SMS")]
    pub quota_status_sms: Option<Value>,
    #[serde(default, deserialize_with = "text")]
    pub label: Option<String>,
}

/// `GET /v1/sims/{iccid}/status`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireConnectivity {
    #[serde(default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(default)]
    pub location: Option<Value>,
    #[serde(default)]
    pub pdp_context: Option<Value>,
    #[serde(default)]
    pub services: Option<Vec<Value>>,
}

/// `GET /v1/sims/{iccid}/usage`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireUsage {
    #[serde(default)]
    pub stats: Vec<WireDay>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireDay {
    #[serde(default, deserialize_with = "text")]
    pub date: Option<String>,
    #[serde(default)]
    pub data: Option<WireVolume>,
    #[serde(default)]
    pub sms: Option<WireVolume>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireVolume {
    /// Decimal string in MB (data) or a count (SMS).
    #[serde(default, deserialize_with = "text")]
    pub volume: Option<String>,
}

/// The first string found at one of `paths` (each a list of keys into nested objects); a
/// value that is an object yields its `name` or `description`.
fn pick(value: Option<&Value>, paths: &[&[&str]]) -> Option<String> {
    let root = value?;
    paths.iter().find_map(|path| {
        let mut cur = root;
        for key in *path {
            cur = cur.get(key)?;
        }
        match cur {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Object(o) => ["name", "description"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str).map(str::to_string)),
            _ => None,
        }
    })
}

fn push(out: &mut Vec<Characteristic>, name: &str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        out.push(Characteristic::new(name, v));
    }
}

impl WireSim {
    pub fn summary(&self, account: &Account) -> ProductSummary {
        ProductSummary {
            id: ProductId::new(BackendKind::OneNce, self.iccid.clone()),
            related_party: RelatedParty {
                id: account.account_id.clone(),
                name: account.name.clone(),
            },
            connectivity: ConnectivityType::Cellular,
            status: normalize(BackendKind::OneNce, &self.status),
            iccid: Some(self.iccid.clone()),
            imsi: self.current_imsi.clone().or_else(|| self.imsi.clone()),
            msisdn: self.msisdn.clone(),
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        }
    }

    pub fn sim_card(&self) -> SimCard {
        let mut ch = Vec::new();
        push(&mut ch, "ICCIDWithLuhn", self.iccid_with_luhn.clone());
        push(&mut ch, "IMSI2", self.imsi_2.clone());
        push(&mut ch, "currentIMSI", self.current_imsi.clone());
        push(&mut ch, "activationDate", self.activation_date.clone());
        push(&mut ch, "imeiLock", self.imei_lock.clone());
        push(&mut ch, "label", self.label.clone());
        push(&mut ch, "currentQuotaMB", self.current_quota.clone());
        push(
            &mut ch,
            "quotaStatus",
            pick(self.quota_status.as_ref(), &[&["description"], &[]]),
        );
        push(&mut ch, "currentQuotaSMS", self.current_quota_sms.clone());
        push(
            &mut ch,
            "quotaStatusSMS",
            pick(self.quota_status_sms.as_ref(), &[&["description"], &[]]),
        );
        SimCard {
            iccid: self.iccid.clone(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self.imei.clone(),
            status: normalize(BackendKind::OneNce, &self.status),
            characteristics: ch,
        }
    }
}

impl WireConnectivity {
    /// Data connectivity from `/status`, with the SIM's IP address from the detail.
    pub fn data_connectivity(&self, sim: &WireSim) -> DataConnectivity {
        let loc = self.location.as_ref();
        let pdp = self.pdp_context.as_ref();
        let mut ch = Vec::new();
        push(&mut ch, "connectionStatus", self.status.clone());
        push(
            &mut ch,
            "ipAddress",
            sim.ip_address
                .clone()
                .or_else(|| pick(pdp, &[&["ue_ip_address"], &["ip_address"]])),
        );
        push(
            &mut ch,
            "country",
            pick(loc, &[&["country", "name"], &["country"]]),
        );
        push(
            &mut ch,
            "lastUpdated",
            pick(loc, &[&["last_updated"], &["updated"]]),
        );
        push(&mut ch, "cellId", pick(loc, &[&["cell_id"]]));
        if let Some(services) = &self.services {
            let names: Vec<String> = services
                .iter()
                .filter_map(|s| pick(Some(s), &[&[]]))
                .collect();
            push(&mut ch, "services", Some(names.join(", ")));
        }
        let apn = pick(pdp, &[&["apn"]]);
        DataConnectivity {
            network_provider: pick(loc, &[&["operator", "name"], &["operator"]])
                .or_else(|| pick(pdp, &[&["operator", "name"], &["operator"]])),
            connectivity_type: pick(pdp, &[&["rat_type", "description"], &["rat_type"]]),
            communication_plan: None,
            apns: apn.into_iter().collect(),
            characteristics: ch,
        }
    }
}

/// Parse one decimal volume; unreadable text is an error naming the day.
fn volume(v: &Option<WireVolume>, day: &str) -> Result<Option<f64>, String> {
    let Some(raw) = v.as_ref().and_then(|v| v.volume.as_deref()) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "volume '{}' on {day} is not a decimal number",
                crate::text::sanitize(raw)
            )
        })
}

/// `2021-06-30T00:00:00.000Z` → (`2021-06-30T00:00:00Z`, `2021-07-01T00:00:00Z`).
fn day_period(date: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(raw) = date else { return (None, None) };
    let parsed = chrono::DateTime::parse_from_rfc3339(raw.trim())
        .map(|d| d.with_timezone(&chrono::Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        });
    match parsed {
        Ok(start) => {
            let end = start + chrono::Duration::days(1);
            let fmt = "%Y-%m-%dT%H:%M:%SZ";
            (
                Some(start.format(fmt).to_string()),
                Some(end.format(fmt).to_string()),
            )
        }
        Err(_) => (None, None),
    }
}

impl WireUsage {
    /// Daily data (MB) and SMS samples.
    pub fn samples(&self) -> Result<Vec<UsageSample>, String> {
        let mut out = Vec::new();
        for day in &self.stats {
            let label = day.date.as_deref().unwrap_or("an undated day");
            let (start, end) = day_period(day.date.as_deref());
            let kinds = [
                (UsageType::Data, Unit::Mb, &day.data),
                (UsageType::Sms, Unit::Sms, &day.sms),
            ];
            for (usage_type, units, v) in kinds {
                if let Some(amount) = volume(v, label)? {
                    out.push(UsageSample {
                        usage_type,
                        amount,
                        units,
                        period_start: start.clone(),
                        period_end: end.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    #[test]
    fn sim_parses_documented_fields_and_numbers_as_text() {
        let sim: WireSim = serde_json::from_value(serde_json::json!({
            "iccid": "8988228066612345678", "iccid_with_luhn": "89882280666123456789",
            "imsi": "901405100012345", "msisdn": 882285100012345u64, "imei": null,
            "imei_lock": true, "status": "Disabled", "current_quota": 500,
            "quota_status": {"id": 0, "description": "More than 20% available"}, "label": "pump 7"
        }))
        .unwrap();
        let card = sim.sim_card();
        assert_eq!(card.status.status, Status::Suspended);
        assert_eq!(card.msisdn.as_deref(), Some("882285100012345"));
        assert!(
            card.characteristics
                .contains(&Characteristic::new("imeiLock", "true"))
        );
        assert!(card.characteristics.contains(&Characteristic::new(
            "quotaStatus",
            "More than 20% available"
        )));
    }

    #[test]
    fn usage_days_become_daily_samples() {
        let u: WireUsage = serde_json::from_value(serde_json::json!({"stats": [
            {"date": "2021-06-30T00:00:00.000Z", "data": {"volume": "0.002803"}, "sms": {"volume": "2"}},
            {"date": "2021-07-01T00:00:00.000Z", "data": {"volume": 1.5}}
        ]}))
        .unwrap();
        let s = u.samples().unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].amount, s[0].units), (0.002803, Unit::Mb));
        assert_eq!(s[0].period_start.as_deref(), Some("2021-06-30T00:00:00Z"));
        assert_eq!(s[0].period_end.as_deref(), Some("2021-07-01T00:00:00Z"));
        assert_eq!((s[1].usage_type, s[1].amount), (UsageType::Sms, 2.0));
        let bad: WireUsage = serde_json::from_value(serde_json::json!({"stats": [
            {"date": "2021-06-30", "data": {"volume": "lots"}}]}))
        .unwrap();
        assert!(bad.samples().unwrap_err().contains("'lots'"));
    }
}
