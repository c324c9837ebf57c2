//! HTTP Basic credentials as the simulators read them (RFC 7617): the one parser of an
//! `Authorization: Basic base64(user:secret)` header, shared by every simulator whose carrier
//! authenticates a user or an OAuth2 client that way.

use axum::http::{HeaderMap, header};
use base64::Engine as _;

/// The (user, secret) of an `Authorization: Basic …` header; `None` when the header is missing,
/// of another scheme, not base64, not UTF-8 or without the `:`.
pub fn credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, secret) = text.split_once(':')?;
    Some((user.to_string(), secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn reads_user_and_secret_and_refuses_the_rest() {
        // "alice:s3:cret" — the secret may itself hold a ':'.
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:s3:cret");
        assert_eq!(
            credentials(&with(&format!("basic {b64}"))),
            Some(("alice".into(), "s3:cret".into()))
        );
        assert_eq!(credentials(&HeaderMap::new()), None);
        assert_eq!(credentials(&with(&format!("Bearer {b64}"))), None);
        assert_eq!(credentials(&with("Basic !!!")), None);
        let no_colon = base64::engine::general_purpose::STANDARD.encode("alice");
        assert_eq!(credentials(&with(&format!("Basic {no_colon}"))), None);
    }
}
