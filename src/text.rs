//! Sanitizing carrier text before it reaches a terminal: control characters and escape
//! sequences are dropped so a hostile or broken payload cannot move the cursor or recolour the
//! screen. Tabs and newlines become spaces (every field we show is one line). Secrets are
//! masked here too (`redact.rs`), since every carrier text and error on a screen passes here.

/// Remove control characters (C0, DEL, C1) and whole ANSI escape sequences from `s`, and mask
/// every registered secret in any of its wire forms (`redact.rs`) — before removing anything,
/// and again after, in case a removed control character had split one.
pub fn sanitize(s: &str) -> String {
    let scrubbed = crate::redact::scrub(s);
    let out = strip(&scrubbed);
    // Only a removal (the text got shorter: replacements keep the length) can join a secret.
    if out.len() == scrubbed.len() {
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
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI introducer: same grammar as ESC [.
            '\u{9b}' => skip_csi(&mut chars),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            // Bidi overrides can disguise text; drop them too.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
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
    use super::sanitize;

    #[test]
    fn strips_escape_sequences_and_controls() {
        assert_eq!(sanitize("ok\u{1b}[2J\u{1b}[31mred"), "okred");
        assert_eq!(sanitize("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]8;;http://x\u{1b}\\b"), "ab");
        assert_eq!(sanitize("x\u{0}y\u{7f}z\u{9b}1mw"), "xyzw");
        assert_eq!(sanitize("line1\nline2\ttab"), "line1 line2 tab");
        assert_eq!(sanitize("Blocked(manually) ü"), "Blocked(manually) ü");
    }
}
