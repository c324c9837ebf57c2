//! `GET terminals/{id}/link` of the simulated GALAXY1 API — a PROVISIONAL call we designed
//! (docs/backends/galaxy1.md, "Session state"): whether the terminal's link is up, since
//! when, over which bearer and with which IP. Seeded per terminal and anchored to the wall
//! clock: most terminals in service are UP (on Ka band, some on their LTE backup), the rest
//! DOWN for hours; a terminal not in service has never had a link.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{Duration as Span, Utc};
use serde_json::{Value, json};

use super::{Reply, Shared, fleet, row};
use crate::sim::inventory::{private_ipv4, row_hash};
use axum::response::IntoResponse;

/// Salt of the link's hash, apart from the fleet's.
const SALT_LINK: u64 = 0x11_4E;

pub(super) async fn link(State(g): State<Shared>, Path(id): Path<String>) -> Reply {
    let i = row(&g, &id)?;
    Ok(Json(render(g.seed, i, fleet::state(g.seed, i, g.jobs_done()))).into_response())
}

fn render(seed: u64, i: u64, service_state: &str) -> Value {
    let h = row_hash(seed, i, SALT_LINK);
    let now = Utc::now();
    let stamp = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let bearer = if h.is_multiple_of(5) {
        "LTE"
    } else {
        "KA_BAND"
    };
    let (state, since, bearer, ip) = match service_state {
        "InService" if h % 10 < 7 => {
            let since = now - Span::seconds((300 + (h >> 8) % (30 * 3_600)) as i64);
            (
                "UP",
                Some(stamp(since)),
                Some(bearer),
                Some(private_ipv4(i)),
            )
        }
        "InService" => {
            let since = now - Span::seconds((3_600 + (h >> 8) % (2 * 86_400)) as i64);
            (
                "DOWN",
                Some(stamp(since)),
                Some(bearer),
                Some(private_ipv4(i)),
            )
        }
        _ => ("DOWN", None, None, None),
    };
    json!({
        "terminalId": fleet::terminal_id(i),
        "state": state,
        "since": since,
        "bearer": bearer,
        "ipAddress": ip,
    })
}
