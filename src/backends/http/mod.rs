//! The shared HTTP policy every adapter sends through: one reqwest client (rustls, ring) with
//! connect and request timeouts; a per-account pace (`pace.rs`: at most N requests in any second)
//! awaited before every request;
//! retries with jittered exponential backoff on 5xx, timeouts, connection errors and rate limits
//! (429, or a carrier-specific body via [`HttpPolicy::with_rate_limit_classifier`]) honouring a
//! capped `Retry-After`, which also pauses the whole backend; one token refresh and retry on 401;
//! error mapping to [`BackendError`] with short sanitized, secret-free excerpts; health records.
//! Answers are read chunk by chunk and refused past `max_response_size` (never buffered
//! beyond it); a headless command's deadline (`deadline.rs`) caps every attempt and stops
//! retries that would not fit.
//!
//! An adapter builds one `HttpPolicy` and calls `send_json(what, |c| c.get(url))`.

pub mod auth;
pub(crate) mod credentials;
pub mod deadline;
mod errors;
pub mod keyed;
mod pace;
pub mod renewing;
pub mod retry;

pub use auth::{BasicAuth, Grant, NoAuth, OAuthToken, TokenSource};
pub use errors::excerpt;
use errors::root_cause;
pub(crate) use errors::transport_error;
pub use keyed::{ApiKey, SessionLogin};
use pace::Pace;
pub use renewing::{Exchange, Obtained, Renewing};

use super::{Account, BackendError, BackendResult};
use crate::config::BackendConfig;
use crate::domain::BackendKind;
use crate::domain::health::{Health, HealthBoard, Layer};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

/// Timing and volume limits of one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub rate_per_second: u32,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Retries after the first attempt (401 refresh-and-retry not counted).
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` we honour; longer values are cut to this.
    pub retry_after_cap: Duration,
    /// A successful answer slower than this marks the backend `Slow`.
    pub slow_after: Duration,
    /// Backends of the same scope share one limiter and `Retry-After` pause (`pace.rs`):
    /// `Some("KIND base_url account_id")` from a config, `None` for a pace of its own.
    pub scope: Option<String>,
    /// The largest answer read per request (`max_response_size`); a longer one is refused
    /// while it streams in.
    pub max_response_bytes: u64,
}

impl Limits {
    /// Defaults per kind: 1NCE documents 10 req/s on `/sims`; Control Center clients keep to
    /// about 5; the others publish nothing, so we stay polite at 10.
    pub fn for_kind(kind: BackendKind) -> Limits {
        let rate = match kind {
            BackendKind::OneNce => 10,
            BackendKind::Tmus | BackendKind::Jasper => 5,
            _ => 10,
        };
        Limits {
            rate_per_second: rate,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            max_retries: 4,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
            slow_after: Duration::from_secs(2),
            scope: None,
            max_response_bytes: crate::config::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The kind's defaults with the config's overrides applied.
    pub fn from_config(config: &BackendConfig) -> Limits {
        let mut l = Limits::for_kind(config.kind);
        l.rate_per_second = config.rate_limit_per_second.unwrap_or(l.rate_per_second);
        l.connect_timeout = config.connect_timeout.unwrap_or(l.connect_timeout);
        l.request_timeout = config.request_timeout.unwrap_or(l.request_timeout);
        l.max_retries = config.max_retries.unwrap_or(l.max_retries);
        l.max_response_bytes = config.max_response_bytes;
        l.scope = Some(format!(
            "{} {} {}",
            config.kind, config.base_url, config.account_id
        ));
        l
    }
}

/// A carrier answer with its body read.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header parsed as an unsigned number (`X-Total-Pages`, …).
    pub fn header_u64(&self, name: &str) -> Option<u64> {
        self.headers.get(name)?.to_str().ok()?.trim().parse().ok()
    }
}

/// Whether a request may be repeated after it may have reached the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// GET, PUT of a whole state: retried on every transient failure.
    Idempotent,
    /// POSTs that create jobs: retried only when the carrier surely did not act on them
    /// (rate-limited, or the connection was never made).
    Once,
}

type RateLimitClassifier = Box<dyn Fn(StatusCode, &[u8]) -> bool + Send + Sync>;

pub struct HttpPolicy {
    account: Account,
    client: Client,
    limits: Limits,
    pace: Arc<Pace>,
    auth: Box<dyn TokenSource>,
    rate_limit_body: Option<RateLimitClassifier>,
    health: Arc<HealthBoard>,
}

/// rustls needs one process-wide crypto provider; reqwest is built without one.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl HttpPolicy {
    pub fn new(
        account: Account,
        limits: Limits,
        auth: Box<dyn TokenSource>,
        health: Arc<HealthBoard>,
    ) -> BackendResult<HttpPolicy> {
        install_crypto_provider();
        let client = Client::builder()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .user_agent(concat!("cmo-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BackendError::Other {
                backend: account.name.clone(),
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        let pace = Pace::for_scope(limits.scope.as_deref(), limits.rate_per_second);
        Ok(HttpPolicy {
            account,
            client,
            limits,
            pace,
            auth,
            rate_limit_body: None,
            health,
        })
    }

    /// Treat answers for which `classify(status, body)` is true as rate limits (Cisco: HTTP 400
    /// with errorCode 40000029).
    pub fn with_rate_limit_classifier(
        mut self,
        classify: impl Fn(StatusCode, &[u8]) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.rate_limit_body = Some(Box::new(classify));
        self
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn health(&self) -> &Arc<HealthBoard> {
        &self.health
    }

    /// Send an idempotent request and decode its JSON body as `T`; `what` names the expected
    /// document in errors ("the SIM list").
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        what: &str,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> BackendResult<T> {
        let reply = self.send(Repeat::Idempotent, build).await?;
        self.decode(&reply, what)
    }

    pub fn decode<T: DeserializeOwned>(&self, reply: &Reply, what: &str) -> BackendResult<T> {
        serde_json::from_slice(&reply.body).map_err(|e| {
            let err = BackendError::Malformed {
                backend: self.account.name.clone(),
                detail: format!(
                    "expected {what}: {e} (body starts: {})",
                    self.auth.redact(&excerpt(&reply.body))
                ),
            };
            self.health.record(
                Layer::Request,
                &self.account.name,
                Health::Ok,
                None,
                Some(err.to_string()),
            );
            err
        })
    }

    /// Send with the full policy. `build` is called once per attempt. Success is any 2xx.
    pub async fn send(
        &self,
        repeat: Repeat,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> BackendResult<Reply> {
        let mut retries = 0u32;
        let mut refreshed = false;
        let mut rate_limited_seen = false;
        loop {
            self.wait_turn().await;
            if self.auth.will_fetch() {
                // The token request is a request to the carrier too (docs/http-policy.md).
                self.wait_turn().await;
            }
            let attempt = self.attempt(&build).await;
            let (failure, wait_hint) = match attempt {
                Ok((reply, latency, _)) if reply.status.is_success() => {
                    self.health.count_call(&self.account.name, false);
                    let health = if rate_limited_seen {
                        Health::RateLimited
                    } else if latency > self.limits.slow_after {
                        Health::Slow
                    } else {
                        Health::Ok
                    };
                    self.health.record(
                        Layer::Request,
                        &self.account.name,
                        health,
                        Some(latency),
                        None,
                    );
                    return Ok(reply);
                }
                Ok((reply, _, sent)) if reply.status == StatusCode::UNAUTHORIZED && !refreshed => {
                    self.health.count_call(&self.account.name, false);
                    refreshed = true;
                    if self.auth.invalidate(sent.as_ref()) {
                        tracing::debug!(backend = %self.account.name, "401: refreshing the token once");
                        continue;
                    }
                    (self.http_error(&reply), None)
                }
                Ok((reply, _, _)) => {
                    let limited = reply.status == StatusCode::TOO_MANY_REQUESTS
                        || self
                            .rate_limit_body
                            .as_ref()
                            .is_some_and(|f| f(reply.status, &reply.body));
                    self.health.count_call(&self.account.name, limited);
                    let hint = reply
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| retry::parse_retry_after(v, SystemTime::now()))
                        .map(|d| d.min(self.limits.retry_after_cap));
                    if limited {
                        rate_limited_seen = true;
                        let err = BackendError::RateLimited {
                            backend: self.account.name.clone(),
                            attempts: retries + 1,
                        };
                        if let Some(d) = hint {
                            self.pause(d);
                        }
                        (err, Some(hint.unwrap_or_else(|| self.backoff(retries))))
                    } else {
                        (self.http_error(&reply), hint)
                    }
                }
                Err(e) => {
                    self.health.count_call(&self.account.name, false);
                    (e, None)
                }
            };
            let may_repeat = match (&failure, repeat) {
                (BackendError::RateLimited { .. }, _) => true,
                (e, Repeat::Idempotent) => e.is_transient(),
                (BackendError::Unreachable { .. }, Repeat::Once) => true,
                _ => false,
            };
            if may_repeat && retries < self.limits.max_retries {
                let wait = wait_hint.unwrap_or_else(|| self.backoff(retries));
                if let Some(stop) = self.past_deadline(wait, retries + 1, &failure) {
                    self.record_failure(&stop);
                    return Err(stop);
                }
                tracing::debug!(backend = %self.account.name, error = %failure, ?wait, "retrying");
                retries += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            self.record_failure(&failure);
            return Err(failure);
        }
    }

    /// One request: token, send, read the body. Transport failures become errors; every HTTP
    /// answer (any status) is a `Reply`, returned with its latency and the credential sent (so a
    /// 401 drops only that token).
    async fn attempt(
        &self,
        build: &impl Fn(&Client) -> RequestBuilder,
    ) -> BackendResult<(Reply, Duration, Option<HeaderValue>)> {
        let authorization = self
            .auth
            .authorization(&self.client, &self.account.name)
            .await?;
        let mut builder = build(&self.client);
        if let Some(h) = &authorization {
            builder = builder.header(self.auth.header_name(), h.clone());
        }
        let mut request = builder.build().map_err(|e| BackendError::Other {
            backend: self.account.name.clone(),
            detail: format!("cannot build the request: {}", root_cause(&e)),
        })?;
        // Within a command's deadline an attempt gets no more than the time left.
        let timeout = match deadline::remaining() {
            Some(left) if left.is_zero() => {
                return Err(self.deadline_error(0, None));
            }
            Some(left) => self.limits.request_timeout.min(left),
            None => self.limits.request_timeout,
        };
        *request.timeout_mut() = Some(timeout);
        let started = Instant::now();
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| transport_error(&self.account.name, &e, Some(timeout)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_capped(
            &mut response,
            self.limits.max_response_bytes,
            &self.account.name,
            Some(timeout),
        )
        .await?;
        let reply = Reply {
            status,
            headers,
            body,
        };
        Ok((reply, started.elapsed(), authorization))
    }

    /// When the command's deadline would pass before a retry after `wait` could finish
    /// (less than a tenth of the request timeout, at least 100 ms, would be left), the error
    /// that ends the request instead; `None` to retry.
    fn past_deadline(
        &self,
        wait: Duration,
        attempts: u32,
        failure: &BackendError,
    ) -> Option<BackendError> {
        let left = deadline::remaining()?;
        let useful = (self.limits.request_timeout / 10).max(Duration::from_millis(100));
        (left <= wait + useful).then(|| self.deadline_error(attempts, Some(failure)))
    }

    fn deadline_error(&self, attempts: u32, last: Option<&BackendError>) -> BackendError {
        let budget =
            humantime::format_duration(deadline::current().map_or(Duration::ZERO, |d| d.budget));
        let detail = match last {
            Some(last) => format!(
                "gave up after {attempts} attempt(s): the command's deadline ({budget}, command_timeout) leaves no time for another; last error: {last}"
            ),
            None => format!(
                "request not sent: the command's deadline ({budget}, command_timeout) has passed"
            ),
        };
        BackendError::Other {
            backend: self.account.name.clone(),
            detail,
        }
    }

    async fn wait_turn(&self) {
        self.pace.wait_turn().await;
    }

    fn pause(&self, wait: Duration) {
        self.pace.pause(wait);
    }

    fn backoff(&self, retries: u32) -> Duration {
        retry::backoff(retries, self.limits.backoff_base, self.limits.backoff_max)
    }

    fn http_error(&self, reply: &Reply) -> BackendError {
        let backend = self.account.name.clone();
        let detail = self.auth.redact(&excerpt(&reply.body));
        match reply.status {
            StatusCode::UNAUTHORIZED => BackendError::Unauthorized { backend, detail },
            StatusCode::FORBIDDEN => BackendError::Forbidden { backend, detail },
            StatusCode::NOT_FOUND => BackendError::NotFound {
                backend,
                what: "the requested resource".into(),
            },
            s => BackendError::Http {
                backend,
                status: s.as_u16(),
                detail,
            },
        }
    }

    fn record_failure(&self, failure: &BackendError) {
        // "No such product here" is an answer from a healthy carrier (a lookup asks every
        // account), not a failure of the backend: it leaves no error behind.
        if matches!(failure, BackendError::NotFound { .. }) {
            self.health
                .record(Layer::Request, &self.account.name, Health::Ok, None, None);
            return;
        }
        let health = match failure {
            BackendError::RateLimited { .. } => Health::RateLimited,
            BackendError::NotFound { .. } | BackendError::InvalidInput(_) => Health::Ok,
            BackendError::Http { status, .. } if *status < 500 => Health::Ok,
            _ => Health::Down,
        };
        self.health.record(
            Layer::Request,
            &self.account.name,
            health,
            None,
            Some(failure.to_string()),
        );
    }
}

/// Read `response`'s body chunk by chunk, refusing it — without reading on — as soon as it
/// would exceed `cap` bytes (or declares more in `Content-Length`). Never holds more than `cap`.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    cap: u64,
    backend: &str,
    timeout: Option<Duration>,
) -> BackendResult<Vec<u8>> {
    if response.content_length().is_some_and(|len| len > cap) {
        return Err(too_large(backend, cap));
    }
    // A declared length is trusted for the first allocation only up to 1 MiB.
    let initial = response.content_length().unwrap_or(0).min(cap).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(backend, &e, timeout))?
    {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > cap {
            return Err(too_large(backend, cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(backend: &str, cap: u64) -> BackendError {
    BackendError::Malformed {
        backend: backend.into(),
        detail: format!(
            "the answer is larger than the {} limit (max_response_size); stopped reading it",
            format_size(cap)
        ),
    }
}

/// `67108864` → `64 MiB`; sizes that are not whole KiB/MiB/GiB in bytes.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    UNITS
        .iter()
        .find(|(size, _)| bytes >= *size && bytes.is_multiple_of(*size))
        .map_or_else(
            || format!("{bytes} bytes"),
            |(size, unit)| format!("{} {unit}", bytes / size),
        )
}

#[cfg(test)]
mod tests;
