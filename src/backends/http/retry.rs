//! Retry timing: jittered exponential backoff and `Retry-After` parsing (delta seconds or an
//! HTTP date), both capped so a carrier cannot park a request for long.

use rand::Rng;
use std::time::{Duration, SystemTime};

/// The wait before retry number `attempt` (0 = first retry): `base · 2^attempt`, capped at
/// `max`, then drawn uniformly from its upper half so parallel clients do not retry in step.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(max);
    let low = exp / 2;
    if exp <= low {
        return exp;
    }
    let nanos = rand::rng().random_range(low.as_nanos()..=exp.as_nanos());
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// `Retry-After` as a wait from `now`: `"120"` → 120 s; an HTTP date → time until it (zero if
/// past). Anything else → `None` (the caller falls back to backoff).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_http_date_future_and_past() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_garbage_is_ignored() {
        let now = SystemTime::now();
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn backoff_grows_is_jittered_within_bounds_and_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..8 {
            let expected = (base * 2u32.pow(attempt)).min(max);
            for _ in 0..50 {
                let d = backoff(attempt, base, max);
                assert!(
                    d >= expected / 2 && d <= expected,
                    "attempt {attempt}: {d:?}"
                );
            }
        }
        assert!(backoff(30, base, max) <= max);
        assert_eq!(backoff(3, Duration::ZERO, max), Duration::ZERO);
    }
}
