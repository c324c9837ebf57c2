//! The pace of one carrier account: its `governor` limiter (requests evenly spaced, 5% under the
//! published rate) and the pause a `Retry-After` imposes. A carrier limits per account or
//! organisation, not per configured `[[backend]]`, so every backend with the same scope (kind,
//! base URL and account id — `Limits::scope`) shares one `Pace` in this process: two entries for
//! one 1NCE organisation pace at 10/s together, not 10/s each. The first backend of a scope sets
//! the rate; the registry of scopes holds weak references, so a pace ends with its last backend.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

pub struct Pace {
    limiter: DefaultDirectRateLimiter,
    /// Set by a `Retry-After`: no request on this scope before then.
    paused_until: Mutex<Option<Instant>>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace {
            limiter: RateLimiter::direct(quota(per_second)),
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

    /// Wait out a pause, then for the limiter.
    pub async fn wait_turn(&self) {
        let paused = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = paused {
            tokio::time::sleep_until(until.into()).await;
        }
        self.limiter.until_ready().await;
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

fn quota(per_second: u32) -> Quota {
    // Evenly spaced (burst 1), 5% under the published rate: arrival jitter on the network
    // must not push two requests into the carrier's same 1/rate slot.
    let rate = per_second.max(1);
    let period = Duration::from_secs(1).mul_f64(1.05) / rate;
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests {
    use super::Pace;
    use std::sync::Arc;

    #[test]
    fn backends_of_one_scope_share_a_pace_and_others_do_not() {
        let a = Pace::for_scope(Some("1NCE https://api.example 123"), 10);
        let b = Pace::for_scope(Some("1NCE https://api.example 123"), 10);
        let other = Pace::for_scope(Some("1NCE https://api.example 456"), 10);
        let unscoped = Pace::for_scope(None, 10);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
        assert!(!Arc::ptr_eq(&unscoped, &Pace::for_scope(None, 10)));
        // The shared limiter: the second backend's first request is not free.
        assert!(a.limiter.check().is_ok());
        assert!(b.limiter.check().is_err());
        assert!(other.limiter.check().is_ok());
    }

    #[test]
    fn a_scope_ends_with_its_last_backend() {
        let a = Pace::for_scope(Some("TMSP http://x 1"), 10);
        assert!(a.limiter.check().is_ok());
        drop(a);
        let fresh = Pace::for_scope(Some("TMSP http://x 1"), 10);
        assert!(fresh.limiter.check().is_ok());
    }
}
