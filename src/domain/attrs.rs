//! Custom attributes (CMO `customProperty`): name/value pairs per product, their validation, and
//! [`AttrPattern`], the `NAME[=VALUE-GLOB]` search of `cmo attrs find`.

use serde::{Deserialize, Serialize};

pub const MAX_NAME_LEN: usize = 64;
pub const MAX_VALUE_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAttribute {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttrError {
    #[error("attribute name is empty")]
    EmptyName,
    #[error("attribute name is {0} characters long; at most {MAX_NAME_LEN} are allowed")]
    NameTooLong(usize),
    #[error("attribute value is {0} characters long; at most {MAX_VALUE_LEN} are allowed")]
    ValueTooLong(usize),
    #[error("attribute {field} contains a control character or escape sequence (U+{code:04X})")]
    Control { field: &'static str, code: u32 },
    /// An invisible character that reorders or hides text (bidi override, zero-width space…):
    /// `\u{202e}name` would display as `eman` or `name` and could not be told apart.
    #[error(
        "attribute name contains an invisible or text-reordering character (U+{code:04X}); names are plain visible text"
    )]
    Invisible { code: u32 },
}

fn check_chars(field: &'static str, s: &str) -> Result<(), AttrError> {
    match s.chars().find(|c| c.is_control()) {
        Some(c) => Err(AttrError::Control {
            field,
            code: c as u32,
        }),
        None => Ok(()),
    }
}

impl CustomAttribute {
    /// A validated attribute: non-empty trimmed name, length limits, no control characters.
    pub fn new(name: &str, value: &str) -> Result<Self, AttrError> {
        let name = validate_name(name)?;
        let n = value.chars().count();
        if n > MAX_VALUE_LEN {
            return Err(AttrError::ValueTooLong(n));
        }
        check_chars("value", value)?;
        Ok(Self {
            name,
            value: value.to_string(),
        })
    }
}

/// A name for a new attribute (set, or the new name of a rename): [`lookup_name`]'s rules, and
/// no invisible or text-reordering character (text.rs), so two names that display alike are
/// never both created.
pub fn validate_name(name: &str) -> Result<String, AttrError> {
    let name = lookup_name(name)?;
    if let Some(c) = name.chars().find(|c| crate::text::is_hidden_format(*c)) {
        return Err(AttrError::Invisible { code: c as u32 });
    }
    Ok(name)
}

/// A name that refers to an attribute which may already exist (list, find, the old name of a
/// rename, delete): trimmed, non-empty, within the length limit, no control character. An
/// attribute named before names refused invisible characters, or by another CMO client, can
/// still be found, renamed and deleted.
pub fn lookup_name(name: &str) -> Result<String, AttrError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AttrError::EmptyName);
    }
    let n = name.chars().count();
    if n > MAX_NAME_LEN {
        return Err(AttrError::NameTooLong(n));
    }
    check_chars("name", name)?;
    Ok(name.to_string())
}

/// `NAME` or `NAME=VALUE` as `cmo attrs find` takes it: the name matches case-insensitively
/// (after trimming, as names are stored), the value is a case-insensitive glob (`*` any run of
/// characters, `?` one character). Without a value every attribute of that name matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPattern {
    pub name: String,
    pub value: Option<String>,
}

impl AttrPattern {
    /// Parse `NAME[=VALUE]`; the first `=` separates (values may contain `=`).
    pub fn parse(raw: &str) -> Result<AttrPattern, AttrError> {
        let (name, value) = match raw.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (raw, None),
        };
        let name = lookup_name(name)?;
        if let Some(v) = value {
            check_chars("value", v)?;
        }
        Ok(AttrPattern {
            name,
            value: value.map(str::to_string),
        })
    }

    pub fn name_matches(&self, name: &str) -> bool {
        lower(name.trim()) == lower(&self.name)
    }

    pub fn matches(&self, attr: &CustomAttribute) -> bool {
        self.name_matches(&attr.name)
            && self
                .value
                .as_deref()
                .is_none_or(|g| glob_match(g, &attr.value))
    }
}

impl std::fmt::Display for AttrPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}={v}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

fn lower(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Case-insensitive glob: `*` matches any run (also empty), `?` one character, everything else
/// itself. Iterative with one backtrack point, so a hostile pattern costs O(len²) at worst.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (lower(pattern), lower(text));
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_bidi_and_zero_width_characters_values_keep_them() {
        for bad in [
            "\u{202e}name",
            "na\u{200b}me",
            "name\u{2066}",
            "\u{feff}x",
            "a\u{200d}b",
        ] {
            let err = validate_name(bad).unwrap_err();
            assert!(
                matches!(err, AttrError::Invisible { .. }),
                "{bad:?}: {err:?}"
            );
            assert!(err.to_string().contains("U+"), "{err}");
        }
        assert!(matches!(
            validate_name("a\u{9b}b"),
            Err(AttrError::Control { code: 0x9b, .. })
        ));
        // An existing attribute with such a name can still be looked up (and so renamed or
        // deleted).
        assert_eq!(lookup_name(" \u{202e}name ").unwrap(), "\u{202e}name");
        assert!(AttrPattern::parse("\u{202e}ticket=x").is_ok());
        assert!(lookup_name("a\u{9b}b").is_err());
        // Right-to-left text itself is fine, in names and values.
        assert!(validate_name("תג").is_ok());
        assert!(CustomAttribute::new("note", "שלום\u{200f}").is_ok());
    }

    #[test]
    fn validation() {
        assert!(CustomAttribute::new("site", "Hamburg pier 4").is_ok());
        assert_eq!(CustomAttribute::new("  ", "x"), Err(AttrError::EmptyName));
        assert!(matches!(
            CustomAttribute::new(&"n".repeat(65), "x"),
            Err(AttrError::NameTooLong(65))
        ));
        assert!(matches!(
            CustomAttribute::new("a", &"v".repeat(1025)),
            Err(AttrError::ValueTooLong(1025))
        ));
        let e = CustomAttribute::new("a", "evil\u{1b}[2J").unwrap_err();
        assert!(e.to_string().contains("U+001B"), "{e}");
    }

    #[test]
    fn globs_are_case_insensitive() {
        for (p, t) in [
            ("INC-1234", "inc-1234"),
            ("INC-*", "INC-1234"),
            ("*", ""),
            ("*pier*", "Hamburg PIER 4"),
            ("a?c", "abc"),
            ("a*b*c", "aXXbYYc"),
            ("ÄRGER-*", "ärger-1"),
        ] {
            assert!(glob_match(p, t), "{p} vs {t}");
        }
        for (p, t) in [
            ("INC-1234", "INC-12345"),
            ("a?c", "ac"),
            ("a*b", "ac"),
            ("", "x"),
        ] {
            assert!(!glob_match(p, t), "{p} vs {t}");
        }
    }

    #[test]
    fn patterns_parse_and_match() {
        let p = AttrPattern::parse(" Ticket =INC-*").unwrap();
        assert_eq!(p.name, "Ticket");
        assert_eq!(p.to_string(), "Ticket=INC-*");
        let a = |n: &str, v: &str| CustomAttribute::new(n, v).unwrap();
        assert!(p.matches(&a("ticket", "inc-77")));
        assert!(!p.matches(&a("ticket", "CHG-1")));
        assert!(!p.matches(&a("tickets", "INC-1")));
        let any = AttrPattern::parse("site").unwrap();
        assert_eq!(any.value, None);
        assert!(any.matches(&a("SITE", "whatever")));
        assert_eq!(
            AttrPattern::parse("k=a=b").unwrap().value.as_deref(),
            Some("a=b")
        );
        assert_eq!(AttrPattern::parse("=x"), Err(AttrError::EmptyName));
        assert!(AttrPattern::parse("k=\u{1b}").is_err());
    }
}
