//! Per-backend health — the one source the console's header, backends view and overview, and
//! `cmo serve`'s `/health` and `/metrics` read: `Health` (ok, slow, rate-limited, down, or not
//! heard from yet), the `HealthEntry` shown for an account, and the `HealthBoard` every layer
//! records into and listeners subscribe to.
//!
//! Two layers write it. The HTTP policy (`backends/http/`) records every single request
//! ([`Layer::Request`]; it alone sees a 429 that a retry absorbed) and the engine records the
//! outcome of every routed call after the adapter's retries ([`Layer::Call`]). An account shows
//! the worse of the two, so a throttled backend shows as rate-limited while it is. A change of
//! what an account shows ticks [`HealthBoard::subscribe`]'s channel; nothing else does, so an
//! idle console stays idle.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    /// No call has finished yet.
    #[default]
    Unknown,
    Ok,
    /// Answering, but slowly.
    Slow,
    /// The carrier answered 429 (or its own rate-limit code) recently.
    RateLimited,
    /// Timeouts, refused connections, 5xx, rejected credentials or unreadable answers.
    Down,
}

impl Health {
    /// Order for "the worse of two": unknown < ok < slow < rate-limited < down.
    pub const fn severity(self) -> u8 {
        match self {
            Health::Unknown => 0,
            Health::Ok => 1,
            Health::Slow => 2,
            Health::RateLimited => 3,
            Health::Down => 4,
        }
    }

    /// The word the console shows (`…` while unknown).
    pub const fn label(self) -> &'static str {
        match self {
            Health::Unknown => "…",
            Health::Ok => "ok",
            Health::Slow => "slow",
            Health::RateLimited => "rate-limited",
            Health::Down => "down",
        }
    }
}

/// What one account shows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct HealthEntry {
    pub health: Health,
    pub last_latency_ms: Option<u64>,
    /// The last error, already a one-line message free of secrets (cleared by a success).
    pub last_error: Option<String>,
}

/// Which layer a record comes from (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// One routed call's outcome, after the adapter's retries (the engine).
    Call,
    /// One HTTP request (the HTTP policy), retries counted separately.
    Request,
}

/// What [`HealthBoard::count_call`] has counted for one backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    pub requests: u64,
    pub rate_limited: u64,
}

/// The two layers' last word on one account.
#[derive(Debug, Clone, Default)]
struct Slot {
    call: Option<HealthEntry>,
    request: Option<HealthEntry>,
}

impl Slot {
    /// The worse of the two layers; the call layer's when they are as bad.
    fn shown(&self) -> HealthEntry {
        match (&self.call, &self.request) {
            (Some(c), Some(r)) if r.health.severity() > c.health.severity() => r.clone(),
            (Some(c), _) => c.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => HealthEntry::default(),
        }
    }
}

/// Health of every backend, keyed by configured name. Cheap to read and write from any task;
/// shared as an `Arc` by the HTTP policies, the engine and whoever listens.
#[derive(Debug)]
pub struct HealthBoard {
    entries: RwLock<BTreeMap<String, Slot>>,
    changes: watch::Sender<u64>,
    /// Requests sent per backend and how many the carrier answered rate-limited (`cmo serve`'s
    /// `/metrics`); counted per attempt, retries included.
    calls: RwLock<BTreeMap<String, CallCounts>>,
}

impl Default for HealthBoard {
    fn default() -> Self {
        HealthBoard {
            entries: RwLock::default(),
            changes: watch::channel(0).0,
            calls: RwLock::default(),
        }
    }
}

impl HealthBoard {
    pub fn new() -> Arc<HealthBoard> {
        Arc::new(HealthBoard::default())
    }

    /// Record what `layer` saw of `backend`. A `None` latency keeps the last one (a failure
    /// that never got an answer has none). Listeners are told only when what the account shows
    /// changed.
    pub fn record(
        &self,
        layer: Layer,
        backend: &str,
        health: Health,
        latency: Option<Duration>,
        error: Option<String>,
    ) {
        let changed = {
            let mut map = self.entries.write().unwrap_or_else(|p| p.into_inner());
            let slot = map.entry(backend.to_string()).or_default();
            let before = slot.shown();
            let own = match layer {
                Layer::Call => &mut slot.call,
                Layer::Request => &mut slot.request,
            };
            let kept = own.as_ref().and_then(|e| e.last_latency_ms);
            *own = Some(HealthEntry {
                health,
                last_latency_ms: latency.map(millis).or(kept),
                last_error: error,
            });
            slot.shown() != before
        };
        if changed {
            self.changes.send_modify(|v| *v = v.wrapping_add(1));
        }
    }

    /// What `backend` shows; `None` before either layer has heard from it.
    pub fn get(&self, backend: &str) -> Option<HealthEntry> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        map.get(backend).map(Slot::shown)
    }

    /// What `backend` shows, `Unknown` before anything was heard.
    pub fn entry(&self, backend: &str) -> HealthEntry {
        self.get(backend).unwrap_or_default()
    }

    /// What each of `backends` shows, in the order given (the console's account order).
    pub fn entries<'a>(&self, backends: impl IntoIterator<Item = &'a str>) -> Vec<HealthEntry> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        backends
            .into_iter()
            .map(|b| map.get(b).map(Slot::shown).unwrap_or_default())
            .collect()
    }

    /// Every backend heard from so far, by name.
    pub fn snapshot(&self) -> Vec<(String, HealthEntry)> {
        let map = self.entries.read().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.shown())).collect()
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

    /// Ticks (a change counter) whenever what some backend shows changes. The console turns
    /// each tick into one `Msg::Health` (`ui/runtime.rs`).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn ms(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    #[test]
    fn an_account_shows_the_worse_of_the_two_layers() {
        let board = HealthBoard::default();
        assert_eq!(board.get("a"), None);
        assert_eq!(board.entry("a").health, Health::Unknown);
        board.record(Layer::Request, "a", Health::RateLimited, ms(40), None);
        board.record(Layer::Call, "a", Health::Ok, ms(900), None);
        let shown = board.entry("a");
        assert_eq!(
            (shown.health, shown.last_latency_ms),
            (Health::RateLimited, Some(40))
        );
        board.record(Layer::Request, "a", Health::Ok, ms(30), None);
        let shown = board.entry("a");
        assert_eq!(
            (shown.health, shown.last_latency_ms),
            (Health::Ok, Some(900)),
            "as bad: the routed call's word"
        );
        board.record(Layer::Call, "a", Health::Down, None, Some("refused".into()));
        let shown = board.entry("a");
        assert_eq!(
            (
                shown.health,
                shown.last_error.as_deref(),
                shown.last_latency_ms
            ),
            (Health::Down, Some("refused"), Some(900)),
            "no answer keeps the last latency"
        );
        assert_eq!(
            board
                .entries(["b", "a"])
                .iter()
                .map(|e| e.health)
                .collect::<Vec<_>>(),
            [Health::Unknown, Health::Down]
        );
        assert_eq!(board.snapshot().len(), 1);
    }

    #[test]
    fn listeners_hear_only_changes_of_what_an_account_shows() {
        let board = HealthBoard::default();
        let mut rx = board.subscribe();
        board.record(Layer::Call, "a", Health::Ok, ms(5), None);
        assert!(rx.has_changed().unwrap());
        rx.borrow_and_update();
        board.record(Layer::Call, "a", Health::Ok, ms(5), None);
        assert!(!rx.has_changed().unwrap(), "the same again is no change");
        // The request layer being better than the call layer changes nothing shown.
        board.record(Layer::Call, "a", Health::Slow, ms(5), None);
        rx.borrow_and_update();
        board.record(Layer::Request, "a", Health::Ok, ms(1), None);
        assert!(!rx.has_changed().unwrap());
        board.record(Layer::Request, "a", Health::Down, None, Some("503".into()));
        assert!(rx.has_changed().unwrap());
    }

    #[test]
    fn calls_are_counted_per_backend() {
        let board = HealthBoard::default();
        board.count_call("a", false);
        board.count_call("a", true);
        board.count_call("b", false);
        assert_eq!(
            board.calls(),
            [
                (
                    "a".to_string(),
                    CallCounts {
                        requests: 2,
                        rate_limited: 1
                    }
                ),
                (
                    "b".to_string(),
                    CallCounts {
                        requests: 1,
                        rate_limited: 0
                    }
                )
            ]
        );
    }
}
