//! HTTP transport of the TMSP adapter: a reqwest client, the OAuth2 client-credentials token
//! (Keycloak realm `default`, cached until shortly before expiry, refreshed once on a 401), and
//! the mapping of HTTP failures onto [`BackendError`].
//!
//! Interim: when the shared `backends::http::HttpPolicy` lands (retries, rate limit, token
//! source), this module shrinks to a thin wrapper around it; the adapter only calls [`Transport::call`].

use crate::backends::{BackendError, BackendResult};
use crate::text::sanitize;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub const API_PATH: &str = "/iot/connectivity/management/v1";
pub const TOKEN_PATH: &str = "/auth/realms/default/protocol/openid-connect/token";
/// Refresh this long before the announced expiry, so a token never dies in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(15);

struct CachedToken {
    value: SecretString,
    valid_until: Instant,
}

pub struct Transport {
    client: reqwest::Client,
    /// Gateway origin, e.g. `https://sg-api.telekom.de` (no trailing slash).
    origin: String,
    client_id: String,
    client_secret: SecretString,
    /// Backend name, for errors.
    backend: String,
    timeout: Duration,
    token: Mutex<Option<CachedToken>>,
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

impl Transport {
    pub fn new(
        backend: &str,
        base_url: &str,
        client_id: &str,
        client_secret: SecretString,
        timeout: Duration,
    ) -> BackendResult<Self> {
        // reqwest is built without a default crypto provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| BackendError::Other {
                backend: backend.to_string(),
                detail: format!("cannot build HTTP client: {e}"),
            })?;
        Ok(Transport {
            client,
            origin: base_url.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            client_secret,
            backend: backend.to_string(),
            timeout,
            token: Mutex::new(None),
        })
    }

    async fn token(&self, force: bool) -> BackendResult<SecretString> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached
            .as_ref()
            .filter(|t| !force && t.valid_until > Instant::now())
        {
            return Ok(t.value.clone());
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let url = format!("{}{TOKEN_PATH}", self.origin);
        let resp = self
            .client
            .post(&url)
            .form(&form)
            .send()
            .await
            .map_err(|e| self.network(e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.network(e))?;
        if !status.is_success() {
            // Keycloak: {"error": "invalid_client", "error_description": "…"} — never the secret.
            let detail = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("error_description")
                        .and_then(|d| d.as_str())
                        .map(sanitize)
                })
                .unwrap_or_else(|| format!("token endpoint answered HTTP {}", status.as_u16()));
            return Err(BackendError::Unauthorized {
                backend: self.backend.clone(),
                detail,
            });
        }
        let parsed: TokenResponse = self.parse(&body)?;
        let ttl = Duration::from_secs(parsed.expires_in.unwrap_or(300));
        let value = SecretString::from(parsed.access_token);
        *cached = Some(CachedToken {
            value: value.clone(),
            valid_until: Instant::now() + ttl.saturating_sub(EXPIRY_MARGIN),
        });
        Ok(value)
    }

    /// Call `method path` (relative to the API base path) with an optional JSON body and parse
    /// the answer. `what` names the object for a 404. A 401 refreshes the token and retries once.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> BackendResult<T> {
        let url = format!("{}{API_PATH}{path}", self.origin);
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let mut req = self
                .client
                .request(method.clone(), &url)
                .bearer_auth(token.expose_secret());
            if let Some(b) = body {
                req = req.json(b);
            }
            let resp = req.send().await.map_err(|e| self.network(e))?;
            let status = resp.status();
            let text = resp.text().await.map_err(|e| self.network(e))?;
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                tracing::debug!(backend = %self.backend, "TMSP token refused; refreshing");
                refreshed = true;
                continue;
            }
            if status.is_success() {
                return self.parse(&text);
            }
            return Err(self.http_error(status, &text, what));
        }
    }

    fn parse<T: DeserializeOwned>(&self, text: &str) -> BackendResult<T> {
        serde_json::from_str(text).map_err(|e| BackendError::Malformed {
            backend: self.backend.clone(),
            detail: e.to_string(),
        })
    }

    fn http_error(&self, status: StatusCode, text: &str, what: &str) -> BackendError {
        let body: Option<super::wire::ApiErrorDto> = serde_json::from_str(text).ok();
        let detail = body
            .and_then(|b| match (b.code, b.message) {
                (Some(c), Some(m)) => Some(format!("{c}: {m}")),
                (c, m) => c.or(m),
            })
            .map(|d| sanitize(&d))
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        let backend = self.backend.clone();
        match status.as_u16() {
            401 => BackendError::Unauthorized { backend, detail },
            403 => BackendError::Forbidden { backend, detail },
            404 => BackendError::NotFound {
                backend,
                what: what.to_string(),
            },
            429 => BackendError::RateLimited {
                backend,
                attempts: 1,
            },
            code => BackendError::Http {
                backend,
                status: code,
                detail,
            },
        }
    }

    fn network(&self, e: reqwest::Error) -> BackendError {
        let backend = self.backend.clone();
        if e.is_timeout() {
            BackendError::Timeout {
                backend,
                timeout: self.timeout,
            }
        } else if e.is_decode() {
            BackendError::Malformed {
                backend,
                detail: e.to_string(),
            }
        } else {
            // reqwest errors carry the URL, never headers or the form, so no secret leaks here.
            BackendError::Unreachable {
                backend,
                detail: e.without_url().to_string(),
            }
        }
    }
}
