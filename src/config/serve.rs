//! The `[serve]` section and its `[[serve.client]]`s: how `cmo serve` listens (address, TLS
//! cert/key or plain HTTP on loopback), how long its tokens live, and the OAuth2 clients it
//! accepts — id, secret (secret_env / secret_file / secret_cmd / secret, like a backend's) and
//! role. A console that only uses carriers never reads this section's secrets: they are
//! resolved like the backends' (not at all for commands that reach no carrier).

use super::raw::line_of;
use super::validate::Validator;
use super::{ConfigError, SecretSource};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

/// Where `cmo serve` listens when neither `--listen` nor `listen` says.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
/// A gateway token's lifetime when `token_ttl` is not set (Keycloak's default, as the CMO API).
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(300);
/// The tenant segment of the gateway's API paths when `tenant` is not set.
pub const DEFAULT_TENANT: &str = "noc";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServe {
    pub listen: Option<Spanned<String>>,
    pub tenant: Option<Spanned<String>>,
    pub tls_cert: Option<Spanned<String>>,
    pub tls_key: Option<Spanned<String>>,
    pub allow_plain_http: Option<bool>,
    pub token_ttl: Option<Spanned<String>>,
    pub lease: Option<Spanned<String>>,
    #[serde(default)]
    pub client: Vec<Spanned<RawClient>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClient {
    pub id: Spanned<String>,
    pub role: Option<Spanned<String>>,
    pub secret_env: Option<Spanned<String>>,
    pub secret_file: Option<Spanned<String>>,
    pub secret_cmd: Option<Spanned<String>>,
    pub secret: Option<Spanned<String>>,
}

/// What a gateway client may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads and changes (status, characteristics, custom properties).
    Operator,
    /// Reads only: every change is refused before anything is sent.
    ReadOnly,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::ReadOnly => "read-only",
        }
    }
}

/// One `[[serve.client]]`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub id: String,
    pub secret: SecretString,
    pub secret_source: SecretSource,
    pub role: Role,
}

/// The `[serve]` section, validated (defaults when the file has none).
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: Option<SocketAddr>,
    pub tenant: String,
    /// PEM certificate chain and private key; both or neither.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Serve plain HTTP on a non-loopback address (refused unless set).
    pub allow_plain_http: bool,
    pub token_ttl: Duration,
    /// With a PostgreSQL store: how long a replica's claim on its carrier accounts and its
    /// monitor leases last without renewal (renewed every third of it), so how soon another
    /// replica takes over after a crash (`lease`, docs/deployment.md).
    pub lease: Duration,
    pub clients: Vec<ClientConfig>,
}

/// `[serve] lease` when not set.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: None,
            tenant: DEFAULT_TENANT.to_string(),
            tls: None,
            allow_plain_http: false,
            token_ttl: DEFAULT_TOKEN_TTL,
            lease: DEFAULT_LEASE,
            clients: Vec::new(),
        }
    }
}

impl Validator<'_> {
    pub(super) fn serve(
        &self,
        raw: RawServe,
        secret_cmd_timeout: Duration,
    ) -> Result<ServeConfig, ConfigError> {
        let mut serve = ServeConfig {
            allow_plain_http: raw.allow_plain_http.unwrap_or(false),
            ..ServeConfig::default()
        };
        if let Some(listen) = &raw.listen {
            let addr = listen.get_ref().trim().parse::<SocketAddr>().or_else(|e| {
                self.err(
                    "listen",
                    Some(listen.span().start),
                    format!("'{}' is not an address:port: {e}", listen.get_ref()),
                )
            })?;
            serve.listen = Some(addr);
        }
        if let Some(tenant) = &raw.tenant {
            let t = tenant.get_ref().trim();
            let ok = !t.is_empty()
                && t.len() <= 64
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return self.err(
                    "tenant",
                    Some(tenant.span().start),
                    "tenant must be 1 to 64 letters, digits, '-' or '_'",
                );
            }
            serve.tenant = t.to_string();
        }
        serve.tls = match (&raw.tls_cert, &raw.tls_key) {
            (None, None) => None,
            (Some(c), Some(k)) => Some((
                PathBuf::from(c.get_ref().trim()),
                PathBuf::from(k.get_ref().trim()),
            )),
            (Some(c), None) => {
                return self.err(
                    "tls_cert",
                    Some(c.span().start),
                    "tls_cert needs tls_key (the certificate's private key)",
                );
            }
            (None, Some(k)) => {
                return self.err(
                    "tls_key",
                    Some(k.span().start),
                    "tls_key needs tls_cert (the certificate chain)",
                );
            }
        };
        if let Some(ttl) = &raw.token_ttl {
            let d = self.duration("token_ttl", ttl)?;
            if d < Duration::from_secs(1) || d > Duration::from_secs(24 * 3600) {
                return self.err(
                    "token_ttl",
                    Some(ttl.span().start),
                    "token_ttl must be between 1s and 24h (tokens are meant to be short-lived)",
                );
            }
            serve.token_ttl = d;
        }
        if let Some(lease) = &raw.lease {
            let d = self.duration("lease", lease)?;
            if d < Duration::from_secs(1) || d > Duration::from_secs(3600) {
                return self.err(
                    "lease",
                    Some(lease.span().start),
                    "lease must be between 1s and 1h",
                );
            }
            serve.lease = d;
        }
        for raw_client in raw.client {
            let at = raw_client.span().start;
            let c = raw_client.into_inner();
            let id = c.id.get_ref().trim().to_string();
            let id_ok = !id.is_empty()
                && id.len() <= 128
                && id
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.@".contains(ch));
            if !id_ok {
                return self.err(
                    "id",
                    Some(c.id.span().start),
                    "a client id is 1 to 128 letters, digits, '-', '_', '.' or '@'",
                );
            }
            if serve.clients.iter().any(|o| o.id == id) {
                return self.err(
                    "id",
                    Some(c.id.span().start),
                    format!("client id '{id}' is used twice"),
                );
            }
            let role = match &c.role {
                None => Role::ReadOnly,
                Some(r) => match r.get_ref().trim().to_ascii_lowercase().as_str() {
                    "operator" => Role::Operator,
                    "read-only" | "readonly" => Role::ReadOnly,
                    other => {
                        return self.err(
                            "role",
                            Some(r.span().start),
                            format!("role must be \"operator\" or \"read-only\", not \"{other}\""),
                        );
                    }
                },
            };
            let (secret, source) = self.secret(
                &format!("gateway client '{id}'"),
                at,
                [
                    ("secret_env", c.secret_env.as_ref()),
                    ("secret_file", c.secret_file.as_ref()),
                    ("secret_cmd", c.secret_cmd.as_ref()),
                    ("secret", c.secret.as_ref()),
                ],
                secret_cmd_timeout,
            )?;
            if self.secrets && secret.expose_secret().len() < 16 {
                return self.err(
                    "secret",
                    Some(at),
                    format!(
                        "gateway client '{id}' (line {}): its secret must be at least 16 characters",
                        line_of(self.text, at)
                    ),
                );
            }
            if !secret.expose_secret().is_empty() {
                crate::redact::register_credential(
                    &format!("config {}: gateway client {id}", self.origin),
                    Some(&id),
                    secret.expose_secret(),
                );
            }
            serve.clients.push(ClientConfig {
                id,
                secret,
                secret_source: source,
                role,
            });
        }
        Ok(serve)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Role};
    use std::time::Duration;

    const CLIENT: &str = "[[serve.client]]\nid = \"noc-ops\"\nrole = \"operator\"\nsecret = \"0123456789abcdef-ops\"\n";

    #[test]
    fn serve_section_with_clients_tls_and_defaults() {
        let text = format!(
            "[serve]\nlisten = \"0.0.0.0:9443\"\ntls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"\ntoken_ttl = \"2m\"\n{CLIENT}[[serve.client]]\nid = \"viewer\"\nsecret = \"0123456789abcdef-view\"\n"
        );
        let c = Config::from_toml_str(&text, "gw.toml").unwrap();
        let s = &c.serve;
        assert_eq!(s.listen, Some("0.0.0.0:9443".parse().unwrap()));
        assert_eq!(s.token_ttl, Duration::from_secs(120));
        assert!(s.tls.is_some());
        assert_eq!(s.tenant, super::DEFAULT_TENANT);
        assert_eq!(s.clients.len(), 2);
        assert_eq!(s.clients[0].role, Role::Operator);
        assert_eq!(s.clients[1].role, Role::ReadOnly, "read-only unless said");
        // A console's config has no [serve]: defaults, no clients.
        let none = Config::from_toml_str("", "c.toml").unwrap();
        assert!(none.serve.clients.is_empty() && none.serve.listen.is_none());
    }

    #[test]
    fn bad_serve_values_name_line_and_key_and_never_the_secret() {
        let cases = [
            ("[serve]\nlisten = \"nowhere\"\n", "listen"),
            ("[serve]\ntls_cert = \"/c.pem\"\n", "tls_cert"),
            ("[serve]\ntoken_ttl = \"2d\"\n", "token_ttl"),
            (
                "[[serve.client]]\nid = \"a b\"\nsecret = \"0123456789abcdef\"\n",
                "id",
            ),
            (
                "[[serve.client]]\nid = \"a\"\nrole = \"admin\"\nsecret = \"0123456789abcdef\"\n",
                "role",
            ),
            (
                "[[serve.client]]\nid = \"a\"\nsecret = \"short-one\"\n",
                "secret",
            ),
            ("[[serve.client]]\nid = \"a\"\n", "auth"),
        ];
        for (text, key) in cases {
            let e = Config::from_toml_str(text, "gw.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(&format!("key `{key}`")), "{text}: {e}");
            assert!(!e.contains("short-one"), "{e}");
        }
        let twice = format!("{CLIENT}{CLIENT}");
        let e = Config::from_toml_str(&twice, "gw.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("used twice"), "{e}");
    }
}
