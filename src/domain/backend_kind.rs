//! The carrier platform kinds the seed names, plus the CMO API itself as an aggregating kind.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One carrier platform kind (the seed's "ref as" column), or `Cmo` for a T IoT Hub tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum BackendKind {
    #[serde(rename = "TMSP")]
    Tmsp,
    #[serde(rename = "TMUS")]
    Tmus,
    #[serde(rename = "INTELSAT")]
    Intelsat,
    #[serde(rename = "IOTA")]
    Iota,
    #[serde(rename = "JASPER")]
    Jasper,
    #[serde(rename = "AIRLINQ")]
    Airlinq,
    #[serde(rename = "1NCE")]
    OneNce,
    #[serde(rename = "STC")]
    Stc,
    #[serde(rename = "TURKCELL")]
    Turkcell,
    #[serde(rename = "GALAXY1")]
    Galaxy1,
    #[serde(rename = "CMO")]
    Cmo,
}

impl BackendKind {
    /// The ten seed backends, in the column order of the seed's support matrix.
    pub const SEED: [BackendKind; 10] = [
        BackendKind::Tmsp,
        BackendKind::Tmus,
        BackendKind::Intelsat,
        BackendKind::Iota,
        BackendKind::Jasper,
        BackendKind::Airlinq,
        BackendKind::OneNce,
        BackendKind::Stc,
        BackendKind::Turkcell,
        BackendKind::Galaxy1,
    ];

    /// Every kind a backend may be configured as.
    pub const ALL: [BackendKind; 11] = [
        BackendKind::Tmsp,
        BackendKind::Tmus,
        BackendKind::Intelsat,
        BackendKind::Iota,
        BackendKind::Jasper,
        BackendKind::Airlinq,
        BackendKind::OneNce,
        BackendKind::Stc,
        BackendKind::Turkcell,
        BackendKind::Galaxy1,
        BackendKind::Cmo,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            BackendKind::Tmsp => "TMSP",
            BackendKind::Tmus => "TMUS",
            BackendKind::Intelsat => "INTELSAT",
            BackendKind::Iota => "IOTA",
            BackendKind::Jasper => "JASPER",
            BackendKind::Airlinq => "AIRLINQ",
            BackendKind::OneNce => "1NCE",
            BackendKind::Stc => "STC",
            BackendKind::Turkcell => "TURKCELL",
            BackendKind::Galaxy1 => "GALAXY1",
            BackendKind::Cmo => "CMO",
        }
    }

    /// The platform behind the kind, for help text and docs.
    pub const fn platform(self) -> &'static str {
        match self {
            BackendKind::Tmsp => "M2M Service Portal 3.0 (Telekom Deutschland)",
            BackendKind::Tmus => "Cisco IoT Control Center (T-Mobile US)",
            BackendKind::Intelsat => "Intelsat (satellite)",
            BackendKind::Iota => "Aeris IoT Accelerator",
            BackendKind::Jasper => "Cisco IoT Control Center (Etisalat)",
            BackendKind::Airlinq => "CMO Management Platform (Jio)",
            BackendKind::OneNce => "1NCE platform",
            BackendKind::Stc => "ConnectME (STC)",
            BackendKind::Turkcell => "Turkcell",
            BackendKind::Galaxy1 => "GALAXY1 (Viasat)",
            BackendKind::Cmo => "T IoT Hub CMO API v5",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown backend kind '{0}': expected one of TMSP, TMUS, INTELSAT, IOTA, JASPER, AIRLINQ, 1NCE, STC, TURKCELL, GALAXY1, CMO"
)]
pub struct UnknownKind(pub String);

impl FromStr for BackendKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let up = s.trim().to_ascii_uppercase();
        let up = if up == "VIASAT" {
            "GALAXY1".to_string()
        } else {
            up
        };
        BackendKind::ALL
            .into_iter()
            .find(|k| k.as_str() == up)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_serialize_as_seed_keys() {
        for k in BackendKind::ALL {
            assert_eq!(k.as_str().parse::<BackendKind>().unwrap(), k);
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!("1nce".parse::<BackendKind>().unwrap(), BackendKind::OneNce);
        assert!(
            "ACME"
                .parse::<BackendKind>()
                .unwrap_err()
                .to_string()
                .contains("ACME")
        );
    }
}
