//! Builds the configured backends: one adapter per `[[backend]]`, each wrapped in [`Guarded`]
//! so ✖ operations are refused before any request. Kinds without an adapter yet are a clear
//! configuration error rather than a silent gap.

use super::control_center::ControlCenter;
use super::health::HealthBoard;
use super::onence::OneNce;
use super::tmsp::{TmspBackend, TmspSettings};
use super::{Account, Backend, Guarded};
use crate::config::{BackendConfig, Config, ConfigError};
use crate::domain::BackendKind;
use std::sync::Arc;
use std::time::Duration;

/// Every configured backend, in config order, with a fresh health board.
pub fn build(config: &Config) -> Result<Vec<Arc<dyn Backend>>, ConfigError> {
    build_with_health(config, &HealthBoard::new())
}

/// Every configured backend, reporting health to `health` (share it with the engine and UI).
pub fn build_with_health(
    config: &Config,
    health: &Arc<HealthBoard>,
) -> Result<Vec<Arc<dyn Backend>>, ConfigError> {
    config
        .backends
        .iter()
        .map(|b| build_one(b, health))
        .collect()
}

pub fn build_one(
    config: &BackendConfig,
    health: &Arc<HealthBoard>,
) -> Result<Arc<dyn Backend>, ConfigError> {
    let adapter: Arc<dyn Backend> = match config.kind {
        BackendKind::OneNce => {
            Arc::new(
                OneNce::new(config, health.clone()).map_err(|e| ConfigError::Backend {
                    name: config.name.clone(),
                    message: e.to_string(),
                })?,
            )
        }
        BackendKind::Iota => Arc::new(super::aeris::Aeris::new(config, health.clone()).map_err(
            |e| ConfigError::Backend {
                name: config.name.clone(),
                message: e.to_string(),
            },
        )?),
        BackendKind::Tmsp => {
            let settings = TmspSettings {
                base_url: config.base_url.as_str().trim_end_matches('/').to_string(),
                client_id: config.auth.username.clone(),
                client_secret: config.auth.secret.clone(),
                timeout: config.request_timeout.unwrap_or(Duration::from_secs(10)),
            };
            let account = Account {
                name: config.name.clone(),
                kind: BackendKind::Tmsp,
                account_id: config.account_id.clone(),
            };
            Arc::new(
                TmspBackend::new(account, settings).map_err(|e| ConfigError::Backend {
                    name: config.name.clone(),
                    message: e.to_string(),
                })?,
            )
        }
        BackendKind::Tmus | BackendKind::Jasper => {
            Arc::new(ControlCenter::new(config, health.clone()).map_err(|e| {
                ConfigError::Backend {
                    name: config.name.clone(),
                    message: e.to_string(),
                }
            })?)
        }
        BackendKind::Cmo => Arc::new(super::cmo::CmoBackend::new(config, health.clone()).map_err(
            |e| ConfigError::Backend {
                name: config.name.clone(),
                message: e.to_string(),
            },
        )?),
        kind => {
            return Err(ConfigError::NotImplemented {
                name: config.name.clone(),
                kind,
            });
        }
    };
    Ok(Arc::new(Guarded::new(adapter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(kind: &str) -> Config {
        let text = format!(
            "[[backend]]\nname = \"x\"\nkind = \"{kind}\"\nbase_url = \"http://127.0.0.1:9/api\"\naccount_id = \"1\"\n[backend.auth]\nusername = \"u\"\nsecret = \"pw\"\n"
        );
        Config::from_toml_str(&text, "t").unwrap()
    }

    #[test]
    fn onence_builds_guarded_and_unimplemented_kinds_are_named() {
        let backends = build(&config("1NCE")).unwrap();
        assert_eq!(backends.len(), 1);
        assert_eq!(backends[0].kind(), BackendKind::OneNce);
        assert_eq!(backends[0].account().name, "x");
        let e = build(&config("INTELSAT")).err().unwrap().to_string();
        assert_eq!(e, "backend 'x': kind INTELSAT is not implemented yet");
    }

    #[tokio::test]
    async fn refused_operations_never_reach_the_adapter() {
        let backends = build(&config("1NCE")).unwrap();
        // base_url points at a closed port: a network call would be Unreachable, not NotSupported.
        let e = backends[0].monitor("1NCE-1").await.unwrap_err();
        assert_eq!(e.exit_code(), 3, "{e}");
    }
}
