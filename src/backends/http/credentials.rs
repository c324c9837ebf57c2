//! The one exchange every credential source makes — an OAuth token request, a login, a
//! session request: send it, read the answer, and turn a refusal into the right error (5xx:
//! `Http`, 429: `RateLimited`, 401/403 or a 4xx whose body says the credentials were refused:
//! `Unauthorized`, any other 4xx: `Http` with what the carrier said) with a redacted excerpt, or the
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
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => BackendError::Unauthorized {
                backend: backend.into(),
                detail,
            },
            // Another 4xx is "credentials refused" only when the carrier says so (1NCE
            // answers 400 `BadCredentials` for a wrong user); otherwise the request itself was
            // refused (an IOTA 400 "grant_type must be password") and says what it wanted.
            _ if refuses_credentials(&body) => BackendError::Unauthorized {
                backend: backend.into(),
                detail,
            },
            s => BackendError::Http {
                backend: backend.into(),
                status: s.as_u16(),
                detail,
            },
        });
    }
    serde_json::from_slice(&body).map_err(|e| BackendError::Malformed {
        backend: backend.into(),
        detail: format!("expected {expected}: {e}"),
    })
}

/// Whether a credential endpoint's refusal body says the credentials were refused: an OAuth2
/// error code about the client or grant (RFC 6749 §5.2), or a carrier's own wording about
/// credentials, an unknown user or client, or failed authentication.
fn refuses_credentials(body: &[u8]) -> bool {
    const MARKERS: [&str; 12] = [
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "access_denied",
        "badcredentials",
        "credential",
        "unknown client",
        "unknown user",
        "invalid user",
        "wrong user",
        "authentication failed",
        "unauthorized",
    ];
    let text = String::from_utf8_lossy(body).to_lowercase();
    MARKERS.iter().any(|m| text.contains(m))
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

    /// Whether a credential is cached and not yet due for renewal.
    pub fn is_fresh(&self) -> bool {
        self.fresh().is_some()
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

#[cfg(test)]
mod refusal_tests {
    use super::refuses_credentials;

    #[test]
    fn only_a_body_about_credentials_is_a_credentials_refusal() {
        // 1NCE, wrong user: 400 BadCredentials.
        assert!(refuses_credentials(
            br#"{"statusCode":400,"errorCode":"BadCredentials","message":"Invalid client credentials"}"#
        ));
        assert!(refuses_credentials(br#"{"error":"invalid_client"}"#));
        assert!(refuses_credentials(b"unknown client_id"));
        // IOTA, a missing or wrong field: a bad request, whatever word it mentions.
        assert!(!refuses_credentials(
            br#"{"code":4000,"message":"Bad request","detailedMessage":"grant_type must be password"}"#
        ));
        assert!(!refuses_credentials(br#"{"error":"invalid_request"}"#));
    }
}
