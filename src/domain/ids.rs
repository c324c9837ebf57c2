//! Identifiers users type and carriers return: ICCID, IMSI, MSISDN, terminal serial, and the
//! CMO-style product id `{BACKEND}-{ICCID|serial}`. Validation errors say exactly what is wrong.

use super::BackendKind;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} '{value}' must contain digits only (found '{bad}')")]
    NotDigits {
        what: &'static str,
        value: String,
        bad: char,
    },
    #[error("{what} '{value}' has {len} digits; expected {expected}")]
    Length {
        what: &'static str,
        value: String,
        len: usize,
        expected: &'static str,
    },
    #[error(
        "terminal serial '{0}' may contain only letters, digits, '.', '_' and '-' (at most 64 characters)"
    )]
    Serial(String),
    #[error(
        "product id '{0}' must look like BACKEND-ICCID or BACKEND-SERIAL, with BACKEND one of TMSP, TMUS, INTELSAT, IOTA, JASPER, AIRLINQ, 1NCE, STC, TURKCELL, GALAXY1, CMO"
    )]
    ProductId(String),
}

fn digits(
    what: &'static str,
    raw: &str,
    min: usize,
    max: usize,
    expected: &'static str,
) -> Result<String, IdError> {
    let value: String = raw.trim().chars().filter(|c| *c != ' ').collect();
    if value.is_empty() {
        return Err(IdError::Empty { what });
    }
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_digit()) {
        return Err(IdError::NotDigits { what, value, bad });
    }
    let len = value.len();
    if len < min || len > max {
        return Err(IdError::Length {
            what,
            value,
            len,
            expected,
        });
    }
    Ok(value)
}

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(Iccid);
id_type!(Imsi);
id_type!(Msisdn);
id_type!(TerminalSerial);

impl FromStr for Iccid {
    type Err = IdError;
    /// 18–22 digits, with or without the trailing Luhn check digit. No prefix is required:
    /// E.118's `89` is the usual start, but carriers' test and private SIMs do not all have it,
    /// and any product a listing shows must open.
    fn from_str(s: &str) -> Result<Self, IdError> {
        digits("ICCID", s, 18, 22, "18 to 22").map(Iccid)
    }
}

impl Iccid {
    /// The Luhn check digit for the digits given (used by simulators and for display hints).
    pub fn luhn_digit(body: &str) -> u8 {
        let mut sum = 0u32;
        for (i, c) in body.bytes().rev().enumerate() {
            let mut d = u32::from(c - b'0');
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            sum += d;
        }
        ((10 - sum % 10) % 10) as u8
    }
}

impl FromStr for Imsi {
    type Err = IdError;
    /// ITU-T E.212: MCC (3) + MNC (2–3) + MSIN, 14 or 15 digits in practice.
    fn from_str(s: &str) -> Result<Self, IdError> {
        digits("IMSI", s, 14, 15, "14 or 15").map(Imsi)
    }
}

impl FromStr for Msisdn {
    type Err = IdError;
    /// ITU-T E.164: up to 15 digits; a leading '+' is accepted and dropped.
    fn from_str(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let s = s.strip_prefix('+').unwrap_or(s);
        digits("MSISDN", s, 7, 15, "7 to 15").map(Msisdn)
    }
}

impl FromStr for TerminalSerial {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let v = s.trim();
        if v.is_empty() {
            return Err(IdError::Empty {
                what: "terminal serial",
            });
        }
        let ok = v.len() <= 64
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(TerminalSerial(v.to_string()))
        } else {
            Err(IdError::Serial(v.to_string()))
        }
    }
}

/// The business id of a product: the ICCID for cellular products, the serial for satellite ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BusinessId {
    Iccid(Iccid),
    Serial(TerminalSerial),
}

impl BusinessId {
    pub fn as_str(&self) -> &str {
        match self {
            BusinessId::Iccid(i) => i.as_str(),
            BusinessId::Serial(s) => s.as_str(),
        }
    }
}

impl fmt::Display for BusinessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CMO product id, `{BACKEND}-{ICCID|serial}` (e.g. `1NCE-8988228066612345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductId {
    pub kind: BackendKind,
    pub business_id: String,
}

/// The CMO subproduct suffixes a product id may carry; accepted and stripped when parsing.
pub const SUBPRODUCT_SUFFIXES: [&str; 6] = [
    "-simCard",
    "-dataConnectivity",
    "-terminal",
    "-usageVolume-data",
    "-usageVolume-sms",
    "-usageVolume-voice",
];

impl ProductId {
    pub fn new(kind: BackendKind, business_id: impl Into<String>) -> Self {
        Self {
            kind,
            business_id: business_id.into(),
        }
    }

    /// The business id as a typed identifier: an ICCID when it is one (all digits, 18–22 long),
    /// else a serial.
    pub fn business(&self) -> BusinessId {
        match self.business_id.parse::<Iccid>() {
            Ok(i) => BusinessId::Iccid(i),
            Err(_) => BusinessId::Serial(TerminalSerial(self.business_id.clone())),
        }
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.as_str(), self.business_id)
    }
}

impl FromStr for ProductId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let raw = s.trim();
        let mut rest = raw;
        for suffix in SUBPRODUCT_SUFFIXES {
            if let Some(stripped) = rest.strip_suffix(suffix) {
                rest = stripped;
                break;
            }
        }
        let (prefix, id) = rest
            .split_once('-')
            .ok_or_else(|| IdError::ProductId(raw.to_string()))?;
        let kind: BackendKind = prefix
            .parse()
            .map_err(|_| IdError::ProductId(raw.to_string()))?;
        if id.is_empty() {
            return Err(IdError::ProductId(raw.to_string()));
        }
        if id.chars().all(|c| c.is_ascii_digit()) && (18..=22).contains(&id.len()) {
            id.parse::<Iccid>()?;
        } else {
            id.parse::<TerminalSerial>()?;
        }
        Ok(ProductId::new(kind, id))
    }
}

impl Serialize for ProductId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProductId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccid_validation_names_the_problem() {
        assert!("8988228066612345678".parse::<Iccid>().is_ok());
        assert!("89 8822 8066 6123 45678".parse::<Iccid>().is_ok());
        let e = "8988x28066612345678".parse::<Iccid>().unwrap_err();
        assert!(e.to_string().contains("digits only"), "{e}");
        let e = "898822".parse::<Iccid>().unwrap_err();
        assert!(e.to_string().contains("has 6 digits"), "{e}");
        // No prefix requirement: a private or test SIM may start with anything.
        assert_eq!(
            "1288228066612345678".parse::<Iccid>().unwrap().as_str(),
            "1288228066612345678"
        );
        let e = "12345678901234567890123".parse::<Iccid>().unwrap_err();
        assert!(e.to_string().contains("has 23 digits"), "{e}");
        assert!(matches!("".parse::<Iccid>(), Err(IdError::Empty { .. })));
    }

    #[test]
    fn imsi_msisdn_and_serial() {
        assert!("901405100012345".parse::<Imsi>().is_ok());
        assert!("9014051".parse::<Imsi>().is_err());
        assert_eq!(
            "+4917612345678".parse::<Msisdn>().unwrap().as_str(),
            "4917612345678"
        );
        assert!("12".parse::<Msisdn>().is_err());
        assert!("SN-27597".parse::<TerminalSerial>().is_ok());
        assert!("bad serial!".parse::<TerminalSerial>().is_err());
    }

    #[test]
    fn product_ids_parse_with_kind_and_subproduct_suffix() {
        let id: ProductId = "1NCE-8988228066612345678".parse().unwrap();
        assert_eq!(id.kind, BackendKind::OneNce);
        assert_eq!(id.business_id, "8988228066612345678");
        assert_eq!(id.to_string(), "1NCE-8988228066612345678");
        let id: ProductId = "INTELSAT-27597-terminal".parse().unwrap();
        assert_eq!(id.kind, BackendKind::Intelsat);
        assert_eq!(id.business_id, "27597");
        assert!(matches!(id.business(), BusinessId::Serial(_)));
        assert!("ACME-123".parse::<ProductId>().is_err());
        assert!("8988228066612345678".parse::<ProductId>().is_err());
        assert!("TMSP-".parse::<ProductId>().is_err());
        // All digits and 18–22 long is an ICCID, whatever its first digits; shorter is a serial.
        let id: ProductId = "TMSP-1234567890123456789".parse().unwrap();
        assert!(matches!(id.business(), BusinessId::Iccid(_)));
        let id: ProductId = "INTELSAT-12345678901234567".parse().unwrap();
        assert!(matches!(id.business(), BusinessId::Serial(_)));
        let id: ProductId = "INTELSAT-12345678901234567890123".parse().unwrap();
        assert!(matches!(id.business(), BusinessId::Serial(_)));
    }

    #[test]
    fn luhn_digit_matches_known_iccid() {
        // 8949 0200 0015 7526 886 + check digit 0 (the CMO docs' TMSP example).
        assert_eq!(Iccid::luhn_digit("8949020000157526886"), 0);
    }
}
