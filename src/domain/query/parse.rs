//! Text → terms: splitting on whitespace outside double quotes, negation (`!`, `-`), `~regex`,
//! `field:value`, comma lists, and every mistake a user can make, each reported with the term
//! exactly as typed.
//!
//! Quoting matters per character: a `:`, `,`, `=`, `~`, `!` or `-` inside quotes is literal
//! text, so each token keeps, for every char, whether it was quoted.

use super::QueryError;
use super::matcher::{
    BareRegex, Field, Glob, Needle, Pred, Term, Text, kind_bit, lower, status_bit, type_bit,
};
use crate::domain::{BackendKind, ConnectivityType, Status};
use regex::{Regex, RegexBuilder};

/// Compiled-size cap for user regexes: ample for anything typed, and `a{1000}{1000}` fails at
/// once instead of taking memory and time on every keystroke.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

const FIELDS: &str = "status, native, backend (or kind), account, id, iccid, imsi, msisdn, serial, name, type, attr, online";

/// One whitespace-separated word: its text as typed, and its chars with quotes removed,
/// each marked `true` when it was inside quotes.
struct Token<'a> {
    raw: &'a str,
    chars: Vec<(char, bool)>,
}

pub(super) fn terms(text: &str) -> Result<Vec<Term>, QueryError> {
    tokenize(text)?.into_iter().map(term).collect()
}

fn tokenize(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    loop {
        while it.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = it.peek() else {
            return Ok(out);
        };
        let mut chars = Vec::new();
        let mut quoted = false;
        let mut end = text.len();
        while let Some(&(i, c)) = it.peek() {
            if !quoted && c.is_whitespace() {
                end = i;
                break;
            }
            it.next();
            match c {
                '"' => quoted = !quoted,
                '\\' if quoted && it.next_if(|&(_, n)| n == '"').is_some() => {
                    chars.push(('"', true));
                }
                c => chars.push((c, quoted)),
            }
        }
        if quoted {
            return Err(QueryError::new(
                &text[start..],
                "unterminated quote: close it with `\"` (write `\\\"` for a quote inside quotes)",
            ));
        }
        out.push(Token {
            raw: &text[start..end],
            chars,
        });
    }
}

fn text_of(chars: &[(char, bool)]) -> String {
    chars.iter().map(|&(c, _)| c).collect()
}

fn is_unquoted(c: Option<&(char, bool)>, want: char) -> bool {
    c.is_some_and(|&(c, q)| !q && c == want)
}

/// Splits on unquoted `sep`.
fn split_unquoted(chars: &[(char, bool)], sep: char) -> Vec<&[(char, bool)]> {
    chars.split(|&(c, q)| !q && c == sep).collect()
}

fn term(tok: Token<'_>) -> Result<Term, QueryError> {
    let raw = tok.raw;
    let err = |reason: String| QueryError::new(raw, reason);
    let mut chars = &tok.chars[..];
    let mut negated = false;
    // `!!x` is `x`: negations toggle, so `!t` is always the complement of `t`.
    while let Some((&(c, false), rest)) = chars.split_first()
        && (c == '!' || c == '-')
    {
        negated = !negated;
        chars = rest;
    }
    if chars.is_empty() {
        return Err(err(if raw.trim_start_matches(['!', '-']).is_empty() {
            "a lone `!` or `-` negates nothing: write it right before a term, as in `!status:ACTIVE` or `-stc`".into()
        } else {
            "empty quotes: put the text to search between them".into()
        }));
    }
    // Canonical body: quoted chars marked, so `"a:b"` and `a:b` differ.
    let body = chars
        .iter()
        .flat_map(|&(c, q)| [q.then_some('\u{1}'), Some(c)])
        .flatten()
        .collect();
    let pred = if is_unquoted(chars.first(), '~') {
        let re = regex(raw, &chars[1..])?;
        Pred::BareRegex(Box::new(BareRegex::new(re)))
    } else if let Some(usage) = super::usage_term::parse(raw, chars) {
        Pred::Usage(usage?)
    } else if let Some(colon) = chars.iter().position(|&(c, q)| !q && c == ':') {
        field(raw, &text_of(&chars[..colon]), &chars[colon + 1..])?
    } else {
        Pred::Bare(Box::new(Needle::new(&text_of(chars))))
    };
    Ok(Term {
        body,
        negated,
        pred,
    })
}

fn regex(raw: &str, chars: &[(char, bool)]) -> Result<Regex, QueryError> {
    let pattern = text_of(chars);
    if pattern.is_empty() {
        return Err(QueryError::new(
            raw,
            "empty regex: write the pattern after `~`, as in `~^INC-\\d+$`",
        ));
    }
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| QueryError::new(raw, format!("bad regex: {}", one_line(&e.to_string()))))
}

/// The regex crate's message on one line: its syntax errors span several (pattern, caret,
/// `error: …`); the `error:` line says it all, otherwise the lines are joined.
fn one_line(msg: &str) -> String {
    let lines: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    match lines.iter().find_map(|l| l.strip_prefix("error: ")) {
        Some(e) => e.to_string(),
        None => lines.join(" "),
    }
}

fn field(raw: &str, name: &str, value: &[(char, bool)]) -> Result<Pred, QueryError> {
    let err = |reason: String| QueryError::new(raw, reason);
    let name = name.to_ascii_lowercase();
    if value.is_empty() {
        return Err(err(format!(
            "empty value: write what `{name}:` should match right after the colon"
        )));
    }
    let regex_value = is_unquoted(value.first(), '~');
    Ok(match name.as_str() {
        "status" => Pred::Status(enum_set(
            raw,
            value,
            &Status::ALL,
            Status::as_str,
            status_bit,
            |s| s.parse().ok(),
            "status",
        )?),
        "backend" | "kind" => Pred::Kind(enum_set(
            raw,
            value,
            &BackendKind::ALL,
            BackendKind::as_str,
            kind_bit,
            // As in the config: any case, and VIASAT for GALAXY1.
            |s| s.parse().ok(),
            "backend kind",
        )?),
        "type" => Pred::Type(
            enum_set(
                raw,
                value,
                &[ConnectivityType::Cellular, ConnectivityType::Satellite],
                ConnectivityType::as_str,
                |t| u16::from(type_bit(t)),
                |s| match s.to_ascii_lowercase().as_str() {
                    "cellular" | "cell" => Some(ConnectivityType::Cellular),
                    "satellite" | "sat" => Some(ConnectivityType::Satellite),
                    _ => None,
                },
                "type",
            )?
            .try_into()
            // Two bits: always fits; the fallback is for form.
            .unwrap_or(0b11),
        ),
        "native" => Pred::Native(whole(raw, value)?),
        "online" => match text_of(value).to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" => Pred::Online(true),
            "no" | "n" | "false" => Pred::Online(false),
            _ => {
                return Err(err(
                    "`online:` takes yes or no (rows whose session state is unknown match neither)"
                        .into(),
                ));
            }
        },
        "account" => {
            if regex_value {
                Pred::Account(vec![Text::Regex(regex(raw, &value[1..])?)])
            } else {
                let items = split_unquoted(value, ',');
                if items.iter().any(|i| i.is_empty()) {
                    return Err(err("empty item in the comma list".into()));
                }
                Pred::Account(
                    items
                        .into_iter()
                        .map(|i| Text::Glob(Glob::new(&text_of(i))))
                        .collect(),
                )
            }
        }
        "id" => Pred::Id(prefix(raw, value)?),
        "iccid" => Pred::Field(Field::Iccid, prefix(raw, value)?),
        "imsi" => Pred::Field(Field::Imsi, prefix(raw, value)?),
        "msisdn" => Pred::Field(Field::Msisdn, prefix(raw, value)?),
        "serial" => Pred::Field(Field::Serial, prefix(raw, value)?),
        "name" => Pred::Field(Field::Name, prefix(raw, value)?),
        "attr" => match value.iter().position(|&(c, q)| !q && c == '=') {
            None => Pred::AttrName(whole(raw, value)?),
            Some(0) => {
                return Err(err(
                    "attribute name missing: write `attr:NAME` or `attr:NAME=VALUE`".into(),
                ));
            }
            Some(eq) if eq + 1 == value.len() => {
                return Err(err(
                    "empty attribute value: write `attr:NAME` to find rows that have the attribute at all".into(),
                ));
            }
            Some(eq) => Pred::Attr(whole(raw, &value[..eq])?, whole(raw, &value[eq + 1..])?),
        },
        _ => {
            return Err(err(format!(
                "unknown field `{name}`; fields are {FIELDS}. To search for text with a colon, quote it: `\"10:30\"`"
            )));
        }
    })
}

/// `~regex`, or a whole-value glob (exact when it has no wildcard).
fn whole(raw: &str, value: &[(char, bool)]) -> Result<Text, QueryError> {
    if is_unquoted(value.first(), '~') {
        return Ok(Text::Regex(regex(raw, &value[1..])?));
    }
    Ok(Text::Glob(Glob::new(&text_of(value))))
}

/// `~regex`, a glob when the value has `*` or `?`, else a case-insensitive prefix.
fn prefix(raw: &str, value: &[(char, bool)]) -> Result<Text, QueryError> {
    if is_unquoted(value.first(), '~') {
        return Ok(Text::Regex(regex(raw, &value[1..])?));
    }
    let v = text_of(value);
    Ok(if Glob::has_wildcard(&v) {
        Text::Glob(Glob::new(&v))
    } else {
        Text::Prefix(lower(&v))
    })
}

/// A comma list of enum names (OR), or `~regex` tested against every name now, once.
fn enum_set<T: Copy>(
    raw: &str,
    value: &[(char, bool)],
    all: &[T],
    name: fn(T) -> &'static str,
    bit: fn(T) -> u16,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<u16, QueryError> {
    if is_unquoted(value.first(), '~') {
        let re = regex(raw, &value[1..])?;
        return Ok(all
            .iter()
            .filter(|&&t| re.is_match(name(t)))
            .fold(0, |m, &t| m | bit(t)));
    }
    let mut mask = 0;
    for item in split_unquoted(value, ',') {
        let item = text_of(item);
        if item.is_empty() {
            return Err(QueryError::new(raw, "empty item in the comma list"));
        }
        match parse(&item) {
            Some(t) => mask |= bit(t),
            None => {
                let valid: Vec<&str> = all.iter().map(|&t| name(t)).collect();
                return Err(QueryError::new(
                    raw,
                    format!(
                        "unknown {what} `{item}`; expected one of {}",
                        valid.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(mask)
}
