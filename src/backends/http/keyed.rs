//! Credentials that travel in a carrier-named header instead of `Authorization`:
//! [`ApiKey`], a fixed key (AIRLINQ's `X-API-Key`), which a 401 cannot refresh; and
//! [`SessionLogin`], a session token obtained by logging in with a user name and password
//! (Turkcell's `POST …/session/login` → `X-Session-Token`), cached until shortly before its
//! validity ends and fetched again after a 401.

use super::super::BackendResult;
use super::auth::{TokenSource, scrub, sensitive};
use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Client, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A fixed API key in a named header.
pub struct ApiKey {
    header: HeaderName,
    key: SecretString,
    value: HeaderValue,
}

impl ApiKey {
    pub fn new(header: HeaderName, key: SecretString) -> Self {
        let value = sensitive(key.expose_secret());
        Self { header, key, value }
    }
}

#[async_trait]
impl TokenSource for ApiKey {
    async fn authorization(&self, _: &Client, _: &str) -> BackendResult<Option<HeaderValue>> {
        Ok(Some(self.value.clone()))
    }
    /// A rejected key stays rejected: asking again cannot help.
    fn invalidate(&self, _: Option<&HeaderValue>) -> bool {
        false
    }
    fn header_name(&self) -> HeaderName {
        self.header.clone()
    }
    fn redact(&self, text: &str) -> String {
        scrub(text, &[self.key.expose_secret()])
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginReply {
    session_token: String,
    #[serde(default)]
    validity_seconds: Option<u64>,
}

struct Session {
    value: HeaderValue,
    token: SecretString,
    refresh_at: Instant,
}

/// Validity assumed when the login answer does not say.
const DEFAULT_VALIDITY: Duration = Duration::from_secs(600);

/// A session token from a JSON login (`{"userName","password"}` → `{"sessionToken",
/// "validitySeconds"}`), sent in `header`.
pub struct SessionLogin {
    login_url: Url,
    header: HeaderName,
    username: String,
    password: SecretString,
    session: Mutex<Option<Session>>,
    /// Serializes logins so concurrent requests share one session.
    logging_in: tokio::sync::Mutex<()>,
}

impl SessionLogin {
    pub fn new(login_url: Url, header: HeaderName, username: &str, password: SecretString) -> Self {
        Self {
            login_url,
            header,
            username: username.to_string(),
            password,
            session: Mutex::new(None),
            logging_in: tokio::sync::Mutex::new(()),
        }
    }

    fn current(&self) -> Option<HeaderValue> {
        let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|s| Instant::now() < s.refresh_at)
            .map(|s| s.value.clone())
    }

    async fn login(&self, client: &Client, backend: &str) -> BackendResult<Session> {
        let body = serde_json::json!({
            "userName": self.username,
            "password": self.password.expose_secret(),
        });
        let request = client.post(self.login_url.clone()).json(&body);
        let reply: LoginReply = super::credentials::exchange(
            request,
            backend,
            "login",
            "a login answer with sessionToken",
            &|t| self.redact(t),
        )
        .await?;
        let validity = reply
            .validity_seconds
            .map_or(DEFAULT_VALIDITY, Duration::from_secs);
        // Log in again when a tenth of the validity (at most a minute) is left.
        let margin = (validity / 10).min(Duration::from_secs(60));
        let token = SecretString::from(reply.session_token);
        Ok(Session {
            value: sensitive(token.expose_secret()),
            token,
            refresh_at: Instant::now() + validity.saturating_sub(margin),
        })
    }
}

#[async_trait]
impl TokenSource for SessionLogin {
    async fn authorization(
        &self,
        client: &Client,
        backend: &str,
    ) -> BackendResult<Option<HeaderValue>> {
        if let Some(v) = self.current() {
            return Ok(Some(v));
        }
        let _one_at_a_time = self.logging_in.lock().await;
        if let Some(v) = self.current() {
            return Ok(Some(v));
        }
        tracing::debug!(backend, "logging in for a new session");
        let fresh = self.login(client, backend).await?;
        let value = fresh.value.clone();
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(fresh);
        Ok(Some(value))
    }

    fn invalidate(&self, rejected: Option<&HeaderValue>) -> bool {
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let same = match (guard.as_ref(), rejected) {
            (Some(s), Some(r)) => s.value == r,
            _ => true,
        };
        if same {
            *guard = None;
        }
        true
    }

    fn header_name(&self) -> HeaderName {
        self.header.clone()
    }

    fn redact(&self, text: &str) -> String {
        let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let token = guard
            .as_ref()
            .map(|s| s.token.expose_secret().to_string())
            .unwrap_or_default();
        scrub(text, &[self.password.expose_secret(), &token])
    }
}
