//! Where cmo keeps its files, following the XDG base directories (via `etcetera`) on every
//! platform, so that a NOC engineer finds them where other terminal tools keep theirs:
//!
//! | what    | default                              | override            |
//! |---------|--------------------------------------|---------------------|
//! | config  | `~/.config/cmo/config.toml`          | `--config PATH`     |
//! | themes  | `~/.config/cmo/themes/`              | —                   |
//! | data    | `~/.local/share/cmo/` (the store)    | `--data-dir DIR`    |
//! | log     | `~/.local/state/cmo/cmo.log`         | —                   |
//!
//! `XDG_CONFIG_HOME`, `XDG_DATA_HOME` and `XDG_STATE_HOME` are honoured (tests point them at a
//! temporary directory). Nothing here creates a directory; callers create what they write.

use etcetera::BaseStrategy;
use std::path::{Path, PathBuf};

/// The application's directory name under each base directory.
pub const APP_DIR: &str = "cmo";
pub const CONFIG_FILE: &str = "config.toml";
/// `CONFIG_FILE` without its extension, as confy names a config.
const CONFIG_STEM: &str = "config";
pub const LOG_FILE: &str = "cmo.log";
pub const THEMES_DIR: &str = "themes";

#[derive(Debug, thiserror::Error)]
#[error("cannot find the home directory to place cmo's files in: {0}")]
pub struct PathsError(String);

/// Every path cmo uses, resolved once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    /// The config file: `--config PATH` when given, else `<config_dir>/config.toml`.
    pub config_file: PathBuf,
    /// User themes (`*.toml`), looked up before the built-in ones.
    pub themes_dir: PathBuf,
    /// The local store lives here (`--data-dir` overrides it).
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
    pub log_file: PathBuf,
}

impl Paths {
    /// Resolve from the XDG environment, applying the command line's overrides.
    pub fn resolve(config: Option<&Path>, data_dir: Option<&Path>) -> Result<Paths, PathsError> {
        let base = etcetera::choose_base_strategy().map_err(|e| PathsError(e.to_string()))?;
        let config_dir = base.config_dir().join(APP_DIR);
        let data_default = base.data_dir().join(APP_DIR);
        // Windows has no state dir; keep logs beside the data there.
        let state_dir = base
            .state_dir()
            .map(|d| d.join(APP_DIR))
            .unwrap_or_else(|| data_default.join("state"));
        // The default config file is where `confy` puts an app's config (its XDG app strategy:
        // `$XDG_CONFIG_HOME/cmo/config.toml` on every platform). confy only locates the file:
        // loading it through confy would lose the file/line/key errors of `config::validate`,
        // and confy's `load` writes a default file when none exists, which would hide a missing
        // config behind an empty one. `cmo config init` writes the commented starter instead.
        let default_file = match confy::get_configuration_file_path(APP_DIR, CONFIG_STEM) {
            Ok(p) => p,
            Err(_) => config_dir.join(CONFIG_FILE),
        };
        Ok(Paths {
            config_file: config.map(Path::to_path_buf).unwrap_or(default_file),
            themes_dir: config_dir.join(THEMES_DIR),
            config_dir,
            data_dir: data_dir.map(Path::to_path_buf).unwrap_or(data_default),
            log_file: state_dir.join(LOG_FILE),
            state_dir,
        })
    }

    /// The default config file location (no overrides).
    pub fn default_config_file() -> Result<PathBuf, PathsError> {
        Ok(Paths::resolve(None, None)?.config_file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_is_confys_and_in_the_config_dir() {
        let p = Paths::resolve(None, None).unwrap();
        assert_eq!(p.config_file, p.config_dir.join(CONFIG_FILE));
    }

    #[test]
    fn overrides_replace_only_their_own_path() {
        let p = Paths::resolve(Some(Path::new("/tmp/x.toml")), Some(Path::new("/tmp/d"))).unwrap();
        assert_eq!(p.config_file, PathBuf::from("/tmp/x.toml"));
        assert_eq!(p.data_dir, PathBuf::from("/tmp/d"));
        assert!(p.config_dir.ends_with("cmo"), "{:?}", p.config_dir);
        assert!(p.log_file.ends_with("cmo/cmo.log"), "{:?}", p.log_file);
        assert!(p.themes_dir.ends_with("cmo/themes"), "{:?}", p.themes_dir);
    }

    #[test]
    fn defaults_sit_under_the_app_directory() {
        let p = Paths::resolve(None, None).unwrap();
        assert_eq!(p.config_file, p.config_dir.join(CONFIG_FILE));
        assert!(p.data_dir.ends_with(APP_DIR));
        assert_eq!(p.log_file, p.state_dir.join(LOG_FILE));
    }
}
