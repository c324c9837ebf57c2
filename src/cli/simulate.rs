//! `cmo simulate`: every carrier simulator on loopback (or `--listen`), a config written that
//! points at them, the addresses printed, then running until Ctrl-C or SIGTERM.

use super::args::SimulateArgs;
use super::error::{CliError, exit};
use super::{output, text};
use crate::sim::{self, FaultSpec, SimError, SimOptions};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where the config goes without `--config-out`: beside the data, never over the user's own.
pub fn default_config_out(data_dir: &Path) -> PathBuf {
    data_dir.join("simulate").join("config.toml")
}

/// The simulator options a command line asks for; bad fault specs are bad input (exit 2).
pub fn options(args: &SimulateArgs) -> Result<SimOptions, CliError> {
    let faults = args
        .faults
        .iter()
        .map(|f| {
            f.parse::<FaultSpec>()
                .map_err(|e| CliError::Usage(format!("--fault: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SimOptions {
        listen: args.listen,
        port: args.port,
        size: args.size,
        seed: args.seed,
        async_delay: args.async_delay,
        faults,
        token_ttl: None,
    })
}

pub async fn run(args: &SimulateArgs, data_dir: &Path, as_json: bool) -> Result<i32, CliError> {
    let opts = options(args)?;
    let handle = sim::start(opts).await.map_err(start_error)?;
    let config_out = args
        .config_out
        .clone()
        .unwrap_or_else(|| default_config_out(data_dir));
    handle.write_config(&config_out).map_err(|e| {
        CliError::Runtime(format!(
            "cannot write the config to {}: {e}",
            config_out.display()
        ))
    })?;
    if as_json {
        let platforms: Vec<_> = handle
            .platforms
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "kind": p.kind,
                    "baseUrl": p.base_url,
                    "statsUrl": p.stats_url,
                    "accountId": p.account_id,
                })
            })
            .collect();
        output::json(&json!({
            "platforms": platforms,
            "config": config_out.display().to_string(),
        }))?;
    } else {
        let rows: Vec<Vec<String>> = handle
            .platforms
            .iter()
            .map(|p| {
                vec![
                    p.kind.to_string(),
                    p.name.clone(),
                    p.base_url.clone(),
                    p.stats_url.clone(),
                ]
            })
            .collect();
        output::stdout(&text::table(
            &["KIND", "NAME", "BASE URL", "REQUEST COUNTS"],
            &rows,
        ))?;
        output::stdout(&format!(
            "\nconfig written to {0}\nrun: cmo --config {0}\nCtrl-C stops the simulators.\n",
            config_out.display()
        ))?;
    }
    tracing::info!(config = %config_out.display(), "simulators running");
    wait_for_shutdown().await;
    report_stats(&handle, as_json)?;
    handle.shutdown().await;
    Ok(exit::OK)
}

/// On shutdown: what each platform served — requests, writes, 429s sent, faults injected.
fn report_stats(handle: &sim::SimHandle, as_json: bool) -> Result<(), CliError> {
    if as_json {
        let stats: Vec<_> = handle
            .platforms
            .iter()
            .map(|p| json!({"name": p.name, "kind": p.kind, "stats": p.control.stats()}))
            .collect();
        return output::json(&json!({ "stopped": stats }));
    }
    let rows: Vec<Vec<String>> = handle
        .platforms
        .iter()
        .map(|p| {
            let s = p.control.stats();
            vec![
                p.kind.to_string(),
                p.name.clone(),
                s.requests.to_string(),
                s.writes.to_string(),
                s.rate_limited.to_string(),
                s.faults_injected.to_string(),
            ]
        })
        .collect();
    output::stdout(&format!(
        "\nsimulators stopped; what each served:\n{}",
        text::table(
            &["KIND", "NAME", "REQUESTS", "WRITES", "429 SENT", "FAULTS"],
            &rows
        )
    ))
}

/// A refused option is bad input (exit 2); a port that cannot be bound is a runtime failure.
pub fn start_error(e: SimError) -> CliError {
    match e {
        SimError::Bind { .. } => CliError::Runtime(format!("cannot start the simulators: {e}")),
        _ => CliError::Usage(e.to_string()),
    }
}

/// Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
