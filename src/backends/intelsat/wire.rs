//! Intelsat FlexEnterprise wire shapes (PROVISIONAL, `docs/backends/intelsat.md`) and their
//! mapping onto the normalized model. Pure functions: no I/O here.

use crate::backends::{Account, BackendError};
use crate::domain::mapping::normalize_intelsat;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, Monitor, MonitorState, NativeStatus, ProductId,
    ProductSummary, RelatedParty, Terminal, Usage, UsageSample,
};
use crate::text::sanitize;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WirePage {
    #[serde(default)]
    pub items: Vec<WireTerminal>,
    pub paging: WirePaging,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WirePaging {
    pub offset: u64,
    pub limit: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WirePosition {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireContract {
    pub contract_id: Option<String>,
    pub status: String,
    #[serde(default)]
    pub change_actions_allowed: bool,
    pub offering: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTerminal {
    pub serial_number: String,
    pub name: Option<String>,
    pub model: Option<String>,
    pub mobility_type: Option<String>,
    pub antenna_code: Option<String>,
    pub position: Option<WirePosition>,
    pub imo_number: Option<String>,
    pub mmsi: Option<String>,
    pub last_updated: Option<String>,
    pub activation_date: Option<String>,
    pub contract: WireContract,
    pub aggregated_status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireUsageRecord {
    pub network: String,
    pub volume_kb: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireUsage {
    pub since: Option<String>,
    pub until: Option<String>,
    #[serde(default)]
    pub records: Vec<WireUsageRecord>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub order_id: String,
    pub serial_number: Option<String>,
    pub action: String,
    pub state: String,
    pub reason: Option<String>,
    pub created_at: Option<String>,
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(sanitize)
}

impl WireTerminal {
    /// The seed's composite of contract status and aggregated terminal status.
    pub fn status(&self) -> NativeStatus {
        normalize_intelsat(
            &sanitize(&self.contract.status),
            self.aggregated_status.as_deref().map(sanitize).as_deref(),
            self.contract.change_actions_allowed,
        )
    }

    fn lat_lon(&self) -> (Option<f64>, Option<f64>) {
        self.position
            .as_ref()
            .map_or((None, None), |p| (p.lat, p.lon))
    }

    pub fn summary(&self, account: &Account) -> ProductSummary {
        let (latitude, longitude) = self.lat_lon();
        ProductSummary {
            id: ProductId::new(BackendKind::Intelsat, sanitize(&self.serial_number)),
            related_party: RelatedParty {
                id: account.account_id.clone(),
                name: account.name.clone(),
            },
            connectivity: ConnectivityType::Satellite,
            status: self.status(),
            iccid: None,
            imsi: None,
            msisdn: None,
            serial: Some(sanitize(&self.serial_number)),
            terminal_name: opt(&self.name),
            latitude,
            longitude,
            attrs: Vec::new(),
        }
    }

    pub fn terminal(&self) -> Terminal {
        let (latitude, longitude) = self.lat_lon();
        let mut characteristics = Vec::new();
        if let Some(c) = &self.contract.contract_id {
            characteristics.push(Characteristic::new("contractId", sanitize(c)));
        }
        characteristics.push(Characteristic::new(
            "contractStatus",
            sanitize(&self.contract.status),
        ));
        if let Some(a) = &self.aggregated_status {
            characteristics.push(Characteristic::new("aggregatedStatus", sanitize(a)));
        }
        let changes = if self.contract.change_actions_allowed {
            "allowed"
        } else {
            "not allowed"
        };
        characteristics.push(Characteristic::new("changeActions", changes));
        Terminal {
            serial: sanitize(&self.serial_number),
            name: opt(&self.name),
            status: self.status(),
            latitude,
            longitude,
            model: opt(&self.model),
            mobility_type: opt(&self.mobility_type),
            antenna_code: opt(&self.antenna_code),
            imo_number: opt(&self.imo_number),
            mmsi: opt(&self.mmsi),
            last_updated: opt(&self.last_updated),
            characteristics,
        }
    }

    /// Bundle-level characteristics (the CMO's `system` and the account index).
    pub fn characteristics(&self, account: &Account) -> Vec<Characteristic> {
        vec![
            Characteristic::new("system", "INTELSAT"),
            Characteristic::new("account_index", account.account_id.clone()),
        ]
    }
}

impl WireUsage {
    /// KB since activation: `SATELLITE` is satellite, `CELLULAR_BACKUP` cellular; the seed's
    /// rule then yields three buckets for hybrid terminals and one for satellite-only ones.
    pub fn usage(&self) -> Result<Usage, String> {
        let mut cellular = Vec::new();
        let mut satellite = Vec::new();
        for r in &self.records {
            if !r.volume_kb.is_finite() || r.volume_kb < 0.0 {
                return Err(format!("volume {} is not a valid KB amount", r.volume_kb));
            }
            let sample = UsageSample {
                usage_type: UsageType::Data,
                amount: r.volume_kb,
                units: Unit::Kb,
                period_start: opt(&self.since),
                period_end: opt(&self.until),
            };
            match r.network.as_str() {
                "SATELLITE" => satellite.push(sample),
                "CELLULAR_BACKUP" => cellular.push(sample),
                other => return Err(format!("unknown network '{}'", sanitize(other))),
            }
        }
        Ok(Usage::from_samples(&cellular, &satellite))
    }
}

/// What an order asked, for humans.
pub fn describe(action: &str) -> String {
    match action {
        "SUSPEND" => "terminal status ACTIVE → SUSPENDED".to_string(),
        "RESUME" => "terminal status SUSPENDED → ACTIVE".to_string(),
        other => format!("terminal order {}", sanitize(other)),
    }
}

impl WireOrder {
    pub fn monitor(&self, account: &Account) -> Result<Monitor, BackendError> {
        let state = match self.state.as_str() {
            "SUBMITTED" | "PROCESSING" => MonitorState::InProgress,
            "FULFILLED" => MonitorState::Completed,
            "REJECTED" => MonitorState::InError,
            "WITHDRAWN" => MonitorState::Cancelled,
            other => {
                return Err(BackendError::Malformed {
                    backend: account.name.clone(),
                    detail: format!("unknown order state '{}'", sanitize(other)),
                });
            }
        };
        // Orders carry no HTTP status of their own; we report the TMF convention.
        let status_code = match state {
            MonitorState::InProgress => Some(202),
            MonitorState::Completed => Some(200),
            MonitorState::InError => Some(422),
            MonitorState::Cancelled => None,
        };
        Ok(Monitor {
            id: Monitor::make_id(BackendKind::Intelsat, &sanitize(&self.order_id)),
            kind: BackendKind::Intelsat,
            backend: account.name.clone(),
            product_id: self
                .serial_number
                .as_deref()
                .map(|s| ProductId::new(BackendKind::Intelsat, sanitize(s))),
            request: describe(&self.action),
            state,
            status_code,
            detail: opt(&self.reason),
            created: opt(&self.created_at).unwrap_or_default(),
            updated: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BucketLevel, Status};

    fn terminal(contract: &str, allowed: bool, agg: Option<&str>) -> WireTerminal {
        let json = serde_json::json!({
            "serialNumber": "27597", "name": "MV \u{1b}[31mX", "mobilityType": "Maritime",
            "position": {"lat": 53.5, "lon": 9.9},
            "contract": {"status": contract, "changeActionsAllowed": allowed},
            "aggregatedStatus": agg,
        });
        serde_json::from_value(json).expect("terminal")
    }

    #[test]
    fn composite_status_and_sanitized_text() {
        assert_eq!(terminal("new", true, None).status().status, Status::Created);
        assert_eq!(
            terminal("active", true, Some("offline")).status().status,
            Status::Blocked
        );
        let t = terminal("active", true, Some("online")).terminal();
        assert_eq!(t.status.native, "active/online");
        assert!(!t.name.unwrap_or_default().contains('\u{1b}'));
        assert_eq!(t.latitude, Some(53.5));
    }

    #[test]
    fn usage_buckets_follow_the_seed_rule() {
        let u: WireUsage = serde_json::from_value(serde_json::json!({"records": [
            {"network": "SATELLITE", "volumeKb": 1000.0},
            {"network": "CELLULAR_BACKUP", "volumeKb": 500.0}]}))
        .expect("usage");
        let usage = u.usage().expect("valid");
        assert_eq!(usage.buckets.len(), 3);
        let global = usage.bucket(BucketLevel::Global, UsageType::Data);
        assert_eq!(global.map(|b| b.amount), Some(1500.0));
        let bad: WireUsage = serde_json::from_value(
            serde_json::json!({"records": [{"network": "MARS", "volumeKb": 1.0}]}),
        )
        .expect("usage");
        assert!(bad.usage().is_err());
    }
}
