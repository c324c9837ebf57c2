//! `cmo serve`: the CMO API gateway (`crate::serve`) until Ctrl-C or SIGTERM, then a graceful
//! stop (changes in flight finish and are journaled). Logs go to the log file like every
//! command's; stdout gets one line (or JSON object) saying where it listens.

use super::args::ServeArgs;
use super::demo::config_error;
use super::error::CliError;
use super::output;
use crate::config::Config;
use crate::engine::PollerConfig;
use crate::paths::Paths;
use crate::serve::{Gateway, ServeError, ServeOptions};
use serde_json::json;

fn serve_error(e: ServeError) -> CliError {
    match e {
        ServeError::Config(_) | ServeError::Tls(_) => CliError::Usage(e.to_string()),
        ServeError::Store(s) => CliError::Store(s),
        other => CliError::Runtime(other.to_string()),
    }
}

pub async fn run(
    args: &ServeArgs,
    global: &super::args::GlobalArgs,
    paths: &Paths,
) -> Result<i32, CliError> {
    let config = Config::load(&paths.config_file).map_err(config_error)?;
    output::config_warnings(&config);
    let data_dir = global
        .data_dir
        .clone()
        .or_else(|| config.store.data_dir.clone())
        .unwrap_or_else(|| paths.data_dir.clone());
    let opts = ServeOptions {
        listen: args.listen,
        data_dir,
        poller: PollerConfig::default(),
        read_only: global.read_only,
    };
    let gateway = Gateway::start(&config, opts).await.map_err(serve_error)?;
    if global.json {
        output::json(&json!({
            "listen": gateway.local_addr().to_string(),
            "baseUrl": gateway.base_url(),
        }))?;
    } else {
        use std::io::Write as _;
        // One line, flushed: a supervisor or a test waits for it.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "cmo serve: listening on {} (CMO API at {}); Ctrl-C stops",
            gateway.local_addr(),
            gateway.base_url()
        );
        let _ = out.flush();
    }
    super::simulate::wait_for_shutdown().await;
    gateway.shutdown().await.map_err(serve_error)?;
    Ok(super::error::exit::OK)
}
