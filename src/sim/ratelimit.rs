//! Strict per-key token-bucket rate limiting, as carriers apply it per organisation.
//! A bucket holds at most `burst` requests and refills at `per_second`; a request finding it
//! empty is refused with the time until the next token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::faults::lock;

#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait for one.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        let (tokens, last) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        let refilled =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_beyond_the_burst() {
        // A refill of 1 per second cannot add a whole token during this loop.
        let limiter = RateLimiter::new(1, 3);
        assert!((0..3).all(|_| limiter.check("org").is_ok()));
        let wait = limiter.check("org").expect_err("bucket is empty");
        assert!(wait <= Duration::from_secs(1));
        assert!(limiter.check("other-org").is_ok());
    }
}
