//! The TOML file as written: serde structs with `deny_unknown_fields` and spans on the values we
//! validate ourselves, so every error can name the line and the key. Nothing here is resolved yet
//! (secrets are only references); `super::Config` turns this into the validated configuration.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub theme: Option<String>,
    pub read_only: Option<bool>,
    pub mouse: Option<bool>,
    pub max_batch_size: Option<Spanned<i64>>,
    pub monitor_retention: Option<Spanned<String>>,
    pub usage_history_retention: Option<Spanned<String>>,
    pub refresh_interval: Option<Spanned<String>>,
    pub max_response_size: Option<Spanned<String>>,
    pub max_list_pages: Option<Spanned<i64>>,
    pub secret_cmd_timeout: Option<Spanned<String>>,
    pub command_timeout: Option<Spanned<String>>,
    pub store: Option<RawStore>,
    #[serde(default)]
    pub backend: Vec<RawBackend>,
    pub serve: Option<super::serve::RawServe>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub data_dir: Option<String>,
    pub url: Option<Spanned<String>>,
    pub secret_env: Option<Spanned<String>>,
    pub secret_file: Option<Spanned<String>>,
    pub secret_cmd: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackend {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    pub base_url: Spanned<String>,
    pub account_id: Spanned<String>,
    pub rate_limit_per_second: Option<Spanned<i64>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub request_timeout: Option<Spanned<String>>,
    pub max_retries: Option<Spanned<i64>>,
    pub max_response_size: Option<Spanned<String>>,
    pub bulk_max_items: Option<Spanned<i64>>,
    pub bulk_settle_timeout: Option<Spanned<String>>,
    pub auth: Spanned<RawAuth>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    pub username: Spanned<String>,
    pub secret_env: Option<Spanned<String>>,
    pub secret_file: Option<Spanned<String>>,
    pub secret_cmd: Option<Spanned<String>>,
    pub secret: Option<Spanned<String>>,
    pub token_url: Option<Spanned<String>>,
    pub client_auth: Option<Spanned<String>>,
}

/// 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The key written on the line holding `offset` (`kind = "X"` → `kind`), if the line has one.
pub(crate) fn key_at(text: &str, offset: usize) -> Option<String> {
    let end = offset.min(text.len());
    let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('#')).then(|| key.to_string())
}
