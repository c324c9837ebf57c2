//! AIRLINQ (Jio CMP) wire shapes — PROVISIONAL, see `docs/backends/airlinq.md` — and their
//! mapping onto the normalized model. Unknown fields are ignored; optional ones may be absent.

use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, DataConnectivity, MonitorState, SimCard, UsageSample,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireNetwork {
    pub operator: Option<String>,
    pub rat: Option<String>,
    pub ip_address: Option<String>,
}

/// One SIM of `GET …/sims` and `GET …/sims/{iccid}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSim {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub imei: Option<String>,
    pub sim_state: String,
    pub state_changed_on: Option<String>,
    pub activation_date: Option<String>,
    pub rate_plan: Option<String>,
    pub network: Option<WireNetwork>,
    #[serde(default)]
    pub apns: Vec<String>,
}

/// `GET …/sims?offset=&limit=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSimPage {
    pub total_count: u64,
    #[serde(default)]
    pub sims: Vec<WireSim>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireCycle {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireData {
    #[serde(default)]
    pub uplink_bytes: u64,
    #[serde(default)]
    pub downlink_bytes: u64,
}

/// `GET …/sims/{iccid}/usage`: the current billing cycle.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireUsage {
    pub billing_cycle: Option<WireCycle>,
    pub data: WireData,
}

/// `POST …/state-change` (202) and `GET …/transactions/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTransaction {
    pub transaction_id: String,
    pub status: String,
    pub iccid: Option<String>,
    pub from_state: Option<String>,
    pub requested_state: Option<String>,
    pub failure_reason: Option<String>,
    pub submitted_on: Option<String>,
}

impl WireSim {
    pub fn sim_card(&self) -> SimCard {
        let mut characteristics = Vec::new();
        if let Some(on) = &self.state_changed_on {
            characteristics.push(Characteristic::new("State changed", on));
        }
        SimCard {
            iccid: self.iccid.clone(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self.imei.clone(),
            status: normalize(BackendKind::Airlinq, &self.sim_state),
            characteristics,
        }
    }

    pub fn data_connectivity(&self) -> DataConnectivity {
        let network = self.network.as_ref();
        let mut characteristics = Vec::new();
        if let Some(ip) = network.and_then(|n| n.ip_address.as_ref()) {
            characteristics.push(Characteristic::new("IP address", ip));
        }
        DataConnectivity {
            network_provider: network.and_then(|n| n.operator.clone()),
            connectivity_type: network.and_then(|n| n.rat.clone()),
            communication_plan: self.rate_plan.clone(),
            apns: self.apns.clone(),
            characteristics,
        }
    }
}

impl WireUsage {
    /// Up- and downlink of the cycle, as one data sample in bytes.
    pub fn sample(&self) -> UsageSample {
        let cycle = self.billing_cycle.as_ref();
        UsageSample {
            usage_type: UsageType::Data,
            amount: (self.data.uplink_bytes + self.data.downlink_bytes) as f64,
            units: Unit::Bytes,
            period_start: cycle.and_then(|c| c.start.clone()),
            period_end: cycle.and_then(|c| c.end.clone()),
        }
    }
}

impl WireTransaction {
    /// `SUBMITTED`/`PROCESSING` → in progress, `SUCCESS` → completed, `FAILED` → in error.
    pub fn state(&self) -> Option<MonitorState> {
        match self.status.as_str() {
            "SUBMITTED" | "PROCESSING" => Some(MonitorState::InProgress),
            "SUCCESS" => Some(MonitorState::Completed),
            "FAILED" => Some(MonitorState::InError),
            _ => None,
        }
    }

    /// "status ACTIVE → SUSPENDED" from the native states the transaction names.
    pub fn describe(&self) -> String {
        let norm = |s: &Option<String>| {
            s.as_deref().map_or("?".to_string(), |n| {
                normalize(BackendKind::Airlinq, n).status.to_string()
            })
        };
        format!(
            "status {} → {}",
            norm(&self.from_state),
            norm(&self.requested_state)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    #[test]
    fn sims_and_transactions_map_to_the_model() {
        let sim: WireSim = serde_json::from_str(
            r#"{"iccid":"8991","simState":"SUSPEND","ratePlan":"P","apns":["jionet"],
                "network":{"operator":"Jio","rat":"LTE-M","ipAddress":"10.0.0.1"}}"#,
        )
        .unwrap();
        assert_eq!(sim.sim_card().status.status, Status::Suspended);
        let dc = sim.data_connectivity();
        assert_eq!(dc.network_provider.as_deref(), Some("Jio"));
        assert_eq!(dc.apns, vec!["jionet".to_string()]);
        let t: WireTransaction = serde_json::from_str(
            r#"{"transactionId":"TXN1","status":"FAILED","fromState":"ACTIVE","requestedState":"SUSPEND"}"#,
        )
        .unwrap();
        assert_eq!(t.state(), Some(MonitorState::InError));
        assert_eq!(t.describe(), "status ACTIVE → SUSPENDED");
        let odd = WireTransaction {
            status: "WEIRD".into(),
            ..t
        };
        assert_eq!(odd.state(), None);
    }
}
