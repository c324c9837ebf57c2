//! Per-backend health as the HTTP policy sees it (`Ok`, `Slow`, `RateLimited`, `Down`, with the
//! last latency and last error), shared with the engine and the UI through an
//! `Arc<HealthBoard>`. `subscribe()` yields a `watch` channel that ticks when a backend's state
//! or error changes — not on every latency sample, so an idle UI stays idle.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Health {
    Ok,
    /// Answering, but slower than the policy's `slow_after`.
    Slow,
    /// The carrier answered 429 (or its own rate-limit code) recently.
    RateLimited,
    /// Timeouts, refused connections, 5xx or rejected credentials.
    Down,
}

impl Health {
    pub const fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Slow => "slow",
            Health::RateLimited => "rate-limited",
            Health::Down => "down",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BackendHealth {
    pub health: Health,
    pub last_latency: Option<Duration>,
    /// Sanitized, secret-free text of the last failure (cleared by the next success).
    pub last_error: Option<String>,
}

#[derive(Debug)]
pub struct HealthBoard {
    entries: RwLock<BTreeMap<String, BackendHealth>>,
    changes: watch::Sender<u64>,
    /// Requests sent per backend and how many the carrier answered rate-limited (`cmo serve`'s
    /// `/metrics`); counted per attempt, retries included.
    calls: RwLock<BTreeMap<String, CallCounts>>,
}

/// What [`HealthBoard::count_call`] has counted for one backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub requests: u64,
    pub rate_limited: u64,
}

impl HealthBoard {
    pub fn new() -> std::sync::Arc<HealthBoard> {
        std::sync::Arc::new(HealthBoard {
            entries: RwLock::new(BTreeMap::new()),
            changes: watch::channel(0).0,
            calls: RwLock::new(BTreeMap::new()),
        })
    }

    pub fn record(
        &self,
        backend: &str,
        health: Health,
        latency: Option<Duration>,
        error: Option<String>,
    ) {
        let changed = {
            let mut map = self.entries.write().unwrap_or_else(|p| p.into_inner());
            let entry = map.entry(backend.to_string()).or_insert(BackendHealth {
                health,
                last_latency: None,
                last_error: None,
            });
            let changed =
                entry.health != health || entry.last_error != error || entry.last_latency.is_none();
            entry.health = health;
            if latency.is_some() {
                entry.last_latency = latency;
            }
            entry.last_error = error;
            changed
        };
        if changed {
            self.changes.send_modify(|v| *v = v.wrapping_add(1));
        }
    }

    pub fn get(&self, backend: &str) -> Option<BackendHealth> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        map.get(backend).cloned()
    }

    /// Every backend heard from so far, by name.
    pub fn snapshot(&self) -> Vec<(String, BackendHealth)> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// One request sent to `backend` (an attempt: retries count again), and whether the carrier
    /// answered it rate-limited.
    pub fn count_call(&self, backend: &str, rate_limited: bool) {
        let mut map = self.calls.write().unwrap_or_else(|p| p.into_inner());
        let c = map.entry(backend.to_string()).or_default();
        c.requests += 1;
        if rate_limited {
            c.rate_limited += 1;
        }
    }

    /// The request counts of every backend that has sent one, by name.
    pub fn calls(&self) -> Vec<(String, CallCounts)> {
        let map = self.calls.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Ticks (a change counter) whenever some backend's state or error changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_ticks_only_on_state_changes() {
        let board = HealthBoard::new();
        let mut rx = board.subscribe();
        board.record("a", Health::Ok, Some(Duration::from_millis(5)), None);
        assert!(rx.has_changed().unwrap());
        rx.borrow_and_update();
        board.record("a", Health::Ok, Some(Duration::from_millis(7)), None);
        assert!(
            !rx.has_changed().unwrap(),
            "a new latency alone is not a change"
        );
        assert_eq!(
            board.get("a").unwrap().last_latency,
            Some(Duration::from_millis(7))
        );
        board.record("a", Health::Down, None, Some("refused".into()));
        assert!(rx.has_changed().unwrap());
        let h = board.get("a").unwrap();
        assert_eq!(
            (h.health, h.last_error.as_deref()),
            (Health::Down, Some("refused"))
        );
        assert_eq!(h.last_latency, Some(Duration::from_millis(7)));
        assert_eq!(board.snapshot().len(), 1);
        assert!(board.get("b").is_none());
    }
}
