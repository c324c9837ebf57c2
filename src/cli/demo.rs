//! Where the engine comes from: the configuration (`--config PATH` or the XDG default), or with
//! `--demo` the embedded carrier simulators started in-process on ephemeral loopback ports and a
//! configuration built from them. Either way the backends come from the one registry, so the
//! demo exercises exactly the adapters a real configuration would.

use super::args::GlobalArgs;
use super::error::CliError;
use crate::backends::registry;
use crate::config::{Config, ConfigError};
use crate::engine::Engine;
use crate::paths::Paths;
use crate::sim::{self, SimHandle, SimOptions};

/// An engine ready for commands, plus whatever must live as long as it (the demo simulators).
pub struct Session {
    pub engine: Engine,
    pub config: Config,
    /// Dropping the handle stops the simulators, so it lives as long as the session.
    pub simulators: Option<SimHandle>,
    /// Where the local store lives; opened only by commands that need it (`session.rs`).
    pub local: super::session::Local,
}

/// Build the engine the global flags ask for.
pub async fn open(global: &GlobalArgs, paths: &Paths) -> Result<Session, CliError> {
    let (config, simulators) = if global.demo {
        let opts = SimOptions {
            size: global.demo_size,
            seed: global.demo_seed,
            ..SimOptions::default()
        };
        let handle = sim::start(opts)
            .await
            .map_err(super::simulate::start_error)?;
        let text = handle.config_toml_inline();
        let config = Config::from_toml_str(&text, "demo simulators")
            .map_err(|e| CliError::Runtime(format!("demo configuration: {e}")))?;
        (config, Some(handle))
    } else {
        let config = Config::load(&paths.config_file).map_err(config_error)?;
        // The demo's own configuration has inline secrets on purpose; only a user's file warns.
        super::output::config_warnings(&config);
        (config, None)
    };
    // A headless command's carrier time starts now (the console runs outside any deadline).
    crate::backends::http::deadline::start(config.command_timeout);
    // One health board: the adapters' HTTP policies and the engine record into it, and the
    // console (or `cmo serve`) listens to it.
    let health = crate::domain::health::HealthBoard::new();
    let backends = registry::build_with_health(&config, &health).map_err(config_error)?;
    tracing::info!(
        backends = backends.len(),
        demo = global.demo,
        "engine ready"
    );
    let local = super::session::Local::new(global, &config, paths);
    Ok(Session {
        engine: Engine::with_health(backends, health).with_max_pages(config.max_list_pages),
        config,
        simulators,
        local,
    })
}

/// A config problem: a missing or invalid file is bad input; an unreadable one a failure.
pub fn config_error(e: ConfigError) -> CliError {
    match &e {
        ConfigError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            CliError::Usage(format!(
                "{e} (write one — see config.example.toml — or try `cmo --demo`)"
            ))
        }
        ConfigError::Read { .. } => CliError::Runtime(e.to_string()),
        ConfigError::Invalid { .. } | ConfigError::Backend { .. } => CliError::Usage(e.to_string()),
    }
}
