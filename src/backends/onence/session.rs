//! 1NCE session / attach state (docs/backends/1nce.md, "Session state"): one `GET
//! /v1/sims/{iccid}/status`, the published `Connectivity` object — `status` OFFLINE / ONLINE /
//! ATTACHED (network state, not the SIM's lifecycle), `location` (last update, operator,
//! country) and `pdp_context` (when ONLINE: `created`, `ue_ip_address`, `rat_type`).

use super::OneNce;
use super::wire::WireConnectivity;
use crate::backends::{BackendResult, kit};
use crate::domain::session::parse_instant;
use crate::domain::{NetworkState, SessionState};
use serde_json::Value;

/// The text at `path` in `value`: a string or a number (1NCE sends ids either way).
fn at(value: Option<&Value>, path: &[&str]) -> Option<String> {
    let mut cur = value?;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first of `paths` that holds text.
fn first(value: Option<&Value>, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| at(value, p))
}

impl WireConnectivity {
    /// The normalized state. A `status` 1NCE does not document (`BLOCKED` in v2, or anything
    /// new) is read as not attached, with the carrier's word kept in `native`.
    pub fn session_state(&self) -> SessionState {
        let native = self.status.clone().unwrap_or_default();
        let state = match native.trim().to_ascii_uppercase().as_str() {
            "ONLINE" => NetworkState::Online,
            "ATTACHED" => NetworkState::Attached,
            _ => NetworkState::Offline,
        };
        let loc = self.location.as_ref();
        // `pdp_context` is null while no session is open; an empty object says the same.
        let pdp = self
            .pdp_context
            .as_ref()
            .filter(|p| p.as_object().is_some_and(|o| !o.is_empty()));
        let mut s = SessionState::new(state, native);
        s.session_start = at(pdp, &["created"]).as_deref().and_then(parse_instant);
        s.last_seen = first(loc, &[&["last_updated"], &["last_updated_gprs"]])
            .as_deref()
            .and_then(parse_instant);
        s.ip_address = at(pdp, &["ue_ip_address"]);
        s.radio = first(pdp, &[&["rat_type", "description"], &["rat_type"]]);
        // The published spec spells it `iso-code`; accept `iso_code` too.
        s.country = first(
            loc,
            &[
                &["country", "iso-code"],
                &["country", "iso_code"],
                &["operator", "country", "iso-code"],
                &["operator", "country", "iso_code"],
            ],
        )
        .map(|c| c.to_ascii_uppercase());
        s.operator = first(loc, &[&["operator", "name"]]);
        s
    }
}

impl OneNce {
    pub(super) async fn session(&self, iccid: &str) -> BackendResult<SessionState> {
        let url = format!("{}/v1/sims/{iccid}/status", self.base);
        let wire: WireConnectivity = self
            .policy
            .send_json("a SIM connectivity status object", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))?;
        Ok(wire.session_state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> SessionState {
        serde_json::from_value::<WireConnectivity>(v)
            .unwrap()
            .session_state()
    }

    #[test]
    fn an_online_sim_has_its_pdp_context_read() {
        let s = parse(serde_json::json!({
            "status": "ONLINE",
            "location": {"last_updated": "2026-03-04T10:00:00.000+0000",
                "operator": {"id": "2", "name": "Telekom", "country": {"iso-code": "de"}},
                "country": {"country_id": "74", "name": "Germany", "iso-code": "de"}},
            "pdp_context": {"created": "2026-03-04T09:15:00.000+0000", "ue_ip_address": "10.0.1.2",
                "rat_type": {"rat_type_id": "6", "description": "4G"}},
            "services": ["GPRS", "SMS"]
        }));
        assert_eq!(s.state, NetworkState::Online);
        assert_eq!(s.ip_address.as_deref(), Some("10.0.1.2"));
        assert_eq!(s.radio.as_deref(), Some("4G"));
        assert_eq!(s.country.as_deref(), Some("DE"));
        assert_eq!(s.operator.as_deref(), Some("Telekom"));
        assert_eq!(s.session_start, parse_instant("2026-03-04T09:15:00Z"));
        assert_eq!(s.since(), s.session_start);
    }

    #[test]
    fn offline_and_unknown_words_are_not_online_and_missing_parts_are_none() {
        let s = parse(serde_json::json!({"status": "OFFLINE", "pdp_context": null}));
        assert_eq!((s.state, s.since()), (NetworkState::Offline, None));
        assert_eq!(s.ip_address, None);
        let s = parse(serde_json::json!({"status": "BLOCKED", "pdp_context": {}}));
        assert_eq!(
            (s.state, s.native.as_str()),
            (NetworkState::Offline, "BLOCKED")
        );
        let s = parse(serde_json::json!({"status": "attached",
            "location": {"last_updated": "garbage", "country": {"iso_code": "at"}}}));
        assert_eq!(s.state, NetworkState::Attached);
        assert_eq!((s.last_seen, s.country.as_deref()), (None, Some("AT")));
    }
}
