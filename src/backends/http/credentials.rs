//! The one exchange every credential source makes — an OAuth token request, a login, a
//! session request: send it, read the answer, and turn a refusal into the right error (5xx:
//! `Http`, 429: `RateLimited`, anything else: `Unauthorized`) with a redacted excerpt, or the
//! body into the expected JSON (`Malformed` when it is not). Sent outside the rate limiter:
//! credential endpoints are not the carrier's data API.

use super::excerpt;
use crate::backends::{BackendError, BackendResult};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

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
    let response = request
        .send()
        .await
        .map_err(|e| super::transport_error(backend, &e, None))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| super::transport_error(backend, &e, None))?;
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
