//! The network side of a simulated 1NCE SIM: `GET /v1/sims/{iccid}/status` in the published
//! `Connectivity` shape (docs/backends/1nce.md, "Session state"). Seeded per SIM and anchored
//! to the wall clock so the demo reads like a live fleet: about half the enabled SIMs are
//! ONLINE (a PDP context opened minutes to hours ago), a quarter ATTACHED (last location
//! update within hours), a quarter OFFLINE for hours or days; a disabled SIM is never in
//! session.

use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{Value, json};

use super::sims::{SimRow, stamp};
use crate::sim::inventory::{self, weighted};

const CONNECTIVITY_WEIGHTS: [(&str, u32); 3] = [("ONLINE", 50), ("ATTACHED", 25), ("OFFLINE", 25)];

/// Serving networks: (operator id, operator, country id, country, ISO code, MCC).
const NETWORKS: [(&str, &str, &str, &str, &str, &str); 5] = [
    ("2", "Telekom", "74", "Germany", "de", "262"),
    ("3", "Vodafone", "74", "Germany", "de", "262"),
    ("17", "A1", "14", "Austria", "at", "232"),
    ("21", "Orange", "73", "France", "fr", "208"),
    ("40", "KPN", "150", "Netherlands", "nl", "204"),
];

/// Radio types a 1NCE PDP context reports (`rat_type.description`), with their ids.
const RATS: [(&str, &str); 3] = [("6", "4G"), ("8", "NB-IoT"), ("2", "2G")];

impl SimRow {
    /// `GET /v1/sims/{iccid}/status` as of `now`.
    pub fn connectivity_json(&self, now: DateTime<Utc>) -> Value {
        let h = |salt| inventory::row_hash(self.seed, self.index, salt);
        let enabled = self.status == "Enabled";
        let state = if enabled {
            weighted(&CONNECTIVITY_WEIGHTS, h(9))
        } else {
            "OFFLINE"
        };
        // How long ago the network last heard of the SIM: minutes when it is in session or
        // attached, hours to days when it is offline, days to months when it is disabled.
        let seen = match state {
            "ONLINE" => now - Span::seconds(30 + (h(10) % 1_800) as i64),
            "ATTACHED" => now - Span::seconds(60 + (h(10) % (6 * 3_600)) as i64),
            _ if enabled => now - Span::seconds(2 * 3_600 + (h(10) % (3 * 86_400)) as i64),
            // Disabled through the API: seen last when it was disabled; a generated disabled
            // SIM went quiet one to 120 days ago.
            _ if self.status_changed > self.activation => self.status_changed,
            _ => now - Span::seconds(86_400 + (h(10) % (120 * 86_400)) as i64),
        };
        let (op_id, operator, country_id, country, iso, mcc) =
            NETWORKS[(h(14) % NETWORKS.len() as u64) as usize];
        let (rat_id, rat) = RATS[(h(15) % RATS.len() as u64) as usize];
        let pdp = (state == "ONLINE").then(|| {
            // The session began 5 minutes to 20 hours ago, before the last update.
            let created = seen - Span::seconds(300 + (h(16) % (20 * 3_600)) as i64);
            let lasted = (now - created).num_seconds().max(0);
            json!({
                "pdp_context_id": (h(11) % 10_000_000).to_string(),
                "endpoint_id": (h(12) % 1_000_000).to_string(),
                "tariff_profile_id": "35",
                "tariff_id": "54",
                "ratezone_id": "70",
                "organisation_id": "1",
                "imsi_id": (h(13) % 10_000_000).to_string(),
                "imsi": self.imsi,
                "sim_id": (self.index + 1).to_string(),
                "mcc": mcc,
                "operator_id": op_id,
                "apn": "iot.1nce.net",
                "ue_ip_address": inventory::private_ipv4(self.index),
                "rat_type": {"rat_type_id": rat_id, "description": rat},
                "created": stamp(created),
                "duration": format!("{:02}:{:02}:{:02}", lasted / 3_600, lasted / 60 % 60, lasted % 60),
            })
        });
        json!({
            "status": state,
            "location": {
                "iccid": self.iccid,
                "imsi": self.imsi,
                "last_updated": stamp(seen),
                "last_updated_gprs": stamp(seen),
                "sgsn_number": "491770695700",
                "vlr_number": "491770940000",
                "msc": "491770940000",
                "sgsn_ip_address": "212.23.107.88",
                "operator_id": op_id,
                "operator": {"id": op_id, "name": operator,
                    "country": {"id": country_id, "name": country, "iso-code": iso}},
                "country": {"country_id": country_id, "name": country, "mcc": mcc, "iso-code": iso},
            },
            "pdp_context": pdp,
            "services": if state == "OFFLINE" { json!([]) } else { json!(["GPRS", "SMS"]) },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_sims_are_never_in_session_and_enabled_ones_cover_every_state() {
        let now = Utc::now();
        let mut seen = std::collections::HashSet::new();
        for index in 0..400 {
            let row = SimRow::generate(7, 1_000, index, None);
            let v = row.connectivity_json(now);
            let state = v["status"].as_str().unwrap_or_default().to_string();
            if row.status == "Disabled" {
                assert_eq!(state, "OFFLINE");
                assert!(v["pdp_context"].is_null());
            } else {
                assert_eq!(v["pdp_context"].is_null(), state != "ONLINE", "{v}");
                seen.insert(state);
            }
        }
        assert_eq!(seen.len(), 3, "{seen:?}");
    }
}
