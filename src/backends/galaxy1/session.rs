//! GALAXY1 session authentication (PROVISIONAL): `POST {base}/sessions {"login", "password"}`
//! answers `{"sessionToken", "expiresInSeconds"}`; requests carry `Authorization: Session
//! <token>`. Sessions are cached until shortly before they expire, refreshed by one task at a
//! time, and dropped when the platform answers 401.

use crate::backends::http::{TokenSource, credentials};
use crate::backends::{BackendError, BackendResult};
use async_trait::async_trait;
use reqwest::Client;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionReply {
    session_token: String,
    expires_in_seconds: Option<u64>,
}

struct Session {
    header: HeaderValue,
    token: SecretString,
    refresh_at: Instant,
}

pub struct SessionAuth {
    url: String,
    login: String,
    password: SecretString,
    cache: Mutex<Option<Session>>,
    refreshing: tokio::sync::Mutex<()>,
}

/// Assumed when the platform does not say (its documented default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(1800);

impl SessionAuth {
    pub fn new(url: String, login: &str, password: SecretString) -> Self {
        Self {
            url,
            login: login.to_string(),
            password,
            cache: Mutex::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self) -> Option<HeaderValue> {
        let guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|s| Instant::now() < s.refresh_at)
            .map(|s| s.header.clone())
    }

    async fn open(&self, client: &Client, backend: &str) -> BackendResult<Session> {
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
        Ok(Session {
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
        if let Some(h) = self.cached() {
            return Ok(Some(h));
        }
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(h) = self.cached() {
            return Ok(Some(h));
        }
        tracing::debug!(backend, "opening a GALAXY1 session");
        let session = self.open(client, backend).await?;
        let header = session.header.clone();
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(session);
        Ok(Some(header))
    }

    fn invalidate(&self, rejected: Option<&HeaderValue>) -> bool {
        let mut guard = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let same = match (guard.as_ref(), rejected) {
            (Some(s), Some(r)) => s.header == r,
            _ => true,
        };
        if same {
            *guard = None;
        }
        true
    }

    fn redact(&self, text: &str) -> String {
        let token = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.token.expose_secret().to_string())
            .unwrap_or_default();
        let mut out = text.to_string();
        for secret in [self.password.expose_secret(), token.as_str()] {
            if secret.len() >= 4 {
                out = out.replace(secret, "***");
            }
        }
        out
    }
}
