//! [`Renewing`]: the one renewing credential source every adapter whose carrier hands out a
//! token uses — an OAuth2 token endpoint (`auth.rs`: 1NCE, TMSP, STC, Intelsat, IOTA, the CMO
//! API), a JSON login (`keyed.rs`: Turkcell) or a session request (GALAXY1). Each of those is
//! only an [`Exchange`]: how to ask and how to read the answer. Caching, one renewal at a time,
//! renewing shortly before expiry (a tenth of the lifetime, at most a minute), taking a place in
//! the account's pace for the exchange, dropping a credential the carrier rejected and
//! registering each new one for redaction are this type's, once.

use super::auth::TokenSource;
use super::credentials::{Credential, CredentialCache};
use crate::backends::BackendResult;
use async_trait::async_trait;
use reqwest::Client;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::SecretString;
use std::time::{Duration, Instant};

/// What one exchange with the carrier's credential endpoint got.
pub struct Obtained {
    /// The header value requests carry.
    pub header: HeaderValue,
    /// The secret inside it (scrubbed from any text shown).
    pub token: SecretString,
    /// How long the carrier says it is valid (its documented default when it does not say).
    pub lifetime: Duration,
}

/// How one kind of credential is obtained.
#[async_trait]
pub trait Exchange: Send + Sync {
    /// What the exchange is, for the debug log ("a new access token", "a session").
    fn what(&self) -> &'static str;

    /// Ask the carrier (through `credentials::exchange`, which maps its refusals).
    async fn obtain(&self, client: &Client, backend: &str) -> BackendResult<Obtained>;

    /// The header the credential travels in.
    fn header_name(&self) -> HeaderName {
        reqwest::header::AUTHORIZATION
    }
}

/// Renew when this share of the lifetime is left (at most 60 s before expiry).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(Duration::from_secs(60))
}

/// A credential obtained by `E`, shared by every request of one backend (see the module header).
pub struct Renewing<E> {
    exchange: E,
    cache: CredentialCache,
}

impl<E: Exchange> Renewing<E> {
    pub(crate) fn with(exchange: E) -> Self {
        Renewing {
            exchange,
            cache: CredentialCache::default(),
        }
    }
}

#[async_trait]
impl<E: Exchange> TokenSource for Renewing<E> {
    fn will_fetch(&self) -> bool {
        !self.cache.is_fresh()
    }

    async fn authorization(
        &self,
        client: &Client,
        backend: &str,
    ) -> BackendResult<Option<HeaderValue>> {
        let header = self
            .cache
            .get_or_renew(|| async {
                tracing::debug!(backend, "requesting {}", self.exchange.what());
                let got = self.exchange.obtain(client, backend).await?;
                Ok(Credential {
                    header: got.header,
                    token: got.token,
                    refresh_at: Instant::now()
                        + got.lifetime.saturating_sub(refresh_margin(got.lifetime)),
                })
            })
            .await?;
        Ok(Some(header))
    }

    fn invalidate(&self, rejected: Option<&HeaderValue>) -> bool {
        self.cache.invalidate(rejected);
        true
    }

    fn header_name(&self) -> HeaderName {
        self.exchange.header_name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_comes_a_tenth_of_the_lifetime_early_at_most_a_minute() {
        assert_eq!(
            refresh_margin(Duration::from_secs(300)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(refresh_margin(Duration::ZERO), Duration::ZERO);
    }
}
