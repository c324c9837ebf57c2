//! Configuration (config.example.toml): the TOML file, validated into [`Config`] with secrets resolved.
//!
//! Every error names the file, the line and the key (`toml` spans → lines). Reading a config
//! never creates a file or directory. Secrets are `SecretString`s: `Debug` redacts them and no
//! error message carries one. `raw` holds the file as written, `validate` turns it into
//! [`Config`], `secret` resolves the secret sources.

mod raw;
pub mod secret;
pub mod serve;
mod validate;

pub use secret::SecretSource;
pub use serve::{ClientConfig, Role, ServeConfig};

use crate::domain::BackendKind;
use raw::RawConfig;
pub(crate) use raw::{key_at, line_of};
use reqwest::Url;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::time::Duration;
use validate::Validator;

pub const DEFAULT_MAX_BATCH_SIZE: usize = 100;
pub const DEFAULT_MONITOR_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// The largest carrier answer read per request (`max_response_size`): generous — a page of
/// 100 SIMs is tens of kilobytes — yet far below what would exhaust a NOC laptop.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// The most pages one backend's listing may take (`max_list_pages`): a million products at
/// 100 per page, so only a carrier that pages forever reaches it.
pub const DEFAULT_MAX_LIST_PAGES: u32 = 10_000;
/// How long a `secret_cmd` may run (`secret_cmd_timeout`).
pub const DEFAULT_SECRET_CMD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one headless command may spend on carriers, retries included (`command_timeout`).
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad key or value; `origin` is the file (or what stands for it).
    #[error("{origin}{}: {message}", location(*.line, .key.as_deref()))]
    Invalid {
        origin: String,
        line: Option<usize>,
        key: Option<String>,
        message: String,
    },
    #[error("backend '{name}': {message}")]
    Backend { name: String, message: String },
}

/// The largest config file read; a config is a few kilobytes, and `--config /dev/zero` must
/// end with an error rather than read forever.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The text of the config file at `path`: a directory, a file over [`MAX_CONFIG_BYTES`] or
/// bytes that are not UTF-8 are bad input (`Invalid`, with the line and byte offset of the
/// first bad byte), never a bare I/O error.
pub fn read_text(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let invalid = |line: Option<usize>, message: String| ConfigError::Invalid {
        origin: origin.clone(),
        line,
        key: None,
        message,
    };
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    if std::fs::metadata(path).map_err(read_error)?.is_dir() {
        return Err(invalid(None, "is a directory, not a config file".into()));
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(invalid(
            None,
            format!(
                "larger than {} KiB; not a config file?",
                MAX_CONFIG_BYTES / 1024
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let raw = e.as_bytes();
        let line = 1 + raw[..offset].iter().filter(|b| **b == b'\n').count();
        invalid(
            Some(line),
            format!(
                "not UTF-8 text: byte 0x{:02X} at byte offset {offset} (save the file as UTF-8)",
                raw.get(offset).copied().unwrap_or(0)
            ),
        )
    })
}

fn location(line: Option<usize>, key: Option<&str>) -> String {
    match (line, key) {
        (Some(l), Some(k)) => format!(", line {l}, key `{k}`"),
        (Some(l), None) => format!(", line {l}"),
        (None, Some(k)) => format!(", key `{k}`"),
        (None, None) => String::new(),
    }
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (or a label such as `<demo>`), for messages.
    pub origin: String,
    /// A theme name or the path of a theme file, as written (relative to the config's folder).
    pub theme: String,
    pub read_only: bool,
    /// Capture the mouse in the console (`mouse = false` leaves it to the terminal).
    pub mouse: bool,
    /// Guardrail: the most products one batch may touch.
    pub max_batch_size: usize,
    /// How long finished monitors are kept in the local store.
    pub monitor_retention: Duration,
    /// How long usage history (daily readings per product) is kept in the local store.
    pub usage_history_retention: Duration,
    /// The console relists every backend this often; `None` (the default): only on `r`.
    pub refresh_interval: Option<Duration>,
    /// The most pages one backend's listing may take before it stops with an error.
    pub max_list_pages: u32,
    /// How long a `secret_cmd` may run before it is killed.
    pub secret_cmd_timeout: Duration,
    /// The deadline of one headless command; retries stop when it is near.
    pub command_timeout: Duration,
    pub store: StoreConfig,
    pub backends: Vec<BackendConfig>,
    /// `cmo serve`'s listener and clients (`[serve]`, docs/deployment.md).
    pub serve: ServeConfig,
    /// Things worth telling the user that do not stop the program (an inline secret); the
    /// CLI prints them on stderr once.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreConfig {
    pub data_dir: Option<PathBuf>,
    /// `[store] url`: a PostgreSQL database shared by a team (docs/store.md); none means the
    /// embedded SQLite file in the data directory. Never holds a password (validation refuses one).
    pub url: Option<String>,
    /// Where the PostgreSQL password comes from (`secret_env` / `secret_file` / `secret_cmd`);
    /// none for a server that needs no password (peer or trust authentication).
    pub password: Option<SecretSource>,
}

impl StoreConfig {
    /// The store to open: PostgreSQL when `url` is set (the password read now, from its
    /// source, and registered with the redaction path so it can never reach a log), else the
    /// SQLite file in `data_dir`.
    pub fn location(
        &self,
        data_dir: PathBuf,
        secret_cmd_timeout: Duration,
    ) -> Result<crate::store::StoreLocation, crate::store::StoreError> {
        use secrecy::ExposeSecret;
        let Some(url) = &self.url else {
            return Ok(crate::store::StoreLocation::Sqlite(data_dir));
        };
        let password = match &self.password {
            Some(source) => {
                let secret = secret::resolve(source, secret_cmd_timeout).map_err(|msg| {
                    crate::store::StoreError::Settings(format!("the store password: {msg}"))
                })?;
                crate::redact::register_secret("store password", secret.expose_secret());
                Some(secret)
            }
            None => None,
        };
        let target = crate::store::PgTarget::parse(url, password.as_ref())?;
        Ok(crate::store::StoreLocation::Postgres { data_dir, target })
    }
}

/// One `[[backend]]`: a platform account.
#[derive(Debug, Clone)]
pub struct BackendConfig {
    /// Unique; shown as `relatedParty.name`.
    pub name: String,
    pub kind: BackendKind,
    pub base_url: Url,
    pub account_id: String,
    /// Overrides of the per-kind HTTP defaults (`backends::http::Limits::for_kind`).
    pub rate_limit_per_second: Option<u32>,
    pub connect_timeout: Option<Duration>,
    pub request_timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    /// The largest answer read per request (the backend's `max_response_size`, else the
    /// top-level one, else [`DEFAULT_MAX_RESPONSE_BYTES`]).
    pub max_response_bytes: u64,
    /// At most this many products per bulk status request (`bulk_max_items`; the adapter
    /// caps it at the carrier's maximum; 0 turns the bulk call off: one request per product).
    pub bulk_max_items: Option<usize>,
    /// How long products of an accepted bulk request are re-read before one still showing its
    /// old status is "not applied" (`bulk_settle_timeout`).
    pub bulk_settle_timeout: Option<Duration>,
    pub auth: AuthConfig,
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// User name or client id.
    pub username: String,
    pub secret: SecretString,
    pub secret_source: SecretSource,
    pub token_url: Option<Url>,
    /// How an OAuth client authenticates at the token endpoint (`client_auth`, CMO only).
    pub client_auth: ClientAuth,
}

/// OAuth2 client authentication at the token endpoint (RFC 6749 §2.3.1): the client id and
/// secret in the form body (the CMO docs' way, the default) or as HTTP Basic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    #[default]
    Form,
    Basic,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            origin: "<defaults>".into(),
            theme: "default".into(),
            read_only: false,
            mouse: true,
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            monitor_retention: DEFAULT_MONITOR_RETENTION,
            usage_history_retention: crate::store::DEFAULT_USAGE_RETENTION,
            refresh_interval: None,
            max_list_pages: DEFAULT_MAX_LIST_PAGES,
            secret_cmd_timeout: DEFAULT_SECRET_CMD_TIMEOUT,
            command_timeout: DEFAULT_COMMAND_TIMEOUT,
            store: StoreConfig::default(),
            backends: Vec::new(),
            serve: ServeConfig::default(),
            warnings: Vec::new(),
        }
    }
}

impl Config {
    /// `$XDG_CONFIG_HOME/cmo/config.toml` (or the platform's equivalent). Nothing is created.
    pub fn default_path() -> Option<PathBuf> {
        use etcetera::BaseStrategy;
        let strategy = etcetera::choose_base_strategy().ok()?;
        Some(strategy.config_dir().join("cmo").join("config.toml"))
    }

    /// Read and validate the file at `path` (which must exist; it is never created).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = read_text(path)?;
        Config::from_toml_str(&text, &path.display().to_string())
    }

    /// Like [`Config::load`], but no secret is read: no environment lookup, no file, and no
    /// `secret_cmd` run. For commands that reach no carrier (`info`, `audit`, `monitors list`,
    /// local attributes), which must neither fail on nor trigger a secret they do not use.
    /// Every secret in the result is empty; never build a backend from it.
    pub fn load_without_secrets(path: &Path) -> Result<Config, ConfigError> {
        let text = read_text(path)?;
        Config::parse(&text, &path.display().to_string(), false)
    }

    /// Validate `text`; `origin` names it in error messages.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        Config::parse(text, origin, true)
    }

    fn parse(text: &str, origin: &str, secrets: bool) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start);
            ConfigError::Invalid {
                origin: origin.to_string(),
                line: offset.map(|o| line_of(text, o)),
                key: offset.and_then(|o| key_at(text, o)),
                message: e.message().trim().to_string(),
            }
        })?;
        Validator {
            text,
            origin,
            secrets,
            warnings: Default::default(),
        }
        .config(raw)
    }

    pub fn backend(&self, name: &str) -> Option<&BackendConfig> {
        self.backends.iter().find(|b| b.name == name)
    }
}

#[cfg(test)]
mod tests;
