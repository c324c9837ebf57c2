//! Bearer tokens for OAuth-style simulated platforms: opaque random tokens with an expiry.
//! `FaultControl::expire_tokens_now()` invalidates every token issued before the call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use rand::Rng;

use super::faults::{FaultControl, lock};

/// What a presented token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Valid; carries the subject (client id / organisation) it was issued to.
    Valid(String),
    Expired,
    /// Absent, malformed or never issued.
    Unknown,
}

/// A freshly issued token and its lifetime in whole seconds (as OAuth's `expires_in`).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

#[derive(Debug)]
struct Grant {
    subject: String,
    expires_at: Instant,
    epoch: u64,
}

/// Issues and checks the bearer tokens of one platform.
#[derive(Debug)]
pub struct TokenIssuer {
    ttl: Duration,
    control: Arc<FaultControl>,
    grants: Mutex<HashMap<String, Grant>>,
}

impl TokenIssuer {
    pub fn new(ttl: Duration, control: Arc<FaultControl>) -> Self {
        Self {
            ttl,
            control,
            grants: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Issues a new opaque token for `subject`; forgets tokens that have expired meanwhile.
    pub fn issue(&self, subject: &str) -> IssuedToken {
        let mut rng = rand::rng();
        let access_token: String = (0..40)
            .map(|_| {
                char::from(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        [rng.random_range(0..62)],
                )
            })
            .collect();
        let now = Instant::now();
        let epoch = self.control.token_epoch();
        let mut grants = lock(&self.grants);
        grants.retain(|_, g| g.expires_at > now && g.epoch == epoch);
        grants.insert(
            access_token.clone(),
            Grant {
                subject: subject.to_string(),
                expires_at: now + self.ttl,
                epoch,
            },
        );
        IssuedToken {
            access_token,
            expires_in: self.ttl.as_secs(),
        }
    }

    /// Checks a raw token.
    pub fn check(&self, token: &str) -> TokenCheck {
        let grants = lock(&self.grants);
        match grants.get(token) {
            None => TokenCheck::Unknown,
            Some(g) if g.expires_at <= Instant::now() || g.epoch != self.control.token_epoch() => {
                TokenCheck::Expired
            }
            Some(g) => TokenCheck::Valid(g.subject.clone()),
        }
    }

    /// Checks the `Authorization: Bearer …` header (scheme case-insensitive).
    pub fn check_headers(&self, headers: &HeaderMap) -> TokenCheck {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map_or(TokenCheck::Unknown, |(_, token)| self.check(token.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_util::sync::CancellationToken;

    #[test]
    fn tokens_expire_by_ttl_and_on_demand() {
        let control = Arc::new(FaultControl::new(1, CancellationToken::new()));
        let issuer = TokenIssuer::new(Duration::from_secs(3600), control.clone());
        let token = issuer.issue("org-1");
        assert_eq!(token.expires_in, 3600);
        assert_eq!(token.access_token.len(), 40);
        assert_eq!(
            issuer.check(&token.access_token),
            TokenCheck::Valid("org-1".into())
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            format!("bearer {}", token.access_token)
                .parse()
                .expect("header"),
        );
        assert_eq!(
            issuer.check_headers(&headers),
            TokenCheck::Valid("org-1".into())
        );
        assert_eq!(issuer.check("nope"), TokenCheck::Unknown);
        control.expire_tokens_now();
        assert_eq!(issuer.check(&token.access_token), TokenCheck::Expired);

        let instant = TokenIssuer::new(Duration::ZERO, control);
        let token = instant.issue("org-1");
        assert_eq!(instant.check(&token.access_token), TokenCheck::Expired);
    }
}
