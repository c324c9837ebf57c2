//! `cmo info`: the version and every path cmo uses (config, data, log, themes). The data dir is
//! the one commands will use (`--data-dir`, else the config's `[store] data_dir`, else XDG); a
//! config that cannot be read is reported on its line, not fatal — `info` is where one looks
//! when something is wrong.

use super::args::GlobalArgs;
use super::error::{CliError, exit};
use super::session::{Local, local_config};
use super::{output, text};
use crate::paths::Paths;
use serde_json::json;

pub fn info(global: &GlobalArgs, paths: &Paths, as_json: bool) -> Result<i32, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not present)" };
    let (data_dir, config_problem) = match local_config(global, paths) {
        Ok(config) => (Local::new(global, &config, paths).data_dir, None),
        Err(e) => (
            global
                .data_dir
                .clone()
                .unwrap_or_else(|| paths.data_dir.clone()),
            Some(e.to_string()),
        ),
    };
    let config_note = match &config_problem {
        Some(problem) => format!(" (unusable: {problem})"),
        None => exists(&paths.config_file).to_string(),
    };
    if as_json {
        output::json(&json!({
            "version": version,
            "config": paths.config_file.display().to_string(),
            "configExists": paths.config_file.exists(),
            "configError": config_problem,
            "dataDir": data_dir.display().to_string(),
            "logFile": paths.log_file.display().to_string(),
            "themesDir": paths.themes_dir.display().to_string(),
        }))?;
    } else {
        let rows = vec![
            vec!["version".into(), version.to_string()],
            vec![
                "config".into(),
                format!(
                    "{}{}",
                    paths.config_file.display(),
                    crate::text::sanitize(&config_note)
                ),
            ],
            vec!["data".into(), data_dir.display().to_string()],
            vec!["log".into(), paths.log_file.display().to_string()],
            vec![
                "themes".into(),
                format!(
                    "{}{}",
                    paths.themes_dir.display(),
                    exists(&paths.themes_dir)
                ),
            ],
        ];
        let table = text::table(&["WHAT", "PATH"], &rows);
        // Skip the header line: `info` reads better as a plain list.
        output::stdout(
            &table
                .lines()
                .skip(1)
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        )?;
    }
    Ok(exit::OK)
}
