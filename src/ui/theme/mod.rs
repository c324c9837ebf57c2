//! Themes: semantic style names (`selected`, `status_bad`, `health_down`, …) read from
//! `themes/*.toml`. The files are embedded at build time, so a fresh install has every theme;
//! the list of names comes from the `themes!` invocation below, which names each file once.
//! `detect` says how many colours the terminal has and [`Theme::adapt`] brings a theme down to
//! them; `file` finds a theme by name (the user's themes folder first) or by path.

pub mod detect;
pub mod file;

pub use detect::ColorSupport;
pub use file::{ThemeEntry, ThemeOrigin, available, is_path, resolve_spec};

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::PathBuf;
use std::str::FromStr;
use toml::Spanned;

macro_rules! themes {
    ($($name:literal),+ $(,)?) => {
        /// Every built-in theme: (name, TOML text of `themes/<name>.toml`).
        pub const THEMES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../themes/", $name, ".toml")))),+
        ];
    };
}

themes!(
    "default",
    "default-16",
    "mono",
    "high-contrast",
    "solarized-16"
);

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme '{name}'; available themes: {available}")]
    Unknown { name: String, available: String },
    #[error("theme '{name}' is invalid: {detail}")]
    Invalid { name: String, detail: String },
    #[error("cannot read theme file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A theme file with a bad key or value, located like a config error.
    #[error("theme file {origin}{}: {message}", file::location(*.line, .key.as_deref()))]
    File {
        origin: String,
        line: Option<usize>,
        key: Option<String>,
        message: String,
    },
}

/// Where a theme file went wrong: the key (`selected.fg`), the byte offset if known, and what.
#[derive(Debug)]
struct StyleError {
    key: String,
    at: Option<usize>,
    message: String,
}

/// One style as written in a theme file: `{ fg = "yellow", bg = "#002b36", bold = true }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
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
    fn to_style(&self, key: &str) -> Result<Style, StyleError> {
        let color = |part: &str,
                     v: &Option<Spanned<String>>|
         -> Result<Option<Color>, StyleError> {
            v.as_ref()
                .map(|c| {
                    Color::from_str(c.get_ref()).map_err(|_| StyleError {
                        key: format!("{key}.{part}"),
                        at: Some(c.span().start),
                        message: format!(
                            "{key}: '{}' is not a colour (a name such as \"cyan\", an index 0–255 or #rrggbb)",
                            c.get_ref()
                        ),
                    })
                })
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = color("fg", &self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color("bg", &self.bg)? {
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
            fn resolve(self, name: &str) -> Result<Theme, StyleError> {
                Ok(Theme {
                    name: name.to_string(),
                    $($field: self.$field.to_style(stringify!($field))?,)+
                })
            }
        }

        impl Theme {
            /// The same theme with `f(role, style)` applied to every role.
            fn map_styles(&self, f: impl Fn(&str, Style) -> Style) -> Theme {
                Theme {
                    name: self.name.clone(),
                    $($field: f(stringify!($field), self.$field),)+
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

/// Roles that mark where the user is (the selected row, menu item or attribute, the focused
/// button): without colours they must still show, so they become reverse video.
const FOCUS_ROLES: [&str; 2] = ["selected", "button_focused"];

impl Theme {
    /// The same theme with every colour removed (for `NO_COLOR`); modifiers stay, and the
    /// selection and the focused button turn to reverse video so they stay visible.
    pub fn without_colors(&self) -> Theme {
        self.map_styles(|role, s| {
            let plain = Style {
                fg: None,
                bg: None,
                underline_color: None,
                ..s
            };
            if FOCUS_ROLES.contains(&role) {
                plain.add_modifier(Modifier::REVERSED)
            } else {
                plain
            }
        })
    }

    /// The theme as a terminal with `support` can show it: no colour at all, or each colour
    /// brought to the nearest one the terminal has.
    pub fn adapt(&self, support: ColorSupport) -> Theme {
        if support == ColorSupport::None {
            return self.without_colors();
        }
        let down = |c: Option<Color>| c.and_then(|c| detect::downgrade(c, support));
        self.map_styles(|_, s| Style {
            fg: down(s.fg),
            bg: down(s.bg),
            underline_color: down(s.underline_color),
            ..s
        })
    }

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
        file.resolve(name).map_err(|e| invalid(e.message))
    }

    /// Parse a theme file's text; errors name `origin` (the file), the line and the key.
    fn parse_file(name: &str, text: &str, origin: &str) -> Result<Theme, ThemeError> {
        use crate::config::{key_at, line_of};
        let located = |at: Option<usize>, key: Option<String>, message: String| ThemeError::File {
            origin: origin.to_string(),
            line: at.map(|o| line_of(text, o)),
            key,
            message,
        };
        let file: ThemeFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start);
            located(
                at,
                at.and_then(|o| key_at(text, o)),
                e.message().trim().to_string(),
            )
        })?;
        file.resolve(name)
            .map_err(|e| located(e.at, Some(e.key), e.message))
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
    fn no_color_strips_colours_keeps_modifiers_and_reverses_the_focus() {
        for name in names() {
            let t = Theme::load(name).unwrap().without_colors();
            t.map_styles(|role, s| {
                assert_eq!(
                    (s.fg, s.bg, s.underline_color),
                    (None, None, None),
                    "{name}.{role}"
                );
                s
            });
            for focus in [t.selected, t.button_focused] {
                assert!(focus.add_modifier.contains(Modifier::REVERSED), "{name}");
            }
        }
        let t = Theme::load("default").unwrap().without_colors();
        assert!(t.title.add_modifier.contains(Modifier::BOLD));
        assert!(!t.status_ok.add_modifier.contains(Modifier::REVERSED));
        assert_eq!(Theme::load("default").unwrap().adapt(ColorSupport::None), t);
    }
}
