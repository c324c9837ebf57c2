//! Keycloak-style authentication of the CMO simulator: the client-credentials token endpoint
//! (credentials in the form body or as HTTP Basic), JWT-shaped access tokens carrying the doc
//! sample's claims (`tenants`, `realm_access.roles` with `ro%`/`rw%` roles), and the gate in
//! front of the API: 401 for a missing or expired token, 403 for a foreign tenant or a write
//! with a read-only client.
//!
//! The JWT's signature part is an opaque token from the shared [`TokenIssuer`], which knows its
//! expiry (and `FaultControl::expire_tokens_now`); the claims are informative for clients.

use super::render::problem;
use super::{READ_ONLY_SUFFIX, TENANT, Tenant};
use crate::sim::tokens::TokenCheck;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

use crate::cmo_api::wire::oauth_error;
use crate::cmo_api::{ROLE_READ, ROLE_WRITE};

/// The client's (id, secret) from HTTP Basic, else from the form body.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    let basic = crate::sim::basic::credentials(headers);
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

pub(super) async fn token(
    State(tenant): State<Arc<Tenant>>,
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
    let Some((client, secret)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client credentials missing",
        );
    };
    let read_only = format!("{}{READ_ONLY_SUFFIX}", tenant.client_id);
    let known = client == tenant.client_id || client == read_only;
    if !known || secret != tenant.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        );
    }
    let issued = tenant.tokens.issue(&client);
    let roles = if client == read_only {
        vec![ROLE_READ]
    } else {
        vec![ROLE_READ, ROLE_WRITE]
    };
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "exp": now + issued.expires_in as i64,
        "iat": now,
        "iss": "https://iam.simulated.local/auth/realms/iothub",
        "azp": client,
        "clientId": client,
        "preferred_username": format!("service-account-{client}"),
        "realm_access": {"roles": roles},
        "tenants": [TENANT],
        "scope": "openid email profile",
    });
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let jwt = format!(
        "{}.{}.{}",
        part(json!({"alg": "RS256", "typ": "JWT"})),
        part(claims),
        issued.access_token
    );
    Json(json!({
        "access_token": jwt,
        "expires_in": issued.expires_in,
        "refresh_expires_in": 0,
        "token_type": "Bearer",
        "not-before-policy": 0,
        "scope": "openid email profile",
    }))
    .into_response()
}

/// The client a bearer JWT was issued to, or why it is refused.
fn bearer_client(tenant: &Tenant, headers: &HeaderMap) -> Result<String, &'static str> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or("Full authentication is required to access this resource")?;
    let signature = token.rsplit('.').next().unwrap_or_default();
    match tenant.tokens.check(signature) {
        TokenCheck::Valid(client) => Ok(client),
        TokenCheck::Expired => Err("Access token expired"),
        TokenCheck::Unknown => Err("Invalid access token"),
    }
}

/// Authenticates every API call, checks tenant and write role, and settles due monitors.
pub(super) async fn gate(
    State(tenant): State<Arc<Tenant>>,
    request: Request,
    next: Next,
) -> Response {
    let instance = request.uri().path().to_string();
    let client = match bearer_client(&tenant, request.headers()) {
        Ok(c) => c,
        Err(why) => {
            let mut resp = problem(StatusCode::UNAUTHORIZED, "Unauthorized", why, &instance);
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return resp;
        }
    };
    let tenant_segment = instance
        .strip_prefix(super::API_PREFIX)
        .and_then(|rest| rest.trim_start_matches('/').split('/').next())
        .unwrap_or_default();
    if tenant_segment != TENANT {
        let detail = format!("The application has no access to tenant '{tenant_segment}'");
        return problem(StatusCode::FORBIDDEN, "Forbidden", &detail, &instance);
    }
    let read_only = client.ends_with(READ_ONLY_SUFFIX);
    if read_only && request.method() == Method::PATCH {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Insufficient rights: the application holds only the ro%connection-management-orchestrator role",
            &instance,
        );
    }
    tenant.jobs.settle();
    next.run(request).await
}
