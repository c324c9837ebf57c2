//! Per-key rate limiting as carriers apply it per organisation: at most `per_second` requests
//! in any one-second window (a burst up to the limit is served at once; the sustained rate
//! never exceeds it). A request beyond it is refused with the time until the oldest request of
//! the window leaves it. The console's pace (`backends/http/pace.rs`) follows the same rule.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::faults::lock;

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct RateLimiter {
    per_second: usize,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second: usize::try_from(per_second.max(1)).unwrap_or(usize::MAX),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key`, or says how long until the window has room.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut windows = lock(&self.windows);
        let window = windows.entry(key.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        match window.front() {
            Some(oldest) if window.len() >= self.per_second => {
                Err((*oldest + WINDOW).saturating_duration_since(now))
            }
            _ => {
                window.push_back(now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_limit_is_served_and_one_more_is_refused_until_the_window_moves() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        assert!((0..3).all(|i| {
            limiter
                .check_at("org", t0 + Duration::from_millis(i))
                .is_ok()
        }));
        let wait = limiter
            .check_at("org", t0 + Duration::from_millis(500))
            .expect_err("the window is full");
        assert_eq!(wait, Duration::from_millis(500));
        assert!(limiter.check_at("other-org", t0).is_ok());
        // A second after the first, one place is free again (and only one).
        assert!(limiter.check_at("org", t0 + WINDOW).is_ok());
        assert!(limiter.check_at("org", t0 + WINDOW).is_err());
    }

    #[test]
    fn a_sustained_stream_at_the_rate_is_never_refused() {
        let limiter = RateLimiter::new(10);
        let t0 = Instant::now();
        // A burst of ten, then — once it has left the window — one every 100 ms for five seconds.
        assert!((0..10).all(|_| limiter.check_at("org", t0).is_ok()));
        for i in 10..60 {
            let at = t0 + WINDOW + Duration::from_millis(100 * (i - 10));
            assert!(limiter.check_at("org", at).is_ok(), "request {i}");
        }
    }
}
