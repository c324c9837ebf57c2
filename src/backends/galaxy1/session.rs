//! GALAXY1 session authentication (PROVISIONAL): `POST {base}/sessions {"login", "password"}`
//! answers `{"sessionToken", "expiresInSeconds"}`; requests carry `Authorization: Session
//! <token>`. Sessions are cached until shortly before they expire, refreshed by one task at a
//! time, and dropped when the platform answers 401.

use crate::backends::http::TokenSource;
use crate::backends::http::credentials::{self, Credential, CredentialCache};
use crate::backends::{BackendError, BackendResult};
use async_trait::async_trait;
use reqwest::Client;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::{Duration, Instant};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionReply {
    session_token: String,
    expires_in_seconds: Option<u64>,
}

pub struct SessionAuth {
    url: String,
    login: String,
    password: SecretString,
    /// Shared by every request; renewed by one session request at a time.
    session: CredentialCache,
}

/// Assumed when the platform does not say (its documented default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(1800);

impl SessionAuth {
    pub fn new(url: String, login: &str, password: SecretString) -> Self {
        crate::redact::register_credential(
            &crate::backends::http::auth::redaction_slot("galaxy1-login"),
            Some(login),
            password.expose_secret(),
        );
        Self {
            url,
            login: login.to_string(),
            password,
            session: CredentialCache::default(),
        }
    }

    async fn open(&self, client: &Client, backend: &str) -> BackendResult<Credential> {
        let body = serde_json::json!({
            "login": self.login,
            "password": self.password.expose_secret(),
        });
        let request = client.post(&self.url).json(&body);
        let reply: SessionReply = credentials::exchange(
            request,
            backend,
            "session request",
            "a session object with sessionToken",
            &|t| self.redact(t),
        )
        .await?;
        let lifetime = reply
            .expires_in_seconds
            .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        let mut header = HeaderValue::from_str(&format!("Session {}", reply.session_token))
            .map_err(|_| BackendError::Malformed {
                backend: backend.into(),
                detail: "the session token is not a valid header value".into(),
            })?;
        header.set_sensitive(true);
        Ok(Credential {
            header,
            token: SecretString::from(reply.session_token),
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        })
    }
}

#[async_trait]
impl TokenSource for SessionAuth {
    async fn authorization(
        &self,
        client: &Client,
        backend: &str,
    ) -> BackendResult<Option<HeaderValue>> {
        let header = self
            .session
            .get_or_renew(|| {
                tracing::debug!(backend, "opening a GALAXY1 session");
                self.open(client, backend)
            })
            .await?;
        Ok(Some(header))
    }

    fn invalidate(&self, rejected: Option<&HeaderValue>) -> bool {
        self.session.invalidate(rejected);
        true
    }
}
