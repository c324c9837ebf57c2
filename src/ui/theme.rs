//! Themes: semantic style names (`selected`, `status_bad`, `health_down`, …) read from
//! `themes/*.toml`. The files are embedded at build time, so a fresh install has every theme;
//! the list of names comes from the `themes!` invocation below, which names each file once.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

macro_rules! themes {
    ($($name:literal),+ $(,)?) => {
        /// Every built-in theme: (name, TOML text of `themes/<name>.toml`).
        pub const THEMES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../themes/", $name, ".toml")))),+
        ];
    };
}

themes!("default", "mono", "high-contrast", "solarized-16");

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme '{name}'; available themes: {available}")]
    Unknown { name: String, available: String },
    #[error("theme '{name}' is invalid: {detail}")]
    Invalid { name: String, detail: String },
}

/// One style as written in a theme file: `{ fg = "yellow", bg = "#002b36", bold = true }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
}

impl StyleSpec {
    fn to_style(&self, key: &str) -> Result<Style, String> {
        let color = |v: &Option<String>| -> Result<Option<Color>, String> {
            v.as_deref()
                .map(|c| Color::from_str(c).map_err(|_| format!("{key}: '{c}' is not a colour")))
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = color(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.reversed, Modifier::REVERSED),
            (self.underlined, Modifier::UNDERLINED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

macro_rules! theme_struct {
    ($($field:ident: $doc:literal),+ $(,)?) => {
        /// Resolved styles, one per semantic role. A role a file leaves out is the plain style.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Theme {
            pub name: String,
            $(#[doc = $doc] pub $field: Style,)+
        }

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct ThemeFile {
            $(#[serde(default)] $field: StyleSpec,)+
        }

        impl ThemeFile {
            fn resolve(self, name: &str) -> Result<Theme, String> {
                Ok(Theme {
                    name: name.to_string(),
                    $($field: self.$field.to_style(stringify!($field))?,)+
                })
            }
        }

        impl Theme {
            /// The same theme with every colour removed (for `NO_COLOR`); modifiers stay.
            pub fn without_colors(&self) -> Theme {
                let strip = |s: Style| Style { fg: None, bg: None, underline_color: None, ..s };
                Theme {
                    name: self.name.clone(),
                    $($field: strip(self.$field),)+
                }
            }
        }
    };
}

theme_struct! {
    base: "Everything not styled otherwise",
    title: "The application title in the header",
    border: "Pane borders",
    pane_title: "Pane titles",
    table_header: "Column names",
    selected: "The selected row or menu item",
    unconfirmed: "Rows from the cache the current listing has not confirmed yet",
    native: "The carrier's own words next to a normalized value",
    label: "Field labels in the detail pane",
    value: "Field values in the detail pane",
    status_ok: "ACTIVE",
    status_warn: "Transitional and parked statuses (SUSPENDED, PENDING_*, CREATED, INVENTORY)",
    status_bad: "BLOCKED, TERMINATED, DELETED",
    status_unknown: "UNKNOWN",
    health_ok: "A backend answering normally",
    health_slow: "A backend answering slowly",
    health_rate_limited: "A backend rate limiting us",
    health_down: "A backend failing or unreachable",
    health_unknown: "A backend not heard from yet",
    footer_key: "Keys in the footer",
    footer_text: "Descriptions in the footer",
    message_info: "Informational messages and results",
    message_error: "Error messages",
    filter: "The filter line",
    dialog: "Menus and dialogs",
    button: "Dialog buttons",
    button_focused: "The focused dialog button",
}

impl Theme {
    /// Load a built-in theme by name.
    pub fn load(name: &str) -> Result<Theme, ThemeError> {
        let (_, text) =
            THEMES
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| ThemeError::Unknown {
                    name: name.to_string(),
                    available: names().join(", "),
                })?;
        Theme::parse(name, text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Theme, ThemeError> {
        let invalid = |detail: String| ThemeError::Invalid {
            name: name.to_string(),
            detail,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| invalid(e.message().to_string()))?;
        file.resolve(name).map_err(invalid)
    }

    pub fn status(&self, status: crate::domain::Status) -> Style {
        use crate::domain::Status as S;
        match status {
            S::Active => self.status_ok,
            S::Suspended | S::PendingActive | S::PendingTerminate | S::Created | S::Inventory => {
                self.status_warn
            }
            S::Blocked | S::Terminated | S::Deleted => self.status_bad,
            S::Unknown => self.status_unknown,
        }
    }

    pub fn health(&self, health: crate::engine::Health) -> Style {
        use crate::engine::Health as H;
        match health {
            H::Ok => self.health_ok,
            H::Slow => self.health_slow,
            H::RateLimited => self.health_rate_limited,
            H::Down => self.health_down,
            H::Unknown => self.health_unknown,
        }
    }
}

/// The names of the built-in themes.
pub fn names() -> Vec<&'static str> {
    THEMES.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_theme_file_is_embedded_and_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".toml").map(str::to_string)
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = names().into_iter().map(str::to_string).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "add new theme files to the themes! list");
        for name in names() {
            let theme = Theme::load(name).unwrap();
            assert_ne!(
                theme.selected,
                Style::default(),
                "{name}: selection must be visible"
            );
        }
    }

    #[test]
    fn unknown_theme_names_the_available_ones() {
        let err = Theme::load("neon").unwrap_err().to_string();
        assert!(err.contains("'neon'"), "{err}");
        for name in names() {
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn typos_and_bad_colours_are_reported() {
        let err = Theme::parse("x", "selectd = { fg = \"red\" }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("selectd"), "{err}");
        let err = Theme::parse("x", "selected = { fg = \"redd\" }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("redd"), "{err}");
    }

    #[test]
    fn no_color_strips_colours_but_keeps_modifiers() {
        let t = Theme::load("default").unwrap().without_colors();
        assert_eq!(t.status_ok.fg, None);
        assert!(
            t.selected.add_modifier.contains(Modifier::REVERSED)
                || t.selected.add_modifier.contains(Modifier::BOLD)
        );
    }
}
