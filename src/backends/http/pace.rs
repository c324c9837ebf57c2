//! The pace of one carrier account: at most `per_second` requests in any window of a second
//! (plus a margin) — a burst of independent requests goes out at once, the sustained rate never
//! exceeds the limit — and the pause a `Retry-After` imposes. Carriers count this way (1NCE:
//! "10 requests per second"), and the simulators enforce the same rule (`sim/ratelimit.rs`).
//! A carrier limits per account or organisation, not per configured `[[backend]]`, so every
//! backend with the same scope (kind, base URL and account id — `Limits::scope`) shares one
//! `Pace` in this process: two entries for one 1NCE organisation pace at 10/s together, not
//! 10/s each. The first backend of a scope sets the rate; the registry of scopes holds weak
//! references, so a pace ends with its last backend.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The window a carrier counts requests in, plus 5%: requests leave here but are counted on
/// arrival, and network jitter must not push one more into the carrier's window.
const WINDOW: Duration = Duration::from_millis(1050);

pub struct Pace {
    /// How many requests one window may hold.
    limit: usize,
    /// When each of the last `limit` requests left, oldest first.
    sent: Mutex<VecDeque<Instant>>,
    /// Set by a `Retry-After`: no request on this scope before then.
    paused_until: Mutex<Option<Instant>>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        let limit = usize::try_from(per_second.max(1)).unwrap_or(usize::MAX);
        Pace {
            limit,
            sent: Mutex::new(VecDeque::with_capacity(limit.min(1024))),
            paused_until: Mutex::new(None),
        }
    }

    /// The pace of `scope`, shared with every live backend of the same scope; `None` gives
    /// a pace of its own.
    pub fn for_scope(scope: Option<&str>, per_second: u32) -> Arc<Pace> {
        let Some(scope) = scope else {
            return Arc::new(Pace::new(per_second));
        };
        static SCOPES: OnceLock<Mutex<HashMap<String, Weak<Pace>>>> = OnceLock::new();
        let mut scopes = SCOPES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(pace) = scopes.get(scope).and_then(Weak::upgrade) {
            return pace;
        }
        scopes.retain(|_, pace| pace.strong_count() > 0);
        let pace = Arc::new(Pace::new(per_second));
        scopes.insert(scope.to_string(), Arc::downgrade(&pace));
        pace
    }

    /// Wait out a pause, then for a place in the window.
    pub async fn wait_turn(&self) {
        loop {
            let paused = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(until) = paused.filter(|u| *u > Instant::now()) {
                tokio::time::sleep_until(until.into()).await;
            }
            match self.try_take(Instant::now()) {
                Ok(()) => return,
                Err(free_at) => tokio::time::sleep_until(free_at.into()).await,
            }
        }
    }

    /// Take a place in the window at `now`, or say when the oldest place frees.
    fn try_take(&self, now: Instant) -> Result<(), Instant> {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        while sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            sent.pop_front();
        }
        match sent.front() {
            Some(oldest) if sent.len() >= self.limit => Err(*oldest + WINDOW),
            _ => {
                sent.push_back(now);
                Ok(())
            }
        }
    }

    /// No request before `wait` from now (a later pause already set wins).
    pub fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut guard = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none_or(|u| u < until) {
            *guard = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Pace, WINDOW};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_burst_up_to_the_limit_goes_at_once_and_the_next_waits_for_the_window() {
        let pace = Pace::new(10);
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(pace.try_take(t0 + Duration::from_millis(i)).is_ok(), "{i}");
        }
        // The eleventh waits until the first leaves the window.
        assert_eq!(
            pace.try_take(t0 + Duration::from_millis(20)),
            Err(t0 + WINDOW)
        );
        assert!(pace.try_take(t0 + WINDOW).is_ok());
        // Sustained: never more than ten in any window.
        let mut at = t0 + WINDOW;
        let mut sent = vec![t0 + WINDOW];
        sent.extend((0..9).map(|i| t0 + Duration::from_millis(i + 1)));
        for _ in 0..50 {
            at = match pace.try_take(at) {
                Ok(()) => {
                    sent.push(at);
                    at
                }
                Err(free) => free,
            };
            let in_window = sent
                .iter()
                .filter(|t| at.saturating_duration_since(**t) < WINDOW)
                .count();
            assert!(in_window <= 10, "{in_window} in one window");
        }
    }

    #[test]
    fn backends_of_one_scope_share_a_pace_and_others_do_not() {
        let a = Pace::for_scope(Some("1NCE https://api.example 123"), 10);
        let b = Pace::for_scope(Some("1NCE https://api.example 123"), 10);
        let other = Pace::for_scope(Some("1NCE https://api.example 456"), 10);
        let unscoped = Pace::for_scope(None, 10);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
        assert!(!Arc::ptr_eq(&unscoped, &Pace::for_scope(None, 10)));
        // The shared window: what the first backend sent counts for the second.
        let now = Instant::now();
        assert!((0..10).all(|_| a.try_take(now).is_ok()));
        assert!(b.try_take(now).is_err());
        assert!(other.try_take(now).is_ok());
    }

    #[test]
    fn a_scope_ends_with_its_last_backend() {
        let now = Instant::now();
        let a = Pace::for_scope(Some("TMSP http://x 1"), 1);
        assert!(a.try_take(now).is_ok());
        drop(a);
        let fresh = Pace::for_scope(Some("TMSP http://x 1"), 1);
        assert!(fresh.try_take(now).is_ok());
    }
}
