//! Aeris IoT Accelerator wire shapes (docs/backends/aeris.md; Subscription Search API 1.0.5,
//! SICA state-change requests, DCP subscription requests) and their mapping onto the normalized
//! model. Parsing is lenient: identifiers and enterprise ids come as strings or numbers, field
//! groups are optional, unknown fields are ignored (the spec asks clients to be tolerant).

use crate::backends::Account;
use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, DataConnectivity, NativeStatus, ProductId,
    ProductSummary, RelatedParty, SimCard, Usage, UsageSample,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Accepts a JSON string, number or bool as text; `null`/absent/empty as `None`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A count sent as a number or a numeric string.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireApn {
    #[serde(default, deserialize_with = "text")]
    pub apn: Option<String>,
    #[serde(default)]
    pub ordinal: Option<i64>,
    #[serde(default, rename = "type", deserialize_with = "text")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireIp {
    #[serde(default, deserialize_with = "text")]
    pub apn_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireCustomField {
    #[serde(default, deserialize_with = "text")]
    pub field_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub field_value: Option<String>,
}

/// One `SubscriptionResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSubscription {
    #[serde(default, deserialize_with = "text")]
    pub iccid: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub imsi: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub msisdn: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub enterprise: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub enterprise_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub organization_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub operator_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub label: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub first_activated_at: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub provisioned_at: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub last_subscription_change_date_at: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subscription_package_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subscription_package_description: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub sim_specification_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub assigned_imei: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub detected_imei: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subscription_state_locked: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subscription_state_before_lock: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subscription_security_locked: Option<String>,
    #[serde(default)]
    pub apns: Vec<WireApn>,
    #[serde(default)]
    pub ips: Vec<WireIp>,
    #[serde(default)]
    pub custom_fields: Vec<WireCustomField>,
    #[serde(default, deserialize_with = "count")]
    pub monthly_data: Option<u64>,
    #[serde(default, deserialize_with = "count")]
    pub monthly_sms: Option<u64>,
}

/// `GET …/subscriptions/details` (and the POST lookup, which has no `next`).
#[derive(Debug, Clone, Deserialize)]
pub struct WireSearch {
    #[serde(default)]
    pub subscriptions: Vec<WireSubscription>,
    #[serde(default, deserialize_with = "text")]
    pub next: Option<String>,
    #[serde(default, deserialize_with = "count")]
    pub size: Option<u64>,
}

/// The 201 answer of `POST …/requests/state-changes`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireAccepted {
    pub subscription_request_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRequestResource {
    #[serde(default, deserialize_with = "text")]
    pub resource_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub resource_state: Option<String>,
    #[serde(default)]
    pub resource_failure_infos: Vec<Value>,
}

/// `GET …/subscriptions/requests/{id}` (DCP `SubscriptionRequest`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRequest {
    pub subscription_request_state: String,
    #[serde(default)]
    pub subscription_request_resources: Vec<WireRequestResource>,
}

/// Where a polled request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestProgress {
    /// `IN_PROGRESS`, `PENDING` (and `UNKNOWN`, which may still settle).
    Running,
    Completed,
    /// `REJECTED`, `CANCELED`, `COMPLETED_WITH_FAILURES`, or a resource `FAILED`: the reason.
    Failed(String),
}

impl WireRequest {
    /// Each FAILED resource's id and its failure infos as one sanitized text.
    pub fn failures(&self) -> std::collections::HashMap<String, String> {
        self.subscription_request_resources
            .iter()
            .filter(|r| r.resource_state.as_deref() == Some("FAILED"))
            .filter_map(|r| {
                let why: Vec<String> = r.resource_failure_infos.iter().map(failure_text).collect();
                let text = match why.is_empty() {
                    true => "failed".to_string(),
                    false => why.join("; "),
                };
                Some((r.resource_id.clone()?, text))
            })
            .collect()
    }

    pub fn progress(&self) -> RequestProgress {
        let failures: Vec<String> = self
            .subscription_request_resources
            .iter()
            .filter(|r| r.resource_state.as_deref() == Some("FAILED"))
            .map(|r| {
                let why: Vec<String> = r.resource_failure_infos.iter().map(failure_text).collect();
                let id = r.resource_id.as_deref().unwrap_or("?");
                match why.is_empty() {
                    true => format!("{id}: failed"),
                    false => format!("{id}: {}", why.join("; ")),
                }
            })
            .collect();
        match self.subscription_request_state.as_str() {
            "IN_PROGRESS" | "PENDING" | "UNKNOWN" => RequestProgress::Running,
            "COMPLETED" if failures.is_empty() => RequestProgress::Completed,
            other if failures.is_empty() => RequestProgress::Failed(format!("request {other}")),
            other => RequestProgress::Failed(format!("request {other}: {}", failures.join(", "))),
        }
    }
}

/// A failure info is an object of unknown shape: take its message-like field, else its JSON.
fn failure_text(v: &Value) -> String {
    let picked = [
        "errorMessage",
        "message",
        "description",
        "reason",
        "errorCode",
    ]
    .iter()
    .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    .or_else(|| v.as_str().map(str::to_string))
    .unwrap_or_else(|| v.to_string());
    crate::text::sanitize(&picked)
}

/// The cursor value inside a relative `next` link (`/details?…&cursor=X&…`), decoded.
pub fn cursor_from_next(next: &str) -> Option<String> {
    let query = next.split_once('?').map_or(next, |(_, q)| q);
    query
        .split('&')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == "cursor")
        .map(|(_, v)| percent_decode(v.trim()))
        .filter(|v| !v.is_empty())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn push(out: &mut Vec<Characteristic>, name: &str, value: &Option<String>) {
    if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
        out.push(Characteristic::new(name, v.clone()));
    }
}

impl WireSubscription {
    pub fn status(&self) -> NativeStatus {
        normalize(BackendKind::Iota, self.state.as_deref().unwrap_or(""))
    }

    /// The ICCID, required to address the product.
    pub fn iccid_or(&self, backend: &str) -> Result<&str, String> {
        self.iccid
            .as_deref()
            .ok_or_else(|| format!("{backend}: a subscription without an iccid"))
    }

    pub fn summary(&self, account: &Account, iccid: &str) -> ProductSummary {
        ProductSummary {
            id: ProductId::new(BackendKind::Iota, iccid),
            related_party: RelatedParty {
                id: account.account_id.clone(),
                name: account.name.clone(),
            },
            connectivity: ConnectivityType::Cellular,
            status: self.status(),
            iccid: Some(iccid.to_string()),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            serial: None,
            terminal_name: None,
            latitude: None,
            longitude: None,
            attrs: Vec::new(),
        }
    }

    pub fn sim_card(&self, iccid: &str) -> SimCard {
        let mut ch = Vec::new();
        push(&mut ch, "label", &self.label);
        push(&mut ch, "enterprise", &self.enterprise);
        push(&mut ch, "enterpriseName", &self.enterprise_name);
        push(&mut ch, "organizationId", &self.organization_id);
        push(&mut ch, "simSpecificationId", &self.sim_specification_id);
        push(&mut ch, "detectedImei", &self.detected_imei);
        push(&mut ch, "provisionedAt", &self.provisioned_at);
        push(&mut ch, "firstActivatedAt", &self.first_activated_at);
        push(
            &mut ch,
            "lastSubscriptionChangeDateAt",
            &self.last_subscription_change_date_at,
        );
        push(&mut ch, "stateLocked", &self.subscription_state_locked);
        push(
            &mut ch,
            "stateBeforeLock",
            &self.subscription_state_before_lock,
        );
        push(
            &mut ch,
            "securityLocked",
            &self.subscription_security_locked,
        );
        for field in &self.custom_fields {
            if let Some(name) = &field.field_name {
                push(&mut ch, &format!("customField:{name}"), &field.field_value);
            }
        }
        SimCard {
            iccid: iccid.to_string(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self
                .assigned_imei
                .clone()
                .or_else(|| self.detected_imei.clone()),
            status: self.status(),
            characteristics: ch,
        }
    }

    /// Network provider = the operator id; plan = the subscription package; APNs in ordinal
    /// order. The subscription carries no radio technology, so `connectivity_type` stays empty.
    pub fn data_connectivity(&self) -> DataConnectivity {
        let mut apns: Vec<&WireApn> = self.apns.iter().filter(|a| a.apn.is_some()).collect();
        apns.sort_by_key(|a| a.ordinal.unwrap_or(i64::MAX));
        let mut ch = Vec::new();
        push(&mut ch, "region", &self.region);
        push(
            &mut ch,
            "packageDescription",
            &self.subscription_package_description,
        );
        for a in &apns {
            if let (Some(apn), Some(kind)) = (&a.apn, &a.kind) {
                ch.push(Characteristic::new(format!("apnType:{apn}"), kind.clone()));
            }
        }
        for ip in &self.ips {
            let name = match &ip.apn_name {
                Some(apn) => format!("ip:{apn}"),
                None => "ip".to_string(),
            };
            push(&mut ch, &name, &ip.ip);
        }
        DataConnectivity {
            network_provider: self.operator_id.clone(),
            connectivity_type: None,
            communication_plan: self.subscription_package_name.clone(),
            apns: apns.iter().filter_map(|a| a.apn.clone()).collect(),
            characteristics: ch,
        }
    }

    /// Month-to-date `monthlyData` (bytes) and `monthlySms`, as one period from the first of
    /// the month (UTC) to `now`. A subscription without the fields has no reading (`None`).
    pub fn usage(&self, now: chrono::DateTime<chrono::Utc>) -> Option<Usage> {
        use chrono::Datelike;
        if self.monthly_data.is_none() && self.monthly_sms.is_none() {
            return None;
        }
        let first = now
            .date_naive()
            .with_day(1)?
            .and_hms_opt(0, 0, 0)?
            .and_utc();
        let fmt = "%Y-%m-%dT%H:%M:%SZ";
        let (start, end) = (first.format(fmt).to_string(), now.format(fmt).to_string());
        let sample = |usage_type, amount: u64, units| UsageSample {
            usage_type,
            amount: amount as f64,
            units,
            period_start: Some(start.clone()),
            period_end: Some(end.clone()),
        };
        let mut samples = Vec::new();
        if let Some(bytes) = self.monthly_data {
            samples.push(sample(UsageType::Data, bytes, Unit::Bytes));
        }
        if let Some(sms) = self.monthly_sms {
            samples.push(sample(UsageType::Sms, sms, Unit::Sms));
        }
        Some(Usage::from_samples(&samples, &[]))
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
