//! `cmo backends`: each configured account's health after one cheap read (engine/check.rs) —
//! a table, or JSON with `--json`. Exit 1 when any account is down, so a cron job or a
//! monitoring probe can alert on it; slow and rate-limited accounts still answer (exit 0).

use super::error::{CliError, exit};
use super::{output, text};
use crate::domain::health::Health;
use crate::engine::{AccountCheck, Engine};
use serde_json::json;

pub async fn run(engine: &Engine, backend: Option<&str>, as_json: bool) -> Result<i32, CliError> {
    let checks = engine.check(backend).await?;
    if as_json {
        output::json(&to_json(&checks))?;
    } else {
        output::stdout(&table(&checks))?;
    }
    let down = checks.iter().any(|c| c.entry.health == Health::Down);
    Ok(if down { exit::RUNTIME } else { exit::OK })
}

fn to_json(checks: &[AccountCheck]) -> serde_json::Value {
    serde_json::Value::Array(
        checks
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "kind": c.kind.as_str(),
                    "health": c.entry.health,
                    "latencyMs": c.entry.last_latency_ms,
                    "tookMs": c.took_ms,
                    "totalCount": c.total,
                    "error": c.entry.last_error,
                })
            })
            .collect(),
    )
}

fn table(checks: &[AccountCheck]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.kind.as_str().to_string(),
                c.entry.health.label().to_string(),
                c.entry
                    .last_latency_ms
                    .map_or_else(|| "-".into(), |ms| format!("{ms} ms")),
                c.total.map_or_else(|| "-".into(), |n| n.to_string()),
                c.entry.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    text::table(
        &[
            "NAME",
            "KIND",
            "HEALTH",
            "LATENCY",
            "PRODUCTS",
            "LAST ERROR",
        ],
        &rows,
    )
}
