//! Fault injection for the simulators: the `--fault` grammar (`FaultSpec`) and the runtime
//! switchboard each platform carries (`FaultControl`).
//!
//! Grammar: `TARGET:ITEM[,ITEM…]` where TARGET is a platform kind (`1NCE`, case-insensitive),
//! a backend name (`1nce-demo`) or `*`, and ITEM is one of `5xx=P`, `timeout=P`, `malformed=P`,
//! `429=P`, `write5xx=P` (P a probability in 0..=1), `latency=DURATION` (humantime: `150ms`,
//! `2s`), `down`, `bulk_partial=N` or `bulk_delay=DURATION`. `write5xx` fails only changes (any
//! method but GET and HEAD): the carrier's provisioning is down while its reads still answer.
//! `bulk_partial=N` makes a platform with a bulk call accept every list but apply only its first
//! N items (the rest stay as they were, as when the carrier's queue drops them);
//! `bulk_delay=DURATION` is how long an accepted bulk list waits before it is applied.
//! Random faults draw from a seeded generator, so a run with the same seed and the same request
//! sequence fails the same way.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::inventory::mix64;

/// One parsed `--fault` argument.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultSpec {
    /// Platform kind, backend name, or `*` for every platform.
    pub target: String,
    pub rates: FaultRates,
    pub down: bool,
    pub bulk: BulkFaults,
}

/// How a platform with a bulk call applies an accepted list (`bulk_partial`, `bulk_delay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BulkFaults {
    /// Apply only the first N items of each list; `None`: all of them.
    pub partial: Option<u64>,
    /// How long an accepted list waits before it is applied; `None`: the platform's default.
    pub delay: Option<Duration>,
}

/// Probabilities (0..=1) of each random fault, plus a fixed latency added to every request.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultRates {
    pub error_5xx: f64,
    pub timeout: f64,
    pub malformed: f64,
    pub too_many_requests: f64,
    /// Server errors on changes only (requests other than GET and HEAD).
    pub write_5xx: f64,
    pub latency: Duration,
}

/// A platform's request counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    pub requests: u64,
    pub writes: u64,
    pub rate_limited: u64,
    pub faults_injected: u64,
    /// The most requests that arrived within any one second (a sliding window), so a test can
    /// check a client's pace from the carrier's side.
    pub max_per_second: u64,
}

/// Why a fault spec was refused; every variant names the offending part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("fault spec {spec:?}: expected TARGET:FAULT[,FAULT…], e.g. 1NCE:5xx=0.1,latency=150ms")]
    MissingTarget { spec: String },
    #[error("fault spec {spec:?}: no faults listed after {target:?}")]
    Empty { spec: String, target: String },
    #[error(
        "fault spec {spec:?}: unknown fault {part:?} (expected 5xx=P, timeout=P, malformed=P, 429=P, write5xx=P, latency=DURATION, down, bulk_partial=N or bulk_delay=DURATION)"
    )]
    UnknownFault { spec: String, part: String },
    #[error("fault spec {spec:?}: {part:?} needs a probability between 0 and 1")]
    BadProbability { spec: String, part: String },
    #[error("fault spec {spec:?}: {part:?} needs a duration such as 150ms or 2s")]
    BadDuration { spec: String, part: String },
    #[error("fault spec {spec:?}: {part:?} needs a whole number of items")]
    BadCount { spec: String, part: String },
}

impl FaultSpec {
    /// Parses one spec such as `1NCE:5xx=0.1,timeout=0.05,latency=150ms`.
    pub fn parse(spec: &str) -> Result<Self, FaultSpecError> {
        let owned = || spec.to_string();
        let (target, items) = spec
            .split_once(':')
            .map(|(t, i)| (t.trim(), i.trim()))
            .filter(|(t, _)| !t.is_empty())
            .ok_or_else(|| FaultSpecError::MissingTarget { spec: owned() })?;
        let mut parsed = FaultSpec {
            target: target.to_string(),
            ..FaultSpec::default()
        };
        let mut any = false;
        for part in items.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            any = true;
            let bad = |part: &str| part.to_string();
            if part.eq_ignore_ascii_case("down") {
                parsed.down = true;
                continue;
            }
            let (key, value) =
                part.split_once('=')
                    .ok_or_else(|| FaultSpecError::UnknownFault {
                        spec: owned(),
                        part: bad(part),
                    })?;
            let probability = || {
                value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| FaultSpecError::BadProbability {
                        spec: owned(),
                        part: bad(part),
                    })
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "5xx" => parsed.rates.error_5xx = probability()?,
                "timeout" => parsed.rates.timeout = probability()?,
                "malformed" => parsed.rates.malformed = probability()?,
                "429" => parsed.rates.too_many_requests = probability()?,
                "write5xx" => parsed.rates.write_5xx = probability()?,
                "bulk_partial" => {
                    parsed.bulk.partial =
                        Some(
                            value
                                .trim()
                                .parse::<u64>()
                                .map_err(|_| FaultSpecError::BadCount {
                                    spec: owned(),
                                    part: bad(part),
                                })?,
                        )
                }
                "bulk_delay" => {
                    parsed.bulk.delay =
                        Some(humantime::parse_duration(value.trim()).map_err(|_| {
                            FaultSpecError::BadDuration {
                                spec: owned(),
                                part: bad(part),
                            }
                        })?)
                }
                "latency" => {
                    parsed.rates.latency =
                        humantime::parse_duration(value.trim()).map_err(|_| {
                            FaultSpecError::BadDuration {
                                spec: owned(),
                                part: bad(part),
                            }
                        })?
                }
                _ => {
                    return Err(FaultSpecError::UnknownFault {
                        spec: owned(),
                        part: bad(part),
                    });
                }
            }
        }
        if !any {
            return Err(FaultSpecError::Empty {
                spec: owned(),
                target: target.to_string(),
            });
        }
        Ok(parsed)
    }

    /// Whether this spec applies to the platform with backend `name` and `kind`.
    pub fn matches(&self, name: &str, kind: &str) -> bool {
        self.target == "*"
            || self.target.eq_ignore_ascii_case(kind)
            || self.target.eq_ignore_ascii_case(name)
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A fault chosen for one request by [`FaultControl::roll`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedFault {
    ServerError(u16),
    Timeout,
    Malformed,
    TooManyRequests,
}

/// Runtime-adjustable faults and counters of one simulated platform. Shared (`Arc`) between the
/// platform's server and tests, which flip faults on and off while requests run.
#[derive(Debug)]
pub struct FaultControl {
    rates: Mutex<FaultRates>,
    rng: Mutex<u64>,
    down: watch::Sender<bool>,
    token_epoch: AtomicU64,
    forced_429: AtomicU64,
    /// Remaining forced server errors and their status (see [`FaultControl::force_5xx_for`]).
    forced_5xx: Mutex<(u64, u16)>,
    /// Remaining forced malformed answers and the path ending they apply to (see
    /// [`FaultControl::force_malformed_for`]).
    forced_malformed: Mutex<(u64, String)>,
    bulk: Mutex<BulkFaults>,
    requests_total: AtomicU64,
    writes_total: AtomicU64,
    /// Requests a platform itself counts as status changes (see
    /// [`FaultControl::status_changes_total`]).
    status_changes_total: AtomicU64,
    rate_limited_total: AtomicU64,
    faults_injected_total: AtomicU64,
    /// Arrival times within the last second, and the most ever seen in one second.
    window: Mutex<std::collections::VecDeque<std::time::Instant>>,
    max_per_second: AtomicU64,
    shutdown: CancellationToken,
}

/// How long a `timeout` fault holds a request before answering 504: far beyond any sane client
/// timeout. Released early when the simulator shuts down.
pub const TIMEOUT_HOLD: Duration = Duration::from_secs(120);

impl FaultControl {
    /// A control with no faults, drawing random faults from `seed`.
    pub fn new(seed: u64, shutdown: CancellationToken) -> Self {
        Self {
            rates: Mutex::new(FaultRates::default()),
            rng: Mutex::new(seed),
            down: watch::Sender::new(false),
            token_epoch: AtomicU64::new(0),
            forced_429: AtomicU64::new(0),
            forced_5xx: Mutex::new((0, 503)),
            forced_malformed: Mutex::new((0, String::new())),
            bulk: Mutex::new(BulkFaults::default()),
            requests_total: AtomicU64::new(0),
            writes_total: AtomicU64::new(0),
            status_changes_total: AtomicU64::new(0),
            rate_limited_total: AtomicU64::new(0),
            faults_injected_total: AtomicU64::new(0),
            window: Mutex::new(std::collections::VecDeque::new()),
            max_per_second: AtomicU64::new(0),
            shutdown,
        }
    }

    /// Applies a parsed spec. Specs accumulate: each non-zero value of `spec` overrides the
    /// current one, so `*:latency=100ms` and `1NCE:5xx=0.1` combine; `down` only switches off.
    pub fn apply(&self, spec: &FaultSpec) {
        let given = spec.rates;
        let mut rates = lock(&self.rates);
        let pick = |new: f64, old: f64| if new > 0.0 { new } else { old };
        rates.error_5xx = pick(given.error_5xx, rates.error_5xx);
        rates.timeout = pick(given.timeout, rates.timeout);
        rates.malformed = pick(given.malformed, rates.malformed);
        rates.too_many_requests = pick(given.too_many_requests, rates.too_many_requests);
        rates.write_5xx = pick(given.write_5xx, rates.write_5xx);
        if !given.latency.is_zero() {
            rates.latency = given.latency;
        }
        drop(rates);
        let mut bulk = lock(&self.bulk);
        bulk.partial = spec.bulk.partial.or(bulk.partial);
        bulk.delay = spec.bulk.delay.or(bulk.delay);
        drop(bulk);
        if spec.down {
            self.set_down(true);
        }
    }

    pub fn set_rates(&self, rates: FaultRates) {
        *lock(&self.rates) = rates;
    }
    pub fn rates(&self) -> FaultRates {
        *lock(&self.rates)
    }
    pub fn set_5xx_rate(&self, p: f64) {
        lock(&self.rates).error_5xx = p.clamp(0.0, 1.0);
    }
    pub fn set_timeout_rate(&self, p: f64) {
        lock(&self.rates).timeout = p.clamp(0.0, 1.0);
    }
    pub fn set_malformed_rate(&self, p: f64) {
        lock(&self.rates).malformed = p.clamp(0.0, 1.0);
    }
    pub fn set_429_rate(&self, p: f64) {
        lock(&self.rates).too_many_requests = p.clamp(0.0, 1.0);
    }
    pub fn set_write_5xx_rate(&self, p: f64) {
        lock(&self.rates).write_5xx = p.clamp(0.0, 1.0);
    }
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.rates).latency = latency;
    }
    /// Removes every fault and brings the platform back up (counters are kept).
    pub fn clear(&self) {
        self.set_rates(FaultRates::default());
        self.forced_429.store(0, Ordering::SeqCst);
        *lock(&self.forced_5xx) = (0, 503);
        *lock(&self.forced_malformed) = (0, String::new());
        *lock(&self.bulk) = BulkFaults::default();
        self.set_down(false);
    }

    /// How a bulk list is applied (see [`BulkFaults`]).
    pub fn set_bulk(&self, bulk: BulkFaults) {
        *lock(&self.bulk) = bulk;
    }
    pub fn bulk(&self) -> BulkFaults {
        *lock(&self.bulk)
    }

    /// Down: the listener stops accepting (connection refused) and open connections are
    /// dropped on their next request. Up again: the port is re-bound.
    pub fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }
    pub(crate) fn watch_down(&self) -> watch::Receiver<bool> {
        self.down.subscribe()
    }

    /// Invalidates every bearer token issued so far; the next call with one gets 401.
    pub fn expire_tokens_now(&self) {
        self.token_epoch.fetch_add(1, Ordering::SeqCst);
    }
    pub fn token_epoch(&self) -> u64 {
        self.token_epoch.load(Ordering::SeqCst)
    }

    /// The next `n` rate-limited requests are answered 429, whatever the real limiter says.
    pub fn force_429_for(&self, n: u64) {
        self.forced_429.store(n, Ordering::SeqCst);
    }
    /// The next `n` API requests are answered with server error `status` (500–599) before
    /// reaching the platform, so a test knows exactly which request failed and how.
    pub fn force_5xx_for(&self, n: u64, status: u16) {
        *lock(&self.forced_5xx) = (n, status.clamp(500, 599));
    }
    /// The next `n` API requests whose path ends with `path_end` reach the platform (which acts
    /// on them) but are answered with the body cut in half — a carrier that accepted a change
    /// and then sent an unreadable answer. Other requests are untouched.
    pub fn force_malformed_for(&self, n: u64, path_end: &str) {
        *lock(&self.forced_malformed) = (n, path_end.to_string());
    }
    pub(crate) fn take_forced_malformed(&self, path: &str) -> bool {
        let mut forced = lock(&self.forced_malformed);
        if forced.0 == 0 || !path.ends_with(forced.1.as_str()) {
            return false;
        }
        forced.0 -= 1;
        true
    }
    pub(crate) fn take_forced_5xx(&self) -> Option<u16> {
        let mut forced = lock(&self.forced_5xx);
        forced.0 = forced.0.checked_sub(1)?;
        Some(forced.1)
    }
    pub(crate) fn take_forced_429(&self) -> bool {
        self.forced_429
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Every HTTP request the platform answered (including token requests and refusals).
    pub fn requests_total(&self) -> u64 {
        self.requests_total.load(Ordering::SeqCst)
    }
    /// Every 429 the platform sent: real rate limiting, forced and random ones.
    pub fn rate_limited_total(&self) -> u64 {
        self.rate_limited_total.load(Ordering::SeqCst)
    }
    /// Every random or forced fault injected (5xx, timeout, malformed, 429).
    pub fn faults_injected_total(&self) -> u64 {
        self.faults_injected_total.load(Ordering::SeqCst)
    }
    /// Every request that asked for a change (any method but GET and HEAD), token requests
    /// included: what a call budget counts as writes.
    pub fn writes_total(&self) -> u64 {
        self.writes_total.load(Ordering::SeqCst)
    }
    /// Status-change requests as the platform's own handler counts them, where `writes`
    /// cannot tell: IOTA's details lookup is a read sent as POST, so `writes` counts it too,
    /// while this counts only its state-change requests (src/sim/aeris/routes.rs).
    pub fn status_changes_total(&self) -> u64 {
        self.status_changes_total.load(Ordering::SeqCst)
    }
    pub(crate) fn note_status_change(&self) {
        self.status_changes_total.fetch_add(1, Ordering::SeqCst);
    }
    /// The counters as served at [`STATS_PATH`](super::STATS_PATH) and printed by `cmo simulate`.
    pub fn stats(&self) -> SimStats {
        SimStats {
            requests: self.requests_total(),
            writes: self.writes_total(),
            rate_limited: self.rate_limited_total(),
            faults_injected: self.faults_injected_total(),
            max_per_second: self.max_per_second(),
        }
    }
    /// The most requests that arrived within any one second so far.
    pub fn max_per_second(&self) -> u64 {
        self.max_per_second.load(Ordering::SeqCst)
    }
    /// One request arrived (before any fault or handler): the sliding one-second window.
    pub(crate) fn note_arrival(&self) {
        let now = std::time::Instant::now();
        let mut window = lock(&self.window);
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            window.pop_front();
        }
        window.push_back(now);
        self.max_per_second
            .fetch_max(window.len() as u64, Ordering::SeqCst);
    }
    pub(crate) fn note_write(&self) {
        self.writes_total.fetch_add(1, Ordering::SeqCst);
    }
    pub(crate) fn note_response(&self, status: u16) {
        self.requests_total.fetch_add(1, Ordering::SeqCst);
        if status == 429 {
            self.rate_limited_total.fetch_add(1, Ordering::SeqCst);
        }
    }
    pub(crate) fn note_injected(&self) {
        self.faults_injected_total.fetch_add(1, Ordering::SeqCst);
    }

    /// Resolves when the simulator shuts down (used to release held `timeout` requests).
    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Draws the random fault (if any) for one request.
    pub(crate) fn roll(&self) -> Option<InjectedFault> {
        let rates = self.rates();
        let draw = self.next_unit();
        let mut edge = rates.error_5xx;
        if draw < edge {
            let codes = [500, 502, 503];
            let pick = (self.next_u64() % codes.len() as u64) as usize;
            return Some(InjectedFault::ServerError(codes[pick]));
        }
        edge += rates.timeout;
        if draw < edge {
            return Some(InjectedFault::Timeout);
        }
        edge += rates.malformed;
        if draw < edge {
            return Some(InjectedFault::Malformed);
        }
        edge += rates.too_many_requests;
        (draw < edge).then_some(InjectedFault::TooManyRequests)
    }

    /// A server error for a change (a request that is not a read), at the `write5xx` rate.
    pub(crate) fn roll_write(&self) -> Option<InjectedFault> {
        let p = self.rates().write_5xx;
        (p > 0.0 && self.next_unit() < p).then_some(InjectedFault::ServerError(503))
    }

    fn next_u64(&self) -> u64 {
        let mut state = lock(&self.rng);
        *state = state.wrapping_add(1);
        mix64(*state)
    }
    fn next_unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (the guarded values
/// stay consistent: every critical section is a plain assignment).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fault_kind() {
        let spec = FaultSpec::parse(
            "1NCE:5xx=0.1,timeout=0.05,malformed=0.02,429=0.2,write5xx=0.5,latency=150ms,down",
        )
        .expect("valid spec");
        assert_eq!(spec.target, "1NCE");
        assert_eq!(spec.rates.error_5xx, 0.1);
        assert_eq!(spec.rates.timeout, 0.05);
        assert_eq!(spec.rates.malformed, 0.02);
        assert_eq!(spec.rates.too_many_requests, 0.2);
        assert_eq!(spec.rates.write_5xx, 0.5);
        assert_eq!(spec.rates.latency, Duration::from_millis(150));
        assert!(spec.down);
        assert!(spec.matches("1nce-demo", "1NCE"));
        assert!(
            FaultSpec::parse("1nce-demo:down")
                .expect("valid")
                .matches("1nce-demo", "1NCE")
        );
        assert!(!spec.matches("jasper-demo", "JASPER"));
    }

    #[test]
    fn errors_name_the_bad_part() {
        let err = |s: &str| FaultSpec::parse(s).expect_err(s).to_string();
        assert!(err("5xx=0.1").contains("TARGET:FAULT"));
        assert!(err("1NCE:").contains("no faults"));
        assert!(err("1NCE:5xx=0.1,boom=1").contains("\"boom=1\""));
        assert!(err("1NCE:5xx=1.5").contains("\"5xx=1.5\""));
        assert!(err("1NCE:429=abc").contains("probability"));
        assert!(err("1NCE:latency=fast").contains("\"latency=fast\""));
        assert!(err("1NCE:latency").contains("unknown fault \"latency\""));
        assert!(err("1NCE:bulk_partial=half").contains("whole number"));
        assert!(err("1NCE:bulk_delay=soon").contains("\"bulk_delay=soon\""));
    }

    #[test]
    fn bulk_faults_parse_apply_and_clear() {
        let spec = FaultSpec::parse("1NCE:bulk_partial=3,bulk_delay=50ms").expect("spec");
        assert_eq!(spec.bulk.partial, Some(3));
        assert_eq!(spec.bulk.delay, Some(Duration::from_millis(50)));
        let control = FaultControl::new(1, CancellationToken::new());
        control.apply(&spec);
        control.apply(&FaultSpec::parse("1NCE:5xx=0.1").expect("spec"));
        assert_eq!(control.bulk().partial, Some(3), "later specs keep it");
        control.clear();
        assert_eq!(control.bulk(), BulkFaults::default());
    }

    #[test]
    fn rolls_are_seeded_and_follow_rates() {
        let draws = |seed| {
            let control = FaultControl::new(seed, CancellationToken::new());
            control.set_5xx_rate(0.3);
            (0..200).map(|_| control.roll()).collect::<Vec<_>>()
        };
        assert_eq!(draws(9), draws(9));
        let failures = draws(9).iter().filter(|f| f.is_some()).count();
        assert!((30..90).contains(&failures), "{failures}");
        let quiet = FaultControl::new(1, CancellationToken::new());
        assert!((0..100).all(|_| quiet.roll().is_none()));
    }

    #[test]
    fn specs_accumulate() {
        let control = FaultControl::new(1, CancellationToken::new());
        control.apply(&FaultSpec::parse("*:latency=100ms,5xx=0.5").expect("spec"));
        control.apply(&FaultSpec::parse("1NCE:5xx=0.1,down").expect("spec"));
        let rates = control.rates();
        assert_eq!(
            (rates.error_5xx, rates.latency),
            (0.1, Duration::from_millis(100))
        );
        assert!(control.is_down());
        control.clear();
        assert_eq!(control.rates(), FaultRates::default());
        assert!(!control.is_down());
    }

    #[test]
    fn forced_429_counts_down() {
        let control = FaultControl::new(1, CancellationToken::new());
        control.force_429_for(2);
        assert!(control.take_forced_429());
        assert!(control.take_forced_429());
        assert!(!control.take_forced_429());
    }

    #[test]
    fn forced_5xx_counts_down_with_its_status() {
        let control = FaultControl::new(1, CancellationToken::new());
        control.force_5xx_for(2, 503);
        assert_eq!(control.take_forced_5xx(), Some(503));
        assert_eq!(control.take_forced_5xx(), Some(503));
        assert_eq!(control.take_forced_5xx(), None);
        control.force_5xx_for(1, 200);
        assert_eq!(
            control.take_forced_5xx(),
            Some(500),
            "clamped to a server error"
        );
    }
}
