//! Turkcell wire shapes — PROVISIONAL, see `docs/backends/turkcell.md` — and their mapping onto
//! the normalized model. A line's status is the composite of its contract status and five
//! barring flags ([`normalize_turkcell`]); the flags are shown as SIM card characteristics.

use crate::domain::mapping::{TurkcellBarrings, normalize_turkcell};
use crate::domain::usage::{Unit, UsageType};
use crate::domain::{Characteristic, DataConnectivity, SimCard, UsageSample};
use serde::Deserialize;

/// Barring flags as the API sends them: `"Y"` or `"N"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireBarring {
    pub incoming_sms: String,
    pub outgoing_sms: String,
    pub incoming_voice: String,
    pub outgoing_voice: String,
    pub data: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireLine {
    pub iccid: String,
    pub imsi: Option<String>,
    pub msisdn: Option<String>,
    pub imei: Option<String>,
    pub contract_status: String,
    pub barring: WireBarring,
    pub tariff_name: Option<String>,
    /// Comma-separated APN names.
    pub apn_list: Option<String>,
    pub network: Option<String>,
    pub radio_type: Option<String>,
    pub activation_date: Option<String>,
}

/// `GET lines?limit=&after=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireLinesPage {
    #[serde(default)]
    pub lines: Vec<WireLine>,
    pub next_cursor: Option<String>,
}

/// `GET lines/{iccid}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireLineReply {
    pub line: WireLine,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireUsage {
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    #[serde(rename = "dataKB")]
    pub data_kb: f64,
}

/// `GET lines/{iccid}/usage`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireUsageReply {
    pub usage: WireUsage,
}

fn flag(name: &str, value: &str) -> Result<bool, String> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("Y") => Ok(true),
        v if v.eq_ignore_ascii_case("N") => Ok(false),
        other => Err(format!("barring flag {name} is '{other}', expected Y or N")),
    }
}

impl WireLine {
    pub fn barrings(&self) -> Result<TurkcellBarrings, String> {
        let b = &self.barring;
        Ok(TurkcellBarrings {
            in_sms: flag("incomingSms", &b.incoming_sms)?,
            out_sms: flag("outgoingSms", &b.outgoing_sms)?,
            in_calls: flag("incomingVoice", &b.incoming_voice)?,
            out_calls: flag("outgoingVoice", &b.outgoing_voice)?,
            data: flag("data", &b.data)?,
        })
    }

    /// The SIM card with its composite status and the contract status and five flags shown as
    /// characteristics (`In SMS barred` = `Y`/`N`, …).
    pub fn sim_card(&self) -> Result<SimCard, String> {
        let barrings = self.barrings()?;
        let mut characteristics = vec![Characteristic::new(
            "Contract status",
            self.contract_status.clone(),
        )];
        characteristics.extend(
            barrings
                .flags()
                .iter()
                .map(|(name, on)| Characteristic::new(*name, if *on { "Y" } else { "N" })),
        );
        Ok(SimCard {
            iccid: self.iccid.clone(),
            imsi: self.imsi.clone(),
            msisdn: self.msisdn.clone(),
            imei: self.imei.clone(),
            status: normalize_turkcell(&self.contract_status, barrings),
            characteristics,
        })
    }

    pub fn data_connectivity(&self) -> DataConnectivity {
        let apns = self
            .apn_list
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        DataConnectivity {
            network_provider: self.network.clone(),
            connectivity_type: self.radio_type.clone(),
            communication_plan: self.tariff_name.clone(),
            apns,
            characteristics: Vec::new(),
        }
    }
}

impl WireUsage {
    pub fn sample(&self) -> UsageSample {
        UsageSample {
            usage_type: UsageType::Data,
            amount: self.data_kb,
            units: Unit::Kb,
            period_start: self.period_start.clone(),
            period_end: self.period_end.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Status;

    fn line(contract: &str, flags: [&str; 5]) -> WireLine {
        let [a, b, c, d, e] = flags;
        serde_json::from_value(serde_json::json!({
            "iccid": "8990", "contractStatus": contract, "apnList": "m2m.turkcell, internet",
            "barring": {"incomingSms": a, "outgoingSms": b, "incomingVoice": c,
                        "outgoingVoice": d, "data": e},
        }))
        .unwrap()
    }

    #[test]
    fn flags_become_status_and_characteristics() {
        let clear = line("a", ["N"; 5]).sim_card().unwrap();
        assert_eq!(clear.status.status, Status::Active);
        assert_eq!(clear.characteristics.len(), 6);
        let data_barred = line("a", ["N", "N", "N", "N", "Y"]).sim_card().unwrap();
        assert_eq!(data_barred.status.status, Status::Suspended);
        assert!(
            data_barred
                .characteristics
                .contains(&Characteristic::new("Data barred", "Y"))
        );
        assert_eq!(
            line("d", ["Y"; 5]).sim_card().unwrap().status.status,
            Status::Terminated
        );
        assert!(line("a", ["N", "N", "?", "N", "N"]).sim_card().is_err());
        assert_eq!(
            line("a", ["N"; 5]).data_connectivity().apns,
            vec!["m2m.turkcell".to_string(), "internet".to_string()]
        );
    }
}
