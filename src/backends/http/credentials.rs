//! The one exchange every credential source makes — an OAuth token request, a login, a
//! session request: send it, read the answer, and turn a refusal into the right error (5xx:
//! `Http`, 429: `RateLimited`, anything else: `Unauthorized`) with a redacted excerpt, or the
//! body into the expected JSON (`Malformed` when it is not). Sent outside the rate limiter:
//! credential endpoints are not the carrier's data API. And the cache every source keeps its
//! credential in: shared by all requests, renewed by one task at a time, dropped on rejection.

use super::excerpt;
use crate::backends::{BackendError, BackendResult};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

/// The largest answer a credential endpoint may send: a token or session object is a few
/// hundred bytes, so a megabyte is already absurd.
const CREDENTIAL_MAX_BYTES: u64 = 1 << 20;

/// Send `request` (`what` names it in errors: "token request", "login") and decode the answer
/// as `T` (`expected` names it: "a token object with access_token"). `redact` scrubs the
/// secret from any excerpt of the body.
pub(crate) async fn exchange<T: DeserializeOwned>(
    request: RequestBuilder,
    backend: &str,
    what: &str,
    expected: &str,
    redact: &(dyn Fn(&str) -> String + Sync),
) -> BackendResult<T> {
    // Within a command's deadline the exchange gets no more than the time left (the client's
    // own request timeout still applies inside it).
    let left = super::deadline::remaining();
    if left.is_some_and(|l| l.is_zero()) {
        return Err(BackendError::Other {
            backend: backend.into(),
            detail: format!("{what} not sent: the command's deadline (command_timeout) passed"),
        });
    }
    let read = async {
        let mut response = request
            .send()
            .await
            .map_err(|e| super::transport_error(backend, &e, None))?;
        let status = response.status();
        let body = super::read_capped(&mut response, CREDENTIAL_MAX_BYTES, backend, None).await?;
        Ok::<_, BackendError>((status, body))
    };
    let (status, body) = match left {
        Some(left) => {
            tokio::time::timeout(left, read)
                .await
                .map_err(|_| BackendError::Timeout {
                    backend: backend.into(),
                    timeout: left,
                })??
        }
        None => read.await?,
    };
    if !status.is_success() {
        let detail = format!(
            "{what} answered HTTP {}: {}",
            status.as_u16(),
            redact(&excerpt(&body))
        );
        return Err(match status {
            s if s.is_server_error() => BackendError::Http {
                backend: backend.into(),
                status: s.as_u16(),
                detail,
            },
            StatusCode::TOO_MANY_REQUESTS => BackendError::RateLimited {
                backend: backend.into(),
                attempts: 1,
            },
            _ => BackendError::Unauthorized {
                backend: backend.into(),
                detail,
            },
        });
    }
    serde_json::from_slice(&body).map_err(|e| BackendError::Malformed {
        backend: backend.into(),
        detail: format!("expected {expected}: {e}"),
    })
}

/// A credential in use: the header value requests carry, the secret inside it (scrubbed from
/// any text shown), and when to renew it.
pub(crate) struct Credential {
    pub header: reqwest::header::HeaderValue,
    pub token: secrecy::SecretString,
    pub refresh_at: std::time::Instant,
}

/// The credential every request of one backend shares: reused until its renewal time, renewed
/// by one task at a time (the others wait, then reuse what it got), dropped when the carrier
/// rejects it — unless another task already replaced it. Each credential it gets is
/// registered for redaction (`redact.rs`) in the cache's own slot, replacing the one before.
pub(crate) struct CredentialCache {
    current: std::sync::Mutex<Option<Credential>>,
    renewing: tokio::sync::Mutex<()>,
    redaction_slot: String,
}

impl Default for CredentialCache {
    fn default() -> Self {
        CredentialCache {
            current: std::sync::Mutex::default(),
            renewing: tokio::sync::Mutex::default(),
            redaction_slot: super::auth::redaction_slot("credential"),
        }
    }
}

impl CredentialCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Credential>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self) -> Option<reqwest::header::HeaderValue> {
        self.lock()
            .as_ref()
            .filter(|c| std::time::Instant::now() < c.refresh_at)
            .map(|c| c.header.clone())
    }

    /// The current header, or `renew`'s (one renewal at a time).
    pub async fn get_or_renew<Fut>(
        &self,
        renew: impl FnOnce() -> Fut,
    ) -> BackendResult<reqwest::header::HeaderValue>
    where
        Fut: std::future::Future<Output = BackendResult<Credential>>,
    {
        if let Some(h) = self.fresh() {
            return Ok(h);
        }
        let _one_at_a_time = self.renewing.lock().await;
        // Another task may have renewed while this one waited.
        if let Some(h) = self.fresh() {
            return Ok(h);
        }
        let credential = renew().await?;
        {
            use secrecy::ExposeSecret;
            crate::redact::register_secret(&self.redaction_slot, credential.token.expose_secret());
        }
        let header = credential.header.clone();
        *self.lock() = Some(credential);
        Ok(header)
    }

    /// Drop the credential the carrier rejected (`None`: whatever is cached).
    pub fn invalidate(&self, rejected: Option<&reqwest::header::HeaderValue>) {
        let mut current = self.lock();
        let same = match (current.as_ref(), rejected) {
            (Some(c), Some(r)) => c.header == r,
            _ => true,
        };
        if same {
            *current = None;
        }
    }
}
