//! Credentials that travel in a carrier-named header instead of `Authorization`:
//! [`ApiKey`], a fixed key (AIRLINQ's `X-API-Key`), which a 401 cannot refresh; and
//! [`SessionLogin`], a session token obtained by logging in with a user name and password
//! (Turkcell's `POST …/session/login` → `X-Session-Token`), cached until shortly before its
//! validity ends and fetched again after a 401.

use super::super::BackendResult;
use super::auth::{TokenSource, redaction_slot, sensitive};
use super::renewing::{Exchange, Obtained, Renewing};
use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Client, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// A fixed API key in a named header.
pub struct ApiKey {
    header: HeaderName,
    value: HeaderValue,
}

impl ApiKey {
    pub fn new(header: HeaderName, key: SecretString) -> Self {
        let value = sensitive(key.expose_secret());
        crate::redact::register_secret(&redaction_slot("api-key"), key.expose_secret());
        Self { header, value }
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
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginReply {
    session_token: String,
    #[serde(default)]
    validity_seconds: Option<u64>,
}

/// Validity assumed when the login answer does not say.
const DEFAULT_VALIDITY: Duration = Duration::from_secs(600);

/// How a session token is asked for: a JSON login (`{"userName","password"}` →
/// `{"sessionToken", "validitySeconds"}`), the token sent in `header`.
pub struct LoginExchange {
    login_url: Url,
    header: HeaderName,
    username: String,
    password: SecretString,
}

/// A session token from a JSON login, cached and renewed shortly before its validity ends.
pub type SessionLogin = Renewing<LoginExchange>;

impl Renewing<LoginExchange> {
    pub fn new(login_url: Url, header: HeaderName, username: &str, password: SecretString) -> Self {
        crate::redact::register_credential(
            &redaction_slot("login"),
            Some(username),
            password.expose_secret(),
        );
        Renewing::with(LoginExchange {
            login_url,
            header,
            username: username.to_string(),
            password,
        })
    }
}

#[async_trait]
impl Exchange for LoginExchange {
    fn what(&self) -> &'static str {
        "a session (login)"
    }

    fn header_name(&self) -> HeaderName {
        self.header.clone()
    }

    async fn obtain(&self, client: &Client, backend: &str) -> BackendResult<Obtained> {
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
            &|t| crate::redact::scrub(t).into_owned(),
        )
        .await?;
        let token = SecretString::from(reply.session_token);
        Ok(Obtained {
            header: sensitive(token.expose_secret()),
            token,
            lifetime: reply
                .validity_seconds
                .map_or(DEFAULT_VALIDITY, Duration::from_secs),
        })
    }
}
