//! `GET /devices/{iccid}/sessionInfo` of the simulated Control Center (docs/backends/
//! control-center.md, "Session state"), in the published shape `{iccid, ipAddress,
//! ipv6Address, dateSessionStarted, dateSessionEnded}`. Seeded per device and anchored to the
//! wall clock: about half the ACTIVATED devices are in session (started minutes to hours ago,
//! no end), the rest ended their last session hours to days ago; TEST_READY, DEACTIVATED and
//! RETIRED devices ended theirs before their last change; a device never in service has none.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{Value, json};

use super::devices::{DeviceRow, stamp};
use super::handlers::find;
use super::{ApiError, Shared};
use crate::sim::inventory::{self, row_hash};

pub(super) async fn session_info(
    State(sim): State<Shared>,
    Path(iccid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(find(&sim, &iccid)?.session_json(Utc::now())))
}

impl DeviceRow {
    /// The device's current or last data session as of `now`.
    pub fn session_json(&self, now: DateTime<Utc>) -> Value {
        let h = |salt| row_hash(self.seed, self.index, salt);
        let secs = |s: u64| Span::seconds(s as i64);
        let session: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = match self.status.as_str() {
            "ACTIVATED" if h(40).is_multiple_of(2) => {
                Some((now - secs(300 + h(41) % (20 * 3_600)), None))
            }
            "ACTIVATED" => {
                let ended = now - secs(3_600 + h(41) % (3 * 86_400));
                Some((ended - secs(600 + h(42) % (8 * 3_600)), Some(ended)))
            }
            "TEST_READY" | "DEACTIVATED" | "RETIRED" => {
                let ended = self.date_updated - secs(600 + h(41) % 86_400);
                Some((ended - secs(600 + h(42) % 3_600), Some(ended)))
            }
            _ => None,
        };
        let ip = session.map(|_| inventory::private_ipv4(self.index));
        json!({
            "iccid": self.iccid,
            "ipAddress": ip,
            "ipv6Address": Value::Null,
            "dateSessionStarted": session.map(|(start, _)| stamp(start)),
            "dateSessionEnded": session.and_then(|(_, end)| end).map(stamp),
        })
    }
}
