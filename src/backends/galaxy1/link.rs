//! GALAXY1 session state from the PROVISIONAL `GET {base}/terminals/{terminalId}/link` we
//! designed (docs/backends/galaxy1.md, "Session state"): `{terminalId, state: UP|DOWN, since,
//! bearer: KA_BAND|LTE, ipAddress}`. UP is online since `since` (the link's start); DOWN is
//! not attached, since `since` when the link ever was up.

use super::Galaxy1;
use crate::backends::{BackendResult, kit};
use crate::domain::session::parse_instant;
use crate::domain::{NetworkState, SessionState};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireLink {
    pub state: String,
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub bearer: Option<String>,
    #[serde(default)]
    pub ip_address: Option<String>,
}

impl WireLink {
    pub fn session_state(&self) -> SessionState {
        let up = self.state.trim().eq_ignore_ascii_case("UP");
        let state = if up {
            NetworkState::Online
        } else {
            NetworkState::Offline
        };
        let since = self.since.as_deref().and_then(parse_instant);
        let mut s = SessionState::new(state, self.state.trim());
        if up {
            s.session_start = since;
        } else {
            s.session_end = since;
        }
        s.radio = self.bearer.clone().filter(|b| !b.trim().is_empty());
        s.ip_address = self.ip_address.clone().filter(|ip| !ip.trim().is_empty());
        s
    }
}

impl Galaxy1 {
    pub(super) async fn link(&self, terminal_id: &str) -> BackendResult<SessionState> {
        let url = format!("{}/terminals/{terminal_id}/link", self.base);
        let wire: WireLink = self
            .policy
            .send_json("a terminal link", |c| c.get(&url))
            .await
            .map_err(kit::named(format!("terminal {terminal_id}")))?;
        Ok(wire.session_state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_is_online_since_the_link_began_and_down_is_offline_since_it_ended() {
        let up: WireLink = serde_json::from_value(serde_json::json!({"terminalId": "GX1",
            "state": "UP", "since": "2026-03-04T10:00:00Z", "bearer": "KA_BAND",
            "ipAddress": "10.0.0.9"}))
        .unwrap();
        let s = up.session_state();
        assert_eq!(s.state, NetworkState::Online);
        assert_eq!(s.since(), parse_instant("2026-03-04T10:00:00Z"));
        assert_eq!(s.radio.as_deref(), Some("KA_BAND"));
        let down: WireLink =
            serde_json::from_value(serde_json::json!({"state": "DOWN", "since": null})).unwrap();
        let s = down.session_state();
        assert_eq!(
            (s.state, s.since(), s.radio),
            (NetworkState::Offline, None, None)
        );
    }
}
