//! `cmo info`: the version, every path cmo uses (config, data, log, themes) and the configured
//! backends with where each secret comes from (never the secret: the config is read without them). The data dir is
//! the one commands will use (`--data-dir`, else the config's `[store] data_dir`, else XDG); a
//! config that cannot be read is reported on its line, not fatal — `info` is where one looks
//! when something is wrong. The themes loadable by name are listed too: the user's (from the
//! themes folder, which shadow a built-in theme of the same name) and the built-in ones.

use super::args::GlobalArgs;
use super::error::{CliError, exit};
use super::session::{Local, local_config};
use super::{output, text};
use crate::paths::Paths;
use crate::ui::theme::{ThemeOrigin, available};
use serde_json::json;

pub fn info(global: &GlobalArgs, paths: &Paths, as_json: bool) -> Result<i32, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let exists = |p: &std::path::Path| if p.exists() { "" } else { " (not present)" };
    let (data_dir, config_problem, backends, store_conf) = match local_config(global, paths) {
        Ok(config) => (
            Local::new(global, &config, paths).data_dir,
            None,
            config.backends,
            config.store,
        ),
        Err(e) => (
            global
                .data_dir
                .clone()
                .unwrap_or_else(|| paths.data_dir.clone()),
            Some(e.to_string()),
            Vec::new(),
            crate::config::StoreConfig::default(),
        ),
    };
    let store = store_line(&store_conf, &data_dir);
    let config_note = match &config_problem {
        Some(problem) => format!(" (unusable: {problem})"),
        None => exists(&paths.config_file).to_string(),
    };
    let themes = available(Some(&paths.themes_dir));
    if as_json {
        output::json(&json!({
            "version": version,
            "config": paths.config_file.display().to_string(),
            "configExists": paths.config_file.exists(),
            "configError": config_problem,
            "dataDir": data_dir.display().to_string(),
            "store": store,
            "logFile": paths.log_file.display().to_string(),
            "themesDir": paths.themes_dir.display().to_string(),
            "themes": themes.iter().map(|t| json!({
                "name": t.name,
                "file": match &t.origin {
                    ThemeOrigin::BuiltIn => None,
                    ThemeOrigin::User(path) => Some(path.display().to_string()),
                },
            })).collect::<Vec<_>>(),
            "backends": backends.iter().map(|b| json!({
                "name": b.name,
                "kind": b.kind.as_str(),
                "baseUrl": shown_url(&b.base_url),
                "accountId": b.account_id,
                "secretFrom": b.auth.secret_source.to_string(),
            })).collect::<Vec<_>>(),
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
            vec!["store".into(), store.clone()],
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
        let names = |user: bool| {
            themes
                .iter()
                .filter(|t| matches!(t.origin, ThemeOrigin::User(_)) == user)
                .map(|t| crate::text::sanitize(&t.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut rows = rows;
        let user = names(true);
        if !user.is_empty() {
            rows.push(vec!["user themes".into(), user]);
        }
        rows.push(vec!["built-in themes".into(), names(false)]);
        let table = text::table(&["WHAT", "PATH"], &rows);
        // Skip the header line: `info` reads better as a plain list.
        output::stdout(
            &table
                .lines()
                .skip(1)
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        )?;
        if !backends.is_empty() {
            // Where each secret comes from, never the secret itself.
            let rows: Vec<Vec<String>> = backends
                .iter()
                .map(|b| {
                    vec![
                        crate::text::sanitize(&b.name),
                        b.kind.as_str().to_string(),
                        shown_url(&b.base_url),
                        crate::text::sanitize(&b.auth.secret_source.to_string()),
                    ]
                })
                .collect();
            output::stdout("\n")?;
            output::stdout(&text::table(
                &["BACKEND", "KIND", "BASE URL", "SECRET FROM"],
                &rows,
            ))?;
        }
    }
    Ok(exit::OK)
}

/// Where attributes, monitors and the journal live: the PostgreSQL URL (validation keeps
/// passwords out of it) and where its password comes from, or the SQLite file.
fn store_line(store: &crate::config::StoreConfig, data_dir: &std::path::Path) -> String {
    match &store.url {
        Some(url) => {
            let from = store.password.as_ref().map_or_else(
                || "no password".to_string(),
                |s| format!("password from {s}"),
            );
            crate::text::sanitize(&format!("{url} ({from})"))
        }
        None => data_dir
            .join(crate::store::DB_FILE_NAME)
            .display()
            .to_string(),
    }
}

/// A base URL as `info` shows it: credentials someone put in it are masked.
fn shown_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() || shown.password().is_some() {
        let _ = shown.set_username("***");
        let _ = shown.set_password(None);
    }
    crate::text::sanitize(shown.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_in_a_base_url_are_masked() {
        let url = reqwest::Url::parse("https://user:s3cret@api.example/v1").unwrap();
        let shown = super::shown_url(&url);
        assert_eq!(shown, "https://***@api.example/v1");
        let plain = reqwest::Url::parse("https://api.example/v1").unwrap();
        assert_eq!(super::shown_url(&plain), "https://api.example/v1");
    }
}
