//! How the engine reads one routed call's outcome into the one health board
//! (`domain::health`): which errors say something about the carrier, and how bad.

use crate::backends::BackendError;
use crate::domain::health::{Health, HealthBoard, Layer};
use std::time::Duration;

/// A call slower than this marks the backend slow.
pub const SLOW_AFTER: Duration = Duration::from_secs(2);

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

/// Record one routed call of `backend` on `board` ([`Layer::Call`]).
pub fn record_call(
    board: &HealthBoard,
    backend: &str,
    latency: Duration,
    error: Option<&BackendError>,
) {
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
    board.record(
        Layer::Call,
        backend,
        from_outcome(latency, error),
        Some(latency),
        error.map(|e| crate::text::sanitize(&e.to_string())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_health() {
        let ms = Duration::from_millis;
        assert_eq!(from_outcome(ms(10), None), Health::Ok);
        assert_eq!(from_outcome(ms(2500), None), Health::Slow);
        let rl = BackendError::RateLimited {
            backend: "x".into(),
            attempts: 3,
        };
        assert_eq!(from_outcome(ms(10), Some(&rl)), Health::RateLimited);
        let down = BackendError::Http {
            backend: "x".into(),
            status: 503,
            detail: String::new(),
        };
        assert_eq!(from_outcome(ms(10), Some(&down)), Health::Down);
        let nf = BackendError::NotFound {
            backend: "x".into(),
            what: "y".into(),
        };
        assert_eq!(from_outcome(ms(10), Some(&nf)), Health::Ok);
    }

    #[test]
    fn a_product_not_on_an_account_leaves_no_error() {
        let board = HealthBoard::default();
        let nf = BackendError::NotFound {
            backend: "cmo-demo".into(),
            what: "product 1NCE-89".into(),
        };
        record_call(&board, "cmo-demo", Duration::from_millis(5), Some(&nf));
        let h = board.entry("cmo-demo");
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
        record_call(&board, "a", Duration::from_millis(1), Some(&e));
        assert_eq!(board.get("a"), None);
    }
}
