//! Control Center session state (docs/backends/control-center.md, "Session state"): one `GET
//! {base}/devices/{iccid}/sessionInfo`, the published "Get Session Details" answer `{iccid,
//! ipAddress, ipv6Address, dateSessionStarted, dateSessionEnded}`. It knows data sessions
//! only: a device is online while its session has a start and no end, and otherwise "not in
//! session" — never "not attached", which Control Center does not say.

use super::ControlCenter;
use crate::backends::{BackendResult, kit};
use crate::domain::session::parse_instant;
use crate::domain::{NetworkState, SessionState};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Text, or `None` for null, absent, blank or the literal `null` some deployments send.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s))
            if !s.trim().is_empty() && !s.trim().eq_ignore_ascii_case("null") =>
        {
            Some(s.trim().to_string())
        }
        _ => None,
    })
}

/// `GET /devices/{iccid}/sessionInfo`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireSessionInfo {
    #[serde(default, deserialize_with = "text")]
    pub ip_address: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ipv6_address: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_session_started: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date_session_ended: Option<String>,
}

impl WireSessionInfo {
    pub fn session_state(&self) -> SessionState {
        let start = self.date_session_started.as_deref().and_then(parse_instant);
        let end = self.date_session_ended.as_deref().and_then(parse_instant);
        // An end that is present but unreadable still means the session ended.
        let ended = self.date_session_ended.is_some();
        let (state, native) = if self.date_session_started.is_some() && !ended {
            (NetworkState::Online, "in session")
        } else {
            (NetworkState::NoSession, "not in session")
        };
        let mut s = SessionState::new(state, native);
        s.session_start = start;
        s.session_end = end;
        s.ip_address = self
            .ip_address
            .clone()
            .or_else(|| self.ipv6_address.clone());
        s
    }
}

impl ControlCenter {
    pub(super) async fn session(&self, iccid: &str) -> BackendResult<SessionState> {
        let url = format!("{}/devices/{iccid}/sessionInfo", self.base);
        let wire: WireSessionInfo = self
            .policy
            .send_json("session details", |c| c.get(&url))
            .await
            .map_err(kit::name_sim(iccid))?;
        Ok(wire.session_state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> SessionState {
        serde_json::from_value::<WireSessionInfo>(v)
            .unwrap()
            .session_state()
    }

    #[test]
    fn a_session_without_an_end_is_online_and_an_ended_one_is_not() {
        let s = parse(serde_json::json!({"iccid": "8901", "ipAddress": "10.0.0.1",
            "dateSessionStarted": "2016-07-06 22:04:04.380+0000", "dateSessionEnded": null}));
        assert_eq!(s.state, NetworkState::Online);
        assert_eq!(s.session_start, parse_instant("2016-07-06T22:04:04.380Z"));
        assert_eq!(s.ip_address.as_deref(), Some("10.0.0.1"));
        let s = parse(
            serde_json::json!({"ipAddress": "", "ipv6Address": "fd00::1",
            "dateSessionStarted": "2016-07-06 22:04:04.380+0000",
            "dateSessionEnded": "2016-07-06 23:00:00.000+0000"}),
        );
        assert_eq!(s.state, NetworkState::NoSession);
        assert_eq!(s.since(), parse_instant("2016-07-06T23:00:00Z"));
        assert_eq!(s.ip_address.as_deref(), Some("fd00::1"));
    }

    #[test]
    fn no_dates_is_no_session_on_record() {
        let s = parse(serde_json::json!({"iccid": "8901", "dateSessionStarted": "null"}));
        assert_eq!(
            (s.state, s.session_start, s.since()),
            (NetworkState::NoSession, None, None)
        );
        let s = parse(serde_json::json!({"dateSessionStarted": "x", "dateSessionEnded": "y"}));
        assert_eq!(
            s.state,
            NetworkState::NoSession,
            "an unreadable end still ended"
        );
    }
}
