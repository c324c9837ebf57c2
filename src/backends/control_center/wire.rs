//! Cisco IoT Control Center REST API wire shapes (docs/backends/control-center.md) and their mapping
//! onto the normalized model, shared by TMUS and JASPER. Pure functions: no I/O here.
//!
//! Parsing is lenient where clients disagree (numbers sent as strings, `null`s, error codes as
//! numbers); unknown fields are ignored, except custom fields, which become characteristics.

use crate::backends::Account;
use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, DataConnectivity, ProductId, ProductSummary,
    RelatedParty, SimCard, UsageSample,
};
use chrono::DateTime;
use reqwest::StatusCode;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// The errorCode Control Center answers a rate limit with (on HTTP 400).
pub const RATE_LIMIT_CODE: &str = "40000029";

/// Accepts a JSON string, number or bool as text; `null`, absent or empty as `None`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A counter sent as a number or a numeric string; anything else is an error.
fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a number"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a number, got {other}"
        ))),
    }
}

/// `{errorCode, errorMessage}`; the code is a string on the wire (some clients see numbers).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    #[serde(default, deserialize_with = "text")]
    pub error_code: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub error_message: Option<String>,
}

impl WireError {
    pub fn parse(body: &[u8]) -> Option<WireError> {
        serde_json::from_slice(body).ok()
    }
}

/// Control Center signals its rate limit with HTTP 400 and errorCode 40000029: a rate limit to
/// wait out and retry, not a client error.
pub fn is_rate_limit(status: StatusCode, body: &[u8]) -> bool {
    status == StatusCode::BAD_REQUEST
        && WireError::parse(body).and_then(|e| e.error_code).as_deref() == Some(RATE_LIMIT_CODE)
}

/// `GET /devices`: one page of the search.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSearch {
    #[serde(default)]
    pub devices: Vec<WireSearchDevice>,
    #[serde(default)]
    pub page_number: Option<u32>,
    /// Absent in some answers: then a short page is the last one.
    #[serde(default)]
    pub last_page: Option<bool>,
    /// Seen in some deployments only.
    #[serde(default)]
    pub total_count: Option<u64>,
}

/// A search row carries `iccid, status, ratePlan, communicationPlan`; the list shows the first
/// two (the plans are read from the details).
#[derive(Debug, Clone, Deserialize)]
pub struct WireSearchDevice {
    pub iccid: String,
    pub status: String,
}

/// `GET /devices/{iccid}` (fields we read; custom fields are collected in `extra`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireDevice {
    pub iccid: String,
    pub status: String,
    #[serde(default, deserialize_with = "text")]
    pub imsi: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub msisdn: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imei: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub rate_plan: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub communication_plan: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub customer: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub end_consumer_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_activated: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_added: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_updated: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_shipped: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub account_id: Option<String>,
    #[serde(default, rename = "fixedIPAddress", deserialize_with = "text")]
    pub fixed_ip_address: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fixed_ipv6_address: Option<String>,
    #[serde(default, rename = "deviceID", deserialize_with = "text")]
    pub device_id: Option<String>,
    #[serde(default, rename = "modemID", deserialize_with = "text")]
    pub modem_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub global_sim_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub euiccid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sim_notes: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `GET /devices/{iccid}/ctdUsages`: cycle to date.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireCtdUsage {
    #[serde(default, deserialize_with = "amount")]
    pub ctd_data_usage: Option<f64>,
    #[serde(default, rename = "ctdSMSUsage", deserialize_with = "amount")]
    pub ctd_sms_usage: Option<f64>,
    #[serde(default, deserialize_with = "amount")]
    pub ctd_voice_usage: Option<f64>,
    #[serde(default, deserialize_with = "amount")]
    pub ctd_session_count: Option<f64>,
    #[serde(default)]
    pub overage_limit_reached: Option<bool>,
    #[serde(default, deserialize_with = "text")]
    pub overage_limit_override: Option<String>,
    /// The device's rate plan, which the answer repeats (its name may state the allowance).
    #[serde(default, deserialize_with = "text")]
    pub rate_plan: Option<String>,
}

/// Control Center's `2016-07-06 22:04:04.380+0000` as ISO 8601 UTC (`2016-07-06T22:04:04.380Z`);
/// a value in no known format is kept as sent.
pub fn iso_date(raw: &str) -> String {
    let raw = raw.trim();
    ["%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%z"]
        .iter()
        .find_map(|f| DateTime::parse_from_str(raw, f).ok())
        .or_else(|| DateTime::parse_from_rfc3339(raw).ok())
        .map(|t| {
            t.to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
        .unwrap_or_else(|| raw.to_string())
}

/// The operator behind each kind (the CMO's backend table): shown as the network provider.
pub fn network_provider(kind: BackendKind) -> Option<&'static str> {
    match kind {
        BackendKind::Tmus => Some("T-Mobile US"),
        BackendKind::Jasper => Some("Etisalat"),
        _ => None,
    }
}

fn party(account: &Account) -> RelatedParty {
    RelatedParty {
        id: account.account_id.clone(),
        name: account.name.clone(),
    }
}

fn push(out: &mut Vec<Characteristic>, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push(Characteristic::new(name, v.clone()));
    }
}

impl WireSearchDevice {
    /// A list row: the search carries no IMSI or MSISDN (details do).
    pub fn summary(&self, account: &Account) -> ProductSummary {
        ProductSummary {
            id: ProductId::new(account.kind, self.iccid.clone()),
            related_party: party(account),
            connectivity: ConnectivityType::Cellular,
            status: normalize(account.kind, &self.status),
            iccid: Some(self.iccid.clone()),
            imsi: None,
            msisdn: None,
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        }
    }
}

impl WireDevice {
    pub fn summary(&self, account: &Account) -> ProductSummary {
        ProductSummary {
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            ..WireSearchDevice {
                iccid: self.iccid.clone(),
                status: self.status.clone(),
            }
            .summary(account)
        }
    }

    /// Product-level characteristics: the dates (ISO) and the plan names.
    pub fn product_characteristics(&self) -> Vec<Characteristic> {
        let mut out = Vec::new();
        push(&mut out, "ratePlan", &self.rate_plan);
        push(&mut out, "communicationPlan", &self.communication_plan);
        push(&mut out, "customer", &self.customer);
        push(&mut out, "endConsumerId", &self.end_consumer_id);
        push(&mut out, "accountId", &self.account_id);
        out
    }

    pub fn sim_card(&self, kind: BackendKind) -> SimCard {
        let mut characteristics = Vec::new();
        let iso = |v: &Option<String>| v.as_deref().map(iso_date);
        push(
            &mut characteristics,
            "dateActivated",
            &iso(&self.date_activated),
        );
        push(&mut characteristics, "dateAdded", &iso(&self.date_added));
        push(
            &mut characteristics,
            "dateShipped",
            &iso(&self.date_shipped),
        );
        push(
            &mut characteristics,
            "dateUpdated",
            &iso(&self.date_updated),
        );
        push(&mut characteristics, "globalSimType", &self.global_sim_type);
        push(&mut characteristics, "euiccid", &self.euiccid);
        push(&mut characteristics, "deviceID", &self.device_id);
        push(&mut characteristics, "modemID", &self.modem_id);
        push(&mut characteristics, "simNotes", &self.sim_notes);
        // Account, operator and customer custom fields, in the carrier's numbering order.
        let mut custom: Vec<(&String, String)> = self
            .extra
            .iter()
            .filter(|(k, _)| {
                ["accountCustom", "operatorCustom", "customerCustom"]
                    .iter()
                    .any(|p| k.starts_with(p))
            })
            .filter_map(|(k, v)| match v {
                Value::String(s) if !s.trim().is_empty() => Some((k, s.clone())),
                Value::Number(n) => Some((k, n.to_string())),
                _ => None,
            })
            .collect();
        custom.sort_by_key(|(k, _)| custom_order(k));
        characteristics.extend(custom.into_iter().map(|(k, v)| Characteristic::new(k, v)));
        SimCard {
            iccid: self.iccid.clone(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self.imei.clone(),
            status: normalize(kind, &self.status),
            characteristics,
        }
    }

    /// Data connectivity: the operator, the communication plan (Control Center's APN/network
    /// profile) and the rate plan. Device details carry no APN list and no radio type.
    pub fn data_connectivity(&self, kind: BackendKind) -> DataConnectivity {
        let mut characteristics = Vec::new();
        push(&mut characteristics, "ratePlan", &self.rate_plan);
        push(
            &mut characteristics,
            "fixedIPAddress",
            &self.fixed_ip_address,
        );
        push(
            &mut characteristics,
            "fixedIpv6Address",
            &self.fixed_ipv6_address,
        );
        DataConnectivity {
            network_provider: network_provider(kind).map(str::to_string),
            connectivity_type: None,
            communication_plan: self.communication_plan.clone(),
            apns: Vec::new(),
            characteristics,
        }
    }
}

/// `accountCustom2` before `accountCustom10`: prefix, then the number.
fn custom_order(key: &str) -> (String, u32) {
    let split = key.find(|c: char| c.is_ascii_digit()).unwrap_or(key.len());
    let number = key[split..].parse().unwrap_or(u32::MAX);
    (key[..split].to_string(), number)
}

impl WireCtdUsage {
    /// Cycle-to-date data (bytes), SMS (count) and voice (seconds). The response gives no cycle
    /// dates, so the samples carry no period.
    pub fn samples(&self) -> Vec<UsageSample> {
        [
            (UsageType::Data, self.ctd_data_usage, Unit::Bytes),
            (UsageType::Sms, self.ctd_sms_usage, Unit::Sms),
            (UsageType::Voice, self.ctd_voice_usage, Unit::Seconds),
        ]
        .into_iter()
        .filter_map(|(usage_type, amount, units)| {
            amount.map(|amount| UsageSample {
                usage_type,
                amount,
                units,
                period_start: None,
                period_end: None,
            })
        })
        .collect()
    }

    /// The usage with the allowance the rate plan's name states (`allowance.rs`).
    pub fn usage(&self) -> crate::domain::Usage {
        let mut usage = crate::domain::Usage::from_samples(&self.samples(), &[]);
        usage.allowances.extend(super::allowance::from_rate_plan(
            self.rate_plan.as_deref(),
            self.ctd_data_usage,
            self.overage_limit_reached,
        ));
        usage
    }

    pub fn characteristics(&self) -> Vec<Characteristic> {
        let mut out = Vec::new();
        push(
            &mut out,
            "ctdSessionCount",
            &self.ctd_session_count.map(|n| n.to_string()),
        );
        push(
            &mut out,
            "overageLimitReached",
            &self.overage_limit_reached.map(|b| b.to_string()),
        );
        push(
            &mut out,
            "overageLimitOverride",
            &self.overage_limit_override,
        );
        out
    }
}

#[cfg(test)]
mod tests;
