//! What the terminal can show, from the environment: `NO_COLOR` (present with any value, per
//! no-color.org as the issue asks) → no colour at all; `COLORTERM=truecolor|24bit` → every
//! colour; else `TERM`: `*-256color` → 256, the 16-colour and monochrome names → 16 or none.
//! An unknown or missing `TERM` keeps 256 colours, as the console always did. Also the colour
//! arithmetic to bring a theme's colours down to what the terminal has.

use ratatui::style::Color;

/// How many colours the terminal shows; ordered, so `support >= Ansi256` reads naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorSupport {
    /// No colour escape codes at all (`NO_COLOR`, `dumb`, the DEC VTs): attributes only.
    None,
    /// The 16 ANSI colours (SGR 30–37, 90–97 and their backgrounds).
    Ansi16,
    /// The xterm 256-colour palette (`38;5;N`).
    Ansi256,
    /// 24-bit colour (`38;2;R;G;B`).
    TrueColor,
}

impl ColorSupport {
    /// From this process's environment.
    pub fn from_env() -> ColorSupport {
        let var = |k: &str| std::env::var(k).ok();
        detect(
            std::env::var_os("NO_COLOR").is_some(),
            var("COLORTERM").as_deref(),
            var("TERM").as_deref(),
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ColorSupport::None => "none",
            ColorSupport::Ansi16 => "16",
            ColorSupport::Ansi256 => "256",
            ColorSupport::TrueColor => "truecolor",
        }
    }
}

/// The detection table (pure, for tests): `no_color` is whether `NO_COLOR` is present.
pub fn detect(no_color: bool, colorterm: Option<&str>, term: Option<&str>) -> ColorSupport {
    if no_color {
        return ColorSupport::None;
    }
    let colorterm = colorterm.unwrap_or("").trim().to_ascii_lowercase();
    if colorterm == "truecolor" || colorterm == "24bit" {
        return ColorSupport::TrueColor;
    }
    let term = term.unwrap_or("").trim().to_ascii_lowercase();
    if term.is_empty() {
        return ColorSupport::Ansi256;
    }
    if term.ends_with("-direct") || term.ends_with("-truecolor") {
        return ColorSupport::TrueColor;
    }
    if term.contains("256color") {
        return ColorSupport::Ansi256;
    }
    if term.contains("16color") || term.contains("-color") || term.ends_with("-8color") {
        return ColorSupport::Ansi16;
    }
    // Plain `xterm` has 8 colours in terminfo; `xterm-kitty` and friends are modern terminals.
    if term == "xterm" {
        return ColorSupport::Ansi16;
    }
    // `screen.xterm-new` is screen; `vt220-w` is a vt220.
    let base = term.split(['-', '.']).next().unwrap_or("");
    match base {
        "dumb" | "vt52" | "vt100" | "vt102" | "vt220" | "vt320" | "vt420" | "vt520" => {
            ColorSupport::None
        }
        // terminfo gives these 8 or 16 colours: never send them 256-colour codes.
        "linux" | "ansi" | "screen" | "tmux" | "rxvt" | "cygwin" | "putty" | "eterm" | "cons25"
        | "pcansi" | "sun" => ColorSupport::Ansi16,
        _ => ColorSupport::Ansi256,
    }
}

/// The 16 ANSI colours as ratatui names them, by palette index.
const ANSI16: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// xterm's default RGB for the 16 ANSI colours, to find the nearest one.
const ANSI16_RGB: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The palette index (0–15) of a named colour; `None` for `Reset`, indexed and RGB colours.
pub fn ansi16_index(color: Color) -> Option<u8> {
    ANSI16
        .iter()
        .position(|c| *c == color)
        .and_then(|i| u8::try_from(i).ok())
}

/// RGB of an xterm 256-colour palette entry.
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16_RGB[usize::from(i)],
        16..=231 => {
            const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
            let i = i - 16;
            (
                LEVELS[usize::from(i / 36)],
                LEVELS[usize::from(i / 6 % 6)],
                LEVELS[usize::from(i % 6)],
            )
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| u32::from(x.abs_diff(y)).pow(2);
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

fn nearest(rgb: (u8, u8, u8), candidates: impl Iterator<Item = u8>) -> u8 {
    candidates
        .min_by_key(|&i| distance(rgb, indexed_rgb(i)))
        .unwrap_or(0)
}

/// `color` as a terminal with `support` can show it: the nearest palette entry for RGB and
/// indexed colours it lacks, nothing at all for [`ColorSupport::None`].
pub fn downgrade(color: Color, support: ColorSupport) -> Option<Color> {
    match (support, color) {
        (ColorSupport::None, _) => None,
        (ColorSupport::TrueColor, c) => Some(c),
        (ColorSupport::Ansi256, Color::Rgb(r, g, b)) => {
            // The 6×6×6 cube and the grey ramp: the first 16 depend on the user's palette.
            Some(Color::Indexed(nearest((r, g, b), 16..=255)))
        }
        (ColorSupport::Ansi256, c) => Some(c),
        (ColorSupport::Ansi16, Color::Rgb(r, g, b)) => {
            Some(ANSI16[usize::from(nearest((r, g, b), 0..16))])
        }
        (ColorSupport::Ansi16, Color::Indexed(i)) if i < 16 => Some(ANSI16[usize::from(i)]),
        (ColorSupport::Ansi16, Color::Indexed(i)) => {
            Some(ANSI16[usize::from(nearest(indexed_rgb(i), 0..16))])
        }
        (ColorSupport::Ansi16, c) => Some(c),
    }
}

#[cfg(test)]
mod tests {
    use super::ColorSupport::{Ansi16, Ansi256, None as Mono, TrueColor};
    use super::*;

    #[test]
    fn the_detection_table() {
        let cases: &[(bool, Option<&str>, Option<&str>, ColorSupport)] = &[
            // NO_COLOR wins over everything, whatever its value (even empty).
            (true, Some("truecolor"), Some("xterm-256color"), Mono),
            (false, Some("truecolor"), Some("xterm-16color"), TrueColor),
            (false, Some("24bit"), Some("vt100"), TrueColor),
            (false, Some("yes"), Some("xterm-256color"), Ansi256),
            (false, None, Some("xterm-256color"), Ansi256),
            (false, None, Some("screen-256color"), Ansi256),
            (false, None, Some("tmux-256color"), Ansi256),
            (false, None, Some("xterm-direct"), TrueColor),
            (false, None, Some("xterm-16color"), Ansi16),
            (false, None, Some("xterm-color"), Ansi16),
            (false, None, Some("xterm"), Ansi16),
            (false, None, Some("linux"), Ansi16),
            (false, None, Some("screen"), Ansi16),
            (false, None, Some("screen.xterm-new"), Ansi16),
            (false, None, Some("ansi"), Ansi16),
            (false, None, Some("vt100"), Mono),
            (false, None, Some("vt220"), Mono),
            (false, None, Some("dumb"), Mono),
            (false, None, Some("alacritty"), Ansi256),
            (false, None, Some("xterm-kitty"), Ansi256),
            (false, None, None, Ansi256),
        ];
        for &(no_color, colorterm, term, want) in cases {
            assert_eq!(
                detect(no_color, colorterm, term),
                want,
                "NO_COLOR={no_color} COLORTERM={colorterm:?} TERM={term:?}"
            );
        }
    }

    #[test]
    fn colours_come_down_to_what_the_terminal_has() {
        assert_eq!(downgrade(Color::Red, Mono), None);
        assert_eq!(
            downgrade(Color::Rgb(1, 2, 3), TrueColor),
            Some(Color::Rgb(1, 2, 3))
        );
        assert_eq!(
            downgrade(Color::Rgb(255, 0, 0), Ansi256),
            Some(Color::Indexed(196))
        );
        assert_eq!(
            downgrade(Color::Rgb(250, 10, 10), Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(downgrade(Color::Indexed(4), Ansi16), Some(Color::Blue));
        assert_eq!(downgrade(Color::Indexed(232), Ansi16), Some(Color::Black));
        assert_eq!(downgrade(Color::Indexed(231), Ansi16), Some(Color::White));
        assert_eq!(downgrade(Color::Cyan, Ansi16), Some(Color::Cyan));
        assert_eq!(ansi16_index(Color::DarkGray), Some(8));
        assert_eq!(ansi16_index(Color::Reset), None);
    }
}
