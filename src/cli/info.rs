//! `cmo info`: the version and every path cmo uses (config, data, log, themes).

use super::error::{CliError, exit};
use super::{output, text};
use crate::paths::Paths;
use serde_json::json;

pub fn info(paths: &Paths, as_json: bool) -> Result<i32, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not present)" };
    if as_json {
        output::json(&json!({
            "version": version,
            "config": paths.config_file.display().to_string(),
            "configExists": paths.config_file.exists(),
            "dataDir": paths.data_dir.display().to_string(),
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
                    exists(&paths.config_file)
                ),
            ],
            vec!["data".into(), paths.data_dir.display().to_string()],
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
        output::stdout(&format!("cmo {version}\n"))?;
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
