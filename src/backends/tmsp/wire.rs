//! TMSP (M2M Service Portal 3.0) wire types and their translation into the normalized model.
//! Pure: no I/O, so every mapping rule is unit-tested here.
//!
//! PROVISIONAL: the portal's Swagger is not public; field names follow `docs/backends/tmsp.md`.

use crate::backends::{Account, BackendError};
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, DataConnectivity, Monitor, MonitorState,
    Product, ProductId, ProductSummary, RelatedParty, SimCard, Usage, UsageSample, mapping,
};
use crate::text::sanitize;
use serde::{Deserialize, Serialize};

/// One SIM as `GET …/sims` and `POST …/sims/search` return it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimDto {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub imei: Option<String>,
    pub eid: Option<String>,
    pub status: String,
    pub sim_profile: Option<String>,
    pub product_offering: Option<String>,
    pub related_party: Option<String>,
    pub network_provider: Option<String>,
    pub radio_access_technology: Option<String>,
    pub tariff: Option<String>,
    #[serde(default)]
    pub apns: Vec<String>,
    pub activation_date: Option<String>,
    pub last_status_change: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub number: u64,
    pub size: u64,
    pub total_elements: u64,
    pub total_pages: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimPage {
    pub content: Vec<SimDto>,
    pub page: PageInfo,
}

/// The answer of the POST lookups: what was found, and the identifiers that were not.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lookup<T> {
    pub content: Vec<T>,
    #[serde(default)]
    pub not_found: Vec<String>,
}

/// Body of the POST lookups.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LookupRequest<'a> {
    pub identifier_type: &'static str,
    pub identifiers: Vec<&'a str>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumptionDto {
    /// `TERRESTRIAL` (cellular) or `NTN` (satellite).
    pub access_type: String,
    pub service: String,
    pub amount: f64,
    pub unit: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageDto {
    pub iccid: String,
    pub billing_period: Option<Period>,
    #[serde(default)]
    pub consumption: Vec<ConsumptionDto>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChangeRequest<'a> {
    pub identifier_type: &'static str,
    pub identifier: &'a str,
    pub target_status: &'a str,
}

/// Body of a characteristics change; absent fields stay unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CharacteristicsChangeRequest {
    pub identifier_type: &'static str,
    pub identifier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_offering: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim_profile: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequestErrorDto {
    pub code: Option<String>,
    pub message: Option<String>,
}

/// An asynchronous change request (`202` answer and `GET|DELETE …/requests/{id}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestDto {
    pub request_id: String,
    pub request_type: Option<String>,
    pub iccid: Option<String>,
    pub state: String,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    #[serde(default)]
    pub details: serde_json::Value,
    pub error: Option<RequestErrorDto>,
}

/// The characteristics the seed lets TMSP change, under their CMO names.
pub const UPDATABLE: [&str; 3] = ["productOffering", "relatedParty", "simProfile"];

/// Validate CMO characteristics and build the portal's change body.
pub fn characteristics_request(
    iccid: &str,
    changes: &[Characteristic],
) -> Result<CharacteristicsChangeRequest, BackendError> {
    if changes.is_empty() {
        return Err(BackendError::InvalidInput(format!(
            "no characteristics given; TMSP can change {}",
            UPDATABLE.join(", ")
        )));
    }
    let mut body = CharacteristicsChangeRequest {
        identifier_type: "ICCID",
        identifier: iccid.to_string(),
        ..Default::default()
    };
    for c in changes {
        let value = c.value.trim();
        if value.is_empty() {
            return Err(BackendError::InvalidInput(format!(
                "characteristic {} needs a value",
                c.name
            )));
        }
        let slot = match UPDATABLE
            .iter()
            .find(|n| n.eq_ignore_ascii_case(c.name.trim()))
        {
            Some(&"productOffering") => &mut body.product_offering,
            Some(&"relatedParty") => &mut body.related_party,
            Some(_) => &mut body.sim_profile,
            None => {
                return Err(BackendError::InvalidInput(format!(
                    "characteristic '{}' cannot be changed on TMSP; allowed: {}",
                    c.name,
                    UPDATABLE.join(", ")
                )));
            }
        };
        if slot.replace(value.to_string()).is_some() {
            return Err(BackendError::InvalidInput(format!(
                "characteristic {} given twice",
                c.name
            )));
        }
    }
    Ok(body)
}

fn related_party(account: &Account) -> RelatedParty {
    RelatedParty {
        id: account.account_id.clone(),
        name: account.name.clone(),
    }
}

pub fn summary(dto: &SimDto, account: &Account) -> ProductSummary {
    ProductSummary {
        id: ProductId::new(BackendKind::Tmsp, dto.iccid.clone()),
        related_party: related_party(account),
        connectivity: ConnectivityType::Cellular,
        status: mapping::normalize(BackendKind::Tmsp, &dto.status),
        iccid: Some(dto.iccid.clone()),
        imsi: dto.imsi.clone(),
        msisdn: dto.msisdn.clone(),
        serial: None,
        terminal_name: None,
        latitude: None,
        longitude: None,
        attrs: Vec::new(),
    }
}

fn push(out: &mut Vec<Characteristic>, name: &str, value: &Option<String>) {
    if let Some(v) = value {
        out.push(Characteristic::new(name, v.clone()));
    }
}

pub fn sim_card(dto: &SimDto) -> SimCard {
    let mut characteristics = Vec::new();
    push(&mut characteristics, "eID", &dto.eid);
    push(&mut characteristics, "simProfile", &dto.sim_profile);
    push(&mut characteristics, "activationDate", &dto.activation_date);
    push(
        &mut characteristics,
        "lastStatusChange",
        &dto.last_status_change,
    );
    SimCard {
        iccid: dto.iccid.clone(),
        imsi: dto.imsi.clone(),
        msisdn: dto.msisdn.clone(),
        imei: dto.imei.clone(),
        status: mapping::normalize(BackendKind::Tmsp, &dto.status),
        characteristics,
    }
}

pub fn data_connectivity(dto: &SimDto) -> DataConnectivity {
    DataConnectivity {
        network_provider: dto.network_provider.clone(),
        connectivity_type: dto.radio_access_technology.clone(),
        communication_plan: dto.tariff.clone(),
        apns: dto.apns.clone(),
        characteristics: Vec::new(),
    }
}

pub fn product(dto: &SimDto, usage: Option<Usage>, account: &Account) -> Product {
    let mut characteristics = vec![Characteristic::new("SYSTEM", BackendKind::Tmsp.as_str())];
    push(&mut characteristics, "relatedParty", &dto.related_party);
    push(&mut characteristics, "simProfile", &dto.sim_profile);
    Product {
        summary: summary(dto, account),
        product_offering: dto.product_offering.clone(),
        start_date: dto.activation_date.clone(),
        characteristics,
        sim_card: Some(sim_card(dto)),
        data_connectivity: Some(data_connectivity(dto)),
        terminal: None,
        usage,
        custom: Vec::new(),
    }
}

fn unit(raw: &str) -> Option<Unit> {
    match raw.trim().to_ascii_uppercase().as_str() {
        "B" | "BYTE" | "BYTES" => Some(Unit::Bytes),
        "KB" => Some(Unit::Kb),
        "MB" => Some(Unit::Mb),
        "GB" => Some(Unit::Gb),
        "SMS" => Some(Unit::Sms),
        "S" | "SEC" | "SECONDS" => Some(Unit::Seconds),
        _ => None,
    }
}

/// Terrestrial lines are cellular, NTN lines satellite; [`Usage::from_samples`] applies the
/// seed's global / cellular / satellite rule. Lines we cannot read are skipped with a warning.
pub fn usage(dto: &UsageDto) -> Usage {
    let (start, end) = dto
        .billing_period
        .as_ref()
        .map_or((None, None), |p| (p.start.clone(), p.end.clone()));
    let mut cellular = Vec::new();
    let mut satellite = Vec::new();
    for line in &dto.consumption {
        let usage_type = match line.service.to_ascii_uppercase().as_str() {
            "DATA" => UsageType::Data,
            "SMS" => UsageType::Sms,
            "VOICE" => UsageType::Voice,
            _ => {
                tracing::warn!(service = %sanitize(&line.service), "TMSP usage: unknown service skipped");
                continue;
            }
        };
        let Some(units) = unit(&line.unit) else {
            tracing::warn!(unit = %sanitize(&line.unit), "TMSP usage: unknown unit skipped");
            continue;
        };
        let sample = UsageSample {
            usage_type,
            amount: line.amount,
            units,
            period_start: start.clone(),
            period_end: end.clone(),
        };
        match line.access_type.to_ascii_uppercase().as_str() {
            "NTN" | "SATELLITE" => satellite.push(sample),
            _ => cellular.push(sample),
        }
    }
    Usage::from_samples(&cellular, &satellite)
}

/// A TMF-style monitor for a portal request. `request` describes the change for humans.
pub fn monitor(
    dto: &RequestDto,
    account: &Account,
    request: String,
) -> Result<Monitor, BackendError> {
    let state = match dto.state.as_str() {
        "InProgress" => MonitorState::InProgress,
        "Completed" => MonitorState::Completed,
        "InError" => MonitorState::InError,
        "Cancelled" => MonitorState::Cancelled,
        other => {
            return Err(BackendError::Malformed {
                backend: account.name.clone(),
                detail: format!("unknown request state '{}'", sanitize(other)),
            });
        }
    };
    // The portal gives no HTTP status per request; we report the TMF convention.
    let status_code = match state {
        MonitorState::InProgress => Some(202),
        MonitorState::Completed => Some(200),
        MonitorState::InError => Some(422),
        MonitorState::Cancelled => None,
    };
    let detail = dto.error.as_ref().map(|e| {
        let code = e.code.as_deref().unwrap_or("ERROR");
        sanitize(&format!("{code}: {}", e.message.as_deref().unwrap_or("")))
    });
    Ok(Monitor {
        id: Monitor::make_id(BackendKind::Tmsp, &dto.request_id),
        kind: BackendKind::Tmsp,
        backend: account.name.clone(),
        product_id: dto
            .iccid
            .as_ref()
            .map(|i| ProductId::new(BackendKind::Tmsp, i.clone())),
        request,
        state,
        status_code,
        detail,
        created: dto.created_at.clone().unwrap_or_default(),
        updated: dto.updated_at.clone(),
    })
}

/// A human description of a request read back from the portal (when we did not send it).
pub fn describe(dto: &RequestDto) -> String {
    let field = |k: &str| dto.details.get(k).and_then(|v| v.as_str()).map(sanitize);
    match dto.request_type.as_deref() {
        Some("STATUS_CHANGE") => match field("targetStatus") {
            Some(target) => format!(
                "status → {} ({target})",
                mapping::normalize(BackendKind::Tmsp, &target).status
            ),
            None => "status change".to_string(),
        },
        Some("CHARACTERISTICS_CHANGE") => {
            let parts: Vec<String> = UPDATABLE
                .iter()
                .filter_map(|k| field(k).map(|v| format!("{k}={v}")))
                .collect();
            format!("characteristics {}", parts.join(", "))
        }
        other => sanitize(other.unwrap_or("request")),
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
