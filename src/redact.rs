//! The one redaction path. Every secret the process knows — each secret the configuration
//! resolves, with its user name, and each access or session token a credential source obtains —
//! is registered here once, and every way text leaves the process (stderr lines and `--json`
//! problems in `cli/output.rs`, the log writer in `cli/logging.rs`, `text::sanitize`, which every
//! screen and error excerpt passes through) calls [`scrub`].
//!
//! A secret travels in more forms than its plain text, and a carrier echoing a request can show
//! any of them, so each is matched:
//! - base64, standard and URL-safe alphabets, with or without padding, of `user:secret` (HTTP
//!   Basic) and of the secret alone — also inside a longer encoded string, at each of the three
//!   byte alignments (only the characters that depend on the secret alone are matched there);
//! - every character of a pattern may also appear percent-encoded (`%40`, `%2f` or `%2F`), a
//!   space as `+` (form encoding), or JSON-escaped (`\/`, `\"`, `\\`, `\n`, `\u0040`, surrogate
//!   pairs), in any mix.
//!
//! Scrubbing must run before any truncation: a cut secret no longer matches, and its prefix
//! would be shown (`backends/http/errors.rs` cuts its 160-character excerpt after this).

use base64::Engine as _;
use std::borrow::Cow;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a redacted secret is replaced by.
pub const MASK: &str = "***";

/// Secrets shorter than this are not registered: replacing every "pw" in every message would
/// mangle text and hide nothing worth hiding (a 3-character secret is no secret).
pub const MIN_SECRET_LEN: usize = 4;

struct Registry {
    /// Named slots (`config:BACKEND`, `token:BACKEND`), so a renewed token replaces the one
    /// before instead of growing the list for as long as the console runs.
    slots: Vec<(String, Vec<String>)>,
    /// Every pattern of every slot, longest first, indexed for the scan.
    index: Index,
}

/// Patterns, longest first (a longer form wins at the same position), and for each byte the
/// patterns whose plain form starts with it, so a scan tries only those; at `%`, `\\` and `+`
/// (where an encoded character may start) it tries them all.
struct Index {
    patterns: Vec<String>,
    by_first: Vec<Vec<usize>>,
    /// Each pattern's second byte: where the text has neither it nor an escape start there,
    /// the pattern cannot match and is not tried (most positions of most text).
    second: Vec<u8>,
    /// Every pattern as a literal alternative: text without `%`, `\\` or `+` can only hold a
    /// secret literally, and this (regex's literal search) rules that out for most text —
    /// every table cell the console draws — without the per-byte scan.
    literal: Option<regex::Regex>,
}

impl Index {
    const fn empty() -> Index {
        Index {
            patterns: Vec::new(),
            by_first: Vec::new(),
            second: Vec::new(),
            literal: None,
        }
    }

    fn new(mut patterns: Vec<String>) -> Index {
        patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
        patterns.dedup();
        let mut by_first = vec![Vec::new(); 256];
        for (i, p) in patterns.iter().enumerate() {
            if let Some(b) = p.as_bytes().first() {
                by_first[usize::from(*b)].push(i);
            }
        }
        let second = patterns
            .iter()
            .map(|p| p.as_bytes().get(1).copied().unwrap_or(0))
            .collect();
        let alternatives: Vec<String> = patterns.iter().map(|p| regex::escape(p)).collect();
        // A build failure (a size limit) only costs speed: the scan below still runs.
        let literal = (!patterns.is_empty())
            .then(|| regex::Regex::new(&alternatives.join("|")).ok())
            .flatten();
        Index {
            patterns,
            by_first,
            second,
            literal,
        }
    }

    fn candidates(&self, b: u8) -> Option<&[usize]> {
        self.by_first.get(usize::from(b)).map(Vec::as_slice)
    }
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    slots: Vec::new(),
    index: Index::empty(),
});

/// Whether anything is registered; checked before taking the lock, so scrubbing costs nothing
/// in a process without secrets.
static ANY: AtomicBool = AtomicBool::new(false);

/// Register a credential: `secret`, and with `username` the `username:secret` pair HTTP Basic
/// encodes. `slot` names it; registering a slot again replaces what it held.
pub fn register_credential(slot: &str, username: Option<&str>, secret: &str) {
    set_slot(slot, forms(username, secret));
}

/// Register a secret without a user name (an API key, an access or session token).
pub fn register_secret(slot: &str, secret: &str) {
    set_slot(slot, forms(None, secret));
}

fn set_slot(slot: &str, patterns: Vec<String>) {
    let mut reg = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    reg.slots.retain(|(name, _)| name != slot);
    if !patterns.is_empty() {
        reg.slots.push((slot.to_string(), patterns));
    }
    let all: Vec<String> = reg.slots.iter().flat_map(|(_, p)| p.clone()).collect();
    ANY.store(!all.is_empty(), Ordering::Release);
    reg.index = Index::new(all);
}

/// The patterns a secret is searched as (before per-character encodings).
fn forms(username: Option<&str>, secret: &str) -> Vec<String> {
    if secret.chars().count() < MIN_SECRET_LEN {
        return Vec::new();
    }
    let mut out = vec![secret.to_string()];
    let engines = [
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in &engines {
        if let Some(user) = username {
            out.push(engine.encode(format!("{user}:{secret}")));
        }
        out.push(engine.encode(secret));
        // The secret inside a longer encoded string, at byte offsets 0, 1 and 2 of a group of
        // three: only the characters made of the secret's bits alone (the first and last may
        // share bits with unknown neighbours).
        let n = secret.len();
        for k in 0..3usize {
            let mut bytes = vec![0u8; k];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            let from = (8 * k).div_ceil(6);
            let to = (8 * (k + n)) / 6;
            if to > from && to - from >= MIN_SECRET_LEN + 2 {
                out.push(encoded[from..to].to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `text` with every registered secret, in every form it takes on the wire, replaced by
/// [`MASK`]. Borrowed when nothing matched.
pub fn scrub(text: &str) -> Cow<'_, str> {
    if !ANY.load(Ordering::Acquire) {
        return Cow::Borrowed(text);
    }
    let reg = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
    scrub_with(text, &reg.index)
}

fn scrub_with<'a>(text: &'a str, index: &Index) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    if let Some(literal) = &index.literal
        && memchr::memchr3(b'%', b'\\', b'+', bytes).is_none()
        && !literal.is_match(text)
    {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    // `copied`: how much of `text` is already in `out` (or was replaced).
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let found = if matches!(b, b'%' | b'\\' | b'+') {
            index
                .patterns
                .iter()
                .find_map(|p| match_len(&bytes[i..], p).filter(|n| *n > 0))
        } else {
            let next = bytes.get(i + 1).copied();
            let may_follow = |k: usize| match next {
                Some(n) => n == index.second[k] || matches!(n, b'%' | b'\\' | b'+'),
                None => false,
            };
            index.candidates(b).and_then(|c| {
                c.iter()
                    .filter(|k| may_follow(**k))
                    .find_map(|k| match_len(&bytes[i..], &index.patterns[*k]).filter(|n| *n > 0))
            })
        };
        if let Some(mut n) = found {
            // Base64 padding after an encoded form belongs to it.
            while bytes.get(i + n) == Some(&b'=') {
                n += 1;
            }
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..i]);
            o.push_str(MASK);
            i += n;
            copied = i;
            continue;
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The length of `t`'s prefix that spells `pattern`, each character plain or encoded.
fn match_len(t: &[u8], pattern: &str) -> Option<usize> {
    let mut pos = 0;
    for c in pattern.chars() {
        pos += match_char(&t[pos..], c)?;
    }
    Some(pos)
}

/// The length of `t`'s prefix that spells `c`: plain, `+` for a space, percent-encoded UTF-8
/// (either hex case), or a JSON escape.
fn match_char(t: &[u8], c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let utf8 = c.encode_utf8(&mut buf).as_bytes();
    if t.starts_with(utf8) {
        return Some(utf8.len());
    }
    match *t.first()? {
        b'+' if c == ' ' => Some(1),
        b'%' => {
            let need = 3 * utf8.len();
            let run = t.get(..need)?;
            let all = utf8
                .iter()
                .zip(run.chunks(3))
                .all(|(b, chunk)| chunk[0] == b'%' && hex_byte(&chunk[1..3]) == Some(*b));
            all.then_some(need)
        }
        b'\\' => json_escape(t, c),
        _ => None,
    }
}

fn json_escape(t: &[u8], c: char) -> Option<usize> {
    let simple = match c {
        '/' => Some(b'/'),
        '"' => Some(b'"'),
        '\\' => Some(b'\\'),
        '\n' => Some(b'n'),
        '\t' => Some(b't'),
        '\r' => Some(b'r'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        _ => None,
    };
    if simple.is_some() && t.get(1).copied() == simple {
        return Some(2);
    }
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    let mut pos = 0;
    for unit in units.iter() {
        let esc = t.get(pos..pos + 6)?;
        if esc[0] != b'\\' || esc[1] != b'u' || hex_u16(&esc[2..6]) != Some(*unit) {
            return None;
        }
        pos += 6;
    }
    Some(pos)
}

fn hex_byte(two: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(two).ok()?;
    u8::from_str_radix(s, 16).ok()
}

fn hex_u16(four: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(four).ok()?;
    u16::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private registry, so these tests neither see nor disturb the process-wide one.
    fn scrub_for(user: Option<&str>, secret: &str, text: &str) -> String {
        scrub_with(text, &Index::new(forms(user, secret))).into_owned()
    }

    const SECRET: &str = "p@ss/w+rd é";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn plain_secret_is_masked() {
        assert_eq!(
            scrub_for(None, SECRET, &format!("bad secret {SECRET}!")),
            "bad secret ***!"
        );
    }

    #[test]
    fn basic_base64_of_user_and_secret_is_masked_with_and_without_padding() {
        let padded = b64(&format!("client-7:{SECRET}"));
        let out = scrub_for(Some("client-7"), SECRET, &format!("Basic {padded}."));
        assert_eq!(out, "Basic ***.");
        let unpadded = padded.trim_end_matches('=');
        let out = scrub_for(Some("client-7"), SECRET, &format!("[{unpadded}]"));
        assert_eq!(out, "[***]");
        let url_safe =
            base64::engine::general_purpose::URL_SAFE.encode(format!("client-7:{SECRET}"));
        let out = scrub_for(Some("client-7"), SECRET, &url_safe);
        assert_eq!(out, "***");
    }

    #[test]
    fn base64_of_the_secret_alone_and_inside_other_encoded_text_is_masked() {
        let alone = b64(SECRET);
        assert_eq!(scrub_for(None, SECRET, &alone), "***");
        // The secret after an unknown user name, at each of the three byte alignments.
        for user in ["a", "ab", "abc", "someone-else"] {
            let encoded = b64(&format!("{user}:{SECRET}"));
            let out = scrub_for(None, SECRET, &encoded);
            assert!(out.contains(MASK), "{user}: {out}");
            // What is left is at most the characters shared with the neighbours.
            let core_len = encoded.len() - out.replace(MASK, "").len();
            assert!(core_len >= SECRET.len(), "{user}: {out}");
        }
    }

    #[test]
    fn url_encoded_forms_in_either_hex_case_and_plus_for_space_are_masked() {
        let upper = "p%40ss%2Fw%2Brd+%C3%A9";
        let lower = "p%40ss%2fw%2brd%20%c3%a9";
        let all = "%70%40%73%73%2F%77%2B%72%64%20%C3%A9";
        for form in [upper, lower, all] {
            assert_eq!(
                scrub_for(None, SECRET, &format!("client_secret={form}&x=1")),
                "client_secret=***&x=1",
                "{form}"
            );
        }
    }

    #[test]
    fn json_escaped_forms_are_masked() {
        for form in [
            r"p@ss\/w+rd é",
            r"p\u0040ss\/w\u002Brd\u0020\u00e9",
            r"p\u0040ss\u002fw+rd \u00E9",
        ] {
            assert_eq!(
                scrub_for(None, SECRET, &format!(r#"{{"password":"{form}"}}"#)),
                r#"{"password":"***"}"#,
                "{form}"
            );
        }
        // Outside the BMP: a surrogate pair.
        let astral = "key🔑1234";
        assert_eq!(
            scrub_for(None, astral, r"x key\ud83d\udd111234 y"),
            "x *** y"
        );
    }

    #[test]
    fn mixed_encodings_and_neighbouring_text_survive() {
        let text = format!("a {SECRET} b p%40ss\\/w+rd+%C3%A9 c");
        assert_eq!(scrub_for(None, SECRET, &text), "a *** b *** c");
        // Nothing to hide: the text is borrowed, not copied.
        let index = Index::new(forms(None, SECRET));
        assert!(matches!(
            scrub_with("plain text + more", &index),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn short_secrets_are_not_registered() {
        assert!(forms(Some("u"), "pw").is_empty());
        assert_eq!(scrub_for(None, "pw", "pw pw"), "pw pw");
    }

    #[test]
    fn the_global_registry_scrubs_and_a_slot_is_replaced() {
        register_secret("test:redact-slot", "first-Zq9xK2-token");
        assert_eq!(scrub("t=first-Zq9xK2-token"), "t=***");
        register_secret("test:redact-slot", "second-Zq9xK2-token");
        assert_eq!(scrub("t=first-Zq9xK2-token"), "t=first-Zq9xK2-token");
        assert_eq!(scrub("t=second-Zq9xK2-token"), "t=***");
    }
}
