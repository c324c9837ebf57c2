//! Per-backend health as the console's header shows it (ok, slow, rate-limited, down), derived
//! from the outcome and latency of every call the engine routes.

use crate::backends::BackendError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A call slower than this marks the backend slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// No call has finished yet.
    #[default]
    Unknown,
    Ok,
    Slow,
    RateLimited,
    Down,
}

impl Health {
    pub const fn label(self) -> &'static str {
        match self {
            Health::Unknown => "…",
            Health::Ok => "ok",
            Health::Slow => "slow",
            Health::RateLimited => "rate-limited",
            Health::Down => "down",
        }
    }

    /// The health one call's outcome implies.
    pub fn from_outcome(latency: Duration, error: Option<&BackendError>) -> Health {
        match error {
            Some(BackendError::RateLimited { .. }) => Health::RateLimited,
            Some(
                BackendError::Timeout { .. }
                | BackendError::Unreachable { .. }
                | BackendError::Unauthorized { .. },
            ) => Health::Down,
            Some(BackendError::Http { status, .. }) if *status >= 500 => Health::Down,
            _ if latency >= SLOW_AFTER => Health::Slow,
            _ => Health::Ok,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct HealthEntry {
    pub health: Health,
    pub last_latency_ms: Option<u64>,
    /// The last error, already a one-line message free of secrets.
    pub last_error: Option<String>,
}

/// Health of every backend, keyed by configured name. Cheap to read and write from any task.
#[derive(Debug, Default)]
pub struct HealthBoard {
    entries: Mutex<HashMap<String, HealthEntry>>,
}

impl HealthBoard {
    pub fn record(&self, backend: &str, latency: Duration, error: Option<&BackendError>) {
        // Refusals decided locally say nothing about the carrier's health.
        if matches!(
            error,
            Some(
                BackendError::NotSupported { .. }
                    | BackendError::TransitionNotAllowed { .. }
                    | BackendError::InvalidInput(_)
            )
        ) {
            return;
        }
        let entry = HealthEntry {
            health: Health::from_outcome(latency, error),
            last_latency_ms: Some(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX)),
            last_error: error.map(|e| crate::text::sanitize(&e.to_string())),
        };
        if let Ok(mut map) = self.entries.lock() {
            map.insert(backend.to_string(), entry);
        }
    }

    pub fn get(&self, backend: &str) -> HealthEntry {
        self.entries
            .lock()
            .ok()
            .and_then(|m| m.get(backend).cloned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_health() {
        let ms = Duration::from_millis;
        assert_eq!(Health::from_outcome(ms(10), None), Health::Ok);
        assert_eq!(Health::from_outcome(ms(2500), None), Health::Slow);
        let rl = BackendError::RateLimited {
            backend: "x".into(),
            attempts: 3,
        };
        assert_eq!(Health::from_outcome(ms(10), Some(&rl)), Health::RateLimited);
        let down = BackendError::Http {
            backend: "x".into(),
            status: 503,
            detail: String::new(),
        };
        assert_eq!(Health::from_outcome(ms(10), Some(&down)), Health::Down);
        let nf = BackendError::NotFound {
            backend: "x".into(),
            what: "y".into(),
        };
        assert_eq!(Health::from_outcome(ms(10), Some(&nf)), Health::Ok);
    }

    #[test]
    fn local_refusals_do_not_touch_health() {
        let board = HealthBoard::default();
        let e = BackendError::not_supported(
            crate::domain::BackendKind::OneNce,
            crate::domain::Operation::TerminalDetails,
        );
        board.record("a", Duration::from_millis(1), Some(&e));
        assert_eq!(board.get("a").health, Health::Unknown);
    }
}
