//! Validation of the file as written (`raw`) into [`Config`]: every value checked, every error
//! naming the file, line and key; secrets resolved from their source unless asked not to.

use super::raw::{RawAuth, RawBackend, RawConfig, line_of};
use super::secret::{self, SecretSource};
use super::{AuthConfig, BackendConfig, ClientAuth, Config, ConfigError};
use crate::domain::BackendKind;
use reqwest::Url;
use secrecy::ExposeSecret;
use secrecy::SecretString;
use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

/// Turns spans into file/line/key errors while validating.
pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) origin: &'a str,
    /// Whether to read the secrets (env, file, command); false leaves them empty.
    pub(super) secrets: bool,
    /// Warnings met on the way, handed to [`Config::warnings`].
    pub(super) warnings: RefCell<Vec<String>>,
}

impl Validator<'_> {
    pub(super) fn err<T>(
        &self,
        key: &str,
        at: Option<usize>,
        message: impl Into<String>,
    ) -> Result<T, ConfigError> {
        Err(ConfigError::Invalid {
            origin: self.origin.to_string(),
            line: at.map(|o| line_of(self.text, o)),
            key: Some(key.to_string()),
            message: message.into(),
        })
    }

    pub(super) fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let mut config = Config {
            origin: self.origin.to_string(),
            ..Config::default()
        };
        if let Some(theme) = raw.theme {
            config.theme = theme;
        }
        config.read_only = raw.read_only.unwrap_or(false);
        config.mouse = raw.mouse.unwrap_or(true);
        if let Some(size) = raw.max_batch_size {
            config.max_batch_size = self.int_in("max_batch_size", &size, 1, 1_000_000)? as usize;
        }
        if let Some(retention) = raw.monitor_retention {
            config.monitor_retention = self.duration("monitor_retention", &retention)?;
        }
        if let Some(retention) = raw.usage_history_retention {
            let d = self.duration("usage_history_retention", &retention)?;
            // Less than a day would drop today's reading as it is written.
            if d < std::time::Duration::from_secs(86_400) {
                return self.err(
                    "usage_history_retention",
                    Some(retention.span().start),
                    "must be at least 1d",
                );
            }
            config.usage_history_retention = d;
        }
        if let Some(interval) = raw.refresh_interval {
            let d = self.duration("refresh_interval", &interval)?;
            // Relisting more often than every 30 s would spend the carriers' rate limits on
            // polling; "0" or "off" are not durations here — leave the key out to turn it off.
            if d < Duration::from_secs(30) {
                return self.err(
                    "refresh_interval",
                    Some(interval.span().start),
                    "must be at least 30s (leave it out for no automatic refresh)",
                );
            }
            config.refresh_interval = Some(d);
        }
        let default_response = match &raw.max_response_size {
            Some(size) => self.size("max_response_size", size)?,
            None => super::DEFAULT_MAX_RESPONSE_BYTES,
        };
        if let Some(pages) = raw.max_list_pages {
            config.max_list_pages = self.int_in("max_list_pages", &pages, 1, 10_000_000)? as u32;
        }
        if let Some(t) = raw.secret_cmd_timeout {
            config.secret_cmd_timeout = self.duration("secret_cmd_timeout", &t)?;
        }
        if let Some(t) = raw.command_timeout {
            config.command_timeout = self.duration("command_timeout", &t)?;
        }
        if let Some(store) = raw.store {
            config.store = self.store(store)?;
        }
        for raw_backend in raw.backend {
            let name_at = raw_backend.name.span().start;
            let backend = self.backend(raw_backend, default_response, config.secret_cmd_timeout)?;
            if let Some(other) = config
                .backends
                .iter()
                .find(|b| b.name.eq_ignore_ascii_case(&backend.name))
            {
                return self.err(
                    "name",
                    Some(name_at),
                    format!("backend name '{}' is used twice (names must be unique, ignoring case; first: '{}')", backend.name, other.name),
                );
            }
            config.backends.push(backend);
        }
        if let Some(serve) = raw.serve {
            config.serve = self.serve(serve, config.secret_cmd_timeout)?;
        }
        config.warnings = self.warnings.take();
        Ok(config)
    }

    fn backend(
        &self,
        raw: RawBackend,
        default_response: u64,
        secret_cmd_timeout: Duration,
    ) -> Result<BackendConfig, ConfigError> {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() || name.chars().any(char::is_control) {
            return self.err(
                "name",
                Some(raw.name.span().start),
                "a backend name must be non-empty printable text",
            );
        }
        let kind: BackendKind =
            raw.kind
                .get_ref()
                .parse()
                .or_else(|e: crate::domain::backend_kind::UnknownKind| {
                    self.err("kind", Some(raw.kind.span().start), e.to_string())
                })?;
        let base_url = self.url("base_url", &raw.base_url)?;
        let account_id = raw.account_id.get_ref().trim().to_string();
        if account_id.is_empty() {
            return self.err(
                "account_id",
                Some(raw.account_id.span().start),
                "account_id must not be empty",
            );
        }
        let rate = raw
            .rate_limit_per_second
            .as_ref()
            .map(|r| {
                self.int_in("rate_limit_per_second", r, 1, 10_000)
                    .map(|v| v as u32)
            })
            .transpose()?;
        let max_retries = raw
            .max_retries
            .as_ref()
            .map(|r| self.int_in("max_retries", r, 0, 20).map(|v| v as u32))
            .transpose()?;
        let connect_timeout = raw
            .connect_timeout
            .as_ref()
            .map(|d| self.duration("connect_timeout", d))
            .transpose()?;
        let request_timeout = raw
            .request_timeout
            .as_ref()
            .map(|d| self.duration("request_timeout", d))
            .transpose()?;
        let max_response_bytes = match &raw.max_response_size {
            Some(size) => self.size("max_response_size", size)?,
            None => default_response,
        };
        let bulk_max_items = raw
            .bulk_max_items
            .as_ref()
            .map(|r| {
                self.int_in("bulk_max_items", r, 0, 10_000)
                    .map(|v| v as usize)
            })
            .transpose()?;
        let bulk_settle_timeout = raw
            .bulk_settle_timeout
            .as_ref()
            .map(|d| self.duration("bulk_settle_timeout", d))
            .transpose()?;
        let auth = self.auth(&name, kind, raw.auth, secret_cmd_timeout)?;
        Ok(BackendConfig {
            name,
            kind,
            base_url,
            account_id,
            rate_limit_per_second: rate,
            connect_timeout,
            request_timeout,
            max_retries,
            max_response_bytes,
            bulk_max_items,
            bulk_settle_timeout,
            auth,
        })
    }

    fn auth(
        &self,
        backend: &str,
        kind: BackendKind,
        raw: Spanned<RawAuth>,
        secret_cmd_timeout: Duration,
    ) -> Result<AuthConfig, ConfigError> {
        let at = raw.span().start;
        let raw = raw.into_inner();
        let username = raw.username.get_ref().trim().to_string();
        if username.is_empty() {
            return self.err(
                "username",
                Some(raw.username.span().start),
                "username must not be empty",
            );
        }
        let (secret, source) = self.secret(
            &format!("backend '{backend}'"),
            at,
            [
                ("secret_env", raw.secret_env.as_ref()),
                ("secret_file", raw.secret_file.as_ref()),
                ("secret_cmd", raw.secret_cmd.as_ref()),
                ("secret", raw.secret.as_ref()),
            ],
            secret_cmd_timeout,
        )?;
        let token_url = raw
            .token_url
            .as_ref()
            .map(|u| self.url("token_url", u))
            .transpose()?;
        let client_auth = match &raw.client_auth {
            None => ClientAuth::Form,
            Some(v) if kind != BackendKind::Cmo => {
                return self.err(
                    "client_auth",
                    Some(v.span().start),
                    format!("backend '{backend}': client_auth applies to kind CMO only; {kind} authenticates its own way"),
                );
            }
            Some(v) => match v.get_ref().trim().to_ascii_lowercase().as_str() {
                "form" => ClientAuth::Form,
                "basic" => ClientAuth::Basic,
                other => {
                    return self.err(
                        "client_auth",
                        Some(v.span().start),
                        format!("client_auth must be \"form\" or \"basic\", not \"{other}\""),
                    );
                }
            },
        };
        // Every secret the configuration holds is registered once with the one redaction path,
        // with the user name HTTP Basic pairs it with (`redact.rs`). An unread secret (empty)
        // must not clear what an earlier load of the same file registered.
        if !secret.expose_secret().is_empty() {
            crate::redact::register_credential(
                &format!("config {}: {backend}", self.origin),
                Some(&username),
                secret.expose_secret(),
            );
        }
        Ok(AuthConfig {
            username,
            secret,
            secret_source: source,
            token_url,
            client_auth,
        })
    }

    /// Exactly one of the secret keys (`keys`: name and value as written) of `owner` (a
    /// backend, a gateway client), resolved unless the validator reads no secrets.
    pub(super) fn secret(
        &self,
        owner: &str,
        at: usize,
        keys: [(&'static str, Option<&Spanned<String>>); 4],
        secret_cmd_timeout: Duration,
    ) -> Result<(SecretString, SecretSource), ConfigError> {
        let given: Vec<(&str, &Spanned<String>)> = keys
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let (key, value) = match given.as_slice() {
            [one] => *one,
            [] => {
                return self.err(
                    "auth",
                    Some(at),
                    format!(
                        "{owner} needs exactly one of secret_env, secret_file, secret_cmd or secret"
                    ),
                );
            }
            [_, second, ..] => {
                return self.err(
                    second.0,
                    Some(second.1.span().start),
                    format!(
                        "{owner} sets {}; use exactly one of secret_env, secret_file, secret_cmd or secret",
                        given.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(" and ")
                    ),
                );
            }
        };
        let offset = Some(value.span().start);
        let (secret, source) = if key == "secret" {
            let warning = format!(
                "{}, line {}: {owner} has an inline secret in the config file; prefer secret_env, secret_file or secret_cmd",
                self.origin,
                line_of(self.text, value.span().start)
            );
            tracing::warn!("{warning}");
            self.warnings.borrow_mut().push(warning);
            if value.get_ref().is_empty() {
                return self.err(key, offset, "the inline secret is empty");
            }
            (
                SecretString::from(value.get_ref().clone()),
                SecretSource::Inline,
            )
        } else {
            let source = match key {
                "secret_env" => SecretSource::Env(value.get_ref().clone()),
                "secret_file" => SecretSource::File(expand_home(value.get_ref())),
                _ => SecretSource::Command(value.get_ref().clone()),
            };
            let secret = if self.secrets {
                secret::resolve(&source, secret_cmd_timeout)
                    .or_else(|msg| self.err(key, offset, msg))?
            } else {
                SecretString::from(String::new())
            };
            (secret, source)
        };
        Ok((secret, source))
    }

    /// `[store]`: the data directory, and optionally a PostgreSQL `url` whose password comes
    /// from at most one of secret_env / secret_file / secret_cmd. The password is resolved
    /// only when the store is opened (`StoreConfig::location`), and never sits in the URL:
    /// a URL that holds one is refused, and the message does not repeat it.
    fn store(&self, raw: super::raw::RawStore) -> Result<super::StoreConfig, ConfigError> {
        let keys = [
            ("secret_env", raw.secret_env.as_ref()),
            ("secret_file", raw.secret_file.as_ref()),
            ("secret_cmd", raw.secret_cmd.as_ref()),
        ];
        let given: Vec<(&str, &Spanned<String>)> = keys
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        if let [_, second, ..] = given.as_slice() {
            return self.err(
                second.0,
                Some(second.1.span().start),
                "[store] takes at most one of secret_env, secret_file or secret_cmd",
            );
        }
        let password = given.first().map(|(key, value)| match *key {
            "secret_env" => SecretSource::Env(value.get_ref().clone()),
            "secret_file" => SecretSource::File(expand_home(value.get_ref())),
            _ => SecretSource::Command(value.get_ref().clone()),
        });
        let url = match &raw.url {
            None => {
                if let Some((key, value)) = given.first() {
                    return self.err(
                        key,
                        Some(value.span().start),
                        "[store] has a password source but no url (the embedded SQLite store needs no password)",
                    );
                }
                None
            }
            Some(url) => {
                let at = Some(url.span().start);
                let text = url.get_ref().trim();
                if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
                    return self.err(
                        "url",
                        at,
                        "the store url must be a postgres:// URL (postgres://user@host/database)",
                    );
                }
                let parsed: postgres::Config = match text.parse() {
                    Ok(c) => c,
                    Err(_) => {
                        return self.err(
                            "url",
                            at,
                            "the store url is not a PostgreSQL URL (postgres://user@host[:port]/database)",
                        );
                    }
                };
                if parsed.get_password().is_some() {
                    return self.err(
                        "url",
                        at,
                        "the store url holds a password; remove it and give the password with secret_env, secret_file or secret_cmd",
                    );
                }
                if parsed.get_hosts().is_empty() {
                    return self.err("url", at, "the store url names no host");
                }
                Some(text.to_string())
            }
        };
        Ok(super::StoreConfig {
            data_dir: raw.data_dir.map(PathBuf::from),
            url,
            password,
        })
    }

    fn url(&self, key: &str, value: &Spanned<String>) -> Result<Url, ConfigError> {
        let at = Some(value.span().start);
        let url = Url::parse(value.get_ref().trim())
            .or_else(|e| self.err(key, at, format!("'{}' is not a URL: {e}", value.get_ref())))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return self.err(
                key,
                at,
                format!(
                    "'{}' must be an http:// or https:// URL with a host",
                    value.get_ref()
                ),
            );
        }
        if !url.username().is_empty() || url.password().is_some() {
            return self.err(
                key,
                at,
                "credentials do not belong in the URL; use [backend.auth]",
            );
        }
        Ok(url)
    }

    pub(super) fn duration(
        &self,
        key: &str,
        value: &Spanned<String>,
    ) -> Result<Duration, ConfigError> {
        let at = Some(value.span().start);
        let d = humantime::parse_duration(value.get_ref().trim()).or_else(|e| {
            self.err(
                key,
                at,
                format!(
                    "'{}' is not a duration like \"3s\" or \"7d\": {e}",
                    value.get_ref()
                ),
            )
        })?;
        if d.is_zero() {
            return self.err(key, at, "the duration must be greater than zero");
        }
        Ok(d)
    }

    /// A byte size: `"64MiB"`, `"512KiB"`, `"1GiB"`, `"100MB"` or a plain number of bytes.
    fn size(&self, key: &str, value: &Spanned<String>) -> Result<u64, ConfigError> {
        let at = Some(value.span().start);
        let raw = value.get_ref().trim();
        let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (number, unit) = raw.split_at(split);
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            "kib" | "k" => 1 << 10,
            "mib" | "m" => 1 << 20,
            "gib" | "g" => 1 << 30,
            other => {
                return self.err(
                    key,
                    at,
                    format!("unknown size unit '{other}' (use B, KiB, MiB, GiB, KB, MB or GB)"),
                );
            }
        };
        let bytes = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(factor))
            .filter(|b| (1024..=(16u64 << 30)).contains(b));
        match bytes {
            Some(b) => Ok(b),
            None => self.err(
                key,
                at,
                format!("'{raw}' is not a size from 1KiB to 16GiB like \"64MiB\""),
            ),
        }
    }

    fn int_in(
        &self,
        key: &str,
        value: &Spanned<i64>,
        min: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        let v = *value.get_ref();
        if v < min || v > max {
            return self.err(
                key,
                Some(value.span().start),
                format!("{v} is out of range ({min} to {max})"),
            );
        }
        Ok(v)
    }
}

/// `~/x` → `$HOME/x`, so secret files can be written the usual way.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
