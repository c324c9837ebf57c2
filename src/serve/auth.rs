//! Who may call the gateway: the OAuth2 client-credentials token endpoint (client id and secret
//! in the form body or as HTTP Basic, as on the CMO API's Keycloak), short-lived opaque bearer
//! tokens, and the middleware in front of the API — 401 without a valid token, 403 for another
//! tenant or for a change by a read-only client (before anything is sent). The caller's
//! identity travels to the handlers as a [`Caller`]; the `X-Operator` header is recorded with
//! it but never decides anything.

use super::Shared;
use crate::cmo_api::wire::{oauth_error, problem};
use crate::cmo_api::{API_PREFIX, ROLE_READ, ROLE_WRITE};
use crate::config::{ClientConfig, Role};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine as _;
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most live tokens kept; issuing past it drops the expired ones first, then the oldest.
const MAX_TOKENS: usize = 10_000;
/// The longest `X-Operator` kept (characters).
const MAX_OPERATOR: usize = 64;

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client: String,
    pub role: Role,
    /// `X-Operator` as sent (sanitized), else none: informative, for the journal.
    pub operator: Option<String>,
    pub peer: Option<SocketAddr>,
}

struct Issued {
    client: String,
    role: Role,
    expires: Instant,
}

pub struct Tokens {
    ttl: Duration,
    clients: Vec<ClientConfig>,
    live: Mutex<HashMap<String, Issued>>,
}

impl Tokens {
    pub fn new(clients: Vec<ClientConfig>, ttl: Duration) -> Self {
        Tokens {
            ttl,
            clients,
            live: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Issued>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client these credentials name, when the secret matches.
    fn authenticate(&self, id: &str, secret: &str) -> Option<&ClientConfig> {
        let client = self.clients.iter().find(|c| c.id == id)?;
        constant_time_eq(client.secret.expose_secret().as_bytes(), secret.as_bytes())
            .then_some(client)
    }

    fn issue(&self, client: &ClientConfig) -> String {
        let bytes: [u8; 32] = rand::random();
        let token = format!(
            "cmogw.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let now = Instant::now();
        let mut live = self.lock();
        if live.len() >= MAX_TOKENS {
            live.retain(|_, t| t.expires > now);
        }
        if live.len() >= MAX_TOKENS
            && let Some(oldest) = live
                .iter()
                .min_by_key(|(_, t)| t.expires)
                .map(|(k, _)| k.clone())
        {
            live.remove(&oldest);
        }
        live.insert(
            token.clone(),
            Issued {
                client: client.id.clone(),
                role: client.role,
                expires: now + self.ttl,
            },
        );
        token
    }

    fn check(&self, token: &str) -> Result<(String, Role), &'static str> {
        let mut live = self.lock();
        match live.get(token) {
            Some(t) if t.expires > Instant::now() => Ok((t.client.clone(), t.role)),
            Some(_) => {
                live.remove(token);
                Err("Access token expired")
            }
            None => Err("Invalid access token"),
        }
    }

    /// Every token issued so far stops working (clients fetch a new one on their next 401).
    pub fn revoke_all(&self) {
        self.lock().clear();
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of the secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= (*x ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

/// HTTP Basic credentials, else the form's `client_id`/`client_secret`.
fn credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        });
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

/// `POST {TOKEN_PATH}`: client credentials → a bearer token of `token_ttl`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        );
    }
    let Some((id, secret)) = credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials missing",
        );
    };
    let Some(client) = shared.tokens.authenticate(&id, &secret) else {
        tracing::warn!(client = %crate::text::sanitize(&id), "gateway token refused: unknown client or wrong secret");
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        );
    };
    let token = shared.tokens.issue(client);
    tracing::info!(client = %client.id, role = client.role.as_str(), "gateway token issued");
    let roles = match client.role {
        Role::Operator => vec![ROLE_READ, ROLE_WRITE],
        Role::ReadOnly => vec![ROLE_READ],
    };
    Json(json!({
        "access_token": token,
        "expires_in": shared.tokens.ttl.as_secs(),
        "refresh_expires_in": 0,
        "token_type": "Bearer",
        "not-before-policy": 0,
        "scope": roles.join(" "),
    }))
    .into_response()
}

/// The operator a request names, sanitized and bounded; none when absent or blank.
fn operator(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get("x-operator")?.to_str().ok()?;
    let clean: String = crate::text::sanitize(raw)
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_OPERATOR)
        .collect();
    let clean = clean.trim().to_string();
    (!clean.is_empty()).then_some(clean)
}

/// Authenticates every API call, checks the tenant and the role, and hands on the [`Caller`].
pub async fn gate(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let instance = request.uri().path().to_string();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let checked = match bearer {
        None => Err("Full authentication is required to access this resource"),
        Some(t) => shared.tokens.check(&t),
    };
    let (client, role) = match checked {
        Ok(c) => c,
        Err(why) => {
            let mut resp = problem(StatusCode::UNAUTHORIZED, "Unauthorized", why, &instance);
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return resp;
        }
    };
    let tenant = instance
        .strip_prefix(API_PREFIX)
        .and_then(|rest| rest.trim_start_matches('/').split('/').next())
        .unwrap_or_default();
    if tenant != shared.tenant {
        let detail = format!(
            "The application has no access to tenant '{}'",
            crate::text::sanitize(tenant)
        );
        return problem(StatusCode::FORBIDDEN, "Forbidden", &detail, &instance);
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    // POST /product/find reads; every other non-GET changes something.
    let is_find = *request.method() == Method::POST && instance.ends_with("/product/find");
    if role == Role::ReadOnly && changes && !is_find {
        tracing::info!(%client, path = %instance, "change refused: read-only gateway client");
        let detail = format!(
            "Insufficient rights: client '{client}' is read-only (it holds only the {ROLE_READ} role); nothing was sent"
        );
        return problem(StatusCode::FORBIDDEN, "Forbidden", &detail, &instance);
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<super::tls::Peer>>()
        .map(|c| c.0.0);
    let caller = Caller {
        client,
        role,
        operator: operator(request.headers()),
        peer,
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn client(id: &str, role: Role) -> ClientConfig {
        ClientConfig {
            id: id.into(),
            secret: SecretString::from("s3cret-s3cret-s3cret".to_string()),
            secret_source: crate::config::SecretSource::Inline,
            role,
        }
    }

    #[test]
    fn tokens_name_their_client_expire_and_are_revoked() {
        let tokens = Tokens::new(
            vec![
                client("ops", Role::Operator),
                client("viewer", Role::ReadOnly),
            ],
            Duration::from_secs(60),
        );
        assert!(tokens.authenticate("ops", "wrong").is_none());
        assert!(
            tokens
                .authenticate("nobody", "s3cret-s3cret-s3cret")
                .is_none()
        );
        let ops = tokens.authenticate("ops", "s3cret-s3cret-s3cret").unwrap();
        let t = tokens.issue(ops);
        assert_eq!(tokens.check(&t), Ok(("ops".into(), Role::Operator)));
        assert_eq!(tokens.check("cmogw.forged"), Err("Invalid access token"));
        tokens.revoke_all();
        assert!(tokens.check(&t).is_err());
        let short = Tokens::new(vec![client("ops", Role::Operator)], Duration::ZERO);
        let t = short.issue(&short.clients[0]);
        assert_eq!(short.check(&t), Err("Access token expired"));
    }

    #[test]
    fn the_operator_header_is_sanitized_and_bounded() {
        let mut h = HeaderMap::new();
        h.insert("x-operator", HeaderValue::from_static("alice"));
        assert_eq!(operator(&h).as_deref(), Some("alice"));
        h.insert(
            "x-operator",
            HeaderValue::from_str(&"b".repeat(500)).unwrap(),
        );
        assert_eq!(operator(&h).map(|o| o.len()), Some(MAX_OPERATOR));
        h.insert("x-operator", HeaderValue::from_static("   "));
        assert_eq!(operator(&h), None);
    }
}
