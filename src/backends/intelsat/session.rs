//! Intelsat online/offline (docs/backends/intelsat.md, "Session state"): no session call
//! exists in the provisional API, so the state is the terminal's `aggregatedStatus` from the
//! same `GET …/terminals/{serial}` the detail reads — `online` is online, any other word
//! (`offline`, `suspended`, `new`) is not attached — and `lastUpdated` is the last report.

use super::wire::WireTerminal;
use crate::domain::session::parse_instant;
use crate::domain::{NetworkState, SessionState};

impl WireTerminal {
    /// `None` when the terminal carries no aggregated status: nothing to say.
    pub fn session_state(&self) -> Option<SessionState> {
        let native = self.aggregated_status.as_deref()?.trim();
        if native.is_empty() {
            return None;
        }
        let state = if native.eq_ignore_ascii_case("online") {
            NetworkState::Online
        } else {
            NetworkState::Offline
        };
        let mut s = SessionState::new(state, native);
        s.last_seen = self.last_updated.as_deref().and_then(parse_instant);
        s.radio = Some("satellite".to_string());
        Some(s)
    }
}
