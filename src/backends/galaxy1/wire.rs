//! GALAXY1 wire shapes (PROVISIONAL, `docs/backends/galaxy1.md`) and their mapping: a product is
//! a hybrid satellite terminal with an embedded SIM for its LTE bearer, so it bundles a terminal
//! and a SIM card (the seed's ✔ cells) but no data-connectivity subproduct. Pure functions.

use crate::backends::{Account, BackendError};
use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, ConnectivityType, Monitor, MonitorState, NativeStatus, ProductId,
    ProductSummary, RelatedParty, SimCard, Terminal, Usage, UsageSample,
};
use crate::text::sanitize;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireList {
    #[serde(default)]
    pub terminals: Vec<WireTerminal>,
    pub next_page_token: Option<String>,
    pub total_size: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireHardware {
    pub model: Option<String>,
    pub antenna: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireLocation {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub fix_time: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireVessel {
    pub imo: Option<String>,
    pub mmsi: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireSim {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub state: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTerminal {
    pub terminal_id: String,
    pub label: Option<String>,
    pub service_state: String,
    pub mobility: Option<String>,
    pub hardware: Option<WireHardware>,
    pub location: Option<WireLocation>,
    pub vessel: Option<WireVessel>,
    pub service_plan: Option<String>,
    pub sim: Option<WireSim>,
    pub active_job_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireBearer {
    pub bearer: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireConsumption {
    pub from: Option<String>,
    pub to: Option<String>,
    #[serde(default)]
    pub bearers: Vec<WireBearer>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireJob {
    pub job_id: String,
    pub terminal_id: Option<String>,
    #[serde(rename = "type")]
    pub job_type: String,
    pub phase: String,
    pub failure_reason: Option<String>,
    pub created_at: Option<String>,
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(sanitize)
}

impl WireTerminal {
    pub fn status(&self) -> NativeStatus {
        normalize(BackendKind::Galaxy1, &sanitize(&self.service_state))
    }

    fn position(&self) -> (Option<f64>, Option<f64>) {
        self.location
            .as_ref()
            .map_or((None, None), |l| (l.latitude, l.longitude))
    }

    pub fn summary(&self, account: &Account) -> ProductSummary {
        let (latitude, longitude) = self.position();
        let sim = self.sim.as_ref();
        ProductSummary {
            id: ProductId::new(BackendKind::Galaxy1, sanitize(&self.terminal_id)),
            related_party: RelatedParty {
                id: account.account_id.clone(),
                name: account.name.clone(),
            },
            connectivity: ConnectivityType::Satellite,
            status: self.status(),
            iccid: sim.map(|s| sanitize(&s.iccid)),
            imsi: sim.and_then(|s| opt(&s.imsi)),
            msisdn: sim.and_then(|s| opt(&s.msisdn)),
            serial: Some(sanitize(&self.terminal_id)),
            terminal_name: opt(&self.label),
            latitude,
            longitude,
            attrs: Vec::new(),
        }
    }

    pub fn terminal(&self) -> Terminal {
        let (latitude, longitude) = self.position();
        let mut characteristics = Vec::new();
        if let Some(job) = &self.active_job_id {
            // The monitor id under which the carrier-side job can be watched.
            let id = Monitor::make_id(BackendKind::Galaxy1, &sanitize(job));
            characteristics.push(Characteristic::new("activeJob", id));
        }
        Terminal {
            serial: sanitize(&self.terminal_id),
            name: opt(&self.label),
            status: self.status(),
            latitude,
            longitude,
            model: self.hardware.as_ref().and_then(|h| opt(&h.model)),
            mobility_type: opt(&self.mobility),
            antenna_code: self.hardware.as_ref().and_then(|h| opt(&h.antenna)),
            imo_number: self.vessel.as_ref().and_then(|v| opt(&v.imo)),
            mmsi: self.vessel.as_ref().and_then(|v| opt(&v.mmsi)),
            last_updated: self.location.as_ref().and_then(|l| opt(&l.fix_time)),
            characteristics,
        }
    }

    pub fn sim_card(&self) -> Option<SimCard> {
        let sim = self.sim.as_ref()?;
        Some(SimCard {
            iccid: sanitize(&sim.iccid),
            imsi: opt(&sim.imsi),
            msisdn: opt(&sim.msisdn),
            imei: None,
            status: normalize(BackendKind::Galaxy1, &sanitize(&sim.state)),
            characteristics: vec![Characteristic::new("simType", "embedded (LTE bearer)")],
        })
    }
}

impl WireConsumption {
    /// Bytes per bearer: `KA_BAND` is satellite, `LTE` cellular (three buckets when both).
    pub fn usage(&self) -> Result<Usage, String> {
        let mut cellular = Vec::new();
        let mut satellite = Vec::new();
        for b in &self.bearers {
            let sample = UsageSample {
                usage_type: UsageType::Data,
                amount: b.bytes as f64,
                units: Unit::Bytes,
                period_start: opt(&self.from),
                period_end: opt(&self.to),
            };
            match b.bearer.as_str() {
                "KA_BAND" => satellite.push(sample),
                "LTE" => cellular.push(sample),
                other => return Err(format!("unknown bearer '{}'", sanitize(other))),
            }
        }
        Ok(Usage::from_samples(&cellular, &satellite))
    }
}

impl WireJob {
    pub fn monitor(&self, account: &Account) -> Result<Monitor, BackendError> {
        let state = match self.phase.as_str() {
            "QUEUED" | "RUNNING" => MonitorState::InProgress,
            "SUCCEEDED" => MonitorState::Completed,
            "FAILED" => MonitorState::InError,
            other => {
                return Err(BackendError::Malformed {
                    backend: account.name.clone(),
                    detail: format!("unknown job phase '{}'", sanitize(other)),
                });
            }
        };
        let status_code = match state {
            MonitorState::InProgress => Some(202),
            MonitorState::Completed => Some(200),
            _ => Some(422),
        };
        Ok(Monitor {
            id: Monitor::make_id(BackendKind::Galaxy1, &sanitize(&self.job_id)),
            kind: BackendKind::Galaxy1,
            backend: account.name.clone(),
            product_id: self
                .terminal_id
                .as_deref()
                .map(|t| ProductId::new(BackendKind::Galaxy1, sanitize(t))),
            request: format!("carrier job {}", sanitize(&self.job_type)),
            state,
            status_code,
            detail: opt(&self.failure_reason),
            created: opt(&self.created_at).unwrap_or_default(),
            updated: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BucketLevel, Status};

    #[test]
    fn bundle_and_usage_mapping() {
        let t: WireTerminal = serde_json::from_value(serde_json::json!({
            "terminalId": "GX000000003", "serviceState": "InService",
            "sim": {"iccid": "8988247000000000030", "state": "InService"},
            "activeJobId": "J000000003"}))
        .expect("terminal");
        assert_eq!(t.status().status, Status::Active);
        assert_eq!(t.sim_card().map(|s| s.status.status), Some(Status::Active));
        assert_eq!(t.terminal().characteristics[0].value, "GALAXY1-J000000003");
        let c: WireConsumption = serde_json::from_value(serde_json::json!({"bearers": [
            {"bearer": "KA_BAND", "bytes": 2000}, {"bearer": "LTE", "bytes": 1000}]}))
        .expect("consumption");
        let u = c.usage().expect("usage");
        assert_eq!(
            u.bucket(BucketLevel::Global, UsageType::Data)
                .map(|b| b.amount),
            Some(3000.0)
        );
    }
}
