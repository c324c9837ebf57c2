//! `monitors list|get|cancel`: asynchronous carrier requests. `list` shows every monitor any cmo
//! process created, pending ones first refreshed from their carriers (bounded; a carrier that
//! cannot answer leaves the stored state, labelled with its age); `get` asks the carrier; both
//! record answers through `Gate::record_monitor` (a final outcome journaled once). `cancel` goes
//! through the gate (read-only, journal) — only platforms whose table says so can cancel (exit 3
//! otherwise).

use super::change::final_exit;
use super::confirm::{self, Decision};
use super::error::{CliError, exit};
use super::{json, output, text};
use crate::domain::Monitor;
use crate::domain::capabilities::{self, Operation};
use crate::engine::Gate;
use crate::engine::poller::{in_error, is_permanent};
use crate::store::{StoreError, StoreHandle};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use std::time::Duration;

/// `3s`, `12m`, `5h`, `2d`: how long ago `time` (RFC 3339) was; `-` when unreadable.
pub fn age(time: &str, now: DateTime<Utc>) -> String {
    let Ok(then) = DateTime::parse_from_rfc3339(time) else {
        return "-".into();
    };
    let secs = (now - then.with_timezone(&Utc)).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// How long `monitors list` waits for one carrier's answer before showing the stored state.
pub const REFRESH_TIMEOUT: Duration = Duration::from_secs(5);
/// How many carriers `monitors list` asks at once.
const REFRESH_IN_FLIGHT: usize = 8;

/// How fresh a listed monitor's state is.
#[derive(Debug, Clone, PartialEq)]
pub enum Freshness {
    /// Asked the carrier just now (or already final: nothing more to ask).
    Polled(DateTime<Utc>),
    Final,
    /// The stored state, not confirmed now, and why.
    Stored(String),
}

/// One row of `monitors list`.
pub struct Listed {
    pub monitor: Monitor,
    pub freshness: Freshness,
}

/// Where `monitors list` gets fresh states from: a gate over the configured carriers, or the
/// reason there is none (no configuration, `--demo`), shown on every pending row.
pub enum Refresher {
    Gate(Gate),
    Unavailable(String),
}

/// Every stored monitor, oldest first, pending ones first refreshed from their carriers:
/// concurrently, one poll each, at most [`REFRESH_TIMEOUT`] per call. A carrier that cannot
/// answer leaves the stored state, shown with its age and the reason.
pub async fn list(
    store: &StoreHandle,
    refresher: &Refresher,
    as_json: bool,
) -> Result<i32, CliError> {
    let rows = refresh(store, refresher, REFRESH_TIMEOUT).await?;
    if as_json {
        let n = rows.len() as u64;
        let entities = rows.iter().map(listed_json).collect();
        output::json(&json::list(entities, 1, n, Some(n)))?;
    } else {
        let now = Utc::now();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                let m = &row.monitor;
                vec![
                    m.id.clone(),
                    state_text(row, now),
                    m.product_id.as_ref().map_or("-".into(), |p| p.to_string()),
                    m.request.clone(),
                    age(&m.created, now),
                    m.updated
                        .as_deref()
                        .map_or("-".into(), |u| age(u, now) + " ago"),
                ]
            })
            .collect();
        output::stdout(&text::table(
            &["ID", "STATE", "PRODUCT", "REQUEST", "AGE", "UPDATED"],
            &rows,
        ))?;
    }
    Ok(exit::OK)
}

/// When the stored state was last known: the carrier's update time, else the request's.
fn state_time(m: &Monitor) -> &str {
    m.updated.as_deref().unwrap_or(&m.created)
}

/// `Completed`, or `InProgress (as of 3m ago, carrier unreachable)` for a state not confirmed now.
pub fn state_text(row: &Listed, now: DateTime<Utc>) -> String {
    match &row.freshness {
        Freshness::Stored(why) => format!(
            "{} (as of {} ago, {})",
            row.monitor.state.as_str(),
            age(state_time(&row.monitor), now),
            crate::text::sanitize(why)
        ),
        _ => row.monitor.state.as_str().to_string(),
    }
}

fn listed_json(row: &Listed) -> serde_json::Value {
    let mut v = json::monitor(&row.monitor, "");
    v["stateAsOf"] = serde_json::json!(state_time(&row.monitor));
    match &row.freshness {
        Freshness::Polled(at) => {
            v["lastPolled"] = serde_json::json!(at.to_rfc3339());
        }
        Freshness::Final => {}
        Freshness::Stored(why) => v["stale"] = serde_json::json!(crate::text::sanitize(why)),
    }
    v
}

/// The stored monitors with every pending one asked once (bounded as [`list`] says); changes
/// go through [`Gate::record_monitor`], so a final state is journaled once.
pub async fn refresh(
    store: &StoreHandle,
    refresher: &Refresher,
    per_call: Duration,
) -> Result<Vec<Listed>, CliError> {
    let monitors = store.monitors_list().await?;
    let gate = match refresher {
        Refresher::Gate(g) => g,
        Refresher::Unavailable(why) => {
            return Ok(monitors
                .into_iter()
                .map(|m| stored(m, why.clone()))
                .collect());
        }
    };
    let accounts = gate.engine().accounts();
    let rows = futures::stream::iter(monitors)
        .map(|m| async {
            if m.state.is_final() {
                return Ok(Listed {
                    monitor: m,
                    freshness: Freshness::Final,
                });
            }
            if !accounts.iter().any(|a| a.kind == m.kind) {
                let why = format!("no {} backend configured", m.kind);
                return Ok(stored(m, why));
            }
            let polled = tokio::time::timeout(per_call, gate.engine().monitor(&m.id)).await;
            let observed = match polled {
                Ok(Ok(p)) => p,
                // The poller's rule: the carrier can never answer for it (docs/safety.md).
                Ok(Err(e)) if is_permanent(&e) => in_error(&m, &e),
                Ok(Err(e)) => {
                    tracing::info!(monitor = %m.id, error = %e, "monitor not refreshed");
                    return Ok(stored(m, "carrier unreachable".into()));
                }
                Err(_) => return Ok(stored(m, "carrier did not answer in time".into())),
            };
            let monitor = gate.record_monitor(Some(&m), observed).await?;
            Ok::<_, CliError>(Listed {
                monitor,
                freshness: Freshness::Polled(Utc::now()),
            })
        })
        .buffered(REFRESH_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    rows.into_iter().collect()
}

fn stored(monitor: Monitor, why: String) -> Listed {
    let freshness = if monitor.state.is_final() {
        Freshness::Final
    } else {
        Freshness::Stored(why)
    };
    Listed { monitor, freshness }
}

/// Poll the carrier once; a monitor the store knows is updated (the carrier's answer filled in
/// with what the store knew, e.g. the product and the request), a final state journaled once.
pub async fn get(gate: &Gate, id: &str, as_json: bool) -> Result<i32, CliError> {
    let polled = gate.engine().monitor(id).await?;
    let monitor = match gate.stored_monitor(id).await {
        Ok(known) => gate.record_monitor(Some(&known), polled).await?,
        Err(StoreError::MonitorNotFound(_)) => polled,
        Err(e) => return Err(e.into()),
    };
    print(&monitor, as_json)?;
    Ok(exit::OK)
}

fn print(m: &Monitor, as_json: bool) -> Result<(), CliError> {
    if as_json {
        output::json(&json::monitor(m, ""))
    } else {
        output::stdout(&text::monitor(m))
    }
}

pub async fn cancel(gate: &Gate, id: &str, yes: bool, as_json: bool) -> Result<i32, CliError> {
    let cancellable = Monitor::split_id(id)
        .is_some_and(|(kind, _)| capabilities::supports(kind, Operation::MonitorCancel));
    if !gate.is_read_only() && cancellable {
        let request = match gate.stored_monitor(id).await {
            Ok(m) => format!(" ({})", m.request),
            Err(_) => String::new(),
        };
        let question = crate::text::sanitize(&format!("Cancel monitor {id}{request}?"));
        if confirm::ask(yes, &question).await? == Decision::Declined {
            return Ok(confirm::declined());
        }
    }
    let monitor = gate.cancel_monitor(id).await?;
    print(&monitor, as_json)?;
    Ok(match monitor.state {
        crate::domain::MonitorState::Cancelled => exit::OK,
        _ => final_exit(&monitor),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_use_the_largest_whole_unit() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(age("2026-11-29T11:59:30Z", now), "30s");
        assert_eq!(age("2026-11-29T11:15:00Z", now), "45m");
        assert_eq!(age("2026-11-29T09:00:00+00:00", now), "3h");
        assert_eq!(age("2026-11-26T12:00:00Z", now), "3d");
        assert_eq!(age("yesterday", now), "-");
    }
}
