//! STC ConnectME wire shapes — PROVISIONAL, see `docs/backends/stc.md` — and their mapping onto
//! the normalized model. Unknown fields are ignored; optional ones may be absent.

use crate::domain::mapping::normalize;
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{
    BackendKind, Characteristic, DataConnectivity, MonitorState, SimCard, UsageSample,
};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WirePlan {
    pub code: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireApn {
    pub apn_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireNetwork {
    pub operator_name: Option<String>,
    pub access_technology: Option<String>,
}

/// One subscription (a SIM) of `GET …/subscriptions` and `GET …/subscriptions/{iccid}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSubscription {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub imei: Option<String>,
    pub lifecycle_status: String,
    pub lifecycle_status_date: Option<String>,
    pub activation_date: Option<String>,
    pub service_plan: Option<WirePlan>,
    #[serde(default)]
    pub apn_list: Vec<WireApn>,
    pub network: Option<WireNetwork>,
    pub static_ip: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WirePagination {
    pub page_number: u64,
    pub total_pages: u64,
    pub total_records: Option<u64>,
}

/// `GET …/subscriptions?pageNumber=&pageSize=`.
#[derive(Debug, Clone, Deserialize)]
pub struct WirePage {
    #[serde(default)]
    pub data: Vec<WireSubscription>,
    pub pagination: WirePagination,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WirePeriod {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireItem {
    pub service: String,
    pub quantity: f64,
    pub unit: String,
}

/// `GET …/subscriptions/{iccid}/consumption`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireConsumption {
    pub period: Option<WirePeriod>,
    #[serde(default)]
    pub items: Vec<WireItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireRef {
    pub iccid: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireRejection {
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// `PATCH …/subscriptions/{iccid}` (202) and `GET …/orders/{orderId}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireOrder {
    pub order_id: String,
    pub order_status: String,
    pub subscription: Option<WireRef>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub rejection: Option<WireRejection>,
    pub created_at: Option<String>,
}

impl WireSubscription {
    pub fn sim_card(&self) -> SimCard {
        let mut characteristics = Vec::new();
        if let Some(d) = &self.lifecycle_status_date {
            characteristics.push(Characteristic::new("Lifecycle status date", d));
        }
        SimCard {
            iccid: self.iccid.clone(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self.imei.clone(),
            status: normalize(BackendKind::Stc, &self.lifecycle_status),
            characteristics,
        }
    }

    pub fn data_connectivity(&self) -> DataConnectivity {
        let mut characteristics = Vec::new();
        if let Some(code) = self.service_plan.as_ref().and_then(|p| p.code.as_ref()) {
            characteristics.push(Characteristic::new("Service plan code", code));
        }
        if let Some(ip) = &self.static_ip {
            characteristics.push(Characteristic::new("Static IP", ip));
        }
        let network = self.network.as_ref();
        DataConnectivity {
            network_provider: network.and_then(|n| n.operator_name.clone()),
            connectivity_type: network.and_then(|n| n.access_technology.clone()),
            communication_plan: self.service_plan.as_ref().and_then(|p| p.name.clone()),
            apns: self.apn_list.iter().map(|a| a.apn_name.clone()).collect(),
            characteristics,
        }
    }
}

impl WireConsumption {
    /// The data items in their own units; other services (SMS) are not volume.
    pub fn samples(&self) -> Result<Vec<UsageSample>, String> {
        let period = self.period.as_ref();
        self.items
            .iter()
            .filter(|i| i.service.eq_ignore_ascii_case("DATA"))
            .map(|i| {
                let units = match i.unit.to_ascii_uppercase().as_str() {
                    "B" | "BYTES" => Unit::Bytes,
                    "KB" => Unit::Kb,
                    "MB" => Unit::Mb,
                    "GB" => Unit::Gb,
                    other => return Err(format!("unknown data unit '{other}'")),
                };
                Ok(UsageSample {
                    usage_type: UsageType::Data,
                    amount: i.quantity,
                    units,
                    period_start: period.and_then(|p| p.from.clone()),
                    period_end: period.and_then(|p| p.to.clone()),
                })
            })
            .collect()
    }
}

impl WireOrder {
    /// `ACKNOWLEDGED`/`IN_PROGRESS` → in progress, `COMPLETED`, `REJECTED`/`FAILED` → in error.
    pub fn state(&self) -> Option<MonitorState> {
        match self.order_status.as_str() {
            "ACKNOWLEDGED" | "IN_PROGRESS" => Some(MonitorState::InProgress),
            "COMPLETED" => Some(MonitorState::Completed),
            "REJECTED" | "FAILED" => Some(MonitorState::InError),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        let norm = |s: &Option<String>| {
            s.as_deref().map_or("?".to_string(), |n| {
                normalize(BackendKind::Stc, n).status.to_string()
            })
        };
        format!(
            "status {} → {}",
            norm(&self.from_status),
            norm(&self.to_status)
        )
    }

    /// "CODE: text" of a rejection.
    pub fn rejection_text(&self) -> Option<String> {
        let r = self.rejection.as_ref()?;
        match (&r.reason_code, &r.reason_text) {
            (Some(c), Some(t)) => Some(format!("{c}: {t}")),
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    #[test]
    fn subscriptions_consumption_and_orders_map_to_the_model() {
        let s: WireSubscription = serde_json::from_str(
            r#"{"iccid":"8996","lifecycleStatus":"CEASE","apnList":[{"apnName":"m2m.stc"}],
                "servicePlan":{"code":"SP1","name":"Fleet"}}"#,
        )
        .unwrap();
        assert_eq!(s.sim_card().status.status, Status::PendingTerminate);
        assert_eq!(
            s.data_connectivity().communication_plan.as_deref(),
            Some("Fleet")
        );
        let c: WireConsumption = serde_json::from_str(
            r#"{"items":[{"service":"DATA","quantity":1.5,"unit":"MB"},
                {"service":"SMS","quantity":3,"unit":"EVENT"}]}"#,
        )
        .unwrap();
        let samples = c.samples().unwrap();
        assert_eq!((samples.len(), samples[0].units), (1, Unit::Mb));
        let bad: WireConsumption =
            serde_json::from_str(r#"{"items":[{"service":"DATA","quantity":1,"unit":"parsecs"}]}"#)
                .unwrap();
        assert!(bad.samples().is_err());
        let o: WireOrder = serde_json::from_str(
            r#"{"orderId":"ORD-1","orderStatus":"REJECTED","fromStatus":"ACTIVE","toStatus":"SUSPENDED",
                "rejection":{"reasonCode":"X","reasonText":"no"}}"#,
        )
        .unwrap();
        assert_eq!(o.state(), Some(MonitorState::InError));
        assert_eq!(o.rejection_text().as_deref(), Some("X: no"));
        assert_eq!(o.describe(), "status ACTIVE → SUSPENDED");
    }
}
