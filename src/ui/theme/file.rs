//! Finding a theme: a name (the user's themes folder, `<config dir>/themes/NAME.toml`, first,
//! then the built-in ones) or a path to a `.toml` file. The command line resolves a relative
//! path against the working directory and the config's `theme =` against the config file's
//! folder ([`resolve_spec`]); the console then loads what it is given ([`Theme::find`]).

use super::{THEMES, Theme, ThemeError};
use std::path::{Path, PathBuf};

/// Where a theme comes from, for `cmo info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThemeOrigin {
    BuiltIn,
    User(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeEntry {
    pub name: String,
    pub origin: ThemeOrigin,
}

/// `, line 3, key `selected.fg`` — the same shape as config errors.
pub(super) fn location(line: Option<usize>, key: Option<&str>) -> String {
    match (line, key) {
        (Some(l), Some(k)) => format!(", line {l}, key `{k}`"),
        (Some(l), None) => format!(", line {l}"),
        (None, Some(k)) => format!(", key `{k}`"),
        (None, None) => String::new(),
    }
}

/// Whether a `--theme` / `theme =` value names a file rather than a theme: it ends in `.toml`
/// or has a path separator (theme names have neither).
pub fn is_path(spec: &str) -> bool {
    spec.ends_with(".toml") || spec.contains('/') || spec.contains(std::path::MAIN_SEPARATOR)
}

/// The file of the user theme `spec` names, when there is one: `<themes dir>/<spec>.toml`.
/// `cmo info` lists every `*.toml` of the folder by its stem, so a stem that itself ends in
/// `.toml` or holds a dot (`night.toml.toml` → `night.toml`) is a name too, and must be
/// loadable by that name before `spec` is taken for a path.
fn user_theme_file(spec: &str, themes_dir: Option<&Path>) -> Option<PathBuf> {
    if spec.is_empty() || spec.contains('/') || spec.contains(std::path::MAIN_SEPARATOR) {
        return None;
    }
    themes_dir
        .map(|d| d.join(format!("{spec}.toml")))
        .filter(|p| p.is_file())
}

/// A theme value made independent of the working directory: a relative path is joined to
/// `base` (the cwd for the flag, the config file's folder for the config key); a name (a user
/// theme of `themes_dir` first), or an absolute path, is kept. `~/` is the home directory, as
/// in the config's other paths.
pub fn resolve_spec(spec: &str, base: &Path, themes_dir: Option<&Path>) -> String {
    if !is_path(spec) || user_theme_file(spec, themes_dir).is_some() {
        return spec.to_string();
    }
    let path = match spec.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(rest),
            None => PathBuf::from(spec),
        },
        None => PathBuf::from(spec),
    };
    if path.is_absolute() {
        path.display().to_string()
    } else {
        base.join(path).display().to_string()
    }
}

/// Every theme loadable by name: the user's (sorted), then the built-in ones a user theme
/// does not shadow.
pub fn available(themes_dir: Option<&Path>) -> Vec<ThemeEntry> {
    let mut user: Vec<ThemeEntry> = themes_dir
        .and_then(|d| std::fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path
                .file_name()?
                .to_str()?
                .strip_suffix(".toml")?
                .to_string();
            (!name.is_empty() && path.is_file()).then_some(ThemeEntry {
                name,
                origin: ThemeOrigin::User(path),
            })
        })
        .collect();
    user.sort_by(|a, b| a.name.cmp(&b.name));
    let built_in = THEMES
        .iter()
        .filter(|(n, _)| !user.iter().any(|u| u.name == *n))
        .map(|(n, _)| ThemeEntry {
            name: (*n).to_string(),
            origin: ThemeOrigin::BuiltIn,
        })
        .collect::<Vec<_>>();
    user.extend(built_in);
    user
}

impl Theme {
    /// A theme by name (user folder first, then built-in) or by path (see [`is_path`]).
    pub fn find(spec: &str, themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        if let Some(path) = user_theme_file(spec, themes_dir) {
            return Theme::from_file(&path);
        }
        if is_path(spec) {
            return Theme::from_file(Path::new(spec));
        }
        match Theme::load(spec) {
            Err(ThemeError::Unknown { name, .. }) => Err(ThemeError::Unknown {
                name,
                available: available(themes_dir)
                    .into_iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            other => other,
        }
    }

    /// A theme file; its name is the file's stem.
    pub fn from_file(path: &Path) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Theme::parse_file(&name, &text, &path.display().to_string())
    }

    /// The theme the console starts with on a terminal with `support`: `spec` found as above,
    /// except that the default theme becomes `default-16` on a 16-colour terminal (unless the
    /// user has their own `default`); then its colours brought down to what the terminal has.
    pub fn for_terminal(
        spec: &str,
        themes_dir: Option<&Path>,
        support: super::ColorSupport,
    ) -> Result<Theme, ThemeError> {
        let user_default = themes_dir.is_some_and(|d| d.join("default.toml").is_file());
        let spec = if spec == "default" && support == super::ColorSupport::Ansi16 && !user_default {
            "default-16"
        } else {
            spec
        };
        Ok(Theme::find(spec, themes_dir)?.adapt(support))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ColorSupport;
    use super::*;

    #[test]
    fn names_stay_names_and_relative_paths_join_their_base() {
        let base = Path::new("/etc/cmo");
        assert_eq!(resolve_spec("mono", base, None), "mono");
        assert_eq!(resolve_spec("my.toml", base, None), "/etc/cmo/my.toml");
        assert_eq!(resolve_spec("themes/x", base, None), "/etc/cmo/themes/x");
        assert_eq!(resolve_spec("/opt/t.toml", base, None), "/opt/t.toml");
        assert!(!is_path("solarized-16"));
    }

    #[test]
    fn every_theme_info_lists_is_accepted_by_that_name() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = tempfile::tempdir().unwrap();
        for file in [
            "noc.toml",
            "night.toml.toml",
            "Night Shift.toml",
            "v1.2.toml",
            ".quiet.toml",
        ] {
            std::fs::write(dir.path().join(file), "title = { bold = true }\n").unwrap();
        }
        let listed = available(Some(dir.path()));
        assert_eq!(listed.len(), 5 + super::super::THEMES.len());
        for entry in listed {
            // As `--theme NAME` does it: resolved against the working directory, then found.
            let spec = resolve_spec(&entry.name, cwd.path(), Some(dir.path()));
            let theme = Theme::find(&spec, Some(dir.path()))
                .unwrap_or_else(|e| panic!("{} is listed but refused: {e}", entry.name));
            if let ThemeOrigin::User(path) = &entry.origin {
                assert_eq!(
                    path.file_stem().unwrap().to_str(),
                    Some(theme.name.as_str())
                );
            }
        }
        // A path to a file elsewhere is still a path.
        let elsewhere = cwd.path().join("mine.toml");
        std::fs::write(&elsewhere, "title = { bold = true }\n").unwrap();
        let spec = resolve_spec("mine.toml", cwd.path(), Some(dir.path()));
        assert_eq!(Theme::find(&spec, Some(dir.path())).unwrap().name, "mine");
    }

    #[test]
    fn user_themes_load_by_name_before_built_ins_and_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("noc.toml"),
            "selected = { fg = \"black\", bg = \"green\" }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("mono.toml"), "title = { bold = true }\n").unwrap();
        let noc = Theme::find("noc", Some(dir.path())).unwrap();
        assert_eq!(noc.name, "noc");
        assert_eq!(noc.selected.bg, Some(ratatui::style::Color::Green));
        // The user's `mono` shadows the built-in one.
        let mono = Theme::find("mono", Some(dir.path())).unwrap();
        assert_eq!(mono.selected, ratatui::style::Style::default());
        let listed = available(Some(dir.path()));
        let names: Vec<&str> = listed.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(&names[..2], ["mono", "noc"]);
        assert!(names.contains(&"default-16") && names.contains(&"solarized-16"));
        assert_eq!(names.iter().filter(|n| **n == "mono").count(), 1);
        let err = Theme::find("neon", Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("noc") && err.contains("default"), "{err}");
    }

    #[test]
    fn a_theme_by_path_and_its_errors_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("ok.toml");
        std::fs::write(&good, "title = { fg = \"#ff0000\" }\n").unwrap();
        let spec = resolve_spec("ok.toml", dir.path(), None);
        assert_eq!(Theme::find(&spec, None).unwrap().name, "ok");

        let bad = dir.path().join("bad.toml");
        std::fs::write(
            &bad,
            "# mine\ntitle = { bold = true }\nselected = { fg = \"redd\" }\n",
        )
        .unwrap();
        let err = Theme::find(&bad.display().to_string(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains(&bad.display().to_string()), "{err}");
        assert!(err.contains("line 3, key `selected.fg`"), "{err}");
        assert!(err.contains("redd"), "{err}");

        std::fs::write(
            &bad,
            "title = { bold = true }\n\nselectd = { fg = \"red\" }\n",
        )
        .unwrap();
        let err = Theme::from_file(&bad).unwrap_err().to_string();
        assert!(err.contains("line 3, key `selectd`"), "{err}");

        let err = Theme::find(&dir.path().join("none.toml").display().to_string(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("none.toml"), "{err}");
    }

    #[test]
    fn the_default_theme_has_a_16_colour_variant_an_explicit_theme_keeps_its_own() {
        use ratatui::style::Color;
        let t = Theme::for_terminal("default", None, ColorSupport::Ansi16).unwrap();
        assert_eq!(t.name, "default-16");
        let t = Theme::for_terminal("default", None, ColorSupport::Ansi256).unwrap();
        assert_eq!(t.name, "default");
        let t = Theme::for_terminal("solarized-16", None, ColorSupport::Ansi16).unwrap();
        assert_eq!(t.name, "solarized-16");
        // Every colour of every built-in theme is one of the 16 once adapted.
        for (name, _) in THEMES {
            let t = Theme::for_terminal(name, None, ColorSupport::Ansi16).unwrap();
            t.map_styles(|role, s| {
                for c in [s.fg, s.bg].into_iter().flatten() {
                    assert!(
                        super::super::detect::ansi16_index(c).is_some()
                            && !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                        "{name}.{role}: {c:?}"
                    );
                }
                s
            });
        }
    }
}
