//! Authorization strategies behind one trait, [`TokenSource`]: static Basic credentials (Cisco
//! Control Center), and OAuth2-style bearer tokens fetched from a token endpoint and cached until
//! shortly before they expire (1NCE's Basic → JSON `/oauth/token`, client credentials as form body
//! or Basic, Aeris' password grant). Token values live in `SecretString`s; headers are marked
//! sensitive; `redact` scrubs the secret and the current token from any text we show.

use super::super::BackendResult;
use super::renewing::{Exchange, Obtained, Renewing};
use async_trait::async_trait;
use base64::Engine;
use reqwest::header::HeaderValue;
use reqwest::{Client, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// Produces the `Authorization` header for each request.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// The header for the next request; `None` sends no `Authorization`.
    async fn authorization(
        &self,
        client: &Client,
        backend: &str,
    ) -> BackendResult<Option<HeaderValue>>;

    /// The carrier answered 401 to a request sent with `rejected`. Drop that token (unless it
    /// was already replaced) and say whether asking again can help (false for fixed credentials).
    fn invalidate(&self, rejected: Option<&HeaderValue>) -> bool;

    /// Whether the next request will first fetch a token from the carrier: that request takes
    /// its own place in the account's pace, so the carrier never sees more than its limit in a
    /// second, token requests included.
    fn will_fetch(&self) -> bool {
        false
    }

    /// The header the credential travels in (`Authorization` unless the carrier says otherwise,
    /// e.g. `X-API-Key`).
    fn header_name(&self) -> reqwest::header::HeaderName {
        reqwest::header::AUTHORIZATION
    }

    /// `text` with every secret replaced by `***`: the one redaction path (`redact.rs`),
    /// where every source registers its secret when built and each token when it gets one.
    fn redact(&self, text: &str) -> String {
        crate::redact::scrub(text).into_owned()
    }
}

/// A slot name of the redaction registry unique to one credential source, so the token it
/// renews replaces its previous one there (`redact::register_secret`).
pub(crate) fn redaction_slot(what: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{what}#{n}")
}

/// No authentication (loopback tools, tests).
pub struct NoAuth;

#[async_trait]
impl TokenSource for NoAuth {
    async fn authorization(&self, _: &Client, _: &str) -> BackendResult<Option<HeaderValue>> {
        Ok(None)
    }
    fn invalidate(&self, _: Option<&HeaderValue>) -> bool {
        false
    }
}

fn basic_value(username: &str, secret: &SecretString) -> HeaderValue {
    let raw = format!("{username}:{}", secret.expose_secret());
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
    sensitive(&format!("Basic {encoded}"))
}

pub(super) fn sensitive(value: &str) -> HeaderValue {
    // Base64 and token characters are always valid header bytes; an invalid token is replaced
    // by an empty value, which the carrier rejects with 401 like any bad credential.
    let mut v = HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// HTTP Basic with a user name and an API key (Cisco Control Center).
pub struct BasicAuth {
    header: HeaderValue,
}

impl BasicAuth {
    pub fn new(username: &str, secret: SecretString) -> Self {
        let header = basic_value(username, &secret);
        crate::redact::register_credential(
            &redaction_slot("basic"),
            Some(username),
            secret.expose_secret(),
        );
        Self { header }
    }
}

#[async_trait]
impl TokenSource for BasicAuth {
    async fn authorization(&self, _: &Client, _: &str) -> BackendResult<Option<HeaderValue>> {
        Ok(Some(self.header.clone()))
    }
    fn invalidate(&self, _: Option<&HeaderValue>) -> bool {
        false
    }
}

/// How a token endpoint wants to be asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// 1NCE: `Authorization: Basic base64(client:secret)`, JSON `{"grant_type":"client_credentials"}`.
    BasicJsonClientCredentials,
    /// OAuth2 client credentials with `client_id`/`client_secret` in the form body.
    ClientCredentialsForm { scope: Option<String> },
    /// OAuth2 client credentials with Basic client authentication and a form body.
    ClientCredentialsBasic { scope: Option<String> },
    /// OAuth2 password grant (Aeris: `client_id=cm-public-api-client`).
    Password { client_id: String },
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// How a bearer token is asked of `token_url` (see [`Grant`]).
pub struct OAuthExchange {
    grant: Grant,
    token_url: Url,
    username: String,
    secret: SecretString,
}

/// A bearer token from `token_url`, cached and renewed shortly before it expires.
pub type OAuthToken = Renewing<OAuthExchange>;

/// Lifetime assumed when the endpoint does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

impl Renewing<OAuthExchange> {
    pub fn new(grant: Grant, token_url: Url, username: &str, secret: SecretString) -> Self {
        crate::redact::register_credential(
            &redaction_slot("oauth-client"),
            Some(username),
            secret.expose_secret(),
        );
        Renewing::with(OAuthExchange {
            grant,
            token_url,
            username: username.to_string(),
            secret,
        })
    }
}

#[async_trait]
impl Exchange for OAuthExchange {
    fn what(&self) -> &'static str {
        "a new access token"
    }

    async fn obtain(&self, client: &Client, backend: &str) -> BackendResult<Obtained> {
        let secret = self.secret.expose_secret();
        let request = match &self.grant {
            Grant::BasicJsonClientCredentials => client
                .post(self.token_url.clone())
                .header(
                    reqwest::header::AUTHORIZATION,
                    basic_value(&self.username, &self.secret),
                )
                .json(&serde_json::json!({"grant_type": "client_credentials"})),
            Grant::ClientCredentialsForm { scope } => {
                let mut form = vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", self.username.as_str()),
                    ("client_secret", secret),
                ];
                if let Some(s) = scope {
                    form.push(("scope", s));
                }
                client.post(self.token_url.clone()).form(&form)
            }
            Grant::ClientCredentialsBasic { scope } => {
                let mut form = vec![("grant_type", "client_credentials")];
                if let Some(s) = scope {
                    form.push(("scope", s));
                }
                client
                    .post(self.token_url.clone())
                    .header(
                        reqwest::header::AUTHORIZATION,
                        basic_value(&self.username, &self.secret),
                    )
                    .form(&form)
            }
            Grant::Password { client_id } => client.post(self.token_url.clone()).form(&[
                ("grant_type", "password"),
                ("client_id", client_id.as_str()),
                ("username", self.username.as_str()),
                ("password", secret),
            ]),
        };
        let reply: TokenReply = super::credentials::exchange(
            request,
            backend,
            "token request",
            "a token object with access_token",
            &|t| crate::redact::scrub(t).into_owned(),
        )
        .await?;
        let lifetime = reply
            .expires_in
            .as_ref()
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        let token = SecretString::from(reply.access_token);
        Ok(Obtained {
            header: sensitive(&format!("Bearer {}", token.expose_secret())),
            token,
            lifetime,
        })
    }
}
