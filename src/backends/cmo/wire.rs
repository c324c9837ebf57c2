//! Wire types of the CMO API v5 (docs/backends/cmo.md) and their conversion to the
//! normalized domain: products (bundle and subproducts share one shape), list envelopes, find
//! results, monitors. Statuses on the CMO wire are already the normalized names.

use crate::backends::Account;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, CustomAttribute, DataConnectivity, Monitor,
    MonitorState, NativeStatus, Product, ProductId, ProductSummary, RelatedParty, SimCard, Status,
    Terminal, Usage, UsageSample,
};
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct WireList {
    pub entities: Vec<WireProduct>,
    pub links: Vec<WireLink>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct WireLink {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct WireFind {
    pub entities: Vec<WireProduct>,
    pub errors: Vec<WireProblem>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WireProblem {
    pub status: Option<u16>,
    pub detail: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WirePair {
    pub name: String,
    pub value: serde_json::Value,
}

impl WirePair {
    fn text(&self) -> String {
        match &self.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WireParty {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WireNamed {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WireRelationship {
    pub product: WireProduct,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct WireAmount {
    pub amount: f64,
    pub units: String,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct WirePeriod {
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct WireCounter {
    pub value: WireAmount,
    pub consumption_period: WirePeriod,
    pub counter_type: Option<String>,
    /// Inferred: `CELLULAR` / `SATELLITE` on products that report both levels.
    pub level: Option<String>,
}

/// A product: the IoTConnection bundle or any subproduct (fields absent are defaulted).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct WireProduct {
    pub id: String,
    pub status: Option<String>,
    pub connectivity_type: Option<String>,
    pub related_party: Vec<WireParty>,
    pub product_offering: Option<WireNamed>,
    pub start_date: Option<String>,
    pub product_characteristic: Vec<WirePair>,
    pub product_relationship: Vec<WireRelationship>,
    pub custom_property: Vec<WirePair>,
    pub usage_type: Option<String>,
    pub bucket_counter: Vec<WireCounter>,
    #[serde(rename = "@type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct WireMonitorResponse {
    pub status_code: Option<u16>,
    pub body: serde_json::Value,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct WireMonitor {
    pub id: String,
    pub source_href: Option<String>,
    pub state: String,
    pub response: WireMonitorResponse,
    pub creation_date: Option<String>,
}

impl WireProduct {
    /// A characteristic's value, name matched case-insensitively (the docs mix cases).
    pub fn characteristic(&self, name: &str) -> Option<String> {
        self.product_characteristic
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(WirePair::text)
            .filter(|v| !v.is_empty())
    }

    /// The subproduct of the bundle whose id ends with `suffix`.
    pub fn part(&self, suffix: &str) -> Option<&WireProduct> {
        self.product_relationship
            .iter()
            .map(|r| &r.product)
            .find(|p| p.id.ends_with(suffix))
    }

    /// The underlying platform: the SYSTEM characteristic, else the id's prefix.
    pub fn system(&self) -> Option<BackendKind> {
        let named = self.characteristic("SYSTEM");
        let prefix = self.id.split_once('-').map(|(p, _)| p.to_string());
        named
            .or(prefix)
            .and_then(|s| s.parse().ok())
            .filter(|k| *k != BackendKind::Cmo)
    }

    pub fn product_id(&self) -> Option<ProductId> {
        self.id.parse().ok()
    }

    fn connectivity(&self) -> ConnectivityType {
        match self.connectivity_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case("SATELLITE") => ConnectivityType::Satellite,
            _ => ConnectivityType::Cellular,
        }
    }

    pub fn custom(&self) -> Vec<CustomAttribute> {
        self.custom_property
            .iter()
            .map(|p| CustomAttribute {
                name: p.name.clone(),
                value: p.text(),
            })
            .collect()
    }

    fn characteristics(&self) -> Vec<Characteristic> {
        self.extra_characteristics(&[])
    }

    /// The characteristics not already read into a typed field (`mapped`), so a screen or the
    /// JSON output does not show ICCID or APN twice.
    fn extra_characteristics(&self, mapped: &[&str]) -> Vec<Characteristic> {
        self.product_characteristic
            .iter()
            .filter(|c| !mapped.iter().any(|m| m.eq_ignore_ascii_case(&c.name)))
            .map(|c| Characteristic::new(c.name.clone(), c.text()))
            .collect()
    }
}

/// A CMO status (already normalized on the wire); anything else stays Unknown with its text.
pub fn status(native: Option<&str>) -> NativeStatus {
    let native = native.unwrap_or("UNKNOWN");
    NativeStatus::new(native.parse().unwrap_or(Status::Unknown), native)
}

fn coordinate(v: Option<String>) -> Option<f64> {
    v.and_then(|s| s.trim().parse().ok())
}

/// The list row. `None` when the id names no platform we know (logged by the caller).
/// A row is about the SIM card or terminal: when the bundle carries that subproduct, its
/// status and identifiers win — the docs show an `INACTIVE` bundle whose `-simCard` is ACTIVE.
pub fn summary(p: &WireProduct, account: &Account) -> Option<ProductSummary> {
    let id = p.product_id()?;
    let party = p.related_party.first();
    let part = p.part("-simCard").or_else(|| p.part("-terminal"));
    let field = |name: &str| {
        part.and_then(|s| s.characteristic(name))
            .or_else(|| p.characteristic(name))
    };
    let native = part
        .and_then(|s| s.status.as_deref())
        .or(p.status.as_deref());
    Some(ProductSummary {
        id,
        related_party: RelatedParty {
            id: party.map(|r| r.id.clone()).unwrap_or_default(),
            // The console keys accounts by configured name: the CMO account holds the product.
            name: account.name.clone(),
        },
        connectivity: p.connectivity(),
        status: status(native),
        iccid: field("ICCID"),
        imsi: field("IMSI"),
        msisdn: field("MSISDN"),
        serial: field("serialNumber"),
        terminal_name: field("name"),
        latitude: coordinate(field("latitude")),
        longitude: coordinate(field("longitude")),
        attrs: p.custom(),
    })
}

pub fn sim_card(p: &WireProduct, fallback_iccid: &str) -> SimCard {
    SimCard {
        iccid: p
            .characteristic("ICCID")
            .unwrap_or_else(|| fallback_iccid.to_string()),
        imsi: p.characteristic("IMSI"),
        msisdn: p.characteristic("MSISDN"),
        imei: p.characteristic("imei"),
        status: status(p.status.as_deref()),
        characteristics: p.extra_characteristics(&["ICCID", "IMSI", "MSISDN", "imei"]),
    }
}

pub fn data_connectivity(p: &WireProduct) -> DataConnectivity {
    DataConnectivity {
        network_provider: p.characteristic("networkProvider"),
        connectivity_type: p.characteristic("connectivityType"),
        communication_plan: p.characteristic("communicationPlan"),
        apns: p.characteristic("apn").into_iter().collect(),
        characteristics: p.extra_characteristics(&[
            "networkProvider",
            "connectivityType",
            "communicationPlan",
            "apn",
        ]),
    }
}

pub fn terminal(p: &WireProduct, fallback_serial: &str) -> Terminal {
    Terminal {
        serial: p
            .characteristic("serialNumber")
            .unwrap_or_else(|| fallback_serial.to_string()),
        name: p.characteristic("name"),
        status: status(p.status.as_deref()),
        latitude: coordinate(p.characteristic("latitude")),
        longitude: coordinate(p.characteristic("longitude")),
        model: p.characteristic("model"),
        mobility_type: p.characteristic("mobilityType"),
        antenna_code: p.characteristic("antennaCode"),
        imo_number: p.characteristic("imoNumber"),
        mmsi: p.characteristic("mmsi"),
        last_updated: p.characteristic("lastUpdated"),
        characteristics: p.extra_characteristics(&[
            "serialNumber",
            "name",
            "latitude",
            "longitude",
            "model",
            "mobilityType",
            "antennaCode",
            "imoNumber",
            "mmsi",
            "lastUpdated",
        ]),
    }
}

fn unit(units: &str) -> Option<Unit> {
    match units.trim().to_ascii_uppercase().as_str() {
        "B" | "BYTES" => Some(Unit::Bytes),
        "KB" => Some(Unit::Kb),
        "MB" => Some(Unit::Mb),
        "GB" => Some(Unit::Gb),
        _ => None,
    }
}

/// USED counters into cellular / satellite samples (by `level`, else by the product's kind),
/// then the seed's bucket rule.
pub fn usage(p: &WireProduct, satellite_product: bool) -> Usage {
    let usage_type = match p.usage_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("SMS") => UsageType::Sms,
        Some(t) if t.eq_ignore_ascii_case("VOICE") => UsageType::Voice,
        _ => UsageType::Data,
    };
    let (mut cellular, mut satellite) = (Vec::new(), Vec::new());
    for c in &p.bucket_counter {
        if c.counter_type
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("USED"))
        {
            continue;
        }
        let Some(units) = unit(&c.value.units) else {
            continue;
        };
        let sample = UsageSample {
            usage_type,
            amount: c.value.amount,
            units,
            period_start: c.consumption_period.start_date_time.clone(),
            period_end: c.consumption_period.end_date_time.clone(),
        };
        let is_satellite = match c.level.as_deref() {
            Some(l) => l.eq_ignore_ascii_case("SATELLITE"),
            None => satellite_product,
        };
        if is_satellite {
            satellite.push(sample);
        } else {
            cellular.push(sample);
        }
    }
    Usage::from_samples(&cellular, &satellite)
}

/// The whole bundle.
pub fn product(p: &WireProduct, account: &Account) -> Option<Product> {
    let summary = summary(p, account)?;
    let business = summary.id.business_id.clone();
    let satellite = summary.connectivity == ConnectivityType::Satellite;
    let mut characteristics = p.characteristics();
    if let Some(party) = p.related_party.first() {
        // The platform account as IoT Hub names it (e.g. JASPER_1).
        characteristics.push(Characteristic::new("platformAccount", party.name.clone()));
    }
    let sim = p.part("-simCard");
    let term = p.part("-terminal");
    let custom = sim.or(term).map(WireProduct::custom).unwrap_or_default();
    Some(Product {
        product_offering: p.product_offering.as_ref().and_then(|o| o.name.clone()),
        start_date: p.start_date.clone(),
        characteristics,
        sim_card: sim.map(|s| sim_card(s, &business)),
        data_connectivity: p.part("-dataConnectivity").map(data_connectivity),
        terminal: term.map(|t| terminal(t, &business)),
        usage: p.part("-usageVolume-data").map(|u| usage(u, satellite)),
        custom,
        summary,
    })
}

pub fn monitor_state(state: &str) -> MonitorState {
    match state.trim().to_ascii_lowercase().as_str() {
        "completed" => MonitorState::Completed,
        "inerror" | "in_error" | "failed" => MonitorState::InError,
        "cancelled" | "canceled" => MonitorState::Cancelled,
        _ => MonitorState::InProgress,
    }
}

pub fn monitor(m: &WireMonitor, account: &Account, request: String) -> Monitor {
    let state = monitor_state(&m.state);
    let product_id = m
        .source_href
        .as_deref()
        .and_then(|h| h.rsplit('/').next())
        .and_then(|id| id.parse().ok());
    let detail = (state == MonitorState::InError).then(|| {
        m.response
            .body
            .get("detail")
            .and_then(|d| d.as_str())
            .map(crate::text::sanitize)
            .unwrap_or_else(|| "the platform refused the change".to_string())
    });
    Monitor {
        id: Monitor::make_id(BackendKind::Cmo, &m.id),
        kind: BackendKind::Cmo,
        backend: account.name.clone(),
        product_id,
        request,
        state,
        status_code: m.response.status_code,
        detail,
        created: m
            .creation_date
            .clone()
            .unwrap_or_else(|| chrono::Utc::now().to_rfc3339()),
        updated: state.is_final().then(|| chrono::Utc::now().to_rfc3339()),
    }
}
