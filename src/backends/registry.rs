//! Builds the configured backends: one adapter per `[[backend]]`, each wrapped in [`Guarded`]
//! so ✖ operations are refused before any request. Kinds without an adapter yet are a clear
//! configuration error rather than a silent gap.

use super::control_center::ControlCenter;
use super::onence::OneNce;
use super::tmsp::TmspBackend;
use super::{Backend, Guarded};
use crate::config::{BackendConfig, Config, ConfigError};
use crate::domain::BackendKind;
use crate::domain::health::HealthBoard;
use std::sync::Arc;

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
            Arc::new(OneNce::new(config, health.clone()).map_err(|e| backend_error(config, e))?)
        }
        BackendKind::Iota => Arc::new(
            super::aeris::Aeris::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Tmsp => Arc::new(
            TmspBackend::new(config, health.clone()).map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Tmus | BackendKind::Jasper => Arc::new(
            ControlCenter::new(config, health.clone()).map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Intelsat => Arc::new(
            super::intelsat::Intelsat::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Galaxy1 => Arc::new(
            super::galaxy1::Galaxy1::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Airlinq => Arc::new(
            super::airlinq::Airlinq::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Stc => Arc::new(
            super::stc::Stc::new(config, health.clone()).map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Turkcell => Arc::new(
            super::turkcell::Turkcell::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
        BackendKind::Cmo => Arc::new(
            super::cmo::CmoBackend::new(config, health.clone())
                .map_err(|e| backend_error(config, e))?,
        ),
    };
    Ok(Arc::new(Guarded::new(adapter)))
}

fn backend_error(config: &BackendConfig, e: super::BackendError) -> ConfigError {
    ConfigError::Backend {
        name: config.name.clone(),
        message: e.to_string(),
    }
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
    fn every_seed_kind_builds_guarded() {
        for kind in BackendKind::SEED {
            let backends = build(&config(kind.as_str())).unwrap();
            assert_eq!(backends.len(), 1);
            assert_eq!(backends[0].kind(), kind);
            assert_eq!(backends[0].account().name, "x");
        }
    }

    #[tokio::test]
    async fn refused_operations_never_reach_the_adapter() {
        let backends = build(&config("1NCE")).unwrap();
        // base_url points at a closed port: a network call would be Unreachable, not NotSupported.
        let e = backends[0].monitor("1NCE-1").await.unwrap_err();
        assert_eq!(e.exit_code(), 3, "{e}");
    }
}
