//! Custom attributes (CMO `customProperty`): name/value pairs per product, and their validation.

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

pub fn validate_name(name: &str) -> Result<String, AttrError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
