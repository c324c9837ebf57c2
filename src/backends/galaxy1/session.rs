//! GALAXY1 session authentication (PROVISIONAL): `POST {base}/sessions {"login", "password"}`
//! answers `{"sessionToken", "expiresInSeconds"}`; requests carry `Authorization: Session
//! <token>`. The session is one [`Renewing`] credential: cached until shortly before it
//! expires, renewed by one task at a time, dropped when the platform answers 401.

use crate::backends::http::credentials;
use crate::backends::http::{Exchange, Obtained, Renewing};
use crate::backends::{BackendError, BackendResult};
use async_trait::async_trait;
use reqwest::Client;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionReply {
    session_token: String,
    expires_in_seconds: Option<u64>,
}

/// How a GALAXY1 session is opened.
pub struct SessionExchange {
    url: String,
    login: String,
    password: SecretString,
}

/// A GALAXY1 session, cached and renewed shortly before it expires (the one renewing source,
/// `backends/http/renewing.rs`).
pub type SessionAuth = Renewing<SessionExchange>;

/// Assumed when the platform does not say (its documented default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(1800);

impl Renewing<SessionExchange> {
    pub fn new(url: String, login: &str, password: SecretString) -> Self {
        crate::redact::register_credential(
            &crate::backends::http::auth::redaction_slot("galaxy1-login"),
            Some(login),
            password.expose_secret(),
        );
        Renewing::with(SessionExchange {
            url,
            login: login.to_string(),
            password,
        })
    }
}

#[async_trait]
impl Exchange for SessionExchange {
    fn what(&self) -> &'static str {
        "a GALAXY1 session"
    }

    async fn obtain(&self, client: &Client, backend: &str) -> BackendResult<Obtained> {
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
            &|t| crate::redact::scrub(t).into_owned(),
        )
        .await?;
        let mut header = HeaderValue::from_str(&format!("Session {}", reply.session_token))
            .map_err(|_| BackendError::Malformed {
                backend: backend.into(),
                detail: "the session token is not a valid header value".into(),
            })?;
        header.set_sensitive(true);
        Ok(Obtained {
            header,
            token: SecretString::from(reply.session_token),
            lifetime: reply
                .expires_in_seconds
                .map_or(DEFAULT_LIFETIME, Duration::from_secs),
        })
    }
}
