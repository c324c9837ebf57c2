//! Per-backend health as the console's header shows it (ok, slow, rate-limited, down), derived
//! from the outcome and latency of every call the engine routes.

use crate::backends::BackendError;
use crate::backends::health::{Health as TransportHealth, HealthBoard as TransportBoard};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
    /// Order for "the worse of two": unknown < ok < slow < rate-limited < down.
    const fn severity(self) -> u8 {
        match self {
            Health::Unknown => 0,
            Health::Ok => 1,
            Health::Slow => 2,
            Health::RateLimited => 3,
            Health::Down => 4,
        }
    }

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
            // A body we cannot read is as useless as no answer.
            Some(
                BackendError::Timeout { .. }
                | BackendError::Unreachable { .. }
                | BackendError::Unauthorized { .. }
                | BackendError::Malformed { .. },
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
///
/// The engine records the outcome of every routed call (after the adapter's own retries); the
/// HTTP layer records every single request (it alone sees a 429 that a retry absorbed). `get`
/// reports the worse of the two, so a throttled backend shows as rate-limited while it is.
#[derive(Debug, Default)]
pub struct HealthBoard {
    entries: Mutex<HashMap<String, HealthEntry>>,
    transport: Option<Arc<TransportBoard>>,
}

impl HealthBoard {
    /// A board that also reads the HTTP layer's per-request health.
    pub fn with_transport(transport: Arc<TransportBoard>) -> Self {
        Self {
            entries: Mutex::default(),
            transport: Some(transport),
        }
    }

    fn transport_entry(&self, backend: &str) -> Option<HealthEntry> {
        let h = self.transport.as_ref()?.get(backend)?;
        let health = match h.health {
            TransportHealth::Ok => Health::Ok,
            TransportHealth::Slow => Health::Slow,
            TransportHealth::RateLimited => Health::RateLimited,
            TransportHealth::Down => Health::Down,
        };
        Some(HealthEntry {
            health,
            last_latency_ms: h
                .last_latency
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            last_error: h.last_error,
        })
    }

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
        // A product that is not on this account is an answer, not a backend error: the header,
        // the backends view and the rows must not disagree about a healthy carrier.
        let error = error.filter(|e| !matches!(e, BackendError::NotFound { .. }));
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
        let own = self
            .entries
            .lock()
            .ok()
            .and_then(|m| m.get(backend).cloned())
            .unwrap_or_default();
        match self.transport_entry(backend) {
            Some(t) if t.health.severity() > own.health.severity() => t,
            _ => own,
        }
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
    fn a_product_not_on_an_account_leaves_no_error() {
        let board = HealthBoard::default();
        let nf = BackendError::NotFound {
            backend: "cmo-demo".into(),
            what: "product 1NCE-89".into(),
        };
        board.record("cmo-demo", Duration::from_millis(5), Some(&nf));
        let h = board.get("cmo-demo");
        assert_eq!(h.health, Health::Ok);
        assert_eq!(h.last_error, None);
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
