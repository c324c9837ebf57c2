//! Making carrier text safe for the places it ends up. One table of characters that must never
//! reach an output raw — [`is_unsafe`]: C0 and C1 controls, DEL, and the invisible format
//! characters that reorder or hide text (bidi embeddings, overrides and isolates, zero-width
//! spaces and joiners, the byte-order mark, …) — and three uses of it:
//!
//! * [`sanitize`], for terminals (text output, the console, CSV cells): ESC sequences are
//!   dropped whole, and every other unsafe character (a C1 CSI sequence included) becomes a
//!   visible U+FFFD, so `\u{202e}name` cannot display as
//!   `eman` nor a zero-width space hide inside an id; tabs and newlines become spaces (every
//!   field shown is one line). It also keeps every glyph's width unambiguous, so a wide glyph
//!   cannot leave ghost cells: emoji variation selectors are dropped and a flag (two regional
//!   indicator symbols, drawn as one or two glyphs depending on the terminal) is written as
//!   its two letters.
//! * [`escape_json_unsafe`], for `--json` output: serde already escapes C0; every other unsafe
//!   character becomes a `\uXXXX` escape, so the data is intact for a script yet a terminal
//!   showing the JSON sees no raw control or bidi byte.
//! * `domain::attrs` refuses them in attribute names.
//!
//! Secrets are masked here too (`redact.rs`), since every carrier text and error on a screen
//! passes through [`sanitize`].

/// The replacement shown for anything removed: visible, one cell wide.
pub const REPLACEMENT: char = '\u{fffd}';

/// Invisible format characters that change how surrounding text is ordered or joined, or hide
/// inside it: bidi marks, embeddings, overrides and isolates; zero-width space, (non-)joiners,
/// word joiner and invisible operators; soft hyphen; line and paragraph separators; the
/// byte-order mark; interlinear annotation controls; tag characters.
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// A character no output may carry raw: a control (C0, DEL, C1) or a hidden format character.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_hidden_format(c)
}

/// Emoji variation selectors: they switch a glyph between one and two cells, and terminals
/// disagree on whether they honour them.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{fe0e}' | '\u{fe0f}')
}

/// The letter a regional indicator symbol stands for (`🇺` → `U`).
fn regional_letter(c: char) -> Option<char> {
    let offset = u32::from(c).checked_sub(0x1f1e6)?;
    if offset < 26 {
        char::from_u32(u32::from('A') + offset)
    } else {
        None
    }
}

/// Text for a terminal: every registered secret masked in any of its wire forms (`redact.rs`),
/// ESC sequences dropped, other unsafe characters replaced by a visible U+FFFD, tabs and
/// newlines by spaces, variation selectors dropped, flags spelled as their letters. Secrets are
/// masked before anything is removed, and again after when something was, in case a removed
/// character had split one.
pub fn sanitize(s: &str) -> String {
    let scrubbed = crate::redact::scrub(s);
    let out = strip(&scrubbed);
    if out == *scrubbed {
        return out;
    }
    match crate::redact::scrub(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(o) => o,
    }
}

fn strip(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A whole escape sequence (colour codes, titles, hyperlinks) goes silently, as it
            // always has: what it wraps is still shown.
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI introducer: same grammar as ESC [.
            '\u{9b}' => {
                skip_csi(&mut chars);
                out.push(REPLACEMENT);
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_unsafe(c) => out.push(REPLACEMENT),
            c if is_variation_selector(c) => {}
            c => out.push(regional_letter(c).unwrap_or(c)),
        }
    }
    out
}

/// Serialized JSON with every unsafe character that serde leaves raw (DEL, C1, hidden format
/// characters) written as a `\uXXXX` escape (a surrogate pair beyond U+FFFF). Outside strings
/// JSON is ASCII, so only string contents change, and they decode to the same text.
pub fn escape_json_unsafe(json: &str) -> String {
    // Below DEL, serde has escaped every control inside strings already; what is left (the
    // newlines and indentation of pretty output) is JSON's own whitespace.
    let raw = |c: char| c >= '\u{7f}' && is_unsafe(c);
    if !json.chars().any(raw) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut units = [0u16; 2];
    for c in json.chars() {
        if raw(c) {
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        // OSC, DCS, SOS, PM, APC: run to BEL or ST (ESC \).
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{REPLACEMENT, escape_json_unsafe, is_hidden_format, is_unsafe, sanitize};

    /// One representative of every class the table covers.
    const UNSAFE: &[char] = &[
        '\u{0}',
        '\u{7}',
        '\u{1b}',
        '\u{7f}',
        '\u{80}',
        '\u{85}',
        '\u{9b}',
        '\u{9f}',
        '\u{ad}',
        '\u{61c}',
        '\u{200b}',
        '\u{200c}',
        '\u{200d}',
        '\u{200e}',
        '\u{200f}',
        '\u{2028}',
        '\u{2029}',
        '\u{202a}',
        '\u{202b}',
        '\u{202c}',
        '\u{202d}',
        '\u{202e}',
        '\u{2060}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{feff}',
        '\u{fff9}',
        '\u{e0001}',
        '\u{e007f}',
    ];

    #[test]
    fn the_table_covers_controls_del_c1_bidi_and_zero_width_and_nothing_printable() {
        for &c in UNSAFE {
            assert!(is_unsafe(c), "U+{:04X} must be unsafe", u32::from(c));
        }
        for c in [
            'a', 'Z', '0', ' ', 'ü', 'ß', 'ж', 'א', 'ب', '中', '€', '\u{a0}', '\u{fffd}',
        ] {
            assert!(!is_unsafe(c), "U+{:04X} is printable", u32::from(c));
        }
        // The edges of each range.
        assert!(!is_hidden_format('\u{200a}') && is_hidden_format('\u{200b}'));
        assert!(is_hidden_format('\u{202e}') && !is_hidden_format('\u{202f}'));
        assert!(!is_unsafe('\u{a0}') && is_unsafe('\u{9f}'));
        assert!(!is_unsafe('\u{7e}') && is_unsafe('\u{7f}'));
    }

    #[test]
    fn escape_sequences_go_and_other_controls_become_a_visible_replacement() {
        assert_eq!(sanitize("ok\u{1b}[2J\u{1b}[31mred"), "okred");
        assert_eq!(sanitize("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]8;;http://x\u{1b}\\b"), "ab");
        assert_eq!(
            sanitize("x\u{0}y\u{7f}z\u{9b}1mw"),
            "x\u{fffd}y\u{fffd}z\u{fffd}w"
        );
        assert_eq!(sanitize("line1\nline2\ttab"), "line1 line2 tab");
        assert_eq!(sanitize("Blocked(manually) ü"), "Blocked(manually) ü");
    }

    #[test]
    fn bidi_and_zero_width_characters_are_shown_not_obeyed() {
        assert_eq!(sanitize("\u{202e}eman"), "\u{fffd}eman");
        assert_eq!(sanitize("TMSP\u{200b}-1"), "TMSP\u{fffd}-1");
        assert_eq!(
            sanitize("\u{feff}x\u{2066}y\u{2069}"),
            "\u{fffd}x\u{fffd}y\u{fffd}"
        );
        for &c in UNSAFE {
            let out = sanitize(&format!("a{c}b"));
            assert!(
                !out.chars().any(is_unsafe),
                "U+{:04X}: {out:?}",
                u32::from(c)
            );
            // ESC starts a sequence (here `ESC b`), dropped whole; tab and newline are spaces.
            if c != '\u{1b}' {
                assert!(
                    out.contains(REPLACEMENT),
                    "U+{:04X} is visible",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn wide_glyphs_keep_one_unambiguous_width() {
        use unicode_width::UnicodeWidthStr;
        // A flag is two regional indicators: spelled as its letters.
        assert_eq!(sanitize("site \u{1f1e9}\u{1f1ea}"), "site DE");
        // A ZWJ sequence falls apart into its emoji, the joiner shown.
        let family = sanitize("\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}");
        assert_eq!(family, "\u{1f468}\u{fffd}\u{1f469}\u{fffd}\u{1f467}");
        // The variation selector goes: the heart keeps its one-cell text form.
        assert_eq!(sanitize("\u{2764}\u{fe0f}"), "\u{2764}");
        // What is left measures as the sum of its characters, as every terminal draws it.
        for s in [family.as_str(), "site DE", "\u{2764}", "漢字"] {
            let sum: usize = s
                .chars()
                .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
                .sum();
            assert_eq!(s.width(), sum, "{s:?}");
        }
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_decodes_to_the_same_text() {
        let hostile = "a\u{9b}31m\u{7f}\u{202e}b\u{200b}\u{feff}\u{e0041}";
        let json = serde_json::to_string(&serde_json::json!({ "name": hostile })).unwrap();
        let escaped = escape_json_unsafe(&json);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        assert!(
            escaped.contains("\\u009b") && escaped.contains("\\u202e"),
            "{escaped}"
        );
        assert!(
            escaped.contains("\\udb40\\udc41"),
            "a surrogate pair: {escaped}"
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["name"], hostile);
        // Clean JSON is untouched, pretty output's whitespace included.
        assert_eq!(escape_json_unsafe("{\"a\":\"ü\"}"), "{\"a\":\"ü\"}");
        let pretty = serde_json::to_string_pretty(&serde_json::json!({ "a": [hostile] })).unwrap();
        let escaped = escape_json_unsafe(&pretty);
        assert!(escaped.contains("\n  \"a\""), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["a"][0], hostile);
    }
}
