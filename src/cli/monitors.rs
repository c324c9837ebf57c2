//! `monitors list|get|cancel`: asynchronous carrier requests. `list` reads the local store only
//! (every monitor any cmo process created, with state, age and last update); `get` asks the
//! carrier through the engine and records the answer in the store; `cancel` goes through the
//! gate (read-only, journal) — only platforms whose table says so can cancel (exit 3 otherwise).

use super::change::final_exit;
use super::confirm::{self, Decision};
use super::error::{CliError, exit};
use super::{json, output, text};
use crate::domain::Monitor;
use crate::domain::capabilities::{self, Operation};
use crate::engine::Engine;
use crate::engine::Gate;
use crate::engine::poller::merge_monitor;
use crate::store::{StoreError, StoreHandle};
use chrono::{DateTime, Utc};

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

pub async fn list(store: &StoreHandle, as_json: bool) -> Result<i32, CliError> {
    let monitors = store.monitors_list().await?;
    if as_json {
        let n = monitors.len() as u64;
        let entities = monitors.iter().map(|m| json::monitor(m, "")).collect();
        output::json(&json::list(entities, 1, n, Some(n)))?;
    } else {
        let now = Utc::now();
        let rows: Vec<Vec<String>> = monitors
            .iter()
            .map(|m| {
                vec![
                    m.id.clone(),
                    m.state.as_str().to_string(),
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

/// Poll the carrier once; a monitor the store knows is updated (the carrier's answer filled in
/// with what the store knew, e.g. the product and the request).
pub async fn get(
    engine: &Engine,
    store: &StoreHandle,
    id: &str,
    as_json: bool,
) -> Result<i32, CliError> {
    let polled = engine.monitor(id).await?;
    let monitor = match store.monitor_get(id).await {
        Ok(known) => {
            let merged = merge_monitor(&known, polled);
            if merged != known {
                store.monitor_upsert(&merged).await?;
            }
            merged
        }
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
        let request = match gate.store().monitor_get(id).await {
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
